"""Checkpoints of a plain SB3 ``learn`` inside a grid cell (the ``ppo`` and ``sac`` baselines), so that a
cell killed after hours (worker lost, session over) continues from its last checkpoint instead of step 0.

A checkpoint holds what SB3's own ``save`` holds (``_get_torch_save_params``: the policy, its optimisers, SAC's
entropy coefficient), the step and update counters, the replay buffer's arrays (off-policy), a
``VecNormalize``'s statistics, the global RNG states, and the cell's true-return curve and time spent so far.
It is written with :func:`advrl.core.save_checkpoint` (atomic) and read with ``weights_only=True``: no object
is unpickled. A resumed run restarts its episodes (the env is reset) and so continues the weights, the buffer
and the schedules, but is not step-for-step the uninterrupted run.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from advrl.core import load_checkpoint, rng_state, save_checkpoint, set_rng_state
from advrl.gail.sac_generator import load_replay_buffer_state, replay_buffer_state

FORMAT = "advrl-sb3-cell-v1"


def _vec_normalize(model: Any):
    from stable_baselines3.common.vec_env import unwrap_vec_normalize

    env = model.get_env()
    return unwrap_vec_normalize(env) if env is not None else None


def _rms(rms: Any) -> dict[str, Any]:
    return {"mean": torch.from_numpy(np.asarray(rms.mean, dtype=np.float64)),
            "var": torch.from_numpy(np.asarray(rms.var, dtype=np.float64)), "count": float(rms.count)}


def _set_rms(rms: Any, saved: dict[str, Any]) -> None:
    rms.mean, rms.var, rms.count = saved["mean"].numpy().copy(), saved["var"].numpy().copy(), saved["count"]


def model_state(model: Any) -> dict[str, Any]:
    """Everything of ``model`` a continued ``learn`` needs, as tensors and plain values."""
    from stable_baselines3.common.save_util import recursive_getattr

    names, variables = model._get_torch_save_params()
    state: dict[str, Any] = {
        "state_dicts": {n: recursive_getattr(model, n).state_dict() for n in names},
        "variables": {n: recursive_getattr(model, n).detach().clone() for n in variables},
        "num_timesteps": int(model.num_timesteps), "n_updates": int(getattr(model, "_n_updates", 0)),
        "episode_num": int(getattr(model, "_episode_num", 0)),
    }
    buf = getattr(model, "replay_buffer", None)
    if buf is not None:
        state["replay_buffer"] = replay_buffer_state(buf)
    vn = _vec_normalize(model)
    if vn is not None:
        state["vec_normalize"] = {"obs_rms": _rms(vn.obs_rms) if vn.norm_obs else None, "ret_rms": _rms(vn.ret_rms)}
    return state


def load_model_state(model: Any, state: dict[str, Any]) -> None:
    """Put :func:`model_state`'s ``state`` back into a freshly built ``model`` of the same settings."""
    from stable_baselines3.common.save_util import recursive_getattr

    for name, sd in state["state_dicts"].items():
        recursive_getattr(model, name).load_state_dict(sd)
    for name, value in state["variables"].items():
        with torch.no_grad():
            recursive_getattr(model, name).copy_(value)
    model.num_timesteps = state["num_timesteps"]
    model._n_updates = state["n_updates"]
    model._episode_num = state["episode_num"]
    if "replay_buffer" in state:
        load_replay_buffer_state(model.replay_buffer, state["replay_buffer"])
    if "vec_normalize" in state:
        vn, saved = _vec_normalize(model), state["vec_normalize"]
        if saved["obs_rms"] is not None:
            _set_rms(vn.obs_rms, saved["obs_rms"])
        _set_rms(vn.ret_rms, saved["ret_rms"])


class CellCheckpoint:
    """A cell's checkpoint file ``path``, written by :meth:`callback` at the first rollout start (the
    previous rollout collected and trained on) at or after each multiple of ``every`` env steps."""

    def __init__(self, path: Path, every: int) -> None:
        self.path, self.every = Path(path), int(every)
        self.resumed_at: int | None = None  # env steps of the checkpoint :meth:`restore` loaded
        self.started, self.prior_wall_s = time.time(), 0.0  # this attempt's start; earlier attempts' seconds

    def exists(self) -> bool:
        return self.path.is_file()

    def wall_s(self) -> float:
        """Seconds since this attempt started, plus those of the attempts before the restored checkpoint."""
        return self.prior_wall_s + time.time() - self.started

    def save(self, model: Any, progress: dict[str, Any]) -> None:
        save_checkpoint({"format": FORMAT, "model": model_state(model), "rng": rng_state(),
                         "progress": {**progress, "wall_s": self.wall_s()}}, self.path)

    def restore(self, model: Any) -> dict[str, Any]:
        """Load the checkpoint into ``model`` and the global RNGs; returns the saved progress."""
        from advrl.core import UserError

        state = load_checkpoint(self.path)
        if state.get("format") != FORMAT:
            raise UserError(f"{self.path}: not an SB3 grid-cell checkpoint (format={state.get('format')!r})")
        load_model_state(model, state["model"])
        set_rng_state(state["rng"])
        self.resumed_at = int(state["model"]["num_timesteps"])
        self.prior_wall_s = float(state["progress"].get("wall_s", 0.0))  # 0: written before wall time was kept
        return state["progress"]

    def callback(self, progress: Any):
        """An SB3 callback saving every ``every`` env steps; ``progress()`` gives the dict to store."""
        from stable_baselines3.common.callbacks import BaseCallback

        ckpt = self

        class _Save(BaseCallback):
            def _on_training_start(self) -> None:
                self.next_save = (self.num_timesteps // ckpt.every + 1) * ckpt.every

            def _on_rollout_start(self) -> None:  # the previous rollout collected and trained on
                if ckpt.every and self.num_timesteps >= self.next_save:
                    ckpt.save(self.model, progress())
                    self.next_save = (self.num_timesteps // ckpt.every + 1) * ckpt.every

            def _on_step(self) -> bool:
                return True

        return _Save()


class Stopwatch:
    """Training seconds (evaluation excluded) summed over every attempt of a cell."""

    def __init__(self, prior_s: float = 0.0) -> None:
        self.prior_s, self.start = float(prior_s), time.time()

    def train_s(self, eval_s_this_attempt: float) -> float:
        return self.prior_s + time.time() - self.start - eval_s_this_attempt


__all__ = ["CellCheckpoint", "Stopwatch", "load_model_state", "model_state"]
