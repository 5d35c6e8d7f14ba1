"""Sample-quality metrics on the project classifier's features."""

from __future__ import annotations

import numpy as np
import torch
from scipy import linalg

from advrl.gan.classifier import DigitClassifier


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to feature sets ``a`` and ``b``
    (rows are samples): ||μa-μb||² + Tr(Σa + Σb - 2 (Σa Σb)^½)."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean, _ = linalg.sqrtm(cov_a @ cov_b, disp=False)
    if not np.isfinite(covmean).all():
        eps = 1e-6 * np.eye(len(cov_a))
        covmean = linalg.sqrtm((cov_a + eps) @ (cov_b + eps))
    covmean = covmean.real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * covmean))


def classifier_score(probs: np.ndarray) -> float:
    """exp(E_x KL(p(y|x) || p(y))): high when samples are confidently classified
    and the classes are balanced (the Inception-score formula; at most K=10)."""
    p_y = probs.mean(0, keepdims=True)
    kl = (probs * (np.log(probs + 1e-12) - np.log(p_y + 1e-12))).sum(1)
    return float(np.exp(kl.mean()))


@torch.no_grad()
def classifier_outputs(model: DigitClassifier, images: torch.Tensor, batch: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """(features, class probabilities) of ``images`` under ``model``."""
    model.eval()
    feats, probs = [], []
    for i in range(0, len(images), batch):
        f = model.features(images[i : i + batch])
        feats.append(f.numpy())
        probs.append(torch.softmax(model.out(f), 1).numpy())
    return np.concatenate(feats), np.concatenate(probs)
