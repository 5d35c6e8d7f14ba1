"""One diagnostic GAIL run with ``GAILConfig`` overrides and TensorBoard (the MuJoCo screens of
``results/gail_mujoco_findings.md``); prints the final true return and, for MuJoCo envs, what the
deterministic policy does (forward velocity; HalfCheetah: the share of steps on its back):

    python benchmarks/gail_screen.py OUT ENV STEPS '{"d_lr": 3e-5, "ppo": {"ent_coef": 0.0}}'

``"state_only": true`` (a diagnostic, not a library option) zeroes the discriminator's action features;
``"obs_norm": true`` puts SB3's ``VecNormalize(norm_obs=True, norm_reward=False)`` between the learned-reward
wrapper and PPO (the policy sees normalised observations, the discriminator raw ones; evaluation shares the
statistics), as rl-zoo's MuJoCo rows' ``normalize: true`` does for the policy.
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


class _PolicyObsNorm:
    """The ``obs_norm`` diagnostic: VecNormalize in front of PPO, its statistics shared with evaluation."""

    def __init__(self) -> None:
        self.vn = None

    def install(self) -> None:
        from stable_baselines3.common.vec_env import VecEnvWrapper, VecNormalize

        import advrl.gail.experts as experts
        from advrl.gail.ppo_settings import PPOSettings

        make, make_eval, hook = PPOSettings.make, experts.make_eval_env, self

        def make_normalised(settings, venv, *args, **kwargs):
            hook.vn = VecNormalize(venv, norm_obs=True, norm_reward=False)
            return make(settings, hook.vn, *args, **kwargs)

        class SharedNorm(VecEnvWrapper):
            def reset(self):
                return hook.vn.normalize_obs(self.venv.reset())

            def step_wait(self):
                obs, rewards, dones, infos = self.venv.step_wait()
                for info in infos:
                    if "terminal_observation" in info:
                        info["terminal_observation"] = hook.vn.normalize_obs(info["terminal_observation"])
                return hook.vn.normalize_obs(obs), rewards, dones, infos

        PPOSettings.make = make_normalised
        experts.make_eval_env = lambda env_id, seed: SharedNorm(make_eval(env_id, seed))

    def __call__(self, obs):
        return self.vn.normalize_obs(obs) if self.vn is not None else obs


OBS_NORM = _PolicyObsNorm()


def behaviour(policy, env_id: str, seed: int = 1) -> dict[str, float]:
    """One deterministic episode: mean forward velocity and (HalfCheetah) the share of steps with |rooty| > 1.5."""
    import gymnasium as gym

    env = gym.make(env_id)
    obs, _ = env.reset(seed=seed)
    vel, flipped = [], []
    for _ in range(1000):
        action, _ = policy.predict(OBS_NORM(obs), deterministic=True)
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
    if over.pop("obs_norm", False):
        OBS_NORM.install()
    cfg = GAILConfig(env_id=env_id, demos=str(ROOT / "experts" / "demos" / f"{env_id}.npz"), total_timesteps=steps,
                     device="cpu", out=out, overwrite=True, eval_every_steps=25_000, eval_episodes=5,
                     final_eval_episodes=10, progress=False, **over)
    run = train_gail(cfg)
    summary = json.loads((Path(out) / "summary.json").read_text())
    print(json.dumps({"final_true_return": summary["final_true_return"], **behaviour(run.model, env_id)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
