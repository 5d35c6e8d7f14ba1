"""The behaviour-cloning warm start of GAIL's PPO policy: it clones the expert (CartPole balances from
round 0), leaves a Gaussian policy's action noise and the value network alone, keeps the annealed BC term
going across a resume, and rejects settings it cannot honour with one line."""

import json
from pathlib import Path

import numpy as np
import pytest
import gymnasium as gym
import torch
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.monitor import Monitor

from advrl.cli import main
from advrl.core import UserError, load_checkpoint, save_checkpoint
from advrl.demos import load_demos
from advrl.gail.bc import BehaviourCloner, bc_pretrain
from advrl.gail.ppo_settings import generator_settings
from advrl.gail.trainer import GAILConfig, build_gail

EXPERTS = Path(__file__).resolve().parents[2] / "experts" / "demos"
BASE = ["gail", "train", "--env", "CartPole-v1", "--demos", str(EXPERTS / "CartPole-v1.npz"), "--no-progress",
        "--eval-episodes", "1", "--device", "cpu"]


def _ppo(env_id: str, overrides: dict | None = None):
    venv = make_vec_env(env_id, n_envs=2, seed=0)
    return generator_settings(env_id, {"batch_size": 64, **(overrides or {})}).make(venv, 10_000, seed=0, device="cpu")


def _return(ppo) -> float:
    env = Monitor(gym.make("CartPole-v1"))
    env.reset(seed=0)
    return evaluate_policy(ppo, env, n_eval_episodes=3, deterministic=True)[0]


def test_warm_start_clones_the_cartpole_expert():
    demos = load_demos(EXPERTS / "CartPole-v1.npz", env="CartPole-v1")
    ppo = _ppo("CartPole-v1")
    with torch.no_grad():  # a policy that always pushes left: the pole falls within ~10 steps
        ppo.policy.action_net.bias.copy_(torch.tensor([5.0, -5.0]))
    before = _return(ppo)
    _, result = bc_pretrain(ppo.policy, demos.obs, demos.acts, steps=1000)
    assert result.last_loss < 0.5 * result.first_loss and result.agreement > 0.8
    assert before < 30 and _return(ppo) >= 450, before  # the expert balances 500 steps


def test_gaussian_noise_and_value_net_are_not_trained():
    demos = load_demos(EXPERTS / "Pendulum-v1.npz", env="Pendulum-v1")
    ppo = _ppo("Pendulum-v1")  # gSDE, as GAIL's Pendulum generator
    frozen = {name: p.detach().clone() for name, p in ppo.policy.named_parameters()
              if name == "log_std" or name.startswith(("value_net", "mlp_extractor.value_net"))}
    actor = ppo.policy.action_net.weight.detach().clone()
    _, result = bc_pretrain(ppo.policy, demos.obs, demos.acts, steps=300)
    assert result.last_loss < 0.5 * result.first_loss
    for name, p in ppo.policy.named_parameters():
        if name in frozen:
            assert torch.equal(p, frozen[name]), name
    assert not torch.equal(ppo.policy.action_net.weight, actor)


def test_annealed_term_decays_to_zero_and_resumes(tmp_path, capsys):
    out = tmp_path / "run"
    args = BASE + ["--out", str(out), "--bc-steps", "200", "--bc-anneal", "0.5"]
    assert main(args + ["--timesteps", "1024"]) == 0  # 4 rounds of 256: the BC term runs until 512 steps
    assert "behaviour-cloning warm start: 200 steps" in capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["bc_warm_start"]["steps"] == 200
    assert main(args + ["--timesteps", "2048", "--resume"]) == 0
    resumed = json.loads((out / "summary.json").read_text())
    assert resumed["bc_warm_start"] == summary["bc_warm_start"]  # kept by the checkpoint, not redone

    run = build_gail(GAILConfig("CartPole-v1", demos=str(EXPERTS / "CartPole-v1.npz"), total_timesteps=1024,
                                bc_steps=50, bc_anneal=0.5, progress=False, tensorboard=False, eval_every_steps=0,
                                eval_episodes=1, final_eval_episodes=1, device="cpu"))
    history = run.train().history
    weights = [row.get("bc/weight", 0.0) for row in history if "g/env_steps" in row]
    assert weights == pytest.approx([0.5, 0.0, 0.0, 0.0])  # 1 - 256/512 after round 1, then off


@pytest.mark.parametrize("flags, words", [
    (["--bc-steps", "-1"], "--bc-steps must be >= 0"),
    (["--bc-steps", "10", "--bc-anneal", "2"], "--bc-anneal is a fraction"),
    (["--bc-steps", "10", "--bc-passes", "0"], "--bc-passes must be > 0"),
    (["--algo", "sac", "--bc-steps", "10"], "warm-starts the PPO generator only"),
])
def test_bad_bc_settings_are_one_line(tmp_path, capsys, flags, words):
    assert main(BASE + ["--out", str(tmp_path / "r")] + flags) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0], err
    assert not (tmp_path / "r").exists()


def test_ppo_runs_warm_start_by_default_and_old_checkpoints_resume_without(tmp_path, capsys):
    demos = str(EXPERTS / "CartPole-v1.npz")
    fast = dict(progress=False, tensorboard=False, eval_every_steps=0, eval_episodes=1, final_eval_episodes=1,
                device="cpu")
    run = build_gail(GAILConfig("CartPole-v1", demos=demos, total_timesteps=512, **fast))
    assert run.config.bc_steps == 1000 and run.bc is not None and run.generator.bc is not None
    # a run whose checkpoint predates the warm start (no bc_* settings saved) resumes as it trained: without BC
    out = tmp_path / "old"
    assert main(BASE + ["--out", str(out), "--timesteps", "512", "--bc-steps", "0"]) == 0
    state = load_checkpoint(out / "checkpoint.pt")
    state["run_config"] = {k: v for k, v in state["run_config"].items() if not k.startswith("bc_")}
    save_checkpoint(state, out / "checkpoint.pt")
    resumed = build_gail(GAILConfig("CartPole-v1", demos=demos, total_timesteps=1024, out=str(out), resume=True,
                                    **fast))
    assert resumed.config.bc_steps == 0 and resumed.generator.bc is None
    assert all("bc/weight" not in row for row in resumed.train().history)


def test_cloner_rejects_mismatched_pairs():
    ppo = _ppo("CartPole-v1")
    with pytest.raises(UserError, match="as many expert actions as observations"):
        BehaviourCloner(ppo.policy, np.zeros((5, 4), np.float32), np.zeros(4, np.int64))
