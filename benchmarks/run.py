"""Run a benchmark grid on Ray and build the report.

    python -m benchmarks.run --grid classic [--budget reduced|full] [--address ray://host:10001]
                             [--envs CartPole-v1,...] [--methods ppo,gail,...] [--seeds 0,1]
                             [--results benchmarks/results/classic] [--no-report]
    python -m benchmarks.run --grid mujoco --budget reduced|full [--device cpu|auto|cuda --gpus-per-cell 0.25]
                             [--num-cpus N] ...

Each (env, method, seed) cell is one Ray task; finished cells are one JSON each under ``--results``
(re-runs skip them, so a killed grid resumes); failures are recorded in ``<cell>.failed.json``.
Bulky artefacts (learned rewards, policies) go to ``benchmarks/grid_runs/`` (git-ignored; on a
cluster this must be a shared filesystem for the reward-transfer cells).

The ``mujoco`` grid (issue 10: PPO, SAC, BC, GAIL-PPO, GAIL-SAC, AIRL and the AIRL and GAIL reward transfers on
HalfCheetah/Hopper/Swimmer-v5) keeps each budget apart: results in ``benchmarks/results/mujoco_<budget>/``,
artefacts in ``benchmarks/grid_runs/mujoco_<budget>/``, report ``benchmarks/results/gail_mujoco.md`` (full)
or ``gail_mujoco_<budget>.md``. Its adversarial cells also resume *within* a cell from their checkpoint
(delete a cell's artefact folder as well as its JSON to re-run it from scratch). The same cells on another
device go in their own ``--results`` folder (artefacts follow it: ``benchmarks/grid_runs/<folder name>``),
e.g. ``--device cuda --gpus-per-cell 0.25 --results benchmarks/results/mujoco_full_gpu``.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

from benchmarks.grid import run_grid, write_json_atomic
from benchmarks.methods import METHODS, classic_grid, run_cell
from benchmarks.methods.common import BUDGETS, CLASSIC_ENVS
from benchmarks.methods.mujoco import MUJOCO_BUDGETS, MUJOCO_ENVS, MUJOCO_METHODS, mujoco_budget_text

RESULTS = Path(__file__).resolve().parent / "results"


def _csv(text: str | None, cast=str):
    return tuple(cast(x) for x in text.split(",") if x) if text else None


def budget_text(name: str) -> str:
    b = BUDGETS[name]
    steps = ", ".join(f"{env} {n // 1000}k" for env, n in b.timesteps.items())
    return (f"env steps per learning run (PPO, GAIL, transfer): {steps}; seeds {list(b.seeds)}; evaluation every "
            f"{b.eval_every // 1000}k steps over {b.eval_episodes} episodes, final evaluation over "
            f"{b.final_episodes} episodes; BC {b.bc_epochs} epochs.")


def mujoco_results_dir(budget: str) -> Path:
    """The MuJoCo grid's per-cell JSONs of ``budget`` (budgets never share a folder)."""
    return RESULTS / f"mujoco_{budget}"


def _check_budget(results: Path, budget: str) -> str | None:
    """An error line when ``results`` already holds cells of another budget (cell keys carry no budget)."""
    meta = results / "grid_meta.json"
    done = json.loads(meta.read_text()).get("budget") if meta.is_file() else None
    if done and done != budget:
        return f"--results {results} holds the {done!r} budget's cells; give another --results for {budget!r}"
    return None


