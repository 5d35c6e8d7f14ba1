"""Build ``benchmarks/results/README.md`` from the grid's result JSONs.

Tables: final normalised return (random = 0, expert = 1; mean ± std over seeds), env steps to 95% of
expert, wall-clock per cell; learning-curve PNGs with shaded seeds; reward analysis (learned vs true
reward correlations, scatter PNGs); the imitation peer row; the dialogue table when
``benchmarks/results/dialogue.md`` exists; the exact commands that made them.

    python -m benchmarks.report [--results benchmarks/results/classic] [--out benchmarks/results/README.md]
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.grid import load_results
from benchmarks.metrics import align_curves, fmt_mean_std, fmt_steps_reached, normalise, steps_to_threshold

RESULTS = Path(__file__).resolve().parent / "results"
METHOD_ORDER = ("expert", "random", "ppo", "bc", "gail", "transfer")
METHOD_LABEL = {
    "expert": "expert (shipped PPO)", "random": "random policy", "ppo": "PPO, hand-designed reward",
    "bc": "behavioural cloning", "gail": "GAIL (advrl)", "transfer": "PPO on frozen learned reward",
}
CURVE_METHODS = ("ppo", "gail", "transfer")


def references(rows: list[dict]) -> dict[str, tuple[float, float]]:
    """Per env: (random return, expert return), each the mean over the seeds' final evaluations."""
    acc: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        if r["method"] in ("random", "expert"):
            acc[r["env"]][r["method"]].append(r["result"]["final_return"])
    return {env: (float(np.mean(d["random"])), float(np.mean(d["expert"])))
            for env, d in acc.items() if d.get("random") and d.get("expert")}


def summarise(rows: list[dict]) -> dict[str, dict[str, dict[str, Any]]]:
    """env -> method -> {final_norm: [...], final_raw: [...], steps95: [...], wall: [...], seeds: n}."""
    refs = references(rows)
    out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in rows:
        env, method, res = r["env"], r["method"], r["result"]
        cell = out[env].setdefault(method, {"final_norm": [], "final_raw": [], "steps95": [], "wall": [],
                                            "seeds": 0, "curves": []})
        cell["seeds"] += 1
        cell["final_raw"].append(res["final_return"])
        cell["wall"].append(r["wall_clock_s"])
        if env in refs:
            rnd, exp = refs[env]
            cell["final_norm"].append(normalise(res["final_return"], rnd, exp))
            curve = res.get("curve")
            if curve and curve.get("steps"):
                # the untrained policy's evaluation (step 0) is plotted but does not count as "reached"
                learned = [(s, r) for s, r in zip(curve["steps"], curve["returns"]) if s > 0]
                cell["steps95"].append(steps_to_threshold([s for s, _ in learned], [r for _, r in learned], rnd, exp))
                cell["curves"].append((curve["steps"], curve["returns"]))
    return out


def _steps_cell(values: list[float | None], method: str, final_norm: list[float]) -> str:
    if method in ("expert", "random"):
        return "—"
    if method == "bc":  # offline: no env steps at all
        if not final_norm:
            return "n/a"
        reached = sum(v >= 0.95 for v in final_norm)
        return f"0, offline ({reached}/{len(final_norm)} seeds ≥ 95%)" if reached else "not reached"
    return fmt_steps_reached(values)


def classic_tables(rows: list[dict]) -> str:
    refs = references(rows)
    summary = summarise(rows)
    lines = ["| env | method | final normalised return | final true return | env steps to 95% (seeds that got there) "
             "| wall-clock per seed (s) |", "|---|---|---|---|---|---|"]
    for env in sorted(summary):
        for method in sorted(summary[env], key=lambda m: METHOD_ORDER.index(m) if m in METHOD_ORDER else 99):
            c = summary[env][method]
            norm = fmt_mean_std(c["final_norm"]) if c["final_norm"] else "n/a (no references)"
            lines.append(
                f"| {env} | {METHOD_LABEL.get(method, method)} | {norm} (n={c['seeds']}) | "
                f"{fmt_mean_std(c['final_raw'], 1)} | {_steps_cell(c['steps95'], method, c['final_norm'])} | "
                f"{fmt_mean_std(c['wall'], 0)} |")
    ref_lines = ["| env | random return | expert return |", "|---|---|---|"]
    ref_lines += [f"| {env} | {rnd:.1f} | {exp:.1f} |" for env, (rnd, exp) in sorted(refs.items())]
    return "\n".join(lines) + "\n\nNormalisation references (mean over seeds of the final evaluations):\n\n" + \
        "\n".join(ref_lines)


