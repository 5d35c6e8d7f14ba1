"""Observation normalisation inside a PPO policy (rl-zoo's ``normalize: true``, without ``VecNormalize``).

rl-zoo's tuned MuJoCo PPO rows all train on observations normalised by running statistics. Here the
statistics live in the policy's features extractor (:class:`NormalizedObsExtractor`, buffers in the
``state_dict``), so the policy maps RAW observations to actions everywhere: evaluation, ``predict``,
AIRL's log-probabilities, a saved ``policy.zip``, and the discriminator, which keeps seeing raw
observations. :class:`ObsNormPPO` updates the statistics with each rollout's observations after the
PPO update on that rollout, so a rollout is collected and trained on with the same statistics.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor

from advrl.gail.reward_net import RunningNorm


class NormalizedObsExtractor(BaseFeaturesExtractor):
    """Flatten, then ``(obs - mean) / sqrt(var + 1e-8)`` clipped to ±``clip`` (``VecNormalize``'s
    defaults), with running statistics updated only through :meth:`update`."""

    def __init__(self, observation_space: gym.spaces.Box, clip: float = 10.0) -> None:
        dim = int(np.prod(observation_space.shape))
        super().__init__(observation_space, dim)
        self.norm = RunningNorm(dim, eps=1e-8, clip=clip)

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        return self.norm(observations.reshape(observations.shape[0], -1).float())

    @torch.no_grad()
    def update(self, observations: np.ndarray | torch.Tensor) -> None:
        """Add a batch of raw observations (any leading shape) to the statistics."""
        self.norm.update(torch.as_tensor(np.asarray(observations), dtype=torch.float32, device=self.norm.mean.device))


def update_obs_norm(policy: torch.nn.Module, observations: np.ndarray) -> int:
    """Update every :class:`NormalizedObsExtractor` of ``policy`` (one, or the actor's and the
    critic's when they do not share it) with ``observations``; returns how many were updated."""
    extractors = [m for m in policy.modules() if isinstance(m, NormalizedObsExtractor)]
    for extractor in extractors:
        extractor.update(observations)
    return len(extractors)


class ObsNormPPO(PPO):
    """SB3 ``PPO`` whose policy normalises its observations (:class:`NormalizedObsExtractor`); after
    each update the statistics take in the rollout just trained on."""

    def train(self) -> None:
        super().train()
        update_obs_norm(self.policy, self.rollout_buffer.observations)


def wants_obs_norm(kwargs: dict[str, Any], observation_space: gym.Space) -> bool:
    """Pop ``normalize_obs`` from PPO keyword arguments; true only for a flat ``Box`` observation space
    (images and dict spaces keep SB3's own extractor)."""
    flag = bool(kwargs.pop("normalize_obs", False))
    return flag and isinstance(observation_space, gym.spaces.Box) and len(observation_space.shape) == 1


__all__ = ["NormalizedObsExtractor", "ObsNormPPO", "update_obs_norm", "wants_obs_norm"]
