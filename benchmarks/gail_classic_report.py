"""Report of benchmarks/gail_classic.py: table, headline JSON and PNG curves from the cell files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import numpy as np

from benchmarks.metrics import align_curves, fmt_mean_std, normalise, steps_to_threshold


def _load(cells: Path) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    for path in sorted(cells.glob("*.json")):
        row = json.loads(path.read_text())
        rows.setdefault(row["task"], []).append(row)
    return {k: sorted(v, key=lambda r: r["seed"]) for k, v in rows.items()}


def _summarise(rows: list[dict], expert: float, random: float) -> dict[str, Any]:
    def side(key: str) -> dict[str, Any]:
        runs = [r[key] for r in rows if key in r]
        if not runs:
            return {}
        final = [float(normalise(run["curve"][-1][1], random, expert)) for run in runs]
        to95 = [steps_to_threshold(*zip(*[(s, v) for s, v in run["curve"] if s > 0]), random, expert)
                if len(run["curve"]) > 1 else None for run in runs]
        # the first evaluation (round 0: after GAIL's behaviour-cloning warm start, where there is one) and the
        # lowest evaluation from the first one at 95% on (a collapse or a dip after learning shows here)
        start = [float(normalise(run["curve"][0][1], random, expert)) for run in runs]
        low = [None if t is None else float(min(normalise(v, random, expert) for s, v in run["curve"] if s >= t))
               for run, t in zip(runs, to95)]
        return {"final": final, "to95": to95, "start": start, "low_after95": low,
                "tput": [run["steps"] / run["cpu_s"] for run in runs]}

    gail, ppo = side("gail"), side("ppo")
    ratio = [g / p for g, p in zip(gail["tput"], ppo["tput"])] if ppo else []
    return {"seeds": [r["seed"] for r in rows], "gail": gail, "ppo": ppo, "ratio": ratio}


def _ratio(summary: dict) -> str:
    r = summary["ratio"]
    return f"{np.mean(r):.2f} (min {np.min(r):.2f})" if r else "—"


def _steps(values: list[float | None]) -> str:
    return ", ".join("—" if v is None else f"{v / 1000:.0f}k" for v in values)


def _plot(name: str, rows: list[dict], expert: float, random: float, out: Path) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for key, color, label in (("gail", "tab:blue", "GAIL (defaults)"), ("ppo", "tab:orange", "PPO, true reward")):
        curves = [tuple(zip(*r[key]["curve"])) for r in rows if key in r]
        if not curves:
            continue
        grid, values = align_curves([(s, normalise(np.array(v), random, expert)) for s, v in curves])
        ax.plot(grid / 1000, values.mean(0), color=color, label=f"{label} ({len(curves)} seeds)")
        ax.fill_between(grid / 1000, values.min(0), values.max(0), color=color, alpha=0.2)
    for y, style in ((0.0, ":"), (1.0, "--"), (0.95, ":")):
        ax.axhline(y, color="gray" if y == 0 else "green", ls=style, lw=0.8)
    ax.set(xlabel="env steps (thousands)", ylabel="normalised true return (min-max band)", title=name)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    png = f"gail_classic_{name.replace(' ', '_')}.png"
    fig.savefig(out / png, dpi=100)
    plt.close(fig)
    return png


def _efficiency_plot(summaries: dict[str, dict], tasks: dict, out: Path) -> str | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not any(n.endswith(" ep") for n in summaries):
        return None  # the sweep was not run
    fig, ax = plt.subplots(figsize=(6, 4))
    for base, color in (("Pendulum-v1 sb2", "tab:blue"), ("CartPole-v1", "tab:green")):
        points = [(tasks[n].episodes or 20 if "Pendulum" in base else tasks[n].episodes or 10, s["gail"]["final"])
                  for n, s in summaries.items() if n == base or n.startswith(base + " ") and n.endswith(" ep")]
        if not points:
            continue
        points.sort()
        xs = [p[0] for p in points]
        ax.errorbar(xs, [np.mean(p[1]) for p in points], yerr=[np.std(p[1]) for p in points], color=color,
                    marker="o", capsize=3, label=base)
    ax.set(xscale="log", xlabel="expert episodes used", ylabel="final normalised true return",
           title="GAIL data efficiency (cf. Ho & Ermon 2016, Fig. 1)")
    ax.axhline(1.0, color="green", ls="--", lw=0.8)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "gail_classic_data_efficiency.png", dpi=100)
    plt.close(fig)
    return "gail_classic_data_efficiency.png"


def headline(s: dict[str, dict]) -> dict[str, float | None]:
    """The figures issue 9's goal names, from the full-budget cells (NaN where not run)."""
    def get(name: str, side: str, key: str, fn: Callable) -> float:
        vals = [v for v in s.get(name, {}).get(side, {}).get(key, []) if v is not None]
        return float(fn(vals)) if vals else float("nan")

    pend = [v for n in ("Pendulum-v1 sb2", "Pendulum-v1 imitation") for v in s.get(n, {}).get("gail", {}).get("final", [])]
    cp_to95 = s.get("CartPole-v1", {}).get("gail", {}).get("to95", [])
    fixed_to95 = s.get("CartPole-v1 fixed", {}).get("gail", {}).get("to95", [])
    ratios = [np.mean(v["ratio"]) for v in s.values() if v["ratio"]]
    side_by_side = _throughput_headline()
    return {
        "pendulum_norm_mean": float(np.mean(pend)) if pend else float("nan"),
        "pendulum_norm_min": float(np.min(pend)) if pend else float("nan"),
        "mcc_norm_mean": get("MountainCarContinuous-v0", "gail", "final", np.mean),
        # None (JSON null): some seed never reached 95% within the budget
        "cartpole_steps_to_95_max": None if None in cp_to95 else get("CartPole-v1", "gail", "to95", np.max),
        "cartpole_final_norm_min": get("CartPole-v1", "gail", "final", np.min),
        "cartpole_fixed_steps_to_95_max": None if None in fixed_to95 else
        get("CartPole-v1 fixed", "gail", "to95", np.max),
        "acrobot_norm_mean": get("Acrobot-v1", "gail", "final", np.mean),
        # the interleaved side-by-side measurement (benchmarks/gail_throughput.py) where it was run; the
        # cells' GAIL-then-PPO timing under the benchmark's own load beside it
        "throughput_ratio_min": side_by_side if side_by_side is not None else
        (float(np.min(ratios)) if ratios else float("nan")),
        "throughput_ratio_min_cells": float(np.min(ratios)) if ratios else float("nan"),
    }


