"""`advrl airl train` end to end on a tiny budget: its reward_net.pt (f) and reward_g.pt (g: g(s) by
default, g(s, a) with --no-state-only) each re-trains a fresh PPO through `advrl gail reward`; --help
shows every default."""

from pathlib import Path

import pytest

from advrl.cli import main
from advrl.gail import LearnedReward

DEMOS = Path(__file__).resolve().parents[2] / "experts" / "demos" / "CartPole-v1.npz"


def test_airl_help_lists_defaults(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["airl", "train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert exit_.value.code == 0
    for shown in ("(default: absorbing)", "(default: 100000)", "(default: f)", "(default: runs/airl)",
                  "(default: 10.0)", "(default: all)", "(default: 4)"):
        assert shown in text, shown
    assert "--algo" not in text and "--reward " not in text  # AIRL runs on PPO; --policy-reward instead


def test_airl_train_then_gail_reward_on_its_f_and_g(tmp_path, capsys):
    out = tmp_path / "airl"
    assert main(["airl", "train", "--env", "CartPole-v1", "--demos", str(DEMOS), "--out", str(out), "--timesteps",
                 "512", "--no-progress", "--eval-episodes", "1", "--device", "cpu"]) == 0
    assert "true return" in capsys.readouterr().out
    for name in ("policy.zip", "reward_net.pt", "reward_g.pt", "config.json", "checkpoint.pt", "summary.json"):
        assert (out / name).is_file(), name
    import json
    import math

    pot = json.loads((out / "summary.json").read_text())["potential_on_demos"]  # how much of f is h's
    assert all(math.isfinite(v) for v in pot.values()) and pot["g_std"] > 0
    assert pot["f_minus_g_abs_max"] >= pot["f_minus_g_abs_mean"] >= 0
    for name, term in (("reward_net.pt", "f(s,a,s')"), ("reward_g.pt", "g(s)")):
        reward = LearnedReward.load(out / name)
        assert reward.metadata["algorithm"] == "airl" and reward.metadata["reward_term"] == term
        assert reward.reward_name == "logit" and reward.absorbing_horizon == 500
        assert main(["gail", "reward", str(out / name), "--timesteps", "512", "--eval-episodes", "1"]) == 0
        text = capsys.readouterr().out
        assert f"AIRL reward {term}" in text and "true return" in text


def test_no_state_only_gives_g_of_state_and_action(tmp_path, capsys):
    out = tmp_path / "airl_sa"
    assert main(["airl", "train", "--env", "CartPole-v1", "--demos", str(DEMOS), "--out", str(out), "--timesteps",
                 "256", "--no-progress", "--eval-episodes", "1", "--device", "cpu", "--no-state-only"]) == 0
    g = LearnedReward.load(out / "reward_g.pt")
    assert g.metadata["reward_term"] == "g(s,a)" and g.net.config.use_action
    import json

    assert json.loads((out / "config.json").read_text())["state_only"] is False


def test_airl_needs_demos_matching_the_env(tmp_path, capsys):
    code = main(["airl", "train", "--env", "Pendulum-v1", "--demos", str(DEMOS), "--out", str(tmp_path / "r"),
                 "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "CartPole-v1.npz" in err[0], err


def test_policy_obs_norm_adds_to_airls_ppo_overrides_not_in_place_of_them():
    """AIRL's PPO runs without GAIL's entropy bonus (``AIRLConfig.ppo``); ``--policy-obs-norm``
    must keep that and add the normaliser (it once replaced the dict: ent_coef came back)."""
    from advrl.cli import build_parser
    from advrl.cli.airl import AIRL_FLAGS
    from advrl.cli.gail import TRAIN_FLAGS, train_settings
    from advrl.gail.airl import AIRLConfig
    from advrl.gail.trainer import GAILConfig

    argv = ["--env", "Pendulum-v1", "--demos", str(DEMOS), "--policy-obs-norm", "on"]
    airl = train_settings(build_parser().parse_args(["airl", "train", *argv]), AIRL_FLAGS, AIRLConfig)
    assert airl["ppo"] == {"ent_coef": 0.0, "normalize_obs": True}
    gail = train_settings(build_parser().parse_args(["gail", "train", *argv[:-1], "off"]), TRAIN_FLAGS, GAILConfig)
    assert gail["ppo"] == {"normalize_obs": False}
