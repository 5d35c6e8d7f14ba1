"""GAIL/AIRL inputs that used to slip through or end in a traceback: demos of another task, more demo
episodes than the file holds, out-of-range numbers, envs whose extra is not installed, reward files
that are a directory, a policy zip or NaN."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from advrl.cli import main
from advrl.core import UserError
from advrl.gail.trainer import load_expert_demos

DEMOS = Path(__file__).resolve().parents[2] / "experts" / "demos" / "CartPole-v1.npz"
TRAIN = ["train", "--env", "CartPole-v1", "--demos", str(DEMOS), "--no-progress", "--device", "cpu"]


def _one_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("advrl: error:"), err
    return err[0]


def _with_env_id(tmp_path: Path, env_id: str) -> Path:
    arrays = dict(np.load(DEMOS))
    meta = json.loads(str(arrays["metadata_json"]))
    arrays["metadata_json"] = np.array(json.dumps({**meta, "env_id": env_id}))
    path = tmp_path / f"{env_id.replace('/', '_')}.npz"
    np.savez(path, **arrays)
    return path


def test_demos_of_another_task_are_refused_another_version_is_not(tmp_path):
    with pytest.raises(UserError, match="demos of MyBalancer-v0 .* not of CartPole-v1"):
        load_expert_demos(_with_env_id(tmp_path, "MyBalancer-v0"), "CartPole-v1")
    demos = load_expert_demos(_with_env_id(tmp_path, "CartPole-v0"), "CartPole-v1")
    assert demos.n_episodes == 10 and demos.metadata["env_id"] == "CartPole-v1"
    assert load_expert_demos(DEMOS, "advrl/CartPoleFixed-v1").n_episodes == 10  # fixed horizon: the same task
    for recorded in ("advrl/CartPoleFixed-v1", "advrl/CartPole-v1-fixed"):  # rolled out on a fixed-horizon id
        for train in ("CartPole-v1", "advrl/CartPoleFixed-v1"):
            assert load_expert_demos(_with_env_id(tmp_path, recorded), train).n_episodes == 10


@pytest.mark.parametrize("family", ["gail", "airl"])
@pytest.mark.parametrize("extra, words", [
    (["--demo-episodes", "11"], "--demo-episodes 11: " + str(DEMOS) + " holds 10 episodes"),
    (["--d-lr", "0"], "--d-lr must be > 0, got 0"),
    (["--d-epochs", "-5"], "--d-epochs must be > 0"),
    (["--gp-target", "-1"], "--gp-target must be >= 0"),
    (["--bc-passes", "0"], "--bc-passes must be > 0"),
])
def test_out_of_range_settings_are_one_line(tmp_path, capsys, family, extra, words):
    out = tmp_path / "run"
    assert main([family, *TRAIN, "--out", str(out), *extra]) == 2
    assert words in _one_error(capsys)
    assert not out.exists()


def test_env_whose_extra_is_not_installed_is_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "advrl_test_needs_extra.py").write_text(
        "import gymnasium\n"
        "raise gymnasium.error.DependencyNotInstalled('FancySim is not installed, pip install fancysim')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    env_id = "AdvrlTestNeedsExtra-v0"
    gym.register(env_id, entry_point="advrl_test_needs_extra:Env")
    try:
        assert main(["gail", *TRAIN[:2], env_id, *TRAIN[3:], "--out", str(tmp_path / "r")]) == 2
        assert f"env '{env_id}' needs a package that is not installed: FancySim" in _one_error(capsys)
        assert main(["demos", "inspect", str(DEMOS), "--env", env_id]) == 2
        assert "FancySim is not installed" in _one_error(capsys)
    finally:
        gym.registry.pop(env_id)


def test_reward_files_that_are_not_one_say_what_they_are(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["gail", *TRAIN, "--out", str(run), "--timesteps", "256", "--bc-steps", "0",
                 "--eval-episodes", "1", "--final-eval-episodes", "1"]) == 0
    capsys.readouterr()
    assert main(["gail", "reward", str(run), "--timesteps", "64"]) == 2
    assert "a directory, not a checkpoint file; it holds checkpoint.pt, reward_net.pt" in _one_error(capsys)
    assert main(["gail", "reward", str(run / "policy.zip"), "--timesteps", "64"]) == 2
    assert "a zip archive but not a torch one" in _one_error(capsys)
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes((run / "reward_net.pt").read_bytes()[:300])
    assert main(["gail", "reward", str(truncated), "--timesteps", "64"]) == 2
    assert "truncated, corrupt or not a torch file" in _one_error(capsys)
    state = torch.load(run / "reward_net.pt", weights_only=True)
    state["state_dict"]["mlp.0.weight"][0, 0] = float("nan")
    torch.save(state, tmp_path / "nan.pt")
    assert main(["gail", "reward", str(tmp_path / "nan.pt"), "--timesteps", "64"]) == 2
    assert "the reward net's mlp.0.weight hold NaN or infinite values" in _one_error(capsys)


@pytest.mark.skipif(torch.cuda.is_available(), reason="refusing --device cuda needs a machine without CUDA")
def test_expert_train_refuses_a_device_it_cannot_use_before_training(tmp_path, capsys):
    out = tmp_path / "expert.zip"
    assert main(["expert", "train", "--env", "CartPole-v1", "--device", "cuda", "--out", str(out)]) == 2
    assert "--device 'cuda' asked for, but torch sees no CUDA device" in _one_error(capsys)
    assert main(["expert", "train", "--env", "CartPole-v1", "--device", "tpu", "--out", str(out)]) == 2
    assert "unknown device 'tpu'" in _one_error(capsys)
    assert not out.exists()


def test_rollout_of_a_zip_named_for_another_env_is_refused(tmp_path, capsys):
    policy = Path(__file__).resolve().parents[2] / "experts" / "CartPole-v1-ppo.zip"
    (tmp_path / "Acrobot-v1.zip").write_bytes(policy.read_bytes())  # rl-zoo names a zip by its env
    (tmp_path / "CartPole-v0.zip").write_bytes(policy.read_bytes())
    roll = ["expert", "rollout", "--env", "CartPole-v1", "--episodes", "1", "--algo", "ppo", "--policy"]
    assert main([*roll, str(tmp_path / "Acrobot-v1.zip"), "--out", str(tmp_path / "a.npz")]) == 2
    assert "a policy for Acrobot-v1 by its name, asked to act in CartPole-v1" in _one_error(capsys)
    assert main([*roll, str(tmp_path / "CartPole-v0.zip"), "--out", str(tmp_path / "b.npz")]) == 0  # another version
    assert (tmp_path / "b.npz").is_file() and not (tmp_path / "a.npz").exists()
