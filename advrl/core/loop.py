"""The one adversarial training loop every family runs on.

One *round* is ``d_steps`` discriminator updates and ``g_steps`` generator
updates (generator first when ``generator_first``, as in GAIL's Algorithm 1
where fresh rollouts are needed before the discriminator can see them)::

    for round in 1..rounds:
        for _ in range(d_steps):                      # discriminator ascent
            real ~ real_data, fake ~ generator.generate
            minimise objective.discriminator_loss(D(real), D(fake)) [+ λ·GP] [+ aux]
        for _ in range(g_steps):                      # generator step
            generator.train_step(Critic(D, objective))  # backprop or reward

The loop owns optimisation of the discriminator, seeding, devices, logging
(TensorBoard + history), progress, callbacks and checkpoint/resume. It knows
nothing about images, rollouts or tokens.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import torch

from advrl.core.checkpoint import load_checkpoint, save_checkpoint
from advrl.core.logging import ScalarLogger
from advrl.core.errors import UserError, first_line
from advrl.core.interrupts import TrainingInterrupted, deferred_interrupts
from advrl.core.objectives import Objective
from advrl.core.progress import Progress
from advrl.core.protocols import Batch, Critic, Discriminator, Generator, RealData, to_device
from advrl.core.rundir import settings_differences
from advrl.core.runtime import resolve_device, rng_state, set_rng_state


@dataclass
class LoopConfig:
    """Hyperparameters of the shared loop."""

    rounds: int = 1000  # generator/discriminator rounds to run
    d_steps: int = 1  # discriminator updates per round (k in Goodfellow et al.)
    g_steps: int = 1  # generator updates per round
    batch_size: int = 64  # real and fake samples per discriminator update
    generator_first: bool = False  # GAIL order: rollouts, then discriminator
    d_lr: float = 2e-4  # discriminator Adam learning rate
    d_betas: tuple[float, float] = (0.5, 0.999)  # discriminator Adam betas
    seed: int = 0  # the run's seed: families seed construction with it; kept in checkpoints
    device: str = "auto"  # auto | cpu | cuda[:N]
    log_every: int = 10  # rounds between logged rows
    checkpoint_every: int = 0  # rounds between checkpoints (0: only at the end)
    checkpoint_path: str | None = None  # where checkpoints go (None: no checkpoints)
    logdir: str | None = None  # TensorBoard directory (None: history only)
    progress: bool = True  # a tqdm bar on a terminal, a line every 30 s otherwise


class Callback:
    """Hooks into the loop. Return ``True`` from ``on_round_end`` to stop."""

    def on_train_start(self, trainer: "AdversarialTrainer") -> None: ...

    def on_round_end(self, trainer: "AdversarialTrainer", metrics: dict[str, float]) -> bool | None: ...

    def on_train_end(self, trainer: "AdversarialTrainer") -> None: ...

    def state_dict(self) -> dict[str, Any] | None:
        """What a checkpoint keeps of this callback (its curve, an average of weights) so that a
        resumed run reports the whole run; ``None``: nothing (plain values and tensors only)."""
        return None

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (called by ``resume``, before training)."""


def adam(params: Any, lr: float, betas: tuple[float, float]) -> torch.optim.Optimizer:
    """Adam, fused (one kernel for all parameters) where torch has it for the device: the
    small discriminators of GAIL spend more time in the per-tensor update loop than in maths."""
    params = list(params)
    try:
        return torch.optim.Adam(params, lr=lr, betas=betas, fused=True)
    except (RuntimeError, TypeError, ValueError):  # no fused kernel for this device or dtype
        return torch.optim.Adam(params, lr=lr, betas=betas)


def gradient_penalty(
    discriminator: Discriminator, real: Batch, fake: Batch, target: float = 1.0,
    embedded: tuple[Any, Any] | None = None,
) -> torch.Tensor:
    """E[(||∇ D(x̂)|| - target)²] on random interpolates x̂ of embedded real and
    fake batches (Gulrajani et al. 2017; ``target=0`` gives a zero-centred penalty).
    ``embedded``: the batches' embeddings when the caller already has them."""
    x_real, x_fake = embedded or (discriminator.embed(real), discriminator.embed(fake))
    if not isinstance(x_real, torch.Tensor) or not isinstance(x_fake, torch.Tensor):
        raise UserError(f"{type(discriminator).__name__} embeds batches as {type(x_real).__name__}, not one "
                        "continuous tensor: a gradient penalty cannot interpolate it (use a loss without one)")
    x_real, x_fake = x_real.detach(), x_fake.detach()
    if x_real.shape != x_fake.shape:
        raise ValueError(
            f"gradient penalty needs real and fake embeddings of one shape, got "
            f"{tuple(x_real.shape)} and {tuple(x_fake.shape)}"
        )
    alpha = torch.rand((x_real.shape[0],) + (1,) * (x_real.dim() - 1), device=x_real.device)
    x_hat = (alpha * x_real + (1 - alpha) * x_fake).requires_grad_(True)
    scores = discriminator.head(x_hat)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - target) ** 2).mean()


