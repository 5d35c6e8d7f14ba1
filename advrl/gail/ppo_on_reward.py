"""Train a fresh PPO on the true reward or on a frozen learned reward
(``--reward true | learned:PATH``), and report its TRUE return."""

from __future__ import annotations

import sys

from pathlib import Path
from typing import Any

import torch

from advrl.core.errors import UserError


def parse_reward_spec(spec: str) -> tuple[str, str | None]:
    if spec == "true":
        return "true", None
    if spec.startswith("learned:") and len(spec) > len("learned:"):
        return "learned", spec[len("learned:"):]
    raise UserError(f"--reward {spec!r}: expected 'true' or 'learned:PATH' (a reward_net.pt)")


def train_ppo_on_reward(reward: str, env_id: str | None = None, horizon: str | None = None,
                        timesteps: int = 100_000, seed: int = 0, device: str = "auto", eval_episodes: int = 10,
                        out: str | Path | None = None, progress: bool = True) -> dict[str, Any]:
    """A fresh PPO on ``reward``; returns the true-return evaluation.

    The PPO is GAIL's generator as it trained the reward (:func:`generator_settings`: the env's row, GAIL's
    entropy bonus, learning rate decayed linearly) with the horizon mode's changes (``Fixed.ppo_defaults``),
    which is also the benchmarks' PPO on the true reward: the two compare like for like."""
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.evaluation import evaluate_policy

    from advrl.core import resolve_device
    from advrl.gail.experts import check_env_id, make_eval_env
    from advrl.gail.horizon import make_horizon
    from advrl.gail.learned_reward import LearnedReward
    from advrl.gail.ppo_settings import generator_settings
    from advrl.gail.rollout_rewards import attach_learned_reward

    kind, path = parse_reward_spec(reward)
    learned = LearnedReward.load(path) if kind == "learned" else None
    if learned is not None:
        trained_on = learned.env_id or ""
        env_id = env_id or learned.metadata.get("base_env_id") or trained_on
        horizon = horizon or learned.metadata.get("horizon", "fixed")
    if env_id is None:
        raise UserError("--env is required with --reward true")
    check_env_id(env_id)
    mode = make_horizon(horizon or "none")
    train_id = mode.train_env_id(env_id)
    dev = resolve_device(device)
    settings = generator_settings(env_id, overrides=mode.ppo_defaults)
    venv = make_vec_env(train_id, n_envs=settings.n_envs, seed=seed)
    if learned is not None:
        if venv.observation_space.shape[0] != learned.net.config.obs_dim:
            raise UserError(f"{path}: reward net expects obs of size {learned.net.config.obs_dim}, "
                            f"{train_id} gives {venv.observation_space.shape}")
        learned.device = dev
        learned.net.to(dev)
        venv = learned.wrap(venv, deferred=True)  # scored per rollout, scaled as in GAIL's generator
    torch.manual_seed(seed)
    ppo = settings.make(venv, timesteps, seed, dev)
    if learned is not None:
        attach_learned_reward(ppo, venv)
    ppo.learn(timesteps, progress_bar=progress and sys.stderr.isatty())  # no \r floods in log files
    eval_env = make_eval_env(train_id, seed)
    mean, std = evaluate_policy(ppo, eval_env, n_eval_episodes=eval_episodes, deterministic=True, warn=False)
    if out:
        ppo.save(out)
    return {"env_id": train_id, "timesteps": int(ppo.num_timesteps), "true_return": float(mean),
            "true_return_std": float(std)}
