"""Expert policies: SB3 PPO on the true reward with rl-zoo-like settings, and
deterministic rollouts of an expert (any SB3 SAC, TD3 or PPO zip, loaded without
unpickling) into native demonstration files."""

from __future__ import annotations

import sys

from pathlib import Path
from typing import Any, Callable

import gymnasium as gym
import numpy as np

from advrl.core import UserError
from envs import check_env_id, names_a_registered_task, task_of
from advrl.gail.ppo_settings import EXPERT_DEFAULT_RUN, EXPERT_RUNS, ppo_settings
from advrl.gail.sb3_io import ObsNormalizer, load_obs_normalizer, load_policy, obs_norm_path


def make_eval_env(env_id: str, seed: int):
    """One env for evaluation on the true reward, seeded apart from training's envs."""
    from stable_baselines3.common.env_util import make_vec_env

    return make_vec_env(env_id, n_envs=1, seed=seed + 10_000)


def train_expert(
    env_id: str, out: str | Path, *, seed: int = 0, timesteps: int | None = None, device: str = "auto",
    progress: bool = True,
) -> Path:
    """Train a PPO expert on the true reward; write ``out`` (SB3 zip) and, for envs
    trained with observation normalisation, ``<stem>.obs_norm.npz``."""
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import VecNormalize

    check_env_id(env_id)
    settings = ppo_settings(env_id, purpose="expert")
    default_steps, normalize = EXPERT_RUNS.get(env_id, EXPERT_DEFAULT_RUN)
    total = int(timesteps or default_steps)
    venv = make_vec_env(env_id, n_envs=settings.n_envs, seed=seed)
    if normalize:
        venv = VecNormalize(venv, norm_obs=True, norm_reward=True)
    model = settings.make(venv, total, seed, device)
    model.learn(total_timesteps=total, progress_bar=progress and sys.stderr.isatty())  # no \r floods in log files
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    if normalize:
        ObsNormalizer.from_vecnormalize(venv).save(obs_norm_path(out))
    return out


class ExpertPolicy:
    """A loaded expert: ``act(obs) -> action`` (deterministic), applying the stored
    observation normalisation when the expert was trained with one.

    ``policy_path`` is any SB3 SAC, TD3 or PPO zip (``algo`` checks which; ``None`` reads it
    from the zip), rebuilt by :func:`advrl.gail.sb3_io.load_policy` without unpickling."""

    def __init__(self, policy_path: str | Path, env: gym.Env, device: str = "cpu", algo: str | None = None) -> None:
        self.model, self.algo = load_policy(policy_path, env, algo=algo, device=device)
        self.normalizer = load_obs_normalizer(policy_path, env.observation_space.shape)

    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray:
        x = self.normalizer(obs) if self.normalizer is not None else obs
        action, _ = self.model.predict(x, deterministic=deterministic)
        return action


def rollout(env_id: str, act: Callable[[np.ndarray], Any], episodes: int, *, seed: int = 0,
            metadata: dict[str, Any] | None = None):
    """Roll out ``act(obs) -> action`` for ``episodes`` episodes (episode ``i`` reset with
    ``seed + i``) and return :class:`advrl.demos.Demonstrations` with true rewards and final obs."""
    from advrl.demos import Demonstrations

    check_env_id(env_id)
    env = gym.make(env_id)
    env.action_space.seed(seed)
    cols: dict[str, list] = {k: [] for k in ("obs", "acts", "next_obs", "dones", "terminals", "rewards")}
    for ep in range(episodes):
        obs, _ = env.reset(seed=seed + ep)
        done = False
        while not done:
            action = act(obs)
            next_obs, rew, term, trunc, _ = env.step(action)
            done = term or trunc
            for key, val in zip(cols, (obs, action, next_obs, done, term, rew)):
                cols[key].append(val)
            obs = next_obs
    env.close()
    arrays = {k: np.asarray(v) for k, v in cols.items()}
    if isinstance(env.action_space, gym.spaces.Discrete):
        arrays["acts"] = arrays["acts"].astype(np.int64).reshape(-1)
    else:
        arrays["acts"] = arrays["acts"].astype(np.float32).reshape(len(arrays["acts"]), *env.action_space.shape)
    return Demonstrations(
        obs=arrays["obs"].astype(np.float32), acts=arrays["acts"], next_obs=arrays["next_obs"].astype(np.float32),
        dones=arrays["dones"].astype(bool), terminals=arrays["terminals"].astype(bool),
        rewards=arrays["rewards"].astype(np.float64), next_obs_missing=np.zeros(len(arrays["dones"]), bool),
        metadata={"format": "advrl", "env_id": env_id, "seed": seed, **(metadata or {})},
    )


def rollout_expert(
    env_id: str, policy_path: str | Path | None, episodes: int, *, seed: int = 0, deterministic: bool = True,
    algo: str | None = None,
):
    """Roll out an expert zip (SB3 SAC/TD3/PPO, ``algo`` as in :class:`ExpertPolicy`;
    ``policy_path=None``: uniformly random actions) into :class:`advrl.demos.Demonstrations`
    (see :func:`rollout`)."""
    check_env_id(env_id)
    if policy_path is not None:
        named = Path(policy_path).stem  # rl-zoo names a policy zip by its env: HalfCheetah-v3.zip
        if names_a_registered_task(named) and task_of(named) != task_of(env_id):
            raise UserError(f"{policy_path}: a policy for {named} by its name, asked to act in {env_id}; roll it out "
                            "in its own env (another version of it is fine), or rename the file if the name is wrong")
        expert = ExpertPolicy(policy_path, gym.make(env_id), algo=algo)
        act = lambda obs: expert.act(obs, deterministic)  # noqa: E731
        algo = expert.algo
        extra = {"obs_norm": expert.normalizer.source} if expert.normalizer is not None else {}
    else:
        space = gym.make(env_id).action_space
        space.seed(seed)
        act = lambda obs: space.sample()  # noqa: E731
        extra = {}
    return rollout(env_id, act, episodes, seed=seed,
                   metadata={"policy": str(policy_path) if policy_path else "random", "algo": algo,
                             "deterministic": deterministic, **extra})


def evaluate_expert(env_id: str, policy_path: str | Path | None, episodes: int = 20, seed: int = 10_000,
                    deterministic: bool = True, algo: str | None = None) -> tuple[float, float]:
    """Mean and std of the true episode return of an expert (or random, ``None``)."""
    check_env_id(env_id)
    env = gym.make(env_id)
    expert = ExpertPolicy(policy_path, env, algo=algo) if policy_path is not None else None
    env.action_space.seed(seed)
    returns = []
    for ep in range(episodes):
        obs, _ = env.reset(seed=seed + ep)
        total, done = 0.0, False
        while not done:
            act = expert.act(obs, deterministic) if expert is not None else env.action_space.sample()
            obs, rew, term, trunc, _ = env.step(act)
            total += float(rew)
            done = term or trunc
        returns.append(total)
    env.close()
    return float(np.mean(returns)), float(np.std(returns))
