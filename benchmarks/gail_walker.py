"""GAIL-PPO on an env none of its settings were tuned on: Walker2d-v5 from a demo file made here.

The MuJoCo grid (``gail_mujoco.md``) covers HalfCheetah, Hopper and Swimmer, whose PPO rows were
looked at. Walker2d-v5 has no PPO row in advrl: the GAIL generator, the expert and PPO on the true
reward all take ``advrl.gail.ppo_settings.DEFAULT``, as a user's own env would. Everything runs
from the command line as a user would:

1. an expert, ``advrl expert train`` (PPO, 1M env steps) → ``experts/Walker2d-v5-ppo.zip``;
2. 25 deterministic episodes of it, ``advrl expert rollout`` → ``experts/demos/Walker2d-v5.npz``;
3. PPO on the true reward with the generator's settings, ``advrl gail ppo --reward true`` (1M, seeds 0-2);
4. GAIL-PPO with the library's defaults, ``advrl gail train`` (1M, seeds 0-2, evaluation every 25k).

    .venv/bin/python -m benchmarks.gail_walker --run   # runs what is missing (the shipped files are kept), re-evaluates
                                                       # the final policies on 100 more episodes, reports
    .venv/bin/python -m benchmarks.gail_walker         # the report from what has finished

Writes ``benchmarks/results/gail_walker.{md,json,png}``; the JSON's ``headline`` holds
``walker_ppo_vs_rl`` (GAIL-PPO final ÷ PPO on the true reward, means over seeds) and ``walker_ppo_norm``
(random policy 0, the demo file's mean 1). Run directories: ``benchmarks/grid_runs/gail_walker/``.
"""

from __future__ import annotations

import json
import re
import sys

import numpy as np

from benchmarks import gail_cli_runs as cli
from benchmarks.gail_cli_runs import ADVRL, STEPS
from benchmarks.grid import write_json_atomic
from benchmarks.metrics import plot_band

ROOT = cli.ROOT
RESULTS = ROOT / "benchmarks" / "results"
RUNS = ROOT / "benchmarks" / "grid_runs" / "gail_walker"
ENV = "Walker2d-v5"
EXPERT = "experts/Walker2d-v5-ppo.zip"
DEMOS = "experts/demos/Walker2d-v5.npz"
SEEDS = (0, 1, 2)


def commands() -> dict[str, list[str]]:
    """Every step's command line (relative paths: run from the repository root)."""
    runs = RUNS.relative_to(ROOT)
    cmds = {"expert": [ADVRL, "expert", "train", "--env", ENV, "--timesteps", str(STEPS), "--seed", "0",
                       "--device", "cpu", "--out", EXPERT],
            "demos": [ADVRL, "expert", "rollout", "--env", ENV, "--policy", EXPERT, "--episodes", "25", "--out", DEMOS,
                      "--seed", "0"]}
    for seed in SEEDS:
        cmds[f"ppo_s{seed}"] = [ADVRL, "gail", "ppo", "--reward", "true", "--env", ENV, "--timesteps", str(STEPS),
                                "--seed", str(seed), "--eval-episodes", "50", "--device", "cpu",
                                "--out", f"{runs}/ppo_s{seed}.zip"]
        cmds[f"gail_s{seed}"] = cli.gail_train_command(ENV, DEMOS, seed, RUNS / f"gail_s{seed}")
    return cmds


def _done(name: str) -> bool:
    if name == "expert":
        return (ROOT / EXPERT).is_file()
    if name == "demos":
        return (ROOT / DEMOS).is_file()
    if name.startswith("ppo"):
        return (RUNS / f"{name}.log").is_file() and _ppo_return(name) is not None
    return (RUNS / name / "summary.json").is_file()


def _ppo_return(name: str) -> float | None:
    """The final true return ``advrl gail ppo`` printed (its log beside the zip): the last result line, which
    must be of the full budget and 50 episodes."""
    found = re.findall(r"(\d+) steps: true return (-?[\d.]+) ± [\d.]+ over (\d+) episodes",
                       (RUNS / f"{name}.log").read_text())
    if not found:
        return None
    steps, ret, episodes = found[-1]
    if int(steps) < STEPS or int(episodes) != 50:
        raise SystemExit(f"{RUNS / name}.log: {steps} steps and {episodes} episodes, not {STEPS} and 50")
    return float(ret)


