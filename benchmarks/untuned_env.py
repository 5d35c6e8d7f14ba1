"""The whole GAIL-PPO path, from the command line, on an env none of advrl's settings were tuned on.

Shared by the scripts that report one such env each (``gail_walker``, ``gail_idp``): an expert (``advrl
expert train``, PPO with ``advrl.gail.ppo_settings.DEFAULT``, 1M env steps), 25 deterministic episodes of it
(``advrl expert rollout``), PPO on the true reward with the generator's settings (``advrl gail ppo --reward
true``, 1M, seeds 0-2) and GAIL-PPO with the library's defaults (``advrl gail train``, 1M, seeds 0-2); the
final policies re-evaluated on 100 other episodes; a report with the ratio to PPO, the expert-normalised
figure and the curves.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks import gail_cli_runs as cli
from benchmarks.gail_cli_runs import ADVRL, STEPS
from benchmarks.grid import write_json_atomic
from benchmarks.metrics import plot_band

ROOT = cli.ROOT
RESULTS = ROOT / "benchmarks" / "results"
SEEDS = (0, 1, 2)


@dataclass(frozen=True)
class Variant:
    """GAIL-PPO with ``flags`` beside the defaults (runs ``<prefix>_s<seed>``; ``settings``: what the flags set,
    checked in each run's summary; ``key``: its headline, ``<task key>_<key>_vs_rl``)."""

    prefix: str
    label: str
    flags: tuple[str, ...]
    settings: tuple[tuple[str, object], ...]
    key: str


@dataclass(frozen=True)
class Task:
    """One env's benchmark: ``name`` names its report (``benchmarks/results/<name>.*``), its run folder
    (``benchmarks/grid_runs/<name>/``) and module (``benchmarks.<name>``); ``key`` prefixes its headline
    (``<key>_ppo_vs_rl``, ...); ``doc``: the module docstring whose 2nd and 3rd paragraphs the report
    quotes; ``caveat``: what the figures show and what they do not (``str.format`` fields ``ppo_mean``,
    ``n_ppo``, ``ppo_min``, ``ppo_max``); ``provenance``: where the runs were made."""

    name: str
    env: str
    key: str
    title: str
    doc: str
    caveat: str
    provenance: str = "These runs were made with the commands above"
    legend_loc: str = "lower right"
    variants: tuple[Variant, ...] = ()

    @property
    def expert(self) -> str:
        return f"experts/{self.env}-ppo.zip"

    @property
    def demos(self) -> str:
        return f"experts/demos/{self.env}.npz"

    @property
    def runs(self) -> Path:
        return ROOT / "benchmarks" / "grid_runs" / self.name


def commands(task: Task) -> dict[str, list[str]]:
    """Every step's command line (relative paths: run from the repository root)."""
    runs = task.runs.relative_to(ROOT)
    cmds = {"expert": [ADVRL, "expert", "train", "--env", task.env, "--timesteps", str(STEPS), "--seed", "0",
                       "--device", "cpu", "--out", task.expert],
            "demos": [ADVRL, "expert", "rollout", "--env", task.env, "--policy", task.expert, "--episodes", "25",
                      "--out", task.demos, "--seed", "0"]}
    for seed in SEEDS:
        cmds[f"ppo_s{seed}"] = [ADVRL, "gail", "ppo", "--reward", "true", "--env", task.env, "--timesteps", str(STEPS),
                                "--seed", str(seed), "--eval-episodes", "50", "--device", "cpu",
                                "--out", f"{runs}/ppo_s{seed}.zip"]
        cmds[f"gail_s{seed}"] = cli.gail_train_command(task.env, task.demos, seed, task.runs / f"gail_s{seed}")
    for variant in task.variants:
        for seed in SEEDS:
            name = f"{variant.prefix}_s{seed}"
            cmds[name] = cli.gail_train_command(task.env, task.demos, seed, task.runs / name, variant.flags)
    return cmds


def _done(task: Task, name: str) -> bool:
    if name == "expert":
        return (ROOT / task.expert).is_file()
    if name == "demos":
        return (ROOT / task.demos).is_file()
    if name.startswith("ppo"):
        return (task.runs / f"{name}.log").is_file() and _ppo_return(task, name) is not None
    return (task.runs / name / "summary.json").is_file()


def _ppo_return(task: Task, name: str) -> float | None:
    """The final true return ``advrl gail ppo`` printed (its log beside the zip): the last result line, which
    must be of the full budget and 50 episodes."""
    log = task.runs / f"{name}.log"
    found = re.findall(r"(\d+) steps: true return (-?[\d.]+) ± [\d.]+ over (\d+) episodes", log.read_text())
    if not found:
        return None
    steps, ret, episodes = found[-1]
    if int(steps) < STEPS or int(episodes) != 50:
        raise SystemExit(f"{log}: {steps} steps and {episodes} episodes, not {STEPS} and 50")
    return float(ret)


def run_missing(task: Task) -> None:
    """Each step without its output, in order, one at a time: GAIL resumes from its checkpoint (a run
    stopped before its first one starts again), a new expert gets new demos."""
    task.runs.mkdir(parents=True, exist_ok=True)
    remade: set[str] = set()
    for name, cmd in commands(task).items():
        if _done(task, name) and not (name == "demos" and "expert" in remade):
            continue
        if name.startswith("gail"):
            cli.run_gail(cmd, task.runs / name, task.runs / f"{name}.log")
        else:  # --overwrite: a zip or demo file left by a run that did not finish
            cli.run_command(cmd if name == "expert" else [*cmd, "--overwrite"], task.runs / f"{name}.log")
        remade.add(name)
    if remade or not (task.runs / "reeval.json").is_file():
        reevaluate(task)


def reevaluate(task: Task, episodes: int = 100, seed: int = 20_000) -> dict[str, list[float]]:
    """Every saved final policy (GAIL's and PPO's) on ``episodes`` more deterministic episodes from other
    initial states (seeds ``seed``...): the finals' single evaluations checked → ``<runs>/reeval.json``."""
    import torch

    from advrl.gail import evaluate_expert

    torch.set_num_threads(1)
    out: dict[str, list[float]] = {}
    for seed_ in SEEDS:
        runs = [(f"{prefix}_s{seed_}", task.runs / f"{prefix}_s{seed_}" / "policy.zip")
                for prefix in ("gail", *(v.prefix for v in task.variants))]
        for name, path in (*runs, (f"ppo_s{seed_}", task.runs / f"ppo_s{seed_}.zip")):
            if path.is_file():
                out[name] = list(evaluate_expert(task.env, path, episodes=episodes, seed=seed))
    write_json_atomic(task.runs / "reeval.json", {"episodes": episodes, "seed": seed, "mean_std": out})
    return out


def report(task: Task) -> dict:
    """Markdown, JSON and PNG from the finished steps."""
    from advrl.demos import load_demos

    demos = load_demos(ROOT / task.demos, env=task.env)
    demo_mean = float(demos.episode_returns.mean())
    ppo = {s: _ppo_return(task, f"ppo_s{s}") for s in SEEDS if (task.runs / f"ppo_s{s}.log").is_file()}
    ppo = {s: v for s, v in ppo.items() if v is not None}
    gail = cli.gail_summaries(task.runs, SEEDS, task.env, task.demos)
    if not ppo or not gail:
        raise SystemExit(f"nothing finished under {task.runs} (PPO {sorted(ppo)}, GAIL {sorted(gail)}): run with --run")
    random = float(np.mean([g["random_return"] for g in gail.values()]))
    ppo_mean = float(np.mean(list(ppo.values())))
    reeval_path = task.runs / "reeval.json"
    reeval = json.loads(reeval_path.read_text()) if reeval_path.is_file() else None
    again = {k: v[0] for k, v in reeval["mean_std"].items()} if reeval else {}
    ppo_again = [again[f"ppo_s{s}"] for s in ppo if f"ppo_s{s}" in again]

    def normalise(x: float) -> float:
        return (x - random) / (demo_mean - random)

    gail_row, main = _gail_row("GAIL-PPO, library defaults", "gail", gail, again, normalise, ppo_mean)
    k = task.key
    headline = {f"{k}_ppo_vs_rl": main["vs_rl"], f"{k}_ppo_norm": main["norm"],
                "demos_vs_rl": demo_mean / ppo_mean, f"{k}_late_norm": float(np.mean([normalise(x) for x in main["late"]]))}
    if ppo_again and main["again"]:  # the same ratio from the re-evaluation
        headline[f"{k}_ppo_vs_rl_reeval"] = float(np.mean(main["again"]) / np.mean(ppo_again))
    variants = {v: cli.gail_summaries(task.runs, SEEDS, task.env, task.demos, v.prefix, dict(v.settings))
                for v in task.variants}
    variant_rows = []
    for v, runs in ((v, runs) for v, runs in variants.items() if runs):
        row, figures = _gail_row(v.label, v.prefix, runs, again, normalise, ppo_mean)
        headline[f"{k}_{v.key}_vs_rl"] = figures["vs_rl"]
        variant_rows.append(row)
    cmds = commands(task)
    command = f".venv/bin/python -m benchmarks.{task.name} --run"
    lines = [f"# {task.title}", "",
             f"Command: `{command}`. "
             + " ".join(" ".join(task.doc.split("\n\n")[i].split()) for i in (1, 2)), "",
             task.caveat.format(ppo_mean=ppo_mean, n_ppo=len(ppo), ppo_min=min(ppo.values()), ppo_max=max(ppo.values())),
             "", "| run | final true return per seed | mean | ÷ PPO on the true reward | expert-normalised | "
             "mean of the last 8 evaluations per seed | final policy again, 100 other episodes |",
             "|---|---|---|---|---|---|---|",
             f"| demo file (25 episodes of the expert) | | {demo_mean:,.0f} ± {demos.episode_returns.std():,.0f} | "
             f"{demo_mean / ppo_mean:.2f} | 1 | | |",
             f"| PPO, true reward ({len(ppo)} seeds) | {' / '.join(f'{v:,.0f}' for v in ppo.values())} | "
             f"{ppo_mean:,.0f} | 1.00 | {normalise(ppo_mean):.2f} | (not recorded) | "
             f"{' / '.join(f'{v:,.0f}' for v in ppo_again)} |",
             gail_row, *variant_rows,
             "", f"Random policy: {random:.1f}. GAIL's final figures: 50 deterministic episodes; PPO's: 50. "
             "Commands, in order:", ""]
    lines += [f"    {' '.join(c)}" for c in cmds.values()]
    lines += ["", f"{task.provenance}; the report checks each GAIL run's demo file by its sha256 and its settings "
              "against the commands above."]
    lines += ["", "Headline: " + ", ".join(f"`{name}` = {v:.3f}" for name, v in headline.items()), "",
              f"![curves]({task.name}.png)"]
    (RESULTS / f"{task.name}.md").write_text("\n".join(lines) + "\n")
    write_json_atomic(RESULTS / f"{task.name}.json", {
        "headline": headline, "command": command,
        "commands": {name: " ".join(v) for name, v in cmds.items()},
        "demos": {"path": task.demos, "sha256": cli.demo_sha256(task.demos)},
        "demo_mean": demo_mean, "reevaluated": reeval, "random": random,
        "ppo_final": ppo, "gail": {s: {"final_true_return": g["final_true_return"],
                                        "final_normalised_return": g["final_normalised_return"],
                                        "curve": [list(point) for point in zip(*cli.summary_curve(g))]}
                                    for s, g in gail.items()},
        **({"variants": {v.prefix: {"flags": list(v.flags), "final_true_return": {
            s: g["final_true_return"] for s, g in runs.items()}} for v, runs in variants.items() if runs}}
           if task.variants else {})})
    _plot(task, gail, demo_mean, ppo_mean, {v.label: runs for v, runs in variants.items() if runs})
    print("\n".join(lines))
    return headline


def _gail_row(label: str, prefix: str, runs: dict[int, dict], again: dict[str, float], normalise,
              ppo_mean: float) -> tuple[str, dict]:
    """A GAIL row of the table (runs ``<prefix>_s<seed>``) and its figures: ``vs_rl`` (mean final ÷ PPO's),
    ``norm`` (mean expert-normalised final), ``late`` (each run's last 8 evaluations before the final one, mean)
    and ``again`` (the final policies re-evaluated)."""
    finals = [g["final_true_return"] for g in runs.values()]
    late = [float(np.mean([c["true_return"] for c in g["curve"][:-1][-8:]])) for g in runs.values()]
    again_ = [again[f"{prefix}_s{s}"] for s in runs if f"{prefix}_s{s}" in again]
    figures = {"vs_rl": float(np.mean(finals)) / ppo_mean, "norm": float(np.mean([normalise(x) for x in finals])),
               "late": late, "again": again_}
    row = (f"| {label} ({len(runs)} seeds) | {' / '.join(f'{x:,.0f}' for x in finals)} | {np.mean(finals):,.0f} | "
           f"{figures['vs_rl']:.2f} | {figures['norm']:.2f} | {' / '.join(f'{x:,.0f}' for x in late)} | "
           f"{' / '.join(f'{x:,.0f}' for x in again_)} |")
    return row, figures


def _plot(task: Task, gail: dict[int, dict], demo_mean: float, ppo_mean: float,
          variants: dict[str, dict[int, dict]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.5))
    plot_band(ax, [cli.summary_curve(g) for g in gail.values()], "GAIL-PPO, library defaults", "C2")
    for i, (label, runs) in enumerate(variants.items()):
        plot_band(ax, [cli.summary_curve(g) for g in runs.values()], label, f"C{3 + i}")
    ax.axhline(demo_mean, ls=":", color="k", label="demo file's mean")
    ax.axhline(ppo_mean, ls="--", color="C0", label="PPO on the true reward, final (mean)")
    cli.save_plot(fig, ax, f"{task.env}: true return (deterministic policy)", RESULTS / f"{task.name}.png",
                  task.legend_loc)


def main(task: Task, argv: list[str] | None = None) -> int:
    """``--run`` runs what is missing first; then the report."""
    return cli.main(task.doc.splitlines()[0], lambda: run_missing(task), lambda: report(task), argv)


__all__ = ["SEEDS", "Task", "Variant", "commands", "main", "reevaluate", "report", "run_missing"]
