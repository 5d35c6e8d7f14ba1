"""The MuJoCo imitation grid (issue 10, part 5): budgets, the cell list and the cell function.

Per env (HalfCheetah-v5, Hopper-v5, Swimmer-v5) and seed:

* ``random``: uniformly random actions (the normalisation's 0), plus the demo file's mean return (its 1);
* ``bc``: behavioural cloning on the 25-episode demo file (no env steps);
* ``ppo``: SB3 PPO on the true reward with *exactly* the GAIL generator's settings
  (``advrl.gail.ppo_settings.generator_settings``) and its reward scaling, the on-policy budget;
* ``gail``: advrl's GAIL-PPO from the demo file without the behaviour-cloning warm start (the library's
  defaults before session 20, when the warm start became one), the on-policy budget;
* ``gail_bc``: advrl's GAIL-PPO with the library's defaults as a user gets them now (the warm start and its
  annealed BC term included), the on-policy budget;
* ``sac``: SB3 SAC on the true reward (``advrl.gail.sac_settings(purpose="rl")``: rl-zoo's rows), the
  off-policy budget;
* ``gail_sac``: advrl's GAIL with ``algo="sac"`` (DAC), the off-policy budget;
* ``airl`` (the envs of :data:`AIRL_ENVS`; naming it in ``--methods`` runs it on every env): advrl's AIRL
  with g(s, a) (``state_only=False``; the default until session 28), the on-policy budget;
* ``airl_transfer``: a fresh PPO (generator settings) on the same seed's AIRL ``reward_net.pt`` (f(s, a, s') =
  g + γh(s') − h(s), frozen: the reward AIRL saves since session 25), the on-policy budget; depends on the ``airl``
  cell;
* ``airl_g_transfer``: the same on that run's ``reward_g.pt`` (g(s, a) alone, Fu et al.'s disentangled reward;
  what ``airl_transfer`` re-trained on before session 25);
* ``airl_s``, ``airl_s_transfer``, ``airl_s_g_transfer`` (as the three above): AIRL with the state-only
  g(s) (``AIRLConfig.state_only``, the default since session 28), Fu et al.'s disentangled reward, and PPO on
  its frozen f and g(s);
* ``gail_transfer`` (the envs of :data:`AIRL_ENVS`, as AIRL): the same on the same seed's ``gail_bc`` reward
  (GAIL's -log(1 - D) as the library trains it by default, frozen), so the two learned rewards' transfer
  sits side by side; depends on the ``gail_bc`` cell.

Every learning cell records its true-return curve (deterministic evaluation against env steps), the
final true return over ``final_episodes`` episodes, training env steps/s (evaluation excluded) and the
torch device it ran on. The adversarial cells checkpoint every few rounds and resume from it when the
grid re-runs a cell that was killed (:mod:`benchmarks.methods.mujoco_adversarial`); the ``ppo`` and ``sac``
cells checkpoint at every evaluation, replay buffer included (:mod:`benchmarks.methods.sb3_checkpoint`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.grid import Cell
from benchmarks.methods.common import REPO, Budget, RandomPolicy, eval_venv, evaluate, learn_with_curve

MUJOCO_ENVS = ("HalfCheetah-v5", "Hopper-v5", "Swimmer-v5")
AIRL_ENVS = ("HalfCheetah-v5",)  # AIRL and both transfers: the headline's env (add envs here to widen it)
MUJOCO_METHODS = ("random", "bc", "ppo", "gail", "gail_bc", "sac", "gail_sac", "airl", "airl_transfer",
                  "airl_g_transfer", "airl_s", "airl_s_transfer", "airl_s_g_transfer", "gail_transfer")
AIRL_METHODS = ("airl", "airl_s")  # AIRL with g(s, a); with the state-only g(s)
# transfer cell -> the cell whose reward it re-trains on
TRANSFER_FROM = {"airl_transfer": "airl", "airl_g_transfer": "airl", "airl_s_transfer": "airl_s",
                 "airl_s_g_transfer": "airl_s", "gail_transfer": "gail_bc"}
# the reward file beside the run's reward_net.pt that a transfer cell re-trains on, where not that one
TRANSFER_FILE = {"airl_g_transfer": "reward_g.pt", "airl_s_g_transfer": "reward_g.pt"}
OFF_POLICY = ("sac", "gail_sac")


@dataclass(frozen=True)
class MujocoBudget:
    """One budget of the grid: on-policy runs (PPO, GAIL-PPO, AIRL, transfer), off-policy runs (SAC,
    GAIL-SAC), SAC overrides applied to *both* SAC cells, and the adversarial cells' checkpoint period."""

    label: str
    on_policy: Budget  # also: seeds, BC epochs, final episodes of random/BC
    off_policy: Budget
    sac: dict[str, Any] = field(default_factory=dict)
    checkpoint_every: int = 25  # rounds (GAIL-PPO: 2,048 env steps each; GAIL-SAC: 1,000)

    @property
    def seeds(self) -> tuple[int, ...]:
        return self.on_policy.seeds

    def for_method(self, method: str) -> Budget:
        return self.off_policy if method in OFF_POLICY else self.on_policy


