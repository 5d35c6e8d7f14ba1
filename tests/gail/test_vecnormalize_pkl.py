"""An expert's ``vecnormalize.pkl`` (SB3 ``VecNormalize.save``; the RL Baselines3 Zoo keeps it in
``<Env>/`` beside ``<Env>.zip``) is read without running the pickle: the statistics are applied as SB3
applies them, old Zoo files (``gym``, ``numpy.core``) read too, and a pickle that would run code is refused
in one line with nothing run."""

import os
import re
import struct
import pickle
import sys
import types
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import VecNormalize

from advrl.cli import main
from advrl.demos import load_demos
from advrl.gail.experts import ExpertPolicy
from advrl.core import UserError
from advrl.gail.vecnormalize_pkl import read_vecnormalize


def _zoo_folder(tmp_path: Path, norm_obs: bool = True) -> tuple[Path, PPO, VecNormalize]:
    """A Zoo-layout expert folder: ``Pendulum-v1.zip`` and ``Pendulum-v1/vecnormalize.pkl`` with
    statistics far from (0, 1), so that a missing normalisation shows in the actions."""
    venv = VecNormalize(make_vec_env("Pendulum-v1", n_envs=2, seed=0), norm_obs=norm_obs, gamma=0.99)
    venv.reset()
    for _ in range(50):
        venv.step(np.ones((2, 1), np.float32))
    if norm_obs:
        venv.obs_rms.mean = np.array([0.7, -0.3, 2.0])
        venv.obs_rms.var = np.array([0.05, 0.2, 9.0])
    venv.clip_obs = 3.0
    model = PPO("MlpPolicy", venv, n_steps=64, seed=0, device="cpu")
    with torch.no_grad():  # PPO's initial action head outputs ~0 everywhere: make the actions depend on obs
        model.policy.action_net.weight.normal_(0.0, 1.0, generator=torch.Generator().manual_seed(0))
    zip_path = tmp_path / "Pendulum-v1.zip"
    model.save(zip_path)
    (tmp_path / "Pendulum-v1").mkdir()
    venv.save(tmp_path / "Pendulum-v1" / "vecnormalize.pkl")
    return zip_path, model, venv


OBS = np.array([[0.9, 0.1, -1.5], [-0.2, 0.95, 6.0], [0.0, -1.0, 0.3]], np.float32)


def test_zoo_layout_statistics_are_applied_as_sb3_applies_them(tmp_path, capsys):
    zip_path, model, venv = _zoo_folder(tmp_path)
    expert = ExpertPolicy(zip_path, gym.make("Pendulum-v1"))
    assert expert.normalizer is not None and expert.normalizer.source.endswith("vecnormalize.pkl")
    for obs in OBS:
        want = model.predict(venv.normalize_obs(obs[None]), deterministic=True)[0][0]
        np.testing.assert_allclose(expert.act(obs), want, atol=1e-6)
        raw = model.predict(obs[None], deterministic=True)[0][0]
        assert not np.allclose(want, raw, atol=1e-3)  # the statistics matter for these observations
    assert main(["expert", "rollout", "--env", "Pendulum-v1", "--policy", str(zip_path), "--episodes", "1",
                 "--out", str(tmp_path / "d.npz")]) == 0
    assert "normalised with the expert's statistics from" in capsys.readouterr().out
    assert load_demos(tmp_path / "d.npz").metadata["obs_norm"].endswith(os.path.join("Pendulum-v1", "vecnormalize.pkl"))


