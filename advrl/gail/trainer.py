"""GAIL (Ho & Ermon 2016, Algorithm 1) on the shared adversarial loop.

    for i = 0, 1, 2, ...                               # one core-loop round
        sample trajectories τ_i ~ π_θi                 # PPO rollout on the learned reward
        update D_w with (expert, τ_i) batches, k steps # discriminator ascent (core loop)
        update π_θi with reward -log(1 - D_w(s, a))    # the PPO update of the same learn()

In the core loop's terms: the generator is :class:`PPOGenerator` (``train_step`` =
``ppo.learn(n_steps · n_envs)`` while the reward wrapper reads the current critic),
``generator_first=True`` (rollouts exist before the discriminator needs them), and
the fakes are the last rollout(s), kept in a :class:`TransitionBuffer`. PPO's update
within ``learn`` uses the rewards computed *during* its rollout, i.e. by D_{w_{i-1}}
— the usual on-policy implementation of Algorithm 1 (imitation, baselines).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from advrl.core import (AdversarialTrainer, Callback, LoopConfig, atomic_path, make_objective, resolve_device,
                        seed_everything)
from advrl.gail.buffer import TransitionBuffer
from advrl.gail.expert_data import expert_transitions, to_real_data
from advrl.gail.generator import PPOGenerator
from advrl.gail.learned_reward import LearnedReward
from advrl.gail.reward_net import RewardNet, RewardNetConfig
from advrl.gail.wrapper import CriticReward, RewardVecEnvWrapper

# PPO settings for the generator (rl-zoo's per-env PPO settings; "lin" = linear
# decay over the whole GAIL run). The same settings drive the PPO baseline in
# benchmarks/gail_classic.py so throughput and sample efficiency compare like for like.
GAIL_PPO: dict[str, dict[str, Any]] = {
    "CartPole-v1": dict(n_envs=8, n_steps=32, batch_size=256, gae_lambda=0.8, gamma=0.98, n_epochs=20,
                        ent_coef=0.0, learning_rate=("lin", 1e-3), clip_range=("lin", 0.2)),
    "Pendulum-v1": dict(n_envs=4, n_steps=1024, gae_lambda=0.95, gamma=0.9, n_epochs=10, ent_coef=0.0,
                        learning_rate=1e-3, clip_range=0.2, use_sde=True, sde_sample_freq=4),
    "Acrobot-v1": dict(n_envs=16, n_steps=256, gae_lambda=0.94, gamma=0.99, n_epochs=4, ent_coef=0.0),
    "MountainCarContinuous-v0": dict(n_envs=4, n_steps=256, batch_size=256, gamma=0.99, learning_rate=3e-4,
                                     ent_coef=0.0, n_epochs=10, gae_lambda=0.9, use_sde=True,
                                     policy_kwargs=dict(log_std_init=-1.0, ortho_init=False)),
    "MountainCar-v0": dict(n_envs=16, n_steps=16, gae_lambda=0.98, gamma=0.99, n_epochs=4, ent_coef=0.0),
}
DEFAULT_PPO: dict[str, Any] = dict(n_envs=8, n_steps=256, batch_size=256, n_epochs=10, gamma=0.99)


class _LinearToZero:
    """``start · (1 - progress)`` over a whole run that spans many ``learn`` calls
    (SB3's own progress restarts at each call)."""

    def __init__(self, start: float, total_timesteps: int) -> None:
        self.start, self.total = float(start), max(int(total_timesteps), 1)
        self.model: Any = None

    def __call__(self, _progress_remaining: float) -> float:
        done = self.model.num_timesteps if self.model is not None else 0
        return self.start * max(1.0 - done / self.total, 0.02)


def ppo_settings(env_id: str, total_timesteps: int, overrides: dict[str, Any] | None = None
                 ) -> tuple[int, dict[str, Any], list[_LinearToZero]]:
    """``(n_envs, PPO kwargs, schedules needing .model)`` for ``env_id``."""
    import envs

    raw = dict(GAIL_PPO.get(envs.base_env_id(env_id), DEFAULT_PPO))
    raw.update(overrides or {})
    n_envs = int(raw.pop("n_envs"))
    schedules: list[_LinearToZero] = []
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, tuple) and value and value[0] == "lin":
            schedules.append(_LinearToZero(value[1], total_timesteps))
            value = schedules[-1]
        kwargs[key] = value
    return n_envs, kwargs, schedules