class AdversarialTrainer:
    """Runs the adversarial game between ``generator`` and ``discriminator``.

    Args:
        generator: any object following the :class:`Generator` protocol.
        discriminator: a :class:`Discriminator` module (moved to the device).
        objective: how scores become losses and rewards.
        real_data: source of real batches.
        config: loop hyperparameters.
        callbacks: extra hooks (sample grids, evaluation, early stop).
        d_optimizer: factory ``params -> Optimizer`` (default Adam with ``d_lr``).
        run_config: the family's settings (plain values), kept in checkpoints; a resume
            whose settings differ (other than ``resume_may_change``) is refused naming them.
        resume_may_change: settings a resume may change (budgets, devices, paths).
    """

    def __init__(
        self,
        generator: Generator,
        discriminator: Discriminator,
        objective: Objective,
        real_data: RealData,
        config: LoopConfig | None = None,
        callbacks: list[Callback] | None = None,
        d_optimizer: Callable[[Any], torch.optim.Optimizer] | None = None,
        run_config: dict[str, Any] | None = None,
        resume_may_change: tuple[str, ...] = (),
    ) -> None:
        self.config = config or LoopConfig()
        # no seeding here: the family seeded once, before building its networks
        self.device = resolve_device(self.config.device)
        self.generator = generator
        self.discriminator = discriminator.to(self.device)
        self.objective = objective
        self.real_data = real_data
        self.callbacks = list(callbacks or [])
        make_opt = d_optimizer or (lambda params: adam(params, self.config.d_lr, self.config.d_betas))
        self.d_optimizer = make_opt(self.discriminator.parameters())
        self.critic = Critic(self.discriminator, self.objective, self.device)
        self.round = 0
        self.run_config = dict(run_config or {})
        self.resume_may_change = set(resume_may_change)
        self.logger = ScalarLogger(self.config.logdir)

    # ------------------------------------------------------------------ steps
    def discriminator_step(self) -> dict[str, float]:
        """One discriminator update on a real and a generated batch."""
        n = self.config.batch_size
        real = to_device(self.real_data.sample(n), self.device)
        fake = to_device(self.generator.generate(n), self.device)
        self.discriminator.train()
        (real_scores, x_real), (fake_scores, x_fake) = self._scored(real), self._scored(fake)
        loss = self.objective.discriminator_loss(real_scores, fake_scores)
        metrics: dict[str, float] = {}
        if self.objective.gp_weight > 0:
            embedded = (x_real, x_fake) if x_real is not None else None
            gp = gradient_penalty(self.discriminator, real, fake, self.objective.gp_target, embedded)
            loss = loss + self.objective.gp_weight * gp
            metrics["d/grad_penalty"] = gp.item()
        aux = self.discriminator.auxiliary_loss(real, fake)
        if aux is not None:
            loss = loss + aux
            metrics["d/aux_loss"] = aux.item()
        if not torch.isfinite(loss):
            raise FloatingPointError(f"discriminator loss became {loss.item()} at round {self.round}")
        self.d_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.d_optimizer.step()
        self.objective.after_discriminator_step(self.discriminator)
        metrics["d/loss"] = loss.item()
        metrics.update(self.objective.score_metrics(real_scores.detach(), fake_scores.detach()))
        return metrics

    def _scored(self, batch: Batch) -> tuple[torch.Tensor, Any]:
        """D's scores of ``batch`` and, when D scores as ``head(embed(batch))`` (the
        protocol's default ``forward``), the embedding, so that a gradient penalty
        need not embed the batch again."""
        if type(self.discriminator).forward is Discriminator.forward:
            x = self.discriminator.embed(batch)
            return self.discriminator.head(x), x
        return self.discriminator(batch), None

    def generator_step(self) -> dict[str, float]:
        """One generator update through the generator's own ``train_step``."""
        metrics = self.generator.train_step(self.critic)
        return {k if "/" in k else f"g/{k}": float(v) for k, v in metrics.items()}

    def train_round(self) -> dict[str, float]:
        """One round: ``d_steps`` discriminator and ``g_steps`` generator updates."""
        metrics: dict[str, float] = {}

        def run_d() -> None:
            for _ in range(self.config.d_steps):
                metrics.update(self.discriminator_step())

        def run_g() -> None:
            for _ in range(self.config.g_steps):
                metrics.update(self.generator_step())

        for part in ((run_g, run_d) if self.config.generator_first else (run_d, run_g)):
            part()
        self.round += 1
        return metrics

    # ------------------------------------------------------------------ loop
    def train(self, rounds: int | None = None) -> ScalarLogger:
        """Run ``rounds`` rounds (default: up to ``config.rounds`` in total).

        SIGINT/SIGTERM stop the loop at the end of the current round, after a
        checkpoint (when ``checkpoint_path`` is set): :class:`TrainingInterrupted`.
        """
        target = self.round + rounds if rounds is not None else self.config.rounds
        if target < self.round:
            raise UserError(f"the checkpoint is at round {self.round}, beyond the {target} rounds asked for; "
                            "ask for more rounds (or timesteps) to continue it")
        for cb in self.callbacks:
            cb.on_train_start(self)
        bar = Progress(target, self.round, enabled=self.config.progress)
        try:
            with deferred_interrupts() as interrupted:
                while self.round < target:
                    if self._round_and_hooks(target, bar) or interrupted():
                        break
                if interrupted():
                    raise TrainingInterrupted(self.round, self._checkpoint())
        finally:
            bar.close()
        self._checkpoint()
        for cb in self.callbacks:
            cb.on_train_end(self)
        self.logger.flush()
        return self.logger

    def _round_and_hooks(self, target: int, bar: Progress) -> bool:
        """One round, its logging, callbacks and periodic checkpoint; True to stop."""
        metrics = self.train_round()
        if self.round % self.config.log_every == 0 or self.round == target:
            self.logger.log(self.round, metrics)
        bar.update(1, {k.split("/")[-1]: f"{v:.3g}" for k, v in list(metrics.items())[:4]})
        stop = False
        for cb in self.callbacks:
            stop = bool(cb.on_round_end(self, metrics)) or stop
        every = self.config.checkpoint_every
        if every and self.round % every == 0:
            self._checkpoint()
        return stop

    def _checkpoint(self) -> Path | None:
        path = self.config.checkpoint_path
        return self.save(path) if path else None

    # ------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        return {
            "format": "advrl-checkpoint-v1",
            "round": self.round,
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "d_optimizer": self.d_optimizer.state_dict(),
            "rng": rng_state(),
            "config": {k: v for k, v in asdict(self.config).items() if not isinstance(v, tuple)},
            "run_config": self.run_config,
            "history": list(self.logger.history),  # a resumed run's curves start at round 0, not at the resume
            "callbacks": {key: state for key, cb in self._callback_keys() if (state := cb.state_dict()) is not None},
        }

    def _callback_keys(self) -> list[tuple[str, Callback]]:
        """Each callback with its checkpoint key: its class name, numbered among callbacks of that class."""
        seen: dict[str, int] = {}
        keyed = []
        for cb in self.callbacks:
            name = type(cb).__name__
            seen[name] = seen.get(name, 0) + 1
            keyed.append((f"{name}:{seen[name] - 1}", cb))
        return keyed

    def save(self, path: str | Path) -> Path:
        """Write a checkpoint atomically (rename over the old one)."""
        return save_checkpoint(self.state_dict(), path)

    def resume(self, path: str | Path) -> None:
        """Restore generator, discriminator, optimiser, round counter and RNGs so
        the next rounds are the ones an uninterrupted run would have produced."""
        state = load_checkpoint(path, map_location=self.device)
        if state.get("format") != "advrl-checkpoint-v1":
            raise UserError(f"{path}: not an advrl training checkpoint (format={state.get('format')!r})")
        differ = settings_differences(state.get("run_config") or {}, self.run_config, self.resume_may_change)
        if differ:
            raise UserError(f"--resume: {path} was trained with other settings ({'; '.join(differ)}); "
                            "resume with the same settings, or start a new run")
        try:
            self._load_state(state)
        except (KeyError, RuntimeError, ValueError) as exc:
            raise UserError(f"--resume: {path} does not fit this model ({first_line(exc)})") from None

    def _load_state(self, state: dict[str, Any]) -> None:
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        self.d_optimizer.load_state_dict(state["d_optimizer"])
        self.round = int(state["round"])
        set_rng_state(state["rng"])
        # checkpoints written before these were kept resume with the curves of the new rounds only
        self.logger.history = [dict(row) for row in state.get("history", [])]
        saved = state.get("callbacks", {})
        for key, cb in self._callback_keys():
            if key in saved:
                cb.load_state_dict(saved[key])


__all__ = ["AdversarialTrainer", "Callback", "LoopConfig", "gradient_penalty"]
