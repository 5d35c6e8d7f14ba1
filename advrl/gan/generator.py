"""The differentiable generator side of the loop: a network G(z) trained by
backpropagating the objective's generator loss through the discriminator."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from advrl.core import Critic, RealData


class NetworkGenerator:
    """Wraps ``net: z -> sample`` as an :class:`advrl.core.OptimizedGenerator` (it owns its Adam).

    ``train_step`` minimises ``critic.loss(G(z))``, or with ``feature_matching``
    the squared distance between the mean discriminator features of a real and
    a generated batch (Salimans et al. 2016, §3.1; needs ``real_data`` and a
    discriminator that implements :meth:`advrl.core.Discriminator.features`).
    """

    optimizer: torch.optim.Optimizer

    def __init__(self, net: nn.Module, z_dim: int, batch_size: int = 64, lr: float = 2e-4,
                 betas: tuple[float, float] = (0.5, 0.999), device: str | torch.device = "cpu",
                 feature_matching: bool = False, real_data: RealData | None = None) -> None:
        if feature_matching and real_data is None:
            raise ValueError("feature matching needs the real data")
        self.device = torch.device(device)
        self.net = net.to(self.device)
        self.z_dim, self.batch_size = z_dim, batch_size
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=lr, betas=betas)
        self.feature_matching, self.real_data = feature_matching, real_data

    def noise(self, n: int) -> torch.Tensor:
        """``n`` latent vectors z ~ N(0, I)."""
        return torch.randn(n, self.z_dim, device=self.device)

    @torch.no_grad()
    def sample(self, n: int) -> torch.Tensor:
        """``n`` samples in eval mode (for grids and metrics)."""
        was = self.net.training
        self.net.eval()
        out = self.net(self.noise(n))
        self.net.train(was)
        return out

    def generate(self, n: int) -> torch.Tensor:
        """``n`` fakes for a discriminator step (train mode, no gradient)."""
        with torch.no_grad():
            return self.net(self.noise(n))

    def train_step(self, critic: Critic) -> dict[str, float]:
        """One Adam step on the generator loss (or the feature-matching loss)."""
        fake = self.net(self.noise(self.batch_size))
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
        return {"g/loss": loss.item()}

    def state_dict(self) -> dict[str, Any]:
        return {"net": self.net.state_dict(), "optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.net.load_state_dict(state["net"])
        self.optimizer.load_state_dict(state["optimizer"])
