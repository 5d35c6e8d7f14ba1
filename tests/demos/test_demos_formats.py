"""Synthetic files in each foreign layout load with the right episode structure."""

from __future__ import annotations

import numpy as np
import pytest

from advrl.demos import detect_format, load_demos
from demos_writers import (LENGTHS, synthetic_episodes, write_baselines_objects, write_baselines_stacked,
                           write_d4rl, write_hf_folder, write_minari)


@pytest.fixture
def episodes():
    return synthetic_episodes()


def _check_structure(demos, eps, final_obs: bool):
    assert demos.n_episodes == len(eps)
    assert list(demos.episode_lengths) == [len(e["acts"]) for e in eps]
    np.testing.assert_allclose(demos.episode_returns, [e["rews"].sum() for e in eps])
    for s, e in zip(demos.episode_slices(), eps):
        np.testing.assert_allclose(demos.obs[s], e["obs"][:-1], rtol=1e-6)
        np.testing.assert_allclose(demos.acts[s].reshape(e["acts"].shape), e["acts"], rtol=1e-6)
        if final_obs:
            np.testing.assert_allclose(demos.next_obs[s], e["obs"][1:], rtol=1e-6)
        else:
            np.testing.assert_allclose(demos.next_obs[s][:-1], e["obs"][1:-1], rtol=1e-6)
            assert demos.next_obs_missing[s][-1] and not demos.next_obs_missing[s][:-1].any()
    assert demos.dones.sum() == len(eps)


def test_baselines_stacked_with_lengths(tmp_path, episodes):
    path = write_baselines_stacked(tmp_path / "expert.npz", episodes)
    assert detect_format(path) == "baselines"
    demos = load_demos(path, env="Pendulum-v1")
    _check_structure(demos, episodes, final_obs=False)
    assert demos.metadata["stored_returns_match"] is True
    assert demos.metadata["stored_returns_field"] == "ep_rets"


def test_baselines_stored_returns_mismatch_is_reported(tmp_path, episodes):
    path = write_baselines_stacked(tmp_path / "expert.npz", episodes)
    with np.load(path) as raw:
        arrays = dict(raw)
    arrays["ep_rets"] = arrays["ep_rets"] + np.array([0.0, 5.0, 0.0])
    np.savez(path, **arrays)
    demos = load_demos(path)
    assert demos.metadata["stored_returns_match"] is False
    assert demos.metadata["stored_returns_max_abs_diff"] == pytest.approx(5.0)


def test_baselines_object_arrays_need_allow_pickle(tmp_path, episodes):
    path = write_baselines_objects(tmp_path / "ragged.npz", episodes)
    with pytest.raises(ValueError) as err:
        load_demos(path)
    assert str(path) in str(err.value) and "'obs'" in str(err.value) and "allow_pickle=True" in str(err.value)
    demos = load_demos(path, allow_pickle=True)
    _check_structure(demos, episodes, final_obs=False)


def test_baselines_discrete_stacked(tmp_path):
    eps = synthetic_episodes(lengths=(6, 6), obs_dim=4, discrete=True)
    path = write_baselines_stacked(tmp_path / "cartpole.npz", eps)
    demos = load_demos(path, env="CartPole-v1")
    assert demos.acts.shape == (12,) and demos.acts.dtype == np.int64
    _check_structure(demos, eps, final_obs=False)


def test_imitation_hf_folder(tmp_path, episodes):
    path = write_hf_folder(tmp_path / "hf", episodes)
    assert detect_format(path) == "imitation-hf"
    demos = load_demos(path, env="Pendulum-v1")
    _check_structure(demos, episodes, final_obs=True)
    # terminal flags per trajectory: row i % 2 == 0 within each shard (rows 0,1 | 0)
    assert list(demos.terminals[demos.dones]) == [True, False, True]
    assert any(s.startswith("infos") for s in demos.metadata["skipped"])


