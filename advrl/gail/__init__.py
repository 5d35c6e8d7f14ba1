"""GAIL: a discriminator as the learned reward of an SB3 PPO policy (Ho & Ermon 2016).

Built on :mod:`advrl.core`: the generator is :class:`PPOGenerator` (one PPO
``learn`` per round on the learned reward, rollouts into a :class:`TransitionBuffer`),
the discriminator is :class:`RewardNet` over (obs, act[, next_obs, done]) with
running input normalisation, and :func:`train_gail` runs them on
``AdversarialTrainer(generator_first=True)`` with evaluation on the TRUE reward.

    from advrl.gail import GAILConfig, train_gail, LearnedReward
    run = train_gail(GAILConfig(env_id="CartPole-v1", demos="experts/demos/CartPole-v1.npz", out="runs/g"))
    reward = LearnedReward.load("runs/g/reward_net.pt")     # reward(obs, acts, next_obs, dones)

Horizon handling (``GAILConfig.horizon`` / ``--horizon``) is a :class:`Horizon`:
``absorbing`` (default, virtual absorbing state, DAC), ``fixed`` (the ``advrl/*Fixed``
envs of :mod:`envs`), ``none`` (leaks a survival bonus). PPO settings, shared with
the experts and the benchmarks' PPO baselines: :func:`ppo_settings`.

``GAILConfig(algo="sac")`` trains an off-policy :class:`SACGenerator` instead (DAC; SAC
settings: :func:`sac_settings`); :func:`train_airl` runs AIRL on the same steps.
"""

import envs  # noqa: F401  (registers the advrl/* fixed-horizon env ids)
from advrl.gail.airl import AIRLConfig, AIRLRewardNet, AIRLRun, build_airl, train_airl
from advrl.gail.buffer import TransitionBuffer
from advrl.gail.evaluation import normalised
from advrl.gail.experts import ExpertPolicy, evaluate_expert, make_eval_env, rollout, rollout_expert
from advrl.gail.generator import PPOGenerator
from advrl.gail.horizon import HORIZONS, Horizon, make_horizon
from advrl.gail.learned_reward import LearnedReward
from advrl.gail.ppo_settings import PPOSettings, ppo_settings
from advrl.gail.reward_net import NumpyRewardNet, RewardNet, RewardNetConfig, RunningNorm
from advrl.gail.sac_generator import RelabellingReplayBuffer, SACGenerator
from advrl.gail.sac_settings import SACSettings, sac_settings
from advrl.gail.trainer import GAILConfig, GAILRun, TrueRewardEval, build_gail, load_expert_demos, train_gail
from advrl.gail.wrapper import CriticReward, RewardVecEnvWrapper, absorbing_state_reward

__all__ = [
    "AIRLConfig", "AIRLRewardNet", "AIRLRun", "CriticReward", "ExpertPolicy", "GAILConfig", "GAILRun", "HORIZONS",
    "Horizon", "LearnedReward", "NumpyRewardNet", "PPOGenerator", "PPOSettings", "RelabellingReplayBuffer", "RewardNet",
    "RewardNetConfig", "RewardVecEnvWrapper", "RunningNorm", "SACGenerator", "SACSettings", "TransitionBuffer",
    "TrueRewardEval", "absorbing_state_reward", "build_airl", "build_gail", "evaluate_expert", "load_expert_demos",
    "make_eval_env", "make_horizon", "normalised", "ppo_settings", "rollout", "rollout_expert", "sac_settings",
    "train_airl", "train_gail",
]
