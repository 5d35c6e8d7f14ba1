"""The off-policy GAIL generator (``--algo sac``, DAC): SAC's replay rewards are the
*current* discriminator's, settings come from the zoo table, a discrete env is one line."""

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from advrl.cli import main
from advrl.core import Critic, make_objective
from advrl.gail import RewardNet, RewardNetConfig
from advrl.gail.sac_generator import RelabellingReplayBuffer
from advrl.gail.sac_settings import sac_settings
from advrl.gail.wrapper import CriticReward, make_batch

EXPERTS = Path(__file__).resolve().parents[2] / "experts"
CARTPOLE_DEMOS = EXPERTS / "demos" / "CartPole-v1.npz"
PENDULUM_DEMOS = EXPERTS / "demos" / "Pendulum-v1.npz"


def _critic(absorbing: bool) -> Critic:
    env = gym.make("Pendulum-v1")
    net = RewardNet(RewardNetConfig.for_spaces(env.observation_space, env.action_space, absorbing=absorbing))
    with torch.no_grad():  # a discriminator that is not constant (the output layer starts at zero)
        net.mlp[-1].weight.normal_()
    return Critic(net, make_objective("minimax"), torch.device("cpu"))


def _filled_buffer(reward_fn, absorbing: bool, n: int = 50):
    """A relabelling buffer holding ``n`` Pendulum transitions stored with a stale reward of 123,
    and the env-unit actions they were taken with."""
    env = gym.make("Pendulum-v1")
    buf = RelabellingReplayBuffer(n, env.observation_space, env.action_space, device="cpu")
    buf.reward_fn, buf.absorbing = reward_fn, absorbing
    rng = np.random.default_rng(0)
    low, high = env.action_space.low, env.action_space.high
    env_acts = rng.uniform(low, high, size=(n, 1)).astype(np.float32)
    for act in env_acts:
        obs, nxt = rng.normal(size=(1, 3)).astype(np.float32), rng.normal(size=(1, 3)).astype(np.float32)
        scaled = 2.0 * (act - low) / (high - low) - 1.0  # what SAC stores
        buf.add(obs, nxt, scaled[None], np.array([123.0]), np.array([False]), [{}])
    return buf, env_acts


def _expected(critic: Critic, samples, buf, absorbing: bool) -> np.ndarray:
    acts = buf.env_actions(samples.actions.numpy())
    batch = make_batch(samples.observations.numpy(), acts, samples.next_observations.numpy(),
                       np.zeros(len(acts)), absorbing=np.zeros(len(acts)))
    rewards = critic.reward(batch).numpy()
    if absorbing:
        zeros = np.zeros((1, 3), np.float32)
        rewards = rewards - critic.reward(make_batch(zeros, np.zeros((1, 1), np.float32), zeros, np.zeros(1),
                                                     absorbing=np.ones(1))).numpy()
    return rewards


@pytest.mark.parametrize("absorbing", [False, True])
def test_replay_rewards_are_relabelled_by_the_current_discriminator(absorbing):
    critic = _critic(absorbing)
    reward_fn = CriticReward(fast=False)
    reward_fn.set_critic(critic)
    buf, env_acts = _filled_buffer(reward_fn, absorbing)
    assert np.allclose(buf.env_actions(buf.actions[:, 0]), env_acts, atol=1e-5)  # D sees the env's actions
    np.random.seed(0)
    first = buf.sample(64)
    assert not np.any(first.rewards.numpy() == 123.0)  # the stored (stale) reward is never used
    assert np.allclose(first.rewards.numpy()[:, 0], _expected(critic, first, buf, absorbing), atol=1e-5)
    with torch.no_grad():  # the discriminator trains on; nobody tells the buffer
        critic.discriminator.mlp[-1].weight.mul_(-2.0)
        critic.discriminator.mlp[-1].bias.add_(0.5)
    np.random.seed(0)
    second = buf.sample(64)
    assert torch.equal(first.observations, second.observations)  # the same rows ...
    assert np.allclose(second.rewards.numpy()[:, 0], _expected(critic, second, buf, absorbing), atol=1e-5)
    assert np.abs(second.rewards.numpy() - first.rewards.numpy()).mean() > 0.1  # ... scored by the new D


def test_sac_settings_are_the_zoo_rows_with_the_gail_entropy_start():
    assert sac_settings("Pendulum-v1", purpose="rl").kwargs == {"learning_rate": 1e-3}
    assert sac_settings("Pendulum-v1").kwargs == {"learning_rate": 1e-3, "ent_coef": "auto_0.1"}
    assert sac_settings("HalfCheetah-v5", purpose="rl").kwargs == {"learning_starts": 10_000}
    assert sac_settings("Swimmer-v5").gamma == 0.9999
    mcc = sac_settings("MountainCarContinuous-v0")
    assert mcc.train_freq == 32 and mcc.buffer_size == 50_000 and mcc.kwargs["ent_coef"] == 0.1  # the zoo's
    assert sac_settings("LunarLanderContinuous-v3", purpose="rl").kwargs == {}  # no row: SB3's SAC defaults


