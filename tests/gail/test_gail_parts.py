"""GAIL building blocks: reward net input handling, running normalisation,
save/load, the reward VecEnv wrapper (true reward kept), the buffer."""

import gymnasium as gym
import numpy as np
import pytest
import torch
from stable_baselines3.common.env_util import make_vec_env

from advrl.core import gradient_penalty
from advrl.gail.buffer import TransitionBuffer
from advrl.gail.learned_reward import LearnedReward
from advrl.gail.reward_net import RewardNet, RewardNetConfig, RunningNorm
from advrl.gail.wrapper import RewardVecEnvWrapper, make_batch


def test_running_norm_matches_numpy_over_several_batches():
    norm = RunningNorm(3)
    data = np.random.default_rng(0).normal(2.0, 3.0, size=(500, 3)).astype(np.float32)
    for chunk in np.array_split(data, 7):
        norm.update(torch.from_numpy(chunk))
    np.testing.assert_allclose(norm.mean.numpy(), data.mean(0), rtol=1e-4)
    np.testing.assert_allclose(norm.var.numpy(), data.var(0), rtol=1e-3)
    norm.eval()
    before = norm.mean.clone()
    norm(torch.ones(4, 3), update=True)  # eval mode: frozen
    assert torch.equal(before, norm.mean)


def test_discrete_actions_are_one_hot_and_gradient_penalty_runs():
    env = gym.make("CartPole-v1")
    net = RewardNet(RewardNetConfig.for_spaces(env.observation_space, env.action_space))
    batch = make_batch(np.zeros((4, 4)), np.array([0, 1, 1, 0]), None, None)
    x = net.embed(batch)
    assert x.shape == (4, 6)
    np.testing.assert_array_equal(x[:, 4:].numpy(), [[1, 0], [0, 1], [0, 1], [1, 0]])
    other = make_batch(np.ones((4, 4)), np.array([1, 1, 0, 0]), None, None)
    gp = gradient_penalty(net, batch, other)
    assert torch.isfinite(gp) and gp.requires_grad


def test_entropy_bonus_is_an_auxiliary_loss_only_when_enabled():
    env = gym.make("Pendulum-v1")
    batch = make_batch(np.zeros((3, 3)), np.zeros((3, 1)), None, None)
    off = RewardNet(RewardNetConfig.for_spaces(env.observation_space, env.action_space))
    on = RewardNet(RewardNetConfig.for_spaces(env.observation_space, env.action_space, entropy_weight=0.1))
    assert off.auxiliary_loss(batch, batch) is None
    loss = on.auxiliary_loss(batch, batch)
    # -w * H with H <= log 2, so the loss lies in [-0.1 log 2, 0)
    assert -0.1 * np.log(2) - 1e-6 <= loss.item() < 0


def test_learned_reward_save_load_gives_identical_rewards(tmp_path):
    env = gym.make("Pendulum-v1")
    cfg = RewardNetConfig.for_spaces(env.observation_space, env.action_space, use_next_obs=True, absorbing=True)
    net = RewardNet(cfg)
    rng = np.random.default_rng(0)
    net.init_normalizers(make_batch(rng.normal(size=(64, 3)), rng.normal(size=(64, 1)), None, None))
    reward = LearnedReward(net, "logit", "Pendulum-v1", metadata={"absorbing_horizon": 200})
    path = reward.save(tmp_path / "r.pt")
    loaded = LearnedReward.load(path)
    obs, acts, nxt = rng.normal(size=(32, 3)), rng.normal(size=(32, 1)), rng.normal(size=(32, 3))
    np.testing.assert_array_equal(reward(obs, acts, nxt, np.zeros(32)), loaded(obs, acts, nxt, np.zeros(32)))
    assert loaded.absorbing_horizon == 200 and loaded.net.config == cfg
    # the normaliser statistics travelled with the weights
    assert torch.equal(loaded.net.obs_norm.mean, net.obs_norm.mean)
    raw = torch.load(path, weights_only=True)  # loadable without unpickling code
    assert raw["format"] == "advrl-gail-reward-v1"


