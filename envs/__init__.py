"""Gymnasium registrations of fixed-horizon classic-control envs (``import envs``).

``advrl/<Name>Fixed-<v>``: the episode always lasts the horizon; after the true
termination it stays in an absorbing state (terminal observation, reward 0), so
true returns equal the original env's. Any other registered env gets its
fixed-horizon id on demand (:func:`fixed_horizon_id`). See :mod:`envs.fixed_horizon`
for the reasoning (imitation#40/#324, seals#10).
"""

from __future__ import annotations

import gymnasium as gym

from advrl.core.errors import UserError, first_line
from envs.fixed_horizon import FixedHorizon, make_fixed_horizon

ENTRY_POINT = "envs.fixed_horizon:make_fixed_horizon"
# original id -> fixed-horizon id
FIXED: dict[str, str] = {}


def _register_fixed(orig: str, fixed_id: str) -> str:
    if fixed_id not in gym.registry:
        gym.register(id=fixed_id, entry_point=ENTRY_POINT, kwargs={"env_id": orig},
                     max_episode_steps=gym.spec(orig).max_episode_steps)
    FIXED[orig] = fixed_id
    return fixed_id


for _orig in ("CartPole-v1", "Acrobot-v1", "Pendulum-v1", "MountainCar-v0", "MountainCarContinuous-v0"):
    _name, _version = _orig.rsplit("-", 1)
    _register_fixed(_orig, f"advrl/{_name}Fixed-{_version}")


def check_env_id(env_id: str) -> None:
    """Raise one clear :class:`UserError` for an id gymnasium does not know."""
    if env_id not in gym.registry:
        close = [k for k in gym.registry if env_id.lower().split("-")[0] in k.lower()][:5]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UserError(f"unknown env id {env_id!r} (not in gymnasium's registry){hint}")
    entry_point = gym.registry[env_id].entry_point
    if isinstance(entry_point, str):  # importing it is where a missing extra (Box2D, MuJoCo, ALE) shows
        try:
            gym.envs.registration.load_env_creator(entry_point)
        except (gym.error.DependencyNotInstalled, ImportError) as exc:
            raise UserError(f"env {env_id!r} needs a package that is not installed: {first_line(exc)}") from None


def fixed_horizon_id(env_id: str) -> str:
    """The fixed-horizon registration of ``env_id`` (registered on first use)."""
    env_id = base_env_id(env_id)
    if env_id in FIXED:
        return FIXED[env_id]
    check_env_id(env_id)
    return _register_fixed(env_id, f"advrl/{env_id.replace('/', '_')}-fixed")


def base_env_id(env_id: str) -> str:
    """The original id behind a fixed-horizon id (itself otherwise)."""
    spec = gym.registry.get(env_id)
    if spec is not None and spec.entry_point == ENTRY_POINT and isinstance(spec.kwargs, dict):
        return spec.kwargs.get("env_id", env_id)
    if spec is None and env_id.startswith("advrl/") and env_id.endswith("-fixed"):  # on-demand, not yet registered
        return env_id[len("advrl/"):-len("-fixed")]
    return env_id


def task_of(env_id: str) -> tuple[str | None, str]:
    """An env id without its version or fixed-horizon wrapping (namespace, name): ``HalfCheetah-v3``,
    ``HalfCheetah-v5`` and ``advrl/HalfCheetah-v5-fixed`` are one task."""
    env_id = base_env_id(env_id)
    try:
        namespace, name, _ = gym.envs.registration.parse_env_id(env_id)
    except gym.error.Error:  # not an id gymnasium could register: compared as it is
        return None, env_id
    return namespace, name


def names_a_registered_task(text: str) -> bool:
    """Whether ``text`` is a versioned id of a task gymnasium knows in some version (``HalfCheetah-v3``: how
    rl-zoo names its policy zips; not ``sac-Pendulum-v1``, not ``policy``)."""
    try:
        namespace, name, version = gym.envs.registration.parse_env_id(text)
    except gym.error.Error:
        return False
    return version is not None and any(task_of(k) == (namespace, name) for k in gym.registry)


__all__ = ["FIXED", "FixedHorizon", "base_env_id", "check_env_id", "fixed_horizon_id", "make_fixed_horizon",
           "names_a_registered_task", "task_of"]
