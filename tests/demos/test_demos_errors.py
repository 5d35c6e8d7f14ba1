"""Bad files: each problem is one ValueError line naming the file and the field."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from advrl.demos import Episode, from_episodes, load_demos, save_demos
from demos_writers import synthetic_episodes, write_d4rl, write_hf_folder, write_minari


def _error(path, *, env=None, **kw) -> str:
    with pytest.raises(ValueError) as err:
        load_demos(path, env=env, **kw)
    msg = str(err.value)
    assert str(path) in msg, msg
    assert "\n" not in msg, msg
    return msg


def _sb2(path, n=20, obs_dim=4, **override):
    rng = np.random.default_rng(0)
    starts = np.zeros(n, bool)
    starts[[0, n // 2]] = True
    arrays = dict(actions=rng.integers(0, 2, (n, 1)), obs=rng.normal(size=(n, obs_dim)).astype(np.float32),
                  rewards=np.ones(n), episode_returns=np.array([n // 2, n - n // 2], float), episode_starts=starts)
    arrays.update(override)
    np.savez(path, **{k: v for k, v in arrays.items() if v is not None})
    return path


def _native(tmp_path, obs_dim=3, discrete=False, name="d.npz"):
    eps = synthetic_episodes(obs_dim=obs_dim, discrete=discrete)
    demos = from_episodes([Episode(obs=e["obs"], acts=e["acts"], rewards=e["rews"]) for e in eps], "x", {})
    return save_demos(demos, tmp_path / name)


def test_truncated_reference_file(tmp_path, shared_data):
    src = shared_data("demos", "sb2-expert-cartpole.npz")
    data = src.read_bytes()
    path = tmp_path / "truncated.npz"
    path.write_bytes(data[: len(data) // 2])
    msg = _error(path)
    assert "truncated or corrupt" in msg


def test_corrupt_member_names_the_field(tmp_path):
    path = _native(tmp_path)
    data = bytearray(path.read_bytes())
    # flip bytes inside the first member's compressed data, keep the zip directory intact
    for i in range(200, 260):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    msg = _error(path)
    assert "field '" in msg and ("truncated or corrupt" in msg or "could not be read" in msg)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.npz"
    path.write_bytes(b"")
    assert "empty" in _error(path)


def test_archive_with_no_steps(tmp_path):
    path = _sb2(tmp_path / "zero.npz", actions=np.zeros((0, 1), np.int64), obs=np.zeros((0, 4), np.float32),
                rewards=np.zeros(0), episode_returns=np.zeros(0), episode_starts=np.zeros(0, bool))
    msg = _error(path)
    assert "no transitions" in msg and "'actions'" in msg


def test_unrecognised_keys(tmp_path):
    path = tmp_path / "wrong.npz"
    np.savez(path, foo=np.zeros(3), bar=np.ones(3))
    msg = _error(path)
    assert "unrecognised fields ['bar', 'foo']" in msg and "expected one of" in msg


def test_missing_required_key(tmp_path):
    path = _sb2(tmp_path / "noobs.npz", obs=None)
    msg = _error(path)
    assert "missing field 'obs'" in msg


def test_length_mismatch(tmp_path):
    path = _sb2(tmp_path / "short.npz", rewards=np.ones(19))
    msg = _error(path)
    assert "'rewards'" in msg and "19" in msg and "expected 20" in msg


def test_imitation_obs_without_final_rows(tmp_path):
    path = tmp_path / "imit.npz"
    np.savez(path, obs=np.zeros((10, 4), np.float32), acts=np.zeros(10, np.int64), indices=np.array([5]),
             terminal=np.array([True, True]), rews=np.ones(10))
    msg = _error(path)
    assert "'obs'" in msg and "expected 12" in msg


def test_obs_dim_differs_from_env(tmp_path):
    path = _sb2(tmp_path / "obs5.npz", obs_dim=5)
    msg = _error(path, env="CartPole-v1")
    assert "'obs'" in msg and "(5,)" in msg and "expected (4,)" in msg and "Box" in msg


def test_continuous_actions_for_discrete_env(tmp_path):
    path = _native(tmp_path, obs_dim=4, discrete=False)
    msg = _error(path, env="CartPole-v1")
    assert "'acts'" in msg and "Discrete(2)" in msg and "non-integer" in msg


def test_discrete_actions_for_continuous_env(tmp_path):
    path = _native(tmp_path, obs_dim=3, discrete=True)
    msg = _error(path, env="Pendulum-v1")
    assert "'acts'" in msg and "Discrete" in msg and "Box" in msg and "(1,)" in msg


def test_discrete_action_out_of_range(tmp_path):
    acts = np.zeros((20, 1), np.int64)
    acts[7] = 3
    path = _sb2(tmp_path / "range.npz", actions=acts)
    msg = _error(path, env="CartPole-v1")
    assert "'acts'" in msg and "[0, 1]" in msg and "row 7" in msg


@pytest.mark.parametrize("field", ["obs", "rewards"])
def test_nan_values(tmp_path, field):
    base = dict(obs=np.zeros((20, 4), np.float32), rewards=np.ones(20))
    base[field][3] = np.nan
    path = _sb2(tmp_path / f"nan_{field}.npz", **{field: base[field]})
    msg = _error(path)
    assert f"'{field}'" in msg and "NaN" in msg and "index (3" in msg


def test_truncated_hf_shard(tmp_path):
    folder = write_hf_folder(tmp_path / "hf", synthetic_episodes(), shards=1)
    shard = next(folder.glob("data-*.arrow"))
    shard.write_bytes(shard.read_bytes()[:300])
    with pytest.raises(ValueError) as err:
        load_demos(folder)
    assert str(shard) in str(err.value) and "truncated or corrupt" in str(err.value)


def test_hf_missing_column(tmp_path):
    import pyarrow as pa

    folder = tmp_path / "hf"
    folder.mkdir()
    table = pa.table({"observations": [[[0.0]]], "acts": [[0]]})
    with pa.OSFile(str(folder / "data-00000-of-00001.arrow"), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    (folder / "dataset_info.json").write_text("{}")
    with pytest.raises(ValueError, match=r"missing column\(s\) \['obs'\]"):
        load_demos(folder)


def test_truncated_minari_file(tmp_path):
    root = write_minari(tmp_path / "m", synthetic_episodes())
    hdf5 = root / "data" / "main_data.hdf5"
    hdf5.write_bytes(hdf5.read_bytes()[:1000])
    msg = _error(hdf5)
    assert "truncated or corrupt" in msg or "could not be read" in msg


def test_minari_episode_with_wrong_obs_rows(tmp_path):
    import h5py

    root = write_minari(tmp_path / "m", synthetic_episodes())
    hdf5 = root / "data" / "main_data.hdf5"
    with h5py.File(hdf5, "a") as f:
        del f["episode_1/observations"]
        f["episode_1"].create_dataset("observations", data=np.zeros((3, 3), np.float32))
    msg = _error(hdf5)
    assert "'obs' of episode 1" in msg and "expected 7 or 8" in msg


def test_d4rl_file_faults_are_one_line(tmp_path):
    import h5py

    path = write_d4rl(tmp_path / "d.hdf5", synthetic_episodes())
    with h5py.File(path, "a") as f:
        rewards = f["rewards"][()]
        del f["rewards"]
        f.create_dataset("rewards", data=rewards[:-2])
    assert "field 'rewards' has 14 rows; expected 16" in _error(path)
    with h5py.File(path, "a") as f:
        del f["rewards"]
        f.create_dataset("rewards", data=np.zeros((16, 2)))
    assert "field 'rewards' has shape (16, 2); expected (16,)" in _error(path)
    with h5py.File(path, "a") as f:
        del f["rewards"]
        del f["next_observations"]
        f.create_dataset("next_observations", data=np.zeros((16, 4)))
    assert "field 'next_observations' has shape (16, 4); expected (16, 3)" in _error(path)
    with h5py.File(path, "a") as f:
        del f["actions"]
    assert "field 'actions' is missing" in _error(path)
    with h5py.File(path, "a") as f:
        f.create_dataset("actions", data=np.array(["a"] * 16, dtype="S1"))
    assert "field 'actions' is a |S1 array" in _error(path)
    path = write_d4rl(tmp_path / "cut.hdf5", synthetic_episodes())
    path.write_bytes(path.read_bytes()[:1500])
    assert "truncated or corrupt" in _error(path)


def test_missing_path():
    with pytest.raises(FileNotFoundError, match="no such demonstrations file"):
        load_demos("/nonexistent/demos.npz")


def test_copy_of_reference_file_with_bad_env_id(tmp_path, shared_data):
    path = tmp_path / "x.npz"
    shutil.copy(shared_data("demos", "sb2-expert-cartpole.npz"), path)
    with pytest.raises(ValueError, match="unknown env id 'NoSuchEnv-v0'"):
        load_demos(path, env="NoSuchEnv-v0")


def _native_with(tmp_path, **override) -> str:
    """A native file with some arrays replaced (``None``: left out)."""
    arrays = dict(np.load(_native(tmp_path)))
    arrays.update(override)
    path = tmp_path / "edited.npz"
    np.savez(path, **{k: v for k, v in arrays.items() if v is not None})
    return path


@pytest.mark.parametrize("override, words", [
    (dict(metadata_json=np.array("[1, 2]")), "'metadata_json' holds a JSON list; expected an object"),
    (dict(advrl_format_version=np.array("one")), "'advrl_format_version' is not an integer"),
    (dict(advrl_format_version=np.array(np.inf)), "'advrl_format_version' is not an integer"),
    (dict(obs=np.array(1.0)), "field 'obs' is a single value"),
    (dict(dones=np.zeros((16, 2), bool)), "field 'dones' has shape [16, 2]; expected [16]"),
    (dict(rewards=np.zeros((16, 3))), "field 'rewards' has shape [16, 3]; expected [16]"),
    (dict(next_obs_missing=np.zeros(3, bool)), "field 'next_obs_missing' has 3 rows; expected 16"),
])
def test_native_fields_of_the_wrong_kind(tmp_path, override, words):
    assert words in _error(_native_with(tmp_path, **override))


@pytest.mark.parametrize("lens, words", [(np.zeros(0, np.int64), "holds no episode lengths"),
                                         (np.array([150, -50]), "holds a length < 1")])
def test_baselines_episode_lengths_that_cannot_be(tmp_path, lens, words):
    path = tmp_path / "bl.npz"
    np.savez(path, obs=np.zeros((100, 4), np.float32), acs=np.zeros(100, np.int64), lens=lens, ep_rets=np.zeros(2))
    assert f"field 'lens' {words}" in _error(path)


def test_baselines_without_actions_says_the_field_is_missing(tmp_path):
    path = tmp_path / "bl.npz"
    np.savez(path, obs=np.zeros((2, 5, 4), np.float32), ep_rets=np.zeros(2))
    assert "missing field 'acs'; found fields ['ep_rets', 'obs']" in _error(path)


def test_obs_and_acts_alone_say_which_layout_was_assumed(tmp_path):
    path = tmp_path / "mine.npz"
    np.savez(path, obs=np.zeros((10, 4), np.float32), acts=np.zeros(10, np.int64))
    msg = _error(path)
    assert "read as imitation's npz" in msg and "'indices', 'terminal' are missing" in msg and "save_demos" in msg


def test_minari_episode_that_is_not_a_group(tmp_path):
    import h5py

    path = tmp_path / "main_data.hdf5"
    with h5py.File(path, "w") as f:
        f["episode_0"] = np.zeros(3)
    assert "'episode_0' is a Dataset, not a group" in _error(path)


def test_per_step_fields_of_shape_n_by_1_still_load(tmp_path):
    demos = load_demos(_native_with(tmp_path, rewards=np.ones((16, 1)), dones=np.zeros((16, 1), bool)))
    assert demos.rewards.shape == (16,) and demos.dones.shape == (16,)


def test_action_bounds_of_an_integer_box_do_not_overflow():
    import gymnasium as gym

    from advrl.demos.validate import _check_action_bounds

    space = gym.spaces.Box(-128, 127, (1,), np.int8)  # high - low overflows in int8
    _check_action_bounds(np.array([[-128], [127], [0]], np.int8), space, "x")  # at the bounds: accepted
    with pytest.raises(ValueError, match="outside the env's action bounds in 1 of 2 steps"):
        _check_action_bounds(np.array([[0.0], [500.0]]), space, "x")


class _Spaces:
    """An env stand-in: just the two spaces ``load_demos(env=...)`` checks against."""

    def __init__(self, observation_space, action_space) -> None:
        self.observation_space, self.action_space, self.spec = observation_space, action_space, None


def test_obs_in_another_layout_of_the_same_size_are_read_and_noted(tmp_path):
    path = _sb2(tmp_path / "sb2.npz", obs=np.random.default_rng(0).normal(size=(20, 2, 2)).astype(np.float32))
    demos = load_demos(path, env="CartPole-v1")
    assert demos.obs.shape == (20, 4)
    assert any("read as per-step shape (4,) from the file's (2, 2)" in note for note in demos.metadata["notes"])
    assert not any("per-step shape" in note for note in load_demos(_sb2(tmp_path / "flat.npz"),
                                                                  env="CartPole-v1").metadata["notes"])
    import gymnasium as gym  # flat values into a (2, 2) space: where the layout matters, said as well

    boxed = load_demos(_sb2(tmp_path / "flat4.npz"),
                       env=_Spaces(gym.spaces.Box(-10.0, 10.0, (2, 2)), gym.spaces.Discrete(2)))
    assert any("read as per-step shape (2, 2) from the file's (4,)" in note for note in boxed.metadata["notes"])
    with pytest.raises(ValueError, match=r"per-step shape \(3, 2\); expected \(4,\)"):
        load_demos(_sb2(tmp_path / "six.npz", obs=np.zeros((20, 3, 2), np.float32)), env="CartPole-v1")