def test_learned_reward_rejects_other_files(tmp_path):
    bad = tmp_path / "bad.pt"
    torch.save({"format": "something-else"}, bad)
    with pytest.raises(ValueError, match="not an advrl GAIL reward file"):
        LearnedReward.load(bad)
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="junk.pt"):
        LearnedReward.load(tmp_path / "junk.pt")


def test_wrapper_replaces_reward_and_keeps_true_reward_in_info():
    venv = make_vec_env("CartPole-v1", n_envs=2, seed=0)
    buffer = TransitionBuffer()
    seen = []

    def reward_fn(obs, acts, next_obs, dones, absorbing=None):
        seen.append((obs.copy(), next_obs.copy(), dones.copy()))
        return np.full(len(obs), 0.25)

    env = RewardVecEnvWrapper(venv, reward_fn, buffer)
    obs = env.reset()
    true_total, episodes, steps = 0.0, [], 0
    for _ in range(200):
        new_obs, rew, dones, infos = env.step(np.array([0, 1]))
        steps += 1
        assert np.all(rew == 0.25)
        assert all("true_reward" in i and i["true_reward"] == 1.0 for i in infos)
        for i, done in enumerate(dones):
            if done:
                # next_obs handed to the reward is the terminal obs, not the reset obs
                np.testing.assert_array_equal(seen[-1][1][i], infos[i]["terminal_observation"])
                episodes.append(infos[i]["episode"]["r"])  # Monitor under the wrapper: TRUE return
    assert episodes and all(r == int(r) and r >= 8 for r in episodes)
    assert len(buffer) == 2 * steps
    sample = buffer.sample(16)
    assert sample["obs"].shape == (16, 4) and sample["acts"].dtype == torch.int64


def test_virtual_absorbing_state_shifts_rewards_and_weights_true_terminations_only():
    calls = []

    def reward_fn(obs, acts, next_obs, dones, absorbing=None):
        calls.append(absorbing is not None)
        return np.full(len(obs), 2.0) if absorbing is not None else np.full(len(obs), 0.5)

    # true termination (pushing one way topples the pole well before 500 steps)
    buffer = TransitionBuffer()
    env = RewardVecEnvWrapper(make_vec_env("CartPole-v1", n_envs=1, seed=0), reward_fn, buffer,
                              absorbing_horizon=500)
    env.reset()
    t = 0
    while True:
        _, rew, dones, infos = env.step(np.array([0]))
        t += 1
        assert rew[0] == pytest.approx(0.5 - 2.0)  # every step: r(s, a) - r(absorbing)
        if dones[0]:
            break
    rows = buffer.arrays()
    flags = rows["absorbing"]
    assert flags.sum() == 1 and len(buffer) == t + 1
    assert rows["weights"][flags > 0][0] == 500 - t
    assert sum(calls) == 1  # the absorbing reward is computed once per reward version

    # truncation by a time limit is not a termination: no absorbing row
    buffer = TransitionBuffer()
    env = RewardVecEnvWrapper(make_vec_env("CartPole-v1", n_envs=1, seed=0, env_kwargs={"max_episode_steps": 5}),
                              reward_fn, buffer, absorbing_horizon=500)
    env.reset()
    for _ in range(5):
        _, _, dones, infos = env.step(np.array([t % 2]))
    assert dones[0] and infos[0]["TimeLimit.truncated"]
    assert buffer.arrays()["absorbing"].sum() == 0


