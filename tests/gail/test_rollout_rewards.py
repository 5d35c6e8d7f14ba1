"""Learned rewards scored per rollout (deferred) equal the per-step ones, scaled as VecNormalize would."""

import numpy as np
import pytest
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import VecNormalize

from advrl.gail.buffer import TransitionBuffer
from advrl.gail.ppo_settings import PPOSettings
from advrl.gail.rollout_rewards import RewardScaler, attach_learned_reward
from advrl.gail.wrapper import RewardVecEnvWrapper


def state_reward(obs, acts, next_obs, dones, absorbing=None):
    """A reward that depends on every input (and the absorbing flag)."""
    if absorbing is not None:
        return np.full(len(obs), 0.3)
    return (np.tanh(obs).sum(1) + 0.5 * np.asarray(acts).reshape(len(obs), -1).sum(1)
            + 0.1 * np.abs(next_obs).sum(1) - np.asarray(dones, float))


def run(deferred: bool, steps: int = 300):
    buffer = TransitionBuffer()
    env = RewardVecEnvWrapper(make_vec_env("CartPole-v1", n_envs=3, seed=4), state_reward, buffer,
                              absorbing_horizon=500, deferred=deferred)
    env.reset()
    rng = np.random.default_rng(0)
    per_step, dones_seen = [], []
    for _ in range(steps):
        _, rew, dones, _ = env.step(rng.integers(2, size=3))
        per_step.append(rew)
        dones_seen.append(dones)
    return env, np.array(per_step), np.array(dones_seen), buffer


def test_deferred_rollout_rewards_equal_per_step_rewards_and_fill_the_same_buffer():
    eager, eager_rewards, eager_dones, eager_buf = run(deferred=False)
    lazy, zeros, _, lazy_buf = run(deferred=True)
    assert np.all(zeros == 0)  # steps return nothing until the rollout is scored
    rewards, dones = lazy.rollout_rewards()
    assert eager_dones.any()  # episodes ended inside the rollout (absorbing shift and rows exercised)
    np.testing.assert_allclose(rewards, eager_rewards, rtol=1e-6)
    np.testing.assert_array_equal(dones, eager_dones)
    a, b = eager_buf.arrays(), lazy_buf.arrays()
    order_a, order_b = np.lexsort(a["obs"].T), np.lexsort(b["obs"].T)  # same rows, another order
    for key in a:
        np.testing.assert_array_equal(a[key][order_a], b[key][order_b])
    assert lazy.pop_mean_reward() == pytest.approx(eager.pop_mean_reward(), rel=1e-6)
    with pytest.raises(RuntimeError, match="no steps recorded"):
        lazy.rollout_rewards()


def test_reward_scaler_keeps_vecnormalize_statistics_and_scale():
    rng = np.random.default_rng(1)
    rewards = rng.normal(1.0, 2.0, size=(4, 64, 2)).astype(np.float32)  # 4 rollouts of 64 steps, 2 envs
    dones = rng.random((4, 64, 2)) < 0.05
    scaler = RewardScaler(gamma=0.9, n_envs=2)
    vec = VecNormalize(make_vec_env("CartPole-v1", n_envs=2), norm_obs=False, norm_reward=True, gamma=0.9)
    for r, d in zip(rewards, dones):
        scaled = scaler(r, d)
        for t in range(len(r)):  # VecNormalize's own per-step update
            vec.returns = vec.returns * vec.gamma + r[t]
            vec.ret_rms.update(vec.returns)
            vec.returns[d[t]] = 0
    np.testing.assert_allclose(scaler.ret_rms.var, vec.ret_rms.var, rtol=1e-9)
    np.testing.assert_allclose(scaler.returns, vec.returns)
    np.testing.assert_allclose(scaled, np.clip(rewards[-1] / np.sqrt(vec.ret_rms.var + 1e-8), -10, 10), rtol=1e-5)
    restored = RewardScaler(gamma=0.9, n_envs=2)
    restored.load_state_dict(scaler.state_dict())
    np.testing.assert_array_equal(restored(rewards[0], dones[0]), scaler(rewards[0], dones[0]))


def test_ppo_learns_from_the_rollout_rewards_it_is_given():
    """The relabelled rollout buffer holds the learned reward (+ SB3's time-limit
    bootstrap), not the wrapper's per-step zeros."""
    env = RewardVecEnvWrapper(make_vec_env("CartPole-v1", n_envs=2, seed=0),
                              lambda o, a, n, d, absorbing=None: np.full(len(o), 2.0), deferred=True)
    ppo = PPOSettings(2, {"n_steps": 64, "batch_size": 64, "n_epochs": 1}).make(env, 128, 0, "cpu")
    assert attach_learned_reward(ppo, env, normalize=False) is None
    ppo.learn(128)
    assert np.all(ppo.rollout_buffer.rewards == 2.0)  # no truncation within 64 steps of CartPole
    assert ppo.rollout_buffer.returns.max() > 2.0
