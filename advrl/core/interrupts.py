"""Ctrl-C and SIGTERM during training: finish the round, checkpoint, then stop."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator


class TrainingInterrupted(KeyboardInterrupt):
    """Training stopped by SIGINT/SIGTERM after a checkpoint was written (``path``;
    ``None`` when the run has no checkpoint path)."""

    def __init__(self, round_: int, path: Path | None, unit: str = "round") -> None:
        self.round, self.path = round_, path
        where = f"checkpoint of {unit} {round_} saved to {path}" if path else f"stopped at {unit} {round_} (no --out)"
        super().__init__(where)


@contextmanager
def deferred_interrupts() -> Iterator[Callable[[], bool]]:
    """While inside, the first SIGINT/SIGTERM only sets a flag (the loop stops at the
    end of the round, after checkpointing); a second one interrupts at once. Yields
    ``requested() -> bool``. Outside the main thread nothing is installed."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return
    state = {"count": 0}

    def handler(signum, frame):  # noqa: ARG001
        state["count"] += 1
        if state["count"] > 1:
            raise KeyboardInterrupt
    # a signal the process was told to ignore (nohup, `cmd &` in a script) stays ignored
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)
                if signal.getsignal(sig) is not signal.SIG_IGN}
    try:
        yield lambda: state["count"] > 0
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


__all__ = ["TrainingInterrupted", "deferred_interrupts"]
