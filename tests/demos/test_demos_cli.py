"""``advrl demos inspect`` / ``convert``: output, exit codes, one-line errors."""

from __future__ import annotations

import json

import numpy as np

from advrl.cli import main
from advrl.demos import load_demos
from demos_writers import synthetic_episodes, write_minari


def test_inspect_reference_file(shared_data, capsys):
    path = shared_data("demos", "imitation-cartpole-final.npz")
    assert main(["demos", "inspect", str(path), "--env", "CartPole-v1"]) == 0
    out = capsys.readouterr().out
    assert "imitation-npz" in out and "CartPole-v1" in out
    assert "57" in out and "26964" in out
    assert "min 393, mean 473.1, max 500" in out
    assert "473.05 ±" in out
    assert "Discrete(n>=2)" in out and "shape=(4,)" in out
    assert "infos (pickled object array" in out


def test_inspect_reports_stored_return_check(shared_data, capsys):
    path = shared_data("demos", "sb2-expert-cartpole.npz")
    assert main(["demos", "inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "'episode_returns' mean 495.27: match with recomputed" in out


def test_inspect_json_summary(tmp_path, capsys):
    eps = synthetic_episodes()
    root = write_minari(tmp_path / "m", eps)
    assert main(["demos", "inspect", str(root), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["format"] == "minari" and summary["episodes"] == 3 and summary["steps"] == 16
    assert summary["lengths"] == {"mean": 16 / 3, "std": np.std([5, 7, 4]), "min": 4.0, "max": 7.0}
    assert summary["returns"]["max"] == max(e["rews"].sum() for e in eps)
    assert summary["terminations"] == 2 and summary["truncations_or_unknown"] == 1
    assert summary["skipped"] == ["infos"]


def test_convert_writes_native_file(shared_data, tmp_path, capsys):
    src = shared_data("demos", "sb2-expert-cartpole.npz")
    out = tmp_path / "out" / "cartpole.npz"
    assert main(["demos", "convert", str(src), str(out), "--env", "CartPole-v1"]) == 0
    assert "100 episodes, 49527 steps" in capsys.readouterr().out
    raw = np.load(out, allow_pickle=False)
    assert int(raw["advrl_format_version"]) == 1
    original = load_demos(src, env="CartPole-v1")
    converted = load_demos(out, env="CartPole-v1")
    for name in ("obs", "acts", "next_obs", "dones", "terminals", "rewards", "next_obs_missing"):
        np.testing.assert_array_equal(getattr(original, name), getattr(converted, name))
    assert converted.metadata["original_format"] == "sb2" and converted.metadata["env_id"] == "CartPole-v1"
    assert converted.metadata["stored_returns_match"] is True


def test_errors_are_one_line_with_exit_code_2(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip at all")
    assert main(["demos", "inspect", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("advrl: error: ") and str(bad) in err and len(err.splitlines()) == 1

    root = write_minari(tmp_path / "m", synthetic_episodes())
    out = tmp_path / "never.npz"
    assert main(["demos", "convert", str(root), str(out), "--env", "CartPole-v1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "'obs'" in err and "expected (4,)" in err and len(err.splitlines()) == 1
    assert not out.exists()
