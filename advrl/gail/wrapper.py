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


def absorbing_state_reward(reward_fn: Callable, obs_shape: tuple[int, ...], acts_like: np.ndarray) -> float:
    """The learned reward of the virtual absorbing state (``absorbing=1``; the reward
    net zeroes every other feature there, so only the shapes of obs/actions matter)."""
    zeros_obs = np.zeros((1, *obs_shape), np.float32)
    zeros_act = np.zeros((1, *np.asarray(acts_like).shape[1:]), np.asarray(acts_like).dtype)
    return float(np.asarray(reward_fn(zeros_obs, zeros_act, zeros_obs, np.zeros(1), absorbing=np.ones(1)))[0])


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
        self.version = 0  # bumped at every set_critic (the discriminator may have changed)

    def set_critic(self, critic) -> None:
        from advrl.gail.reward_net import NumpyRewardNet, RewardNet

        self.critic = critic
        self.version += 1
        self._snapshot = None
        if self.fast and critic.device.type == "cpu" and isinstance(critic.discriminator, RewardNet):
            self._snapshot = NumpyRewardNet(critic.discriminator)

    def __call__(self, obs, acts, next_obs, dones, absorbing=None) -> np.ndarray:
        if self.critic is None:
            raise RuntimeError("CriticReward used before the trainer set its critic")
        if self._snapshot is not None:
            logits = self._snapshot.logits(obs, acts, next_obs, dones, absorbing)
            return self.critic.objective.reward_numpy(logits).astype(np.float32)
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
                 absorbing_horizon: int | None = None) -> None:
        super().__init__(venv)
        self.reward_fn = reward_fn
        self.buffer = buffer
        self.absorbing_horizon = absorbing_horizon
        self._t = np.zeros(self.num_envs, dtype=np.int64)
        self._r_abs: tuple[int, float] | None = None
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
            rewards = self._absorbing_shift(rewards, dones, infos)
        self._t[np.asarray(dones, bool)] = 0
        self.reward_sum += float(rewards.sum())
        self.reward_count += len(rewards)
        self._obs = obs
        return obs, rewards, dones, infos

    def _absorbing_reward(self) -> float:
        """The learned reward of the absorbing state (cached per reward version:
        :class:`CriticReward` bumps ``version`` whenever the discriminator changes)."""
        version = getattr(self.reward_fn, "version", 0)
        if self._r_abs is None or self._r_abs[0] != version:
            self._r_abs = (version, absorbing_state_reward(self.reward_fn, self._obs.shape[1:],
                                                           np.asarray(self._actions)))
        return self._r_abs[1]

    def _absorbing_shift(self, rewards: np.ndarray, dones: np.ndarray, infos: list[dict]) -> np.ndarray:
        """Virtual absorbing state (DAC, Kostrikov et al. 2019) for an on-policy learner.

        Every episode is thought of as lasting H steps, the steps after a true
        termination at t < H being spent in the absorbing state with learned
        reward r_abs. Subtracting the constant r_abs from every step's reward
        changes every such H-step return by the same amount, so it does not change
        which policy is best, and it makes the absorbing steps worth exactly 0 —
        so the episode can simply end at t, with no lump-sum bonus for PPO's value
        function to chase. Ending early is then worth what the discriminator says
        the absorbing state is worth relative to the states the policy would visit.
        Each termination also puts one absorbing row, weighted H - t, in the buffer.
        """
        r_abs = self._absorbing_reward()
        ended = [i for i, d in enumerate(dones) if d and not infos[i].get("TimeLimit.truncated", False)
                 and self._t[i] < self.absorbing_horizon]
        if ended and self.buffer is not None:
            n = len(ended)
            zeros_obs = np.zeros((n, *self._obs.shape[1:]), np.float32)
            acts = np.asarray(self._actions)
            zeros_act = np.zeros((n, *acts.shape[1:]), acts.dtype)
            remaining = (self.absorbing_horizon - self._t[ended]).astype(np.float32)
            self.buffer.add(zeros_obs, zeros_act, zeros_obs, np.ones(n, bool), weights=remaining,
                            absorbing=np.ones(n, np.float32))
        return rewards - np.float32(r_abs)

    def pop_mean_reward(self) -> float:
        """Mean learned reward since the last call (for logging)."""
        mean = self.reward_sum / max(self.reward_count, 1)
        self.reward_sum, self.reward_count = 0.0, 0
        return mean
