"""`advrl expert train|rollout`: shipped experts load safely and reproduce their
manifest returns; rollouts write native demos; bad input is one error line."""

import json
from pathlib import Path

import numpy as np
import pytest

from advrl.cli import main
from advrl.demos import load_demos
from advrl.gail.experts import evaluate_expert
from advrl.gail.sb3_io import load_ppo

ROOT = Path(__file__).resolve().parents[2] / "experts"


def test_rollout_of_shipped_cartpole_expert_writes_native_demos(tmp_path, capsys):
    out = tmp_path / "d.npz"
    assert main(["expert", "rollout", "--env", "CartPole-v1", "--policy", str(ROOT / "CartPole-v1-ppo.zip"),
                 "--episodes", "2", "--out", str(out)]) == 0
    demos = load_demos(out, env="CartPole-v1")
    assert demos.n_episodes == 2
    np.testing.assert_allclose(demos.episode_returns, [500.0, 500.0])
    assert demos.metadata["env_id"] == "CartPole-v1"
    assert "500.00" in capsys.readouterr().out


def test_shipped_demo_files_match_their_env_and_manifest():
    manifest = json.loads((ROOT / "MANIFEST.json").read_text())
    assert manifest["files"], "manifest lists no files"
    for entry in manifest["files"]:
        if entry["kind"] != "demos":
            continue
        demos = load_demos(ROOT / entry["path"], env=entry["env_id"])
        assert demos.n_episodes == entry["episodes"]
        assert demos.episode_returns.mean() == pytest.approx(entry["mean_return"], abs=0.01)
        # small enough to ship: classic control under 600 KB, MuJoCo (25 x 1000 steps, float32) under 10 MB
        assert (ROOT / entry["path"]).stat().st_size < (10_000_000 if entry["env_id"].endswith("-v5") else 600_000)


def test_expert_train_tiny_budget_gives_a_loadable_zip(tmp_path, capsys):
    out = tmp_path / "e.zip"
    assert main(["expert", "train", "--env", "CartPole-v1", "--timesteps", "512", "--out", str(out),
                 "--eval-episodes", "2"]) == 0
    assert out.is_file() and "true return" in capsys.readouterr().out
    mean, _ = evaluate_expert("CartPole-v1", out, episodes=2)
    assert mean > 0


def test_policy_loading_refuses_non_zip_and_wrong_env(tmp_path):
    import gymnasium as gym

    bad = tmp_path / "p.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="p.zip"):
        load_ppo(bad, gym.make("CartPole-v1"))
    with pytest.raises(ValueError, match="CartPole-v1-ppo.zip"):
        load_ppo(ROOT / "CartPole-v1-ppo.zip", gym.make("Pendulum-v1"))


def test_unknown_env_is_one_error_line(capsys, tmp_path):
    assert main(["expert", "rollout", "--env", "Nope-v0", "--policy", "random", "--out", str(tmp_path / "x.npz")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown env id 'Nope-v0'" in err[0]
