"""Networks: DCGAN for square grey images (28x28 MNIST, 8x8 sklearn digits), its
class-conditional variant, and MLPs for low-dimensional toy data (1-D Gaussians, 2-D mixtures)."""

from __future__ import annotations

import torch
from torch import nn

from advrl.core import Discriminator, UserError
from advrl.gan.layers import MinibatchDiscrimination


def _check_size(image_size: int) -> int:
    if image_size % 4 != 0 or image_size < 8:
        raise UserError(f"image size must be a multiple of 4 and >= 8, got {image_size}")
    return image_size // 4


class DCGANGenerator(nn.Module):
    """z → linear → [C, s/4, s/4] → two stride-2 transposed convs → tanh image."""

    def __init__(self, z_dim: int = 64, image_size: int = 28, width: int = 64, channels: int = 1) -> None:
        super().__init__()
        self.z_dim, self.start = z_dim, _check_size(image_size)
        self.fc = nn.Sequential(nn.Linear(z_dim, 2 * width * self.start**2), nn.BatchNorm1d(2 * width * self.start**2),
                                nn.ReLU(True))
        self.net = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1), nn.BatchNorm2d(width), nn.ReLU(True),
            nn.ConvTranspose2d(width, channels, 4, 2, 1), nn.Tanh(),
        )
        self.width = width

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(self.fc(z).view(-1, 2 * self.width, self.start, self.start))


