"""The methods of the classic-control grid, one function per method, and :func:`run_cell` (the grid's
cell function). Every method returns ``{"final_return", "final_return_std", "curve": {"steps",
"returns"}, ...}`` with returns measured on the env's true reward (standard env id, deterministic
actions).

Methods: ``expert`` (the shipped expert policy, the normalisation's 1), ``random`` (the 0), ``ppo``
(SB3 PPO on the hand-designed reward), ``bc`` (behavioural cloning from the demos), ``gail`` (advrl's
GAIL on the fixed-horizon env, plus the reward analysis) and ``transfer`` (a fresh PPO trained on the
frozen learned reward of the same seed's GAIL cell).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.grid import Cell
from benchmarks.methods.common import (
    BUDGETS, REPO, RandomPolicy, evaluate, eval_venv, fixed_horizon_id, ppo_n_envs, train_ppo_with_curve,
)

METHODS = ("expert", "random", "ppo", "bc", "gail", "transfer")


def expert_files(env_id: str) -> tuple[Path, Path]:
    """The shipped expert policy zip and demo file of ``env_id`` (under ``experts/``)."""
    from benchmarks.methods.experts import find_demos, find_expert_policy

    return find_expert_policy(env_id), find_demos(env_id)


def artifact_dir(cell: Cell) -> Path:
    root = Path(cell.params.get("artifacts", REPO / "benchmarks" / "grid_runs" / "classic"))
    path = root / cell.key
    path.mkdir(parents=True, exist_ok=True)
    return path


def run_expert(cell: Cell) -> dict[str, Any]:
    import gymnasium as gym

    from advrl.gail.experts import ExpertPolicy

    budget = BUDGETS[cell.params["budget"]]
    from benchmarks.methods.experts import find_expert_policy

    policy_path = find_expert_policy(cell.env)
    expert = ExpertPolicy(policy_path, gym.make(cell.env))

    class _Predict:
        def predict(self, obs, state=None, episode_start=None, deterministic=True):
            return expert.act(obs, deterministic), state

    mean, std = evaluate(_Predict(), eval_venv(cell.env, cell.seed + 20_000), budget.final_episodes)
    return {"final_return": mean, "final_return_std": std, "policy": str(policy_path.relative_to(REPO))}


def run_random(cell: Cell) -> dict[str, Any]:
    budget = BUDGETS[cell.params["budget"]]
    venv = eval_venv(cell.env, cell.seed + 20_000)
    mean, std = evaluate(RandomPolicy(venv.action_space, cell.seed), venv, budget.final_episodes)
    return {"final_return": mean, "final_return_std": std}


def _final(model, env_id: str, seed: int, episodes: int) -> tuple[float, float]:
    return evaluate(model, eval_venv(env_id, seed + 20_000), episodes)


def run_ppo(cell: Cell) -> dict[str, Any]:
    """PPO on the env's own (hand-designed) reward, standard termination."""
    from stable_baselines3.common.env_util import make_vec_env

    budget = BUDGETS[cell.params["budget"]]
    venv = make_vec_env(cell.env, n_envs=ppo_n_envs(cell.env), seed=cell.seed)
    model, curve, fps = train_ppo_with_curve(cell.env, venv, cell.seed, budget)
    mean, std = _final(model, cell.env, cell.seed, budget.final_episodes)
    return {"final_return": mean, "final_return_std": std, "curve": curve, "train_steps_per_s": fps,
            "timesteps": int(model.num_timesteps)}