def _budget(steps: int, seeds: tuple[int, ...], every: int, episodes: int, final: int, bc_epochs: int) -> Budget:
    return Budget(timesteps={env: steps for env in MUJOCO_ENVS}, seeds=seeds, eval_every=every,
                  eval_episodes=episodes, final_episodes=final, bc_epochs=bc_epochs)


MUJOCO_BUDGETS: dict[str, MujocoBudget] = {
    # issue 10's budgets: 1M env steps on-policy, 300k off-policy, 3 seeds, the library's 50 final episodes
    "full": MujocoBudget(
        "full: issue 10's budgets (on-policy 1M env steps, off-policy 300k)",
        on_policy=_budget(1_000_000, (0, 1, 2), 25_000, 10, 50, 100),
        off_policy=_budget(300_000, (0, 1, 2), 10_000, 10, 50, 100),
    ),
    # a smoke run of the whole path: about a minute per cell on one core; its returns mean nothing.
    # SAC starts learning after 1,000 steps instead of rl-zoo's 10,000 (both SAC cells alike)
    "reduced": MujocoBudget(
        "reduced (SMOKE ONLY, not a result: on-policy 8,192 env steps, off-policy 3,000)",
        on_policy=_budget(8_192, (0, 1, 2), 4_096, 2, 5, 5),
        off_policy=_budget(3_000, (0, 1, 2), 1_000, 2, 5, 5),
        sac={"learning_starts": 1_000}, checkpoint_every=2,
    ),
}


def mujoco_budget_text(name: str) -> str:
    """One line describing budget ``name`` (for the report)."""
    b = MUJOCO_BUDGETS[name]
    on, off = b.on_policy, b.off_policy
    sac = f"; SAC overrides (both SAC cells): {b.sac}" if b.sac else ""
    return (f"{b.label}. PPO, GAIL-PPO, AIRL and transfer {on.steps(MUJOCO_ENVS[0]):,} env steps, evaluation "
            f"every {on.eval_every:,}; SAC and GAIL-SAC {off.steps(MUJOCO_ENVS[0]):,} env steps, evaluation every "
            f"{off.eval_every:,}; {on.eval_episodes} episodes per curve point, {on.final_episodes} for the final "
            f"return; BC {on.bc_epochs} epochs; seeds {list(b.seeds)}{sac}.")


def mujoco_grid(budget: str, envs: tuple[str, ...] | None = None, methods: tuple[str, ...] | None = None,
                seeds: tuple[int, ...] | None = None, device: str = "cpu", run_name: str | None = None) -> list[Cell]:
    """The cells of the MuJoCo grid, seed-major, each transfer cell after (and depending on) the cell whose
    reward it re-trains on (:data:`TRANSFER_FROM`).
    ``run_name``: the artefact folder under ``benchmarks/grid_runs/`` (default ``mujoco_<budget>``); a grid with
    its own results folder (e.g. the same cells on a GPU) needs its own, or it would resume the other's
    checkpoints."""
    b = MUJOCO_BUDGETS[budget]
    params: dict[str, Any] = {"budget": budget, "grid": "mujoco", "device": device}
    if run_name:
        params["run_name"] = run_name
    cells = []
    for seed in seeds if seeds is not None else b.seeds:
        for env in envs or MUJOCO_ENVS:
            for method in methods or MUJOCO_METHODS:
                if (method in AIRL_METHODS or method in TRANSFER_FROM) and env not in AIRL_ENVS and not methods:
                    continue  # AIRL and transfers by default only where the headline needs them; naming one asks
                deps = (Cell(env, TRANSFER_FROM[method], seed).key,) if method in TRANSFER_FROM else ()
                cells.append(Cell(env, method, seed, params=dict(params), deps=deps))
    return cells


