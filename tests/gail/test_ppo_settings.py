"""The PPO settings table: rows, the no-row default's initial action noise, no shared state."""

import math

import gymnasium as gym
import pytest
from stable_baselines3.common.env_util import make_vec_env

from advrl.gail.ppo_settings import DEFAULT, generator_settings, ppo_settings


def test_an_env_without_a_row_starts_its_gaussian_policy_at_zoo_mujoco_noise():
    pytest.importorskip("mujoco")
    settings = generator_settings("HalfCheetah-v5")
    assert settings.kwargs["policy_kwargs"] == {"log_std_init": -2.0}
    ppo = settings.make(make_vec_env("HalfCheetah-v5", n_envs=1, seed=0), 10_000, seed=0, device="cpu")
    std = ppo.policy.log_std.exp().detach()
    assert std.shape == (6,) and all(math.isclose(float(s), math.exp(-2.0), rel_tol=1e-6) for s in std)


def test_the_default_also_builds_a_discrete_policy():
    settings = ppo_settings("NoRowYet-v0")  # any id without a row gets DEFAULT
    ppo = settings.with_overrides(n_envs=1).make(make_vec_env("CartPole-v1", n_envs=1, seed=0), 1_000, 0, "cpu")
    assert isinstance(ppo.action_space, gym.spaces.Discrete) and not hasattr(ppo.policy, "log_std")


def test_rows_are_copied_so_a_caller_cannot_change_the_table():
    settings = ppo_settings("Swimmer-v5")
    settings.kwargs["policy_kwargs"]["log_std_init"] = 0.0
    assert DEFAULT["policy_kwargs"] == {"log_std_init": -2.0}
    assert ppo_settings("Swimmer-v5").kwargs["policy_kwargs"] == {"log_std_init": -2.0}
