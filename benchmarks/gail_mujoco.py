"""Report of the MuJoCo imitation grid (issue 10, part 5), from whatever cells have finished.

Writes ``benchmarks/results/gail_mujoco.md`` + ``.json`` + one learning-curve PNG per env (budget
``full``; another budget writes ``gail_mujoco_<budget>.*``). Cells that have not finished are shown as
"not run", never filled in. Returns are true returns (deterministic policy); expert-normalised =
(R − R_random) / (R_demo − R_random), R_random from the grid's ``random`` cells, R_demo the demo file's
mean return. The cells are run by the grid (``python -m benchmarks.run --grid mujoco --budget full``).

    python -m benchmarks.gail_mujoco [--budget full|reduced] [--results benchmarks/results/mujoco_<budget>]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.grid import load_results, write_json_atomic
from benchmarks.metrics import align_curves, fmt_mean_std, fmt_steps_reached, mean_std, normalise, steps_to_threshold
from benchmarks.methods.mujoco import MUJOCO_BUDGETS, MUJOCO_ENVS, MUJOCO_METHODS, mujoco_budget_text, mujoco_grid

RESULTS = Path(__file__).resolve().parent / "results"
LABEL = {"random": "random policy", "bc": "behavioural cloning", "ppo": "PPO, true reward",
         "gail": "GAIL-PPO, no warm start", "gail_bc": "GAIL-PPO (defaults: BC warm start)",
         "sac": "SAC, true reward", "gail_sac": "GAIL-SAC (DAC)", "airl": "AIRL, g(s, a)",
         "airl_transfer": "PPO on g(s, a) AIRL's frozen f", "airl_g_transfer": "PPO on g(s, a) AIRL's frozen g(s, a)",
         "airl_s": "AIRL (defaults: state-only g(s))", "airl_s_transfer": "PPO on state-only AIRL's frozen f",
         "airl_s_g_transfer": "PPO on state-only AIRL's frozen g(s)", "gail_transfer": "PPO on GAIL's frozen reward"}
CURVE_METHODS = ("ppo", "gail", "gail_bc", "sac", "gail_sac", "airl", "airl_transfer", "airl_g_transfer",
                 "airl_s", "airl_s_transfer", "airl_s_g_transfer", "gail_transfer")
# headline name -> (env, numerator method, denominator method or None for expert-normalised)
HEADLINE: dict[str, tuple[str, str, str | None]] = {
    # the names: GAIL-PPO as a user runs it (the library's defaults: BC warm start + annealed BC term, a
    # default since session 20; the names were on the ``gail`` cells, without it, until session 24)
    "halfcheetah_ppo_vs_rl": ("HalfCheetah-v5", "gail_bc", "ppo"),
    "hopper_ppo_vs_rl": ("Hopper-v5", "gail_bc", "ppo"),
    "swimmer_ppo_vs_rl": ("Swimmer-v5", "gail_bc", "ppo"),
    "halfcheetah_sac_vs_rl": ("HalfCheetah-v5", "gail_sac", "sac"),
    "hopper_sac_vs_rl": ("Hopper-v5", "gail_sac", "sac"),
    "hopper_sac_norm": ("Hopper-v5", "gail_sac", None),
    "halfcheetah_ppo_norm": ("HalfCheetah-v5", "gail_bc", None),
    # AIRL as a user runs it: the state-only g(s) is the default since session 28 (the ``airl_s`` cells), its saved
    # reward_net.pt (f); until then the name was on the ``airl`` cells (g(s, a)), now ``airl_sa_transfer_vs_rl``
    "airl_transfer_vs_rl": ("HalfCheetah-v5", "airl_s_transfer", "ppo"),
    # beside them: GAIL-PPO without the warm start (``bc_steps`` 0: the adversarial reward alone)
    "halfcheetah_ppo_nobc_vs_rl": ("HalfCheetah-v5", "gail", "ppo"),
    "hopper_ppo_nobc_vs_rl": ("Hopper-v5", "gail", "ppo"),
    "swimmer_ppo_nobc_vs_rl": ("Swimmer-v5", "gail", "ppo"),
    "halfcheetah_ppo_nobc_norm": ("HalfCheetah-v5", "gail", None),
    "gail_transfer_vs_rl": ("HalfCheetah-v5", "gail_transfer", "ppo"),  # GAIL's reward beside AIRL's, re-trained
    # AIRL with g(s, a) (``--no-state-only``): its f, and its g(s, a) alone (reward_g.pt)
    "airl_sa_transfer_vs_rl": ("HalfCheetah-v5", "airl_transfer", "ppo"),
    "airl_g_transfer_vs_rl": ("HalfCheetah-v5", "airl_g_transfer", "ppo"),
    # the defaults' state-only AIRL: its f (as ``airl_transfer_vs_rl``) and its g(s) alone
    "airl_s_transfer_vs_rl": ("HalfCheetah-v5", "airl_s_transfer", "ppo"),
    "airl_s_g_transfer_vs_rl": ("HalfCheetah-v5", "airl_s_g_transfer", "ppo"),
}


# beside the headline: the demonstrator's own mean return ÷ PPO's on the true reward, per env: the ceiling an
# imitator's ``_ppo_vs_rl`` is measured against (GAIL matches the demos' behaviour, not the true reward's optimum)
DEMO_VS_RL: dict[str, str] = {"halfcheetah_demo_vs_rl": "HalfCheetah-v5", "hopper_demo_vs_rl": "Hopper-v5",
                              "swimmer_demo_vs_rl": "Swimmer-v5"}


def report_paths(results_dir: str | Path) -> tuple[Path, Path]:
    """(markdown, JSON) of the report on the cells in ``results_dir``; PNGs go beside them:
    ``mujoco_full`` -> ``gail_mujoco.*``, ``mujoco_<name>`` -> ``gail_mujoco_<name>.*``."""
    name = Path(results_dir).name
    stem = "gail_mujoco" if name == "mujoco_full" else f"gail_mujoco_{name.removeprefix('mujoco_')}"
    return RESULTS / f"{stem}.md", RESULTS / f"{stem}.json"


def references(rows: list[dict]) -> dict[str, tuple[float, float]]:
    """env -> (random return, demo mean return), from the ``random`` cells (mean over their seeds)."""
    acc: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for r in rows:
        if r["method"] == "random":
            acc[r["env"]].append((r["result"]["final_return"], r["result"]["demo_return"]))
    return {env: (float(np.mean([a for a, _ in v])), float(np.mean([b for _, b in v]))) for env, v in acc.items()}


def _steps_to(curve: dict | None, ref: tuple[float, float] | None, fraction: float) -> float | None:
    if not curve or not ref:
        return None
    pts = [(s, r) for s, r in zip(curve["steps"], curve["returns"]) if s > 0]  # the untrained policy never counts
    return steps_to_threshold([s for s, _ in pts], [r for _, r in pts], ref[0], ref[1], fraction) if pts else None


def summarise(rows: list[dict], expected: list[tuple[str, str, int]]) -> dict[str, dict[str, dict[str, Any]]]:
    """env -> method -> per-seed lists (final, normalised, steps to 90% / 50%, wall, steps/s, devices) and
    the seeds expected / done, for every (env, method) the grid holds or a finished cell names."""
    refs = references(rows)
    out: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)

    def cell(env: str, method: str) -> dict[str, Any]:
        return out[env].setdefault(method, {"expected": [], "seeds": [], "final": [], "norm": [], "steps90": [],
                                            "steps50": [], "wall": [], "fps": [], "devices": [], "curves": []})

    for env, method, seed in expected:
        cell(env, method)["expected"].append(seed)
    for r in sorted(rows, key=lambda r: r["seed"]):
        env, method, res = r["env"], r["method"], r["result"]
        c, ref = cell(env, method), refs.get(env)
        c["seeds"].append(r["seed"])
        c["final"].append(res["final_return"])
        c["norm"].append(normalise(res["final_return"], *ref) if ref else None)
        if ref:  # without references there is no "% of expert"
            c["steps90"].append(_steps_to(res.get("curve"), ref, 0.9))
            c["steps50"].append(_steps_to(res.get("curve"), ref, 0.5))
        c["wall"].append(res.get("wall_s_total", r["wall_clock_s"]))
        c["fps"].append(res.get("train_steps_per_s"))
        c["devices"].append(res.get("device", "cpu"))
        if res.get("curve"):
            c["curves"].append((res["curve"]["steps"], res["curve"]["returns"]))
    return out


def headline(summary: dict[str, dict[str, dict[str, Any]]], refs: dict[str, tuple[float, float]] | None = None
             ) -> tuple[dict[str, float | None], dict[str, dict]]:
    """The issue's headline numbers whose cells exist (ratio of seed means; null where the denominator's mean
    is not positive, so that a ratio means nothing), and how each was computed; with ``refs`` (the
    :func:`references`), also :data:`DEMO_VS_RL` where the env's PPO cells exist."""
    values: dict[str, float | None] = {}
    detail: dict[str, dict] = {}
    for name, env in DEMO_VS_RL.items():
        ppo = summary.get(env, {}).get("ppo", {}).get("final")
        if refs and env in refs and ppo and np.mean(ppo) > 0:
            values[name] = refs[env][1] / float(np.mean(ppo))
            detail[name] = {"env": env, "demo_mean": refs[env][1], "ppo_mean": float(np.mean(ppo)),
                            "ppo_seeds": len(ppo), "definition": "the demo file's mean return ÷ mean final true "
                            "return of PPO on the true reward (the demonstrator against RL; context)"}
    for name, (env, num, den) in HEADLINE.items():
        a = summary.get(env, {}).get(num, {})
        if den is None:
            norms = [v for v in a.get("norm", []) if v is not None]
            if norms:
                values[name] = float(np.mean(norms))
                detail[name] = {"env": env, "method": num, "seeds": len(norms), "definition": "mean over seeds "
                                "of (final − random) / (demo mean − random)"}
            continue
        b = summary.get(env, {}).get(den, {})
        if not a.get("final") or not b.get("final"):
            continue
        top, bottom = float(np.mean(a["final"])), float(np.mean(b["final"]))
        values[name] = top / bottom if bottom > 0 else None
        detail[name] = {"env": env, "numerator": num, "denominator": den, "numerator_mean": top,
                        "denominator_mean": bottom, "numerator_seeds": len(a["final"]),
                        "denominator_seeds": len(b["final"]), "definition": "mean final true return over seeds, "
                        "numerator ÷ denominator" + ("" if bottom > 0 else "; null: the denominator is not positive")}
    return values, detail