def make_ppo(env_id: str, venv: Any, total_timesteps: int, seed: int, device: str | torch.device,
             overrides: dict[str, Any] | None = None):
    """SB3 PPO with the env's GAIL settings on ``venv`` (silent logger)."""
    from stable_baselines3 import PPO
    from stable_baselines3.common.logger import configure

    _, kwargs, schedules = ppo_settings(env_id, total_timesteps, overrides)
    ppo = PPO("MlpPolicy", venv, seed=seed, device=device, verbose=0, **kwargs)
    for schedule in schedules:
        schedule.model = ppo
    ppo.set_logger(configure(None, []))
    return ppo


@dataclass
class GAILConfig:
    """Everything a GAIL run needs (the CLI's flags)."""

    env_id: str
    demos: str | None = None  # demo file (any format load_demos reads)
    horizon: str = "absorbing"  # absorbing | fixed | none  (see training_env_id)
    total_timesteps: int = 100_000  # generator env steps
    n_envs: int | None = None  # default: per-env PPO settings
    ppo: dict[str, Any] = field(default_factory=dict)  # PPO kwarg overrides
    loss: str = "minimax"  # core objective (D loss)
    reward: str = "neg_log_one_minus_d"  # core reward transform (GAIL: -log(1 - D))
    gp_weight: float = 0.0  # gradient penalty on D (0: off)
    entropy_weight: float = 0.0  # D entropy bonus (auxiliary loss; 0: off)
    hidden: list[int] = field(default_factory=lambda: [64, 64])
    use_next_obs: bool = False
    use_done: bool = False
    d_steps: int = 2  # discriminator updates per round (k)
    batch_size: int = 256  # expert and generator samples per D update
    d_lr: float = 3e-4
    buffer_rounds: int = 1  # rollouts kept as fakes (1: the current policy only, as in GAIL)
    normalize_reward: bool = True  # VecNormalize(norm_obs=False) on the learned reward
    max_demo_episodes: int | None = None  # use only the first N expert episodes
    seed: int = 0
    device: str = "auto"
    out: str | None = None  # run directory (policy, reward net, checkpoint, TensorBoard)
    resume: bool = False
    checkpoint_every: int = 50  # rounds
    eval_every: int = 0  # rounds between true-reward evaluations (0: every eval_every_steps env steps)
    eval_every_steps: int = 10_000  # used when eval_every is 0 (<= 0: only before/after)
    eval_episodes: int = 10
    progress: bool = True
    tensorboard: bool = True


class TrueRewardEval(Callback):
    """Evaluate the policy on the TRUE reward (SB3 ``evaluate_policy`` on an env
    without the learned-reward wrapper) before training, every ``every`` rounds
    and at the end; logs ``eval/true_return``."""

    def __init__(self, eval_env: Any, every: int, episodes: int, deterministic: bool = True) -> None:
        self.eval_env, self.every, self.episodes, self.deterministic = eval_env, every, episodes, deterministic
        self.results: list[dict[str, float]] = []
        self.seconds = 0.0  # wall time spent evaluating (excluded from throughput)
        self.cpu_seconds = 0.0  # process CPU time spent evaluating

    def evaluate(self, trainer: AdversarialTrainer) -> dict[str, float]:
        import time

        from stable_baselines3.common.evaluation import evaluate_policy

        start, cpu_start = time.perf_counter(), time.process_time()
        ppo = trainer.generator.ppo
        mean, std = evaluate_policy(ppo, self.eval_env, n_eval_episodes=self.episodes,
                                    deterministic=self.deterministic, warn=False)
        row = {"round": float(trainer.round), "env_steps": float(ppo.num_timesteps),
               "true_return": float(mean), "true_return_std": float(std)}
        self.results.append(row)
        self.seconds += time.perf_counter() - start
        self.cpu_seconds += time.process_time() - cpu_start
        trainer.logger.log(trainer.round, {"eval/true_return": mean, "eval/true_return_std": std,
                                           "eval/env_steps": ppo.num_timesteps})
        return row

    def on_train_start(self, trainer: AdversarialTrainer) -> None:
        if not self.results or self.results[-1]["round"] != trainer.round:
            self.evaluate(trainer)

    def on_round_end(self, trainer: AdversarialTrainer, metrics: dict[str, float]) -> bool | None:
        if self.every and trainer.round % self.every == 0:
            self.evaluate(trainer)
        return None

    def on_train_end(self, trainer: AdversarialTrainer) -> None:
        if self.results[-1]["round"] != trainer.round:
            self.evaluate(trainer)


