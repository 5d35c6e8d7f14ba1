"""SB3 vector-env wrapper that replaces the env reward with a learned one."""

from __future__ import annotations

import functools
from typing import Callable, Protocol

import numpy as np
import torch
from stable_baselines3.common.vec_env import VecEnv, VecEnvWrapper

from advrl.gail.buffer import TransitionBuffer


@functools.cache
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread():
    """A context in which NumPy's BLAS runs on one thread: the reward net's matmuls are
    small, and OpenBLAS's worker threads, once woken, spin on the cores PPO needs."""
    return _blas_controller().limit(limits=1, user_api="blas")


class RewardFn(Protocol):
    """``dones``: the MDP *terminated* at ``next_obs`` (a time-limit cut is not a termination)."""

    def __call__(self, obs: np.ndarray, acts: np.ndarray, next_obs: np.ndarray, dones: np.ndarray) -> np.ndarray: ...


def terminations(dones: np.ndarray, infos: list[dict]) -> np.ndarray:
    """Which of a VecEnv step's ``dones`` are true terminations (SB3's VecEnvs mark a time-limit
    cut with ``info["TimeLimit.truncated"]``): the flag a reward's ``dones`` input holds. A
    VecEnv that sets no such flag has every episode end counted as a termination."""
    dones = np.asarray(dones, bool)
    if not dones.any():
        return dones
    return np.array([bool(d) and not infos[i].get("TimeLimit.truncated", False) for i, d in enumerate(dones)])


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
    episode is ``info["terminal_observation"]`` (not the auto-reset obs); the reward
    and the buffer get ``dones`` as true terminations (:func:`terminations`: an episode
    cut by its time limit goes on in the MDP, so AIRL's γh(s') stays in f there). When a
    ``buffer`` is given every transition is also added to it.

    ``deferred=True`` (the GAIL generator): steps return reward 0 and are only
    recorded; :meth:`rollout_rewards` then scores the whole rollout in one batch
    (the reward does not change within a rollout, so the numbers are the same as
    per step, at a fraction of the cost) — :class:`advrl.gail.rollout_rewards.
    LearnedRewardRolloutBuffer` adds them to PPO's buffer before its advantages.

    ``cap_absorbing`` (set where the expert's episodes never end early): once an episode
    here has ended early, the absorbing state's reward is capped at the lowest reward of
    the scored batch (the rollout, in ``deferred`` mode), so that no visited step is worth
    less than ending. The expert puts no mass on the absorbing state, so D*(absorbing) = 0
    sits below every state's; D itself, regularised towards flat and never shown the
    absorbing state while the policy does not fall, rates it like an average state, and on
    CartPole that made ending early look better than balancing on half the seeds (session 21:
    the policy fell to 10 steps and climbed back). In an env that never terminates the shift
    is a constant that changes nothing, so it is left as it was until the first early end
    (a wrapper's own: a run resumed from a checkpoint waits for its next one).
    """

    def __init__(self, venv: VecEnv, reward_fn: RewardFn | Callable, buffer: TransitionBuffer | None = None,
                 absorbing_horizon: int | None = None, deferred: bool = False, cap_absorbing: bool = False) -> None:
        super().__init__(venv)
        self.reward_fn = reward_fn
        self.buffer = buffer
        self.absorbing_horizon = absorbing_horizon
        self.deferred = deferred
        self.cap_absorbing = cap_absorbing
        self._ended_early = False  # an episode here has truly ended before the horizon
        self._rollout: list[tuple[np.ndarray, ...]] = []  # (obs, acts, next_obs, terminated, dones) per step
        self._t = np.zeros(self.num_envs, dtype=np.int64)
        self._r_abs: tuple[int, float] | None = None
        self._obs: np.ndarray | None = None
        self._actions: np.ndarray | None = None
        self.reward_sum = 0.0
        self.reward_count = 0

    def reset(self) -> np.ndarray:
        self._obs = self.venv.reset()
        self._t[:] = 0
        self._rollout = []  # steps of an unfinished rollout belong to episodes that no longer run
        return self._obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.array(actions, copy=True)
        self.venv.step_async(actions)

    def step_wait(self):
        obs, true_rewards, dones, infos = self.venv.step_wait()
        if self._obs is None:
            raise RuntimeError("RewardVecEnvWrapper: step() before reset()")
        dones = np.asarray(dones, bool)
        next_obs = obs  # VecEnvs hand out a fresh array each step; copied only to patch terminal obs
        if dones.any():
            next_obs = np.array(obs, copy=True)
            for i in np.flatnonzero(dones):
                if infos[i].get("terminal_observation") is not None:
                    next_obs[i] = infos[i]["terminal_observation"]
        for info, true_reward in zip(infos, true_rewards):
            info["true_reward"] = float(true_reward)
        self._t += 1
        terminated = terminations(dones, infos)
        if self.deferred:
            self._rollout.append((self._obs, self._actions, next_obs, terminated, dones))
            rewards = np.zeros(self.num_envs, np.float32)
            if self.absorbing_horizon and terminated.any():
                self._absorbing_rows(terminated)
        else:
            rewards = self._score(self._obs, self._actions, next_obs, terminated, ended=terminated)
        self._t[dones] = 0
        self._obs = obs
        return obs, rewards, dones, infos

    def _score(self, obs: np.ndarray, acts: np.ndarray, next_obs: np.ndarray, terminated: np.ndarray,
               ended: np.ndarray | None = None) -> np.ndarray:
        """The learned rewards of these transitions (``terminated``: true terminations; less
        the absorbing state's with a virtual absorbing horizon), the transitions into the
        buffer — then, per step, the absorbing rows of the episodes that terminated there
        (``ended``, one flag per env; deferred mode adds those as the steps come)."""
        rewards = np.asarray(self.reward_fn(obs, acts, next_obs, terminated), dtype=np.float32)
        if rewards.shape != (len(obs),):
            raise ValueError(f"reward function returned shape {rewards.shape}, expected ({len(obs)},)")
        if self.buffer is not None:
            self.buffer.add(obs, acts, next_obs, terminated)
        if self.absorbing_horizon:
            if ended is not None:
                self._absorbing_rows(ended)
            r_abs = self._absorbing_reward()
            if self.cap_absorbing and self._ended_early:
                r_abs = min(r_abs, float(rewards.min()))
            rewards = rewards - np.float32(r_abs)
        self.reward_sum += float(rewards.sum())
        self.reward_count += len(rewards)
        return rewards

    def rollout_rewards(self) -> tuple[np.ndarray, np.ndarray]:
        """(rewards, dones), each ``(steps, n_envs)``, of the steps recorded since the
        last call (``deferred`` mode; ``dones``: episode ends, time-limit cuts included),
        scored in one batch by the current reward (less the absorbing state's, with a
        virtual absorbing horizon); the transitions go to the buffer as one chunk."""
        if not self._rollout:
            raise RuntimeError("rollout_rewards: no steps recorded (deferred=True and a rollout first)")
        steps, n = len(self._rollout), self.num_envs
        obs, acts, next_obs, terminated, dones = (np.concatenate(part) for part in zip(*self._rollout))
        self._rollout = []
        with one_blas_thread():  # a rollout-sized NumPy matmul would wake OpenBLAS's spinning threads
            rewards = self._score(obs, acts, next_obs, terminated)
        return rewards.reshape(steps, n), dones.reshape(steps, n)

    def _absorbing_reward(self) -> float:
        """The learned reward of the absorbing state (cached per reward version:
        :class:`CriticReward` bumps ``version`` whenever the discriminator changes)."""
        version = getattr(self.reward_fn, "version", 0)
        if self._r_abs is None or self._r_abs[0] != version:
            self._r_abs = (version, absorbing_state_reward(self.reward_fn, self._obs.shape[1:],
                                                           np.asarray(self._actions)))
        return self._r_abs[1]

    def _absorbing_rows(self, terminated: np.ndarray) -> None:
        """Virtual absorbing state (DAC, Kostrikov et al. 2019) for an on-policy learner.

        Every episode is thought of as lasting H steps, the steps after a true
        termination at t < H being spent in the absorbing state with learned
        reward r_abs. Subtracting the constant r_abs from every step's reward
        changes every such H-step return by the same amount, so it does not change
        which policy is best, and it makes the absorbing steps worth exactly 0 —
        so the episode can simply end at t, with no lump-sum bonus for PPO's value
        function to chase. Ending early is then worth what the discriminator says
        the absorbing state is worth relative to the states the policy would visit.
        Each termination puts one absorbing row, weighted H - t, in the buffer (here);
        the shift by r_abs is applied where rewards are computed.
        """
        ended = [i for i in np.flatnonzero(terminated) if self._t[i] < self.absorbing_horizon]
        self._ended_early = self._ended_early or bool(ended)
        if ended and self.buffer is not None:
            n = len(ended)
            zeros_obs = np.zeros((n, *self._obs.shape[1:]), np.float32)
            acts = np.asarray(self._actions)
            zeros_act = np.zeros((n, *acts.shape[1:]), acts.dtype)
            remaining = (self.absorbing_horizon - self._t[ended]).astype(np.float32)
            self.buffer.add(zeros_obs, zeros_act, zeros_obs, np.ones(n, bool), weights=remaining,
                            absorbing=np.ones(n, np.float32))

    def pop_mean_reward(self) -> float:
        """Mean learned reward since the last call (for logging)."""
        mean = self.reward_sum / max(self.reward_count, 1)
        self.reward_sum, self.reward_count = 0.0, 0
        return mean
