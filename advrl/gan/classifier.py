"""A small digit classifier trained by the project: its penultimate features give
a Fréchet distance and its class probabilities a classifier score (no Inception
weights exist offline)."""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from advrl.core import progress_iter

from advrl.core import UserError, load_checkpoint, save_checkpoint


class DigitClassifier(nn.Module):
    """conv-pool-conv-pool → 128 features → 10 logits, for 8x8 or 28x28 inputs."""

    def __init__(self, image_size: int = 28, n_classes: int = 10, feature_dim: int = 128) -> None:
        super().__init__()
        self.image_size = image_size
        s = image_size // 4
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * s * s, feature_dim), nn.ReLU(),
        )
        self.out = nn.Linear(feature_dim, n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The 128-d penultimate features (what the Fréchet distance compares)."""
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.body(x))


def train_classifier(images: torch.Tensor, labels: torch.Tensor, epochs: int = 5, batch_size: int = 128,
                     seed: int = 0, progress: bool = True) -> DigitClassifier:
    """Train a :class:`DigitClassifier` on images in [-1, 1] with light shift augmentation."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = DigitClassifier(image_size=images.shape[-1])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n = len(images)
    for _ in progress_iter(range(epochs), desc="classifier", enabled=progress):
        perm = torch.randperm(n, generator=g)
        for i in range(0, n, batch_size):
            idx = perm[i : i + batch_size]
            x = images[idx]
            shift = tuple(int(v) for v in torch.randint(-1, 2, (2,), generator=g))
            x = torch.roll(x, shifts=shift, dims=(2, 3))
            loss = F.cross_entropy(model(x), labels[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval()


@torch.no_grad()
def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of ``images`` that ``model`` (in eval mode) labels correctly."""
    model.eval()
    preds = torch.cat([model(images[i : i + 1000]).argmax(1) for i in range(0, len(images), 1000)])
    return (preds == labels).float().mean().item()


def save_classifier(model: DigitClassifier, path: str | Path) -> Path:
    """Write ``model`` as a versioned checkpoint (tensors only, atomic)."""
    return save_checkpoint({"format": "advrl-digit-classifier-v1", "image_size": model.image_size,
                            "state": model.state_dict()}, path)


def load_classifier(path: str | Path) -> DigitClassifier:
    """A classifier written by :func:`save_classifier`, in eval mode (:class:`UserError` for a foreign file)."""
    state = load_checkpoint(path)
    if state.get("format") != "advrl-digit-classifier-v1":
        raise UserError(f"{path}: not an advrl digit classifier (format={state.get('format')!r})")
    model = DigitClassifier(image_size=int(state["image_size"]))
    model.load_state_dict(state["state"])
    return model.eval()