@dataclass
class GAILRun:
    """A built GAIL run: call :meth:`train`, then :meth:`save`."""

    config: GAILConfig
    trainer: AdversarialTrainer
    generator: PPOGenerator
    reward_net: RewardNet
    evaluator: TrueRewardEval
    train_env_id: str
    real_transitions: dict[str, np.ndarray]
    horizon_steps: int | None = None

    @property
    def ppo(self):
        return self.generator.ppo

    @property
    def evaluations(self) -> list[dict[str, float]]:
        return self.evaluator.results

    def train(self, rounds: int | None = None):
        return self.trainer.train(rounds)

    def learned_reward(self) -> LearnedReward:
        net = RewardNet(self.reward_net.config)
        net.load_state_dict({k: v.detach().cpu() for k, v in self.reward_net.state_dict().items()})
        return LearnedReward(net, self.config.reward, self.train_env_id,
                             metadata={"horizon": self.config.horizon, "base_env_id": self.config.env_id,
                                       "loss": self.config.loss,
                                       "absorbing_horizon": self.horizon_steps if self.config.horizon == "absorbing"
                                       else None})

    def save(self, out: str | Path | None = None) -> dict[str, Path]:
        """Write ``policy.zip`` (SB3), ``reward_net.pt`` (LearnedReward) and
        ``config.json`` into ``out`` (atomic writes)."""
        out = Path(out or self.config.out or ".")
        out.mkdir(parents=True, exist_ok=True)
        paths = {"policy": out / "policy.zip", "reward": out / "reward_net.pt", "config": out / "config.json"}
        with atomic_path(paths["policy"]) as tmp:
            self.ppo.save(tmp)
            saved = Path(str(tmp) + ".zip") if not tmp.exists() and Path(str(tmp) + ".zip").exists() else tmp
            if saved != tmp:
                os.replace(saved, tmp)
        self.learned_reward().save(paths["reward"])
        with atomic_path(paths["config"]) as tmp:
            tmp.write_text(json.dumps({**asdict(self.config), "train_env_id": self.train_env_id,
                                       "evaluations": self.evaluations}, indent=2))
        return paths


def training_env_id(env_id: str, horizon: str) -> str:
    """The env the generator runs in for ``--horizon``:

    * ``absorbing`` (default): the env as registered; an episode that truly ends
      at step t < H is credited the learned reward of the remaining H - t steps in
      a *virtual* absorbing state (DAC, Kostrikov et al. 2019), so episode length
      carries no built-in bonus and no env steps are spent simulating absorption;
    * ``fixed``: the ``advrl/<Name>Fixed-*`` env, which simulates the absorbing
      steps (sound but slow: most PPO samples after an early fall carry no signal);
    * ``none``: the env as registered with GAIL's positive reward — early
      termination leaks a survival bonus (imitation#40/#324).
    """
    import envs

    if horizon not in envs.HORIZON_MODES:
        raise ValueError(f"unknown --horizon {horizon!r}; expected one of {', '.join(envs.HORIZON_MODES)}")
    if horizon == "absorbing":
        return envs.base_env_id(env_id)
    return envs.horizon_env_id(envs.base_env_id(env_id) if horizon == "fixed" else env_id, horizon)


def load_expert_demos(path: str | os.PathLike, env_id: str):
    """``load_demos`` validated against the original env's spaces (one clear error)."""
    import envs
    from advrl.demos import load_demos

    return load_demos(path, env=envs.base_env_id(env_id))


