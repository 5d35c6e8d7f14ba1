"""The Ray grid runner: result files, skip on re-run, failures recorded while other cells finish."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from benchmarks.grid import Cell, load_results, run_grid  # noqa: E402

# the test module is not importable inside Ray workers: ship these functions by value
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module", autouse=True)
def ray_session():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def trivial_method(cell: Cell, deps: dict) -> dict:
    """Records each call in a file (Ray workers are other processes) and returns a fake curve."""
    calls = Path(cell.params["calls_dir"])
    (calls / f"{cell.key}.{os.getpid()}.{len(list(calls.iterdir()))}").write_text("called")
    if cell.method == "boom":
        raise RuntimeError(f"cell {cell.seed} exploded on purpose")
    return {"final_return": 10.0 * cell.seed, "curve": {"steps": [0, 100], "returns": [0.0, cell.seed]},
            "deps_seen": sorted(deps)}


def _cells(calls_dir, methods=("trivial", "trivial"), seeds=(1, 2)):
    return [Cell("ToyEnv-v0", m, s, params={"calls_dir": str(calls_dir)}) for m, s in zip(methods, seeds)]


def test_two_cells_write_results_and_rerun_skips_them(tmp_path):
    calls = tmp_path / "calls"
    calls.mkdir()
    out = tmp_path / "results"
    first = run_grid(_cells(calls), trivial_method, out, progress=False)
    assert sorted(first.ran) == ["ToyEnv-v0__trivial__s1", "ToyEnv-v0__trivial__s2"]
    assert first.ok and not first.skipped
    files = sorted(p.name for p in out.glob("*.json"))
    assert files == ["ToyEnv-v0__trivial__s1.json", "ToyEnv-v0__trivial__s2.json"]
    rows = {r["seed"]: r for r in load_results(out)}
    assert rows[2]["status"] == "ok" and rows[2]["result"]["final_return"] == 20.0
    assert rows[1]["result"]["curve"]["returns"] == [0.0, 1.0]
    assert len(list(calls.iterdir())) == 2
    assert not list(out.glob(".*.tmp"))  # atomic writes leave no temporary files

    second = run_grid(_cells(calls), trivial_method, out, progress=False)
    assert sorted(second.skipped) == sorted(first.ran) and not second.ran
    assert len(list(calls.iterdir())) == 2  # the method was not called again


def test_failing_cell_is_recorded_and_the_other_finishes(tmp_path):
    calls = tmp_path / "calls"
    calls.mkdir()
    out = tmp_path / "results"
    cells = _cells(calls, methods=("boom", "trivial"), seeds=(3, 4))
    summary = run_grid(cells, trivial_method, out, progress=False)
    assert summary.ran == ["ToyEnv-v0__trivial__s4"]
    assert list(summary.failed) == ["ToyEnv-v0__boom__s3"]
    assert "RuntimeError" in summary.failed["ToyEnv-v0__boom__s3"]
    assert "exploded on purpose" in summary.failed["ToyEnv-v0__boom__s3"]
    failed = json.loads((out / "ToyEnv-v0__boom__s3.failed.json").read_text())
    assert failed["status"] == "failed" and "exploded on purpose" in failed["error"]
    assert not (out / "ToyEnv-v0__boom__s3.json").exists()
    assert (out / "ToyEnv-v0__trivial__s4.json").exists()
    # a re-run retries only the failed cell
    again = run_grid(cells, trivial_method, out, progress=False)
    assert again.skipped == ["ToyEnv-v0__trivial__s4"] and list(again.failed) == ["ToyEnv-v0__boom__s3"]


def test_dependent_cell_receives_its_dependency_result(tmp_path):
    calls = tmp_path / "calls"
    calls.mkdir()
    out = tmp_path / "results"
    base = Cell("ToyEnv-v0", "trivial", 5, params={"calls_dir": str(calls)})
    child = Cell("ToyEnv-v0", "child", 5, params={"calls_dir": str(calls)}, deps=(base.key,))
    summary = run_grid([child, base], trivial_method, out, progress=False)
    assert summary.ok and sorted(summary.ran) == sorted([base.key, child.key])
    rows = {r["method"]: r for r in load_results(out)}
    assert rows["child"]["result"]["deps_seen"] == [base.key]
    # the dependency's JSON on disk serves a later grid that only holds the child
    (out / f"{child.key}.json").unlink()
    assert run_grid([child], trivial_method, out, progress=False).ran == [child.key]


def test_grid_meta_updates_from_side_by_side_grids_are_not_lost(tmp_path):
    """Grids launched side by side each read grid_meta.json, add their command (and later their
    wall-clock) and write it back: without the lock the slowest writer drops the others' commands."""
    import threading
    import time

    from benchmarks.run import update_meta

    meta_path = tmp_path / "mujoco_full" / "grid_meta.json"

    def add(i: int) -> None:
        def change(meta: dict) -> None:
            time.sleep(0.05)  # a wide read-to-write window: unlocked, every thread would read the same file
            meta["commands"].append(f"grid {i}")
            meta["grid_wall_clock_s"] = meta.get("grid_wall_clock_s", 0.0) + 1.0

        update_meta(meta_path, change)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    meta = json.loads(meta_path.read_text())
    assert sorted(meta["commands"]) == [f"grid {i}" for i in range(4)] and meta["grid_wall_clock_s"] == 4.0