def _norm(kind: str, channels: int, size: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":
        return nn.LayerNorm([channels, size, size])
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown discriminator norm {kind!r}; expected batch, layer or none")


class FeatureDiscriminator(Discriminator):
    """``body`` → features → [minibatch features] → one score; subclasses build ``body``."""

    def _finish(self, body: nn.Module, n_features: int, minibatch_kernels: int) -> None:
        self.body = body
        self.minibatch = MinibatchDiscrimination(n_features, minibatch_kernels) if minibatch_kernels else None
        self.out = nn.Linear(self.minibatch.out_features if self.minibatch else n_features, 1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate activations ``[B, F]`` (what feature matching matches)."""
        return self.body(x)

    def head(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x)
        if self.minibatch is not None:
            h = self.minibatch(h)
        return self.out(h).squeeze(-1)


class DCGANDiscriminator(FeatureDiscriminator):
    """Two stride-2 convs → features → [minibatch features] → one logit.

    ``norm="batch"`` for the GAN losses; use ``"layer"`` or ``"none"`` with a
    gradient penalty (batch norm breaks the per-sample gradient norm).
    """

    def __init__(self, image_size: int = 28, width: int = 64, channels: int = 1, norm: str = "batch",
                 minibatch_kernels: int = 0) -> None:
        super().__init__()
        s = _check_size(image_size)
        body = nn.Sequential(
            nn.Conv2d(channels, width, 4, 2, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(width, 2 * width, 4, 2, 1), _norm(norm, 2 * width, s), nn.LeakyReLU(0.2, True),
            nn.Flatten(),
        )
        self._finish(body, 2 * width * s * s, minibatch_kernels)


class ConditionalBatchNorm(nn.Module):
    """Batch norm whose gain and bias are looked up by class (de Vries et al. 2017; SNGAN, BigGAN)."""

    def __init__(self, features: int, n_classes: int, dims: int) -> None:
        super().__init__()
        self.norm = (nn.BatchNorm1d if dims == 1 else nn.BatchNorm2d)(features, affine=False)
        self.gain, self.bias = nn.Embedding(n_classes, features), nn.Embedding(n_classes, features)
        nn.init.ones_(self.gain.weight)
        nn.init.zeros_(self.bias.weight)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        shape = (-1, x.shape[1]) + (1,) * (x.dim() - 2)
        return self.norm(x) * self.gain(y).view(shape) + self.bias(y).view(shape)


class ConditionalDCGANGenerator(nn.Module):
    """G(z, y): the DCGAN generator on z alone, its batch norms class-conditional (the class sets
    their gains and biases). The label enters beside z rather than as an input feature, so G cannot
    turn z off within a class as easily as when y is concatenated to z (which collapsed: one image
    per class)."""

    def __init__(self, z_dim: int = 64, image_size: int = 28, width: int = 64, channels: int = 1,
                 n_classes: int = 10) -> None:
        super().__init__()
        self.z_dim, self.n_classes, self.width, self.start = z_dim, n_classes, width, _check_size(image_size)
        self.fc = nn.Linear(z_dim, 2 * width * self.start**2)
        self.norm1 = ConditionalBatchNorm(2 * width * self.start**2, n_classes, 1)
        self.up1 = nn.ConvTranspose2d(2 * width, width, 4, 2, 1)
        self.norm2 = ConditionalBatchNorm(width, n_classes, 2)
        self.up2 = nn.ConvTranspose2d(width, channels, 4, 2, 1)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.norm1(self.fc(z), y)).view(-1, 2 * self.width, self.start, self.start)
        return torch.tanh(self.up2(torch.relu(self.norm2(self.up1(h), y))))


class ProjectionDCGANDiscriminator(DCGANDiscriminator):
    """D(x, y) = w·φ(x) + b + e_y·φ(x): the DCGAN discriminator with a class projection
    (Miyato & Koyama 2018). Batches are ``{"images": [B, C, H, W], "labels": [B]}``."""

    def __init__(self, image_size: int = 28, width: int = 64, channels: int = 1, norm: str = "batch",
                 n_classes: int = 10) -> None:
        super().__init__(image_size, width, channels, norm)
        self.n_classes = n_classes
        self.class_embed = nn.Embedding(n_classes, self.out.in_features)
        nn.init.xavier_uniform_(self.class_embed.weight)  # as SNGAN's projection discriminator

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:  # type: ignore[override]
        h = self.features(batch["images"])
        return self.out(h).squeeze(-1) + (self.class_embed(batch["labels"]) * h).sum(1)

    def features(self, x: torch.Tensor | dict[str, torch.Tensor]) -> torch.Tensor:
        """Penultimate activations of the images (a batch dict's ``images``)."""
        return self.body(x["images"] if isinstance(x, dict) else x)


class MLPGenerator(nn.Module):
    """z → MLP → R^d, for toy data."""

    def __init__(self, z_dim: int = 2, out_dim: int = 2, hidden: int = 128, layers: int = 2) -> None:
        super().__init__()
        self.z_dim = z_dim
        mods: list[nn.Module] = []
        d = z_dim
        for _ in range(layers):
            mods += [nn.Linear(d, hidden), nn.ReLU()]
            d = hidden
        self.net = nn.Sequential(*mods, nn.Linear(d, out_dim))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class MLPDiscriminator(FeatureDiscriminator):
    """R^d → MLP → [minibatch features] → one score."""

    def __init__(self, in_dim: int = 2, hidden: int = 128, layers: int = 2, minibatch_kernels: int = 0) -> None:
        super().__init__()
        mods: list[nn.Module] = []
        d = in_dim
        for _ in range(layers):
            mods += [nn.Linear(d, hidden), nn.LeakyReLU(0.2)]
            d = hidden
        self._finish(nn.Sequential(*mods), d, minibatch_kernels)


def _gaussian_init(module: nn.Module, std: float) -> None:
    """Every linear weight ~ N(0, std²), every linear bias 0 (PacGAN's toy-network initialisation)."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class Maxout(nn.Module):
    """A linear layer to ``out_dim × pieces`` units and the max over each group of ``pieces``."""

    def __init__(self, in_dim: int, out_dim: int, pieces: int) -> None:
        super().__init__()
        self.out_dim, self.pieces = out_dim, pieces
        self.linear = nn.Linear(in_dim, out_dim * pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x).view(-1, self.out_dim, self.pieces).amax(-1)


class BNMLPGenerator(nn.Module):
    """z → ``layers`` × (linear without bias → batch norm → ReLU) → linear → R^d: PacGAN's toy
    generator (4 × 400), weights ~ N(0, 0.02²)."""

    def __init__(self, z_dim: int = 2, out_dim: int = 2, hidden: int = 400, layers: int = 4,
                 init_std: float = 0.02) -> None:
        super().__init__()
        self.z_dim = z_dim
        mods: list[nn.Module] = []
        d = z_dim
        for _ in range(layers):
            mods += [nn.Linear(d, hidden, bias=False), nn.BatchNorm1d(hidden), nn.ReLU()]
            d = hidden
        self.net = nn.Sequential(*mods, nn.Linear(d, out_dim))
        _gaussian_init(self, init_std)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class MaxoutMLPDiscriminator(FeatureDiscriminator):
    """R^d → ``layers`` maxout layers (``pieces`` each) → one score: PacGAN's toy discriminator
    (3 × 200, 5 pieces), weights ~ N(0, 0.02²), biases 0."""

    def __init__(self, in_dim: int = 2, hidden: int = 200, layers: int = 3, pieces: int = 5,
                 init_std: float = 0.02) -> None:
        super().__init__()
        mods: list[nn.Module] = []
        d = in_dim
        for _ in range(layers):
            mods.append(Maxout(d, hidden, pieces))
            d = hidden
        self._finish(nn.Sequential(*mods), d, 0)
        _gaussian_init(self, init_std)