def _steps_text(values: list[float | None], method: str, norms: list[float | None], fraction: float) -> str:
    if method == "random":
        return "—"
    if method == "bc":
        got = [n for n in norms if n is not None]
        return f"offline ({sum(n >= fraction for n in got)}/{len(got)} seeds ≥ {fraction:.0%})" if got else "n/a"
    return fmt_steps_reached(values)


def env_table(env: str, methods: dict[str, dict[str, Any]], has_ref: bool) -> str:
    lines = ["| method | seeds | final true return | expert-normalised | env steps to 90% | env steps to 50% | "
             "wall-clock per seed (s) | env steps/s (training) | device |", "|---|---|---|---|---|---|---|---|---|"]
    for method in sorted(methods, key=lambda m: MUJOCO_METHODS.index(m) if m in MUJOCO_METHODS else 99):
        c = methods[method]
        total = len(c["expected"]) or len(c["seeds"])
        if not c["seeds"]:
            lines.append(f"| {LABEL.get(method, method)} | 0/{total} | not run | not run |" + " — |" * 5)
            continue
        norms = [n for n in c["norm"] if n is not None]
        norm = fmt_mean_std(norms) if norms else ("n/a (no random cell)" if not has_ref else "n/a")
        fps = [f for f in c["fps"] if f is not None]
        lines.append(
            f"| {LABEL.get(method, method)} | {len(c['seeds'])}/{total} | {fmt_mean_std(c['final'], 1)} | {norm} | "
            f"{_steps_text(c['steps90'], method, c['norm'], 0.9)} | {_steps_text(c['steps50'], method, c['norm'], 0.5)}"
            f" | {fmt_mean_std(c['wall'], 0)} | {fmt_mean_std(fps, 0) if fps else '—'} | "
            f"{', '.join(sorted(set(c['devices'])))} |")
    return "\n".join(lines)


