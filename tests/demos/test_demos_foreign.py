"""The reference foreign files load by auto-detection and agree with what they store."""

from __future__ import annotations

import numpy as np
import pytest

from advrl.demos import load_demos


def test_sb2_expert_file_loads_and_returns_match_stored(shared_data):
    path = shared_data("demos", "sb2-expert-cartpole.npz")
    demos = load_demos(path, env="CartPole-v1")
    raw = np.load(path, allow_pickle=False)
    assert demos.metadata["format"] == "sb2"
    assert demos.n_steps == len(raw["actions"])
    assert demos.n_episodes == len(raw["episode_returns"]) == int(raw["episode_starts"].sum())
    np.testing.assert_allclose(demos.episode_returns, raw["episode_returns"])
    assert demos.metadata["stored_returns_match"] is True
    # Discrete actions come out as [N] int64, whatever the file's [N, 1]
    assert demos.acts.shape == (demos.n_steps,) and demos.acts.dtype == np.int64
    np.testing.assert_array_equal(demos.acts, raw["actions"][:, 0])
    # within an episode next_obs is the next row; only each episode's last step lacks one
    first = demos.episode_slices()[0]
    np.testing.assert_array_equal(demos.next_obs[first][:-1], raw["obs"][first][1:])
    assert demos.next_obs_missing.sum() == demos.n_episodes
    assert np.array_equal(demos.next_obs_missing, demos.dones)


def test_imitation_npz_loads_with_final_obs_and_skips_infos(shared_data):
    path = shared_data("demos", "imitation-cartpole-final.npz")
    demos = load_demos(path, env="CartPole-v1")
    raw = np.load(path, allow_pickle=False)
    assert demos.metadata["format"] == "imitation-npz"
    expected = [r.sum() for r in np.split(raw["rews"], raw["indices"])]
    assert demos.n_episodes == len(raw["terminal"]) == 57
    np.testing.assert_allclose(demos.episode_returns, expected)
    assert demos.episode_returns.mean() == pytest.approx(473.1, abs=0.05)
    # every trajectory's final observation is kept as next_obs of its last step
    assert not demos.next_obs_missing.any()
    obs_eps = np.split(raw["obs"], raw["indices"] + np.arange(1, len(raw["terminal"])))
    last = demos.episode_slices()[0].stop - 1
    np.testing.assert_array_equal(demos.next_obs[last], obs_eps[0][-1])
    np.testing.assert_array_equal(demos.obs[demos.episode_slices()[1]], obs_eps[1][:-1])
    assert np.array_equal(demos.terminals[demos.dones], raw["terminal"])
    assert any(s.startswith("infos") for s in demos.metadata["skipped"])
    assert "infos" not in demos.metadata


def test_imitation_infos_load_only_with_allow_pickle(shared_data):
    path = shared_data("demos", "imitation-cartpole-final.npz")
    demos = load_demos(path, allow_pickle=True)
    assert not demos.metadata["skipped"]
    assert len(demos.metadata["infos"]) == demos.n_steps


@pytest.mark.parametrize("name", ["sb2-expert-cartpole.npz", "imitation-cartpole-final.npz"])
def test_foreign_file_is_rejected_by_a_mismatched_env(shared_data, name):
    path = shared_data("demos", name)
    with pytest.raises(ValueError) as err:
        load_demos(path, env="Pendulum-v1")
    msg = str(err.value)
    assert str(path) in msg and "'obs'" in msg and "(3,)" in msg and "\n" not in msg


def test_transitions_are_float32_and_int64(shared_data):
    demos = load_demos(shared_data("demos", "sb2-expert-cartpole.npz"))
    tr = demos.transitions()
    assert set(tr) == {"obs", "acts", "next_obs", "dones"}
    assert tr["obs"].dtype == np.float32 and tr["next_obs"].dtype == np.float32
    assert tr["acts"].dtype == np.int64
    assert tr["dones"].sum() == demos.n_episodes
