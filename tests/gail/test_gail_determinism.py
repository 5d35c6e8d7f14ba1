"""Same seed, same run on CPU: two `advrl gail train` (PPO and SAC generators) or `advrl airl train`
runs with one seed end with identical checkpoints (policy, optimisers, discriminator, D's fakes, RNG
states, evaluations), and another seed trains another discriminator."""

from pathlib import Path

import pytest
import torch

from advrl.cli import main
from advrl.core import load_checkpoint

DEMOS = Path(__file__).resolve().parents[2] / "experts" / "demos"
RUNS = {
    "gail-ppo": ["gail", "train", "--env", "CartPole-v1", "--demos", str(DEMOS / "CartPole-v1.npz"),
                 "--timesteps", "1024"],
    # MountainCarContinuous: SAC's tuned row (a 64-64 net) keeps a round of 1,000 env steps cheap
    "gail-sac": ["gail", "train", "--algo", "sac", "--env", "MountainCarContinuous-v0", "--demos",
                 str(DEMOS / "MountainCarContinuous-v0.npz"), "--timesteps", "1000"],
    "airl": ["airl", "train", "--env", "Pendulum-v1", "--demos", str(DEMOS / "Pendulum-v1.npz"),
             "--timesteps", "2048", "--bc-steps", "100"],
}
PATH_KEYS = {"checkpoint_path", "logdir", "out"}  # where each run writes: the only settings that differ


def _differences(a, b, path: str = "") -> list[str]:
    """The paths (``/key/...``) at which two checkpoint trees differ (tensors compared exactly)."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = (set(a) | set(b)) - PATH_KEYS
        return [d for k in sorted(keys, key=str) for d in _differences(a.get(k), b.get(k), f"{path}/{k}")]
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _differences(x, y, f"{path}[{i}]")]
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return [] if a.shape == b.shape and a.dtype == b.dtype and torch.equal(a, b) else [path]
    return [] if type(a) is type(b) and a == b else [path]


def _run(tmp_path: Path, name: str, seed: int, label: str) -> dict:
    out = tmp_path / label
    assert main(RUNS[name] + ["--seed", str(seed), "--out", str(out), "--no-progress", "--eval-episodes", "1",
                              "--final-eval-episodes", "1", "--device", "cpu"]) == 0
    return load_checkpoint(out / "checkpoint.pt")


@pytest.mark.parametrize("name", list(RUNS))
def test_same_seed_gives_the_same_checkpoint(tmp_path, capsys, name):
    assert _differences(_run(tmp_path, name, 3, "a"), _run(tmp_path, name, 3, "b")) == []


@pytest.mark.parametrize("name", ["gail-ppo", "airl"])
def test_another_seed_gives_another_discriminator(tmp_path, capsys, name):
    differences = _differences(_run(tmp_path, name, 3, "a"), _run(tmp_path, name, 4, "b"))
    assert "/config/seed" in differences
    assert any(path.startswith("/discriminator/") for path in differences)
