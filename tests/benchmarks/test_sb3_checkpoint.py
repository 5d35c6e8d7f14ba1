"""The SB3 baseline cells resume: a run killed after a checkpoint continues from it (weights, optimiser,
replay buffer, ``VecNormalize`` statistics, step counter, curve), reading the file without unpickling."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from stable_baselines3 import PPO, SAC
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import VecNormalize

from benchmarks.methods.common import Budget, learn_with_curve
from benchmarks.methods.sb3_checkpoint import CellCheckpoint, load_model_state, model_state

ENV = "Pendulum-v1"
BUDGET = Budget(timesteps={ENV: 600}, seeds=(0,), eval_every=200, eval_episodes=1, final_episodes=1, bc_epochs=1)


class Killed(RuntimeError):
    pass


class KillAfter(gym.Wrapper):
    """Raises after ``n`` env steps: the worker dying mid-cell."""

    def __init__(self, env: gym.Env, n: int) -> None:
        super().__init__(env)
        self.left = n

    def step(self, action):
        self.left -= 1
        if self.left < 0:
            raise Killed("worker lost")
        return self.env.step(action)


def _sac(kill_after: int | None = None) -> SAC:
    wrapper = (lambda e: KillAfter(e, kill_after)) if kill_after else None
    venv = make_vec_env(ENV, n_envs=1, seed=0, wrapper_class=wrapper)
    return SAC("MlpPolicy", venv, learning_starts=100, buffer_size=1_000, batch_size=32, seed=0,
               policy_kwargs={"net_arch": [16, 16]}, device="cpu")


def _params(model) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.policy.state_dict().items()}


def test_a_killed_sac_cell_continues_from_its_checkpoint(tmp_path):
    ckpt = CellCheckpoint(tmp_path / "cell.pt", BUDGET.eval_every)
    killed = _sac(kill_after=450)  # checkpoints at 200 and 400, dies at 450
    with pytest.raises(Killed):
        learn_with_curve(killed, ENV, 0, BUDGET, 600, ckpt)
    assert ckpt.exists()

    resumed = _sac()
    fresh = _params(resumed)
    curve, fps = learn_with_curve(resumed, ENV, 0, BUDGET, 600, ckpt)
    assert ckpt.resumed_at == 400 and resumed.num_timesteps == 600 and fps > 0
    assert ckpt.prior_wall_s > 0 and ckpt.wall_s() > ckpt.prior_wall_s  # the killed attempt's time carries over
    assert curve["steps"] == [0, 200, 400, 600]  # the killed attempt's points, then the resumed one's
    assert resumed.replay_buffer.pos == 600 and not resumed.replay_buffer.full
    # the first 400 transitions are the killed run's, not new ones
    np.testing.assert_array_equal(resumed.replay_buffer.observations[:400], killed.replay_buffer.observations[:400])
    assert any(not torch.equal(fresh[k], v) for k, v in resumed.policy.state_dict().items())


def test_model_state_round_trips_sac_and_ppo_with_vec_normalize(tmp_path):
    sac = _sac()
    sac.learn(300)
    other = _sac()
    load_model_state(other, model_state(sac))
    for k, v in sac.policy.state_dict().items():
        assert torch.equal(v, other.policy.state_dict()[k]), k
    assert other.actor.optimizer.state_dict()["state"].keys() == sac.actor.optimizer.state_dict()["state"].keys()
    assert torch.equal(other.log_ent_coef, sac.log_ent_coef) and other.num_timesteps == 300
    np.testing.assert_array_equal(other.replay_buffer.actions[:300], sac.replay_buffer.actions[:300])

    def ppo() -> PPO:
        venv = VecNormalize(make_vec_env(ENV, n_envs=2, seed=0), norm_obs=False, norm_reward=True)
        return PPO("MlpPolicy", venv, n_steps=64, batch_size=64, seed=0, device="cpu")

    a, b = ppo(), ppo()
    a.learn(256)
    ckpt = CellCheckpoint(tmp_path / "ppo.pt", 100)
    ckpt.save(a, {"steps": [0], "returns": [0.0], "train_s": 1.0})
    progress = ckpt.restore(b)
    assert progress == {"steps": [0], "returns": [0.0], "train_s": 1.0, "wall_s": ckpt.prior_wall_s}
    assert ckpt.prior_wall_s >= 0.0
    assert b.get_env().ret_rms.var == pytest.approx(a.get_env().ret_rms.var) and b.get_env().ret_rms.var != 1.0
    assert b.num_timesteps == a.num_timesteps == 256


def test_a_foreign_file_is_refused_with_one_line(tmp_path):
    from advrl.core import UserError, save_checkpoint

    save_checkpoint({"format": "something-else"}, tmp_path / "x.pt")
    with pytest.raises(UserError, match="not an SB3 grid-cell checkpoint"):
        CellCheckpoint(tmp_path / "x.pt", 10).restore(_sac())