def run_bc(cell: Cell) -> dict[str, Any]:
    """Behavioural cloning on the shipped demos; curve over epochs (no env steps are used)."""
    import gymnasium as gym

    from advrl.demos import load_demos
    from benchmarks.methods.bc import train_bc

    budget = BUDGETS[cell.params["budget"]]
    from benchmarks.methods.experts import find_demos

    demos_path = find_demos(cell.env)
    env = gym.make(cell.env)
    demos = load_demos(demos_path, env=env)
    venv = eval_venv(cell.env, cell.seed + 10_000)
    epochs_curve: list[tuple[int, float]] = []
    every = max(budget.bc_epochs // 5, 1)

    def on_epoch_end(epoch: int, policy) -> None:
        if epoch % every == 0 or epoch == budget.bc_epochs:
            epochs_curve.append((epoch, evaluate(policy, venv, budget.eval_episodes)[0]))

    policy, losses = train_bc(demos.obs, demos.acts, env.observation_space, env.action_space,
                              epochs=budget.bc_epochs, seed=cell.seed, on_epoch_end=on_epoch_end)
    mean, std = evaluate(policy, eval_venv(cell.env, cell.seed + 20_000), budget.final_episodes)
    return {"final_return": mean, "final_return_std": std, "bc_losses": losses,
            "epoch_curve": {"epochs": [e for e, _ in epochs_curve], "returns": [r for _, r in epochs_curve]},
            "demo_transitions": int(len(demos.obs)), "demos": str(Path(demos_path).relative_to(REPO))}


def run_gail(cell: Cell) -> dict[str, Any]:
    from benchmarks.methods.gail import run_gail_cell

    return run_gail_cell(cell, BUDGETS[cell.params["budget"]], expert_files(cell.env), artifact_dir(cell))


def run_transfer(cell: Cell, deps: dict[str, dict]) -> dict[str, Any]:
    """A fresh PPO trained from scratch on the frozen learned reward of this seed's GAIL cell (on the
    env GAIL trained on, with its horizon handling); returns measured on the true reward."""
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import VecNormalize

    from advrl.gail import LearnedReward, ppo_settings

    (gail_row,) = deps.values()
    reward_path = Path(gail_row["result"]["reward_path"])
    if not reward_path.is_absolute():
        reward_path = REPO / reward_path
    reward = LearnedReward.load(reward_path)
    budget = BUDGETS[cell.params["budget"]]
    train_id = gail_row["result"].get("train_env") or fixed_horizon_id(cell.env)  # the env GAIL trained on
    settings = ppo_settings(cell.env)
    # as in GAIL's own generator: the learned reward (crediting early ends when it was trained with a
    # virtual absorbing state), normalised by VecNormalize (observations untouched)
    wrapped = reward.wrap(make_vec_env(train_id, n_envs=settings.n_envs, seed=cell.seed))
    venv = VecNormalize(wrapped, norm_obs=False, norm_reward=True, gamma=settings.gamma)
    model, curve, fps = train_ppo_with_curve(cell.env, venv, cell.seed, budget)
    mean, std = _final(model, cell.env, cell.seed, budget.final_episodes)
    return {"final_return": mean, "final_return_std": std, "curve": curve, "train_steps_per_s": fps,
            "timesteps": int(model.num_timesteps), "train_env": train_id,
            "reward_path": str(reward_path.relative_to(REPO)) if reward_path.is_relative_to(REPO) else str(reward_path)}


def run_cell(cell: Cell, deps: dict[str, dict]) -> dict[str, Any]:
    """The grid's cell function: dispatch on ``cell.method``."""
    import torch

    torch.set_num_threads(1)
    if cell.method == "transfer":
        return run_transfer(cell, deps)
    runners = {"expert": run_expert, "random": run_random, "ppo": run_ppo, "bc": run_bc, "gail": run_gail}
    if cell.method not in runners:
        raise ValueError(f"unknown method {cell.method!r}; expected one of {', '.join(METHODS)}")
    return runners[cell.method](cell)


def classic_grid(budget: str, envs: tuple[str, ...] | None = None, methods: tuple[str, ...] | None = None,
                 seeds: tuple[int, ...] | None = None, artifacts: str | None = None) -> list[Cell]:
    """The cells of the classic-control grid; ``transfer`` cells depend on the same seed's ``gail`` cell."""
    from benchmarks.methods.common import CLASSIC_ENVS

    b = BUDGETS[budget]
    params: dict[str, Any] = {"budget": budget}
    if artifacts:
        params["artifacts"] = artifacts
    cells = []  # seed-major order: every (env, method) of the first seed runs before the next seed
    for seed in seeds if seeds is not None else b.seeds:
        for env in envs or CLASSIC_ENVS:
            for method in methods or METHODS:
                deps = ()
                if method == "transfer":
                    deps = (Cell(env, "gail", seed).key,)
                cells.append(Cell(env, method, seed, params=dict(params), deps=deps))
    return cells
