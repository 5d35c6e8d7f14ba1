"""How GAIL treats episodes that end before the horizon: one object per mode.

GAIL's reward -log(1 - D) is positive, so in an env whose episodes end early
(CartPole falls) the *length* of an episode is itself a reward: even demos of a
random policy would "teach" balancing (imitation#40/#324). A :class:`Horizon`
decides, in one place, the three things that depend on this choice:

* ``train_env_id(env_id)`` — the env the generator runs in;
* ``expert_transitions(demos, max_steps, action_space)`` — the discriminator's real data,
  whose ``dones`` are true terminations (as the reward wrapper's on the policy's side:
  an episode as long as the time limit was cut, not ended);
* ``wrapper_horizon(max_steps)`` — the virtual absorbing horizon the reward
  wrapper credits (``None``: none), and ``absorbing_input`` — whether the reward
  net has an absorbing-state input.

Modes: ``absorbing`` (default; DAC, Kostrikov et al. 2019, without simulating the
absorbing steps), ``fixed`` (the ``advrl/*Fixed`` envs of :mod:`envs` simulate them)
and ``none`` (the env as registered: the survival bonus leaks; a control).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from advrl.core.errors import UserError

Transitions = dict[str, np.ndarray]


class Horizon:
    """Base: the env as registered, expert transitions as recorded (their ``dones`` made true
    terminations: :meth:`_terminated_steps`)."""

    name = "none"
    absorbing_input = False
    ppo_defaults: dict[str, Any] = {}  # the generator's PPO settings this mode changes (a user's --ppo wins)

    def train_env_id(self, env_id: str) -> str:
        import envs

        return envs.base_env_id(env_id)

    def expert_transitions(self, demos: Any, max_steps: int | None, action_space: gym.Space,
                           seed: int = 0) -> Transitions:
        return self._scorable(demos, max_steps)

    def wrapper_horizon(self, max_steps: int | None) -> int | None:
        return None

    def __repr__(self) -> str:
        return f"Horizon({self.name!r})"

    @staticmethod
    def _terminated_steps(demos: Any, max_steps: int | None) -> np.ndarray:
        """Per step: 1 where the MDP truly terminated (an episode's last step, flagged terminal), else 0 —
        the reward wrapper's ``dones`` on the policy's side (SB3: ``terminated``, a time-limit cut is not
        one). A file without terminal flags (``terminals_known`` False: every end is flagged) counts an
        episode as terminated only when it is shorter than the time limit."""
        flags = np.asarray(demos.terminals, bool) & np.asarray(demos.dones, bool)
        if max_steps and demos.metadata.get("terminals_known", True) is False:
            for sl in demos.episode_slices():
                if sl.stop - sl.start >= max_steps:
                    flags[sl.stop - 1] = False
        return flags.astype(np.float32)

    def _scorable(self, demos: Any, max_steps: int | None) -> Transitions:
        """The demos' transitions, ``dones`` as true terminations, less the rows a reward of s' cannot
        score: an episode cut (not terminated) whose file has no final observation (SB2 / baselines
        layouts), where ``next_obs`` is a copy of ``obs``; one row per such episode."""
        tr = demos.transitions()
        tr["dones"] = self._terminated_steps(demos, max_steps)
        keep = ~(np.asarray(demos.next_obs_missing, bool) & (tr["dones"] == 0))
        return tr if keep.all() else {k: v[keep] for k, v in tr.items()}

    @staticmethod
    def _early_ends(demos: Any, max_steps: int | None) -> tuple[list[slice], np.ndarray]:
        """Episode slices and which of them truly terminated before ``max_steps``."""
        if not max_steps:
            raise UserError("this horizon mode needs the env's max_episode_steps (a TimeLimit); use --horizon none")
        slices = demos.episode_slices()
        terminals = np.asarray(demos.terminals, bool)
        ended = np.array([bool(terminals[sl][-1]) and (sl.stop - sl.start) < max_steps for sl in slices])
        return slices, ended


class Absorbing(Horizon):
    """An episode that truly ends at t < H is credited the learned reward of the
    H - t steps it would spend in a *virtual* absorbing state: the reward wrapper
    shifts rewards by that state's reward (:class:`advrl.gail.wrapper.RewardVecEnvWrapper`),
    and the expert data gets one absorbing row per early end, weighted H - t."""

    name = "absorbing"
    absorbing_input = True

    def wrapper_horizon(self, max_steps: int | None) -> int | None:
        return int(max_steps) if max_steps else None

    def expert_transitions(self, demos: Any, max_steps: int | None, action_space: gym.Space,
                           seed: int = 0) -> Transitions:
        tr = self._scorable(demos, max_steps)
        slices, ended = self._early_ends(demos, max_steps)
        n, k = len(tr["dones"]), int(ended.sum())
        out = {**tr, "weights": np.ones(n, np.float32), "absorbing": np.zeros(n, np.float32)}
        if not k:
            return out
        lengths = np.array([sl.stop - sl.start for sl in slices])[ended]
        extra = {"obs": np.zeros((k, *tr["obs"].shape[1:]), np.float32),
                 "acts": np.zeros((k, *tr["acts"].shape[1:]), tr["acts"].dtype),
                 "next_obs": np.zeros((k, *tr["next_obs"].shape[1:]), np.float32),
                 "dones": np.ones(k, bool), "weights": (max_steps - lengths).astype(np.float32),
                 "absorbing": np.ones(k, np.float32)}
        return {key: np.concatenate([out[key], extra[key]]) for key in out}


class Fixed(Horizon):
    """Run the ``advrl/*Fixed`` env, where every episode lasts the horizon and sits
    in an absorbing state (terminal observation, reward 0) after a true end; expert
    episodes are padded the same way, with uniformly random actions (no action is
    more expert-like where actions have no effect)."""

    name = "fixed"
    # No entropy bonus and no per-minibatch advantage normalisation: after an early end ~80% of an episode's steps
    # are simulated ones whose actions change nothing, and with rl-zoo's CartPole row PPO drifted the warm-started
    # expert policy away within 10-30k steps even on the TRUE reward (500 -> 45 / 12 at 10k, seeds 0 / 1), with
    # GAIL's reward likewise; without the two, GAIL and the true reward both held 500 at every evaluation to 100k
    # (benchmarks/results/gail_classic_notes.md, session 23)
    ppo_defaults: dict[str, Any] = {"ent_coef": 0.0, "normalize_advantage": False}

    def train_env_id(self, env_id: str) -> str:
        import envs

        return envs.fixed_horizon_id(env_id)

    def expert_transitions(self, demos: Any, max_steps: int | None, action_space: gym.Space,
                           seed: int = 0) -> Transitions:
        tr = demos.transitions()
        slices, ended = self._early_ends(demos, max_steps)
        tr["dones"] = np.zeros(len(tr["dones"]), np.float32)  # the fixed env never terminates: it is cut at H
        rng = np.random.default_rng(seed)
        parts: list[Transitions] = []
        for sl, early in zip(slices, ended):
            parts.append({k: v[sl] for k, v in tr.items()})
            if early:
                pad = max_steps - (sl.stop - sl.start)
                terminal = np.repeat(tr["next_obs"][sl.stop - 1:sl.stop], pad, axis=0)
                parts.append({"obs": terminal, "acts": _uniform_actions(action_space, pad, rng, tr["acts"].dtype),
                              "next_obs": terminal, "dones": np.zeros(pad, np.float32)})
        return {k: np.concatenate([p[k] for p in parts]) for k in ("obs", "acts", "next_obs", "dones")}


def _uniform_actions(space: gym.Space, n: int, rng: np.random.Generator, dtype: np.dtype) -> np.ndarray:
    if isinstance(space, gym.spaces.Discrete):
        return rng.integers(space.n, size=n).astype(dtype)
    return rng.uniform(space.low, space.high, size=(n, *space.shape)).astype(dtype)


HORIZONS: dict[str, Horizon] = {h.name: h for h in (Absorbing(), Fixed(), Horizon())}


def make_horizon(name: str | Horizon) -> Horizon:
    """The :class:`Horizon` called ``name`` (``absorbing``, ``fixed`` or ``none``)."""
    if isinstance(name, Horizon):
        return name
    if name not in HORIZONS:
        raise UserError(f"unknown --horizon {name!r}; expected one of {', '.join(HORIZONS)}")
    return HORIZONS[name]


__all__ = ["Absorbing", "Fixed", "HORIZONS", "Horizon", "make_horizon"]
