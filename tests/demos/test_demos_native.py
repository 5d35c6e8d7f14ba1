"""The native format: exact round trip, numpy-only reading, atomic writes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from advrl.demos import Demonstrations, Episode, from_episodes, load_demos, save_demos
from demos_writers import synthetic_episodes

FIELDS = ("obs", "acts", "next_obs", "dones", "terminals", "rewards", "next_obs_missing")


def _demos(discrete=False, final_obs=True):
    eps = synthetic_episodes(discrete=discrete, obs_dim=4 if discrete else 3)
    return from_episodes(
        [Episode(obs=e["obs"] if final_obs else e["obs"][:-1], acts=e["acts"], rewards=e["rews"],
                 terminated=i != 1) for i, e in enumerate(eps)],
        "synthetic", {"format": "test", "env_id": "Pendulum-v1", "skipped": []},
    )


@pytest.mark.parametrize("discrete,final_obs", [(False, True), (True, False)])
def test_round_trip_is_exact(tmp_path, discrete, final_obs):
    demos = _demos(discrete, final_obs)
    out = save_demos(demos, tmp_path / "d.npz")
    back = load_demos(out)
    for name in FIELDS:
        a, b = getattr(demos, name), getattr(back, name)
        assert a.dtype == b.dtype and a.shape == b.shape, name
        np.testing.assert_array_equal(a, b, err_msg=name)
    assert back.metadata["format"] == "advrl" and back.metadata["original_format"] == "test"
    assert back.metadata["env_id"] == "Pendulum-v1"
    assert [s.stop for s in back.episode_slices()] == list(np.cumsum([5, 7, 4]))
    # a second round trip is a fixed point
    again = load_demos(save_demos(back, tmp_path / "e.npz"))
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(back, name), getattr(again, name))


def test_episode_structure_from_episodes():
    demos = _demos(final_obs=True)
    assert demos.n_episodes == 3 and list(demos.episode_lengths) == [5, 7, 4]
    assert list(demos.terminals[demos.dones]) == [True, False, True]
    eps = synthetic_episodes()
    np.testing.assert_allclose(demos.episode_returns, [e["rews"].sum() for e in eps])
    np.testing.assert_array_equal(demos.next_obs[4], eps[0]["obs"][5])
    without = _demos(final_obs=False)
    assert without.next_obs_missing.sum() == 3
    np.testing.assert_array_equal(without.next_obs[4], without.obs[4])


def test_native_file_reads_with_numpy_alone(tmp_path):
    out = save_demos(_demos(), tmp_path / "d.npz")
    raw = np.load(out, allow_pickle=False)
    assert int(raw["advrl_format_version"]) == 1
    assert {"obs", "acts", "next_obs", "dones", "terminals", "rewards", "metadata_json"} <= set(raw.files)
    assert json.loads(str(raw["metadata_json"]))["env_id"] == "Pendulum-v1"


def test_save_is_atomic(tmp_path, monkeypatch):
    target = tmp_path / "d.npz"
    save_demos(_demos(), target)
    before = target.read_bytes()

    def broken(fh, **arrays):
        fh.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez_compressed", broken)
    with pytest.raises(OSError):
        save_demos(_demos(discrete=True), target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["d.npz"]


def test_unknown_native_version_is_refused(tmp_path):
    demos = _demos()
    path = tmp_path / "v2.npz"
    np.savez(path, advrl_format_version=np.array(2), obs=demos.obs, acts=demos.acts, next_obs=demos.next_obs,
             dones=demos.dones, terminals=demos.terminals)
    with pytest.raises(ValueError, match="advrl_format_version.*expected 1"):
        load_demos(path)


def test_load_demos_accepts_an_env_instance(tmp_path):
    import gymnasium as gym

    out = save_demos(_demos(), tmp_path / "d.npz")
    env = gym.make("Pendulum-v1")
    try:
        demos = load_demos(out, env=env)
    finally:
        env.close()
    assert demos.acts.shape == (16, 1) and demos.acts.dtype == np.float32


def test_demonstrations_is_a_plain_dataclass():
    demos = _demos()
    assert isinstance(demos, Demonstrations)
    assert demos.n_steps == 16 and demos.transitions()["acts"].dtype == np.float32


def test_explicit_format_and_unknown_format(tmp_path):
    out = save_demos(_demos(), tmp_path / "d.npz")
    assert load_demos(out, format="advrl").n_steps == 16
    with pytest.raises(ValueError, match="unknown demonstrations format 'npy'"):
        load_demos(out, format="npy")
    with pytest.raises(ValueError, match="missing field 'actions'"):
        load_demos(out, format="sb2")


def test_pickled_infos_are_not_written_to_native_files(tmp_path):
    demos = _demos()
    demos.metadata["infos"] = [{"TimeLimit.truncated": False}] * demos.n_steps
    raw = np.load(save_demos(demos, tmp_path / "d.npz"), allow_pickle=False)
    meta = json.loads(str(raw["metadata_json"]))
    assert "infos" not in meta and meta["dropped_metadata"] == ["infos"]