def artifact_dir(cell: Cell) -> Path:
    """Where a cell's bulky files go: ``benchmarks/grid_runs/<run_name>/<key>`` (git-ignored; ``artifacts``:
    another root, as in the tests)."""
    name = cell.params.get("run_name", f"mujoco_{cell.params['budget']}")
    root = Path(cell.params["artifacts"]) if "artifacts" in cell.params else REPO / "benchmarks" / "grid_runs" / name
    path = root / cell.key
    path.mkdir(parents=True, exist_ok=True)
    return path


def demos_path(env_id: str) -> Path:
    from benchmarks.methods.experts import find_demos

    return find_demos(env_id)


def _device(cell: Cell):
    from advrl.core import resolve_device

    return resolve_device(cell.params.get("device", "cpu"))


def _final(model, cell: Cell, episodes: int) -> dict[str, float]:
    mean, std = evaluate(model, eval_venv(cell.env, cell.seed + 20_000), episodes)
    return {"final_return": mean, "final_return_std": std, "final_episodes": episodes}


def run_random(cell: Cell, b: MujocoBudget) -> dict[str, Any]:
    """Random actions on the true reward (the 0), and the demo file's mean return (the 1)."""
    import numpy as np

    from advrl.demos import load_demos

    venv = eval_venv(cell.env, cell.seed + 20_000)
    mean, std = evaluate(RandomPolicy(venv.action_space, cell.seed), venv, b.on_policy.final_episodes)
    path = demos_path(cell.env)
    returns = load_demos(path, env=cell.env).episode_returns
    return {"final_return": mean, "final_return_std": std, "final_episodes": b.on_policy.final_episodes,
            "demo_return": float(np.mean(returns)), "demo_episodes": int(len(returns)),
            "demos": str(path.relative_to(REPO))}


