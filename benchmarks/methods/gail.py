"""The GAIL cell: advrl's GAIL (``advrl.gail``, its default horizon handling) from the shipped demos,
its learning curve on the true reward, its final true return on the standard env, the saved learned
reward (for the transfer cell) and the reward analysis."""

from __future__ import annotations

import time
from pathlib import Path

from typing import Any

from benchmarks.grid import Cell
from benchmarks.methods.common import REPO, Budget, RandomPolicy, evaluate, eval_venv


def run_gail_cell(cell: Cell, budget: Budget, files: tuple[Path, Path], out: Path) -> dict[str, Any]:
    import gymnasium as gym

    from advrl.gail import ExpertPolicy, GAILConfig, build_gail
    from benchmarks.methods.reward_analysis import analyse, rollout_transitions

    policy_path, demos_path = files
    # advrl's GAIL as a user gets it: its defaults (horizon handling included), the shipped demos; without the
    # behaviour-cloning warm start that became a default in session 20, so that the grid's seeds stay one method
    # (its earlier cells ran without it)
    config = GAILConfig(
        env_id=cell.env, demos=str(demos_path), total_timesteps=budget.steps(cell.env), seed=cell.seed,
        device="cpu", out=str(out), eval_every_steps=budget.eval_every,
        eval_episodes=budget.eval_episodes, progress=False, tensorboard=False, checkpoint_every=0, bc_steps=0,
    )
    run = build_gail(config)
    start = time.time()
    run.train()
    wall = time.time() - start
    paths = run.save(out)
    evals = run.evaluations
    curve = {"steps": [int(e["env_steps"]) for e in evals], "returns": [float(e["true_return"]) for e in evals]}
    mean, std = evaluate(run.ppo, eval_venv(cell.env, cell.seed + 20_000), budget.final_episodes)

    # reward analysis on the env GAIL trained on: expert, learner and random rollouts
    env = gym.make(run.train_env_id)
    expert = ExpertPolicy(policy_path, gym.make(cell.env))
    random_policy = RandomPolicy(env.action_space, cell.seed)
    episodes = 5
    sources = {
        "expert": rollout_transitions(run.train_env_id, lambda o: expert.act(o[None])[0], episodes, cell.seed + 30_000),
        "learner": rollout_transitions(run.train_env_id, lambda o: run.ppo.predict(o, deterministic=False)[0],
                                       episodes, cell.seed + 31_000),
        "random": rollout_transitions(run.train_env_id, lambda o: random_policy.predict(o[None])[0][0],
                                      episodes, cell.seed + 32_000),
    }
    reward = run.learned_reward()
    horizon = reward.absorbing_horizon
    # virtual absorbing state: an early end is credited (H - T) steps of the absorbing reward
    r_abs = reward.absorbing_reward() if horizon else None
    analysis = analyse(reward, sources, seed=cell.seed, absorbing_reward=r_abs, horizon=horizon)
    analysis["config"] = {"horizon": config.horizon, "absorbing_reward": r_abs}
    rel = lambda p: str(Path(p).relative_to(REPO)) if Path(p).is_relative_to(REPO) else str(p)  # noqa: E731
    return {"final_return": mean, "final_return_std": std, "curve": curve, "timesteps": int(run.ppo.num_timesteps),
            "train_wall_s": wall, "train_steps_per_s": run.ppo.num_timesteps / max(wall, 1e-9),
            "train_env": run.train_env_id, "demos": rel(demos_path), "reward_path": rel(paths["reward"]),
            "policy_path": rel(paths["policy"]), "reward_analysis": analysis}
