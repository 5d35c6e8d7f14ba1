"""Run directories that never lose work: refuse to replace a run without ``--resume``
or ``--overwrite``, check a resume against the settings it was trained with, and
write the run's ``summary.json`` last and atomically."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import torch

from advrl.core.checkpoint import atomic_path
from advrl.core.errors import UserError

# what marks a directory as an advrl run (any one of them)
RUN_MARKERS = ("checkpoint.pt", "summary.json", "config.json", "tb")
SINGLE_STAGE_MARKERS = ("checkpoint.pt", "config.json")  # what only single-stage runs (GAIL, GAN) write


def prepare_run_dir(out: str | Path, *, resume: bool = False, overwrite: bool = False,
                    checkpoint: str = "checkpoint.pt", flag: str = "--out",
                    outputs: Iterable[str] | None = None, check_only: bool = False) -> Path:
    """Check ``out`` before a run starts and return it (created).

    * a file, or a path under a file: one clear error naming ``flag``;
    * an existing run without ``resume`` or ``overwrite``: refused (nothing is touched);
    * ``overwrite``: the old run is removed first (only a directory that looks like a run);
    * ``resume`` without ``out/checkpoint``: refused.

    ``outputs``: for one stage of a multi-stage run directory (dialogue: pre-training,
    then adversarial training), the entries this stage writes; only they count as an
    existing run and only they are removed by ``overwrite``. ``check_only``: refuse
    what would be refused, change nothing (call again once the settings are validated).
    """
    out = Path(out)
    _refuse_file_parent(out, (out, *out.parents), flag)
    mine = [out / m for m in (outputs if outputs is not None else RUN_MARKERS)]
    is_run = out.is_dir() and any(p.exists() for p in mine)
    if outputs is not None:  # a stage of a multi-stage run: not into a single-stage run's directory (GAIL, GAN)
        foreign = [m for m in SINGLE_STAGE_MARKERS if m not in outputs and (out / m).exists()]
        if foreign:
            raise UserError(f"{flag} {out} holds another kind of run ({', '.join(foreign)}); choose another "
                            "directory")
    if resume and overwrite:
        raise UserError("--resume and --overwrite contradict each other; give one")
    if resume:
        if not (out / checkpoint).is_file():
            raise UserError(f"--resume: no checkpoint at {out / checkpoint} (give the {flag} of the earlier run)")
        return out
    if is_run and not overwrite:
        raise UserError(f"{flag} {out} already holds a run; pass --resume to continue it or --overwrite to "
                        "replace it (or choose another directory)")
    if overwrite and not is_run and outputs is None and out.is_dir() and any(out.iterdir()):
        raise UserError(f"--overwrite: {out} does not look like an advrl run directory; not deleting it")
    if check_only:
        return out
    if overwrite and outputs is not None:
        for path in mine:
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    elif overwrite and is_run:
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def _refuse_file_parent(path: Path, folders: Iterable[Path], flag: str) -> None:
    """One error naming ``flag`` when any of ``folders`` (meant to be folders) is a file."""
    for folder in folders:
        if folder.exists() and not folder.is_dir():
            raise UserError(f"{flag} {path}: {folder} is a file, not a folder")


def _flat(settings: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in settings.items():
        if isinstance(value, dict) and value:
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = json.loads(json.dumps(value, default=str))  # tuples vs lists, paths
    return out


def check_output_file(path: str | Path, flag: str = "--out", overwrite: bool = True) -> Path:
    """Refuse, naming ``flag``, an output file whose folder is a file, that is a folder,
    or (without ``overwrite``) that exists already."""
    path = Path(path)
    _refuse_file_parent(path, path.parents, flag)
    if path.is_dir():
        raise UserError(f"{flag} {path} is a folder; expected a file name")
    if path.exists() and not overwrite:
        raise UserError(f"{flag} {path} exists; pass --overwrite to replace it")
    return path


def settings_differences(saved: dict[str, Any], current: dict[str, Any], ignore: Iterable[str] = ()) -> list[str]:
    """``"name: checkpoint X, now Y"`` for every setting that differs (nested settings as
    ``loop.rounds``; a name in ``ignore`` skips it at any depth)."""
    skip = set(ignore)
    a, b = _flat(saved), _flat(current)
    return [f"{k}: checkpoint {a[k]!r}, now {b[k]!r}" for k in sorted(a.keys() & b.keys())
            if k not in skip and k.rsplit(".", 1)[-1] not in skip and a[k] != b[k]]


def content_sha256(*parts: Any) -> str:
    """The sha256 of data as loaded, for a resume to compare instead of the path it came from:
    arrays and tensors by dtype, shape and bytes; strings; numbers; lists, tuples and dicts (by
    sorted key) of them. Other types raise ``TypeError``."""
    digest = hashlib.sha256()

    def feed(x: Any) -> None:
        if isinstance(x, torch.Tensor):
            x = x.detach().cpu().numpy()
        if isinstance(x, np.ndarray):
            if x.dtype.hasobject:  # its bytes are pointers
                raise TypeError("content_sha256: cannot hash an object array")
            x = np.ascontiguousarray(x)
            digest.update(f"array {x.dtype.str} {x.shape};".encode())
            digest.update(x.data)
        elif isinstance(x, (str, bytes)):
            raw = x.encode() if isinstance(x, str) else x
            digest.update(f"{type(x).__name__} {len(raw)};".encode())
            digest.update(raw)
        elif x is None or isinstance(x, (bool, int, float)):
            digest.update(f"{type(x).__name__} {x!r};".encode())
        elif isinstance(x, dict):
            digest.update(f"dict {len(x)};".encode())
            for key in sorted(x, key=str):
                feed(str(key))
                feed(x[key])
        elif isinstance(x, (list, tuple)):
            digest.update(f"seq {len(x)};".encode())
            for item in x:
                feed(item)
        else:
            raise TypeError(f"content_sha256: cannot hash {type(x).__name__}")

    feed(list(parts))
    return digest.hexdigest()


def write_summary(out: str | Path, summary: dict[str, Any], name: str = "summary.json") -> Path:
    """Write ``summary`` as JSON atomically: a finished run is one with this file."""
    path = Path(out) / name
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(summary, indent=2, default=str))
    return path


__all__ = ["RUN_MARKERS", "check_output_file", "content_sha256", "prepare_run_dir", "settings_differences",
           "write_summary"]
