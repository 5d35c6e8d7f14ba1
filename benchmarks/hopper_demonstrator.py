"""Is Hopper's GAIL-PPO bounded by its demonstrator? The same run from a stronger demo file.

The rl-zoo Hopper expert is weak on ``Hopper-v5``: most of its demo episodes fall after ~300 steps,
far below what PPO on the true reward reaches with the generator's settings, and ``hopper_ppo_vs_rl``
(GAIL-PPO ÷ PPO) misses 0.9. This benchmark runs GAIL-PPO exactly as the MuJoCo grid's ``gail_bc``
cells do (the library's defaults, 1M env steps, evaluation every 25k on 10 episodes, 50 for the final
figure, seeds 0-2), as a user would from the command line, from ``experts/demos/Hopper-v5-strong.npz``:
25 deterministic episodes of a stronger policy (advrl's GAIL-SAC, the grid's Hopper seed-2 cell; see
``experts/MANIFEST.md``). It reports them beside the grid's cells (PPO on the true reward, GAIL-PPO
from the rl-zoo file), read from ``benchmarks/results/mujoco_full``. The two files differ in more than
their demonstrator's return: the stronger one's episodes all last 1,000 steps (no termination), so it
also holds ~3x the transitions.

    .venv/bin/python -m benchmarks.hopper_demonstrator --run   # trains what is missing (resumes), then reports
    .venv/bin/python -m benchmarks.hopper_demonstrator         # the report from the finished runs

Writes ``benchmarks/results/hopper_demonstrator.{md,json,png}``; the JSON's ``headline`` holds
``hopper_ppo_vs_rl_strong_demos`` (GAIL-PPO ÷ PPO on the true reward, means over seeds) and
``hopper_ppo_norm_strong_demos`` (expert-normalised: random 0, the strong file's mean 1).
"""

from __future__ import annotations

import sys

import numpy as np

from benchmarks import gail_cli_runs as cli
from benchmarks.grid import load_results, write_json_atomic
from benchmarks.metrics import plot_band

ROOT = cli.ROOT
RESULTS = ROOT / "benchmarks" / "results"
ENV = "Hopper-v5"
DEMOS = "experts/demos/Hopper-v5-strong.npz"
RUNS = ROOT / "benchmarks" / "grid_runs" / "hopper_demonstrator"
SEEDS = (0, 1, 2)


def command(seed: int) -> list[str]:
    """The CLI run of one seed (the grid's ``gail_bc`` budget: 1M, evaluation every 25k)."""
    return cli.gail_train_command(ENV, DEMOS, seed, RUNS / f"gail_s{seed}")


def run_missing() -> None:
    """Train the seeds without a ``summary.json``, one at a time (resumed where a checkpoint is)."""
    for seed in SEEDS:
        out = RUNS / f"gail_s{seed}"
        if not (out / "summary.json").is_file():
            cli.run_gail(command(seed), out)


def _grid(method: str) -> list[dict]:
    rows = [r for r in load_results(RESULTS / "mujoco_full") if r["env"] == ENV and r["method"] == method]
    return sorted(rows, key=lambda r: r["seed"])


def _curve(result: dict) -> tuple[list, list]:
    curve = result.get("curve") or {}
    return curve.get("steps", []), curve.get("returns", [])