def test_sac_on_a_discrete_env_is_one_error_line(tmp_path, capsys):
    code = main(["gail", "train", "--env", "CartPole-v1", "--demos", str(CARTPOLE_DEMOS), "--algo", "sac",
                 "--out", str(tmp_path / "run"), "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith("advrl: error:") and "Box" in err[0] and "--algo ppo" in err[0]
    assert not (tmp_path / "run").exists()  # nothing written


def test_gail_sac_cli_saves_a_standard_sac_zip_and_resumes(tmp_path, capsys):
    """Two rounds of 1,000 env steps (the second after a --resume): ~25 s."""
    import json

    from advrl.core import load_checkpoint
    from advrl.gail.sb3_io import load_policy

    out = tmp_path / "run"
    args = ["gail", "train", "--env", "Pendulum-v1", "--demos", str(PENDULUM_DEMOS), "--algo", "sac", "--out",
            str(out), "--no-progress", "--eval-episodes", "1", "--eval-every", "0", "--device", "cpu"]
    assert main(args + ["--timesteps", "1000"]) == 0
    assert "true return" in capsys.readouterr().out
    for name in ("policy.zip", "reward_net.pt", "config.json", "checkpoint.pt", "summary.json"):
        assert (out / name).is_file(), name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["settings"]["algo"] == "sac" and summary["env_steps"] == 1000
    first = load_checkpoint(out / "checkpoint.pt")
    assert first["round"] == 1 and first["generator"]["num_timesteps"] == 1000
    assert {"actor_optimizer", "critic_optimizer", "log_ent_coef"} <= first["generator"].keys()
    assert main(args + ["--timesteps", "2000", "--resume"]) == 0
    second = load_checkpoint(out / "checkpoint.pt")
    assert second["round"] == 2 and second["generator"]["num_timesteps"] == 2000
    key = "actor.mu.weight"
    assert not torch.equal(first["generator"]["policy"][key], second["generator"]["policy"][key])
    # the resumed run continued the first one's replay buffer and D's fakes instead of refilling them
    rb1, rb2 = first["generator"]["replay_buffer"], second["generator"]["replay_buffer"]
    assert (rb1["pos"], rb2["pos"]) == (1000, 2000) and len(rb2["observations"]) == 2000
    assert torch.equal(rb2["observations"][:1000], rb1["observations"])
    f1, f2 = first["generator"]["fakes"], second["generator"]["fakes"]
    assert len(f2["rounds"]) == 2 and torch.equal(f2["rounds"][0]["obs"], f1["rounds"][-1]["obs"])
    policy, algo = load_policy(out / "policy.zip", gym.make("Pendulum-v1"))  # read as any SB3 SAC zip
    assert algo == "sac" and torch.equal(policy.state_dict()[key], second["generator"]["policy"][key])


def test_buffer_rounds_with_sac_is_one_error_line(tmp_path, capsys):
    code = main(["gail", "train", "--env", "Pendulum-v1", "--demos", str(PENDULUM_DEMOS), "--algo", "sac",
                 "--buffer-rounds", "3", "--out", str(tmp_path / "run"), "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "--buffer-rounds" in err[0] and "replay" in err[0], err


def test_gail_train_help_shows_the_algo_and_its_discriminator_work(capsys):
    with pytest.raises(SystemExit):
        main(["gail", "train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--algo {ppo,sac}" in text and "(default: ppo)" in text
    assert "(default: 1 with --algo ppo, 25 with --algo sac)" in text


def test_relabelled_rewards_see_true_terminations_not_time_limit_cuts():
    """The discriminator's reward on replayed transitions gets ``dones`` = terminated, as on PPO's
    side (:func:`advrl.gail.wrapper.terminations`): a time-limit cut keeps AIRL's γh(s')."""
    env = gym.make("Pendulum-v1")
    buf = RelabellingReplayBuffer(3, env.observation_space, env.action_space, device="cpu",
                                  handle_timeout_termination=True)
    seen = []
    buf.reward_fn = lambda obs, acts, nxt, dones: seen.append(np.asarray(dones).copy()) or np.zeros(len(obs))
    obs = np.zeros((1, 3), np.float32)
    for done, cut in ((False, False), (True, False), (True, True)):  # a step, a termination, a cut
        buf.add(obs, obs, np.zeros((1, 1), np.float32), np.zeros(1), np.array([done]),
                [{"TimeLimit.truncated": cut}])
    samples = buf._get_samples(np.array([0, 1, 2]))
    np.testing.assert_array_equal(seen[-1], [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(samples.dones.numpy()[:, 0], [0.0, 1.0, 0.0])  # SAC's TD target alike
