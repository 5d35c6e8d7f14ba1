"""imitation 1.0.1's GAIL on an imitation-format demo file — run INSIDE the imitation virtualenv
(gymnasium 0.29 / stable-baselines3 2.2) by ``benchmarks/imitation_peer.py``; imports nothing of advrl.

Settings are imitation's documented CartPole GAIL tutorial (docs/tutorials/3_train_gail, imitation
1.0.x): ``seals/CartPole-v0`` with 8 envs; ``PPO(MlpPolicy, batch_size=64, ent_coef=0.0,
learning_rate=0.0004, gamma=0.95, n_epochs=5)``; ``BasicRewardNet`` with ``RunningNorm`` input
normalisation; ``GAIL(demo_batch_size=1024, gen_replay_buffer_capacity=512,
n_disc_updates_per_round=8)``; the tutorial trains 800k env steps "to match expert".

The demos are read with ``allow_pickle=False`` (the pickled ``infos`` are skipped) and handed to GAIL
as flattened transitions. After every round the policy is evaluated on ``CartPole-v1``'s true reward
(deterministic actions); training stops early once the normalised return reaches the threshold.

    python benchmarks/imitation_peer_worker.py DEMOS OUT_JSON --timesteps N --seed S
        --random-return R --expert-return E [--eval-episodes 5] [--threshold 0.95]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np


def load_trajectories(path: str):
    from imitation.data.types import Trajectory

    with np.load(path, allow_pickle=False) as data:
        obs, acts = data["obs"], data["acts"]
        indices, terminal = data["indices"].astype(np.int64), data["terminal"].astype(bool)
    n_traj = len(indices) + 1
    act_parts = np.split(acts, indices)
    obs_parts = np.split(obs, indices + np.arange(1, n_traj))
    return [Trajectory(obs=o, acts=a, infos=None, terminal=bool(t))
            for o, a, t in zip(obs_parts, act_parts, terminal)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("demos")
    parser.add_argument("out")
    parser.add_argument("--timesteps", type=int, default=800_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--random-return", type=float, required=True)
    parser.add_argument("--expert-return", type=float, required=True)
    parser.add_argument("--eval-episodes", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=0.95)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    import gymnasium as gym
    import seals  # noqa: F401  (registers seals/CartPole-v0)
    from imitation.algorithms.adversarial.gail import GAIL
    from imitation.data import rollout
    from imitation.rewards.reward_nets import BasicRewardNet
    from imitation.util.networks import RunningNorm
    from imitation.util.util import make_vec_env
    from stable_baselines3 import PPO
    from stable_baselines3.common.evaluation import evaluate_policy
    from stable_baselines3.ppo import MlpPolicy

    import imitation

    rng = np.random.default_rng(args.seed)
    transitions = rollout.flatten_trajectories(load_trajectories(args.demos))
    venv = make_vec_env("seals/CartPole-v0", rng=rng, n_envs=8)
    learner = PPO(env=venv, policy=MlpPolicy, batch_size=64, ent_coef=0.0, learning_rate=0.0004, gamma=0.95,
                  n_epochs=5, seed=args.seed, device="cpu")
    reward_net = BasicRewardNet(observation_space=venv.observation_space, action_space=venv.action_space,
                                normalize_input_layer=RunningNorm)
    trainer = GAIL(demonstrations=transitions, demo_batch_size=1024, gen_replay_buffer_capacity=512,
                   n_disc_updates_per_round=8, venv=venv, gen_algo=learner, reward_net=reward_net)
    eval_env = gym.make("CartPole-v1")
    eval_env.reset(seed=args.seed + 10_000)

    def evaluate() -> float:
        rets, _ = evaluate_policy(learner, eval_env, n_eval_episodes=args.eval_episodes, deterministic=True,
                                  return_episode_rewards=True)
        return float(np.mean(rets))

    gap = args.expert_return - args.random_return
    curve = {"steps": [0], "returns": [evaluate()]}
    state = {"eval_s": 0.0, "reached": None}

    class Reached(Exception):
        pass

    def callback(round_num: int) -> None:
        t = time.time()
        ret = evaluate()
        state["eval_s"] += time.time() - t
        curve["steps"].append(int(learner.num_timesteps))
        curve["returns"].append(ret)
        print(f"imitation GAIL: {learner.num_timesteps} env steps, true return {ret:.1f}", flush=True)
        if (ret - args.random_return) / gap >= args.threshold:
            state["reached"] = int(learner.num_timesteps)
            raise Reached  # stop at the first evaluation at or above the threshold

    start = time.time()
    try:
        trainer.train(args.timesteps, callback=callback)
    except Reached:
        pass
    wall = time.time() - start
    train_s = wall - state["eval_s"]
    final, final_std = (lambda r: (float(np.mean(r)), float(np.std(r))))(
        evaluate_policy(learner, eval_env, n_eval_episodes=20, deterministic=True, return_episode_rewards=True)[0])
    out = {
        "library": f"imitation {imitation.__version__}", "torch": torch.__version__, "gymnasium": gym.__version__,
        "env": "seals/CartPole-v0 (fixed horizon 500), 8 envs", "eval_env": "CartPole-v1",
        "timesteps": int(learner.num_timesteps), "steps_to_95": state["reached"], "curve": curve,
        "final_return": final, "final_return_std": final_std, "wall_clock_s": wall, "train_s": train_s,
        "throughput": learner.num_timesteps / max(train_s, 1e-9), "seed": args.seed,
        "settings": "imitation docs tutorial 3_train_gail: PPO(batch_size=64, ent_coef=0.0, learning_rate=4e-4, "
                    "gamma=0.95, n_epochs=5), BasicRewardNet+RunningNorm, GAIL(demo_batch_size=1024, "
                    "gen_replay_buffer_capacity=512, n_disc_updates_per_round=8)",
    }
    tmp = args.out + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(out, fh, indent=1)
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
