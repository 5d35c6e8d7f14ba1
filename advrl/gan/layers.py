"""Discriminator add-ons from Salimans et al. 2016 (Improved Techniques for Training GANs)."""

from __future__ import annotations

import torch
from torch import nn

from advrl.gan.data import random_shift


class MinibatchDiscrimination(nn.Module):
    """Minibatch features: for each sample, how close it is to the others in the
    batch under ``n_kernels`` learned projections (Salimans et al. 2016, §3.2).

    Output is the input concatenated with ``n_kernels`` features, so a collapsed
    batch (all samples alike) looks different from a diverse one.
    """

    def __init__(self, in_features: int, n_kernels: int = 16, kernel_dim: int = 8) -> None:
        super().__init__()
        self.n_kernels, self.kernel_dim = n_kernels, kernel_dim
        self.T = nn.Parameter(torch.randn(in_features, n_kernels * kernel_dim) * 0.1)

    @property
    def out_features(self) -> int:
        return self.T.shape[0] + self.n_kernels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = (x @ self.T).view(-1, self.n_kernels, self.kernel_dim)  # [B, K, D]
        l1 = (m.unsqueeze(0) - m.unsqueeze(1)).abs().sum(-1)  # [B, B, K]
        o = torch.exp(-l1).sum(1) - 1.0  # exclude self (exp(0) = 1)
        return torch.cat([x, o], dim=1)


class GaussianNoise(nn.Module):
    """Additive Gaussian noise in training mode only."""

    def __init__(self, std: float) -> None:
        super().__init__()
        self.std = std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.std * torch.randn_like(x) if self.training and self.std > 0 else x


class RandomTranslate(nn.Module):
    """In training mode only, every image of ``[B, C, H, W]`` translated by its own random integer
    offset of up to ``max_shift`` pixels (uncovered pixels = ``fill``). A differentiable
    augmentation (DiffAugment, Zhao et al. 2020): placed inside a discriminator it shifts real and
    generated images alike, and the generator's gradient flows through it."""

    def __init__(self, max_shift: int, fill: float = -1.0) -> None:
        super().__init__()
        self.max_shift, self.fill = max_shift, fill

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return random_shift(x, self.max_shift, self.fill) if self.training and self.max_shift > 0 else x