def update_meta(meta_path: Path, change) -> dict:
    """Read ``grid_meta.json``, apply ``change(meta)`` and write it back atomically, holding a lock
    file: grids launched side by side each add their command and wall-clock (no lost update)."""
    meta_path.parent.mkdir(parents=True, exist_ok=True)
    with open(meta_path.with_name(meta_path.name + ".lock"), "w") as lock:  # closing it releases the lock
        fcntl.flock(lock, fcntl.LOCK_EX)
        meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {"commands": []}
        change(meta)
        write_json_atomic(meta_path, meta)
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--grid", choices=["classic", "mujoco"], default="classic")
    parser.add_argument("--budget", choices=sorted(set(BUDGETS) | set(MUJOCO_BUDGETS)), default="reduced")
    parser.add_argument("--address", default=None, help="join this Ray cluster (default: start a local Ray)")
    parser.add_argument("--num-cpus", type=int, default=None, help="CPUs of the local Ray (default: all)")
    parser.add_argument("--envs", default=None, help=f"comma list (default: {','.join(CLASSIC_ENVS)}; "
                                                     f"mujoco: {','.join(MUJOCO_ENVS)})")
    parser.add_argument("--methods", default=None, help=f"comma list (default: {','.join(METHODS)}; "
                                                        f"mujoco: {','.join(MUJOCO_METHODS)})")
    parser.add_argument("--seeds", default=None, help="comma list (default: the budget's seeds)")
    parser.add_argument("--device", default="cpu", help="mujoco grid: torch device of every cell (cpu, auto: CUDA "
                                                        "when the cell sees one, cuda); recorded per cell")
    parser.add_argument("--gpus-per-cell", type=float, default=0.0,
                        help="GPUs Ray reserves per cell (e.g. 0.25: four cells share one); Ray hides the GPUs from "
                             "cells that reserve none, so --device auto|cuda needs this > 0 to use CUDA")
    parser.add_argument("--results", default=None, help="directory of per-cell JSONs (default: "
                                                        "benchmarks/results/classic; mujoco: .../mujoco_<budget>)")
    parser.add_argument("--no-report", action="store_true", help="do not rebuild the grid's report")
    args = parser.parse_args(argv)

    mujoco = args.grid == "mujoco"
    known_methods, budgets = (MUJOCO_METHODS, MUJOCO_BUDGETS) if mujoco else (METHODS, BUDGETS)
    if args.budget not in budgets:
        parser.error(f"--budget {args.budget!r}: the {args.grid} grid has {', '.join(sorted(budgets))}")
    methods = _csv(args.methods)
    for m in methods or ():
        if m not in known_methods:
            parser.error(f"--methods: unknown method {m!r}; expected some of {', '.join(known_methods)}")
    if mujoco:
        from benchmarks.methods.mujoco import mujoco_grid, run_mujoco_cell

        results = Path(args.results) if args.results else mujoco_results_dir(args.budget)
        if (error := _check_budget(results, args.budget)):
            parser.error(error)
        if args.device.startswith("cuda") and args.gpus_per_cell <= 0:
            parser.error(f"--device {args.device} needs --gpus-per-cell > 0 (Ray hides GPUs from cells reserving none)")
        cells = mujoco_grid(args.budget, _csv(args.envs), methods, _csv(args.seeds, int), device=args.device,
                            run_name=results.name)  # artefacts apart per results folder
        cell_fn, text = run_mujoco_cell, mujoco_budget_text(args.budget)
    else:
        results = Path(args.results) if args.results else RESULTS / "classic"
        cells = classic_grid(args.budget, _csv(args.envs), methods, _csv(args.seeds, int))
        cell_fn, text = run_cell, budget_text(args.budget)
    meta_path = results / "grid_meta.json"
    command = "python -m benchmarks.run " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))

    def launched(meta: dict) -> None:  # before the cells: a grid killed midway still says what it ran
        if command not in meta["commands"]:
            meta["commands"].append(command)
        meta.update(budget=args.budget, budget_text=text, grid=args.grid,
                    machine=f"{platform.node()}: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}")

    update_meta(meta_path, launched)
    start = time.time()
    summary = run_grid(cells, cell_fn, results, address=args.address, num_cpus=args.num_cpus,
                       gpus_per_cell=args.gpus_per_cell)
    elapsed = time.time() - start
    print(f"grid: {len(summary.ran)} ran, {len(summary.skipped)} skipped (already done), "
          f"{len(summary.failed)} failed in {elapsed:.0f} s")
    for key, err in summary.failed.items():
        print(f"  FAILED {key}: {err}")
    update_meta(meta_path, lambda meta: meta.update(grid_wall_clock_s=meta.get("grid_wall_clock_s", 0.0) + elapsed))
    if not args.no_report and mujoco:
        from benchmarks.gail_mujoco import build_mujoco_report, report_paths

        print(f"report: {build_mujoco_report(results, *report_paths(results), budget=args.budget)}")
    elif not args.no_report:
        from benchmarks.report import build_report

        print(f"report: {build_report(results, RESULTS / 'README.md')}")
    return 0 if summary.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