def build_gail(config: GAILConfig, demos: Any = None, callbacks: list[Callback] | None = None) -> GAILRun:
    """Assemble GAIL on :class:`~advrl.core.AdversarialTrainer` (see module docstring)."""
    import envs
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import VecNormalize

    from advrl.gail.experts import check_env_id

    cfg = config
    check_env_id(cfg.env_id)
    train_id = training_env_id(cfg.env_id, cfg.horizon)
    if demos is None:
        if cfg.demos is None:
            raise ValueError("GAIL needs expert demonstrations: give --demos FILE")
        demos = load_expert_demos(cfg.demos, cfg.env_id)
    if cfg.max_demo_episodes:
        from advrl.demos import Demonstrations

        end = demos.episode_slices()[: cfg.max_demo_episodes][-1].stop
        demos = Demonstrations(**{k: (getattr(demos, k)[:end] if getattr(demos, k) is not None else None)
                                  for k in ("obs", "acts", "next_obs", "dones", "terminals", "rewards",
                                            "next_obs_missing")}, metadata=demos.metadata)
    device = resolve_device(cfg.device)
    seed_everything(cfg.seed)

    probe = gym.make(train_id)
    obs_space, act_space = probe.observation_space, probe.action_space
    horizon = probe.spec.max_episode_steps if probe.spec is not None else None
    probe.close()
    transitions = expert_transitions(demos, cfg.horizon, horizon, act_space, seed=cfg.seed)
    if transitions["obs"].shape[1:] != obs_space.shape:
        raise ValueError(f"{cfg.demos or 'demos'}: obs shape {transitions['obs'].shape[1:]} after the "
                         f"{cfg.horizon!r} horizon transform does not match {train_id}'s {obs_space.shape}")
    real = to_real_data(transitions)

    net = RewardNet(RewardNetConfig.for_spaces(obs_space, act_space, hidden=list(cfg.hidden),
                                               use_next_obs=cfg.use_next_obs, use_done=cfg.use_done,
                                               entropy_weight=cfg.entropy_weight,
                                               absorbing=cfg.horizon == "absorbing"))
    net.init_normalizers(real.data)

    n_envs, _, _ = ppo_settings(cfg.env_id, cfg.total_timesteps, cfg.ppo)
    n_envs = cfg.n_envs or n_envs
    venv = make_vec_env(train_id, n_envs=n_envs, seed=cfg.seed)
    reward_fn = CriticReward()
    ppo_kwargs = ppo_settings(cfg.env_id, cfg.total_timesteps, cfg.ppo)[1]
    gamma = ppo_kwargs.get("gamma", 0.99)
    # room for one rollout per buffer round plus its virtual absorbing rows
    buffer = TransitionBuffer(2 * ppo_kwargs.get("n_steps", 2048) * n_envs * max(cfg.buffer_rounds, 1))
    reward_env = RewardVecEnvWrapper(venv, reward_fn, buffer, gamma=gamma,
                                     absorbing_horizon=horizon if cfg.horizon == "absorbing" else None)
    top: Any = reward_env
    vec_norm = None
    if cfg.normalize_reward:
        vec_norm = top = VecNormalize(reward_env, norm_obs=False, norm_reward=True, gamma=gamma)
    ppo = make_ppo(cfg.env_id, top, cfg.total_timesteps, cfg.seed, device, cfg.ppo)
    generator = PPOGenerator(ppo, reward_env, reward_fn, buffer, vec_norm)

    eval_env = make_vec_env(train_id, n_envs=1, seed=cfg.seed + 10_000)
    every = cfg.eval_every or (max(1, cfg.eval_every_steps // generator.steps_per_round)
                               if cfg.eval_every_steps > 0 else 0)
    evaluator = TrueRewardEval(eval_env, every, cfg.eval_episodes)
    objective = make_objective(cfg.loss, reward_name=cfg.reward, gp_weight=cfg.gp_weight or None)
    out = Path(cfg.out) if cfg.out else None
    loop = LoopConfig(
        rounds=max(1, math.ceil(cfg.total_timesteps / generator.steps_per_round)),
        d_steps=cfg.d_steps, g_steps=1, batch_size=cfg.batch_size, generator_first=True, d_lr=cfg.d_lr,
        d_betas=(0.9, 0.999), seed=cfg.seed, device=str(device), log_every=1,
        checkpoint_every=cfg.checkpoint_every if out else 0,
        checkpoint_path=str(out / "checkpoint.pt") if out else None,
        logdir=str(out / "tb") if out and cfg.tensorboard else None, progress=cfg.progress,
    )
    trainer = AdversarialTrainer(generator, net, objective, real, loop, callbacks=[evaluator, *(callbacks or [])])
    if cfg.resume:
        ckpt = out / "checkpoint.pt" if out else None
        if ckpt is None or not ckpt.is_file():
            raise FileNotFoundError(f"--resume: no checkpoint at {ckpt} (give the --out of the earlier run)")
        trainer.resume(ckpt)
    return GAILRun(cfg, trainer, generator, net, evaluator, train_id, transitions, horizon)


def train_gail(config: GAILConfig, demos: Any = None, callbacks: list[Callback] | None = None) -> GAILRun:
    """Build, train and (when ``config.out`` is set) save a GAIL run."""
    run = build_gail(config, demos, callbacks)
    run.train()
    if config.out:
        run.save(config.out)
    return run
