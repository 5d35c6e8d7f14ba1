"""Loading and saving SB3 PPO policies without unpickling user files.

An SB3 ``.zip`` keeps its weights in ``policy.pth`` (read by SB3 with
``torch.load(weights_only=True)``) and some attributes (spaces, schedules,
the policy class) as cloudpickle blobs inside ``data``. :func:`load_ppo` reads
the JSON of ``data`` first and replaces *every* cloudpickled entry through
``custom_objects`` so nothing from the file is unpickled; the spaces come from
the env the caller gives, the policy class is SB3's ``MlpPolicy``.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from advrl.core.errors import UserError


def _safe_custom_objects(path: Path, env: gym.Env | Any) -> dict[str, Any]:
    from stable_baselines3.common.policies import ActorCriticPolicy

    try:
        with zipfile.ZipFile(path) as archive:
            data = json.loads(archive.read("data").decode("utf-8"))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not a stable-baselines3 policy zip ({type(exc).__name__}: {exc})") from exc
    replacements: dict[str, Any] = {
        "policy_class": ActorCriticPolicy,
        "observation_space": env.observation_space,
        "action_space": env.action_space,
        "lr_schedule": lambda _: 0.0,
        "learning_rate": 0.0,
        "clip_range": lambda _: 0.2,
    }
    custom: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and ":serialized:" in value:
            custom[key] = replacements.get(key)
    if isinstance(data.get("policy_kwargs"), dict) and ":serialized:" in data["policy_kwargs"]:
        custom["policy_kwargs"] = {}
    return custom


def load_ppo(path: str | Path, env: gym.Env | Any, device: str = "auto"):
    """Load a PPO ``.zip`` for ``env`` without unpickling anything from the file.

    Raises :class:`~advrl.core.UserError` naming the file when it is not a PPO zip or its
    policy does not fit ``env``'s spaces.
    """
    from stable_baselines3 import PPO

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such policy file")
    custom = _safe_custom_objects(path, env)
    try:
        model = PPO.load(path, env=None, device=device, custom_objects=custom)
    except Exception as exc:  # SB3 raises several types for bad zips / mismatched weights
        first = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        if "size mismatch" in str(exc) or "Missing key" in str(exc) or "Unexpected key" in str(exc):
            first = (f"its weights do not fit {env.observation_space} observations and {env.action_space} actions "
                     "(a policy for another env?)")
        raise UserError(f"{path}: cannot load as a PPO policy for this env: {first}") from None
    return model


class ObsNormalizer:
    """Fixed observation normalisation (SB3 ``VecNormalize`` statistics stored as
    ``.npz`` beside an expert zip instead of a pickle)."""

    def __init__(self, mean: np.ndarray, var: np.ndarray, clip: float = 10.0, epsilon: float = 1e-8) -> None:
        self.mean, self.var, self.clip, self.epsilon = np.asarray(mean), np.asarray(var), float(clip), float(epsilon)

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        return np.clip((obs - self.mean) / np.sqrt(self.var + self.epsilon), -self.clip, self.clip).astype(np.float32)

    def save(self, path: str | Path) -> None:
        from advrl.core import atomic_path

        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, mean=self.mean, var=self.var, clip=np.array(self.clip), epsilon=np.array(self.epsilon))

    @classmethod
    def load(cls, path: str | Path) -> "ObsNormalizer":
        with np.load(path, allow_pickle=False) as data:
            return cls(data["mean"], data["var"], float(data["clip"]), float(data["epsilon"]))

    @classmethod
    def from_vecnormalize(cls, vecnorm: Any) -> "ObsNormalizer":
        return cls(vecnorm.obs_rms.mean.copy(), vecnorm.obs_rms.var.copy(), vecnorm.clip_obs, vecnorm.epsilon)


def obs_norm_path(policy_path: str | Path) -> Path:
    """Where an expert's observation statistics live: ``<zip stem>.obs_norm.npz``."""
    policy_path = Path(policy_path)
    return policy_path.with_name(policy_path.stem + ".obs_norm.npz")