def plot_curves(rows: list[dict], out_dir: Path) -> list[Path]:
    """One PNG per env: normalised true return vs env steps, mean over seeds, shaded ± std."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    refs = references(rows)
    summary = summarise(rows)
    paths = []
    for env, methods in sorted(summary.items()):
        if env not in refs:
            continue
        fig, ax = plt.subplots(figsize=(6, 4))
        for method in CURVE_METHODS:
            curves = methods.get(method, {}).get("curves", [])
            if not curves:
                continue
            grid, vals = align_curves(curves)
            vals = normalise(vals, *refs[env])
            mean, std = vals.mean(0), vals.std(0)
            ax.plot(grid, mean, label=f"{METHOD_LABEL[method]} ({len(curves)} seeds)")
            ax.fill_between(grid, mean - std, mean + std, alpha=0.25)
        if "bc" in methods and methods["bc"]["final_norm"]:
            ax.axhline(np.mean(methods["bc"]["final_norm"]), ls=":", color="k", label="behavioural cloning (final)")
        ax.axhline(1.0, ls="--", color="g", lw=0.8, label="expert")
        ax.axhline(0.95, ls=":", color="g", lw=0.8)
        ax.axhline(0.0, ls="--", color="r", lw=0.8, label="random")
        ax.set(title=f"{env}: true return (normalised)", xlabel="env steps", ylabel="normalised return")
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = out_dir / f"curves_{env.replace('/', '_')}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        paths.append(path)
    return paths


def reward_analysis(rows: list[dict], out_dir: Path) -> tuple[str, list[Path]]:
    """Table of learned-vs-true reward correlations and one scatter PNG per env (first seed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    per_env: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        if r["method"] == "gail" and r["result"].get("reward_analysis"):
            per_env[r["env"]].append(r["result"]["reward_analysis"])
    if not per_env:
        return "No reward analysis yet (no finished GAIL cells).", []
    keys = [("step_pearson", "per-step Pearson"), ("step_spearman", "per-step Spearman"),
            ("episode_pearson", "per-episode Pearson"), ("episode_spearman", "per-episode Spearman")]
    lines = ["| env | " + " | ".join(label for _, label in keys) + " | seeds |",
             "|---|" + "---|" * (len(keys) + 1)]
    paths = []
    for env, analyses in sorted(per_env.items()):
        cells = []
        for key, _ in keys:
            vals = [a.get(key) for a in analyses]
            vals = [v for v in vals if v is not None and np.isfinite(v)]
            cells.append(fmt_mean_std(vals) if vals else "n/a (true reward constant)")
        lines.append(f"| {env} | " + " | ".join(cells) + f" | {len(analyses)} |")
        first = analyses[0]
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        for source, color in (("expert", "g"), ("learner", "b"), ("random", "r")):
            pts = first.get("samples", {}).get(source)
            if pts:
                axes[0].scatter(pts["true"], pts["learned"], s=5, alpha=0.4, c=color, label=source)
            eps = first.get("episodes", {}).get(source)
            if eps:
                axes[1].scatter(eps["true"], eps["learned"], s=15, alpha=0.7, c=color, label=source)
        axes[0].set(title=f"{env}: per step", xlabel="true reward", ylabel="learned reward")
        axes[1].set(title=f"{env}: per episode", xlabel="true return", ylabel="learned return (over the horizon)")
        for ax in axes:
            ax.legend(fontsize=7)
        fig.tight_layout()
        path = out_dir / f"reward_{env.replace('/', '_')}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        paths.append(path)
    return "\n".join(lines), paths


def embedded_md(md: Path, command: str) -> str:
    """A results file written by another benchmark, its headings demoted below this report's section;
    a line naming ``command`` when it has not been written yet."""
    if not md.is_file():
        return f"Not run yet: `{command}` writes `benchmarks/results/{md.name}`."
    return re.sub(r"^(#+)", lambda m: "#" * min(len(m.group(1)) + 2, 6), md.read_text().strip(), flags=re.M)


def failures_section(results_dir: Path) -> str:
    failed = [r for r in load_results(results_dir, include_failed=True) if r.get("status") == "failed"]
    ok_keys = {r["key"] for r in load_results(results_dir)}
    failed = [r for r in failed if r["key"] not in ok_keys]
    if not failed:
        return "None."
    return "\n".join(f"- `{r['key']}`: {r['error']}" for r in failed)


def _rel_repo(path: Path) -> str:
    repo = Path(__file__).resolve().parents[1]
    path = path.resolve()
    return path.relative_to(repo).as_posix() if path.is_relative_to(repo) else str(path)


def build_report(results_dir: Path, out: Path) -> Path:
    rows = load_results(results_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    meta_path = results_dir / "grid_meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    curve_pngs = plot_curves(rows, out.parent)
    reward_table, reward_pngs = reward_analysis(rows, out.parent)
    rel = lambda p: p.relative_to(out.parent).as_posix()  # noqa: E731
    notes_path = Path(__file__).resolve().parent / "REPORT_NOTES.md"
    parts = [
        "# Benchmarks: learned rewards vs hand-designed rewards",
        "",
        "Generated by `python -m benchmarks.report` from the per-cell JSONs in "
        f"`{_rel_repo(results_dir)}`. "
        "Returns are always the env's **true** return, evaluated on the standard env id with deterministic "
        "actions; normalised return = (R − R_random) / (R_expert − R_random). \"95% of expert\" = normalised "
        "return ≥ 0.95 at an evaluation point of the learning curve after training started (the untrained "
        "policy's step-0 evaluation is plotted, not counted).",
        "",
        "## Commands",
        "",
        "```",
        *meta.get("commands", ["(grid metadata missing)"]),
        "python -m benchmarks.report",
        "```",
        "",
        f"Budget: **{meta.get('budget', '?')}** — {meta.get('budget_text', '')}",
        f"Machine: {meta.get('machine', '?')}. Grid wall-clock: {meta.get('grid_wall_clock_s', float('nan')):.0f} s.",
        "",
        "## Classic control: final return, steps to 95% of expert, wall-clock",
        "",
        classic_tables(rows) if rows else "No finished cells yet.",
        "",
        "## Learning curves (mean over seeds, shaded ± std)",
        "",
        *[f"![{p.stem}]({rel(p)})" for p in curve_pngs],
        "",
        "## Reward analysis: learned (GAIL discriminator) vs true reward",
        "",
        "Transitions from 5 expert, 5 GAIL-learner and 5 random-policy episodes per seed on the env GAIL trained "
        "on (its horizon mode). Per-step: learned reward of each real transition vs its true reward (n/a where the "
        "true per-step reward is constant). Per-episode: summed learned reward vs true return; with GAIL's virtual "
        "absorbing state an episode ending at T < H is credited (H − T) × the learned absorbing-state reward, "
        "as the learner sees it. Scatter plots show seed 0.",
        "",
        reward_table,
        "",
        *[f"![{p.stem}]({rel(p)})" for p in reward_pngs],
        "",
        "## The imitation peer (imitation 1.0.1 GAIL vs advrl GAIL, same demo files, same PPO settings)",
        "",
        embedded_md(out.parent / "imitation_peer.md", "python -m benchmarks.imitation_peer"),
        "",
        "## Dialogue: MLE vs hand-designed-reward RL vs adversarial",
        "",
        embedded_md(out.parent / "dialogue.md", "benchmarks/dialogue_dailydialog.py report"),
        "",
        "## Failed cells",
        "",
        failures_section(results_dir),
        "",
    ]
    if notes_path.is_file():
        parts += [notes_path.read_text().strip(), ""]
    out.write_text("\n".join(parts))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=str(RESULTS / "classic"), help="directory of per-cell JSONs")
    parser.add_argument("--out", default=str(RESULTS / "README.md"))
    args = parser.parse_args(argv)
    path = build_report(Path(args.results), Path(args.out))
    print(path.read_text())


if __name__ == "__main__":
    main()
