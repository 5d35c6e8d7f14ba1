"""Behaviour-cloning warm start of the GAIL generator's SB3 policy.

GAIL's policy starts random and spends its first rollouts finding the expert's region of the state space.
Initialising it by behaviour cloning on the demonstrations, then letting GAIL correct BC's compounding errors,
is the usual remedy (e.g. Jena et al. 2020, "Augmenting GAIL with BC for sample efficient imitation
learning"; Sasaki et al. 2019). Two details keep the warm start from being undone:

* a Gaussian policy's action noise is left where PPO's settings put it: maximum likelihood on a deterministic
  expert would shrink it towards 0 (through ``log_std``, and with gSDE through the latent features too), and
  PPO then explores too little to correct anything (the std collapse seen in GAIL's Pendulum runs). A
  continuous policy fits its mean action by squared error, ``log_std`` untouched; a discrete one its
  logits by maximum likelihood with a small entropy bonus;
* a policy that normalises its own observations (:mod:`advrl.gail.obs_norm`) takes the demonstrations'
  statistics first, so that the cloned actor sees the inputs it will see in the expert's states.
"""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np
import torch

from advrl.core.errors import UserError
from advrl.gail.obs_norm import update_obs_norm


@dataclass(frozen=True)
class BCResult:
    """What the warm start did: gradient steps, the first and last minibatch losses and the
    fraction of the demonstrations' actions the cloned policy reproduces (deterministic action;
    discrete: exact match, continuous: within 10% of the action range per dimension)."""

    steps: int
    first_loss: float
    last_loss: float
    agreement: float


def _agreement(policy, obs: torch.Tensor, acts: torch.Tensor) -> float:
    with torch.no_grad():
        pred = policy.get_distribution(obs).get_actions(deterministic=True)
    space = policy.action_space
    if isinstance(space, gym.spaces.Box):
        scale = torch.as_tensor(np.where(np.isfinite(space.high - space.low), space.high - space.low, 2.0),
                                dtype=pred.dtype, device=pred.device)
        return float(((pred - acts).abs() <= 0.1 * scale).all(dim=-1).float().mean())
    return float((pred.reshape(acts.shape) == acts).float().mean())


class BehaviourCloner:
    """Behaviour-cloning steps on an SB3 ``ActorCriticPolicy``'s actor towards the expert pairs
    (``obs``, ``acts``), with its own Adam (PPO's is left untouched): continuous actions by the
    squared error of the mean action, ``log_std`` not trained; discrete ones by maximum likelihood
    with an entropy bonus ``ent_weight`` (imitation's BC default). The value network is untouched
    (see the module docstring)."""

    def __init__(self, policy, obs: np.ndarray, acts: np.ndarray, batch_size: int = 64, lr: float = 1e-3,
                 ent_weight: float = 1e-3, seed: int = 0) -> None:
        if len(obs) == 0 or len(obs) != len(acts):
            raise UserError(f"behaviour cloning needs as many expert actions as observations, got "
                            f"{len(obs)} observations and {len(acts)} actions")
        self.policy, self.batch_size, self.lr, self.ent_weight = policy, batch_size, lr, ent_weight
        device = policy.device
        self.obs = torch.as_tensor(np.asarray(obs), dtype=torch.float32, device=device)
        acts_t = torch.as_tensor(np.asarray(acts), device=device)
        self.continuous = isinstance(policy.action_space, gym.spaces.Box)
        self.acts = acts_t.float().reshape(len(acts_t), -1) if self.continuous else acts_t.long().reshape(-1)
        frozen = {id(p) for name, p in policy.named_parameters() if name == "log_std"}
        frozen |= {id(p) for module in (policy.mlp_extractor.value_net, policy.value_net) for p in module.parameters()}
        self.params = [p for p in policy.parameters() if id(p) not in frozen]
        self.optimizer = torch.optim.Adam(self.params, lr=lr)
        self.generator = torch.Generator().manual_seed(seed)

    def loss(self, idx: torch.Tensor) -> torch.Tensor:
        """The BC loss on the expert pairs ``idx``."""
        obs, acts = self.obs[idx], self.acts[idx]
        dist = self.policy.get_distribution(obs)
        if self.continuous:
            return (dist.mode().reshape(acts.shape) - acts).pow(2).mean()
        loss = -dist.log_prob(acts).mean()
        entropy = dist.entropy()
        return loss - self.ent_weight * entropy.mean() if entropy is not None and self.ent_weight else loss

    def step(self, steps: int, lr: float | None = None) -> list[float]:
        """``steps`` Adam steps (learning rate ``lr``, default the cloner's); returns their losses."""
        for group in self.optimizer.param_groups:
            group["lr"] = self.lr if lr is None else lr
        losses: list[float] = []
        was_training = self.policy.training
        self.policy.set_training_mode(True)
        for _ in range(steps):
            idx = torch.randint(len(self.obs), (min(self.batch_size, len(self.obs)),), generator=self.generator)
            loss = self.loss(idx.to(self.obs.device))
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            losses.append(float(loss.detach()))
        self.policy.set_training_mode(was_training)
        return losses

    def agreement(self) -> float:
        """The share of the demos' actions the policy's deterministic action reproduces."""
        return _agreement(self.policy, self.obs, self.acts)

    def state_dict(self) -> dict:
        return {"optimizer": self.optimizer.state_dict(), "rng": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.optimizer.load_state_dict(state["optimizer"])
        self.generator.set_state(state["rng"])


def bc_pretrain(policy, obs: np.ndarray, acts: np.ndarray, steps: int = 1000, seed: int = 0,
                **kwargs) -> tuple[BehaviourCloner, BCResult]:
    """Warm-start ``policy``: take the demonstrations' observation statistics (a policy that normalises
    its observations) and run ``steps`` :class:`BehaviourCloner` steps. Returns the cloner (for a
    regulariser that keeps pulling towards the demos) and what the warm start did."""
    if steps <= 0:
        raise UserError(f"--bc-steps must be > 0 to warm-start the policy, got {steps}")
    update_obs_norm(policy, obs)
    cloner = BehaviourCloner(policy, obs, acts, seed=seed, **kwargs)
    losses = cloner.step(steps)
    return cloner, BCResult(steps, losses[0], float(np.mean(losses[-20:])), cloner.agreement())


__all__ = ["BCResult", "BehaviourCloner", "bc_pretrain"]
