"""Held-out Pendulum-v1 demonstrations in two *foreign* layouts, from an expert the
project's GAIL defaults were never tuned on: an SB3 SAC policy (the shipped demos
come from a PPO expert), written the way stable-baselines 2's ``ExpertDataset``
(``generate_expert_traj``) and imitation's ``types.save`` lay out their npz files.

    .venv/bin/python experts/heldout/make_heldout_demos.py   # ~5 min on 2 CPU cores

Writes ``experts/heldout/Pendulum-v1-sac-{sb2,imitation}.npz`` (20 episodes each,
different rollout seeds; imitation's file carries a pickled ``infos`` array as
imitation writes it, which advrl skips by default).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np

HERE = Path(__file__).resolve().parent
ENV = "Pendulum-v1"


def train_sac(seed: int = 3, steps: int = 20_000):
    """SB3 SAC with rl-zoo's Pendulum settings (learning_rate 1e-3; 20k steps)."""
    from stable_baselines3 import SAC

    sac = SAC("MlpPolicy", gym.make(ENV), learning_rate=1e-3, seed=seed, verbose=0, device="cpu")
    sac.learn(steps)
    return sac


def rollout(policy, episodes: int, seed: int) -> list[dict[str, np.ndarray]]:
    env = gym.make(ENV)
    eps = []
    for i in range(episodes):
        obs, _ = env.reset(seed=seed + i)
        rows, acts, rews, done, terminated = [obs], [], [], False, False
        while not done:
            act, _ = policy.predict(obs, deterministic=True)
            obs, rew, terminated, truncated, _ = env.step(act)
            rows.append(obs), acts.append(act), rews.append(rew)
            done = terminated or truncated
        eps.append({"obs": np.array(rows, np.float32), "acts": np.array(acts, np.float32),
                    "rews": np.array(rews, np.float32), "terminal": terminated})
    return eps


def save_npz(path: Path, **arrays) -> None:
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)


def write_sb2(path: Path, eps) -> None:
    """``generate_expert_traj``: obs/actions/rewards per step, episode_starts, episode_returns."""
    starts = np.concatenate([[True] + [False] * (len(e["acts"]) - 1) for e in eps])
    save_npz(path, obs=np.concatenate([e["obs"][:-1] for e in eps]), actions=np.concatenate([e["acts"] for e in eps]),
             rewards=np.concatenate([e["rews"] for e in eps]), episode_starts=starts,
             episode_returns=np.array([e["rews"].sum() for e in eps]))


def write_imitation(path: Path, eps) -> None:
    """``imitation.data.types.save``: obs with final rows, acts, split indices, terminal, rews, pickled infos."""
    infos = np.empty(sum(len(e["acts"]) for e in eps), dtype=object)
    infos[:] = [{"TimeLimit.truncated": False}] * len(infos)
    save_npz(path, obs=np.concatenate([e["obs"] for e in eps]), acts=np.concatenate([e["acts"] for e in eps]),
             indices=np.cumsum([len(e["acts"]) for e in eps])[:-1], terminal=np.array([e["terminal"] for e in eps]),
             rews=np.concatenate([e["rews"] for e in eps]), infos=infos)


def main() -> int:
    sac = train_sac()
    for layout, writer, seed in (("sb2", write_sb2, 5_000), ("imitation", write_imitation, 6_000)):
        eps = rollout(sac, 20, seed)
        path = HERE / f"{ENV}-sac-{layout}.npz"
        writer(path, eps)
        rets = [e["rews"].sum() for e in eps]
        print(f"{path.name}: {len(eps)} episodes, return {np.mean(rets):.1f} ± {np.std(rets):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
