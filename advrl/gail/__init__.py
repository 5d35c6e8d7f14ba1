"""GAIL: a discriminator as the learned reward of an SB3 PPO policy (Ho & Ermon 2016).

Built on :mod:`advrl.core`: the generator is :class:`PPOGenerator` (one PPO
``learn`` per round on the learned reward, rollouts into a :class:`TransitionBuffer`),
the discriminator is :class:`RewardNet` over (obs, act[, next_obs, done]) with
running input normalisation, and :func:`train_gail` runs them on
``AdversarialTrainer(generator_first=True)`` with evaluation on the TRUE reward.

    from advrl.gail import GAILConfig, train_gail, LearnedReward
    run = train_gail(GAILConfig(env_id="CartPole-v1", demos="experts/demos/CartPole-v1.npz", out="runs/g"))
    reward = LearnedReward.load("runs/g/reward_net.pt")     # reward(obs, acts, next_obs, dones)

Horizon handling (``GAILConfig.horizon`` / ``--horizon``): ``absorbing`` (default,
virtual absorbing state, DAC), ``fixed`` (the ``advrl/*Fixed`` envs of :mod:`envs`),
``none`` (leaks a survival bonus). See :func:`advrl.gail.trainer.training_env_id`.
"""

import envs  # noqa: F401  (registers the advrl/* fixed-horizon env ids)
from advrl.gail.buffer import TransitionBuffer
from advrl.gail.generator import PPOGenerator
from advrl.gail.learned_reward import LearnedReward
from advrl.gail.reward_net import NumpyRewardNet, RewardNet, RewardNetConfig, RunningNorm
from advrl.gail.trainer import GAILConfig, GAILRun, TrueRewardEval, build_gail, train_gail
from advrl.gail.wrapper import CriticReward, RewardVecEnvWrapper

__all__ = [
    "CriticReward", "GAILConfig", "GAILRun", "LearnedReward", "NumpyRewardNet", "PPOGenerator", "RewardNet",
    "RewardNetConfig", "RewardVecEnvWrapper", "RunningNorm", "TransitionBuffer", "TrueRewardEval", "build_gail",
    "train_gail",
]
