"""PNG outputs people look at: sample grids and loss curves."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from advrl.core import Callback, atomic_path  # noqa: E402


def image_grid(images: torch.Tensor, nrow: int = 8) -> np.ndarray:
    """Tile ``[N, 1, H, W]`` images in [-1, 1] into one ``[rows*H, nrow*W]`` array in [0, 1]."""
    x = ((images.detach().cpu().clamp(-1, 1) + 1) / 2).squeeze(1).numpy()
    n, h, w = x.shape
    rows = -(-n // nrow)
    grid = np.ones((rows * (h + 1) + 1, nrow * (w + 1) + 1), dtype=np.float32)
    for i in range(n):
        r, c = divmod(i, nrow)
        grid[1 + r * (h + 1): 1 + r * (h + 1) + h, 1 + c * (w + 1): 1 + c * (w + 1) + w] = x[i]
    return grid


def save_grid(images: torch.Tensor, path: str | Path, nrow: int = 8) -> Path:
    """Write a PNG sample grid atomically, upscaled (nearest) to at least ~400 px wide."""
    grid = image_grid(images, nrow)
    scale = max(1, 400 // grid.shape[1])
    grid = np.kron(grid, np.ones((scale, scale), dtype=grid.dtype))
    with atomic_path(path) as tmp:
        plt.imsave(tmp, grid, cmap="gray", vmin=0, vmax=1, format="png")
    return Path(path)


def save_curves(series: dict[str, tuple[list[float], list[float]]], path: str | Path, title: str = "") -> Path:
    """Line plot of ``{label: (steps, values)}`` to a PNG."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for label, (x, y) in series.items():
        ax.plot(x, y, label=label)
    ax.set_xlabel("round")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    return Path(path)


class SampleGridCallback(Callback):
    """Every ``every`` rounds, write ``samples_<round>.png`` (fixed noise) and
    ``samples_latest.png`` to ``out_dir``. A conditional generator's grid has one
    column per class (each row reads 0, 1, ..., K-1)."""

    def __init__(self, out_dir: str | Path, every: int = 500, n: int = 64) -> None:
        self.out_dir, self.every, self.n = Path(out_dir), every, n
        self.noise: torch.Tensor | None = None
        self.labels: torch.Tensor | None = None
        self.nrow = 8

    def on_train_start(self, trainer) -> None:
        g = trainer.generator
        classes = getattr(g, "n_classes", 0)
        if classes:
            self.nrow, self.labels = classes, torch.arange(classes * classes) % classes
        n = len(self.labels) if self.labels is not None else self.n
        self.noise = torch.randn(n, g.z_dim, generator=torch.Generator().manual_seed(1234))

    def write(self, trainer) -> None:
        """Write the grid of the current generator (its EMA weights when kept) on the fixed noise."""
        images = trainer.generator.sample(len(self.noise), labels=self.labels, z=self.noise)
        save_grid(images, self.out_dir / f"samples_{trainer.round:06d}.png", self.nrow)
        save_grid(images, self.out_dir / "samples_latest.png", self.nrow)

    def on_round_end(self, trainer, metrics) -> None:
        if self.every and trainer.round % self.every == 0:
            self.write(trainer)

    def on_train_end(self, trainer) -> None:
        self.write(trainer)
