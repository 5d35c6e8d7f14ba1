"""The differentiable generator side of the loop: a network G(z) (or G(z, y) for a
class-conditional GAN) trained by backpropagating the objective's generator loss
through the discriminator."""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

from advrl.core import Critic, RealData

Latent = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


class NetworkGenerator:
    """Wraps ``net: z -> sample`` as an :class:`advrl.core.OptimizedGenerator` (it owns its Adam).

    ``train_step`` minimises ``critic.loss(G(z))``, or with ``feature_matching``
    the squared distance between the mean discriminator features of a real and
    a generated batch (Salimans et al. 2016, §3.1; needs ``real_data`` and a
    discriminator that implements :meth:`advrl.core.Discriminator.features`).

    ``n_classes`` > 0 makes it class-conditional: ``net(z, y)`` with labels ``y``
    drawn uniformly, and batches are ``{"images", "labels"}`` dicts (the real data's
    layout). ``ema_decay`` > 0 keeps an exponential moving average of the weights
    (Yazıcı et al. 2019) that :meth:`sample` uses; training and ``generate`` use the
    raw weights.
    """

    optimizer: torch.optim.Optimizer

    def __init__(self, net: nn.Module, z_dim: int, batch_size: int = 64, lr: float = 2e-4,
                 betas: tuple[float, float] = (0.5, 0.999), device: str | torch.device = "cpu",
                 feature_matching: bool = False, real_data: RealData | None = None, n_classes: int = 0,
                 ema_decay: float = 0.0) -> None:
        if feature_matching and real_data is None:
            raise ValueError("feature matching needs the real data")
        if feature_matching and n_classes:
            raise ValueError("feature matching is for unconditional generators")
        self.device = torch.device(device)
        self.net = net.to(self.device)
        self.z_dim, self.batch_size, self.n_classes = z_dim, batch_size, n_classes
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=lr, betas=betas)
        self.feature_matching, self.real_data = feature_matching, real_data
        self.ema_decay = ema_decay
        self.ema: nn.Module | None = copy.deepcopy(self.net).requires_grad_(False) if ema_decay > 0 else None

    def noise(self, n: int) -> torch.Tensor:
        """``n`` latent vectors z ~ N(0, I)."""
        return torch.randn(n, self.z_dim, device=self.device)

    def latent(self, n: int, labels: torch.Tensor | None = None, z: torch.Tensor | None = None) -> Latent:
        """``n`` latents: z (``z`` if given), or (z, y) for a conditional generator (``labels``,
        else uniform classes)."""
        z = self.noise(n) if z is None else z.to(self.device)
        if not self.n_classes:
            return z
        y = labels.to(self.device) if labels is not None else torch.randint(self.n_classes, (n,), device=self.device)
        return z, y

    def _run(self, net: nn.Module, latent: Latent) -> Any:
        if isinstance(latent, tuple):
            return {"images": net(*latent), "labels": latent[1]}
        return net(latent)

    @torch.no_grad()
    def sample(self, n: int, labels: torch.Tensor | None = None, z: torch.Tensor | None = None,
               use_ema: bool = True) -> torch.Tensor:
        """``n`` images in eval mode from the EMA weights when kept and ``use_ema`` (grids, metrics),
        else the raw weights; ``labels`` picks the classes of a conditional generator, ``z`` fixes the noise."""
        net = self.ema if self.ema is not None and use_ema else self.net
        was = net.training
        net.eval()
        out = self._run(net, self.latent(n, labels, z))
        net.train(was)
        return out["images"] if isinstance(out, dict) else out

    def generate(self, n: int) -> Any:
        """``n`` fakes for a discriminator step (train mode, no gradient)."""
        with torch.no_grad():
            return self._run(self.net, self.latent(n))

    def train_step(self, critic: Critic) -> dict[str, float]:
        """One Adam step on the generator loss (or the feature-matching loss)."""
        fake = self._run(self.net, self.latent(self.batch_size))
        if self.feature_matching:
            real = self.real_data.sample(self.batch_size).to(self.device)  # type: ignore[union-attr]
            f_real = critic.discriminator.features(real).mean(0).detach()
            f_fake = critic.discriminator.features(fake).mean(0)
            loss = ((f_real - f_fake) ** 2).mean()
        else:
            loss = critic.loss(fake)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self._update_ema()
        return {"g/loss": loss.item()}

    @torch.no_grad()
    def _update_ema(self) -> None:
        if self.ema is None:
            return
        for avg, p in zip(self.ema.parameters(), self.net.parameters()):
            avg.lerp_(p, 1.0 - self.ema_decay)
        for avg, b in zip(self.ema.buffers(), self.net.buffers()):  # batch-norm statistics: the current ones
            avg.copy_(b)

    def state_dict(self) -> dict[str, Any]:
        state = {"net": self.net.state_dict(), "optimizer": self.optimizer.state_dict()}
        if self.ema is not None:
            state["ema"] = self.ema.state_dict()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.net.load_state_dict(state["net"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.ema is not None:
            self.ema.load_state_dict(state["ema"])
