"""How a GAN trains under one loss or method: one table entry, consulted in one place.

A :class:`Recipe` names the core objective and the optimiser settings that go with it
(WGAN needs 5 critic steps and Adam betas with a small beta1; a DCGAN one step and
β = (0.5, 0.999)). Each family of GAN keeps a table of them (``advrl.gan.LOSSES`` for
images, ``advrl.gan.METHODS`` for the 2-D mixtures); a config's ``lr``/``d_steps`` of
``None`` means "the recipe's". :func:`loop_for` turns a recipe into the loop's settings.
"""

from __future__ import annotations

import math

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, TypeVar

from advrl.core import AdversarialTrainer, LoopConfig, UserError, resolve_device


# settings a resume may change: the budget, devices, paths and reporting (not what is learned)
# ("data", the path, may change: a run's ``data_sha256``, of the images as loaded, may not)
RESUME_MAY_CHANGE = ("rounds", "device", "progress", "out", "logdir", "checkpoint_path", "checkpoint_every",
                     "sample_every", "log_every", "eval_every", "baseline", "data")

@dataclass(frozen=True)
class Recipe:
    """The objective of one loss/method and the Adam settings of both players."""

    objective: str  # an advrl.core objective name: ns | minimax | wgan-gp | wgan
    lr: float  # Adam learning rate of G and D
    betas: tuple[float, float]  # Adam betas of G and D
    d_steps: int = 1  # discriminator (critic) updates per round

    def with_overrides(self, lr: float | None = None, d_steps: int | None = None) -> "Recipe":
        """This recipe with the values a config sets explicitly (``None`` keeps the recipe's)."""
        given = {"lr": lr, "d_steps": d_steps}
        return replace(self, **{k: v for k, v in given.items() if v is not None})


R = TypeVar("R")


def lookup(table: Mapping[str, R], name: str, flag: str) -> R:
    """``table[name]``, or a :class:`UserError` naming ``flag`` and the choices."""
    if name not in table:
        raise UserError(f"unknown {flag} {name!r}; expected one of {', '.join(table)}")
    return table[name]


def check_positive(**values: float) -> None:
    """A :class:`UserError` naming the flags (``batch_size`` → ``--batch-size``) whose value is not > 0."""
    bad = [name for name, value in values.items() if not (0 < value < math.inf)]  # NaN and infinity too
    if bad:
        flags = " and ".join(f"--{name.replace('_', '-')}" for name in bad)
        raise UserError(f"{flags} must be positive, got {', '.join(str(values[b]) for b in bad)}")


# the loop fields a recipe decides: set them on the GAN config (lr, d_steps, loss/method), not on its loop
_DERIVED = ("d_steps", "d_lr", "d_betas")


def loop_for(recipe: Recipe, loop: LoopConfig) -> LoopConfig:
    """A new loop config: ``loop`` with the discriminator's steps, lr and betas from ``recipe``
    and the device resolved (``auto`` → ``cuda`` or ``cpu``). ``loop`` is not changed."""
    check_positive(rounds=loop.rounds, batch_size=loop.batch_size, d_steps=recipe.d_steps, lr=recipe.lr)
    default = LoopConfig()
    clash = [name for name in _DERIVED if getattr(loop, name) != getattr(default, name)]
    if clash:
        raise ValueError(f"loop.{clash[0]} is decided by the GAN's loss/method and its lr/d_steps fields; "
                         "set those on the GAN config and leave the loop's at the LoopConfig default")
    return replace(loop, d_steps=recipe.d_steps, d_lr=recipe.lr, d_betas=recipe.betas,
                   device=str(resolve_device(loop.device)))


C = TypeVar("C")


def as_run(cfg: C, trainer: AdversarialTrainer) -> C:
    """``cfg`` with what the trainer really uses: its loop, and the resolved ``lr``/``d_steps``
    where the config has those fields (for ``config.json`` and results files)."""
    own = {f.name for f in fields(cfg)}  # type: ignore[arg-type]
    resolved: dict[str, Any] = {"loop": trainer.config, "lr": trainer.config.d_lr, "d_steps": trainer.config.d_steps}
    return replace(cfg, **{k: v for k, v in resolved.items() if k in own})  # type: ignore[type-var]


__all__ = ["RESUME_MAY_CHANGE", "Recipe", "as_run", "check_positive", "lookup", "loop_for"]
