"""The GAIL discriminator: a reward network over (obs, act[, next_obs, done])."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from advrl.core import Discriminator, UserError


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
        # in place, scalars in Python: D updates it on every batch, where a dozen tiny tensor ops showed in profiles
        b_var, b_mean = torch.var_mean(x, 0, unbiased=False)
        count = float(self.count)
        total = count + n
        delta = b_mean - self.mean
        # var' = (var·count + b_var·n + delta²·count·n/total) / total
        self.var.mul_(count / total).add_(b_var, alpha=n / total).add_(delta.square(), alpha=count * n / total ** 2)
        self.mean.add_(delta, alpha=n / total)
        self.count.fill_(total)

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
    use_action: bool = True  # False: a state-only reward g(s[, s']) (AIRL's disentangled reward, Fu et al. Sec. 5)

    @classmethod
    def for_spaces(cls, observation_space: gym.Space, action_space: gym.Space, **kwargs: Any) -> "RewardNetConfig":
        if not isinstance(observation_space, gym.spaces.Box):
            raise UserError(f"GAIL reward net needs a Box observation space, got {observation_space}")
        obs_dim = int(torch.tensor(observation_space.shape).prod())
        if isinstance(action_space, gym.spaces.Discrete):
            return cls(obs_dim=obs_dim, act_kind="discrete", act_dim=int(action_space.n), **kwargs)
        if isinstance(action_space, gym.spaces.Box):
            return cls(obs_dim=obs_dim, act_kind="box", act_dim=int(torch.tensor(action_space.shape).prod()),
                       **kwargs)
        raise UserError(f"GAIL reward net supports Discrete or Box actions, got {action_space}")


def zero_output_mlp(in_dim: int, hidden: list[int]) -> nn.Sequential:
    """An MLP of ``hidden`` ReLU layers to one output whose weights and bias start at zero
    (the net outputs exactly 0 everywhere until it is trained)."""
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(in_dim, width), nn.ReLU()]
        in_dim = width
    layers.append(nn.Linear(in_dim, 1))
    nn.init.zeros_(layers[-1].weight)
    nn.init.zeros_(layers[-1].bias)
    return nn.Sequential(*layers)


class RewardNet(Discriminator):
    """D(s, a[, s', done]) as logits (higher = more expert-like).

    ``embed`` turns a batch dict ``{"obs", "acts"[, "next_obs", "dones", "absorbing"]}``
    into one flat feature tensor (:func:`features`); the gradient penalty
    interpolates these features; ``head`` is an MLP.
    """

    def __init__(self, config: RewardNetConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.obs_norm = RunningNorm(c.obs_dim) if c.normalize else None
        self.act_norm = RunningNorm(c.act_dim) if c.normalize and c.use_action and c.act_kind == "box" else None
        in_dim = (c.obs_dim + (c.act_dim if c.use_action else 0) + (c.obs_dim if c.use_next_obs else 0)
                  + (1 if c.use_done else 0) + (1 if c.absorbing else 0))
        # zero output layer: D starts at exactly 1/2 everywhere, so the first
        # rollouts' rewards favour no behaviour (not even ending the episode early)
        self.mlp = zero_output_mlp(in_dim, list(c.hidden))

    def embed(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return features(self.config, batch, _TorchOps(self))

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
    through torch's dispatcher. Same features (:func:`features`), same logits as
    ``net(batch)`` (float32; checked in tests); rebuild it whenever the net changes."""

    def __init__(self, net: RewardNet) -> None:
        self.config = net.config

        def stats(norm: RunningNorm | None):
            if norm is None:
                return None
            return (norm.mean.detach().cpu().numpy().astype(np.float32),
                    np.sqrt(norm.var.detach().cpu().numpy() + norm.eps).astype(np.float32), norm.clip)

        self.ops = _NumpyOps({"obs": stats(net.obs_norm), "acts": stats(net.act_norm)})
        self.layers = []
        for module in net.mlp:
            if isinstance(module, nn.Linear):
                self.layers.append((module.weight.detach().cpu().numpy().T.copy(),
                                    module.bias.detach().cpu().numpy().copy()))
            elif not isinstance(module, nn.ReLU):
                raise TypeError(f"NumpyRewardNet cannot mirror {type(module).__name__}")

    def logits(self, obs, acts, next_obs=None, dones=None, absorbing=None) -> np.ndarray:
        obs = np.asarray(obs, np.float32).reshape(len(obs), -1)
        n = obs.shape[0]
        batch = {"obs": obs, "acts": np.asarray(acts),
                 "next_obs": obs if next_obs is None else np.asarray(next_obs, np.float32).reshape(n, -1),
                 "dones": np.zeros(n) if dones is None else np.asarray(dones),
                 "absorbing": np.zeros(n) if absorbing is None else np.asarray(absorbing)}
        x = features(self.config, batch, self.ops)
        for i, (w, b) in enumerate(self.layers):
            x = x @ w + b
            if i < len(self.layers) - 1:
                x = np.maximum(x, 0)
        return x[:, 0]


def features(config: RewardNetConfig, batch: dict[str, Any], ops: Any) -> Any:
    """The reward net's input, written once for torch and NumPy (``ops``): normalised
    obs, one-hot (Discrete) or normalised (Box) actions (none with ``use_action`` off),
    optionally normalised next obs and the done flag; with ``absorbing`` the virtual
    absorbing state is one point (all features 0, flag 1; Kostrikov et al. 2019).

    The running statistics see every row D trains on, the absorbing rows' placeholder zeros
    included (they are most of the expert's sampling weight where its episodes end early:
    ~89% on MountainCarContinuous, ~64% on Hopper). Updating them from the real rows only was
    measured (session 18, library defaults, 200k steps): MountainCarContinuous then reached the
    goal on 2 of 7 seeds (0-6) against 7 of 7 with all rows; the defaults were tuned with them."""
    c = config
    parts = [ops.norm("obs", batch["obs"], update=True)]
    if c.use_action:
        parts.append(ops.one_hot(batch["acts"], c.act_dim) if c.act_kind == "discrete"
                     else ops.norm("acts", batch["acts"], update=True))
    if c.use_next_obs:
        parts.append(ops.norm("obs", batch["next_obs"], update=False))
    if c.use_done:
        parts.append(ops.column(batch["dones"]))
    x = ops.cat(parts)
    if c.absorbing:
        flag = ops.column(batch["absorbing"] if batch.get("absorbing") is not None else ops.zeros(x))
        x = ops.cat([x * (1 - flag), flag])
    return x


class _TorchOps:
    """:func:`features`' primitives on a training :class:`RewardNet` (its running norms)."""

    def __init__(self, net: RewardNet) -> None:
        self.norms = {"obs": net.obs_norm, "acts": net.act_norm}

    def norm(self, key: str, x: torch.Tensor, update: bool) -> torch.Tensor:
        x = x.reshape(x.shape[0], -1).float()
        return self.norms[key](x, update) if self.norms[key] is not None else x

    def one_hot(self, acts: torch.Tensor, n: int) -> torch.Tensor:
        return F.one_hot(acts.reshape(-1).long(), n).float()

    def column(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(-1, 1).float()

    def zeros(self, like: torch.Tensor) -> torch.Tensor:
        return torch.zeros(like.shape[0], device=like.device)

    def cat(self, parts: list[torch.Tensor]) -> torch.Tensor:
        return torch.cat(parts, dim=1)


class _NumpyOps:
    """:func:`features`' primitives on frozen NumPy statistics ``{key: (mean, std, clip)}``."""

    def __init__(self, stats: dict[str, Any]) -> None:
        # (mean, 1/std, clip) per key: a multiply and in-place bounds per call
        self.stats = {k: None if v is None else (v[0], (1.0 / v[1]).astype(np.float32), v[2]) for k, v in stats.items()}

    def norm(self, key: str, x: np.ndarray, update: bool) -> np.ndarray:
        x = np.asarray(x, np.float32).reshape(len(x), -1)
        if self.stats[key] is None:
            return x
        mean, inv_std, clip = self.stats[key]
        out = (x - mean) * inv_std
        np.minimum(out, clip, out=out)
        return np.maximum(out, -clip, out=out)

    def one_hot(self, acts: np.ndarray, n: int) -> np.ndarray:
        idx = np.asarray(acts).reshape(-1).astype(np.int64)
        out = np.zeros((len(idx), n), np.float32)
        out[np.arange(len(idx)), idx] = 1
        return out

    def column(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, np.float32).reshape(-1, 1)

    def zeros(self, like: np.ndarray) -> np.ndarray:
        return np.zeros(len(like), np.float32)

    def cat(self, parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(parts, axis=1)
