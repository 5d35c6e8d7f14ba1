"""A trained GAIL or AIRL reward, frozen: save/load (weights_only) and use as a reward."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from advrl.core import UserError, load_checkpoint, make_objective, resolve_device, save_checkpoint
from advrl.gail.reward_net import RewardNet, RewardNetConfig
from advrl.gail.shaped_reward import ShapedRewardNet
from advrl.gail.wrapper import RewardVecEnvWrapper, absorbing_state_reward, make_batch

FORMAT = "advrl-gail-reward-v1"


class LearnedReward:
    """``reward(obs, acts, next_obs, dones) -> np.ndarray`` from a frozen reward net: GAIL's
    :class:`RewardNet` D, or AIRL's :class:`ShapedRewardNet` f (or its g, a RewardNet).
    ``dones`` marks true terminations only (gymnasium's ``terminated``): a step cut by a
    time limit is not done, so f keeps its γh(s') term there.

    The file (``save``) holds the net's config, weights and input-normaliser
    statistics (buffers), the reward transform's name and the env it was trained
    on, and for f its discount (``shaping_gamma``); ``load`` uses ``torch.load(weights_only=True)``.
    """

    def __init__(self, net: RewardNet | ShapedRewardNet, reward_name: str = "neg_log_one_minus_d",
                 env_id: str | None = None, metadata: dict[str, Any] | None = None,
                 device: str | torch.device = "cpu") -> None:
        self.device = resolve_device(device)
        self.net = net.to(self.device).eval()
        self.reward_name = reward_name
        self.objective = make_objective("minimax", reward_name=reward_name)
        self.env_id = env_id
        self.metadata = dict(metadata or {})

    def _batch(self, obs, acts, next_obs, dones, absorbing) -> dict[str, torch.Tensor]:
        c = self.net.config
        shaped = isinstance(self.net, ShapedRewardNet)
        for name, value, needed in (("next_obs", next_obs, shaped or c.use_next_obs),
                                    ("dones", dones, shaped or c.use_done)):
            if value is None and needed:  # make_batch's stand-ins (s' = s, no done) would give another reward
                what = "AIRL's f(s, a, s')" if shaped else "this reward"
                raise UserError(f"{what} needs {name} for every transition: pass next_obs and dones")
        return make_batch(obs, acts, next_obs, dones, self.device, absorbing)

    @torch.no_grad()
    def logits(self, obs, acts, next_obs=None, dones=None, absorbing=None) -> np.ndarray:
        return self.net(self._batch(obs, acts, next_obs, dones, absorbing)).cpu().numpy()

    @torch.no_grad()
    def __call__(self, obs, acts, next_obs=None, dones=None, absorbing=None) -> np.ndarray:
        scores = self.net(self._batch(obs, acts, next_obs, dones, absorbing))
        return self.objective.reward(scores).float().cpu().numpy()

    @property
    def absorbing_horizon(self) -> int | None:
        """Horizon of the virtual absorbing state (``--horizon absorbing`` rewards)."""
        h = self.metadata.get("absorbing_horizon")
        return int(h) if h else None

    def absorbing_reward(self) -> float:
        """The learned reward of the virtual absorbing state (``--horizon absorbing``)."""
        c = self.net.config
        acts = np.zeros((1,), np.int64) if c.act_kind == "discrete" else np.zeros((1, c.act_dim), np.float32)
        return absorbing_state_reward(self, (c.obs_dim,), acts)

    def wrap(self, venv, deferred: bool = False):
        """A VecEnv whose reward is this learned reward (true reward in ``info``);
        rewards trained with ``--horizon absorbing`` also credit early termination
        with the learned absorbing-state reward (capped as in training where the expert
        never ended early: ``metadata["cap_absorbing"]``). ``deferred``: scored per rollout
        (:func:`advrl.gail.rollout_rewards.attach_learned_reward`)."""
        return RewardVecEnvWrapper(venv, self, absorbing_horizon=self.absorbing_horizon, deferred=deferred,
                                   cap_absorbing=bool(self.metadata.get("cap_absorbing", False)))

    def save(self, path: str | Path) -> Path:
        state = {
            "format": FORMAT,
            "config": asdict(self.net.config),
            "state_dict": {k: v.detach().cpu() for k, v in self.net.state_dict().items()},
            "reward_name": self.reward_name,
            "shaping_gamma": self.net.gamma if isinstance(self.net, ShapedRewardNet) else None,
            "env_id": self.env_id,
            "metadata": self.metadata,
        }
        return save_checkpoint(state, path)

    @classmethod
    def load(cls, path: str | Path, device: str | torch.device = "cpu") -> "LearnedReward":
        state = load_checkpoint(path)
        if state.get("format") != FORMAT:
            raise UserError(f"{path}: not an advrl GAIL reward file (format={state.get('format')!r}, "
                             f"expected {FORMAT!r})")
        try:
            config, gamma = RewardNetConfig(**state["config"]), state.get("shaping_gamma")
            net = RewardNet(config) if gamma is None else ShapedRewardNet(config, float(gamma))
            net.load_state_dict(state["state_dict"])
        except (TypeError, ValueError, RuntimeError, KeyError) as exc:
            raise UserError(f"{path}: reward net config/weights do not match ({exc})") from None
        bad = [name for name, t in net.state_dict().items() if t.is_floating_point() and not torch.isfinite(t).all()]
        if bad:
            more = f" and {len(bad) - 2} more" if len(bad) > 2 else ""
            raise UserError(f"{path}: the reward net's {', '.join(bad[:2])}{more} hold NaN or infinite values")
        return cls(net, state.get("reward_name", "neg_log_one_minus_d"), state.get("env_id"),
                   state.get("metadata"), device)
