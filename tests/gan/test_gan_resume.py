"""``train_gan(..., resume=True)`` continues an image GAN (batch-norm DCGAN on the digits)
exactly: after a checkpoint and a disturbed global RNG, the next rounds are those of an
uninterrupted run. (Moved from tests/core, which imports no family; the core's own resume
test uses tiny networks.)"""

from __future__ import annotations

import torch

from advrl.core import LoopConfig
from advrl.gan import GanConfig, train_gan


def _config(out, rounds: int) -> GanConfig:
    return GanConfig(width=8, z_dim=8, sample_every=0, out=str(out),
                     loop=LoopConfig(rounds=rounds, batch_size=16, seed=3, log_every=1, progress=False,
                                     device="cpu"))


def test_train_gan_resumes_where_it_stopped(tmp_path):
    uninterrupted = train_gan(_config(tmp_path / "full", rounds=6)).logger.history
    train_gan(_config(tmp_path / "split", rounds=3))
    torch.manual_seed(999)  # disturb global RNG: resume must restore it
    resumed = train_gan(_config(tmp_path / "split", rounds=6), resume=True)
    assert resumed.round == 6
    # every logged metric of rounds 1-6: the checkpoint carries rounds 1-3, so curves span the whole run
    assert resumed.logger.history == uninterrupted