def run_missing() -> None:
    """Each step without its output, in order, one at a time: GAIL resumes from its checkpoint (a run
    stopped before its first one starts again), a new expert gets new demos."""
    RUNS.mkdir(parents=True, exist_ok=True)
    remade: set[str] = set()
    for name, cmd in commands().items():
        if _done(name) and not (name == "demos" and "expert" in remade):
            continue
        if name.startswith("gail"):
            cli.run_gail(cmd, RUNS / name, RUNS / f"{name}.log")
        else:  # --overwrite: a zip or demo file left by a run that did not finish
            cli.run_command(cmd if name == "expert" else [*cmd, "--overwrite"], RUNS / f"{name}.log")
        remade.add(name)
    if remade or not (RUNS / "reeval.json").is_file():
        reevaluate()


def reevaluate(episodes: int = 100, seed: int = 20_000) -> dict[str, list[float]]:
    """Every saved final policy (GAIL's and PPO's) on ``episodes`` more deterministic episodes from other
    initial states (seeds ``seed``...): the finals' single evaluations checked → ``RUNS/reeval.json``."""
    import torch

    from advrl.gail import evaluate_expert

    torch.set_num_threads(1)
    out: dict[str, list[float]] = {}
    for seed_ in SEEDS:
        for name, path in ((f"gail_s{seed_}", RUNS / f"gail_s{seed_}" / "policy.zip"),
                           (f"ppo_s{seed_}", RUNS / f"ppo_s{seed_}.zip")):
            if path.is_file():
                out[name] = list(evaluate_expert(ENV, path, episodes=episodes, seed=seed))
    write_json_atomic(RUNS / "reeval.json", {"episodes": episodes, "seed": seed, "mean_std": out})
    return out


