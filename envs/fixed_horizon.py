"""Fixed-horizon variants of episodic envs (``--horizon fixed``).

GAIL's reward ``-log(1 - D)`` is positive, so in an env whose episodes end early
(CartPole falls, Acrobot swings up) the *length* of an episode is itself a
reward: a generator imitating even a random expert learns to balance
(imitation#40/#324, stable-baselines#627). The cure is to make every episode last
exactly the horizon, whatever the policy does.

How (the choice, and why). After the underlying env's true termination we do not
reset in place (seals' first design: the analysis in seals#10 shows silent resets
change which policies are optimal, because the agent gets to "retry"). Instead the
episode enters an **absorbing state**: for the remaining steps of the horizon the
observation stays the terminal observation, the reward is 0, the action has no
effect, and ``info["absorbing"] = True``. Consequences:

* every episode has exactly ``horizon`` steps (only ``truncated`` ends it);
* the true return of an episode equals the original env's return exactly (the
  absorbing steps add 0), so evaluation numbers are comparable to the standard env;
* the discriminator sees where the generator ended up (a fallen pole stays fallen),
  so there is nothing to gain by surviving unless the expert survived.

The default ``--horizon absorbing`` needs no env of its own: it credits the
absorbing steps *virtually* (see :mod:`advrl.gail.horizon`).
"""

from __future__ import annotations

from typing import Any, SupportsFloat

import gymnasium as gym

from advrl.core.errors import UserError


class FixedHorizon(gym.Wrapper):
    """Mask termination; after it, stay in an absorbing state (terminal obs,
    reward 0) until ``horizon`` steps have passed. Wrap the env *without* its
    own TimeLimit (or with one at least as long); truncation at ``horizon``
    comes from this wrapper."""

    def __init__(self, env: gym.Env, horizon: int) -> None:
        super().__init__(env)
        if horizon < 1:
            raise UserError(f"horizon must be >= 1, got {horizon}")
        self.horizon = int(horizon)
        self._t = 0
        self._absorbing = False
        self._last_obs: Any = None

    def reset(self, **kwargs: Any):
        obs, info = self.env.reset(**kwargs)
        self._t, self._absorbing, self._last_obs = 0, False, obs
        info["absorbing"] = False
        return obs, info

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        self._t += 1
        truncated = self._t >= self.horizon
        if self._absorbing:
            return self._last_obs, 0.0, False, truncated, {"absorbing": True}
        obs, reward, terminated, inner_truncated, info = self.env.step(action)
        self._last_obs = obs
        info = dict(info)
        info["absorbing"] = False
        if terminated:
            self._absorbing = True
            info["true_terminated"] = True
        return obs, reward, False, truncated or bool(inner_truncated), info


def make_fixed_horizon(env_id: str, horizon: int | None = None, **kwargs: Any) -> gym.Env:
    """``env_id`` with a fixed horizon (default: its registered ``max_episode_steps``)."""
    spec = gym.spec(env_id)
    horizon = int(horizon or spec.max_episode_steps or 0)
    if horizon < 1:
        raise UserError(f"{env_id} has no max_episode_steps; give a horizon for its fixed-horizon variant")
    # The inner TimeLimit is kept at the same horizon: it is never hit before ours,
    # because the inner env is not stepped while absorbing.
    return FixedHorizon(gym.make(env_id, **kwargs), horizon)
