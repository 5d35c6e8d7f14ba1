"""Minari datasets (HDF5): ``<dataset>/data/main_data.hdf5`` with one group per episode.

Each ``episode_<i>`` group holds ``observations`` (T+1 rows), ``actions`` (T), ``rewards``,
``terminations`` and ``truncations`` (T each) and an ``infos`` group (skipped). The
dataset folder or the ``.hdf5`` file itself is accepted.
"""

from __future__ import annotations

import json
import re
from pathlib import Path


from advrl.demos.dataset import Demonstrations, Episode, from_episodes
from advrl.core.errors import UserError


def _hdf5_path(path: Path) -> Path:
    if path.is_file():
        return path
    for candidate in (path / "main_data.hdf5", path / "data" / "main_data.hdf5"):
        if candidate.is_file():
            return candidate
    raise UserError(f"{path}: no main_data.hdf5 (or data/main_data.hdf5); expected a Minari dataset folder")


def open_hdf5(path: Path):
    """``path`` opened read-only with h5py; one :class:`UserError` when it is not a readable HDF5 file."""
    import h5py

    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise UserError(f"{path}: not a readable HDF5 file ({exc}); the file may be truncated or corrupt") from exc


def _env_id(h5file, hdf5: Path) -> str | None:
    texts = [h5file.attrs.get("env_spec")]
    meta_file = hdf5.parent / "metadata.json"
    if meta_file.is_file():
        try:
            texts.append(json.loads(meta_file.read_text()).get("env_spec"))
        except (json.JSONDecodeError, AttributeError):
            pass
    for text in texts:
        if isinstance(text, bytes):
            text = text.decode()
        if isinstance(text, str):
            try:
                env_id = json.loads(text).get("id")
            except (json.JSONDecodeError, AttributeError):
                continue
            if env_id:
                return str(env_id)
    return None


def _dataset(group, name: str, hdf5: Path):
    import h5py

    if name not in group:
        raise UserError(f"{hdf5}: group '{group.name}' has no '{name}'; found {sorted(group.keys())}")
    node = group[name]
    if isinstance(node, h5py.Group):
        raise UserError(
            f"{hdf5}: field '{group.name}/{name}' is a group (dict/tuple space); only array observations/actions "
            "are supported"
        )
    try:
        return node[()]
    except Exception as exc:
        raise UserError(f"{hdf5}: field '{group.name}/{name}' could not be read ({exc}); the file may be corrupt") from exc


def read_minari(path: Path, allow_pickle: bool = False) -> Demonstrations:
    del allow_pickle
    import h5py

    hdf5 = _hdf5_path(path)
    with open_hdf5(hdf5) as h5file:
        names = [k for k in h5file.keys() if re.fullmatch(r"episode_\d+", k)]
        if not names:
            raise UserError(f"{hdf5}: no 'episode_<i>' groups (found {sorted(h5file.keys())}); expected a Minari "
                            "dataset, or a D4RL file (observations and actions datasets at its root)")
        names.sort(key=lambda k: int(k.split("_")[1]))
        episodes, skipped = [], []
        for name in names:
            group = h5file[name]
            if not isinstance(group, h5py.Group):
                raise UserError(f"{hdf5}: '{name}' is a {type(group).__name__}, not a group; expected a Minari "
                                "dataset (each episode_<i> a group of observations, actions, ...)")
            terms = _dataset(group, "terminations", hdf5) if "terminations" in group else None
            truncs = _dataset(group, "truncations", hdf5) if "truncations" in group else None
            if "infos" in group and "infos" not in skipped:
                skipped.append("infos")
            episodes.append(Episode(
                obs=_dataset(group, "observations", hdf5),
                acts=_dataset(group, "actions", hdf5),
                rewards=_dataset(group, "rewards", hdf5) if "rewards" in group else None,
                terminated=None if terms is None or len(terms) == 0 else bool(terms[-1]),
                truncated=bool(truncs[-1]) if truncs is not None and len(truncs) else False,
            ))
        meta = {"format": "minari", "source": str(path), "skipped": skipped}
        env_id = _env_id(h5file, hdf5)
        if env_id:
            meta["env_id"] = env_id
    return from_episodes(episodes, str(hdf5), meta)
