"""GAIL on classic control with the library's defaults (no per-env GAIL flags): CartPole,
Acrobot, MountainCarContinuous from the shipped demos, Pendulum from *held-out* demo files
in foreign layouts (stable-baselines 2 and imitation npz, from an SB3 SAC expert the
defaults were never tuned on), the fixed-horizon mode, and the GAIL paper's
data-efficiency sweep (1, 4, 16, all demo episodes).

Each cell (task, seed) trains GAIL and, for the tasks marked ``ppo``, plain SB3 PPO on the
true reward with the identical PPO settings (``advrl.gail.ppo_settings``) in the same
process, one after the other: the throughput ratio is GAIL env steps per CPU-second over
PPO's (evaluation excluded). Returns are true, deterministic policy, normalised by the demo
file's mean return (1) and a uniformly random policy (0). Cells are written one file each
and skipped on re-run (resumable); ``--workers`` run in parallel, ``--report-only``
rebuilds the report from the cells.

    nice -n 5 .venv/bin/python -m benchmarks.gail_classic --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CELLS = ROOT / "benchmarks" / "results" / "gail_classic_cells"  # committed: the report rebuilds from them
RESULTS = ROOT / "benchmarks" / "results"
EVAL_EVERY, EVAL_EPISODES, FINAL_EPISODES = 10_000, 10, 50


@dataclass(frozen=True)
class Task:
    env: str
    demos: str  # relative to the repo
    budget: int
    seeds: tuple[int, ...]
    ppo: bool = False  # also train PPO on the true reward (throughput, sample efficiency)
    horizon: str | None = None  # None: the library's default
    episodes: int | None = None  # demo episodes used (None: all)


def _tasks() -> dict[str, Task]:
    five, three, two = (0, 1, 2, 3, 4), (0, 1, 2), (0, 1)
    cp, pend_sb2 = "experts/demos/CartPole-v1.npz", "experts/heldout/Pendulum-v1-sac-sb2.npz"
    tasks = {  # in the order they run: the headline's hardest rows first
        "Pendulum-v1 sb2": Task("Pendulum-v1", pend_sb2, 200_000, five, ppo=True),
        "Pendulum-v1 imitation": Task("Pendulum-v1", "experts/heldout/Pendulum-v1-sac-imitation.npz", 200_000, five),
        "CartPole-v1": Task("CartPole-v1", cp, 200_000, five, ppo=True),
        "MountainCarContinuous-v0": Task("MountainCarContinuous-v0", "experts/demos/MountainCarContinuous-v0.npz",
                                         200_000, two, ppo=True),
        "CartPole-v1 fixed": Task("CartPole-v1", cp, 100_000, five, horizon="fixed"),
        "Acrobot-v1": Task("Acrobot-v1", "experts/demos/Acrobot-v1.npz", 150_000, two, ppo=True),
    }
    for n in (1, 4, 16):  # the GAIL paper's data-efficiency sweep ("all" is the row above)
        tasks[f"Pendulum-v1 sb2 {n} ep"] = Task("Pendulum-v1", pend_sb2, 200_000, two, episodes=n)
    for n in (1, 4):  # the shipped CartPole file has 10 episodes
        tasks[f"CartPole-v1 {n} ep"] = Task("CartPole-v1", cp, 100_000, two, episodes=n)
    return tasks


TASKS = _tasks()


def _cell_path(name: str, seed: int) -> Path:
    return CELLS / f"{name.replace(' ', '_')}_s{seed}.json"


def _gail(task: Task, seed: int) -> dict:
    import torch

    from advrl.gail import GAILConfig, build_gail

    extra = {"horizon": task.horizon} if task.horizon else {}
    cfg = GAILConfig(env_id=task.env, demos=str(ROOT / task.demos), total_timesteps=task.budget, seed=seed,
                     device="cpu", progress=False, tensorboard=False, eval_every_steps=EVAL_EVERY,
                     eval_episodes=EVAL_EPISODES, final_eval_episodes=FINAL_EPISODES, max_demo_episodes=task.episodes,
                     **extra)
    run = build_gail(cfg)
    torch.set_num_threads(1)
    start, cpu = time.perf_counter(), time.process_time()
    run.train()
    return {"curve": [(r["env_steps"], r["true_return"]) for r in run.evaluations], "steps": run.ppo.num_timesteps,
            "wall_s": time.perf_counter() - start - run.evaluator.seconds,
            "cpu_s": time.process_time() - cpu - run.evaluator.cpu_seconds, "d_steps": run.trainer.config.d_steps}


def _ppo(task: Task, seed: int) -> dict:
    import torch
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.evaluation import evaluate_policy

    from advrl.gail import make_eval_env
    from advrl.gail.ppo_settings import generator_settings

    settings = generator_settings(task.env)  # exactly the GAIL generator's PPO settings (lr decay included)
    torch.manual_seed(seed)
    ppo = settings.make(make_vec_env(task.env, n_envs=settings.n_envs, seed=seed), task.budget, seed, "cpu")
    eval_env, every = make_eval_env(task.env, seed), max(1, EVAL_EVERY // settings.steps_per_rollout)
    curve, spent = [], [0.0, 0.0]

    def evaluate(episodes: int = EVAL_EPISODES) -> None:
        t, c = time.perf_counter(), time.process_time()
        mean, _ = evaluate_policy(ppo, eval_env, n_eval_episodes=episodes, deterministic=True, warn=False)
        curve.append((float(ppo.num_timesteps), float(mean)))
        spent[0] += time.perf_counter() - t
        spent[1] += time.process_time() - c

    class Every(BaseCallback):
        rollouts = 0

        def _on_step(self) -> bool:
            return True

        def _on_rollout_start(self) -> None:  # before the next rollout: the policy after the last update
            if self.model.num_timesteps and self.rollouts % every == 0:
                evaluate()
            self.rollouts += 1

    evaluate()
    spent[:] = [0.0, 0.0]  # only evaluations during training are excluded from its time
    start, cpu = time.perf_counter(), time.process_time()
    ppo.learn(task.budget, callback=Every())
    wall, cpu = time.perf_counter() - start - spent[0], time.process_time() - cpu - spent[1]
    if curve[-1][0] == ppo.num_timesteps:
        curve.pop()  # the final policy, evaluated again on more episodes
    evaluate(FINAL_EPISODES)
    return {"curve": curve, "steps": ppo.num_timesteps, "wall_s": wall, "cpu_s": cpu}


def run_cell(name: str, seed: int) -> str:
    """One (task, seed): GAIL (and PPO), written atomically to its cell file."""
    import torch

    torch.set_num_threads(1)
    task = TASKS[name]
    row = {"task": name, "seed": seed, "env": task.env, "demos": task.demos, "budget": task.budget,
           "episodes": task.episodes, "horizon": task.horizon, "gail": _gail(task, seed)}
    if task.ppo:
        row["ppo"] = _ppo(task, seed)
    path = _cell_path(name, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(row))
    os.replace(tmp, path)
    return f"{name} seed {seed}: GAIL final {row['gail']['curve'][-1][1]:.1f}"


def references(task: Task) -> tuple[float, float]:
    """(expert = the whole demo file's mean return, random = uniformly random actions, 20 episodes)."""
    from advrl.demos import load_demos
    from advrl.gail import evaluate_expert

    demos = load_demos(ROOT / task.demos, env=task.env)
    return float(np.mean(demos.episode_returns)), evaluate_expert(task.env, None, episodes=20, seed=777)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=[n for n in TASKS if not n.endswith(" ep")], choices=list(TASKS),
                        metavar="TASK", help="default: all but the data-efficiency sweep (run it by naming its tasks)")
    parser.add_argument("--workers", type=int, default=1, help="cells run in parallel (one CPU core each)")
    parser.add_argument("--report-only", action="store_true", help="rebuild the report from the cell files")
    args = parser.parse_args(argv)
    todo = [] if args.report_only else [(n, s) for n in args.tasks for s in TASKS[n].seeds
                                        if not _cell_path(n, s).exists()]
    with ProcessPoolExecutor(max_workers=max(1, args.workers)) as pool:
        for fut in as_completed([pool.submit(run_cell, n, s) for n, s in todo]):
            print(fut.result(), flush=True)
    from benchmarks.gail_classic_report import write_report

    write_report(TASKS, CELLS, RESULTS, references,
                 "nice -n 5 .venv/bin/python -m benchmarks.gail_classic --workers 2")
    return 0


if __name__ == "__main__":
    sys.exit(main())
