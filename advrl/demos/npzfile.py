"""Safe reading of ``.npz`` archives: no unpickling by default, one clear error per bad field."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
from advrl.core.errors import UserError


class NpzReader:
    """Lists an archive's keys and reads arrays with ``allow_pickle`` off unless asked."""

    def __init__(self, path: Path, allow_pickle: bool = False) -> None:
        self.path = path
        self.allow_pickle = allow_pickle
        if path.stat().st_size == 0:
            raise UserError(f"{path}: file is empty (0 bytes); expected a .npz archive")
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise UserError(
                f"{path}: not a readable .npz archive ({type(exc).__name__}: {exc}); the file may be truncated or corrupt"
            ) from exc
        self.keys = [n[:-4] if n.endswith(".npy") else n for n in names]

    def __contains__(self, key: str) -> bool:
        return key in self.keys

    def get(self, key: str, *, allow_pickle: bool | None = None) -> np.ndarray:
        """Read one array; pickled object arrays raise unless pickle is allowed."""
        allow = self.allow_pickle if allow_pickle is None else allow_pickle
        if key not in self.keys:
            raise UserError(f"{self.path}: missing field '{key}'; found fields {sorted(self.keys)}")
        try:
            with np.load(self.path, allow_pickle=allow) as npz:
                return npz[key]
        except ValueError as exc:
            if "allow_pickle" in str(exc):
                raise UserError(
                    f"{self.path}: field '{key}' is a pickled object array, which is not loaded by default "
                    "(unpickling can run arbitrary code); pass allow_pickle=True (CLI: --allow-pickle) "
                    "only if you trust this file"
                ) from exc
            raise UserError(f"{self.path}: field '{key}' could not be read ({exc})") from exc
        except Exception as exc:  # zlib/zip/CRC/EOF errors from truncated members
            raise UserError(
                f"{self.path}: field '{key}' could not be read ({type(exc).__name__}: {exc}); "
                "the file may be truncated or corrupt"
            ) from exc

    def is_object(self, key: str) -> bool:
        """Whether the stored array has dtype object (without unpickling it)."""
        if key not in self.keys:
            raise UserError(f"{self.path}: missing field '{key}'; found fields {sorted(self.keys)}")
        try:
            with zipfile.ZipFile(self.path) as zf, zf.open(key + ".npy") as f:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    _, _, dtype = np.lib.format.read_array_header_1_0(f)
                else:
                    _, _, dtype = np.lib.format.read_array_header_2_0(f)
            return dtype.hasobject
        except Exception as exc:
            raise UserError(
                f"{self.path}: field '{key}' has an unreadable header ({type(exc).__name__}: {exc}); "
                "the file may be truncated or corrupt"
            ) from exc
