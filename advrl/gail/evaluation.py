"""Evaluation of a GAIL policy on the TRUE reward, and the run summary."""

from __future__ import annotations

import time
from typing import Any

from advrl.core import AdversarialTrainer, Callback


class TrueRewardEval(Callback):
    """Evaluate the policy on the TRUE reward (SB3 ``evaluate_policy`` on an env
    without the learned-reward wrapper) before training, every ``every`` rounds
    and at the end; logs ``eval/true_return``. Wall and CPU time spent here are
    kept apart so throughput figures can exclude them."""

    def __init__(self, eval_env: Any, every: int, episodes: int, deterministic: bool = True) -> None:
        self.eval_env, self.every, self.episodes, self.deterministic = eval_env, every, episodes, deterministic
        self.results: list[dict[str, float]] = []
        self.seconds = 0.0  # wall time spent evaluating (excluded from throughput)
        self.cpu_seconds = 0.0  # process CPU time spent evaluating

    def evaluate(self, trainer: AdversarialTrainer) -> dict[str, float]:
        from stable_baselines3.common.evaluation import evaluate_policy

        start, cpu_start = time.perf_counter(), time.process_time()
        ppo = sb3_model(trainer.generator)
        mean, std = evaluate_policy(ppo, self.eval_env, n_eval_episodes=self.episodes,
                                    deterministic=self.deterministic, warn=False)
        row = {"round": float(trainer.round), "env_steps": float(ppo.num_timesteps),
               "true_return": float(mean), "true_return_std": float(std)}
        self.results.append(row)
        self.seconds += time.perf_counter() - start
        self.cpu_seconds += time.process_time() - cpu_start
        trainer.logger.log(trainer.round, {"eval/true_return": mean, "eval/true_return_std": std,
                                           "eval/env_steps": ppo.num_timesteps})
        return row

    def on_train_start(self, trainer: AdversarialTrainer) -> None:
        if not self.results or self.results[-1]["round"] != trainer.round:
            self.evaluate(trainer)

    def on_round_end(self, trainer: AdversarialTrainer, metrics: dict[str, float]) -> bool | None:
        if self.every and trainer.round % self.every == 0:
            self.evaluate(trainer)
        return None

    def on_train_end(self, trainer: AdversarialTrainer) -> None:
        if self.results[-1]["round"] != trainer.round:
            self.evaluate(trainer)


def sb3_model(generator: Any) -> Any:
    """The SB3 model a GAIL generator trains: ``PPOGenerator.ppo`` or ``SACGenerator.sac``."""
    sac = getattr(generator, "sac", None)
    return sac if sac is not None else generator.ppo


def normalised(value: float, random: float, expert: float | None) -> float | None:
    """``(value - random) / (expert - random)``: 0 = random, 1 = the demos' mean."""
    if expert is None or abs(expert - random) < 1e-9:
        return None
    return (value - random) / (expert - random)
