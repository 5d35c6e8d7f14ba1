"""The two sides of the game, as small protocols the loop can drive.

A *batch* is whatever a family's data is made of (an image tensor, a dict of
(obs, acts, next_obs, dones) tensors, a pair of token tensors). The core never
looks inside a batch; it only moves it to a device (``to_device``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Iterator, Protocol, Union, runtime_checkable

import torch
from torch import nn

from advrl.core.objectives import Objective

Batch = Any
# What ``Discriminator.embed`` returns and ``head`` takes: one continuous tensor
# (images, transitions: the gradient penalty interpolates it) or a dict of tensors
# (token ids and masks of a dialogue pair: nothing continuous to interpolate).
Embedding = Union[torch.Tensor, dict[str, torch.Tensor]]


class Discriminator(nn.Module):
    """Scores batches: higher means "more real". ``forward`` returns one raw score
    (a logit, or a critic value) per sample, shape ``[B]``.

    Split into ``embed`` (batch → :data:`Embedding`) and ``head`` (embedding → score)
    so the loop can apply a gradient penalty on interpolates of the embedded real
    and fake batches (which needs a tensor embedding); the defaults treat the batch
    as the embedding already. ``features`` is the layer a feature-matching
    generator matches (Salimans et al. 2016); only discriminators that offer it
    can train such a generator.
    """

    def embed(self, batch: Batch) -> Embedding:
        return batch

    def head(self, x: Embedding) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, batch: Batch) -> torch.Tensor:
        return self.head(self.embed(batch))

    def features(self, batch: Batch) -> torch.Tensor:
        """Intermediate features ``[B, F]`` for feature matching."""
        raise NotImplementedError(f"{type(self).__name__} exposes no features (feature matching needs them)")

    def auxiliary_loss(self, real: Batch, fake: Batch) -> torch.Tensor | None:
        """Extra discriminator loss (e.g. supervised cross-entropy of a K+1 GAN,
        an entropy bonus). ``None`` by default."""
        return None


@runtime_checkable
class RealData(Protocol):
    """Source of real samples (images, expert transitions, human replies)."""

    def sample(self, n: int) -> Batch:
        """A batch of ``n`` real samples; randomness from torch's global RNG."""


@runtime_checkable
class Generator(Protocol):
    """The side that produces fakes and learns from the discriminator.

    ``generate`` feeds the discriminator's updates; ``train_step`` is one
    generator update, by backprop through ``critic.loss`` (differentiable
    generators) or from ``critic.reward`` (policies, token samplers).
    """

    def generate(self, n: int) -> Batch:
        """``n`` fakes for a discriminator step (no gradient needed)."""

    def train_step(self, critic: "Critic") -> dict[str, float]:
        """One generator update; returns scalars to log."""

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> Any: ...


@runtime_checkable
class OptimizedGenerator(Generator, Protocol):
    """A generator that owns one torch optimiser (image generators, the dialogue
    seq2seq): learning-rate schedules and fine-tuning phases act on it."""

    optimizer: torch.optim.Optimizer


@dataclass
class Critic:
    """What a generator sees of the discriminator during its step."""

    discriminator: Discriminator
    objective: Objective
    device: torch.device

    def scores(self, batch: Batch) -> torch.Tensor:
        """Raw discriminator scores (gradients flow to ``batch``)."""
        return self.discriminator(to_device(batch, self.device))

    def loss(self, fake: Batch) -> torch.Tensor:
        """The objective's differentiable generator loss on ``fake``."""
        return self.objective.generator_loss(self.scores(fake))

    def reward(self, batch: Batch) -> torch.Tensor:
        """Per-sample reward (no gradient) through the objective's transform,
        with the discriminator in eval mode (no dropout noise in rewards)."""
        with eval_mode(self.discriminator), torch.no_grad():
            return self.objective.reward(self.scores(batch))


@contextlib.contextmanager
def eval_mode(module: nn.Module) -> Iterator[nn.Module]:
    """``module`` in eval mode for the block, then back in the mode it was in."""
    was_training = module.training
    module.eval()
    try:
        yield module
    finally:
        module.train(was_training)


def to_device(batch: Batch, device: torch.device) -> Batch:
    """Move tensors in nested tuples/lists/dicts (or objects with ``.to``)."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        moved = [to_device(v, device) for v in batch]
        return type(batch)(*moved) if hasattr(batch, "_fields") else type(batch)(moved)
    if hasattr(batch, "to"):
        return batch.to(device)
    return batch
