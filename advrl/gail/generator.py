"""The GAIL generator: an SB3 PPO learner behind the core Generator protocol."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

import numpy as np
import torch

from advrl.gail.bc import BCResult, BehaviourCloner
from advrl.gail.buffer import TransitionBuffer
from advrl.gail.ppo_settings import PPOSettings
from advrl.gail.rollout_rewards import RewardScaler, attach_learned_reward
from advrl.gail.wrapper import CriticReward, RewardVecEnvWrapper


def round_metrics(model: Any, reward_env: RewardVecEnvWrapper, prefix: str) -> dict[str, float]:
    """What a generator step logs: true episode returns (SB3's Monitor sits under the reward
    wrapper), the mean learned reward, env steps and the SB3 model's ``train/`` scalars."""
    metrics: dict[str, float] = {}  # first keys show in the progress bar
    if model.ep_info_buffer:
        metrics["g/true_return"] = float(np.mean([ep["r"] for ep in model.ep_info_buffer]))
    metrics["g/learned_reward"] = reward_env.pop_mean_reward()
    metrics["g/env_steps"] = float(model.num_timesteps)
    logged = model.logger.name_to_value
    metrics.update({f"{prefix}/{k.split('/')[-1]}": float(v) for k, v in logged.items() if k.startswith("train/")})
    return metrics


class PPOGenerator:
    """``train_step(critic)``: point the reward wrapper at the current critic and
    run ``ppo.learn(n_steps · n_envs)`` — one rollout on the learned reward (its
    transitions go to ``buffer``) and one PPO update. ``generate(n)`` samples the
    buffer (the fakes for the discriminator).

    Args:
        ppo: an SB3 ``PPO`` whose env is ``reward_env`` and whose rollout buffer adds
            the learned rewards of each rollout (:mod:`advrl.gail.rollout_rewards`).
        reward_env: the ``deferred`` :class:`RewardVecEnvWrapper` recording rollouts.
        reward_fn: the :class:`CriticReward` inside ``reward_env``.
        buffer: where rollouts go.
        scaler: optional reward scaling (VecNormalize's); its statistics are part of
            ``state_dict``.
    """

    def __init__(self, ppo: Any, reward_env: RewardVecEnvWrapper, reward_fn: CriticReward, buffer: TransitionBuffer,
                 scaler: RewardScaler | None = None) -> None:
        self.ppo = ppo
        self.reward_env = reward_env
        self.reward_fn = reward_fn
        self.buffer = buffer
        self.scaler = scaler
        self.steps_per_round = ppo.n_steps * ppo.n_envs
        self.bc: BehaviourCloner | None = None  # an annealed behaviour-cloning term (set_bc_regulariser)
        self.bc_until = 0  # env steps at which its weight reaches 0
        self.bc_passes = 1.0  # BC steps per round, in PPO minibatches per epoch
        self.bc_warm_start: BCResult | None = None  # what the warm start did (kept by checkpoints)

    def set_bc_regulariser(self, cloner: BehaviourCloner, until_steps: int, passes: float = 1.0) -> None:
        """After each PPO update, ``passes`` × PPO's minibatches per epoch :class:`BehaviourCloner` steps
        (``ppo.n_epochs`` passes: as many as PPO took), at the cloner's learning rate times a weight that
        decays linearly from 1 to 0 at ``until_steps`` env steps (Jena et al. 2020: the warm start is
        otherwise undone while D is still blind)."""
        self.bc, self.bc_until, self.bc_passes = cloner, max(int(until_steps), 1), passes

    def _bc_step(self) -> dict[str, float]:
        weight = max(0.0, 1.0 - self.ppo.num_timesteps / self.bc_until) if self.bc is not None else 0.0
        if weight <= 0:
            return {}
        ppo = self.ppo
        steps = max(1, round(self.bc_passes * math.ceil(self.steps_per_round / ppo.batch_size)))
        losses = self.bc.step(steps, lr=self.bc.lr * weight)
        return {"bc/loss": float(np.mean(losses)), "bc/weight": weight}

    @classmethod
    def build(cls, env_id: str, settings: PPOSettings, *, total_timesteps: int, seed: int,
              device: str | torch.device, absorbing_horizon: int | None = None, buffer_rounds: int = 1,
              buffer_recent: float = 0.0, normalize_reward: bool = True) -> "PPOGenerator":
        """PPO on ``env_id`` (``settings.n_envs`` envs) whose reward is the critic's:
        env → :class:`RewardVecEnvWrapper` (rollouts into the buffer, virtual absorbing
        state when ``absorbing_horizon``) → PPO, whose rollout buffer scores each rollout
        in one batch, optionally scaled as ``VecNormalize(norm_obs=False)`` would."""
        from stable_baselines3.common.env_util import make_vec_env

        venv = make_vec_env(env_id, n_envs=settings.n_envs, seed=seed)
        reward_fn, buffer = CriticReward(), TransitionBuffer(buffer_rounds, buffer_recent)
        reward_env = RewardVecEnvWrapper(venv, reward_fn, buffer, absorbing_horizon=absorbing_horizon, deferred=True)
        ppo = settings.make(reward_env, total_timesteps, seed, device)
        return cls(ppo, reward_env, reward_fn, buffer, attach_learned_reward(ppo, reward_env, normalize_reward))

    @property
    def model(self) -> Any:
        """The SB3 model trained (evaluation, saving)."""
        return self.ppo

    @property
    def num_timesteps(self) -> int:
        return int(self.ppo.num_timesteps)

    def generate(self, n: int) -> dict[str, torch.Tensor]:
        return self.buffer.sample(n)

    def train_step(self, critic: Any) -> dict[str, float]:
        """GAIL's generator step: with the reward r(s, a) = -log(1 - D(s, a)) of the
        current discriminator, sample τ ~ π (into the buffer: D's next fakes) and take
        a PPO step on r — one ``ppo.learn`` of one rollout."""
        self.reward_fn.set_critic(critic)
        self.buffer.start_round()
        self.ppo.learn(self.steps_per_round, reset_num_timesteps=False, progress_bar=False)
        return {**round_metrics(self.ppo, self.reward_env, "ppo"), **self._bc_step()}

    # -------------------------------------------------------------- state
    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "policy": self.ppo.policy.state_dict(),
            "optimizer": self.ppo.policy.optimizer.state_dict(),
            "num_timesteps": int(self.ppo.num_timesteps),
            "n_updates": int(getattr(self.ppo, "_n_updates", 0)),
        }
        if self.scaler is not None:
            state["reward_norm"] = self.scaler.state_dict()
        state["fakes"] = self.buffer.state_dict()
        if self.bc is not None:
            state["bc"] = self.bc.state_dict()
        if self.bc_warm_start is not None:
            state["bc_warm_start"] = asdict(self.bc_warm_start)
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.ppo.policy.load_state_dict(state["policy"])
        self.ppo.policy.optimizer.load_state_dict(state["optimizer"])
        self.ppo.num_timesteps = int(state["num_timesteps"])
        self.ppo._n_updates = int(state.get("n_updates", 0))
        if self.scaler is not None and "reward_norm" in state:
            self.scaler.load_state_dict(state["reward_norm"])
        if "fakes" in state:  # checkpoints before session 17 hold none: D's fakes refill from new rollouts
            self.buffer.load_state_dict(state["fakes"])
        if self.bc is not None and "bc" in state:
            self.bc.load_state_dict(state["bc"])
        if "bc_warm_start" in state:
            self.bc_warm_start = BCResult(**state["bc_warm_start"])