def run_bc(cell: Cell, b: MujocoBudget) -> dict[str, Any]:
    """Behavioural cloning on the demo file (offline; its curve is over epochs, not env steps)."""
    import gymnasium as gym

    from advrl.demos import load_demos
    from benchmarks.methods.bc import train_bc

    budget = b.on_policy
    env = gym.make(cell.env)
    demos = load_demos(demos_path(cell.env), env=env)
    venv = eval_venv(cell.env, cell.seed + 10_000)
    points: list[tuple[int, float]] = []
    every = max(budget.bc_epochs // 5, 1)

    def on_epoch_end(epoch: int, policy) -> None:
        if epoch % every == 0 or epoch == budget.bc_epochs:
            points.append((epoch, evaluate(policy, venv, budget.eval_episodes)[0]))

    policy, losses = train_bc(demos.obs, demos.acts, env.observation_space, env.action_space,
                              epochs=budget.bc_epochs, seed=cell.seed, on_epoch_end=on_epoch_end)
    return {**_final(policy, cell, budget.final_episodes), "bc_losses": losses, "device": "cpu",
            "epoch_curve": {"epochs": [e for e, _ in points], "returns": [r for _, r in points]},
            "demo_transitions": int(len(demos.obs))}


def _learn(model, cell: Cell, budget: Budget, settings: dict[str, Any], resumable: bool = False) -> dict[str, Any]:
    """Train ``model`` for the cell's budget and evaluate it. ``resumable``: checkpoint at every evaluation
    (:mod:`benchmarks.methods.sb3_checkpoint`) and continue from the checkpoint a killed attempt left; the
    checkpoint is removed once the cell's result is in hand."""
    from benchmarks.methods.sb3_checkpoint import CellCheckpoint

    ckpt = CellCheckpoint(artifact_dir(cell) / "sb3_cell.pt", budget.eval_every) if resumable else None
    curve, fps = learn_with_curve(model, cell.env, cell.seed, budget, budget.steps(cell.env), ckpt)
    out = {**_final(model, cell, budget.final_episodes), "curve": curve, "train_steps_per_s": fps,
           "timesteps": int(model.num_timesteps), "device": str(model.device), "settings": settings}
    if ckpt is not None:  # wall-clock over every attempt (the grid's own wall_clock_s is the last attempt's)
        out.update(resumed_at_step=ckpt.resumed_at, wall_s_total=ckpt.wall_s())
        ckpt.path.unlink(missing_ok=True)
    return out


def run_ppo(cell: Cell, b: MujocoBudget) -> dict[str, Any]:
    """PPO on the true reward with the GAIL generator's settings (learning-rate decay included), the reward
    scaled as the generator scales its learned one (``VecNormalize(norm_obs=False)``, the generator's γ; also
    what rl-zoo's ``normalize: true`` does): only the reward's source differs from GAIL-PPO."""
    import torch
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import VecNormalize

    from advrl.gail.ppo_settings import generator_settings

    budget = b.on_policy
    settings = generator_settings(cell.env)
    torch.manual_seed(cell.seed)
    venv = VecNormalize(make_vec_env(cell.env, n_envs=settings.n_envs, seed=cell.seed), norm_obs=False,
                        norm_reward=True, gamma=settings.gamma)
    model = settings.make(venv, budget.steps(cell.env), cell.seed, _device(cell))
    return _learn(model, cell, budget, {"n_envs": settings.n_envs, **settings.kwargs, "reward_scaling": True},
                  resumable=True)


def run_sac(cell: Cell, b: MujocoBudget) -> dict[str, Any]:
    """SAC on the true reward (rl-zoo's row, with the budget's SAC overrides)."""
    from stable_baselines3.common.env_util import make_vec_env

    from advrl.gail import sac_settings

    settings = sac_settings(cell.env, purpose="rl").with_overrides(b.sac)
    model = settings.make(make_vec_env(cell.env, n_envs=settings.n_envs, seed=cell.seed), cell.seed, _device(cell))
    return _learn(model, cell, b.off_policy, {"n_envs": settings.n_envs, **settings.kwargs}, resumable=True)


def transfer_reward_path(cell: Cell, dep: dict[str, Any]) -> Path:
    """The reward file a transfer cell re-trains on: its dependency's ``reward_path`` (``reward_net.pt``), or the
    file :data:`TRANSFER_FILE` names beside it."""
    path = Path(dep["result"]["reward_path"])
    path = path if path.is_absolute() else REPO / path
    return path.with_name(TRANSFER_FILE.get(cell.method, path.name))


def run_transfer(cell: Cell, b: MujocoBudget, deps: dict[str, dict]) -> dict[str, Any]:
    """A fresh PPO (generator settings) on the dependency's frozen learned reward, scored per rollout and
    scaled as in GAIL's generator (as ``advrl gail reward`` does); returns on the true reward."""
    import torch
    from stable_baselines3.common.env_util import make_vec_env

    from advrl.gail import LearnedReward, make_horizon
    from advrl.gail.ppo_settings import generator_settings
    from advrl.gail.rollout_rewards import attach_learned_reward

    (dep,) = deps.values()
    path = transfer_reward_path(cell, dep)
    device = _device(cell)
    reward = LearnedReward.load(path, device=device)
    train_id = make_horizon(reward.metadata.get("horizon", "absorbing")).train_env_id(cell.env)
    budget = b.on_policy
    settings = generator_settings(cell.env)
    venv = reward.wrap(make_vec_env(train_id, n_envs=settings.n_envs, seed=cell.seed), deferred=True)
    torch.manual_seed(cell.seed)
    model = settings.make(venv, budget.steps(cell.env), cell.seed, device)
    attach_learned_reward(model, venv)
    out = _learn(model, cell, budget, {"n_envs": settings.n_envs, **settings.kwargs})
    return {**out, "train_env": train_id, "reward_path": str(path.relative_to(REPO)) if path.is_relative_to(REPO)
            else str(path), "reward_algorithm": reward.metadata.get("algorithm")}


def run_mujoco_cell(cell: Cell, deps: dict[str, dict]) -> dict[str, Any]:
    """The grid's cell function for the MuJoCo grid: dispatch on ``cell.method``."""
    import torch

    from benchmarks.methods.mujoco_adversarial import run_adversarial

    torch.set_num_threads(1)
    b = MUJOCO_BUDGETS[cell.params["budget"]]
    if cell.method in TRANSFER_FROM:
        return run_transfer(cell, b, deps)
    if cell.method in ("gail", "gail_bc", "gail_sac", *AIRL_METHODS):
        return run_adversarial(cell, b, demos_path(cell.env), artifact_dir(cell), _device(cell))
    runners = {"random": run_random, "bc": run_bc, "ppo": run_ppo, "sac": run_sac}
    if cell.method not in runners:
        raise ValueError(f"unknown method {cell.method!r}; expected one of {', '.join(MUJOCO_METHODS)}")
    return runners[cell.method](cell, b)


__all__ = ["AIRL_ENVS", "AIRL_METHODS", "MUJOCO_BUDGETS", "MUJOCO_ENVS", "MUJOCO_METHODS", "MujocoBudget",
           "TRANSFER_FILE", "TRANSFER_FROM", "mujoco_budget_text", "transfer_reward_path", "mujoco_grid",
           "run_mujoco_cell"]
