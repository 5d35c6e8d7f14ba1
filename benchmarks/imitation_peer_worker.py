"""imitation 1.0.1's GAIL on an imitation-format demo file — run INSIDE the imitation virtualenv
(gymnasium 0.29 / stable-baselines3 2.2) by ``benchmarks/imitation_peer.py``; imports nothing of advrl.

The generator's PPO settings come in as JSON (``--ppo '{"n_envs": 8, "kwargs": {...}}'``), so the peer
benchmark can give imitation and advrl the same ones; ``["lin", x]`` is x decayed linearly to 2% over
the whole run (measured in the model's own step count, which is right across imitation's many ``learn``
calls). The discriminator side is imitation's documented CartPole tutorial (docs/tutorials/3_train_gail,
imitation 1.0.x): ``BasicRewardNet`` with ``RunningNorm`` input normalisation, ``GAIL(demo_batch_size=1024,
gen_replay_buffer_capacity=512, n_disc_updates_per_round=8)``.

The demos are read with ``allow_pickle=False`` (the pickled ``infos`` are skipped) and handed to GAIL
as flattened transitions. The policy is evaluated on ``--eval-env``'s true reward (deterministic actions)
after the first round past every ``--eval-every`` env steps; training always runs the whole budget.

    python benchmarks/imitation_peer_worker.py DEMOS OUT_JSON --env seals/CartPole-v0 --eval-env CartPole-v1
        --ppo JSON --timesteps N --seed S [--eval-every 16384] [--eval-episodes 5] [--final-episodes 20]
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


class LinearSchedule:
    """``start · (1 - done / total)``, never below 2% of ``start`` (advrl's LinearSchedule)."""

    def __init__(self, start: float, total: int) -> None:
        self.start, self.total, self.model = float(start), max(int(total), 1), None

    def __call__(self, _progress_remaining: float) -> float:
        done = self.model.num_timesteps if self.model is not None else 0
        return self.start * max(1.0 - done / self.total, 0.02)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("demos")
    parser.add_argument("out")
    parser.add_argument("--env", required=True, help="training env id (e.g. seals/CartPole-v0)")
    parser.add_argument("--eval-env", required=True, help="env id of the true-reward evaluation")
    parser.add_argument("--ppo", required=True, help='JSON: {"n_envs": N, "kwargs": {PPO kwargs}}')
    parser.add_argument("--timesteps", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eval-every", type=int, default=16_384)
    parser.add_argument("--eval-episodes", type=int, default=5)
    parser.add_argument("--final-episodes", type=int, default=20)
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

    import imitation

    spec = json.loads(args.ppo)
    schedules: list[LinearSchedule] = []
    kwargs = {}
    for key, value in spec["kwargs"].items():
        if isinstance(value, list) and value and value[0] == "lin":
            schedules.append(LinearSchedule(value[1], args.timesteps))
            value = schedules[-1]
        kwargs[key] = value
    rng = np.random.default_rng(args.seed)
    transitions = rollout.flatten_trajectories(load_trajectories(args.demos))
    venv = make_vec_env(args.env, rng=rng, n_envs=int(spec["n_envs"]))
    learner = PPO("MlpPolicy", venv, seed=args.seed, device="cpu", verbose=0, **kwargs)
    for s in schedules:
        s.model = learner
    reward_net = BasicRewardNet(observation_space=venv.observation_space, action_space=venv.action_space,
                                normalize_input_layer=RunningNorm)
    trainer = GAIL(demonstrations=transitions, demo_batch_size=1024, gen_replay_buffer_capacity=512,
                   n_disc_updates_per_round=8, venv=venv, gen_algo=learner, reward_net=reward_net)
    eval_env = gym.make(args.eval_env)
    eval_env.reset(seed=args.seed + 10_000)

    def evaluate(episodes: int) -> list[float]:
        rets, _ = evaluate_policy(learner, eval_env, n_eval_episodes=episodes, deterministic=True,
                                  return_episode_rewards=True)
        return [float(r) for r in rets]

    curve = {"steps": [0], "returns": [float(np.mean(evaluate(args.eval_episodes)))]}
    state = {"eval_s": 0.0, "next": args.eval_every}

    def callback(_round: int) -> None:
        if learner.num_timesteps < state["next"]:
            return
        state["next"] += args.eval_every * max(1, (learner.num_timesteps - state["next"]) // args.eval_every + 1)
        t = time.time()
        ret = float(np.mean(evaluate(args.eval_episodes)))
        state["eval_s"] += time.time() - t
        curve["steps"].append(int(learner.num_timesteps))
        curve["returns"].append(ret)
        print(f"imitation GAIL: {learner.num_timesteps} env steps, true return {ret:.1f}", flush=True)

    start = time.time()
    trainer.train(args.timesteps, callback=callback)
    wall = time.time() - start
    train_s = wall - state["eval_s"]
    final = evaluate(args.final_episodes)
    out = {
        "library": f"imitation {imitation.__version__}", "torch": torch.__version__, "gymnasium": gym.__version__,
        "env": f"{args.env}, {spec['n_envs']} envs", "eval_env": args.eval_env,
        "timesteps": int(learner.num_timesteps), "curve": curve,
        "final_return": float(np.mean(final)), "final_return_std": float(np.std(final)), "wall_clock_s": wall,
        "train_s": train_s, "throughput": learner.num_timesteps / max(train_s, 1e-9), "seed": args.seed,
        "discriminator": "imitation docs tutorial 3_train_gail: BasicRewardNet+RunningNorm, GAIL(demo_batch_size=1024, "
                         "gen_replay_buffer_capacity=512, n_disc_updates_per_round=8)",
    }
    tmp = args.out + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(out, fh, indent=1)
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main()