def plot_curves(summary: dict, refs: dict, out_dir: Path, stem: str) -> list[Path]:
    """One PNG per env with finished curves: true return (normalised when the env has references) against
    env steps, mean over seeds, shaded ± std."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for env in sorted(summary):
        methods = summary[env]
        if not any(methods.get(m, {}).get("curves") for m in CURVE_METHODS):
            continue
        ref = refs.get(env)
        fig, ax = plt.subplots(figsize=(10, 4.5))
        colours = plt.get_cmap("tab20").colors  # one colour per method (CURVE_METHODS outnumber tab10's)
        for i, method in enumerate(CURVE_METHODS):
            curves = methods.get(method, {}).get("curves", [])
            if not curves:
                continue
            grid, vals = align_curves(curves)
            vals = normalise(vals, *ref) if ref else vals
            mean, std = vals.mean(0), vals.std(0)
            colour = colours[(2 * i) % 20 + (2 * i) // 20]  # tab20's strong shades first, then the light ones
            ax.plot(grid, mean, color=colour, label=f"{LABEL[method]} ({_seeds(len(curves))})")
            ax.fill_between(grid, mean - std, mean + std, color=colour, alpha=0.2)
        bc = [n for n in methods.get("bc", {}).get("norm" if ref else "final", []) if n is not None]
        if bc:
            ax.axhline(np.mean(bc), ls=":", color="k", label="behavioural cloning (final)")
        if ref:
            ax.axhline(1.0, ls="--", color="0.3", lw=0.8, label="demo mean (1)")
            ax.axhline(0.9, ls=":", color="0.3", lw=0.8, label="90% of expert")
            ax.axhline(0.0, ls="--", color="0.6", lw=0.8, label="random (0)")
        ax.set(title=f"{env}: true return", xlabel="env steps",
               ylabel="expert-normalised return" if ref else "true return (no random cell: raw)")
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the axes: 12 curves
        fig.tight_layout()
        path = out_dir / f"{stem}_{env}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        paths.append(path)
    return paths


def _jsonable(summary: dict) -> dict:
    out: dict[str, dict] = {}
    for env, methods in summary.items():
        out[env] = {}
        for m, c in methods.items():
            mean, std, n = mean_std(c["final"])
            nm, ns, _ = mean_std([v for v in c["norm"] if v is not None])
            out[env][m] = {"seeds_expected": c["expected"], "seeds_done": c["seeds"],
                           "status": "ok" if n else "not run",
                           "final_mean": mean if n else None, "final_std": std if n else None,
                           "norm_mean": None if np.isnan(nm) else nm, "norm_std": None if np.isnan(ns) else ns,
                           "final_per_seed": c["final"], "steps_to_90_per_seed": c["steps90"],
                           "steps_to_50_per_seed": c["steps50"], "wall_s_per_seed": c["wall"],
                           "train_steps_per_s_per_seed": c["fps"], "devices": c["devices"]}
    return out


def build_mujoco_report(results_dir: Path, md_path: Path, json_path: Path, budget: str | None = None) -> Path:
    """Build the markdown, JSON and PNGs from the finished cells in ``results_dir`` (of ``budget``: from
    ``grid_meta.json`` when not given); returns the markdown's path."""
    results_dir = Path(results_dir)
    meta_path = results_dir / "grid_meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    budget = budget or meta.get("budget") or "full"
    all_rows = [r for r in load_results(results_dir) if r["env"] in MUJOCO_ENVS]
    rows = [r for r in all_rows if (r.get("params") or {}).get("budget", budget) == budget]
    expected = [(c.env, c.method, c.seed) for c in mujoco_grid(budget)]
    summary = summarise(rows, expected)
    refs = references(rows)
    values, detail = headline(summary, refs)
    failed = [r for r in load_results(results_dir, include_failed=True) if r.get("status") == "failed"
              and r["key"] not in {x["key"] for x in rows}]
    md_path.parent.mkdir(parents=True, exist_ok=True)
    pngs = plot_curves(summary, refs, md_path.parent, md_path.stem)
    steps50 = {env: {m: summary[env].get(m, {}).get("steps50", []) for m in ("sac", "gail_sac")} for env in summary}
    report_cmd = f"python -m benchmarks.gail_mujoco --budget {budget} --results {_rel(results_dir)}"
    commands = [*meta.get("commands", []), report_cmd]
    write_json_atomic(json_path, {
        "budget": budget, "budget_text": mujoco_budget_text(budget), "commands": commands,
        "machine": meta.get("machine"), "headline": values, "headline_detail": detail,
        "references": {env: {"random": r, "demo_mean": d} for env, (r, d) in refs.items()},
        "steps_to_50_expert": steps50, "tables": _jsonable(summary), "failed": {r["key"]: r["error"] for r in failed},
        "cells_done": len(rows), "cells_expected": len(expected),
        "ignored_other_budget": sorted(r["key"] for r in all_rows if r not in rows)})
    md_path.write_text(_markdown(budget, meta, commands, summary, refs, values, detail, failed, pngs, md_path,
                                 len(rows), len(expected)))
    return md_path