def test_statistics_beside_the_zip_and_norm_obs_off(tmp_path):
    zip_path, model, venv = _zoo_folder(tmp_path)
    (tmp_path / "Pendulum-v1" / "vecnormalize.pkl").rename(tmp_path / "vecnormalize.pkl")
    stats = read_vecnormalize(tmp_path / "vecnormalize.pkl")
    np.testing.assert_array_equal(stats["mean"], venv.obs_rms.mean)
    np.testing.assert_array_equal(stats["var"], venv.obs_rms.var)
    assert (stats["clip"], stats["epsilon"]) == (3.0, venv.epsilon)
    assert ExpertPolicy(zip_path, gym.make("Pendulum-v1")).normalizer is not None
    off = tmp_path / "off"
    off.mkdir()
    zip_off, _, _ = _zoo_folder(off, norm_obs=False)
    assert ExpertPolicy(zip_off, gym.make("Pendulum-v1")).normalizer is None


def _as_old_zoo_file(venv: VecNormalize, monkeypatch) -> bytes:
    """``venv`` pickled as an old Zoo file names things: spaces of the retired ``gym`` package,
    NumPy 1's ``numpy.core.multiarray``, protocol 2 (bytes through ``_codecs.encode``)."""
    state = venv.__getstate__()
    fake = {}
    for name in ("gym", "gym.spaces", "gym.spaces.box"):
        fake[name] = types.ModuleType(name)
        monkeypatch.setitem(sys.modules, name, fake[name])
    box = type("Box", (), {"__module__": "gym.spaces.box"})
    fake["gym.spaces.box"].Box = box
    for key in ("observation_space", "action_space"):
        old = box()
        old.__dict__.update({"low": state[key].low, "high": state[key].high, "shape": state[key].shape,
                             "dtype": state[key].dtype, "np_random": None})
        state[key] = old
    module = "stable_baselines3.common.vec_env.vec_normalize"  # a stand-in class pickles under the real name
    monkeypatch.setitem(sys.modules, module, types.ModuleType(module))
    sys.modules[module].VecNormalize = type("VecNormalize", (), {"__module__": module})
    vecnorm = sys.modules[module].VecNormalize()
    vecnorm.__dict__.update(state)
    data = pickle.dumps(vecnorm, protocol=2)
    assert b"numpy._core.multiarray" in data and b"gymnasium" not in data
    return data.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")


def test_old_zoo_pickle_reads_the_same(tmp_path, monkeypatch):
    _, _, venv = _zoo_folder(tmp_path)
    old = tmp_path / "old.pkl"
    old.write_bytes(_as_old_zoo_file(venv, monkeypatch))
    monkeypatch.undo()
    stats = read_vecnormalize(old)
    np.testing.assert_array_equal(stats["mean"], venv.obs_rms.mean)
    np.testing.assert_array_equal(stats["var"], venv.obs_rms.var)
    assert stats["clip"] == 3.0


def test_every_pickle_protocol_reads_the_same(tmp_path):
    _, _, venv = _zoo_folder(tmp_path)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):  # VecNormalize.save pickles itself (less its env)
        path = tmp_path / f"p{protocol}.pkl"
        path.write_bytes(pickle.dumps(venv, protocol=protocol))
        stats = read_vecnormalize(path, (3,))
        np.testing.assert_array_equal(stats["mean"], venv.obs_rms.mean)
        np.testing.assert_array_equal(stats["var"], venv.obs_rms.var)


class _SetsState:
    """Pickles as a call of an allowed global whose result is not a record, then a state to set on it."""

    def __reduce__(self):
        import codecs

        return (codecs.encode, ("x", "latin1"), {"__class__": 1})


@pytest.mark.parametrize("payload", [
    np.array([1, "a"], dtype=object),  # object arrays: pointers, or objects built by the pickle
    np.zeros(2, dtype=[("a", "f8")]),  # structured dtypes: fields, flags
    _SetsState(),  # BUILD on something other than a record
])
def test_objects_structured_dtypes_and_foreign_state_are_refused(tmp_path, payload):
    path = tmp_path / "v.pkl"
    path.write_bytes(pickle.dumps({"obs_rms": payload}))
    with pytest.raises(UserError, match="not a readable VecNormalize pickle"):
        read_vecnormalize(path)