def report() -> dict:
    """Markdown, JSON and PNG from the finished runs and the grid's cells."""
    summaries = list(cli.gail_summaries(RUNS, SEEDS, ENV, DEMOS).values())
    if not summaries:
        raise SystemExit(f"no finished run under {RUNS}: run with --run first")
    strong = [s["final_true_return"] for s in summaries]
    strong_demo = summaries[0]["demo_return"]
    ppo = [r["result"]["final_return"] for r in _grid("ppo")]
    zoo = [r["result"]["final_return"] for r in _grid("gail_bc")]
    random = float(np.mean([r["result"]["final_return"] for r in _grid("random")]))
    zoo_demo = _grid("gail_bc")[0]["result"]["demo_return"]
    ppo_mean = float(np.mean(ppo))

    def norm(x: float, demo: float) -> float:
        return (x - random) / (demo - random)

    rows = [("PPO, true reward (grid `ppo`)", None, ppo),
            ("GAIL-PPO from the rl-zoo file (grid `gail_bc`)", zoo_demo, zoo),
            ("GAIL-PPO from the stronger file (this benchmark)", strong_demo, strong)]
    headline = {"hopper_ppo_vs_rl_strong_demos": float(np.mean(strong)) / ppo_mean,
                "hopper_ppo_norm_strong_demos": float(np.mean([norm(x, strong_demo) for x in strong])),
                "hopper_ppo_vs_rl": float(np.mean(zoo)) / ppo_mean,
                "strong_demos_vs_rl": strong_demo / ppo_mean, "zoo_demos_vs_rl": zoo_demo / ppo_mean}
    lines = ["# Hopper-v5: GAIL-PPO from a weak and a stronger demonstrator", "",
             "Command: `.venv/bin/python -m benchmarks.hopper_demonstrator --run`. " + " ".join(
                 __doc__.split("\n\n")[1].split()), "",
             "| run | demo file mean | final true return per seed | mean | ÷ PPO on the true reward | "
             "expert-normalised (own file) |", "|---|---|---|---|---|---|"]
    for label, demo, finals in rows:
        lines.append(f"| {label} | {'' if demo is None else f'{demo:,.0f}'} | "
                     f"{' / '.join(f'{x:,.0f}' for x in finals)} | {np.mean(finals):,.0f} | "
                     f"{np.mean(finals) / ppo_mean:.3f} | "
                     f"{'' if demo is None else f'{np.mean([norm(x, demo) for x in finals]):.2f}'} |")
    lines += ["", f"Random policy: {random:.1f} (grid `random` cells). The rl-zoo file's mean is "
              f"{zoo_demo / ppo_mean:.2f} of PPO's, the stronger file's {strong_demo / ppo_mean:.2f}: given a PPO-level "
              f"demonstrator, GAIL-PPO ends at {np.mean(strong) / ppo_mean:.2f} of PPO. Commands of the three runs "
              "(made under `runs/strong/` and copied here; the report checks the demo file by its sha256 and the "
              "settings):", ""]
    lines += [f"    {' '.join(command(s))}" for s in SEEDS]
    lines += ["", "Headline: " + ", ".join(f"`{k}` = {v:.3f}" for k, v in headline.items()), "",
              "![curves](hopper_demonstrator.png)"]
    (RESULTS / "hopper_demonstrator.md").write_text("\n".join(lines) + "\n")
    write_json_atomic(RESULTS / "hopper_demonstrator.json", {
        "headline": headline, "command": ".venv/bin/python -m benchmarks.hopper_demonstrator --run",
        "runs": [{"seed": s["settings"]["seed"], "final_true_return": s["final_true_return"],
                  "final_normalised_return": s["final_normalised_return"],
                  "curve": [list(point) for point in zip(*cli.summary_curve(s))]} for s in summaries],
        "demos": {"path": DEMOS, "sha256": cli.demo_sha256(DEMOS)}, "ppo_final": ppo, "gail_zoo_final": zoo, "random": random, "zoo_demo_return": zoo_demo,
        "strong_demo_return": strong_demo})
    _plot(summaries, [_curve(r["result"]) for r in _grid("ppo")], [_curve(r["result"]) for r in _grid("gail_bc")],
          strong_demo, zoo_demo)
    print("\n".join(lines))
    return headline


def _plot(summaries: list[dict], ppo: list[tuple], zoo: list[tuple], strong_demo: float, zoo_demo: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.5))
    for label, curves, colour in (("PPO, true reward", ppo, "C0"), ("GAIL-PPO, rl-zoo demos", zoo, "C1"),
                                  ("GAIL-PPO, stronger demos", [cli.summary_curve(s) for s in summaries], "C2")):
        plot_band(ax, curves, label, colour)
    ax.axhline(zoo_demo, ls=":", color="C1", label="rl-zoo demo file's mean")
    ax.axhline(strong_demo, ls=":", color="C2", label="stronger demo file's mean")
    cli.save_plot(fig, ax, f"{ENV}: true return (deterministic policy)", RESULTS / "hopper_demonstrator.png",
                  "lower right")


if __name__ == "__main__":
    sys.exit(cli.main(__doc__.splitlines()[0], run_missing, report))
