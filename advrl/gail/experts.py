"""Expert policies: SB3 PPO on the true reward with rl-zoo-like settings, and
deterministic rollouts of an expert into native demonstration files."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import gymnasium as gym
import numpy as np

from advrl.gail.sb3_io import ObsNormalizer, load_ppo, obs_norm_path


def _linear(start: float):
    return lambda progress_remaining: progress_remaining * start


# rl-baselines3-zoo's PPO hyperparameters (hyperparams/ppo.yml), with budgets cut
# to what two shared CPU cores can afford (zoo budgets in comments).
EXPERT_HYPERPARAMS: dict[str, dict[str, Any]] = {
    "CartPole-v1": dict(  # zoo: 1e5 steps
        timesteps=100_000, n_envs=8, normalize=False,
        ppo=dict(n_steps=32, batch_size=256, gae_lambda=0.8, gamma=0.98, n_epochs=20, ent_coef=0.0,
                 learning_rate=("lin", 1e-3), clip_range=("lin", 0.2)),
    ),
    "Pendulum-v1": dict(  # zoo: 1e5 steps
        timesteps=150_000, n_envs=4, normalize=False,
        ppo=dict(n_steps=1024, gae_lambda=0.95, gamma=0.9, n_epochs=10, ent_coef=0.0, learning_rate=1e-3,
                 clip_range=0.2, use_sde=True, sde_sample_freq=4),
    ),
    "Acrobot-v1": dict(  # zoo: 1e6 steps, normalize: true
        timesteps=200_000, n_envs=16, normalize=False,
        ppo=dict(n_steps=256, gae_lambda=0.94, gamma=0.99, n_epochs=4, ent_coef=0.0),
    ),
    "MountainCarContinuous-v0": dict(  # zoo: 2e4 steps, normalize: true
        timesteps=20_000, n_envs=1, normalize=True,
        ppo=dict(batch_size=256, n_steps=8, gamma=0.9999, learning_rate=7.77e-05, ent_coef=0.00429,
                 clip_range=0.1, n_epochs=10, gae_lambda=0.9, max_grad_norm=5, vf_coef=0.19, use_sde=True,
                 policy_kwargs=dict(log_std_init=-3.29, ortho_init=False)),
    ),
}


def _ppo_kwargs(raw: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in raw.items():
        out[key] = _linear(value[1]) if isinstance(value, tuple) and value[0] == "lin" else value
    return out


def check_env_id(env_id: str) -> None:
    """Raise one clear ``ValueError`` for an id gymnasium does not know."""
    import envs  # noqa: F401  (registers advrl/* ids)

    if env_id not in gym.registry:
        close = [k for k in gym.registry if env_id.lower().split("-")[0] in k.lower()][:5]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown env id {env_id!r} (not in gymnasium's registry){hint}")


def train_expert(
    env_id: str, out: str | Path, *, seed: int = 0, timesteps: int | None = None, device: str = "cpu",
    progress: bool = True, verbose: int = 0,
) -> Path:
    """Train a PPO expert on the true reward; write ``out`` (SB3 zip) and, for envs
    trained with observation normalisation, ``<stem>.obs_norm.npz``."""
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import VecNormalize

    check_env_id(env_id)
    hp = EXPERT_HYPERPARAMS.get(env_id, dict(timesteps=200_000, n_envs=8, normalize=False, ppo={}))
    venv = make_vec_env(env_id, n_envs=hp["n_envs"], seed=seed)
    if hp["normalize"]:
        venv = VecNormalize(venv, norm_obs=True, norm_reward=True)
    model = PPO("MlpPolicy", venv, seed=seed, device=device, verbose=verbose, **_ppo_kwargs(hp["ppo"]))
    model.learn(total_timesteps=int(timesteps or hp["timesteps"]), progress_bar=progress)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    if hp["normalize"]:
        ObsNormalizer.from_vecnormalize(venv).save(obs_norm_path(out))
    return out


class ExpertPolicy:
    """A loaded expert: ``act(obs) -> action`` (deterministic), applying the stored
    observation normalisation when the expert was trained with one."""

    def __init__(self, policy_path: str | Path, env: gym.Env, device: str = "cpu") -> None:
        self.model = load_ppo(policy_path, env, device=device)
        norm = obs_norm_path(policy_path)
        self.normalizer = ObsNormalizer.load(norm) if norm.is_file() else None

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
):
    """Roll out an expert zip (``policy_path=None``: uniformly random actions) into
    :class:`advrl.demos.Demonstrations` (see :func:`rollout`)."""
    check_env_id(env_id)
    if policy_path is not None:
        expert = ExpertPolicy(policy_path, gym.make(env_id))
        act = lambda obs: expert.act(obs, deterministic)  # noqa: E731
    else:
        space = gym.make(env_id).action_space
        space.seed(seed)
        act = lambda obs: space.sample()  # noqa: E731
    return rollout(env_id, act, episodes, seed=seed,
                   metadata={"policy": str(policy_path) if policy_path else "random", "deterministic": deterministic})


def evaluate_expert(env_id: str, policy_path: str | Path | None, episodes: int = 20, seed: int = 10_000,
                    deterministic: bool = True) -> tuple[float, float]:
    """Mean and std of the true episode return of an expert (or random, ``None``)."""
    check_env_id(env_id)
    env = gym.make(env_id)
    expert = ExpertPolicy(policy_path, env) if policy_path is not None else None
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
