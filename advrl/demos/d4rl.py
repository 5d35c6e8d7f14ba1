"""D4RL datasets (HDF5, the layout of ``d4rl``'s ``env.get_dataset()``, e.g. ``hopper-expert-v2.hdf5``).

Top-level datasets, one row per step: ``observations``, ``actions``, ``rewards``, ``terminals`` and
``timeouts`` (the time-limit ends; D4RL's v0 files have none), optionally ``next_observations``; the
``infos/`` and ``metadata/`` groups are skipped. An episode ends at a terminal or a timeout; rows after
the last end (a dataset cut at its size, not at an episode's end) form a truncated last episode. Without
``next_observations`` the next observation of each episode's last step is unknown (marked missing).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from advrl.core.errors import UserError
from advrl.demos.dataset import Demonstrations, Episode, from_episodes

FIELDS = ("observations", "actions")


def is_d4rl(path: Path) -> bool:
    """Whether the HDF5 file ``path`` has D4RL's flat layout (``observations`` and ``actions``
    datasets at its root) rather than Minari's ``episode_<i>`` groups."""
    import h5py

    try:
        with h5py.File(path, "r") as h5file:
            return all(isinstance(h5file.get(name), h5py.Dataset) for name in FIELDS)
    except OSError:
        return False  # unreadable: the HDF5 reader it falls to names the problem


def _read(h5file, name: str, path: Path, n: int | None) -> np.ndarray:
    import h5py

    node = h5file.get(name)
    if not isinstance(node, h5py.Dataset):
        raise UserError(f"{path}: field '{name}' is missing or not an array; a D4RL file has "
                        f"observations, actions, rewards, terminals, timeouts (found {sorted(h5file.keys())})")
    try:
        value = node[()]
    except Exception as exc:  # h5py raises several types for a damaged file
        raise UserError(f"{path}: field '{name}' could not be read ({exc}); the file may be corrupt") from None
    if n is not None and len(value) != n:
        raise UserError(f"{path}: field '{name}' has {len(value)} rows; expected {n} (the length of 'actions')")
    return value


def read_d4rl(path: Path, allow_pickle: bool = False) -> Demonstrations:
    del allow_pickle  # nothing in an HDF5 file is pickled
    import h5py

    try:
        h5file = h5py.File(path, "r")
    except OSError as exc:
        raise UserError(f"{path}: not a readable HDF5 file ({exc}); the file may be truncated or corrupt") from None
    with h5file:
        acts = _read(h5file, "actions", path, None)
        n = len(acts)
        obs = _read(h5file, "observations", path, n)
        has = {name: name in h5file for name in ("rewards", "terminals", "timeouts", "next_observations")}
        rewards = _read(h5file, "rewards", path, n).reshape(-1) if has["rewards"] else None
        terminals = _read(h5file, "terminals", path, n).reshape(-1).astype(bool) if has["terminals"] else np.zeros(n, bool)
        timeouts = _read(h5file, "timeouts", path, n).reshape(-1).astype(bool) if has["timeouts"] else np.zeros(n, bool)
        next_obs = _read(h5file, "next_observations", path, n) if has["next_observations"] else None
        skipped = [name for name in h5file.keys() if name not in FIELDS and name not in has]
    if n == 0:
        raise UserError(f"{path}: contains no transitions (field 'actions' has 0 rows); expected at least one step")
    ends = list(np.flatnonzero(terminals | timeouts) + 1)
    if not ends or ends[-1] != n:
        ends.append(n)  # the rows after the last end: an episode the dataset cut short
    episodes, start = [], 0
    for end in ends:
        last = end - 1
        ended = bool(terminals[last] or timeouts[last])
        episodes.append(Episode(
            obs=obs[start:end] if next_obs is None else np.concatenate([obs[start:end], next_obs[last:end]]),
            acts=acts[start:end], rewards=None if rewards is None else rewards[start:end],
            terminated=bool(terminals[last]) if has["terminals"] else None,
            truncated=bool(timeouts[last]) or not ended))
        start = end
    notes = []
    if not has["timeouts"]:
        notes.append("no 'timeouts' field (a D4RL v0 file?): time-limit ends cannot be told, so episodes end only "
                     "at terminals and the rows up to one hold several episodes")
    if next_obs is None:
        notes.append("no 'next_observations': next_obs of each episode's last step is missing")
    meta = {"format": "d4rl", "source": str(path), "skipped": skipped, "notes": notes}
    return from_episodes(episodes, str(path), meta)


__all__ = ["is_d4rl", "read_d4rl"]
