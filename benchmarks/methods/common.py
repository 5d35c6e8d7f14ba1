"""Shared pieces of the benchmark methods: env ids, budgets, PPO settings, evaluation on the true
reward and learning-curve recording (SB3's EvalCallback)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import gymnasium as gym
import numpy as np

REPO = Path(__file__).resolve().parents[2]

# the classic-control grid: the env a method is evaluated on (true reward, standard termination)
CLASSIC_ENVS = ("CartPole-v1", "Pendulum-v1", "Acrobot-v1", "MountainCarContinuous-v0")


@dataclass(frozen=True)
class Budget:
    """Env steps per learning method and evaluation settings of one budget."""

    timesteps: dict[str, int]  # env id -> env steps for PPO, GAIL and reward transfer
    seeds: tuple[int, ...]
    eval_every: int  # env steps between evaluations on the true reward
    eval_episodes: int  # episodes per evaluation point of a learning curve
    final_episodes: int  # episodes of the final evaluation (and of expert / random)
    bc_epochs: int

    def steps(self, env_id: str) -> int:
        return self.timesteps[env_id]


BUDGETS: dict[str, Budget] = {
    # fits a 2-core machine shared with other work in well under an hour (see the report)
    "reduced": Budget(
        timesteps={"CartPole-v1": 60_000, "Pendulum-v1": 60_000, "Acrobot-v1": 60_000,
                   "MountainCarContinuous-v0": 30_000},
        seeds=(0, 1, 2), eval_every=10_000, eval_episodes=5, final_episodes=20, bc_epochs=30,
    ),
    # rl-baselines3-zoo-sized budgets for a larger machine (one core per cell, ~8-16 cores)
    "full": Budget(
        timesteps={"CartPole-v1": 300_000, "Pendulum-v1": 500_000, "Acrobot-v1": 500_000,
                   "MountainCarContinuous-v0": 200_000},
        seeds=(0, 1, 2, 3, 4), eval_every=10_000, eval_episodes=10, final_episodes=50, bc_epochs=100,
    ),
    # for tests and smoke runs
    "smoke": Budget(
        timesteps={"CartPole-v1": 2_048, "Pendulum-v1": 2_048, "Acrobot-v1": 2_048,
                   "MountainCarContinuous-v0": 2_048},
        seeds=(0,), eval_every=1_024, eval_episodes=2, final_episodes=3, bc_epochs=2,
    ),
}


def fixed_horizon_id(env_id: str) -> str:
    """The GAIL helper's fixed-horizon registration of ``env_id`` (itself when there is none)."""
    try:
        import envs

        return envs.horizon_env_id(env_id, "fixed")
    except (ImportError, AttributeError, ValueError):
        return env_id


def ppo_settings(env_id: str) -> dict[str, Any]:
    """PPO settings for ``env_id``: the GAIL helper's rl-zoo table (so PPO, GAIL and transfer share them)."""
    from advrl.gail.experts import EXPERT_HYPERPARAMS, _ppo_kwargs

    hp = EXPERT_HYPERPARAMS[env_id]
    return {"n_envs": hp["n_envs"], "normalize": hp["normalize"], "ppo": _ppo_kwargs(hp["ppo"])}


class RandomPolicy:
    """Uniformly random actions, with the ``predict`` signature SB3's ``evaluate_policy`` expects."""

    def __init__(self, action_space: gym.Space, seed: int) -> None:
        self.action_space = action_space
        self.action_space.seed(seed)

    def predict(self, obs, state=None, episode_start=None, deterministic=False):
        return np.stack([self.action_space.sample() for _ in range(len(obs))]), state


def eval_venv(env_id: str, seed: int, normalize_like=None):
    """A one-env VecEnv of ``env_id`` (true reward) for evaluation; wrapped in a frozen VecNormalize
    (statistics synced from training by SB3's EvalCallback) when the learner normalises observations."""
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import VecNormalize

    venv = make_vec_env(env_id, n_envs=1, seed=seed)
    if normalize_like is not None:
        venv = VecNormalize(venv, training=False, norm_obs=True, norm_reward=False)
        venv.obs_rms = normalize_like.obs_rms.copy()
    return venv


def evaluate(policy, venv, episodes: int) -> tuple[float, float]:
    """Mean and std of the true episode return (SB3's ``evaluate_policy``, deterministic actions)."""
    from stable_baselines3.common.evaluation import evaluate_policy

    rets, _ = evaluate_policy(policy, venv, n_eval_episodes=episodes, deterministic=True,
                              return_episode_rewards=True, warn=False)
    return float(np.mean(rets)), float(np.std(rets))


class CurveRecorder:
    """Collects (env step, mean true return) points; ``callback(env_id, ...)`` gives an SB3 EvalCallback."""

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.returns: list[float] = []

    def add(self, step: int, ret: float) -> None:
        self.steps.append(int(step))
        self.returns.append(float(ret))

    def eval_callback(self, eval_env, every: int, n_envs: int, episodes: int, offset: int = 0):
        from stable_baselines3.common.callbacks import BaseCallback, EvalCallback

        recorder = self

        class _After(BaseCallback):
            def _on_step(self) -> bool:
                parent = self.parent
                recorder.add(offset + parent.num_timesteps, parent.last_mean_reward)
                return True

        return EvalCallback(eval_env, callback_after_eval=_After(), eval_freq=max(every // n_envs, 1),
                            n_eval_episodes=episodes, deterministic=True, verbose=0, warn=False)

    def as_dict(self) -> dict[str, list]:
        return {"steps": self.steps, "returns": self.returns}


def make_ppo(env_id: str, train_venv, seed: int, settings: dict[str, Any], device: str = "cpu"):
    from stable_baselines3 import PPO

    return PPO("MlpPolicy", train_venv, seed=seed, device=device, verbose=0, **settings["ppo"])


def train_ppo_with_curve(env_id: str, train_venv, seed: int, budget: Budget, settings: dict[str, Any],
                         wrap_eval: Callable | None = None) -> tuple[Any, dict, float]:
    """Train PPO on ``train_venv`` for the budget, evaluating on the true reward of ``env_id`` every
    ``budget.eval_every`` steps. Returns (model, curve, env steps per second of training)."""
    import time

    from stable_baselines3.common.vec_env import VecNormalize

    model = make_ppo(env_id, train_venv, seed, settings)
    norm = train_venv if isinstance(train_venv, VecNormalize) else None
    ev = eval_venv(env_id, seed + 10_000, normalize_like=norm)
    rec = CurveRecorder()
    rec.add(0, evaluate(model, ev, budget.eval_episodes)[0])
    start = time.time()
    model.learn(total_timesteps=budget.steps(env_id),
                callback=rec.eval_callback(ev, budget.eval_every, train_venv.num_envs, budget.eval_episodes))
    elapsed = time.time() - start
    return model, rec.as_dict(), model.num_timesteps / max(elapsed, 1e-9)
