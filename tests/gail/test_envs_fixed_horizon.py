"""Fixed-horizon registrations: exact episode length, true return preserved,
clear errors for unknown ids."""

import gymnasium as gym
import numpy as np
import pytest

import envs
from advrl.cli import main


def _run(env_id: str, actions: list, seed: int = 0):
    env = gym.make(env_id)
    env.reset(seed=seed)
    total, steps, infos, obs_seq = 0.0, 0, [], []
    for act in actions:
        obs, rew, term, trunc, info = env.step(act)
        total += rew
        steps += 1
        infos.append(info)
        obs_seq.append(obs)
        if term or trunc:
            break
    return total, steps, infos, obs_seq, term


@pytest.mark.parametrize("orig", ["CartPole-v1", "Acrobot-v1", "MountainCar-v0"])
def test_fixed_horizon_episode_lasts_exactly_the_horizon_and_keeps_the_return(orig):
    fixed_id = envs.fixed_horizon_id(orig)
    horizon = gym.spec(orig).max_episode_steps
    rng = np.random.default_rng(1)
    actions = list(rng.integers(gym.make(orig).action_space.n, size=horizon + 5))
    ret_orig, len_orig, _, _, terminated = _run(orig, actions)
    ret_fixed, len_fixed, infos, obs_seq, term_fixed = _run(fixed_id, actions)
    assert len_fixed == horizon
    assert not term_fixed  # only truncation ends a fixed-horizon episode
    assert ret_fixed == pytest.approx(ret_orig)  # absorbing steps add 0
    if terminated and len_orig < horizon:
        assert infos[len_orig - 1].get("true_terminated")
        assert all(i["absorbing"] for i in infos[len_orig:])
        # the absorbing observation is the terminal one, repeated
        np.testing.assert_array_equal(obs_seq[-1], obs_seq[len_orig - 1])


def test_random_cartpole_terminates_early_in_the_original_env():
    # makes the test above meaningful for CartPole: the random episode does end early
    rng = np.random.default_rng(1)
    _, length, _, _, terminated = _run("CartPole-v1", list(rng.integers(2, size=600)))
    assert terminated and length < 100


def test_horizon_env_id_errors_are_clear():
    from advrl.core import UserError
    from advrl.gail import make_horizon

    with pytest.raises(UserError, match="unknown env id 'NoSuchEnv-v9'"):
        envs.fixed_horizon_id("NoSuchEnv-v9")
    with pytest.raises(UserError, match="--horizon"):
        make_horizon("sometimes")
    assert envs.base_env_id("advrl/PendulumFixed-v1") == "Pendulum-v1"
    # any registered env gets a fixed-horizon id on demand, and maps back
    fixed = envs.fixed_horizon_id("CartPole-v0")  # not one of the pre-registered five
    assert envs.base_env_id(fixed) == "CartPole-v0" != fixed
    assert envs.fixed_horizon_id(fixed) == fixed


def test_cli_unknown_env_is_one_clear_error_line(capsys, tmp_path):
    code = main(["gail", "train", "--env", "CartPol-v1", "--demos", str(tmp_path / "x.npz"), "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "unknown env id 'CartPol-v1'" in err[0]


@pytest.mark.parametrize("mode", ["none", "absorbing", "fixed"])
@pytest.mark.parametrize("terminals_known", [True, False])
def test_expert_dones_are_true_terminations_not_time_limit_cuts(mode, terminals_known):
    """The discriminator's real data marks an episode's end as done only where the MDP
    terminated before the time limit (as the reward wrapper does for the policy), so
    AIRL's f keeps γh(s') at a time-limit cut. The fixed-horizon env never terminates."""
    from advrl.demos.dataset import Episode, from_episodes
    from advrl.gail import make_horizon

    rng = np.random.default_rng(0)
    lengths, terminated = [3, 5, 4], [True, True, False]  # time limit 5: episode 2 was cut, not ended
    episodes = [Episode(obs=rng.normal(size=(t + 1, 4)), acts=rng.integers(2, size=t),
                        terminated=term if terminals_known else None) for t, term in zip(lengths, terminated)]
    demos = from_episodes(episodes, "demo.npz", {})
    tr = make_horizon(mode).expert_transitions(demos, 5, gym.spaces.Discrete(2))
    if mode == "fixed":
        padded = 12 + 2 + (0 if terminals_known else 1)  # early ends padded to the horizon
        assert len(tr["dones"]) == padded and not tr["dones"].any()
        return
    absorbing = tr.get("absorbing", np.zeros(len(tr["dones"])))
    real = tr["dones"][absorbing < 0.5]
    expected = np.zeros(12)
    expected[2] = 1.0  # the 3-step episode terminated
    # the 5-step one terminated at the limit (as SB3 tells the policy's side: terminated, not truncated); a file
    # without terminal flags flags every end, so there only an episode shorter than the limit counts as ended
    expected[7] = 1.0 if terminals_known else 0.0
    expected[11] = 0.0 if terminals_known else 1.0  # episode 3 was cut (unknown: shorter than the limit, ended)
    np.testing.assert_array_equal(real, expected)


@pytest.mark.parametrize("mode", ["none", "absorbing"])
def test_expert_rows_without_a_next_observation_at_a_cut_are_left_out(mode):
    """A file without final observations (SB2 / baselines layouts) has s' = s at each episode's last
    step: where that step was a cut, not a termination, a reward of s' (AIRL's f) cannot score it."""
    from advrl.demos.dataset import Episode, from_episodes
    from advrl.gail import make_horizon

    rng = np.random.default_rng(1)
    # no final observation (obs has T rows), no terminal flags: a 3-step early end and a 5-step cut (limit 5)
    episodes = [Episode(obs=rng.normal(size=(t, 4)), acts=rng.integers(2, size=t)) for t in (3, 5)]
    demos = from_episodes(episodes, "sb2.npz", {})
    assert demos.next_obs_missing.sum() == 2
    tr = make_horizon(mode).expert_transitions(demos, 5, gym.spaces.Discrete(2))
    real = tr.get("absorbing", np.zeros(len(tr["dones"]))) < 0.5
    assert real.sum() == 7  # the cut's last row is gone; the early end's stays, done
    np.testing.assert_array_equal(tr["obs"][real], demos.obs[:7].astype(np.float32))
    np.testing.assert_array_equal(tr["dones"][real], [0, 0, 1, 0, 0, 0, 0])
    # without a time limit (max_steps None; mode none only) the file's flags stand: both ends are terminations
    if mode == "none":
        tr = make_horizon(mode).expert_transitions(demos, None, gym.spaces.Discrete(2))
        np.testing.assert_array_equal(tr["dones"], [0, 0, 1, 0, 0, 0, 0, 1])
