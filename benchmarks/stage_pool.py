"""Run a benchmark's independent stages as subprocesses, a few at a time, each into its
own log file (for pipelines whose stages resume or skip what is done, so a pool that is
killed is simply started again)."""

from __future__ import annotations

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path


def run_pool(commands: dict[str, list[str]], jobs: int, log_dir: Path, cwd: Path | None = None) -> list[str]:
    """Run ``commands`` (name → argv) ``jobs`` at a time, in the given order; each one's
    stdout and stderr go to ``log_dir/<name>.log``. A line is printed as each starts and
    ends. Returns the names of those that exited non-zero (the others still run)."""
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    log_dir.mkdir(parents=True, exist_ok=True)

    def one(name: str, argv: list[str]) -> int:
        log = log_dir / f"{_file_name(name)}.log"
        print(f"[start] {name} (log: {log})", flush=True)
        t = time.time()
        with open(log, "ab") as out:
            rc = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, cwd=cwd).returncode
        print(f"[{'done' if rc == 0 else f'FAILED rc={rc}'}] {name} ({time.time() - t:.0f} s)", flush=True)
        return rc

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(one, name, argv): name for name, argv in commands.items()}
        codes = {futures[fut]: fut.result() for fut in as_completed(futures)}
    return [name for name in commands if codes[name] != 0]


def _file_name(name: str) -> str:
    """A stage name as a file name (letters, digits, ``-`` and ``_``)."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name).strip("_") or "stage"


__all__ = ["run_pool"]
