"""Image data: scikit-learn's 8x8 digits (embedded default) and MNIST IDX files.

Images come back as float32 tensors ``[N, 1, H, W]`` scaled to [-1, 1] (the
generator's tanh range) with int64 labels ``[N]``.
"""

from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from advrl.core import UserError

IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
MNIST_FILES = {
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
}


@dataclass
class ImageData:
    """Images in [-1, 1], ``[N, 1, H, W]``, with their labels and provenance."""

    images: torch.Tensor
    labels: torch.Tensor
    source: str

    @property
    def image_size(self) -> int:
        return int(self.images.shape[-1])


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (``.gz`` or raw). Raises :class:`advrl.core.UserError` naming the file
    when it is not IDX or is truncated."""
    path = Path(path)
    try:
        raw = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise UserError(f"{path}: cannot read IDX data ({exc})") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES:
        raise UserError(f"{path}: not an IDX file (expected magic 0x0000<type><ndim>, got {raw[:4].hex()!r})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise UserError(f"{path}: IDX header truncated or has no dimensions")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(IDX_DTYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise UserError(f"{path}: IDX body has {len(raw) - header} bytes, header {shape} needs {expected}")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


def _find(directory: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem, stem.replace("-idx", ".idx") + ".gz", stem.replace("-idx", ".idx")):
        if (directory / name).is_file():
            return directory / name
    return None


def load_mnist(directory: str | Path, split: str = "all") -> ImageData:
    """MNIST from a directory of the standard IDX files (gzipped or raw).

    ``split``: ``train``, ``test`` or ``all`` (whatever pairs are present, train first).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise UserError(f"{directory}: MNIST directory does not exist")
    splits = ["train", "test"] if split == "all" else [split]
    images, labels = [], []
    for name in splits:
        img_path, lbl_path = (_find(directory, stem) for stem in MNIST_FILES[name])
        if img_path is not None and lbl_path is None:
            raise UserError(f"{img_path}: its labels file {MNIST_FILES[name][1]}(.gz) is not beside it "
                            "(MNIST images are read with their labels)")
        if img_path is None or lbl_path is None:
            continue
        x, y = read_idx(img_path), read_idx(lbl_path)
        if x.ndim != 3 or x.shape[1:] != (28, 28):
            raise UserError(f"{img_path}: expected images of shape [N, 28, 28], got {list(x.shape)}")
        if y.ndim != 1 or len(y) != len(x):
            raise UserError(f"{lbl_path}: expected {len(x)} labels of shape [N], got {list(y.shape)}")
        images.append(x)
        labels.append(y)
    if not images:
        wanted = ", ".join(f"{a}(.gz) + {b}(.gz)" for a, b in (MNIST_FILES[s] for s in splits))
        raise UserError(f"{directory}: no MNIST IDX files found (expected {wanted})")
    x = torch.from_numpy(np.concatenate(images).astype(np.float32) / 127.5 - 1.0).unsqueeze(1)
    y = torch.from_numpy(np.concatenate(labels).astype(np.int64))
    return ImageData(x, y, f"mnist:{directory}")


def load_digits() -> ImageData:
    """scikit-learn's 1,797 8x8 digits (values 0..16), the embedded default."""
    from sklearn.datasets import load_digits as sk_digits

    d = sk_digits()
    x = torch.from_numpy(d.images.astype(np.float32) / 8.0 - 1.0).unsqueeze(1)
    return ImageData(x, torch.from_numpy(d.target.astype(np.int64)), "digits")


def load_image_data(spec: str) -> ImageData:
    """``digits`` or ``mnist:DIR``."""
    if spec == "digits":
        return load_digits()
    if spec.startswith("mnist:"):
        return load_mnist(spec.split(":", 1)[1])
    raise UserError(f"unknown --data {spec!r}; expected 'digits' or 'mnist:DIR'")


def split_indices(n: int, n_train: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A fixed, seeded train/held-out split of ``range(n)``."""
    perm = np.random.default_rng(seed).permutation(n)
    return perm[:n_train], perm[n_train:]


def random_shift(images: torch.Tensor, max_shift: int, fill: float = -1.0) -> torch.Tensor:
    """``images [B, C, H, W]`` each translated by its own random integer offset in
    ``[-max_shift, max_shift]`` on both axes (torch's global RNG), uncovered pixels set to ``fill``
    (-1: the background of images in [-1, 1]). ``max_shift`` 0 returns ``images``."""
    if max_shift <= 0:
        return images
    b, c, h, w = images.shape
    s = max_shift
    padded = torch.nn.functional.pad(images, (s, s, s, s), value=fill)
    dy, dx = torch.randint(0, 2 * s + 1, (2, b), device=images.device)
    rows = (torch.arange(h, device=images.device)[None, :] + dy[:, None])[:, None, :, None]
    cols = (torch.arange(w, device=images.device)[None, :] + dx[:, None])[:, None, None, :]
    batch = torch.arange(b, device=images.device)[:, None, None, None]
    chans = torch.arange(c, device=images.device)[None, :, None, None]
    return padded[batch, chans, rows, cols]


class ShiftedData:
    """Minibatches of ``data`` (a :class:`advrl.core.TensorData` of images, or of a dict whose
    ``key`` holds them) with every image randomly translated by up to ``max_shift`` pixels."""

    def __init__(self, data, max_shift: int, key: str = "x") -> None:
        self.data, self.max_shift, self.key = data, max_shift, key

    def __len__(self) -> int:
        return len(self.data)

    def sample(self, n: int):
        """``n`` examples of ``data``, their images shifted."""
        batch = self.data.sample(n)
        if isinstance(batch, dict):
            return {**batch, self.key: random_shift(batch[self.key], self.max_shift)}
        return random_shift(batch, self.max_shift)


def shifted(data, max_shift: int):
    """``data`` whose images are randomly translated by up to ``max_shift`` pixels per draw
    (:class:`ShiftedData`), or ``data`` itself when ``max_shift`` is 0."""
    return ShiftedData(data, max_shift) if max_shift else data
