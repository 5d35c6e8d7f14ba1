"""The discriminator's learning rate decays linearly with the rounds, resume-safe."""

from types import SimpleNamespace

import pytest
import torch

from advrl.gail.d_schedule import DiscriminatorDecay


def trainer_at(round_: int):
    opt = torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=1.0)
    return SimpleNamespace(d_optimizer=opt, round=round_)


def test_lr_follows_the_absolute_round_down_to_the_floor():
    decay = DiscriminatorDecay(3e-4, total_rounds=100, floor=0.02)
    t = trainer_at(0)
    decay.on_train_start(t)
    assert t.d_optimizer.param_groups[0]["lr"] == pytest.approx(3e-4)
    t.round = 25
    decay.on_round_end(t, {})
    assert t.d_optimizer.param_groups[0]["lr"] == pytest.approx(3e-4 * 0.75)
    resumed = trainer_at(25)  # a resumed run starts at its checkpoint's round: the same lr, not the base
    decay.on_train_start(resumed)
    assert resumed.d_optimizer.param_groups[0]["lr"] == pytest.approx(3e-4 * 0.75)
    t.round = 100
    decay.on_round_end(t, {})
    assert t.d_optimizer.param_groups[0]["lr"] == pytest.approx(3e-4 * 0.02)