def _seeds(n: int) -> str:
    return f"{n} seed" + ("" if n == 1 else "s")


def _rel(path: Path) -> str:
    root = Path(__file__).resolve().parents[1]
    path = Path(path).resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _markdown(budget, meta, commands, summary, refs, values, detail, failed, pngs, md_path, done, expected) -> str:
    fmt = lambda v: "null (see JSON)" if v is None else f"{v:.3f}"  # noqa: E731
    parts = ["# MuJoCo imitation: GAIL-PPO, GAIL-SAC, AIRL, BC against PPO and SAC on the true reward", ""]
    if budget != "full":
        parts += [f"> **Budget `{budget}`: a smoke run of the machinery, not a result.** Its returns say nothing "
                  "about how well any method imitates; `gail_mujoco.md` is the full-budget report.", ""]
    parts += [
        f"Budget: {mujoco_budget_text(budget)}", "",
        f"Cells finished: {done} of {expected}. Machine: {meta.get('machine', '?')}.", "",
        "Returns are the env's true return, deterministic actions; the final return is the mean over the final "
        "evaluation's episodes (GAIL/AIRL: the library's `final_eval_episodes`; the SB3 baselines and BC: as many "
        "episodes on a fresh env). Expert-normalised: (R − R_random) / (R_demo − R_random), R_random from the "
        "`random` cells, R_demo the 25-episode demo file's mean return. \"Env steps to 90%/50%\": the first "
        "evaluation point after step 0 at that normalised return (seeds that got there). PPO on the true reward "
        "runs with exactly the GAIL generator's settings (`advrl.gail.ppo_settings.generator_settings`: rl-zoo's tuned "
        "HalfCheetah row; for Hopper and Swimmer, where GAIL departs from the zoo's rows, SB3's PPO with 8 envs × "
        "256 steps; the policy normalising its own observations as the zoo's `normalize: true` does) and the "
        "generator's reward scaling (`VecNormalize(norm_obs=False)` on the true reward), SAC with "
        "rl-zoo's row (`advrl.gail.sac_settings`, purpose `rl`). Wall-clock is the whole cell (evaluations "
        "included, every attempt of a resumed cell); env steps/s is training only.", "",
        "## Commands", "", "What made this report:", "", "```", *commands, "```", "",
        "To run (or resume) the grid in the background, one core per cell (a killed grid re-run skips finished "
        "cells; GAIL, AIRL, PPO and SAC cells continue from their last checkpoint):", "",
        "```", f"nohup env OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python -m benchmarks.run --grid mujoco --budget "
        f"{budget} > runs/mujoco_{budget}.log 2>&1 &", f"python -m benchmarks.gail_mujoco --budget {budget}", "```", "",
        "## Headline (`headline` in the JSON)", "",
        "Ratios are mean final true return over seeds, imitation ÷ RL on the true reward, same settings and "
        "budget; `_norm` is expert-normalised; `_demo_vs_rl` (context, not a goal): the demo file's mean "
        "return ÷ PPO on the true reward. The issue's GAIL-PPO names (`_ppo_vs_rl`, `halfcheetah_ppo_norm`) are "
        "the `gail_bc` cells, GAIL-PPO with the library's defaults (behaviour-cloning warm start and annealed BC "
        "term); `_ppo_nobc_` the `gail` cells, the same without them (the adversarial reward alone).", "",
        "| name | value | from |", "|---|---|---|",
    ]
    for name in [*HEADLINE, *DEMO_VS_RL]:
        if name in values:
            d = detail[name]
            if name in DEMO_VS_RL:
                src = f"demo mean {d['demo_mean']:.1f} ÷ ppo {d['ppo_mean']:.1f} ({_seeds(d['ppo_seeds'])})"
            elif "numerator" in d:
                src = (f"{d['numerator']} {d['numerator_mean']:.1f} ({_seeds(d['numerator_seeds'])}) ÷ "
                       f"{d['denominator']} {d['denominator_mean']:.1f} ({_seeds(d['denominator_seeds'])})")
            else:
                src = f"{d['method']}, {_seeds(d['seeds'])}"
            parts.append(f"| `{name}` | {fmt(values[name])} | {src} |")
        elif name in HEADLINE:
            parts.append(f"| `{name}` | not run | — |")
    parts += ["", "## References", "", "| env | random return | demo mean return |", "|---|---|---|"]
    parts += [f"| {env} | {refs[env][0]:.1f} | {refs[env][1]:.1f} |" if env in refs else f"| {env} | not run | — |"
              for env in MUJOCO_ENVS]
    for env in sorted(summary, key=lambda e: MUJOCO_ENVS.index(e) if e in MUJOCO_ENVS else 99):
        parts += ["", f"## {env}", "", env_table(env, summary[env], env in refs)]
        parts += [f"\n![{p.stem}]({p.name})" for p in pngs if p.stem.endswith(env)]
    parts += ["", "## Failed cells", ""]
    parts += [f"- `{r['key']}`: {r['error']}" for r in failed] or ["None."]
    parts += ["", "## Notes", "",
              "- The HalfCheetah demos come from a strong rl-zoo SAC expert (≈ 9,400), far above the PPO experts "
              "GAIL papers usually imitate (e.g. 1,676 for imitation's seals/HalfCheetah): the `_vs_rl` ratio (is "
              "the learned reward as good as the true one?) and the expert-normalised figure (how close to this "
              "expert?) answer different questions, and either can be high while the other is low.",
              "- The Hopper expert is weak and uneven on v5 (23 of its 25 demo episodes fall after ~300 steps; see "
              "`experts/MANIFEST.md`), so its normalisation's 1 is low and noisy, and PPO on the true reward "
              "outruns it: an imitator of these demos has `hopper_ppo_vs_rl` near `hopper_demo_vs_rl`, not 0.9. "
              "The `_demo_vs_rl` rows (the demo file's mean ÷ PPO on the true reward) are that ceiling per env.",
              "- GAIL, AIRL, PPO and SAC cells resume from checkpoints; GAIL-SAC checkpoints written before "
              "session 17 held no replay buffer (a cell resumed from one refilled it), later ones hold it.",
              ""]
    findings = md_path.with_name(f"{md_path.stem}_findings.md")
    if findings.is_file():  # hand-written diagnoses and screens, kept beside the generated report
        parts += [f"## Findings (from `{findings.name}`)", "", findings.read_text(encoding="utf-8").strip(), ""]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", choices=sorted(MUJOCO_BUDGETS), default="full")
    parser.add_argument("--results", default=None, help="per-cell JSONs (default: benchmarks/results/mujoco_<budget>)")
    args = parser.parse_args(argv)
    results = Path(args.results) if args.results else RESULTS / f"mujoco_{args.budget}"
    print(f"report: {build_mujoco_report(results, *report_paths(results), budget=args.budget)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
