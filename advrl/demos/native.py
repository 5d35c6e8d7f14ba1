"""The native advrl demonstrations format (version 1).

A ``.npz`` archive readable with numpy alone (``np.load(path, allow_pickle=False)``):

- ``advrl_format_version``: int array, ``1``
- ``obs`` ``[N, *obs_shape]``, ``acts`` ``[N, *act_shape]`` (Discrete: ``[N]`` int64),
  ``next_obs`` ``[N, *obs_shape]``, ``dones`` ``[N]`` bool, ``terminals`` ``[N]`` bool
- ``rewards`` ``[N]`` float64 (optional)
- ``next_obs_missing`` ``[N]`` bool (optional; absent means all False)
- ``metadata_json``: 0-d unicode array holding a JSON object (format, source, env_id, skipped, ...)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from advrl.core import atomic_path
from advrl.demos.dataset import Demonstrations, check_all_finite
from advrl.demos.npzfile import NpzReader
from advrl.core.errors import UserError

FORMAT_VERSION = 1
REQUIRED = ("obs", "acts", "next_obs", "dones", "terminals")
PER_STEP_FLAGS = ("dones", "terminals", "rewards", "next_obs_missing")  # one value per step: shape [N]


def _json_safe(metadata: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    safe, dropped = {}, []
    for key, value in metadata.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            dropped.append(key)
            continue
        safe[key] = value
    return safe, dropped


def save_demos(demos: Demonstrations, path: str | os.PathLike) -> Path:
    """Write ``demos`` in the native format, atomically (readers never see a partial file)."""
    path = Path(path)
    meta, dropped = _json_safe({k: v for k, v in demos.metadata.items() if k != "infos"})
    if "infos" in demos.metadata:
        dropped.append("infos")
    if dropped:
        meta["dropped_metadata"] = dropped
    arrays: dict[str, np.ndarray] = {
        "advrl_format_version": np.array(FORMAT_VERSION, dtype=np.int64),
        "obs": np.asarray(demos.obs),
        "acts": np.asarray(demos.acts),
        "next_obs": np.asarray(demos.next_obs),
        "dones": np.asarray(demos.dones, dtype=bool),
        "terminals": np.asarray(demos.terminals, dtype=bool),
        "next_obs_missing": np.asarray(demos.next_obs_missing, dtype=bool),
        "metadata_json": np.array(json.dumps(meta)),
    }
    if demos.rewards is not None:
        arrays["rewards"] = np.asarray(demos.rewards)
    for key, value in arrays.items():
        if value.dtype.hasobject:
            raise UserError(f"{path}: cannot save field '{key}' with dtype object; expected a numeric array")
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)
    return path


def read_native(reader: NpzReader) -> Demonstrations:
    """Read a native archive (``advrl_format_version`` present)."""
    path = reader.path
    try:
        version = int(np.asarray(reader.get("advrl_format_version")).reshape(-1)[0])
    except (ValueError, TypeError, IndexError, OverflowError):
        raise UserError(f"{path}: field 'advrl_format_version' is not an integer; expected {FORMAT_VERSION}") from None
    if version != FORMAT_VERSION:
        raise UserError(
            f"{path}: field 'advrl_format_version' is {version}; expected {FORMAT_VERSION} (this advrl reads version 1)"
        )
    arrays = {key: reader.get(key) for key in REQUIRED}
    for key in ("rewards", "next_obs_missing"):
        if key in reader:
            arrays[key] = reader.get(key)
    for key, value in arrays.items():
        if np.ndim(value) == 0:
            raise UserError(f"{path}: field '{key}' is a single value; expected one row per step")
    n = len(arrays["acts"])
    for key, value in arrays.items():
        if len(value) != n:
            raise UserError(f"{path}: field '{key}' has {len(value)} rows; expected {n} (the length of 'acts')")
        if key in PER_STEP_FLAGS and value.ndim == 2 and value.shape[1] == 1:
            arrays[key] = value = value.reshape(-1)  # [N, 1]: one value per step all the same
        if key in PER_STEP_FLAGS and value.ndim != 1:
            raise UserError(f"{path}: field '{key}' has shape {list(value.shape)}; expected [{n}] (one value per step)")
    if n == 0:
        raise UserError(f"{path}: contains no transitions (field 'acts' has 0 rows); expected at least one step")
    rewards = arrays.get("rewards")
    missing = arrays.get("next_obs_missing", np.zeros(n, dtype=bool))
    meta: Any = {}
    if "metadata_json" in reader:
        try:
            meta = json.loads(str(reader.get("metadata_json")))
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}: field 'metadata_json' is not valid JSON ({exc})") from exc
        if not isinstance(meta, dict):
            raise UserError(f"{path}: field 'metadata_json' holds a JSON {type(meta).__name__}; expected an object")
    meta.setdefault("skipped", [])
    meta["original_format"] = meta.get("format", "advrl")
    meta["format"] = "advrl"
    meta["source"] = str(path)
    demos = Demonstrations(
        obs=arrays["obs"], acts=arrays["acts"], next_obs=arrays["next_obs"],
        dones=arrays["dones"].astype(bool), terminals=arrays["terminals"].astype(bool),
        rewards=rewards, next_obs_missing=missing.astype(bool), metadata=meta,
    )
    check_all_finite(demos, str(path))
    return demos
