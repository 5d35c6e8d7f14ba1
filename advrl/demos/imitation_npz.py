"""imitation's ``.npz`` trajectory archives (``imitation.data.types.save`` / ``serialize``).

Keys: ``obs [N+T, ...]`` (each trajectory's observations including its final one),
``acts [N, ...]``, ``indices [T-1]`` (split points into ``acts``), ``terminal [T]``,
``rews [N]`` (optional) and ``infos`` (a pickled object array: skipped unless
``allow_pickle``).
"""

from __future__ import annotations

import numpy as np

from advrl.demos.dataset import Demonstrations, Episode, from_episodes
from advrl.demos.npzfile import NpzReader
from advrl.core.errors import UserError

KEYS = ("obs", "acts", "indices", "terminal")


def read_imitation_npz(reader: NpzReader) -> Demonstrations:
    path = reader.path
    missing = [key for key in KEYS if key not in reader]
    if missing:  # detected by 'obs' + 'acts' alone: say which layout was assumed and what it needs
        raise UserError(f"{path}: read as imitation's npz (obs, acts, indices, terminal), but field(s) "
                        f"{', '.join(map(repr, missing))} are missing; a file of your own is easiest written with "
                        "advrl.demos.save_demos (the native format)")
    obs = reader.get("obs")
    acts = reader.get("acts")
    indices = reader.get("indices").astype(np.int64).reshape(-1)
    terminal = reader.get("terminal").astype(bool).reshape(-1)
    rews = reader.get("rews").reshape(-1) if "rews" in reader else None
    n_traj = len(indices) + 1
    if len(terminal) != n_traj:
        raise UserError(
            f"{path}: field 'terminal' has {len(terminal)} entries; expected {n_traj} (len(indices) + 1 trajectories)"
        )
    if len(obs) != len(acts) + n_traj:
        raise UserError(
            f"{path}: field 'obs' has {len(obs)} rows; expected {len(acts) + n_traj} "
            f"(len(acts)={len(acts)} plus one final observation for each of {n_traj} trajectories)"
        )
    if rews is not None and len(rews) != len(acts):
        raise UserError(f"{path}: field 'rews' has {len(rews)} entries; expected {len(acts)} (the length of 'acts')")
    if np.any(np.diff(np.concatenate([[0], indices, [len(acts)]])) < 0):
        raise UserError(f"{path}: field 'indices' is not non-decreasing within [0, {len(acts)}]; expected split points")
    act_parts = np.split(acts, indices)
    obs_parts = np.split(obs, indices + np.arange(1, n_traj))
    rew_parts = np.split(rews, indices) if rews is not None else [None] * n_traj
    episodes = [
        Episode(obs=o, acts=a, rewards=r, terminated=bool(t))
        for o, a, r, t in zip(obs_parts, act_parts, rew_parts, terminal)
    ]
    meta = {"format": "imitation-npz", "source": str(path), "skipped": []}
    infos = None
    if "infos" in reader:
        if reader.allow_pickle:
            infos = reader.get("infos", allow_pickle=True)
        else:
            meta["skipped"].append("infos (pickled object array; pass allow_pickle=True to load it)")
    demos = from_episodes(episodes, str(path), meta)
    if infos is not None:
        demos.metadata["infos"] = list(infos) if infos.ndim else infos.item()
    return demos
