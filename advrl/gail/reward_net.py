"""The GAIL discriminator: a reward network over (obs, act[, next_obs, done])."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from advrl.core import Discriminator


class RunningNorm(nn.Module):
    """Per-feature running mean/variance (Chan et al.'s parallel update), updated
    on batches seen in training mode; frozen in eval mode. State lives in buffers,
    so it is part of ``state_dict`` and loads with ``weights_only=True``."""

    def __init__(self, dim: int, eps: float = 1e-5, clip: float = 10.0) -> None:
        super().__init__()
        self.eps, self.clip = eps, clip
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("var", torch.ones(dim))
        self.register_buffer("count", torch.zeros(()))

    @torch.no_grad()
    def update(self, x: torch.Tensor) -> None:
        x = x.detach().reshape(-1, self.mean.shape[0]).to(self.mean.dtype)
        n = x.shape[0]
        if n == 0:
            return
        b_mean, b_var = x.mean(0), x.var(0, unbiased=False)
        total = self.count + n
        delta = b_mean - self.mean
        m2 = self.var * self.count + b_var * n + delta.pow(2) * self.count * n / total
        self.mean += delta * n / total
        self.var.copy_(m2 / total)
        self.count.copy_(total)

    def forward(self, x: torch.Tensor, update: bool = False) -> torch.Tensor:
        if update and self.training:
            self.update(x)
        return ((x - self.mean) / torch.sqrt(self.var + self.eps)).clamp(-self.clip, self.clip)


@dataclass
class RewardNetConfig:
    """Everything needed to rebuild a :class:`RewardNet` (plain types only)."""

    obs_dim: int
    act_kind: str  # "discrete" (one-hot of n actions) | "box"
    act_dim: int  # number of actions (discrete) or flat action size (box)
    hidden: list[int] = field(default_factory=lambda: [64, 64])
    use_next_obs: bool = False
    use_done: bool = False
    normalize: bool = True
    entropy_weight: float = 0.0  # Bernoulli-entropy bonus on D's outputs (auxiliary loss)
    absorbing: bool = False  # extra input flag for the virtual absorbing state (--horizon absorbing)

    @classmethod
    def for_spaces(cls, observation_space: gym.Space, action_space: gym.Space, **kwargs: Any) -> "RewardNetConfig":
        if not isinstance(observation_space, gym.spaces.Box):
            raise ValueError(f"GAIL reward net needs a Box observation space, got {observation_space}")
        obs_dim = int(torch.tensor(observation_space.shape).prod())
        if isinstance(action_space, gym.spaces.Discrete):
            return cls(obs_dim=obs_dim, act_kind="discrete", act_dim=int(action_space.n), **kwargs)
        if isinstance(action_space, gym.spaces.Box):
            return cls(obs_dim=obs_dim, act_kind="box", act_dim=int(torch.tensor(action_space.shape).prod()),
                       **kwargs)
        raise ValueError(f"GAIL reward net supports Discrete or Box actions, got {action_space}")


class RewardNet(Discriminator):
    """D(s, a[, s', done]) as logits (higher = more expert-like).

    ``embed`` turns a batch dict ``{"obs", "acts"[, "next_obs", "dones"]}`` into
    one flat feature tensor: normalised obs, one-hot (Discrete) or normalised
    (Box) actions, optionally normalised next obs and the done flag, and (with
    ``absorbing``) the virtual absorbing-state flag. The gradient
    penalty interpolates these features; ``head`` is an MLP.
    """

    def __init__(self, config: RewardNetConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.obs_norm = RunningNorm(c.obs_dim) if c.normalize else None
        self.act_norm = RunningNorm(c.act_dim) if c.normalize and c.act_kind == "box" else None
        in_dim = (c.obs_dim + c.act_dim + (c.obs_dim if c.use_next_obs else 0) + (1 if c.use_done else 0)
                  + (1 if c.absorbing else 0))
        layers: list[nn.Module] = []
        for width in c.hidden:
            layers += [nn.Linear(in_dim, width), nn.ReLU()]
            in_dim = width
        layers.append(nn.Linear(in_dim, 1))
        # zero output layer: D starts at exactly 1/2 everywhere, so the first
        # rollouts' rewards favour no behaviour (not even ending the episode early)
        nn.init.zeros_(layers[-1].weight)
        nn.init.zeros_(layers[-1].bias)
        self.mlp = nn.Sequential(*layers)

    def _norm_obs(self, obs: torch.Tensor, update: bool) -> torch.Tensor:
        obs = obs.reshape(obs.shape[0], -1).float()
        return self.obs_norm(obs, update) if self.obs_norm is not None else obs

    def embed(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        c = self.config
        parts = [self._norm_obs(batch["obs"], update=True)]
        acts = batch["acts"]
        if c.act_kind == "discrete":
            parts.append(F.one_hot(acts.reshape(-1).long(), c.act_dim).float())
        else:
            acts = acts.reshape(acts.shape[0], -1).float()
            parts.append(self.act_norm(acts, update=True) if self.act_norm is not None else acts)
        if c.use_next_obs:
            parts.append(self._norm_obs(batch["next_obs"], update=False))
        if c.use_done:
            parts.append(batch["dones"].reshape(-1, 1).float())
        x = torch.cat(parts, dim=1)
        if c.absorbing:
            # the absorbing state is one point: all features 0, flag 1 (Kostrikov et al. 2019)
            flag = batch.get("absorbing")
            flag = torch.zeros(x.shape[0], 1, device=x.device) if flag is None else flag.reshape(-1, 1).float()
            x = torch.cat([x * (1 - flag), flag], dim=1)
        return x

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(x).squeeze(-1)

    def auxiliary_loss(self, real: dict, fake: dict) -> torch.Tensor | None:
        """``-entropy_weight · mean H(Bernoulli(sigmoid(D)))`` over real and fake:
        keeps D from becoming over-confident (a maximum-entropy bonus)."""
        if self.config.entropy_weight <= 0:
            return None
        logits = torch.cat([self(real), self(fake)])
        entropy = F.softplus(logits) - logits * torch.sigmoid(logits)
        return -self.config.entropy_weight * entropy.mean()

    @torch.no_grad()
    def init_normalizers(self, batch: dict[str, torch.Tensor]) -> None:
        """Seed the running statistics with (expert) data before training."""
        keep = batch["absorbing"] < 0.5 if "absorbing" in batch else slice(None)
        if self.obs_norm is not None:
            self.obs_norm.update(batch["obs"][keep].reshape(-1, self.config.obs_dim).float())
        if self.act_norm is not None:
            self.act_norm.update(batch["acts"][keep].reshape(-1, self.config.act_dim).float())


class NumpyRewardNet:
    """A frozen NumPy copy of a :class:`RewardNet` (eval mode) for per-env-step
    rewards: one small batch per vector-env step costs far less in NumPy than
    through torch's dispatcher. Gives the same logits as ``net(batch)`` (float32;
    checked in tests); rebuild it whenever the net's weights change."""

    def __init__(self, net: RewardNet) -> None:
        c = net.config
        self.config = c

        def stats(norm: RunningNorm | None):
            if norm is None:
                return None
            return (norm.mean.detach().cpu().numpy().astype(np.float32),
                    np.sqrt(norm.var.detach().cpu().numpy() + norm.eps).astype(np.float32), norm.clip)

        self.obs_stats, self.act_stats = stats(net.obs_norm), stats(net.act_norm)
        self.layers = []
        for module in net.mlp:
            if isinstance(module, nn.Linear):
                self.layers.append((module.weight.detach().cpu().numpy().T.copy(),
                                    module.bias.detach().cpu().numpy().copy()))
            elif not isinstance(module, nn.ReLU):
                raise TypeError(f"NumpyRewardNet cannot mirror {type(module).__name__}")

    @staticmethod
    def _norm(x: np.ndarray, st) -> np.ndarray:
        if st is None:
            return x
        mean, std, clip = st
        return np.clip((x - mean) / std, -clip, clip)

    def logits(self, obs, acts, next_obs=None, dones=None, absorbing=None) -> np.ndarray:
        c = self.config
        obs = np.asarray(obs, np.float32).reshape(len(obs), -1)
        n = obs.shape[0]
        parts = [self._norm(obs, self.obs_stats)]
        acts = np.asarray(acts)
        if c.act_kind == "discrete":
            onehot = np.zeros((n, c.act_dim), np.float32)
            onehot[np.arange(n), acts.reshape(-1).astype(np.int64)] = 1
            parts.append(onehot)
        else:
            parts.append(self._norm(acts.reshape(n, -1).astype(np.float32), self.act_stats))
        if c.use_next_obs:
            nxt = obs if next_obs is None else np.asarray(next_obs, np.float32).reshape(n, -1)
            parts.append(self._norm(nxt, self.obs_stats))
        if c.use_done:
            parts.append((np.zeros(n) if dones is None else np.asarray(dones)).astype(np.float32).reshape(n, 1))
        x = np.concatenate(parts, axis=1)
        if c.absorbing:
            flag = (np.zeros(n) if absorbing is None else np.asarray(absorbing)).astype(np.float32).reshape(n, 1)
            x = np.concatenate([x * (1 - flag), flag], axis=1)
        for i, (w, b) in enumerate(self.layers):
            x = x @ w + b
            if i < len(self.layers) - 1:
                x = np.maximum(x, 0)
        return x[:, 0]
