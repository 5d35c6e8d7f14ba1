"""Grid runner on Ray: one Ray task per (env, method, seed) cell, one JSON per finished cell.

* ``ray.init()`` starts a local Ray with the machine's CPUs by default; ``address=`` joins a cluster.
* A finished cell writes ``<results_dir>/<key>.json`` atomically (tmp file + ``os.replace``); a re-run
  skips every cell whose JSON exists, so a killed grid resumes where it stopped.
* A cell that raises (or whose worker dies) is written to ``<key>.failed.json`` with its error and
  traceback while the other cells finish; a re-run retries it (and removes the failed file on success).
* A cell may depend on other cells (reward transfer needs the GAIL cell's learned reward): Ray passes
  the dependency's result to the task when it is ready; finished dependencies are read from disk.
* Progress is a tqdm bar over ``ray.wait``. Scheduling is Ray's.

The cell function is ``fn(cell: Cell, deps: dict[str, dict]) -> dict`` (JSON-serialisable); it runs
in a Ray worker, so it must be importable there (a module-level function of an importable module).
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from tqdm.auto import tqdm

CellFn = Callable[["Cell", dict[str, dict]], dict]


@dataclass(frozen=True)
class Cell:
    """One run of the grid."""

    env: str
    method: str
    seed: int
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    deps: tuple[str, ...] = ()  # keys of cells whose results this cell needs

    @property
    def key(self) -> str:
        safe_env = self.env.replace("/", "_").replace(":", "_")
        return f"{safe_env}__{self.method}__s{self.seed}"


@dataclass
class GridSummary:
    """What a :func:`run_grid` call did."""

    ran: list[str] = field(default_factory=list)  # keys run and finished now
    skipped: list[str] = field(default_factory=list)  # keys whose JSON already existed
    failed: dict[str, str] = field(default_factory=dict)  # key -> error line

    @property
    def ok(self) -> bool:
        return not self.failed


def write_json_atomic(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as JSON to ``path`` via a temporary file and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(obj, fh, indent=1, sort_keys=True)
            fh.write("\n")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def result_path(results_dir: str | os.PathLike, cell: Cell) -> Path:
    return Path(results_dir) / f"{cell.key}.json"


def failed_path(results_dir: str | os.PathLike, cell: Cell) -> Path:
    return Path(results_dir) / f"{cell.key}.failed.json"


def load_results(results_dir: str | os.PathLike, include_failed: bool = False) -> list[dict]:
    """Every result JSON under ``results_dir`` (sorted by key)."""
    out = []
    for path in sorted(Path(results_dir).glob("*.json")):
        failed = path.name.endswith(".failed.json")
        if failed and not include_failed:
            continue
        with open(path) as fh:
            row = json.load(fh)
        if isinstance(row, dict) and "key" in row and "status" in row:  # not grid metadata
            out.append(row)
    return out


def _execute(fn: CellFn, cell: Cell, dep_keys: tuple[str, ...], *dep_results: dict) -> dict:
    """The body of one Ray task: run the cell and wrap its output with metadata."""
    import torch

    torch.set_num_threads(1)
    start = time.time()
    out = fn(cell, dict(zip(dep_keys, dep_results)))
    return {
        "key": cell.key, "env": cell.env, "method": cell.method, "seed": cell.seed,
        "params": cell.params, "deps": list(cell.deps), "status": "ok",
        "wall_clock_s": time.time() - start, "host": platform.node(),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "result": out,
    }


def init_ray(address: str | None = None, num_cpus: int | None = None, **kwargs: Any) -> None:
    """Start a local Ray (``address=None``) or join a cluster, unless Ray is already up."""
    import ray

    if ray.is_initialized():
        return
    if address:
        # ship the repository to the cluster's workers (not the venv, caches or results)
        root = Path(__file__).resolve().parents[1]
        runtime_env = {"working_dir": str(root), "excludes": [
            ".venv/", ".git/", "benchmarks/cache/", "benchmarks/grid_runs/", "runs/", "*.egg-info/"]}
        ray.init(address=address, runtime_env=runtime_env, **kwargs)
    else:
        ray.init(num_cpus=num_cpus or os.cpu_count(), include_dashboard=False, **kwargs)


def _error_line(exc: BaseException) -> str:
    cause = getattr(exc, "cause", None)  # RayTaskError wraps the user's exception
    inner = cause if isinstance(cause, BaseException) else exc
    return f"{type(inner).__name__}: {inner}".strip().splitlines()[0][:500]


def run_grid(
    cells: Iterable[Cell],
    fn: CellFn,
    results_dir: str | os.PathLike,
    *,
    address: str | None = None,
    num_cpus: int | None = None,
    cpus_per_cell: float = 1.0,
    gpus_per_cell: float = 0.0,
    progress: bool = True,
) -> GridSummary:
    """Run every cell of the grid whose result JSON does not exist yet; return what happened.

    Failed cells are written to ``<key>.failed.json``; they never stop the other cells. Ray hides the
    GPUs from a task that reserves none: cells that should use CUDA need ``gpus_per_cell > 0`` (a fraction
    shares one GPU among cells).
    """
    import ray

    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    cells = list(cells)
    by_key = {c.key: c for c in cells}
    if len(by_key) != len(cells):
        raise ValueError("grid has duplicate cells (same env, method and seed)")
    summary = GridSummary()
    todo: list[Cell] = []
    for cell in cells:
        if result_path(results_dir, cell).exists():
            summary.skipped.append(cell.key)
        else:
            todo.append(cell)
    if not todo:
        return summary

    init_ray(address, num_cpus)
    task = ray.remote(num_cpus=cpus_per_cell, num_gpus=gpus_per_cell)(_execute)
    fn_ref = ray.put(fn)
    refs: dict[str, Any] = {}  # key -> ObjectRef of a submitted cell

    def dep_value(key: str) -> Any:
        if key in refs:
            return refs[key]  # Ray resolves it when the dependency finishes
        path = results_dir / f"{key}.json"
        if path.exists():
            with open(path) as fh:
                return json.load(fh)
        raise ValueError(f"cell depends on {key!r}, which is neither in the grid nor in {results_dir}")

    pending = {c.key for c in todo}
    while pending:  # submit in dependency order (dependencies first)
        # the grid's order, each cell after its dependencies (Ray runs submitted tasks roughly in order)
        ready = [c.key for c in todo if c.key in pending and all(d not in pending for d in c.deps)]
        if not ready:
            raise ValueError(f"dependency cycle among cells {sorted(pending)}")
        for key in ready:
            cell = by_key[key]
            try:
                deps = [dep_value(d) for d in cell.deps]
            except ValueError as exc:
                _record_failure(results_dir, cell, exc, "", summary)
                pending.discard(key)
                continue
            refs[key] = task.remote(fn_ref, cell, tuple(cell.deps), *deps)
            pending.discard(key)

    waiting = {ref: key for key, ref in refs.items()}
    bar = tqdm(total=len(todo), disable=not progress, desc="grid cells")
    bar.update(len(todo) - len(refs))
    while waiting:
        done, _ = ray.wait(list(waiting), num_returns=1)
        for ref in done:
            key = waiting.pop(ref)
            cell = by_key[key]
            try:
                out = ray.get(ref)
            except Exception as exc:  # the cell raised or its worker died
                _record_failure(results_dir, cell, exc, traceback.format_exc(), summary)
            else:
                write_json_atomic(result_path(results_dir, cell), out)
                failed_path(results_dir, cell).unlink(missing_ok=True)
                summary.ran.append(key)
            bar.update(1)
            bar.set_postfix(ok=len(summary.ran), failed=len(summary.failed))
    bar.close()
    return summary


def _record_failure(results_dir: Path, cell: Cell, exc: BaseException, tb: str, summary: GridSummary) -> None:
    line = _error_line(exc)
    summary.failed[cell.key] = line
    write_json_atomic(failed_path(results_dir, cell), {
        "key": cell.key, "env": cell.env, "method": cell.method, "seed": cell.seed, "params": cell.params,
        "status": "failed", "error": line, "traceback": tb or str(exc),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    })


__all__ = ["Cell", "GridSummary", "init_ray", "load_results", "run_grid", "write_json_atomic"]