def report() -> dict:
    """Markdown, JSON and PNG from the finished steps."""
    from advrl.demos import load_demos

    demos = load_demos(ROOT / DEMOS, env=ENV)
    demo_mean = float(demos.episode_returns.mean())
    ppo = {s: _ppo_return(f"ppo_s{s}") for s in SEEDS if (RUNS / f"ppo_s{s}.log").is_file()}
    ppo = {s: v for s, v in ppo.items() if v is not None}
    gail = cli.gail_summaries(RUNS, SEEDS, ENV, DEMOS)
    if not ppo or not gail:
        raise SystemExit(f"nothing finished under {RUNS} (PPO {sorted(ppo)}, GAIL {sorted(gail)}): run with --run")
    random = float(np.mean([g["random_return"] for g in gail.values()]))
    finals = [g["final_true_return"] for g in gail.values()]
    ppo_mean = float(np.mean(list(ppo.values())))
    norm = [(x - random) / (demo_mean - random) for x in finals]
    late = [float(np.mean([c["true_return"] for c in g["curve"][:-1][-8:]])) for g in gail.values()]
    reeval = json.loads((RUNS / "reeval.json").read_text()) if (RUNS / "reeval.json").is_file() else None
    again = {k: v[0] for k, v in reeval["mean_std"].items()} if reeval else {}
    ppo_again = [again[f"ppo_s{s}"] for s in ppo if f"ppo_s{s}" in again]
    gail_again = [again[f"gail_s{s}"] for s in gail if f"gail_s{s}" in again]
    headline = {"walker_ppo_vs_rl": float(np.mean(finals)) / ppo_mean, "walker_ppo_norm": float(np.mean(norm)),
                "demos_vs_rl": demo_mean / ppo_mean, "walker_late_norm": float(np.mean(
                    [(x - random) / (demo_mean - random) for x in late]))}
    if ppo_again and gail_again:  # the same ratio from the re-evaluation
        headline["walker_ppo_vs_rl_reeval"] = float(np.mean(gail_again) / np.mean(ppo_again))
    cmds = commands()
    lines = ["# GAIL-PPO on Walker2d-v5: an env no setting was tuned on", "",
             "Command: `.venv/bin/python -m benchmarks.gail_walker --run`. "
             + " ".join(" ".join(__doc__.split("\n\n")[i].split()) for i in (1, 2)), "",
             "What this shows and what it does not: with the untuned settings PPO on the true reward makes a modest "
             f"walker ({ppo_mean:,.0f} over {len(ppo)} seeds, spread {min(ppo.values()):,.0f}-{max(ppo.values()):,.0f}), "
             "and the expert and its demos are modest too. The check is whether GAIL-PPO's defaults imitate a user's "
             "file on an env no one tuned them for, not whether they walk well. The final figures are single "
             "50-episode evaluations of the last policy; the mean of each run's last 8 evaluations (10 episodes "
             "each, policies of the last ~200k steps) is beside them.",
             "", "| run | final true return per seed | mean | ÷ PPO on the true reward | expert-normalised | "
             "mean of the last 8 evaluations per seed | final policy again, 100 other episodes |",
             "|---|---|---|---|---|---|---|",
             f"| demo file (25 episodes of the expert) | | {demo_mean:,.0f} ± {demos.episode_returns.std():,.0f} | "
             f"{demo_mean / ppo_mean:.2f} | 1 | | |",
             f"| PPO, true reward ({len(ppo)} seeds) | {' / '.join(f'{v:,.0f}' for v in ppo.values())} | "
             f"{ppo_mean:,.0f} | 1.00 | {(ppo_mean - random) / (demo_mean - random):.2f} | (not recorded) | "
             f"{' / '.join(f'{v:,.0f}' for v in ppo_again)} |",
             f"| GAIL-PPO, library defaults ({len(gail)} seeds) | {' / '.join(f'{v:,.0f}' for v in finals)} | "
             f"{np.mean(finals):,.0f} | {headline['walker_ppo_vs_rl']:.2f} | {headline['walker_ppo_norm']:.2f} | "
             f"{' / '.join(f'{v:,.0f}' for v in late)} | {' / '.join(f'{v:,.0f}' for v in gail_again)} |",
             "", f"Random policy: {random:.1f}. GAIL's final figures: 50 deterministic episodes; PPO's: 50. "
             "Commands, in order:", ""]
    lines += [f"    {' '.join(c)}" for c in cmds.values()]
    lines += ["", "These runs were made with the same commands under `runs/walker/` and copied here (the summaries "
              "record that `--out`); the report checks each GAIL run's demo file by its sha256 and its settings "
              "against the commands above."]
    lines += ["", "Headline: " + ", ".join(f"`{k}` = {v:.3f}" for k, v in headline.items()), "",
              "![curves](gail_walker.png)"]
    (RESULTS / "gail_walker.md").write_text("\n".join(lines) + "\n")
    write_json_atomic(RESULTS / "gail_walker.json", {
        "headline": headline, "command": ".venv/bin/python -m benchmarks.gail_walker --run",
        "commands": {k: " ".join(v) for k, v in cmds.items()}, "demos": {"path": DEMOS, "sha256": cli.demo_sha256(DEMOS)},
        "demo_mean": demo_mean, "reevaluated": reeval, "random": random,
        "ppo_final": ppo, "gail": {s: {"final_true_return": g["final_true_return"],
                                        "final_normalised_return": g["final_normalised_return"],
                                        "curve": [list(point) for point in zip(*cli.summary_curve(g))]}
                                    for s, g in gail.items()}})
    _plot(gail, demo_mean, ppo_mean)
    print("\n".join(lines))
    return headline


def _plot(gail: dict[int, dict], demo_mean: float, ppo_mean: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.5))
    plot_band(ax, [cli.summary_curve(g) for g in gail.values()], "GAIL-PPO, library defaults", "C2")
    ax.axhline(demo_mean, ls=":", color="k", label="demo file's mean")
    ax.axhline(ppo_mean, ls="--", color="C0", label="PPO on the true reward, final (mean)")
    cli.save_plot(fig, ax, f"{ENV}: true return (deterministic policy)", RESULTS / "gail_walker.png", "upper left")


if __name__ == "__main__":
    sys.exit(cli.main(__doc__.splitlines()[0], run_missing, report))
