"""The PPO and SAC settings tables: rows are copies, an override of the initial action noise reaches the policy."""

import copy
import math

from stable_baselines3.common.env_util import make_vec_env

from advrl.gail.ppo_settings import GAIL_ROWS, generator_settings, ppo_settings


def test_an_override_sets_the_gaussian_policys_initial_noise():
    settings = generator_settings("Pendulum-v1", {"policy_kwargs": {"log_std_init": -2.0}, "use_sde": False})
    ppo = settings.make(make_vec_env("Pendulum-v1", n_envs=1, seed=0), 10_000, seed=0, device="cpu")
    std = ppo.policy.log_std.exp().detach()
    assert std.shape == (1,) and math.isclose(float(std[0]), math.exp(-2.0), rel_tol=1e-6)


def test_rows_are_copied_so_a_caller_cannot_change_the_table():
    settings = ppo_settings("MountainCarContinuous-v0")
    settings.kwargs["policy_kwargs"]["log_std_init"] = 0.0
    assert GAIL_ROWS["MountainCarContinuous-v0"]["policy_kwargs"]["log_std_init"] == -1.0
    assert ppo_settings("MountainCarContinuous-v0").kwargs["policy_kwargs"]["log_std_init"] == -1.0


def test_building_a_sac_model_leaves_the_sac_table_as_it_was():
    from advrl.gail.sac_settings import ZOO, sac_settings

    before = copy.deepcopy(ZOO["MountainCarContinuous"])
    sac_settings("MountainCarContinuous-v0").make(make_vec_env("MountainCarContinuous-v0", n_envs=1, seed=0), 0, "cpu")
    assert ZOO["MountainCarContinuous"] == before  # SB3 adds use_sde to the policy_kwargs it is handed
