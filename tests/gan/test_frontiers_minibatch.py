"""Minibatch discrimination through whole discriminators: the score of a sample depends on
its batch, so a discriminator can learn to reject collapsed batches of realistic samples."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from advrl.gan.models import DCGANDiscriminator, MLPDiscriminator
from advrl.gan.modes import ring8


def _same_sample_two_batches(dim_shape, n=32):
    torch.manual_seed(0)
    diverse = torch.randn(n, *dim_shape) * 2
    collapsed = diverse[:1].repeat(n, *[1] * len(dim_shape))
    return diverse, collapsed


@pytest.mark.parametrize("make, shape", [
    (lambda k: MLPDiscriminator(in_dim=2, hidden=32, minibatch_kernels=k), (2,)),
    (lambda k: DCGANDiscriminator(image_size=8, width=8, norm="none", minibatch_kernels=k), (1, 8, 8)),
], ids=["mlp", "dcgan"])
def test_score_of_one_sample_depends_on_its_batch_only_with_minibatch_features(make, shape):
    diverse, collapsed = _same_sample_two_batches(shape)
    torch.manual_seed(1)
    with_mb = make(8).eval()
    torch.manual_seed(1)
    without = make(0).eval()
    with torch.no_grad():
        # sample 0 is the same tensor in both batches
        assert torch.allclose(without(diverse)[0], without(collapsed)[0], atol=1e-5)
        gap = (with_mb(diverse)[0] - with_mb(collapsed)[0]).abs().item()
        assert gap > 1e-3, gap
        # in a collapsed batch every sample gets the same score (all see identical neighbours)
        s = with_mb(collapsed)
        assert torch.allclose(s, s[0].expand_as(s), atol=1e-5)


def _train_batch_detector(minibatch_kernels: int, steps: int = 300) -> float:
    """Train D to tell diverse real batches from *collapsed* batches of real samples
    (one real point repeated): per sample, both have the same marginal distribution."""
    torch.manual_seed(0)
    mixture = ring8()
    d = MLPDiscriminator(in_dim=2, hidden=32, minibatch_kernels=minibatch_kernels)
    opt = torch.optim.Adam(d.parameters(), lr=3e-3)

    def batches(n=32):
        real = mixture.sample(n)
        fake = mixture.sample(1).repeat(n, 1)
        return real, fake

    for _ in range(steps):
        real, fake = batches()
        loss = F.softplus(-d(real)).mean() + F.softplus(d(fake)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    correct = []
    with torch.no_grad():
        for _ in range(50):
            real, fake = batches()
            correct += [(d(real) > 0).float().mean().item(), (d(fake) < 0).float().mean().item()]
    return sum(correct) / len(correct)


def test_minibatch_discriminator_learns_to_reject_collapsed_batches():
    acc_mb = _train_batch_detector(minibatch_kernels=8)
    acc_plain = _train_batch_detector(minibatch_kernels=0)
    assert acc_mb > 0.9, acc_mb  # sees the batch, spots the collapse
    assert acc_plain < 0.7, acc_plain  # per-sample D cannot do better than chance (+ noise)
