"""AIRL (Fu et al. 2018) on the shared adversarial loop, built from GAIL's steps.

    for each round:                                        # one core-loop round
        sample τ ~ π; PPO step on r = f(s, a, s')                # PPOGenerator.train_step
        update D on (expert, τ) with the logit                   # AdversarialTrainer.discriminator_step
            D = exp f / (exp f + π),  i.e.  logit = f − log π,
            f(s, a, s') = g(s, a) + γ·h(s') − h(s)

Everything but the discriminator is GAIL's (:func:`advrl.gail.trainer.build_gail`:
demos, horizon, PPO generator, evaluation, checkpoints, run directory): the
discriminator is :class:`AIRLRewardNet`, whose log π(a|s) comes from the current PPO
policy (a callable the net is bound to once the generator exists), for expert and
generator batches alike. g is state-only by default (g(s), Fu et al.'s disentangled reward;
``state_only=False``: g(s, a)). The saved ``reward_net.pt`` is f(s, a, s') frozen — the reward
with its potential shaping, without the policy term — and ``reward_g.pt`` g alone
(Fu et al.'s reward for new dynamics), each a
:class:`~advrl.gail.learned_reward.LearnedReward` (metadata ``algorithm: airl``), so
``advrl gail reward`` re-trains a fresh policy on either as it does on GAIL's. On
HalfCheetah h stays ≈ 0, so f ≈ g (:mod:`advrl.gail.shaped_reward`).

The policy's reward during training is f, plus PPO's own entropy bonus (the env's
``ent_coef``), not the logit f − log π of imitation's AIRL and Fu et al. (Sec. 5), whose
−log π is an entropy bonus of weight 1 earned at every step an episode lasts: in an env
that ends early it pays for surviving, whatever the demos do. Measured on CartPole
(25k steps, seeds 1 and 2): with the logit, demos of a *random* policy (return 23)
taught balancing (final returns 418 and 369 with g(s, a); 455 and 174 before session 26's
gradient-penalty fix, :mod:`advrl.gail.shaped_reward`); with f they do not (12 and 13 with the
default g(s), 9 and 12 with g(s, a); a test keeps it so), while the expert's demos teach it from
an untrained policy (500 and 492 with g(s); g(s, a): 500 and 333 since session 27's termination
flags, 125 and 339 before the fix).
``AIRLConfig(policy_reward="logit")`` gives the logit where that is wanted (no early
ends, or ``--horizon fixed``). Under either, the virtual absorbing state has potential 0
and log π 0, so its f (and logit) is g there.

AIRL starts, as GAIL does, from a policy behaviour-cloned on the demos and keeps an
annealed BC term (``bc_steps`` None: GAIL's default; ``bc_steps=0`` starts from the
untrained policy). Without it D's logit is decided by −log π wherever the initial
policy is narrow or far from the expert: on HalfCheetah under rl-zoo's PPO row (initial
std 0.135) D(expert) is 1.000 from the first round, f gets no pull and the policy's
reward stays ≈ 0 (1,086 after 1M env steps, 0.14 of the expert; 8,445 at 250k with the
warm start; both before session 26's fix). On Pendulum (30k env steps, seeds 0-4) the
warm-started AIRL reaches −218 / −342 / −301 / −238 / −1,213 with g(s) (session 28; g(s, a):
−183 / −256 / −224 / −325 / −1,400) where the cold start ended at −1,407 / −1,605 (seeds 0-1, g(s, a),
before the fix);
CartPole holds the warm start's 500 at every evaluation to 100k (seeds 1, 2; g(s, a)), and demos
of a random policy still teach nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import gymnasium as gym
import numpy as np
import torch

from advrl.core import Callback, Discriminator, UserError, eval_mode
from advrl.gail.horizon import Horizon
from advrl.gail.learned_reward import LearnedReward
from advrl.gail.reward_net import RewardNetConfig
from advrl.gail.shaped_reward import ShapedRewardNet
from advrl.gail.trainer import GAILConfig, GAILRun, build_gail, train_to_end
from advrl.gail.wrapper import CriticReward, make_batch

LogProb = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass
class AIRLConfig(GAILConfig):
    """A GAIL config with AIRL's defaults (every other default is GAIL's)."""

    policy_reward: str = "f"  # f(s, a, s') (with PPO's entropy bonus), or logit: f − log π (module docstring)
    reward: str = "logit"  # D's score transform for policy_reward="logit" (the identity: the logit itself)
    # AIRL keeps the generator settings its numbers were measured with (GAIL's newer defaults were chosen on
    # GAIL runs): D's logit holds log π of the current policy, so fakes from the last 4 rollouts only, and PPO
    # without GAIL's entropy bonus (CartPole 25k, seeds 1-4: 132/72/197/121 without, 61/101/273/66 with it)
    buffer_rounds: int = 4
    ppo: dict[str, Any] = field(default_factory=lambda: {"ent_coef": 0.0})
    # GAIL's behaviour-cloning warm start and annealed BC term (None: GAIL's 1000 steps). Without it a narrow
    # initial policy saturates D through −log π (HalfCheetah: f ≈ 0, 1,086 after 1M) and Pendulum is not learned
    # in 30k (−1,407 / −1,605); with it HalfCheetah reaches 8,445 at 250k and Pendulum −218 / −342 (seeds 0, 1; tests)
    bc_steps: int | None = None
    # g(s) (Fu et al.'s disentangled reward, Sec. 5) by default, g(s, a) with ``state_only=False``
    # (``--no-state-only``; imitation's AIRL default). HalfCheetah, 1M (session 28): AIRL itself 8,934 / 8,806 / 9,040
    # with g(s) (seeds 0-2) against 9,118 / 8,889 with g(s, a) (seeds 0, 1); a fresh PPO on the frozen f reaches
    # 3,578 / 2,691 / 4,872 (g(s)) against 883 / 3,215 (g(s, a)), on the frozen g alone 4,595 / 2,252 / 4,681 against
    # 2,130 / 2,420 (PPO on the true reward 5,511; gail_mujoco.md). Classic control holds (CartPole from an untrained
    # policy 500 / 492 / 500 / 500 against 500 / 333 / 500 / 483; random demos 12 / 13; Pendulum −218 / −342 / −301 /
    # −238 / −1,213 against −183 / −256 / −224 / −325 / −1,400: tests/gail/test_airl_learning.py)
    state_only: bool = True


class AIRLRewardNet(ShapedRewardNet, Discriminator):
    """D's logit ``f(s, a, s') − log π(a|s)`` with ``f = g(s, a) + γ·h(s') − h(s)``
    (:class:`~advrl.gail.shaped_reward.ShapedRewardNet`, whose frozen copy is the saved reward).

    The virtual absorbing state (``--horizon absorbing``) has log π 0 as well as potential 0
    (no choice there). ``embed`` gives one tensor (f's inputs and log π) that ``head``
    turns into the logit, so the loop's gradient penalty applies as for GAIL (on f's inputs:
    the masks and log π are columns of the tensor that ``head`` detaches).
    :meth:`bind_policy` gives the net the generator's log π and γ before it scores anything.
    """

    forward = Discriminator.forward  # head(embed(batch)): the loop's gradient penalty on the embedding

    def __init__(self, config: RewardNetConfig) -> None:
        super().__init__(config)
        self.log_prob: LogProb | None = None

    def bind_policy(self, log_prob: LogProb, gamma: float) -> None:
        """Score with the policy's ``log_prob(obs, acts) -> [B]`` and discount ``gamma``."""
        self.log_prob, self.gamma = log_prob, float(gamma)

    def embed(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        if self.log_prob is None:
            raise RuntimeError("AIRLRewardNet scored before bind_policy (it needs the policy's log π and γ)")
        x = self.shaping_inputs(batch)
        keep = x[:, -2]
        log_pi = self.log_prob(batch["obs"], batch["acts"]).reshape(x.shape[0]).to(x.device) * keep
        return torch.cat([x, log_pi[:, None]], dim=1)

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.shaped(x) - x[:, -1].detach()  # log π is the policy's, not an input of D to penalise

    def shaped_reward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """f(s, a, s') of a batch."""
        return self.shaped(self.shaping_inputs(batch))

    @torch.no_grad()
    def init_normalizers(self, batch: dict[str, torch.Tensor]) -> None:
        self.g.init_normalizers(batch)


def policy_log_prob(policy: Any) -> LogProb:
    """log π(a|s) of an SB3 actor-critic policy (no gradient; on the caller's device)."""

    def log_prob(obs: torch.Tensor, acts: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            dist = policy.get_distribution(obs.to(policy.device))
            return dist.log_prob(acts.to(policy.device)).float().to(obs.device)

    return log_prob


def airl_discriminator(cfg: AIRLConfig, horizon: Horizon, obs_space: gym.Space, act_space: gym.Space
                       ) -> AIRLRewardNet:
    """AIRL's D for these spaces (g over (obs[, act][, absorbing flag]): no act with ``state_only``)."""
    return AIRLRewardNet(RewardNetConfig.for_spaces(obs_space, act_space, hidden=list(cfg.hidden),
                                                    absorbing=horizon.absorbing_input,
                                                    use_action=not cfg.state_only))


class ShapedReward(CriticReward):
    """The policy's reward f(s, a, s') from the current :class:`AIRLRewardNet` (no log π
    term; eval mode, no gradient), in place of the critic's reward of D's logit."""

    def __call__(self, obs, acts, next_obs, dones, absorbing=None) -> np.ndarray:
        if self.critic is None:
            raise RuntimeError("ShapedReward used before the trainer set its critic")
        with eval_mode(self.critic.discriminator) as net, torch.no_grad():
            batch = make_batch(obs, acts, next_obs, dones, self.critic.device, absorbing)
            return net.shaped_reward(batch).float().cpu().numpy()


POLICY_REWARDS = ("f", "logit")


class AIRLRun(GAILRun):
    """A built AIRL run: a :class:`GAILRun` whose saved reward is f (and g beside it) and whose summary
    says AIRL."""

    reward_net: AIRLRewardNet

    def learned_reward(self) -> LearnedReward:
        """f(s, a, s') = g + γh(s') − h(s) frozen (``reward_net.pt``), the identity as its transform: the
        reward this run's policy trained on under the default ``policy_reward="f"`` (less PPO's entropy
        bonus), to re-train a fresh one."""
        return self.frozen_reward(self.reward_net, "logit", algorithm="airl", reward_term="f(s,a,s')")

    def disentangled_reward(self) -> LearnedReward:
        """g(s) (g(s, a) with ``state_only`` off) frozen (``reward_g.pt``): Fu et al.'s reward for new dynamics."""
        term = "g(s,a)" if self.reward_net.g.config.use_action else "g(s)"
        return self.frozen_reward(self.reward_net.g, "logit", algorithm="airl", reward_term=term)

    def extra_rewards(self) -> dict[str, LearnedReward]:
        return {"reward_g.pt": self.disentangled_reward()}

    @torch.no_grad()
    def potential_stats(self) -> dict[str, float]:
        """How much of f the potential carries, on the demos' transitions (absorbing rows left
        out): the spread of g and of h(s), and the mean and largest |f − g| = |γh(s') − h(s)|
        per step. Where |f − g| is small against g's spread, f and g are nearly one reward."""
        t = self.real_transitions
        batch = make_batch(t["obs"], t["acts"], t["next_obs"], t["dones"], self.trainer.device, t.get("absorbing"))
        real = batch["absorbing"] < 0.5 if "absorbing" in batch else torch.ones_like(batch["dones"], dtype=torch.bool)
        with eval_mode(self.reward_net) as net:
            f, g = net.shaped_reward(batch)[real], net.g(batch)[real]
            h = net.h(net._norm_obs(batch["obs"])).squeeze(1)[real]
        gap = (f - g).abs()
        return {"g_std": float(g.std()), "h_std": float(h.std()), "h_mean": float(h.mean()),
                "f_minus_g_abs_mean": float(gap.mean()), "f_minus_g_abs_max": float(gap.max())}

    def summary(self) -> dict[str, Any]:
        return {**super().summary(), "algorithm": "airl", "potential_on_demos": self.potential_stats()}


def build_airl(config: AIRLConfig, demos: Any = None, callbacks: list[Callback] | None = None) -> AIRLRun:
    """Assemble AIRL: GAIL's run with :class:`AIRLRewardNet` bound to the PPO policy."""
    if config.algo != "ppo":
        raise UserError(f"AIRL's discriminator needs the PPO policy's log-probabilities; --algo {config.algo} "
                        "is not supported (use ppo)")
    if config.policy_reward not in POLICY_REWARDS:
        raise UserError(f"unknown AIRL policy reward {config.policy_reward!r}; expected one of "
                        f"{', '.join(POLICY_REWARDS)}")
    run = build_gail(config, demos, callbacks, discriminator=airl_discriminator, run_type=AIRLRun)
    run.reward_net.bind_policy(policy_log_prob(run.ppo.policy), gamma=run.ppo.gamma)
    if config.policy_reward == "f":  # the reward wrapper and the generator share one reward object
        run.generator.reward_fn = run.generator.reward_env.reward_fn = ShapedReward(fast=False)
    return run


def train_airl(config: AIRLConfig, demos: Any = None, callbacks: list[Callback] | None = None) -> AIRLRun:
    """Build, train and (when ``config.out`` is set) save an AIRL run (as :func:`train_gail`)."""
    return train_to_end(build_airl(config, demos, callbacks))


__all__ = ["AIRLConfig", "AIRLRewardNet", "AIRLRun", "POLICY_REWARDS", "ShapedReward", "airl_discriminator",
           "build_airl", "policy_log_prob", "train_airl"]
