"""Image-data fixtures: MNIST-format IDX files written from arrays."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest


def write_idx_file(path: Path, array: np.ndarray, gz: bool = True) -> None:
    """``array`` as an IDX file of unsigned bytes (MNIST's format), gzipped unless ``gz`` is False."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + np.asarray(array).astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)


@pytest.fixture
def write_idx():
    return write_idx_file
