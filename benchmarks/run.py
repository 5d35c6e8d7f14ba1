"""Run a benchmark grid on Ray and build the report.

    python -m benchmarks.run --grid classic [--budget reduced|full] [--address ray://host:10001]
                             [--envs CartPole-v1,...] [--methods ppo,gail,...] [--seeds 0,1]
                             [--results benchmarks/results/classic] [--no-report]

Each (env, method, seed) cell is one Ray task; finished cells are one JSON each under ``--results``
(re-runs skip them, so a killed grid resumes); failures are recorded in ``<cell>.failed.json``.
Bulky artefacts (learned rewards, policies) go to ``benchmarks/grid_runs/`` (git-ignored; on a
cluster this must be a shared filesystem for the reward-transfer cells).
"""

from __future__ import annotations

import argparse
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

RESULTS = Path(__file__).resolve().parent / "results"


def _csv(text: str | None, cast=str):
    return tuple(cast(x) for x in text.split(",") if x) if text else None


def budget_text(name: str) -> str:
    b = BUDGETS[name]
    steps = ", ".join(f"{env} {n // 1000}k" for env, n in b.timesteps.items())
    return (f"env steps per learning run (PPO, GAIL, transfer): {steps}; seeds {list(b.seeds)}; evaluation every "
            f"{b.eval_every // 1000}k steps over {b.eval_episodes} episodes, final evaluation over "
            f"{b.final_episodes} episodes; BC {b.bc_epochs} epochs.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--grid", choices=["classic"], default="classic")
    parser.add_argument("--budget", choices=sorted(BUDGETS), default="reduced")
    parser.add_argument("--address", default=None, help="join this Ray cluster (default: start a local Ray)")
    parser.add_argument("--num-cpus", type=int, default=None, help="CPUs of the local Ray (default: all)")
    parser.add_argument("--envs", default=None, help=f"comma list (default: {','.join(CLASSIC_ENVS)})")
    parser.add_argument("--methods", default=None, help=f"comma list (default: {','.join(METHODS)})")
    parser.add_argument("--seeds", default=None, help="comma list (default: the budget's seeds)")
    parser.add_argument("--results", default=str(RESULTS / "classic"), help="directory of per-cell JSONs")
    parser.add_argument("--no-report", action="store_true", help="do not rebuild benchmarks/results/README.md")
    args = parser.parse_args(argv)

    methods = _csv(args.methods)
    for m in methods or ():
        if m not in METHODS:
            parser.error(f"--methods: unknown method {m!r}; expected some of {', '.join(METHODS)}")
    cells = classic_grid(args.budget, _csv(args.envs), methods, _csv(args.seeds, int))
    results = Path(args.results)
    start = time.time()
    summary = run_grid(cells, run_cell, results, address=args.address, num_cpus=args.num_cpus)
    elapsed = time.time() - start
    print(f"grid: {len(summary.ran)} ran, {len(summary.skipped)} skipped (already done), "
          f"{len(summary.failed)} failed in {elapsed:.0f} s")
    for key, err in summary.failed.items():
        print(f"  FAILED {key}: {err}")
    meta_path = results / "grid_meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {"commands": []}
    command = "python -m benchmarks.run " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    if command not in meta["commands"]:
        meta["commands"].append(command)
    meta.update(budget=args.budget, budget_text=budget_text(args.budget),
                machine=f"{platform.node()}: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}",
                grid_wall_clock_s=meta.get("grid_wall_clock_s", 0.0) + elapsed)
    write_json_atomic(meta_path, meta)
    if not args.no_report:
        from benchmarks.report import build_report

        print(f"report: {build_report(results, RESULTS / 'README.md')}")
    return 0 if summary.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