def test_imitation_hf_discrete(tmp_path):
    eps = synthetic_episodes(obs_dim=4, discrete=True)
    demos = load_demos(write_hf_folder(tmp_path / "hf", eps, shards=1), env="CartPole-v1")
    assert demos.acts.dtype == np.int64
    _check_structure(demos, eps, final_obs=True)


@pytest.mark.parametrize("as_file", [False, True])
def test_minari_dataset(tmp_path, episodes, as_file):
    root = write_minari(tmp_path / "pendulum-expert-v0", episodes)
    path = root / "data" / "main_data.hdf5" if as_file else root
    assert detect_format(path) == "minari"
    demos = load_demos(path, env="Pendulum-v1")
    _check_structure(demos, episodes, final_obs=True)
    # last episode ended by truncation, the others by termination
    assert list(demos.terminals[demos.dones]) == [True, True, False]
    assert demos.metadata["env_id"] == "Pendulum-v1"
    assert demos.metadata["skipped"] == ["infos"]


def test_minari_episode_groups_are_ordered_numerically(tmp_path):
    eps = synthetic_episodes(lengths=tuple(range(2, 14)))
    demos = load_demos(write_minari(tmp_path / "m", eps))
    assert list(demos.episode_lengths) == list(range(2, 14))


@pytest.mark.parametrize("next_observations", [True, False])
def test_d4rl_file_splits_at_terminals_and_timeouts(tmp_path, episodes, next_observations):
    path = write_d4rl(tmp_path / "pendulum-expert-v2.hdf5", episodes, ends=["terminal", "timeout", "terminal"],
                      next_observations=next_observations)
    assert detect_format(path) == "d4rl"
    demos = load_demos(path, env="Pendulum-v1")
    _check_structure(demos, episodes, final_obs=next_observations)
    assert list(demos.terminals[demos.dones]) == [True, False, True]  # a timeout is no termination
    assert demos.metadata["format"] == "d4rl" and sorted(demos.metadata["skipped"]) == ["infos", "metadata"]
    assert any("next_observations" in note for note in demos.metadata["notes"]) != next_observations


def test_d4rl_rows_after_the_last_end_are_a_truncated_episode(tmp_path, episodes):
    demos = load_demos(write_d4rl(tmp_path / "cut.hdf5", episodes, cut_last=True))
    _check_structure(demos, episodes, final_obs=True)
    assert list(demos.terminals[demos.dones]) == [False, False, False]


def test_d4rl_v0_without_timeouts_says_so(tmp_path, episodes):
    demos = load_demos(write_d4rl(tmp_path / "v0.hdf5", episodes, ends=["terminal"] * 3, timeouts=False))
    _check_structure(demos, episodes, final_obs=True)
    assert any("timeouts" in note for note in demos.metadata["notes"])


def test_d4rl_hidden_ends_found_from_next_observations_and_no_terminals_field(tmp_path, episodes):
    import h5py

    path = write_d4rl(tmp_path / "qlds.hdf5", episodes, ends=["timeout", "timeout", "terminal"], timeouts=False)
    demos = load_demos(path)  # a v0 / qlearning_dataset-style file: the timeouts only show in next_observations
    _check_structure(demos, episodes, final_obs=True)
    assert list(demos.terminals[demos.dones]) == [False, False, True]
    assert any("2 episode end(s) neither terminal nor timeout" in note for note in demos.metadata["notes"])
    with h5py.File(path, "a") as f:
        del f["terminals"]
    demos = load_demos(path)
    assert demos.n_episodes == 3 and demos.metadata["terminals_known"] is False  # as Minari's reader says it
    assert any("no 'terminals'" in note for note in demos.metadata["notes"])
    with h5py.File(path, "a") as f:  # next observations stored at another precision: the same rows
        next_obs = f["next_observations"][()].astype(np.float64) * (1 + 1e-7)
        del f["next_observations"]
        f.create_dataset("next_observations", data=next_obs)
    assert load_demos(path).n_episodes == 3


def test_lengths_fixture_is_what_the_writers_use(episodes):
    assert [len(e["acts"]) for e in episodes] == list(LENGTHS)