def test_statistics_of_another_shape_or_out_of_range_are_one_line(tmp_path):
    _, _, venv = _zoo_folder(tmp_path)
    path = tmp_path / "v.pkl"
    venv.save(path)
    with pytest.raises(UserError, match=r"shape \(3,\); this env's observations have shape \(5,\)"):
        read_vecnormalize(path, (5,))
    venv.clip_obs = -1.0
    venv.save(path)
    with pytest.raises(UserError, match="'clip_obs' is -1.0"):
        read_vecnormalize(path, (3,))


def test_zoo_best_model_and_checkpoints_find_their_statistics(tmp_path, capsys):
    zip_path, model, venv = _zoo_folder(tmp_path)
    best = tmp_path / "best_model.zip"  # the Zoo's --load-best: stats still in <Env>/
    best.write_bytes(zip_path.read_bytes())
    assert ExpertPolicy(best, gym.make("Pendulum-v1")).normalizer.source.endswith(
        os.path.join("Pendulum-v1", "vecnormalize.pkl"))
    checkpoint = tmp_path / "rl_model_1000_steps.zip"  # SB3's CheckpointCallback(save_vecnormalize=True)
    checkpoint.write_bytes(zip_path.read_bytes())
    venv.obs_rms.mean = np.array([0.0, 0.0, -2.0])
    venv.save(tmp_path / "rl_model_vecnormalize_1000_steps.pkl")
    found = ExpertPolicy(checkpoint, gym.make("Pendulum-v1")).normalizer
    assert found.source.endswith("rl_model_vecnormalize_1000_steps.pkl") and found.mean[2] == -2.0
    (tmp_path / "Other-v0").mkdir()  # two sub-folders' statistics and none of the zip's own: ambiguous
    venv.save(tmp_path / "Other-v0" / "vecnormalize.pkl")
    assert main(["expert", "rollout", "--env", "Pendulum-v1", "--policy", str(best), "--episodes", "1",
                 "--out", str(tmp_path / "d.npz")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "several sub-folders" in err[0], err


class _RunsCode:
    def __reduce__(self):
        return (os.system, (f"touch {_RunsCode.marker}",))


def test_pickle_that_would_run_code_is_one_line_and_runs_nothing(tmp_path, capsys):
    zip_path, _, _ = _zoo_folder(tmp_path)
    _RunsCode.marker = tmp_path / "ran"
    (tmp_path / "Pendulum-v1" / "vecnormalize.pkl").write_bytes(pickle.dumps({"obs_rms": _RunsCode()}))
    assert main(["expert", "rollout", "--env", "Pendulum-v1", "--policy", str(zip_path), "--episodes", "1",
                 "--out", str(tmp_path / "d.npz")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "vecnormalize.pkl" in err[0] and "system', which is not allowed" in err[0], err
    assert not _RunsCode.marker.exists() and not (tmp_path / "d.npz").exists()


def test_zoo_config_asking_for_normalisation_without_statistics_is_one_line(tmp_path, capsys):
    zip_path, _, _ = _zoo_folder(tmp_path)
    folder = tmp_path / "Pendulum-v1"
    (folder / "vecnormalize.pkl").unlink()
    (folder / "config.yml").write_text("!!python/object/apply:collections.OrderedDict\n"
                                       "- - - normalize\n    - true\n  - - n_timesteps\n    - 1000000.0\n")
    assert main(["expert", "rollout", "--env", "Pendulum-v1", "--policy", str(zip_path), "--episodes", "1",
                 "--out", str(tmp_path / "d.npz")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "config.yml" in err[0] and "vecnormalize.pkl" in err[0], err


@pytest.mark.parametrize("garble", ["truncated", "dict_obs"])
def test_unreadable_statistics_are_one_line(tmp_path, capsys, garble):
    zip_path, _, venv = _zoo_folder(tmp_path)
    pkl = tmp_path / "Pendulum-v1" / "vecnormalize.pkl"
    if garble == "truncated":
        pkl.write_bytes(pkl.read_bytes()[:-40])
    else:  # statistics per key of a Dict observation space
        venv.obs_rms = {"observation": venv.obs_rms}
        venv.save(pkl)
    assert main(["expert", "rollout", "--env", "Pendulum-v1", "--policy", str(zip_path), "--episodes", "1",
                 "--out", str(tmp_path / "d.npz")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "vecnormalize.pkl" in err[0], err


# --- hand-assembled hostile files (protocol 2 opcodes): each is one UserError, fast, in bounded memory ---
def _g(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def _s(text: str) -> bytes:
    raw = text.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


def _vecnormalize(norm_obs: bytes) -> bytes:
    """A record of VecNormalize's state whose norm_obs is ``norm_obs`` (and nothing else)."""
    return (b"\x80\x02" + _g("stable_baselines3.common.vec_env.vec_normalize", "VecNormalize") + b")R}("
            + _s("norm_obs") + norm_obs + b"ub.")


HOSTILE = {
    # BYTEARRAY8 announcing 1 GiB in a 20-byte file: pickle's own machine allocates it before reading
    "bytearray8": (b"\x80\x05\x96" + struct.pack("<Q", 1 << 30) + b".", "BYTEARRAY8 of 1073741824 bytes"),
    # one 1 MiB latin-1 text encoded 64 times through the memo: far more bytes than the file holds
    "memo amplification": (b"\x80\x02" + _s("a" * (1 << 20)) + b"q\x01]q\x02"
                           + (_g("_codecs", "encode") + b"h\x01" + _s("latin1") + b"\x86Ra") * 64 + b".",
                           "far more data than the file holds"),
    "items set on a record": (b"\x80\x02" + _g("gym.spaces.box", "Box") + b")R" + _s("k") + _s("v") + b"s.",
                              "sets items of a _Record"),
    "truncated opcode argument": (b"\x80\x02]r\x01\x00\x00", "unpack requires"),
    "long double dtype": (b"\x80\x02" + _g("numpy", "dtype") + _s("f16") + b"\x89\x88\x87R.", "dtype 'f16'"),
    "huge integer, never printed": (_vecnormalize(b"\x8a\xa0" + b"\x7f" * 160), "field 'norm_obs' is an int"),
    "array made without its arguments": (_vecnormalize(_g("numpy.core.multiarray", "_reconstruct") + b")\x81"),
                                         "field 'norm_obs' is a NoneType"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_are_one_line_in_bounded_memory(tmp_path, name):
    data, needle = HOSTILE[name]
    path = tmp_path / "vecnormalize.pkl"
    path.write_bytes(data)
    with pytest.raises(UserError, match=re.escape(needle)):
        read_vecnormalize(path)


def test_another_policys_statistics_or_config_in_a_sibling_folder_are_not_used(tmp_path):
    zip_path, _, _ = _zoo_folder(tmp_path)  # Pendulum-v1.zip + Pendulum-v1/vecnormalize.pkl
    other = tmp_path / "Other-v1.zip"  # another policy of the same folder, trained without normalisation
    other.write_bytes(zip_path.read_bytes())
    (tmp_path / "Other-v1").mkdir()
    (tmp_path / "Other-v1" / "config.yml").write_text(
        "!!python/object/apply:collections.OrderedDict\n- - - normalize\n    - false\n")
    assert ExpertPolicy(other, gym.make("Pendulum-v1")).normalizer is None
    (tmp_path / "Pendulum-v1" / "vecnormalize.pkl").unlink()  # a sibling's config asking for statistics
    (tmp_path / "Pendulum-v1" / "config.yml").write_text(
        "!!python/object/apply:collections.OrderedDict\n- - - normalize\n    - true\n")
    assert ExpertPolicy(other, gym.make("Pendulum-v1")).normalizer is None
    with pytest.raises(UserError, match=r"Pendulum-v1/config.yml says it was trained with observation normalisation"):
        ExpertPolicy(zip_path, gym.make("Pendulum-v1"))
