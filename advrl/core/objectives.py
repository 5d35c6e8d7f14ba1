"""Adversarial objectives as small, interchangeable objects (torchgan style).

Every objective turns the discriminator's raw scores (logits for the GAN losses,
critic values for Wasserstein) into three things:

* ``discriminator_loss(real, fake)`` — minimised by the discriminator;
* ``generator_loss(fake)`` — minimised by a *differentiable* generator (images);
* ``reward(fake)`` — maximised by a *non-differentiable* generator (GAIL's PPO
  policy, the dialogue seq2seq trained by REINFORCE).

Rewards are chosen by name so that GAIL users can pick the transform they know:
``"neg_log_one_minus_d"`` (-log(1-D), always positive; GAIL's original reward),
``"log_d"`` (log D, always negative), ``"logit"`` (log D - log(1-D), AIRL style),
``"d"`` (the probability D itself; Li et al.'s dialogue reward) and ``"critic"``
(the raw Wasserstein critic value).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from advrl.core.errors import UserError

RewardFn = Callable[[torch.Tensor], torch.Tensor]

REWARDS: dict[str, RewardFn] = {
    "neg_log_one_minus_d": lambda logit: F.softplus(logit),  # -log(1 - sigmoid(l))
    "log_d": lambda logit: -F.softplus(-logit),  # log sigmoid(l)
    "logit": lambda logit: logit,
    "d": torch.sigmoid,
    "critic": lambda value: value,
}


# the same transforms on NumPy logits, for per-env-step rewards where torch's dispatch
# costs more than the maths (GAIL's reward wrapper); equal to REWARDS (tested)
NUMPY_REWARDS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "neg_log_one_minus_d": lambda logit: np.logaddexp(0.0, logit),
    "log_d": lambda logit: -np.logaddexp(0.0, -logit),
    "logit": lambda logit: logit,
    "d": lambda logit: 0.5 * (1.0 + np.tanh(0.5 * logit)),
    "critic": lambda value: value,
}


def _reward_fn(name: str) -> RewardFn:
    if name not in REWARDS:
        raise UserError(f"unknown reward {name!r}; expected one of {sorted(REWARDS)}")
    return REWARDS[name]


@dataclass
class Objective:
    """Base class. Subclasses define the three losses; ``gp_weight`` > 0 adds a
    gradient penalty (computed by the loop, which owns the interpolation)."""

    reward_name: str = "neg_log_one_minus_d"
    gp_weight: float = 0.0
    gp_target: float = 1.0
    name: str = "base"

    def discriminator_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def generator_loss(self, fake: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def reward(self, fake: torch.Tensor) -> torch.Tensor:
        """Per-sample reward for a non-differentiable generator (no gradient)."""
        with torch.no_grad():
            return _reward_fn(self.reward_name)(fake)

    def reward_numpy(self, scores: np.ndarray) -> np.ndarray:
        """:meth:`reward` on NumPy scores (same numbers, no torch dispatch); called per env step."""
        fn = NUMPY_REWARDS.get(self.reward_name)
        return fn(scores) if fn is not None else _reward_fn(self.reward_name)(scores)  # the latter raises

    def after_discriminator_step(self, discriminator: torch.nn.Module) -> None:
        """Hook run after each discriminator optimiser step (weight clipping)."""

    def score_metrics(self, real: torch.Tensor, fake: torch.Tensor) -> dict[str, float]:
        """What to log of a discriminator step's raw scores: D(real), D(fake), accuracy
        for the logit-scoring objectives."""
        acc = 0.5 * ((real > 0).float().mean() + (fake < 0).float().mean())
        return {"d/real": torch.sigmoid(real).mean().item(), "d/fake": torch.sigmoid(fake).mean().item(),
                "d/accuracy": acc.item()}


def _bce_discriminator_loss(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """-E[log D(x)] - E[log(1 - D(G(z)))] with D = sigmoid(logit)."""
    return F.softplus(-real).mean() + F.softplus(fake).mean()


@dataclass
class Minimax(Objective):
    """Goodfellow et al.'s saturating game: G minimises E[log(1 - D(G(z)))]. A gradient
    penalty, when asked for, is zero-centred (Mescheder et al. 2018): D stays flat
    where real and fake agree."""

    name: str = "minimax"
    gp_target: float = 0.0

    def discriminator_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        return _bce_discriminator_loss(real, fake)

    def generator_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return -F.softplus(fake).mean()  # log(1 - sigmoid(l)) = -softplus(l)


@dataclass
class NonSaturating(Objective):
    """The non-saturating heuristic: G maximises E[log D(G(z))]. A gradient penalty,
    when asked for, is zero-centred (as for :class:`Minimax`)."""

    name: str = "ns"
    reward_name: str = "log_d"
    gp_target: float = 0.0

    def discriminator_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        return _bce_discriminator_loss(real, fake)

    def generator_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return F.softplus(-fake).mean()  # -log sigmoid(l)


@dataclass
class Wasserstein(Objective):
    """WGAN critic loss E[f(G(z))] - E[f(x)]; ``gp_weight`` (WGAN-GP, default 10)
    or ``clip`` (original WGAN weight clipping) keeps the critic Lipschitz."""

    name: str = "wgan-gp"
    reward_name: str = "critic"
    gp_weight: float = 10.0
    clip: float | None = None

    def discriminator_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        return fake.mean() - real.mean()

    def generator_loss(self, fake: torch.Tensor) -> torch.Tensor:
        return -fake.mean()

    def score_metrics(self, real: torch.Tensor, fake: torch.Tensor) -> dict[str, float]:
        """Critic values and their gap (the Wasserstein estimate); no probabilities."""
        return {"d/critic_real": real.mean().item(), "d/critic_fake": fake.mean().item(),
                "d/wasserstein": (real.mean() - fake.mean()).item()}

    def after_discriminator_step(self, discriminator: torch.nn.Module) -> None:
        if self.clip is not None:
            with torch.no_grad():
                for p in discriminator.parameters():
                    p.clamp_(-self.clip, self.clip)


OBJECTIVES: dict[str, Callable[..., Objective]] = {
    "minimax": Minimax,
    "ns": NonSaturating,
    "non-saturating": NonSaturating,
    "wgan-gp": Wasserstein,
    "wgan": lambda **kw: Wasserstein(**{"gp_weight": 0.0, "clip": 0.01, "name": "wgan", **kw}),
}


def make_objective(name: str, **overrides) -> Objective:
    """Build an objective by name (``minimax``, ``ns``, ``wgan-gp``, ``wgan``).

    ``overrides`` set fields such as ``reward_name="logit"`` or ``gp_weight=1.0``.
    """
    if name not in OBJECTIVES:
        raise UserError(f"unknown loss {name!r}; expected one of {sorted(OBJECTIVES)}")
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if "reward_name" in overrides:
        _reward_fn(overrides["reward_name"])
    return OBJECTIVES[name](**overrides)
