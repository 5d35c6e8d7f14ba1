"""GAIL with the library's defaults learns Pendulum from a held-out foreign demo file
(stable-baselines 2 layout, SB3 SAC expert) within the CI budget: 8 rounds (32,768 env
steps). In the 10 full benchmark runs (benchmarks/results/gail_classic_cells, both held-out
files, seeds 0-4) the 32k-step evaluation spans 0.08-0.85 normalised (random = 0, demos = 1):
early progress varies by seed, so this test pins seed 0 of the SB2 file (0.55 there, the same
on every CPU run) with a bar of 0.25 and a rise of 0.2 over the untrained policy."""

from pathlib import Path

import pytest

from advrl.gail import GAILConfig, evaluate_expert, normalised, train_gail

DEMOS = Path(__file__).resolve().parents[2] / "experts" / "heldout" / "Pendulum-v1-sac-sb2.npz"


@pytest.mark.slow  # ~30 s
def test_pendulum_gail_beats_random_from_a_foreign_file():
    run = train_gail(GAILConfig(env_id="Pendulum-v1", demos=str(DEMOS), total_timesteps=32_768, seed=0, device="cpu",
                                progress=False, tensorboard=False, eval_every_steps=0, eval_episodes=10))
    random_return, _ = evaluate_expert("Pendulum-v1", None, episodes=20, seed=777)
    before = normalised(run.evaluations[0]["true_return"], random_return, run.demo_return)
    after = normalised(run.evaluations[-1]["true_return"], random_return, run.demo_return)
    assert run.ppo.num_timesteps == 32_768
    assert after >= 0.25 and after > before + 0.2, (before, after)
