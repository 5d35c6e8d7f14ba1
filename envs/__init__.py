"""Gymnasium registrations of fixed-horizon classic-control envs (``import envs``).

``advrl/<Name>Fixed-<v>``: the episode always lasts the horizon; after the true
termination it stays in an absorbing state (terminal observation, reward 0), so
true returns equal the original env's. ``advrl/<Name>Absorbing-<v>``: the same
plus DAC's absorbing-state indicator as an extra observation dimension. See
:mod:`envs.fixed_horizon` for the reasoning (imitation#40/#324, seals#10).
"""

from __future__ import annotations

import gymnasium as gym

from envs.fixed_horizon import AbsorbingIndicator, FixedHorizon, make_fixed_horizon

# original id -> (fixed-horizon id, absorbing-indicator id)
VARIANTS: dict[str, tuple[str, str]] = {}

for _orig in ("CartPole-v1", "Acrobot-v1", "Pendulum-v1", "MountainCar-v0", "MountainCarContinuous-v0"):
    _name, _version = _orig.rsplit("-", 1)
    _ids = (f"advrl/{_name}Fixed-{_version}", f"advrl/{_name}Absorbing-{_version}")
    VARIANTS[_orig] = _ids
    for _id, _flag in zip(_ids, (False, True)):
        if _id not in gym.registry:
            gym.register(
                id=_id,
                entry_point="envs.fixed_horizon:make_fixed_horizon",
                kwargs={"env_id": _orig, "absorbing_indicator": _flag},
                max_episode_steps=gym.spec(_orig).max_episode_steps,
            )

HORIZON_MODES = ("fixed", "absorbing", "none")


def horizon_env_id(env_id: str, horizon: str) -> str:
    """The id to train on for ``--horizon fixed|absorbing|none``."""
    if horizon not in HORIZON_MODES:
        raise ValueError(f"unknown --horizon {horizon!r}; expected one of {', '.join(HORIZON_MODES)}")
    if horizon == "none":
        return env_id
    for orig, ids in VARIANTS.items():
        if env_id in (orig, *ids):
            return ids[0] if horizon == "fixed" else ids[1]
    if env_id not in gym.registry:
        raise ValueError(f"unknown env id {env_id!r} (not in gymnasium's registry)")
    new_id = f"advrl/{env_id.replace('/', '_')}-{horizon}"
    if new_id not in gym.registry:
        gym.register(id=new_id, entry_point="envs.fixed_horizon:make_fixed_horizon",
                     kwargs={"env_id": env_id, "absorbing_indicator": horizon == "absorbing"},
                     max_episode_steps=gym.spec(env_id).max_episode_steps)
    return new_id


def base_env_id(env_id: str) -> str:
    """The original id behind a fixed-horizon/absorbing id (itself otherwise)."""
    for orig, ids in VARIANTS.items():
        if env_id in ids:
            return orig
    spec = gym.registry.get(env_id)
    if spec is not None and isinstance(spec.kwargs, dict) and spec.kwargs.get("env_id") and \
            spec.entry_point == "envs.fixed_horizon:make_fixed_horizon":
        return spec.kwargs["env_id"]
    return env_id


__all__ = ["AbsorbingIndicator", "FixedHorizon", "HORIZON_MODES", "VARIANTS", "base_env_id",
           "horizon_env_id", "make_fixed_horizon"]
