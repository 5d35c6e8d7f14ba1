"""Progress that reads well in both places: a tqdm bar on a terminal, and one plain
line every ``every_s`` seconds when stderr is a file or a pipe (no ``\\r`` floods)."""

from __future__ import annotations

import sys
import time
from typing import Any, Iterable, Iterator, TypeVar

T = TypeVar("T")


class Progress:
    """``update(n, postfix)`` per round; ``close()`` at the end."""

    def __init__(self, total: int, initial: int = 0, enabled: bool = True, desc: str = "rounds",
                 every_s: float = 30.0) -> None:
        self.total, self.done, self.desc, self.every_s = total, initial, desc, every_s
        self.enabled = enabled
        self.tty = enabled and sys.stderr.isatty()
        self._bar: Any = None
        self._start = self._last = time.monotonic()
        self._start_done = initial
        if self.tty:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, initial=initial, desc=desc)

    def update(self, n: int = 1, postfix: dict[str, str] | None = None) -> None:
        self.done += n
        if self._bar is not None:
            if postfix:
                self._bar.set_postfix(postfix)
            self._bar.update(n)
        elif self.enabled and (time.monotonic() - self._last >= self.every_s or self.done >= self.total):
            self._line(postfix)

    def _line(self, postfix: dict[str, str] | None) -> None:
        now = time.monotonic()
        rate = (self.done - self._start_done) / max(now - self._start, 1e-9)
        extra = " ".join(f"{k}={v}" for k, v in (postfix or {}).items())
        print(f"{self.desc} {self.done}/{self.total} ({100 * self.done / max(self.total, 1):.0f}%), "
              f"{rate:.2f}/s {extra}".rstrip(), file=sys.stderr, flush=True)
        self._last = now

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def progress_iter(items: Iterable[T], total: int | None = None, desc: str = "", enabled: bool = True) -> Iterator[T]:
    """``items`` with a :class:`Progress` (tqdm on a terminal, plain lines otherwise)."""
    bar = Progress(total if total is not None else len(items), 0, enabled, desc)  # type: ignore[arg-type]
    try:
        for item in items:
            yield item
            bar.update(1)
    finally:
        bar.close()


__all__ = ["Progress", "progress_iter"]
