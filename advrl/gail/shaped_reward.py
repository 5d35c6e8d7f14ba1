"""AIRL's shaped reward f(s, a, s') = g(s, a) + γ·h(s') − h(s) as a module of its own.

:class:`ShapedRewardNet` holds AIRL's reward g (a :class:`RewardNet`) and potential h
(an MLP over g's normalised observations); AIRL's discriminator
(:class:`advrl.gail.airl.AIRLRewardNet`) is one with the policy's log π added, and a
frozen copy of it is the reward AIRL saves in ``reward_net.pt`` — the reward AIRL's own
policy trained on (``policy_reward="f"``), as GAIL saves the D its policy trained on — and
g alone goes to ``reward_g.pt`` (Fu et al.'s reward for new dynamics). Under the dynamics
it was learned on, f and g have the same optimal policies (h is a potential: Ng et al.
1999). The done / absorbing masks select f's terms and are not inputs of it: a gradient
penalty on :meth:`shaping_inputs`' tensor sees f's slope in (g's features, s, s') only.
Until session 26 the masks were differentiable, so the loop's penalty charged h's values
(∂f/∂keep = −h(s)) and held h ≈ 0 on HalfCheetah (``gail_mujoco_findings.md``).
"""

from __future__ import annotations

import torch
from torch import nn

from advrl.gail.reward_net import RewardNet, RewardNetConfig, zero_output_mlp


class ShapedRewardNet(nn.Module):
    """f(s, a, s') = g(s, a) + γ·h(s') − h(s) of a batch ``{"obs", "acts", "next_obs", "dones"[, "absorbing"]}``.

    A done flag (a true termination: the reward wrapper and the horizon's expert data do not
    mark time-limit cuts, after which the MDP goes on) zeroes the γh(s') term; the virtual
    absorbing state (``--horizon absorbing``) has potential 0, so its f is g of the absorbing
    state. ``gamma`` may be
    set later (AIRL binds it with the policy). :meth:`shaping_inputs` gives one tensor
    (g's features, normalised s and s', the two masks) that :meth:`shaped` turns into f.
    """

    def __init__(self, config: RewardNetConfig, gamma: float | None = None) -> None:
        super().__init__()
        self.g = RewardNet(config)
        self.h = zero_output_mlp(config.obs_dim, list(config.hidden))  # h starts at 0: f starts as g
        self.gamma = None if gamma is None else float(gamma)
        d = config.obs_dim
        self._split = [self.g.mlp[0].in_features, d, d, 1, 1]  # g's input, s, s', keep, continue

    @property
    def config(self) -> RewardNetConfig:
        """g's config (the spaces and inputs of the reward)."""
        return self.g.config

    def _norm_obs(self, obs: torch.Tensor) -> torch.Tensor:
        obs = obs.reshape(obs.shape[0], -1).float()
        return self.g.obs_norm(obs) if self.g.obs_norm is not None else obs

    def shaping_inputs(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        x_g = self.g.embed(batch)
        n = x_g.shape[0]
        absorbing = batch.get("absorbing")
        keep = torch.ones(n, device=x_g.device) if absorbing is None else 1.0 - absorbing.float()
        cont = (1.0 - batch["dones"].float()) * keep
        return torch.cat([x_g, self._norm_obs(batch["obs"]), self._norm_obs(batch["next_obs"]),
                          keep[:, None], cont[:, None]], dim=1)

    def shaped(self, x: torch.Tensor) -> torch.Tensor:
        """f of :meth:`shaping_inputs`' tensor (columns beyond them are ignored)."""
        if self.gamma is None:
            raise RuntimeError("ShapedRewardNet used before its discount gamma was set")
        x_g, s, s_next, keep, cont = torch.split(x[:, :sum(self._split)], self._split, dim=1)
        h, h_next = self.h(s).squeeze(1), self.h(s_next).squeeze(1)
        # the masks select terms, they are not inputs of f: detached, a gradient penalty on
        # this tensor sees f's slope in (g's features, s, s') only; undetached it would also
        # penalise ∂f/∂keep = −h(s) and ∂f/∂cont = γh(s'), i.e. h's values (h was held at ≈ 0)
        keep, cont = keep.squeeze(1).detach(), cont.squeeze(1).detach()
        return self.g.head(x_g) + self.gamma * cont * h_next - keep * h

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.shaped(self.shaping_inputs(batch))

    def frozen(self) -> "ShapedRewardNet":
        """A detached CPU copy (g, h and γ only) in eval mode."""
        copy = ShapedRewardNet(self.config, self.gamma)
        copy.load_state_dict({k: v.detach().cpu() for k, v in self.state_dict().items()})
        return copy.eval()


__all__ = ["ShapedRewardNet"]
