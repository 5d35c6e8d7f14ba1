"""imitation's HF-datasets folders (``trajectories_to_dataset(...).save_to_disk(dir)``).

Layout: ``dataset_info.json``, ``state.json`` (lists the ``data-*.arrow`` shards) and Arrow
IPC stream shards; one row per trajectory with columns ``obs`` (T+1 observations),
``acts`` (T), ``infos`` (T jsonpickled strings: skipped, never decoded), ``terminal`` (bool)
and optionally ``rews`` (T). Read with ``pyarrow.ipc`` (the ``datasets`` package is not needed).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from advrl.demos.dataset import Demonstrations, Episode, from_episodes
from advrl.core.errors import UserError


def _shards(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    state = path / "state.json"
    if state.is_file():
        try:
            files = [path / f["filename"] for f in json.loads(state.read_text())["_data_files"]]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise UserError(f"{state}: field '_data_files' unreadable ({exc}); expected a HF-datasets state.json") from exc
        for f in files:
            if not f.is_file():
                raise UserError(f"{state}: lists shard {f.name}, which is missing from {path}")
        return files
    files = sorted(path.glob("data-*.arrow"))
    if not files:
        raise UserError(f"{path}: no data-*.arrow shards; expected a HF-datasets folder written by save_to_disk")
    return files


def _read_table(shard: Path):
    import pyarrow as pa
    import pyarrow.ipc as ipc

    errors = []
    for opener in (ipc.open_stream, ipc.open_file):
        try:
            with pa.memory_map(str(shard)) as source:
                return opener(source).read_all()
        except Exception as exc:  # wrong framing, truncated data
            errors.append(f"{type(exc).__name__}: {exc}")
    raise UserError(f"{shard}: not a readable Arrow IPC file ({'; '.join(errors)}); the file may be truncated or corrupt")


def _to_array(shard: Path, column: str, value, row: int) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except ValueError as exc:
        raise UserError(f"{shard}: column '{column}' of row {row} is ragged ({exc}); expected equal-shape steps") from exc
    if arr.dtype == object:
        raise UserError(f"{shard}: column '{column}' of row {row} is not numeric; expected numbers per step")
    return arr


def read_imitation_hf(path: Path, allow_pickle: bool = False) -> Demonstrations:
    del allow_pickle  # infos are jsonpickle strings: never decoded here
    episodes: list[Episode] = []
    skipped: list[str] = []
    for shard in _shards(path):
        table = _read_table(shard)
        cols = set(table.column_names)
        missing = {"obs", "acts"} - cols
        if missing:
            raise UserError(
                f"{shard}: missing column(s) {sorted(missing)}; found {sorted(cols)}; expected imitation's "
                "obs, acts, infos, terminal[, rews]"
            )
        if "infos" in cols and not any(s.startswith("infos") for s in skipped):
            skipped.append("infos (jsonpickled strings; decoding them can run arbitrary code, so they are not read)")
        obs_col = table.column("obs").to_pylist()
        acts_col = table.column("acts").to_pylist()
        rews_col = table.column("rews").to_pylist() if "rews" in cols else [None] * len(obs_col)
        term_col = table.column("terminal").to_pylist() if "terminal" in cols else [None] * len(obs_col)
        for row, (o, a, r, t) in enumerate(zip(obs_col, acts_col, rews_col, term_col)):
            if isinstance(o, dict):
                raise UserError(f"{shard}: column 'obs' holds dict observations; only array observations are supported")
            episodes.append(Episode(
                obs=_to_array(shard, "obs", o, row), acts=_to_array(shard, "acts", a, row),
                rewards=None if r is None else _to_array(shard, "rews", r, row),
                terminated=None if t is None else bool(t),
            ))
    meta = {"format": "imitation-hf", "source": str(path), "skipped": skipped}
    info = path / "dataset_info.json" if path.is_dir() else None
    if info is not None and info.is_file():
        try:
            desc = json.loads(info.read_text()).get("description")
            if desc:
                meta["description"] = desc
        except json.JSONDecodeError:
            pass
    return from_episodes(episodes, str(path), meta)
