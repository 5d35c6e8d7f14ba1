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
    fixed = envs.fixed_horizon_id("LunarLander-v3" if "LunarLander-v3" in gym.registry else "MountainCar-v0")
    assert envs.base_env_id(fixed) != fixed
    assert envs.fixed_horizon_id(fixed) == fixed


def test_cli_unknown_env_is_one_clear_error_line(capsys, tmp_path):
    code = main(["gail", "train", "--env", "CartPol-v1", "--demos", str(tmp_path / "x.npz"), "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "unknown env id 'CartPol-v1'" in err[0]