def _throughput_headline() -> float | None:
    path = Path(__file__).resolve().parent / "results" / "gail_throughput.json"
    return json.loads(path.read_text())["headline"]["throughput_ratio_min"] if path.exists() else None


def write_report(tasks: dict, cells: Path, out: Path, references: Callable, command: str) -> dict:
    rows = _load(cells)
    refs = {name: references(tasks[name]) for name in rows}
    summaries = {name: _summarise(r, *refs[name]) for name, r in rows.items()}
    lines = ["# GAIL on classic control — the library's defaults, no per-env GAIL flags", "",
             f"Command: `{command}` (one JSON per cell in `benchmarks/results/gail_classic_cells/`, resumable; "
             "`--report-only` rebuilds this file from them). Run on the shared 2-core machine, 2 cells at a time. "
             "GAIL defaults: a behaviour-cloning warm start of the policy (1,000 Adam steps on the demos, "
             "`advrl.gail.bc`) and a BC term after each PPO update whose weight decays linearly to 0 over the run (one "
             "pass of PPO's minibatches per round); D updates = one pass over each rollout, zero-centred gradient "
             "penalty 10, "
             "the last 16 rollouts as fakes, `--horizon absorbing`; PPO: `advrl.gail.ppo_settings.generator_settings` "
             "(rl-zoo rows with GAIL's entropy bonus `ent_coef` 0.01, learning rate decayed linearly), identical for "
             "the PPO baseline on the true reward; the `fixed` row runs `--horizon fixed`, whose PPO has no entropy "
             "bonus and no advantage normalisation (`advrl.gail.horizon.Fixed.ppo_defaults`, session 23: its cells "
             "re-run with `--tasks \"CartPole-v1 fixed\" --workers 1`). The data-efficiency rows (`N ep`) run with `--tasks` "
             "naming them. "
             "True returns, deterministic policy, 10 episodes every 10k env steps and 50 for the final figure "
             "(\"at round 0\": the first evaluation, after the warm start, before any GAIL round; \"steps to 95%\": "
             "the first evaluation after round 0 at 95%; \"lowest after 95%\": the lowest evaluation from then on, "
             "per seed); "
             "normalised: demo file mean = 1, random policy = 0. Throughput column: GAIL env steps per CPU-second ÷ "
             "PPO's, same process one after the other, evaluation excluded (the headline's `throughput_ratio_min` "
             "is the interleaved measurement of `gail_throughput.md` where it exists).",
             "", "| task | demos | budget | seeds | GAIL at round 0 | GAIL final (mean ± sd) | GAIL min | "
             "GAIL steps to 95% | GAIL lowest after 95% | PPO final | PPO steps to 95% | throughput GAIL/PPO |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    pngs = []
    for name, s in summaries.items():
        t, g, p = tasks[name], s["gail"], s["ppo"]
        low = ", ".join("—" if v is None else f"{v:.2f}" for v in g["low_after95"])
        lines.append(f"| {name} | `{t.demos}`{f' ({t.episodes} ep)' if t.episodes else ''} | {t.budget // 1000}k | "
                     f"{len(s['seeds'])} | {np.mean(g['start']):.2f} | {fmt_mean_std(g['final'])} | "
                     f"{min(g['final']):.2f} | {_steps(g['to95'])} | {low} | "
                     f"{fmt_mean_std(p['final']) if p else '—'} | {_steps(p['to95']) if p else '—'} | "
                     f"{_ratio(s)} |")
        if not t.episodes:
            pngs.append(_plot(name, rows[name], *refs[name], out))
    eff = _efficiency_plot(summaries, tasks, out)
    head = headline(summaries)
    lines += ["", "Headline: " + ", ".join(f"`{k}` = " + ("not reached" if v is None else f"{v:.3g}")
                                        for k, v in head.items()), "",
              "Curves: " + ", ".join(f"`{p}`" for p in pngs) + (f"; data efficiency: `{eff}`" if eff else ""), ""]
    notes = out / "gail_classic_notes.md"
    if notes.exists():
        lines += [notes.read_text()]
    (out / "gail_classic.md").write_text("\n".join(lines) + "\n")
    result = {"headline": head, "command": command,
              "tasks": {n: {"references": {"expert": refs[n][0], "random": refs[n][1]}, **s}
                        for n, s in summaries.items()}}
    (out / "gail_classic.json").write_text(json.dumps(result, indent=1))
    print("\n".join(lines[:len(summaries) + 8]))
    return result
