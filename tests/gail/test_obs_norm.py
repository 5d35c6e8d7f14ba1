"""A PPO policy that normalises its own observations: statistics from its rollouts, applied to raw observations
everywhere, kept by a saved zip and rebuilt from it without unpickling."""

import gymnasium as gym
import numpy as np
import pytest
import torch
from stable_baselines3.common.env_util import make_vec_env

from advrl.gail.obs_norm import NormalizedObsExtractor, ObsNormPPO
from advrl.gail.ppo_settings import generator_settings

SCALE, SHIFT = 1000.0, 500.0  # Pendulum's observations, far from unit scale


def scaled_pendulum(n_envs: int = 2):
    box = gym.spaces.Box(-np.inf, np.inf, (3,), np.float32)
    wrap = lambda env: gym.wrappers.TransformObservation(env, lambda o: (o * SCALE + SHIFT).astype(np.float32), box)
    return make_vec_env("Pendulum-v1", n_envs=n_envs, seed=0, wrapper_class=wrap)


ZOO_NET = {"log_std_init": -2, "ortho_init": False, "activation_fn": "relu", "net_arch": {"pi": [32, 32], "vf": [48]}}


def small_ppo(venv, normalize: bool = True, policy_kwargs: dict | None = None):
    settings = generator_settings("Pendulum-v1", {"n_steps": 64, "batch_size": 64, "n_epochs": 1,
                                                  "normalize_obs": normalize, "policy_kwargs": policy_kwargs or {}})
    return settings.make(venv, 1_000, seed=0, device="cpu")


def test_the_statistics_are_those_of_the_rollouts_trained_on():
    ppo = small_ppo(scaled_pendulum())
    assert isinstance(ppo, ObsNormPPO) and isinstance(ppo.policy.features_extractor, NormalizedObsExtractor)
    ppo.learn(128)  # one rollout of 64 steps x 2 envs, then its update
    seen = ppo.rollout_buffer.observations.reshape(-1, 3)
    norm = ppo.policy.features_extractor.norm
    assert float(norm.count) == 128
    np.testing.assert_allclose(norm.mean.numpy(), seen.mean(0), rtol=1e-4)
    np.testing.assert_allclose(norm.var.numpy(), seen.var(0), rtol=1e-3)
    # the policy's features of a raw rollout observation are unit-scale, not in the thousands
    features = ppo.policy.extract_features(torch.as_tensor(seen), ppo.policy.features_extractor)
    assert float(features.abs().mean()) < 3.0 and float(torch.as_tensor(seen).abs().mean()) > 100


def test_a_rollout_is_collected_and_trained_on_with_the_same_statistics():
    ppo = small_ppo(scaled_pendulum())
    ppo.learn(128)
    before = ppo.policy.features_extractor.norm.mean.clone()
    seen_in_train = []
    train = ppo.__class__.__mro__[1].train  # SB3's own PPO.train, run inside ObsNormPPO.train

    def spy(self):
        seen_in_train.append(self.policy.features_extractor.norm.mean.clone())
        train(self)

    ppo.__class__.__mro__[1].train = spy
    try:
        ppo.learn(128, reset_num_timesteps=False)
    finally:
        ppo.__class__.__mro__[1].train = train
    assert torch.equal(seen_in_train[0], before)  # the update used the statistics the rollout was collected with
    assert not torch.equal(ppo.policy.features_extractor.norm.mean, before)  # then the rollout joined them


def test_without_the_flag_the_policy_is_sb3s_own():
    ppo = small_ppo(scaled_pendulum(), normalize=False)
    assert type(ppo).__name__ == "PPO" and not isinstance(ppo.policy.features_extractor, NormalizedObsExtractor)


@pytest.mark.parametrize("net", [None, ZOO_NET], ids=["sb3-net", "zoo-mujoco-net"])
@pytest.mark.parametrize("loader", ["load_policy", "load_ppo"])
def test_a_saved_policy_reloads_with_its_statistics_without_unpickling(tmp_path, loader, net):
    from advrl.gail import sb3_io

    ppo = small_ppo(scaled_pendulum(), policy_kwargs=net)
    ppo.learn(256)
    ppo.save(tmp_path / "policy.zip")
    env = scaled_pendulum(1).envs[0]
    obs = ppo.rollout_buffer.observations.reshape(-1, 3)[:32]
    if loader == "load_policy":
        policy, algo = sb3_io.load_policy(tmp_path / "policy.zip", env)
        assert algo == "ppo"
    else:
        policy = sb3_io.load_ppo(tmp_path / "policy.zip", env, device="cpu").policy
    assert isinstance(policy.features_extractor, NormalizedObsExtractor)
    assert type(policy.mlp_extractor.policy_net[1]) is (torch.nn.ReLU if net else torch.nn.Tanh)
    assert str(policy.mlp_extractor) == str(ppo.policy.mlp_extractor)  # layer widths rebuilt from the weights
    np.testing.assert_allclose(policy.features_extractor.norm.mean.numpy(),
                               ppo.policy.features_extractor.norm.mean.numpy())
    ours = ppo.policy.predict(obs, deterministic=True)[0]
    np.testing.assert_allclose(policy.predict(obs, deterministic=True)[0], ours, rtol=1e-5, atol=1e-6)


def test_mujoco_rows_and_envs_without_a_row_normalise_and_the_classic_rows_do_not():
    from advrl.gail.ppo_settings import DEFAULT, ppo_settings

    no_row = ppo_settings("Walker2d-v5")
    assert no_row.n_envs == DEFAULT["n_envs"] and no_row.kwargs["normalize_obs"] is True  # no row: DEFAULT
    for env_id in ("HalfCheetah-v5", "Hopper-v4", "Swimmer-v5"):  # rl-zoo's MuJoCo rows: normalize: true
        assert ppo_settings(env_id, "expert").kwargs["normalize_obs"] is True, env_id
    assert ppo_settings("HalfCheetah-v5").kwargs["policy_kwargs"]["log_std_init"] == -2  # the zoo row
    for env_id in ("Hopper-v5", "Swimmer-v4"):  # GAIL departs from the zoo rows there: DEFAULT
        row = ppo_settings(env_id)
        assert row.n_envs == DEFAULT["n_envs"] and "policy_kwargs" not in row.kwargs and row.gamma == 0.99, env_id
    for env_id in ("CartPole-v1", "Pendulum-v1", "Acrobot-v1", "MountainCarContinuous-v0"):
        assert not ppo_settings(env_id).kwargs.get("normalize_obs", False), env_id


def test_a_row_names_its_activation_by_string_and_a_bad_name_is_one_clear_error():
    ppo = small_ppo(scaled_pendulum(), policy_kwargs=ZOO_NET)
    assert type(ppo.policy.mlp_extractor.policy_net[1]) is torch.nn.ReLU
    assert float(ppo.policy.log_std.detach().mean()) == -2
    from advrl.core.errors import UserError

    with pytest.raises(UserError, match="activation_fn: unknown activation 'swish'"):
        small_ppo(scaled_pendulum(), policy_kwargs={"activation_fn": "swish"})