def test_capped_absorbing_reward_makes_no_step_worth_less_than_ending():
    """Where the expert never ends early (``cap_absorbing``), ending early is worth no more than the
    worst step of the rollout, once the policy has ended an episode early; until then the shift is the
    learned absorbing reward, as without the cap."""
    def reward_fn(obs, acts, next_obs, dones, absorbing=None):  # D rates the absorbing state above every step
        return np.full(len(obs), 3.0) if absorbing is not None else 0.1 * np.tanh(obs).sum(1)

    def rollout(cap: bool, steps: int):
        env = RewardVecEnvWrapper(make_vec_env("CartPole-v1", n_envs=2, seed=3), reward_fn, TransitionBuffer(),
                                  absorbing_horizon=500, deferred=True, cap_absorbing=cap)
        env.reset()
        ended = False
        for _ in range(steps):
            _, _, dones, _ = env.step(np.array([0, 1]))  # pushing one way topples the pole in ~10 steps
            ended = ended or bool(dones.any())
        rewards, _ = env.rollout_rewards()
        return rewards, ended

    plain, ended = rollout(cap=False, steps=40)
    capped, _ = rollout(cap=True, steps=40)
    assert ended and (plain < 0).all()  # uncapped: every step is worth less than ending
    assert capped.min() == pytest.approx(0.0, abs=1e-6) and (capped >= -1e-6).all()
    np.testing.assert_allclose(capped - plain, (capped - plain).flat[0], rtol=1e-5)  # one shift: same ordering
    early, ended = rollout(cap=True, steps=4)  # no episode has ended yet: the learned shift
    assert not ended
    np.testing.assert_allclose(early, rollout(cap=False, steps=4)[0])


def test_gail_caps_the_absorbing_reward_only_where_the_expert_never_ends_early():
    from dataclasses import replace

    from advrl.gail import GAILConfig, build_gail, rollout_expert

    cfg = GAILConfig(env_id="CartPole-v1", demos="experts/demos/CartPole-v1.npz", total_timesteps=512,
                     eval_every_steps=0, progress=False, device="cpu", bc_steps=0)
    run = build_gail(cfg)  # the shipped expert balances all 500 steps of every episode
    assert run.generator.reward_env.cap_absorbing and run.learned_reward().metadata["cap_absorbing"]
    random = rollout_expert("CartPole-v1", None, episodes=5, seed=1)  # falls within ~40 steps
    run = build_gail(replace(cfg, demos=None), demos=random)
    assert not run.generator.reward_env.cap_absorbing
    run = build_gail(replace(cfg, horizon="none"))
    assert not run.generator.reward_env.cap_absorbing


@pytest.mark.parametrize("env_id, kw", [("CartPole-v1", {"absorbing": True}),
                                        ("Pendulum-v1", {"use_next_obs": True, "use_done": True})])
def test_numpy_snapshot_gives_the_same_rewards_as_the_torch_net(env_id, kw):
    from advrl.core import Critic, make_objective
    from advrl.gail.wrapper import CriticReward

    env = gym.make(env_id)
    net = RewardNet(RewardNetConfig.for_spaces(env.observation_space, env.action_space, **kw))
    rng = np.random.default_rng(0)
    obs = rng.normal(size=(16, *env.observation_space.shape)).astype(np.float32)
    acts = np.array([env.action_space.sample() for _ in range(16)])
    net.init_normalizers(make_batch(obs * 3 + 1, acts, None, None))
    net.eval()
    critic = Critic(net, make_objective("minimax"), torch.device("cpu"))
    fast, slow = CriticReward(fast=True), CriticReward(fast=False)
    fast.set_critic(critic)
    slow.set_critic(critic)
    absorbing = (rng.random(16) < 0.3).astype(np.float32)
    args = (obs, acts, obs[::-1].copy(), np.zeros(16))
    np.testing.assert_allclose(fast(*args, absorbing=absorbing), slow(*args, absorbing=absorbing), rtol=1e-5,
                               atol=1e-6)


def _round_of(buffer: TransitionBuffer, value: float, n: int) -> None:
    buffer.start_round()
    obs = np.full((n, 2), value, np.float32)
    buffer.add(obs, np.zeros(n, np.int64), obs, np.zeros(n, bool))


@pytest.mark.parametrize("recent", [0.0, 0.5, 1.0])
def test_buffer_draws_its_recent_share_from_the_newest_rollout(recent):
    torch.manual_seed(0)
    buffer = TransitionBuffer(rounds=8, recent_fraction=recent)
    for value in range(1, 9):  # eight rollouts of 100 rows; the newest holds 8.0
        _round_of(buffer, float(value), 100)
    newest = (buffer.sample(4000)["obs"][:, 0] == 8.0).float().mean().item()
    expected = recent + (1 - recent) / 8  # the recent share, plus the newest's share of the uniform rest
    assert newest == pytest.approx(expected, abs=0.03)


