"""The final true-reward evaluation runs on more episodes and replaces a same-round row."""

from types import SimpleNamespace

import numpy as np

from advrl.gail.evaluation import TrueRewardEval
from advrl.gail.experts import make_eval_env


class CountingPolicy:
    """An SB3-like model (predict) that always pushes left and counts episodes begun."""

    num_timesteps = 0

    def __init__(self):
        self.starts = 0

    def predict(self, obs, state=None, episode_start=None, deterministic=True):
        self.starts += int(np.sum(episode_start)) if episode_start is not None else 0
        return np.zeros(len(obs), dtype=np.int64), None


def test_final_evaluation_uses_final_episodes_and_replaces_the_same_round_row():
    policy = CountingPolicy()
    logged = []
    trainer = SimpleNamespace(generator=SimpleNamespace(model=policy), round=0,
                              logger=SimpleNamespace(log=lambda r, m: logged.append(r)))
    evaluator = TrueRewardEval(make_eval_env("CartPole-v1", 0), every=1, episodes=3, final_episodes=12)
    evaluator.on_train_start(trainer)
    trainer.round = 1
    evaluator.on_round_end(trainer, {})  # periodic evaluation at round 1 (3 episodes) ...
    assert [r["episodes"] for r in evaluator.results] == [3, 3]
    evaluator.on_train_end(trainer)  # ... replaced by the final one on 12 episodes of the same policy
    assert [(r["round"], r["episodes"]) for r in evaluator.results] == [(0, 3), (1, 12)]
    assert policy.starts >= 3 + 3 + 12
    evaluator.on_train_end(trainer)  # already final: nothing evaluated again
    assert len(evaluator.results) == 2 and len(logged) == 3
