"""GAIL vs PPO-on-the-true-reward vs random on the classic-control envs with shipped demos.

Per env and seed: GAIL (default ``--horizon absorbing``) from ``experts/demos/<env>.npz``
and plain SB3 PPO on the true reward with IDENTICAL PPO settings (advrl.gail.ppo_settings),
both evaluated on the TRUE reward (deterministic, ``--eval-episodes``) every ``--eval-every``
env steps. Reports env steps until the normalised return
``(R - R_random) / (R_expert - R_random)`` first reaches 0.95, the final normalised return,
and GAIL's throughput over PPO's (env steps per second of training, evaluation time excluded),
measured in the same process, one after the other.

    nice -n 10 .venv/bin/python benchmarks/gail_classic.py --envs CartPole-v1 --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_BUDGET = {"CartPole-v1": 100_000, "Pendulum-v1": 150_000, "Acrobot-v1": 150_000,
                  "MountainCarContinuous-v0": 100_000}


def expert_and_random(env_id: str, episodes: int = 20) -> tuple[float, float]:
    from advrl.demos import load_demos
    from advrl.gail import evaluate_expert

    demos = load_demos(ROOT / "experts" / "demos" / f"{env_id}.npz", env=env_id)
    random_mean, _ = evaluate_expert(env_id, None, episodes=episodes, seed=777)
    return float(demos.episode_returns.mean()), random_mean


def run_gail(env_id: str, seed: int, budget: int, eval_every_steps: int, eval_episodes: int) -> dict:
    from advrl.gail import GAILConfig, build_gail

    cfg = GAILConfig(env_id=env_id, demos=str(ROOT / "experts" / "demos" / f"{env_id}.npz"), total_timesteps=budget,
                     eval_every_steps=eval_every_steps, eval_episodes=eval_episodes, seed=seed,
                     device="cpu", progress=False)
    run = build_gail(cfg)
    start, cpu = time.perf_counter(), time.process_time()
    run.train()
    wall = time.perf_counter() - start - run.evaluator.seconds
    cpu = time.process_time() - cpu - run.evaluator.cpu_seconds
    return {"curve": [(r["env_steps"], r["true_return"]) for r in run.evaluations],
            "steps": run.ppo.num_timesteps, "train_seconds": wall, "train_cpu_seconds": cpu}


def run_ppo(env_id: str, seed: int, budget: int, eval_every_steps: int, eval_episodes: int) -> dict:
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.evaluation import evaluate_policy

    from advrl.gail import make_eval_env, ppo_settings

    settings = ppo_settings(env_id)
    venv = make_vec_env(env_id, n_envs=settings.n_envs, seed=seed)
    eval_env = make_eval_env(env_id, seed)
    torch.manual_seed(seed)
    ppo = settings.make(venv, budget, seed, "cpu")
    per_round = settings.steps_per_rollout
    every = max(1, eval_every_steps // per_round) * per_round
    curve, eval_seconds, eval_cpu = [], [0.0], [0.0]

    def evaluate():
        t, c = time.perf_counter(), time.process_time()
        mean, _ = evaluate_policy(ppo, eval_env, n_eval_episodes=eval_episodes, deterministic=True, warn=False)
        curve.append((float(ppo.num_timesteps), float(mean)))
        eval_seconds[0] += time.perf_counter() - t
        eval_cpu[0] += time.process_time() - c

    class Every(BaseCallback):
        def _on_step(self) -> bool:
            return True

        def _on_rollout_end(self) -> None:  # before the update of this rollout: evaluate the previous policy
            pass

        def _on_rollout_start(self) -> None:
            if self.model.num_timesteps and self.model.num_timesteps % every == 0:
                evaluate()

    evaluate()
    start, cpu = time.perf_counter(), time.process_time()
    ppo.learn(budget, callback=Every())
    wall = time.perf_counter() - start - eval_seconds[0]
    cpu = time.process_time() - cpu - eval_cpu[0]
    if curve[-1][0] != ppo.num_timesteps:
        evaluate()
    return {"curve": curve, "steps": ppo.num_timesteps, "train_seconds": wall, "train_cpu_seconds": cpu}


def random_curve(random_mean: float, budget: int) -> list[tuple[float, float]]:
    return [(0.0, random_mean), (float(budget), random_mean)]


def steps_to(curve: list, expert: float, random: float, frac: float = 0.95) -> float | None:
    """First evaluation after training started (step > 0) at normalised return >= frac."""
    for steps, ret in curve:
        if steps > 0 and (ret - random) / (expert - random) >= frac:
            return steps
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", nargs="+", default=list(DEFAULT_BUDGET))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--timesteps", type=int, default=None, help="budget per run (default: per env)")
    parser.add_argument("--eval-every", type=int, default=10_000, help="env steps between evaluations")
    parser.add_argument("--eval-episodes", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "gail_classic.md"))
    parser.add_argument("--report-only", action="store_true", help="rebuild the .md/PNGs from the stored JSON")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    raw_path = out.with_suffix(".json")
    results: dict = json.loads(raw_path.read_text()) if raw_path.exists() else {}

    command = "python benchmarks/gail_classic.py " + " ".join(argv if argv is not None else sys.argv[1:])
    for env_id in ([] if args.report_only else args.envs):
        budget = args.timesteps or DEFAULT_BUDGET.get(env_id, 100_000)
        expert, random = expert_and_random(env_id)
        entry = results.setdefault(env_id, {"expert": expert, "random": random, "budget": budget, "runs": {}})
        entry.update(expert=expert, random=random, budget=budget, command=command)
        for seed in args.seeds:
            key = str(seed)
            if key in entry["runs"] and entry["runs"][key].get("budget") == budget:
                continue  # done in an earlier invocation
            gail = run_gail(env_id, seed, budget, args.eval_every, args.eval_episodes)
            ppo = run_ppo(env_id, seed, budget, args.eval_every, args.eval_episodes)
            entry["runs"][key] = {"budget": budget, "gail": gail, "ppo": ppo}
            raw_path.write_text(json.dumps(results, indent=1))
            print(f"{env_id} seed {seed}: GAIL final {gail['curve'][-1][1]:.1f} "
                  f"({gail['steps'] / gail['train_cpu_seconds']:.0f} steps/CPU-s), PPO final {ppo['curve'][-1][1]:.1f} "
                  f"({ppo['steps'] / ppo['train_cpu_seconds']:.0f} steps/CPU-s)", flush=True)
    write_report(results, out)
    return 0


def write_report(results: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lines = [
        "# GAIL on classic control (advrl.gail)", "",
        "Commands (one per env row; the results accumulate in `gail_classic.json`, and "
        "`python benchmarks/gail_classic.py --report-only` rebuilds this file):", "",
        *[f"- {env_id}: `{entry.get('command', '(not recorded)')}`" for env_id, entry in results.items()], "",
        "GAIL: `--horizon absorbing` (default), demos `experts/demos/<env>.npz`; PPO: SB3 PPO on the true reward "
        "with the identical PPO settings (`advrl.gail.ppo_settings`). Returns are true-reward, deterministic "
        "policy, mean over the evaluation episodes. Normalised return = (R - R_random) / (R_expert - R_random); "
        "R_expert is the mean return of the demo file, R_random of a uniformly random policy (20 episodes). "
        "Throughput = env steps per CPU-second of the process (time.process_time, evaluation excluded; one torch "
        "thread), GAIL over PPO in the same process and seed. CPU time rather than wall-clock because the 2-core "
        "machine was shared with other jobs (load average 6-11) whose load changed between the GAIL and PPO phases.",
        "",
        "| env | seeds | budget | expert | random | GAIL steps to 95% (per seed) | PPO steps to 95% | "
        "GAIL final norm. | PPO final norm. | throughput GAIL/PPO |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for env_id, entry in results.items():
        runs = entry["runs"]
        if not runs:
            continue
        e, r = entry["expert"], entry["random"]
        norm = lambda v: (v - r) / (e - r)  # noqa: E731
        fmt = lambda s: "—" if s is None else f"{int(s / 1000)}k"  # noqa: E731
        g_to = [steps_to(v["gail"]["curve"], e, r) for v in runs.values()]
        p_to = [steps_to(v["ppo"]["curve"], e, r) for v in runs.values()]
        g_fin = [norm(v["gail"]["curve"][-1][1]) for v in runs.values()]
        p_fin = [norm(v["ppo"]["curve"][-1][1]) for v in runs.values()]
        def tput(run: dict) -> float:  # env steps per CPU-second (wall-clock for runs that lack CPU time)
            return run["steps"] / run.get("train_cpu_seconds", run["train_seconds"])

        ratio = [tput(v["gail"]) / tput(v["ppo"]) for v in runs.values()]
        lines.append(
            f"| {env_id} | {','.join(runs)} | {entry['budget'] // 1000}k | {e:.1f} | {r:.1f} | "
            f"{', '.join(fmt(s) for s in g_to)} | {', '.join(fmt(s) for s in p_to)} | "
            f"{np.mean(g_fin):.2f} ± {np.std(g_fin):.2f} | {np.mean(p_fin):.2f} ± {np.std(p_fin):.2f} | "
            f"{np.mean(ratio):.2f} (min {np.min(ratio):.2f}) |")
        fig, ax = plt.subplots(figsize=(6, 4))
        for name, color in (("gail", "tab:blue"), ("ppo", "tab:orange")):
            for i, v in enumerate(runs.values()):
                xs, ys = zip(*v[name]["curve"])
                ax.plot(np.array(xs) / 1000, [norm(y) for y in ys], color=color, alpha=0.8,
                        label=f"{'GAIL' if name == 'gail' else 'PPO (true reward)'}" if i == 0 else None)
        ax.axhline(0.0, color="gray", ls=":", label="random")
        ax.axhline(1.0, color="green", ls="--", label="expert (demos)")
        ax.axhline(0.95, color="green", ls=":", lw=0.8)
        ax.set_xlabel("env steps (thousands)")
        ax.set_ylabel("normalised true return")
        ax.set_title(env_id)
        ax.legend(loc="lower right", fontsize=8)
        fig.tight_layout()
        png = out.parent / f"gail_classic_{env_id.replace('/', '_')}.png"
        fig.savefig(png, dpi=100)
        plt.close(fig)
    lines += ["", "Learning curves: " + ", ".join(
        f"`gail_classic_{k.replace('/', '_')}.png`" for k, v in results.items() if v["runs"]), ""]
    notes = out.with_name(out.stem + "_notes.md")
    if notes.exists():
        lines += [notes.read_text()]
    out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
