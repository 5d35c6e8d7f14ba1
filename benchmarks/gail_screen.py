"""One diagnostic GAIL run with ``GAILConfig`` overrides and TensorBoard (the MuJoCo screens of
``results/gail_mujoco_findings.md``); prints the final true return and, for MuJoCo envs, what the
deterministic policy does (forward velocity; HalfCheetah: the share of steps on its back):

    python benchmarks/gail_screen.py OUT ENV STEPS '{"d_lr": 3e-5, "ppo": {"ent_coef": 0.0}}'

``"state_only": true`` (a diagnostic, not a library option) zeroes the discriminator's action features.
The policy's observation normalisation is the library's ``{"ppo": {"normalize_obs": false}}`` (on by default for
envs without a PPO row). Commit 4ac142a's ``"obs_norm"`` diagnostic (SB3 ``VecNormalize`` in front of PPO) made
the findings' first normalised screens.
Demos: ``experts/demos/ENV.npz``.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]


def zero_action_features() -> None:
    """Patch the reward net's feature builders so that the action part is all zeros (state-only D)."""
    import advrl.gail.reward_net as rn

    for ops in (rn._TorchOps, rn._NumpyOps):
        original = ops.norm

        def norm(self, key, x, update, _original=original):
            y = _original(self, key, x, update)
            return y * 0 if key == "acts" else y

        ops.norm = norm


def behaviour(policy, env_id: str, seed: int = 1) -> dict[str, float]:
    """One deterministic episode: mean forward velocity and (HalfCheetah) the share of steps with |rooty| > 1.5."""
    import gymnasium as gym

    env = gym.make(env_id)
    obs, _ = env.reset(seed=seed)
    vel, flipped = [], []
    for _ in range(1000):
        action, _ = policy.predict(obs, deterministic=True)
        obs, _, terminated, truncated, info = env.step(action)
        vel.append(info.get("x_velocity", np.nan))
        flipped.append(abs(obs[1]) > 1.5)
        if terminated or truncated:
            break
    out = {"x_velocity": float(np.mean(vel)), "steps": len(vel)}
    if env_id.startswith("HalfCheetah"):
        out["on_its_back"] = float(np.mean(flipped))
    return out


def main(argv: list[str]) -> int:
    from advrl.gail import GAILConfig, train_gail

    torch.set_num_threads(1)
    out, env_id, steps = argv[0], argv[1], int(argv[2])
    over = json.loads(argv[3]) if len(argv) > 3 else {}
    if over.pop("state_only", False):
        zero_action_features()
    cfg = GAILConfig(env_id=env_id, demos=str(ROOT / "experts" / "demos" / f"{env_id}.npz"), total_timesteps=steps,
                     device="cpu", out=out, overwrite=True, eval_every_steps=25_000, eval_episodes=5,
                     final_eval_episodes=10, progress=False, **over)
    run = train_gail(cfg)
    summary = json.loads((Path(out) / "summary.json").read_text())
    print(json.dumps({"final_true_return": summary["final_true_return"], **behaviour(run.model, env_id)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
