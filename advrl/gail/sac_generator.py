"""The off-policy GAIL generator (DAC, Kostrikov et al. 2019): an SB3 SAC learner
behind the core Generator protocol.

    for each round:                                        # one core-loop round
        act with π for ``steps_per_round`` env steps,      # SACGenerator.train_step: one sac.learn;
          each transition into SAC's replay buffer         #   its gradient steps sample the replay
          and into D's buffer of fakes;                    #   buffer with rewards relabelled by the
          SAC updates on r(s, a) of the *current* D        #   current D (RelabellingReplayBuffer)
        update D on (expert, replay) batches, k steps      # AdversarialTrainer.discriminator_step

Unlike PPO's rollouts, SAC's replay data was collected under older discriminators, so
the rewards stored at collection are stale: :class:`RelabellingReplayBuffer` recomputes
them from the current discriminator each time a batch is sampled. D's fakes come from a
:class:`~advrl.gail.buffer.TransitionBuffer` spanning what the replay buffer holds (all
past rollouts up to its size, as DAC samples D's fakes from the replay buffer); under
``--horizon absorbing`` it also holds the absorbing rows weighted H - t that
:class:`~advrl.gail.wrapper.RewardVecEnvWrapper` adds, and the relabelled reward is
shifted by the absorbing state's reward (r - r_abs, a true termination bootstraps 0), so
a :class:`~advrl.gail.horizon.Horizon` means the same for SAC as for PPO.
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3.common.buffers import ReplayBuffer
from stable_baselines3.common.type_aliases import ReplayBufferSamples

from advrl.core import UserError
from advrl.gail.buffer import TransitionBuffer
from advrl.gail.generator import round_metrics
from advrl.gail.sac_settings import SACSettings
from advrl.gail.wrapper import CriticReward, RewardVecEnvWrapper, absorbing_state_reward

ROUND_STEPS = 1000  # env steps per round (one sac.learn), then the discriminator's k steps
REPLAY_ARRAYS = ("observations", "next_observations", "actions", "rewards", "dones", "timeouts")


def replay_buffer_state(buf: ReplayBuffer) -> dict[str, Any]:
    """The filled rows of an SB3 replay buffer as tensors, with its write position (for a checkpoint that
    is read with ``weights_only=True``; SB3's own ``save_replay_buffer`` pickles)."""
    upper = buf.buffer_size if buf.full else buf.pos
    arrays = {n: torch.from_numpy(np.ascontiguousarray(getattr(buf, n)[:upper]))
              for n in REPLAY_ARRAYS if getattr(buf, n, None) is not None}
    return {"pos": int(buf.pos), "full": bool(buf.full), "buffer_size": int(buf.buffer_size), **arrays}


def load_replay_buffer_state(buf: ReplayBuffer, state: dict[str, Any]) -> None:
    """Put :func:`replay_buffer_state`'s rows back into a buffer of the same size and spaces."""
    if int(state["buffer_size"]) != buf.buffer_size:
        raise ValueError(f"the checkpoint's replay buffer holds {state['buffer_size']} rows, this one "
                         f"{buf.buffer_size}")
    for name in REPLAY_ARRAYS:
        if name in state:
            rows = state[name].numpy()
            getattr(buf, name)[: len(rows)] = rows
    buf.pos, buf.full = int(state["pos"]), bool(state["full"])


class RelabellingReplayBuffer(ReplayBuffer):
    """SB3's replay buffer whose sampled rewards are the *current* discriminator's.

    ``reward_fn`` (set after SAC builds the buffer) is called on each sampled batch
    ``(obs, acts, next_obs, dones)`` with actions in the env's units (SAC stores them
    scaled to [-1, 1]) and true terminations as ``dones`` (time-limit cuts are not); with
    ``absorbing`` the absorbing state's reward of the same discriminator is subtracted (the virtual absorbing state,
    see :meth:`RewardVecEnvWrapper._absorbing_rows`). Rewards stored at collection are
    ignored. No ``VecNormalize`` reward scaling, no ``optimize_memory_usage``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.optimize_memory_usage:
            raise ValueError("RelabellingReplayBuffer keeps next observations apart (optimize_memory_usage=False)")
        self.reward_fn: Any = None
        self.absorbing = False

    def env_actions(self, scaled: np.ndarray) -> np.ndarray:
        """SAC's stored actions ([-1, 1]) in the env's units (what the env and D saw)."""
        low, high = self.action_space.low, self.action_space.high
        return (low + 0.5 * (scaled + 1.0) * (high - low)).astype(np.float32)

    def relabel(self, obs: np.ndarray, scaled_acts: np.ndarray, next_obs: np.ndarray,
                dones: np.ndarray) -> np.ndarray:
        """The current discriminator's reward of these transitions (absorbing shift included)."""
        if self.reward_fn is None:
            raise RuntimeError("RelabellingReplayBuffer sampled before its reward_fn was set")
        acts = self.env_actions(scaled_acts)
        rewards = np.asarray(self.reward_fn(obs, acts, next_obs, dones), np.float32)
        if self.absorbing:
            rewards = rewards - np.float32(absorbing_state_reward(self.reward_fn, obs.shape[1:], acts))
        return rewards

    def _get_samples(self, batch_inds: np.ndarray, env: Any = None) -> ReplayBufferSamples:
        envs = np.random.randint(0, high=self.n_envs, size=(len(batch_inds),))
        obs = self.observations[batch_inds, envs]
        acts = self.actions[batch_inds, envs]
        next_obs = self.next_observations[batch_inds, envs]
        # as SB3: a time-limit truncation is not an end, for the TD target and for the reward's dones
        terminal = self.dones[batch_inds, envs] * (1 - self.timeouts[batch_inds, envs])
        rewards = self.relabel(obs, acts, next_obs, terminal)
        data = (obs, acts, next_obs, terminal.reshape(-1, 1), rewards.reshape(-1, 1))
        return ReplayBufferSamples(*map(self.to_torch, data))


class SACGenerator:
    """``train_step(critic)``: point the reward at the current critic and run
    ``sac.learn(steps_per_round)`` — env steps into the replay buffer and D's fakes,
    SAC gradient steps on relabelled rewards. ``generate(n)`` samples D's fakes.

    Checkpoints (``state_dict``) hold the actor, critics, target critics, their
    optimisers, the entropy coefficient, the replay buffer's rows and D's fakes: a
    resumed run continues all of them (its episodes restart: the env is reset).
    """

    def __init__(self, sac: Any, reward_env: RewardVecEnvWrapper, reward_fn: CriticReward,
                 buffer: TransitionBuffer, steps_per_round: int) -> None:
        self.sac = sac
        self.reward_env = reward_env
        self.reward_fn = reward_fn
        self.buffer = buffer
        self.steps_per_round = steps_per_round

    @classmethod
    def build(cls, env_id: str, settings: SACSettings, *, seed: int, device: str | torch.device,
              absorbing_horizon: int | None = None, round_steps: int = ROUND_STEPS) -> "SACGenerator":
        """SAC on ``env_id`` whose reward is the critic's: env → :class:`RewardVecEnvWrapper`
        (transitions into D's fakes, absorbing rows when ``absorbing_horizon``) → SAC with a
        :class:`RelabellingReplayBuffer`. A round is ``round_steps`` rounded up to whole
        ``train_freq`` phases (what one ``learn`` call runs)."""
        from stable_baselines3.common.env_util import make_vec_env

        venv = make_vec_env(env_id, n_envs=settings.n_envs, seed=seed)
        if not isinstance(venv.action_space, gym.spaces.Box):
            venv.close()
            raise UserError(f"--algo sac needs a continuous (Box) action space; {env_id} has "
                            f"{venv.action_space} (use --algo ppo)")
        phase = settings.train_freq * settings.n_envs
        steps = phase * math.ceil(round_steps / phase)
        # one reward for env steps and relabelling, through torch: always the critic's current weights
        reward_fn = CriticReward(fast=False)
        buffer = TransitionBuffer(max(1, math.ceil(settings.buffer_size / steps)))
        reward_env = RewardVecEnvWrapper(venv, reward_fn, buffer, absorbing_horizon=absorbing_horizon)
        sac = settings.make(reward_env, seed, device, replay_buffer_class=RelabellingReplayBuffer)
        # set on the built buffer (not replay_buffer_kwargs, which policy.zip would pickle)
        sac.replay_buffer.reward_fn, sac.replay_buffer.absorbing = reward_fn, bool(absorbing_horizon)
        return cls(sac, reward_env, reward_fn, buffer, steps)

    @property
    def model(self) -> Any:
        """The SB3 model trained (evaluation, saving)."""
        return self.sac

    @property
    def num_timesteps(self) -> int:
        return int(self.sac.num_timesteps)

    def generate(self, n: int) -> dict[str, torch.Tensor]:
        return self.buffer.sample(n)

    def train_step(self, critic: Any) -> dict[str, float]:
        """DAC's generator step: ``steps_per_round`` env steps (into D's fakes and the
        replay buffer) and SAC updates on the current discriminator's reward."""
        self.reward_fn.set_critic(critic)
        self.buffer.start_round()
        self.sac.learn(self.steps_per_round, reset_num_timesteps=False, progress_bar=False)
        return round_metrics(self.sac, self.reward_env, "sac")

    # -------------------------------------------------------------- state
    def state_dict(self) -> dict[str, Any]:
        sac = self.sac
        state: dict[str, Any] = {
            "policy": sac.policy.state_dict(),  # actor, critic, critic_target
            "actor_optimizer": sac.actor.optimizer.state_dict(),
            "critic_optimizer": sac.critic.optimizer.state_dict(),
            "num_timesteps": int(sac.num_timesteps),
            "n_updates": int(getattr(sac, "_n_updates", 0)),
            "replay_buffer": replay_buffer_state(sac.replay_buffer),
            "fakes": self.buffer.state_dict(),
        }
        if sac.ent_coef_optimizer is not None:
            state["log_ent_coef"] = sac.log_ent_coef.detach().clone()
            state["ent_coef_optimizer"] = sac.ent_coef_optimizer.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        sac = self.sac
        sac.policy.load_state_dict(state["policy"])
        sac.actor.optimizer.load_state_dict(state["actor_optimizer"])
        sac.critic.optimizer.load_state_dict(state["critic_optimizer"])
        sac.num_timesteps = int(state["num_timesteps"])
        sac._n_updates = int(state.get("n_updates", 0))
        if "replay_buffer" in state:  # checkpoints before session 17 hold none: both buffers refill
            load_replay_buffer_state(sac.replay_buffer, state["replay_buffer"])
            self.buffer.load_state_dict(state["fakes"])
        if sac.ent_coef_optimizer is not None:
            with torch.no_grad():
                sac.log_ent_coef.copy_(state["log_ent_coef"])
            sac.ent_coef_optimizer.load_state_dict(state["ent_coef_optimizer"])


__all__ = ["ROUND_STEPS", "RelabellingReplayBuffer", "SACGenerator", "load_replay_buffer_state", "replay_buffer_state"]
