"""Scalar logging: an in-memory history (for tests, plots, benchmarks) mirrored to
TensorBoard when a log directory is given."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class ScalarLogger:
    """Collects ``{name: value}`` rows per step; writes them to TensorBoard."""

    def __init__(self, logdir: str | Path | None = None) -> None:
        self.history: list[dict[str, float]] = []
        self.logdir = Path(logdir) if logdir is not None else None
        self._writer: Any = None  # opened at the first row: building a run writes nothing

    def log(self, step: int, scalars: dict[str, float]) -> None:
        row = {"step": float(step), **{k: float(v) for k, v in scalars.items()}}
        self.history.append(row)
        if self.logdir is not None and self._writer is None:
            from torch.utils.tensorboard import SummaryWriter

            self._writer = SummaryWriter(log_dir=str(self.logdir))
        if self._writer is not None:
            for key, value in scalars.items():
                self._writer.add_scalar(key, float(value), step)

    def series(self, key: str) -> list[float]:
        """All logged values of ``key``, in step order."""
        return [row[key] for row in self.history if key in row]

    def flush(self) -> None:
        if self._writer is not None:
            self._writer.flush()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
