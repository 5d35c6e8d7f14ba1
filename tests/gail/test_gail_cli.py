"""`advrl gail train|reward` end to end on tiny budgets: artefacts, resume, the
learned reward reused by a fresh PPO, and one-line errors for bad input."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from advrl.cli import main
from advrl.core import load_checkpoint

DEMOS = Path(__file__).resolve().parents[2] / "experts" / "demos" / "CartPole-v1.npz"


def test_gail_train_writes_artefacts_and_resumes(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["gail", "train", "--env", "CartPole-v1", "--demos", str(DEMOS), "--out", str(out), "--no-progress",
            "--eval-episodes", "1", "--device", "cpu"]
    assert main(args + ["--timesteps", "1024"]) == 0
    text = capsys.readouterr().out
    assert "true return" in text and "after the warm start" in text and "-> after" in text
    for name in ("policy.zip", "reward_net.pt", "config.json", "checkpoint.pt", "summary.json"):
        assert (out / name).is_file(), name
    assert any((out / "tb").iterdir())
    first = load_checkpoint(out / "checkpoint.pt")
    assert first["round"] == 4 and first["generator"]["num_timesteps"] == 1024
    assert main(args + ["--timesteps", "2048", "--resume"]) == 0
    second = load_checkpoint(out / "checkpoint.pt")
    assert second["round"] == 8 and second["generator"]["num_timesteps"] == 2048
    # the summary's true-return curve spans the whole run, not only the rounds after the resume
    curve = json.loads((out / "summary.json").read_text())["curve"]
    assert [row["env_steps"] for row in curve][0] == 0 and curve[-1]["env_steps"] == 2048
    assert any(row["env_steps"] == 1024 for row in curve)
    # the discriminator kept training from the checkpoint rather than restarting
    assert not torch.equal(first["discriminator"]["mlp.0.weight"], second["discriminator"]["mlp.0.weight"])


def test_gail_reward_trains_fresh_ppo_on_the_learned_reward(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["gail", "train", "--env", "CartPole-v1", "--demos", str(DEMOS), "--out", str(out),
                 "--timesteps", "512", "--no-progress", "--eval-episodes", "1", "--device", "cpu"]) == 0
    capsys.readouterr()
    assert main(["gail", "reward", str(out / "reward_net.pt"), "--timesteps", "512", "--eval-episodes", "2",
                 "--out", str(tmp_path / "fresh.zip")]) == 0
    text = capsys.readouterr().out
    assert "learned:" in text and "true return" in text
    assert (tmp_path / "fresh.zip").is_file()


def test_resume_without_checkpoint_is_a_clear_error(tmp_path, capsys):
    code = main(["gail", "train", "--env", "CartPole-v1", "--demos", str(DEMOS), "--out", str(tmp_path / "none"),
                 "--resume", "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "checkpoint" in err[0]


@pytest.mark.parametrize("env_id, needle", [("Pendulum-v1", "expected (3,)"), ("MountainCar-v0", "expected (2,)")])
def test_demos_not_matching_the_env_are_one_error_line(tmp_path, capsys, env_id, needle):
    code = main(["gail", "train", "--env", env_id, "--demos", str(DEMOS), "--out", str(tmp_path),
                 "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert "CartPole-v1.npz" in err[0] and "'obs'" in err[0] and needle in err[0]


def test_bad_reward_spec_and_reward_file(tmp_path, capsys):
    assert main(["gail", "ppo", "--env", "CartPole-v1", "--reward", "fancy"]) == 2
    assert "learned:PATH" in capsys.readouterr().err
    bogus = tmp_path / "r.pt"
    bogus.write_bytes(b"xx")
    assert main(["gail", "reward", str(bogus)]) == 2
    assert "r.pt" in capsys.readouterr().err


@pytest.mark.parametrize("extra, needle", [(["--buffer-recent", "1.5"], "0 to 1, got 1.5"),
                                           (["--buffer-recent", "0.5", "--algo", "sac"], "--buffer-recent is PPO's")])
def test_bad_buffer_recent_is_one_error_line(tmp_path, capsys, extra, needle):
    code = main(["gail", "train", "--env", "CartPole-v1", "--demos", str(DEMOS), "--out", str(tmp_path / "run"),
                 "--no-progress", *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and needle in err[0], err


def test_policy_obs_norm_on_gives_a_policy_that_normalises_its_observations_and_resumes_with_them(tmp_path, capsys):
    from advrl.gail.obs_norm import NormalizedObsExtractor
    from advrl.gail.sb3_io import load_policy
    import gymnasium as gym

    out = tmp_path / "run"
    args = ["gail", "train", "--env", "CartPole-v1", "--demos", str(DEMOS), "--out", str(out), "--no-progress",
            "--eval-episodes", "1", "--device", "cpu", "--policy-obs-norm", "on"]
    from advrl.demos import load_demos

    demo_steps = load_demos(DEMOS, env="CartPole-v1").n_steps  # the warm start's statistics come first
    assert main(args + ["--timesteps", "1024"]) == 0
    first = load_checkpoint(out / "checkpoint.pt")["generator"]["policy"]
    assert float(first["features_extractor.norm.count"]) == demo_steps + 1024  # every rollout joined them
    assert main(args + ["--timesteps", "2048", "--resume"]) == 0
    second = load_checkpoint(out / "checkpoint.pt")["generator"]["policy"]
    assert float(second["features_extractor.norm.count"]) == demo_steps + 2048  # resumed from them, not restarted
    policy, _ = load_policy(out / "policy.zip", gym.make("CartPole-v1"))
    assert isinstance(policy.features_extractor, NormalizedObsExtractor)
    torch.testing.assert_close(policy.features_extractor.norm.mean, second["features_extractor.norm.mean"])
    capsys.readouterr()
    assert main(args + ["--timesteps", "1024", "--algo", "sac", "--overwrite"]) == 2
    assert "--policy-obs-norm" in capsys.readouterr().err
