"""D4RL datasets (HDF5, the layout of ``d4rl``'s ``env.get_dataset()``, e.g. ``hopper-expert-v2.hdf5``).

Top-level datasets, one row per step: ``observations``, ``actions``, ``rewards``, ``terminals`` and
``timeouts`` (the time-limit ends; D4RL's v0 files have none), optionally ``next_observations``; the
``infos/`` and ``metadata/`` groups are skipped. An episode ends at a terminal or a timeout, or where
``next_observations`` is not the next row's observation (a v0 file's or a ``qlearning_dataset`` export's
hidden time-limit ends); rows after the last end (a dataset cut at its size) form a truncated last episode.
Without ``next_observations`` the next observation of each episode's last step is unknown (marked missing).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from advrl.core.errors import UserError
from advrl.demos.dataset import Demonstrations, Episode, from_episodes
from advrl.demos.minari import open_hdf5

FIELDS = ("observations", "actions")


def is_d4rl(path: Path) -> bool:
    """Whether the HDF5 file ``path`` has D4RL's flat layout (an ``observations`` or ``actions`` dataset at
    its root) rather than Minari's ``episode_<i>`` groups."""
    import h5py

    try:
        with h5py.File(path, "r") as h5file:
            keys = list(h5file.keys())
            return any(k in keys for k in FIELDS) and not any(k.startswith("episode_") for k in keys)
    except OSError:
        return False  # unreadable: the HDF5 reader it falls to names the problem


def _read(h5file, name: str, path: Path, n: int | None, per_step: bool = False) -> np.ndarray:
    """Dataset ``name``: numeric, one row per step (``n`` of them, when given); ``per_step``: one number
    per row (shape ``(n,)`` or ``(n, 1)``), returned flat."""
    import h5py

    node = h5file.get(name)
    if not isinstance(node, h5py.Dataset):
        raise UserError(f"{path}: field '{name}' is missing or not an array; a D4RL file has "
                        f"observations, actions, rewards, terminals, timeouts (found {sorted(h5file.keys())})")
    try:
        value = node[()]
    except Exception as exc:  # h5py raises several types for a damaged file
        raise UserError(f"{path}: field '{name}' could not be read ({exc}); the file may be corrupt") from None
    value = np.asarray(value)
    if value.ndim == 0 or value.dtype.kind not in "biuf":
        raise UserError(f"{path}: field '{name}' is a {value.dtype} array of shape {value.shape}; expected "
                        "numbers, one row per step")
    if n is not None and len(value) != n:
        raise UserError(f"{path}: field '{name}' has {len(value)} rows; expected {n} (the length of 'actions')")
    if per_step:
        if value.shape[1:] not in ((), (1,)):
            raise UserError(f"{path}: field '{name}' has shape {value.shape}; expected ({len(value)},), one "
                            "number per step")
        value = value.reshape(-1)
    return value


def read_d4rl(path: Path, allow_pickle: bool = False) -> Demonstrations:
    del allow_pickle  # nothing in an HDF5 file is pickled
    with open_hdf5(path) as h5file:
        acts = _read(h5file, "actions", path, None)
        n = len(acts)
        obs = _read(h5file, "observations", path, n)
        has = {name: name in h5file for name in ("rewards", "terminals", "timeouts", "next_observations")}
        rewards = _read(h5file, "rewards", path, n, per_step=True) if has["rewards"] else None
        terminals = (_read(h5file, "terminals", path, n, per_step=True).astype(bool) if has["terminals"]
                     else np.zeros(n, bool))
        timeouts = _read(h5file, "timeouts", path, n, per_step=True).astype(bool) if has["timeouts"] else np.zeros(n, bool)
        next_obs = _read(h5file, "next_observations", path, n) if has["next_observations"] else None
        skipped = [name for name in h5file.keys() if name not in FIELDS and name not in has]
    if n == 0:
        raise UserError(f"{path}: contains no transitions (field 'actions' has 0 rows); expected at least one step")
    if next_obs is not None and next_obs.shape != obs.shape:
        raise UserError(f"{path}: field 'next_observations' has shape {next_obs.shape}; expected {obs.shape} "
                        "like 'observations'")
    ends = terminals | timeouts
    hidden = np.zeros(n, bool)
    if next_obs is not None:  # a step whose next observation is not the next row's: an episode ended there
        same = np.isclose(next_obs[:-1].astype(np.float64), obs[1:].astype(np.float64), rtol=1e-5, atol=1e-6)
        hidden[:-1] = ~ends[:-1] & ~same.reshape(n - 1, -1).all(axis=1)
    bounds = list(np.flatnonzero(ends | hidden) + 1)
    if not bounds or bounds[-1] != n:
        bounds.append(n)  # the rows after the last end: an episode the dataset cut short
    episodes, start = [], 0
    for end in bounds:
        last = end - 1
        episodes.append(Episode(
            obs=obs[start:end] if next_obs is None else np.concatenate([obs[start:end], next_obs[last:end]]),
            acts=acts[start:end], rewards=None if rewards is None else rewards[start:end],
            terminated=bool(terminals[last]) if has["terminals"] else None, truncated=not terminals[last]))
        start = end
    notes = []
    if not has["terminals"]:
        notes.append("no 'terminals' field: which episode ends are terminations is unknown")
    if not has["timeouts"]:
        notes.append("no 'timeouts' field (a D4RL v0 file?): time-limit ends are only found where "
                     "'next_observations' says so" + ("" if next_obs is not None else " (absent here: "
                                                       "episodes end only at terminals)"))
    if hidden.any():
        notes.append(f"{int(hidden.sum())} episode end(s) neither terminal nor timeout, found where "
                     "'next_observations' differs from the next row (counted as truncations)")
    if next_obs is None:
        notes.append("no 'next_observations': next_obs of each episode's last step is missing")
    meta = {"format": "d4rl", "source": str(path), "skipped": skipped, "notes": notes}
    return from_episodes(episodes, str(path), meta)


__all__ = ["is_d4rl", "read_d4rl"]
