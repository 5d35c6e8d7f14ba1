"""Learned rewards for a whole PPO rollout at once.

The discriminator does not change while PPO collects a rollout, so scoring each
vector-env step separately (one tiny batch per step) gives the same numbers as
scoring the rollout in one batch at its end — at many times the cost. The reward
wrapper runs ``deferred`` (steps return 0 and are recorded) and
:class:`LearnedRewardRolloutBuffer` adds the learned rewards, scaled by
:class:`RewardScaler`, to PPO's rollout buffer just before SB3 computes returns
and advantages. SB3's time-limit bootstrap (``γ·V(s_T)``, added per step to the
stored reward) is kept: the learned reward is added on top of it.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch
from stable_baselines3.common.buffers import RolloutBuffer
from stable_baselines3.common.running_mean_std import RunningMeanStd


class RewardScaler:
    """SB3 ``VecNormalize``'s reward scaling (``norm_obs=False``) over a whole rollout:
    rewards divided by the running standard deviation of the per-env discounted
    return, clipped to ±``clip``. The statistics are updated with the rollout's returns
    before scaling it (VecNormalize updates them step by step; Chan's update makes the
    statistics equal, only the rollout's own early steps see them a little later)."""

    def __init__(self, gamma: float, n_envs: int, clip: float = 10.0, epsilon: float = 1e-8) -> None:
        self.gamma, self.clip, self.epsilon = float(gamma), float(clip), float(epsilon)
        self.ret_rms = RunningMeanStd(shape=())
        self.returns = np.zeros(n_envs, np.float64)

    def __call__(self, rewards: np.ndarray, dones: np.ndarray) -> np.ndarray:
        returns = np.empty(rewards.shape, np.float64)
        for t in range(len(rewards)):
            self.returns = self.returns * self.gamma + rewards[t]
            returns[t] = self.returns
            self.returns[dones[t]] = 0.0
        self.ret_rms.update(returns.reshape(-1))
        scaled = rewards / np.sqrt(self.ret_rms.var + self.epsilon)
        return np.clip(scaled, -self.clip, self.clip).astype(np.float32)

    def state_dict(self) -> dict[str, Any]:
        return {"mean": torch.as_tensor(self.ret_rms.mean, dtype=torch.float64),
                "var": torch.as_tensor(self.ret_rms.var, dtype=torch.float64), "count": float(self.ret_rms.count),
                "returns": torch.as_tensor(self.returns, dtype=torch.float64)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.ret_rms.mean = state["mean"].numpy()
        self.ret_rms.var = state["var"].numpy()
        self.ret_rms.count = float(state["count"])
        if "returns" in state:
            self.returns = state["returns"].numpy().copy()


class LearnedRewardRolloutBuffer(RolloutBuffer):
    """A ``RolloutBuffer`` that adds ``relabel()`` — the learned rewards of the rollout
    just collected, ``(n_steps, n_envs)`` — to its rewards before computing returns and
    advantages."""

    def __init__(self, *args: Any, relabel: Callable[[], np.ndarray], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.relabel = relabel

    @classmethod
    def like(cls, buffer: RolloutBuffer, relabel: Callable[[], np.ndarray]) -> "LearnedRewardRolloutBuffer":
        """The same buffer as SB3 built for a PPO (size, spaces, device, γ, λ, envs), relabelled."""
        return cls(buffer.buffer_size, buffer.observation_space, buffer.action_space, device=buffer.device,
                   gae_lambda=buffer.gae_lambda, gamma=buffer.gamma, n_envs=buffer.n_envs, relabel=relabel)

    def compute_returns_and_advantage(self, last_values: torch.Tensor, dones: np.ndarray) -> None:
        learned = np.asarray(self.relabel(), np.float32)
        if learned.shape != self.rewards.shape:
            raise ValueError(f"learned rewards of shape {learned.shape}, the rollout buffer holds {self.rewards.shape}")
        self.rewards += learned
        super().compute_returns_and_advantage(last_values, dones)


def attach_learned_reward(ppo: Any, reward_env: Any, normalize: bool = True) -> RewardScaler | None:
    """Make ``ppo`` (whose env is, or wraps, the ``deferred`` ``reward_env``) learn from
    the learned reward of each rollout, scaled with PPO's γ when ``normalize``; returns
    the scaler (its statistics belong in a checkpoint) or ``None``."""
    scaler = RewardScaler(ppo.gamma, ppo.n_envs) if normalize else None

    def relabel() -> np.ndarray:
        rewards, dones = reward_env.rollout_rewards()
        return scaler(rewards, dones) if scaler is not None else rewards

    ppo.rollout_buffer = LearnedRewardRolloutBuffer.like(ppo.rollout_buffer, relabel)
    return scaler


__all__ = ["LearnedRewardRolloutBuffer", "RewardScaler", "attach_learned_reward"]
