"""SB3 vector-env wrapper that replaces the env reward with a learned one."""

from __future__ import annotations

from typing import Callable, Protocol

import numpy as np
import torch
from stable_baselines3.common.vec_env import VecEnv, VecEnvWrapper

from advrl.gail.buffer import TransitionBuffer


class RewardFn(Protocol):
    def __call__(self, obs: np.ndarray, acts: np.ndarray, next_obs: np.ndarray, dones: np.ndarray) -> np.ndarray: ...


def make_batch(obs: np.ndarray, acts: np.ndarray, next_obs: np.ndarray | None, dones: np.ndarray | None,
               device: torch.device | str = "cpu", absorbing: np.ndarray | None = None) -> dict[str, torch.Tensor]:
    """numpy transitions → the reward net's batch dict on ``device`` (``absorbing``:
    optional per-row flag marking the virtual absorbing state)."""
    obs_t = torch.as_tensor(np.asarray(obs), dtype=torch.float32, device=device)
    acts = np.asarray(acts)
    acts_t = torch.as_tensor(acts, device=device)
    acts_t = acts_t.long() if acts.dtype.kind in "iu" else acts_t.float()
    n = obs_t.shape[0]
    nxt = obs_t if next_obs is None else torch.as_tensor(np.asarray(next_obs), dtype=torch.float32, device=device)
    dn = torch.zeros(n, device=device) if dones is None else torch.as_tensor(np.asarray(dones), device=device).float()
    batch = {"obs": obs_t, "acts": acts_t, "next_obs": nxt, "dones": dn}
    if absorbing is not None:
        batch["absorbing"] = torch.as_tensor(np.asarray(absorbing), device=device).float()
    return batch


class CriticReward:
    """Reward from the *current* discriminator through the loop's critic
    (``critic.reward``: the objective's reward transform of D's logits).

    ``set_critic`` is called at the start of every generator step; the
    discriminator does not change during the step, so with ``fast=True`` (CPU)
    its logits come from a NumPy snapshot (:class:`NumpyRewardNet`) and only
    the objective's reward transform runs in torch — same numbers, less
    per-step overhead."""

    def __init__(self, fast: bool = True) -> None:
        self.critic = None
        self.fast = fast
        self._snapshot = None

    def set_critic(self, critic) -> None:
        from advrl.gail.reward_net import NumpyRewardNet, RewardNet

        self.critic = critic
        self._snapshot = None
        if self.fast and critic.device.type == "cpu" and isinstance(critic.discriminator, RewardNet):
            self._snapshot = NumpyRewardNet(critic.discriminator)

    def __call__(self, obs, acts, next_obs, dones, absorbing=None) -> np.ndarray:
        if self.critic is None:
            raise RuntimeError("CriticReward used before the trainer set its critic")
        if self._snapshot is not None:
            logits = torch.from_numpy(self._snapshot.logits(obs, acts, next_obs, dones, absorbing))
            return self.critic.objective.reward(logits).float().numpy()
        batch = make_batch(obs, acts, next_obs, dones, self.critic.device, absorbing)
        return self.critic.reward(batch).float().cpu().numpy()


class RewardVecEnvWrapper(VecEnvWrapper):
    """Replace each step's reward by ``reward_fn(obs, acts, next_obs, dones)``.

    The env reward is kept in ``info["true_reward"]``; put SB3's ``Monitor`` on
    the sub-envs (under this wrapper) so ``info["episode"]`` — and PPO's
    ``ep_info_buffer`` — report true episode returns. ``next_obs`` of a finished
    episode is ``info["terminal_observation"]`` (not the auto-reset obs). When a
    ``buffer`` is given every transition is also added to it.
    """

    def __init__(self, venv: VecEnv, reward_fn: RewardFn | Callable, buffer: TransitionBuffer | None = None,
                 absorbing_horizon: int | None = None, gamma: float = 0.99) -> None:
        super().__init__(venv)
        self.reward_fn = reward_fn
        self.buffer = buffer
        self.absorbing_horizon = absorbing_horizon
        self.gamma = float(gamma)
        self._t = np.zeros(self.num_envs, dtype=np.int64)
        self._obs: np.ndarray | None = None
        self._actions: np.ndarray | None = None
        self.reward_sum = 0.0
        self.reward_count = 0

    def reset(self) -> np.ndarray:
        self._obs = self.venv.reset()
        self._t[:] = 0
        return self._obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.array(actions, copy=True)
        self.venv.step_async(actions)

    def step_wait(self):
        obs, true_rewards, dones, infos = self.venv.step_wait()
        if self._obs is None:
            raise RuntimeError("RewardVecEnvWrapper: step() before reset()")
        next_obs = np.array(obs, copy=True)
        for i, done in enumerate(dones):
            if done and infos[i].get("terminal_observation") is not None:
                next_obs[i] = infos[i]["terminal_observation"]
        rewards = np.asarray(self.reward_fn(self._obs, self._actions, next_obs, dones), dtype=np.float32)
        if rewards.shape != (self.num_envs,):
            raise ValueError(f"reward function returned shape {rewards.shape}, expected ({self.num_envs},)")
        for info, true_reward in zip(infos, true_rewards):
            info["true_reward"] = float(true_reward)
        if self.buffer is not None:
            self.buffer.add(self._obs, self._actions, next_obs, dones)
        self._t += 1
        if self.absorbing_horizon:
            rewards = rewards + self._absorbing_bonus(dones, infos)
        self._t[np.asarray(dones, bool)] = 0
        self.reward_sum += float(rewards.sum())
        self.reward_count += len(rewards)
        self._obs = obs
        return obs, rewards, dones, infos

    def _absorbing_bonus(self, dones: np.ndarray, infos: list[dict]) -> np.ndarray:
        """DAC-style virtual absorbing state: an episode that truly terminates at
        step t < H is credited the discounted learned reward of spending the
        remaining H - t steps in the absorbing state, Σ_{k=1..H-t} γ^k r(s_abs),
        so ending early is worth exactly what the discriminator says the
        absorbing state is worth (no built-in survival bonus or penalty)."""
        bonus = np.zeros(self.num_envs, dtype=np.float32)
        ended = [i for i, d in enumerate(dones) if d and not infos[i].get("TimeLimit.truncated", False)
                 and self._t[i] < self.absorbing_horizon]
        if not ended:
            return bonus
        n = len(ended)
        zeros_obs = np.zeros((n, *self._obs.shape[1:]), np.float32)
        zeros_act = np.zeros((n, *np.asarray(self._actions).shape[1:]), np.asarray(self._actions).dtype)
        r_abs = np.asarray(self.reward_fn(zeros_obs, zeros_act, zeros_obs, np.zeros(n), absorbing=np.ones(n)))
        remaining = self.absorbing_horizon - self._t[ended]
        g = self.gamma
        factor = g * (1 - g ** remaining) / (1 - g) if g < 1 else remaining.astype(float)
        bonus[ended] = r_abs * factor
        if self.buffer is not None:
            self.buffer.add(zeros_obs, zeros_act, zeros_obs, np.ones(n, bool), weights=remaining.astype(np.float32),
                            absorbing=np.ones(n, np.float32))
        return bonus

    def pop_mean_reward(self) -> float:
        """Mean learned reward since the last call (for logging)."""
        mean = self.reward_sum / max(self.reward_count, 1)
        self.reward_sum, self.reward_count = 0.0, 0
        return mean
