"""Evaluation of a GAIL policy on the TRUE reward, and the run summary."""

from __future__ import annotations

import time
from typing import Any

from advrl.core import AdversarialTrainer, Callback


class TrueRewardEval(Callback):
    """Evaluate the policy on the TRUE reward (SB3 ``evaluate_policy`` on an env
    without the learned-reward wrapper) before training, every ``every`` rounds
    and at the end (``final_episodes`` episodes: the run's final figure, where the luck
    of a few initial states should not decide it); logs ``eval/true_return``. Wall and
    CPU time spent here are kept apart so throughput figures can exclude them."""

    def __init__(self, eval_env: Any, every: int, episodes: int, deterministic: bool = True,
                 final_episodes: int | None = None) -> None:
        self.eval_env, self.every, self.episodes, self.deterministic = eval_env, every, episodes, deterministic
        self.final_episodes = final_episodes or episodes
        self.results: list[dict[str, float]] = []
        self.seconds = 0.0  # wall time spent evaluating (excluded from throughput)
        self.cpu_seconds = 0.0  # process CPU time spent evaluating

    def evaluate(self, trainer: AdversarialTrainer, episodes: int | None = None) -> dict[str, float]:
        from stable_baselines3.common.evaluation import evaluate_policy

        start, cpu_start = time.perf_counter(), time.process_time()
        ppo = trainer.generator.model
        episodes = episodes or self.episodes
        mean, std = evaluate_policy(ppo, self.eval_env, n_eval_episodes=episodes,
                                    deterministic=self.deterministic, warn=False)
        row = {"round": float(trainer.round), "env_steps": float(ppo.num_timesteps),
               "true_return": float(mean), "true_return_std": float(std), "episodes": float(episodes)}
        self.results.append(row)
        self.seconds += time.perf_counter() - start
        self.cpu_seconds += time.process_time() - cpu_start
        trainer.logger.log(trainer.round, {"eval/true_return": mean, "eval/true_return_std": std,
                                           "eval/env_steps": ppo.num_timesteps})
        return row

    def state_dict(self) -> dict[str, Any]:
        return {"results": self.results}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.results = [dict(row) for row in state["results"]]

    def on_train_start(self, trainer: AdversarialTrainer) -> None:
        if not self.results or self.results[-1]["round"] != trainer.round:
            self.evaluate(trainer)

    def on_round_end(self, trainer: AdversarialTrainer, metrics: dict[str, float]) -> bool | None:
        if self.every and trainer.round % self.every == 0:
            self.evaluate(trainer)
        return None

    def on_train_end(self, trainer: AdversarialTrainer) -> None:
        last = self.results[-1]
        if last["round"] != trainer.round or last.get("episodes", self.episodes) < self.final_episodes:
            if last["round"] == trainer.round:
                self.results.pop()  # the same policy, evaluated again on more episodes
            self.evaluate(trainer, self.final_episodes)


def normalised(value: float, random: float, expert: float | None) -> float | None:
    """``(value - random) / (expert - random)``: 0 = random, 1 = the demos' mean."""
    if expert is None or abs(expert - random) < 1e-9:
        return None
    return (value - random) / (expert - random)