def test_buffer_recent_share_waits_for_a_second_rollout():
    buffer = TransitionBuffer(rounds=4, recent_fraction=0.5)
    _round_of(buffer, 1.0, 10)
    assert len(buffer.sample(64)["obs"]) == 64  # one rollout: it is both the newest and the whole buffer
    buffer.start_round()  # an empty newest rollout draws nothing of its own
    assert (buffer.sample(64)["obs"][:, 0] == 1.0).all()
    with pytest.raises(ValueError, match="recent_fraction"):
        TransitionBuffer(rounds=4, recent_fraction=1.5)


def test_buffer_state_round_trips_and_keeps_dropping_the_oldest_rollout(tmp_path):
    from advrl.core import load_checkpoint, save_checkpoint

    buffer = TransitionBuffer(rounds=3, recent_fraction=0.5)
    for value in (1.0, 2.0, 3.0, 4.0):  # the first rollout has dropped out
        _round_of(buffer, value, 10)
    buffer.start_round()  # an empty newest rollout (a checkpoint between rounds)
    restored = TransitionBuffer(rounds=3, recent_fraction=0.5)
    path = save_checkpoint({"fakes": buffer.state_dict()}, tmp_path / "b.pt")
    restored.load_state_dict(load_checkpoint(path)["fakes"])  # weights_only: tensors and plain values
    assert len(restored) == len(buffer) == 20 and restored.total_added == 40
    torch.manual_seed(1)
    a = buffer.sample(64)
    torch.manual_seed(1)
    b = restored.sample(64)
    assert all(torch.equal(a[k], b[k]) for k in a)
    _round_of(restored, 5.0, 10)  # rollout 3.0 drops out next, as it would have
    assert sorted(set(restored.arrays()["obs"][:, 0].tolist())) == [4.0, 5.0]


@pytest.mark.parametrize("deferred", [False, True])
def test_wrapper_hands_the_reward_true_terminations_and_ppo_every_episode_end(deferred):
    """A time-limit cut is not a termination for the reward (AIRL's γh(s') stays in f) nor for
    the discriminator's buffer; PPO's episode bookkeeping still sees the episode end."""
    seen = []

    def reward_fn(obs, acts, next_obs, dones, absorbing=None):
        seen.append(np.asarray(dones, bool).copy())
        return np.zeros(len(obs))

    for actions, truncated in ((lambda t: t % 2, True), (lambda t: 0, False)):  # alternate: cut at 5; push: falls
        buffer = TransitionBuffer()
        env = RewardVecEnvWrapper(make_vec_env("CartPole-v1", n_envs=1, seed=0,
                                               env_kwargs={"max_episode_steps": 5 if truncated else 500}),
                                  reward_fn, buffer, deferred=deferred)
        env.reset()
        seen.clear()
        t = 0
        while True:
            _, _, dones, infos = env.step(np.array([actions(t)]))
            t += 1
            if dones[0]:
                break
        assert bool(infos[0].get("TimeLimit.truncated", False)) == truncated
        if deferred:
            _, episode_ends = env.rollout_rewards()
            assert episode_ends[-1, 0] and not episode_ends[:-1].any()
        handed = np.concatenate(seen)
        assert len(handed) == t and not handed[:-1].any()
        assert handed[-1] == (not truncated)
        np.testing.assert_array_equal(buffer.arrays()["dones"].astype(bool), handed)


def test_terminations_reads_each_sub_envs_time_limit_flag():
    from advrl.gail.wrapper import terminations

    dones = np.array([True, True, False, True])
    infos = [{"TimeLimit.truncated": True}, {"TimeLimit.truncated": False}, {}, {}]
    # sub-env 0 was cut, 1 terminated, 2 runs on, 3 ended without the flag (a VecEnv that does not set it)
    np.testing.assert_array_equal(terminations(dones, infos), [False, True, False, True])
    assert not terminations(np.zeros(2, bool), [{}, {}]).any()
