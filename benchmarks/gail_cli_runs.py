"""GAIL runs made from the command line, as a user would, for the benchmarks that report them
(``hopper_demonstrator``, and ``gail_walker`` and ``gail_idp`` through ``untuned_env``): the command of one seed at the MuJoCo grid's GAIL-PPO
budget, running it (resumed, or started again when stopped before its first checkpoint), reading
and checking the finished runs' ``summary.json``, and the scripts' shared plot and ``main``."""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
ADVRL = ".venv/bin/advrl"  # relative to ROOT, where every command runs
STEPS = 1_000_000
EVAL = {"eval_every_steps": 25_000, "eval_episodes": 10, "final_eval_episodes": 50}  # the grid's full budget


def gail_train_command(env_id: str, demos: str, seed: int, out: Path, extra: tuple[str, ...] = ()) -> list[str]:
    """``advrl gail train`` of one seed with the library's defaults (but for the flags ``extra``), the grid's
    ``gail_bc`` budget."""
    return [ADVRL, "gail", "train", "--env", env_id, "--demos", demos, "--timesteps", str(STEPS), "--seed", str(seed),
            "--eval-every", str(EVAL["eval_every_steps"]), "--eval-episodes", str(EVAL["eval_episodes"]),
            "--final-eval-episodes", str(EVAL["final_eval_episodes"]), "--device", "cpu", *extra,
            "--out", str(out.relative_to(ROOT))]


def run_command(cmd: list[str], log: Path | None = None) -> None:
    """Run ``cmd`` from the repository root (output appended to ``log`` when given); a failure stops."""
    print(" ".join(cmd), flush=True)
    if log is None:
        subprocess.run(cmd, cwd=ROOT, check=True)
        return
    with open(log, "a") as fh:
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=fh, stderr=subprocess.STDOUT)


def run_gail(cmd: list[str], out: Path, log: Path | None = None) -> None:
    """Run a ``gail train`` command: resumed from ``out``'s checkpoint, or started again (``--overwrite``)
    when stopped before the first one."""
    run_command([*cmd, "--resume" if (out / "checkpoint.pt").is_file() else "--overwrite"], log)


def gail_summaries(runs: Path, seeds: tuple[int, ...], env_id: str, demos: str, prefix: str = "gail",
                   settings: dict[str, Any] | None = None) -> dict[int, dict]:
    """The finished runs ``runs/<prefix>_s<seed>``' summaries, each checked to have imitated the bytes of
    ``demos`` (by sha256: wherever the file lay then) with the settings :func:`gail_train_command` gives
    (and ``settings``, those its extra flags set)."""
    digest = demo_sha256(demos)
    out = {}
    for seed in seeds:
        path = runs / f"{prefix}_s{seed}" / "summary.json"
        if not path.is_file():
            continue
        summary = json.loads(path.read_text())
        if summary["demos"].get("sha256") != digest:
            raise SystemExit(f"{prefix}_s{seed} imitated {summary['demos']}, not {demos} (sha256 {digest})")
        want = {"env_id": env_id, "seed": seed, "total_timesteps": STEPS, **EVAL, **(settings or {})}
        got = {k: summary["settings"].get(k) for k in want}
        if got != want:
            raise SystemExit(f"{prefix}_s{seed}: settings {got}, expected {want}")
        out[seed] = summary
    return out


def demo_sha256(demos: str) -> str:
    """The sha256 of the demo file at ``demos`` (relative to the repository root)."""
    return hashlib.sha256((ROOT / demos).read_bytes()).hexdigest()


def summary_curve(summary: dict) -> tuple[list[float], list[float]]:
    """(env steps, true returns) of a run's evaluations."""
    return [c["env_steps"] for c in summary["curve"]], [c["true_return"] for c in summary["curve"]]


def save_plot(fig: Any, ax: Any, title: str, path: Path, legend_loc: str) -> None:
    """Title and labels of a true-return plot, its legend, then the PNG at ``path``."""
    import matplotlib.pyplot as plt

    ax.set(title=title, xlabel="env steps", ylabel="true return")
    ax.legend(fontsize=8, loc=legend_loc)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(description: str, run_missing: Callable[[], None], report: Callable[[], Any],
         argv: list[str] | None = None) -> int:
    """``--run``: :func:`run_missing` first; then the report."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--run", action="store_true", help="run what has not finished first (resuming), then report")
    args = parser.parse_args(argv)
    if args.run:
        run_missing()
    report()
    return 0


__all__ = ["ADVRL", "EVAL", "STEPS", "demo_sha256", "gail_summaries", "gail_train_command", "main", "run_command",
           "run_gail", "save_plot", "summary_curve"]
