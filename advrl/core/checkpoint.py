"""Atomic writes and safe loading of checkpoints and other artefacts."""

from __future__ import annotations

import os
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import torch

from advrl.core.errors import UserError, first_line


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path``
    in one ``os.replace`` so readers never see a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual permissions
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def save_checkpoint(state: dict[str, Any], path: str | os.PathLike) -> Path:
    """``torch.save`` atomically."""
    with atomic_path(path) as tmp:
        torch.save(state, tmp)
    return Path(path)


def load_checkpoint(path: str | os.PathLike, map_location: Any = "cpu") -> dict[str, Any]:
    """Load a checkpoint with ``weights_only=True`` (no arbitrary unpickling).

    Raises :class:`UserError` naming the file when it is missing, truncated or not
    a checkpoint this library wrote.
    """
    path = Path(path)
    if path.is_dir():
        inside = sorted(p.name for p in path.glob("*.pt"))
        hint = f"; it holds {', '.join(inside)}" if inside else ""
        raise UserError(f"{path}: a directory, not a checkpoint file{hint}")
    if not path.is_file():
        raise UserError(f"{path}: no such checkpoint file")
    try:
        with warnings.catch_warnings():  # torch warns about odd pickles before refusing them
            warnings.simplefilter("ignore")
            state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # torch raises several types for bad files
        # torch's message advises weights_only=False (unpickling an untrusted file): keep its first line only
        reason = first_line(exc)
        if "weights_only" in reason or "Weights only load failed" in reason:
            reason = "it holds objects other than tensors and plain containers (not unpickled, for safety)"
        elif _zip_without_torch_data(path):
            reason = "a zip archive but not a torch one, e.g. an SB3 policy zip"
        else:
            reason = f"truncated, corrupt or not a torch file: {reason}"
        raise UserError(f"{path}: not a readable advrl checkpoint ({reason})") from None
    if not isinstance(state, dict):
        raise UserError(f"{path}: expected a dict checkpoint, found {type(state).__name__}")
    return state


def _zip_without_torch_data(path: Path) -> bool:
    """A readable zip archive holding no ``data.pkl``: not what ``torch.save`` writes."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return not any(name.endswith("data.pkl") for name in archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False
