"""Shared pieces of the benchmark methods: env ids, budgets, PPO settings, evaluation on the true
reward and learning-curve recording (SB3's EvalCallback)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import gymnasium as gym
import numpy as np

if TYPE_CHECKING:
    from benchmarks.methods.sb3_checkpoint import CellCheckpoint

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
        timesteps={"CartPole-v1": 50_000, "Pendulum-v1": 40_000, "Acrobot-v1": 50_000,
                   "MountainCarContinuous-v0": 20_000},
        seeds=(0, 1), eval_every=10_000, eval_episodes=5, final_episodes=20, bc_epochs=30,
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
    """The fixed-horizon registration of ``env_id``."""
    import envs

    return envs.fixed_horizon_id(env_id)


def ppo_n_envs(env_id: str) -> int:
    """Number of envs of the per-env PPO settings (shared by PPO, GAIL and transfer)."""
    from advrl.gail import ppo_settings

    return ppo_settings(env_id).n_envs


class RandomPolicy:
    """Uniformly random actions, with the ``predict`` signature SB3's ``evaluate_policy`` expects."""

    def __init__(self, action_space: gym.Space, seed: int) -> None:
        self.action_space = action_space
        self.action_space.seed(seed)

    def predict(self, obs, state=None, episode_start=None, deterministic=False):
        return np.stack([self.action_space.sample() for _ in range(len(obs))]), state


def eval_venv(env_id: str, seed: int):
    """A one-env VecEnv of ``env_id`` (its true reward) for evaluation."""
    from stable_baselines3.common.env_util import make_vec_env

    return make_vec_env(env_id, n_envs=1, seed=seed)


def evaluate(policy, venv, episodes: int) -> tuple[float, float]:
    """Mean and std of the true episode return (SB3's ``evaluate_policy``, deterministic actions)."""
    from stable_baselines3.common.evaluation import evaluate_policy

    rets, _ = evaluate_policy(policy, venv, n_eval_episodes=episodes, deterministic=True,
                              return_episode_rewards=True, warn=False)
    return float(np.mean(rets)), float(np.std(rets))


class CurveRecorder:
    """Collects (env step, mean true return) points; :meth:`callback` evaluates every ``every`` steps."""

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.returns: list[float] = []
        self.eval_seconds = 0.0

    def add(self, step: int, ret: float) -> None:
        self.steps.append(int(step))
        self.returns.append(float(ret))

    def callback(self, eval_env, every: int, episodes: int):
        """An SB3 callback evaluating the model on ``eval_env`` (true reward) every ``every`` env steps
        and at the end of training."""
        import time

        from stable_baselines3.common.callbacks import BaseCallback

        recorder = self

        class _Eval(BaseCallback):
            def _on_training_start(self) -> None:  # the next multiple of ``every`` (a resumed run too)
                self.next_eval = (self.num_timesteps // every + 1) * every

            def _evaluate(self) -> None:
                t = time.time()
                recorder.add(self.num_timesteps, evaluate(self.model, eval_env, episodes)[0])
                recorder.eval_seconds += time.time() - t

            def _on_step(self) -> bool:
                if self.num_timesteps >= self.next_eval:
                    self._evaluate()
                    self.next_eval += every
                return True

            def _on_training_end(self) -> None:
                if not recorder.steps or recorder.steps[-1] != self.num_timesteps:
                    self._evaluate()

        return _Eval()

    def as_dict(self) -> dict[str, list]:
        return {"steps": self.steps, "returns": self.returns}


def train_ppo_with_curve(env_id: str, train_venv, seed: int, budget: Budget) -> tuple[Any, dict, float]:
    """Train PPO (the GAIL helper's per-env settings) on ``train_venv`` for the budget, evaluating on
    the true reward of ``env_id`` every ``budget.eval_every`` steps. Returns (model, curve, env steps per
    second of training, evaluation time excluded)."""
    from advrl.gail import ppo_settings

    total = budget.steps(env_id)
    model = ppo_settings(env_id).make(train_venv, total, seed, "cpu")
    curve, fps = learn_with_curve(model, env_id, seed, budget, total)
    return model, curve, fps


def learn_with_curve(model, env_id: str, seed: int, budget: Budget, total: int,
                     checkpoint: CellCheckpoint | None = None) -> tuple[dict, float]:
    """``model.learn`` up to ``total`` env steps (any SB3 algorithm), evaluating on the true reward of
    ``env_id`` before training and every ``budget.eval_every`` env steps. With ``checkpoint``, the model,
    curve and time so far are saved at the first rollout start after each evaluation, and a run that
    finds the checkpoint continues from it. Returns (curve, env steps per second of training over every
    attempt, evaluation time excluded)."""
    from stable_baselines3.common.callbacks import CallbackList

    from benchmarks.methods.sb3_checkpoint import Stopwatch

    ev = eval_venv(env_id, seed + 10_000)
    rec = CurveRecorder()
    resumed = checkpoint is not None and checkpoint.exists()
    if resumed:
        saved = checkpoint.restore(model)
        rec.steps, rec.returns = list(saved["steps"]), list(saved["returns"])
    else:
        rec.add(0, evaluate(model, ev, budget.eval_episodes)[0])
    watch = Stopwatch(saved["train_s"] if resumed else 0.0)
    callbacks = [rec.callback(ev, budget.eval_every, budget.eval_episodes)]
    if checkpoint is not None:
        callbacks.append(checkpoint.callback(lambda: {"steps": list(rec.steps), "returns": list(rec.returns),
                                                      "train_s": watch.train_s(rec.eval_seconds)}))
    model.learn(total_timesteps=total - model.num_timesteps, callback=CallbackList(callbacks),
                reset_num_timesteps=not resumed)
    return rec.as_dict(), model.num_timesteps / max(watch.train_s(rec.eval_seconds), 1e-9)
