"""Mode-collapse metrics on constructed samples (no GAN trained), PacGAN packing, and the `advrl gan modes` CLI."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from advrl.cli import main
from advrl.core import LoopConfig
from advrl.gan.modes import ModeGanConfig, PackedDiscriminator, build_mode_gan, grid25, make_mixture, mode_metrics, ring8
from advrl.gan.models import BNMLPGenerator, Maxout, MaxoutMLPDiscriminator, MLPDiscriminator

P_WITHIN_3SIGMA_2D = 1 - math.exp(-4.5)  # P(chi2 with 2 dof < 9) = 0.9889


def test_mixtures_match_pacgan_settings():
    ring, grid = ring8(), grid25()
    assert ring.n_modes == 8 and ring.std == 0.01
    assert np.allclose(np.linalg.norm(ring.means, axis=1), 1.0)
    assert grid.n_modes == 25 and grid.std == 0.05
    assert sorted(set(grid.means[:, 0])) == [-4, -2, 0, 2, 4]
    with pytest.raises(ValueError, match="unknown --mixture 'spiral'"):
        make_mixture("spiral")


@pytest.mark.parametrize("mixture", [ring8(), grid25()], ids=["ring8", "grid25"])
def test_true_samples_cover_every_mode_with_high_quality(mixture):
    torch.manual_seed(0)
    m = mode_metrics(mixture.sample(5000), mixture)
    assert m.modes_covered == mixture.n_modes
    assert m.high_quality == pytest.approx(P_WITHIN_3SIGMA_2D, abs=0.01)
    assert m.reverse_kl < 0.01  # the histogram is near uniform
    assert sum(m.counts) == round(m.high_quality * 5000)


def test_single_mode_collapse():
    mixture = ring8()
    torch.manual_seed(1)
    collapsed = torch.as_tensor(mixture.means[3], dtype=torch.float32) + 0.5 * mixture.std * torch.randn(2500, 2)
    m = mode_metrics(collapsed, mixture)
    assert m.modes_covered == 1 and m.counts[3] == 2500
    assert m.high_quality == 1.0
    assert m.reverse_kl == pytest.approx(math.log(8))  # KL(one-hot || uniform over 8)


def test_half_the_modes_gives_log2_reverse_kl():
    mixture = grid25()
    pts = np.repeat(mixture.means[:5], 100, axis=0)  # 5 of 25 modes, equally
    m = mode_metrics(pts, mixture)
    assert m.modes_covered == 5 and m.high_quality == 1.0
    assert m.reverse_kl == pytest.approx(math.log(5))


def test_off_mode_noise_is_not_high_quality():
    mixture = ring8()
    # midpoints between neighbouring modes: ~0.38 away from both, i.e. 38 sigma
    angles = 2 * np.pi * (np.arange(8) + 0.5) / 8
    between = np.repeat(np.stack([np.cos(angles), np.sin(angles)], 1), 50, axis=0)
    m = mode_metrics(between, mixture)
    assert m.modes_covered == 0 and m.high_quality == 0.0 and math.isinf(m.reverse_kl)
    # broad noise over the plane: almost nothing lands within 3 sigma = 0.03 of a mode
    rng = np.random.default_rng(0)
    noise = rng.uniform(-2, 2, size=(2500, 2))
    m = mode_metrics(noise, mixture)
    expected = 8 * math.pi * 0.03**2 / 16  # area fraction of the eight 3-sigma discs
    assert m.high_quality < 5 * expected + 0.002
    # mixing true samples with noise lowers HQ in proportion but keeps every mode
    torch.manual_seed(0)
    mixed = np.concatenate([mixture.sample(1000).numpy(), noise[:1000]])
    m = mode_metrics(mixed, mixture)
    assert m.modes_covered == 8 and 0.45 < m.high_quality < 0.52


def test_metrics_reject_bad_shapes():
    with pytest.raises(ValueError, match=r"shape \[N, 2\]"):
        mode_metrics(np.zeros((10, 3)), ring8())


def test_packed_discriminator_scores_packs():
    torch.manual_seed(0)
    d = PackedDiscriminator(MLPDiscriminator(in_dim=8, hidden=16), pack=4)
    x = torch.randn(12, 2)
    assert d(x).shape == (3,)
    # the score of a pack depends on all of its members, not on other packs
    y = x.clone()
    y[0] += 1.0
    assert d(y)[0] != d(x)[0] and torch.equal(d(y)[1:], d(x)[1:])
    with pytest.raises(ValueError, match="multiple of the pack size 4"):
        d(torch.randn(10, 2))


def test_maxout_takes_the_max_of_each_group_of_pieces():
    layer = Maxout(3, 2, pieces=4)
    x = torch.randn(5, 3)
    pre = layer.linear(x).view(5, 2, 4)
    assert torch.equal(layer(x), pre.max(-1).values)


def test_pacgan_paper_builds_pacgans_own_toy_networks():
    trainer = build_mode_gan(ModeGanConfig(mixture="grid25", method="pacgan-paper", out=None,
                                           loop=LoopConfig(rounds=1, batch_size=400, progress=False)))
    d, g = trainer.discriminator, trainer.generator.net
    assert isinstance(d, PackedDiscriminator) and isinstance(d.inner, MaxoutMLPDiscriminator) and d.pack == 4
    assert isinstance(g, BNMLPGenerator)
    linears = [m for m in g.modules() if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in linears] == [400, 400, 400, 400, 2]
    assert all(m.bias is None for m in linears[:-1])  # batch norm follows each hidden layer
    assert sum(isinstance(m, torch.nn.BatchNorm1d) for m in g.modules()) == 4
    maxouts = [m for m in d.modules() if isinstance(m, Maxout)]
    assert [(m.linear.in_features, m.out_dim, m.pieces) for m in maxouts] == [(8, 200, 5), (200, 200, 5), (200, 200, 5)]
    w = torch.cat([m.linear.weight.flatten() for m in maxouts])
    assert abs(w.std().item() - 0.02) < 0.002 and all(not m.linear.bias.any() for m in maxouts)
    opt = trainer.generator.optimizer.param_groups[0]
    assert opt["lr"] == 1e-4 and opt["betas"] == (0.8, 0.999)
    assert d(torch.randn(400, 2)).shape == (100,)  # PacGAN's batch: 100 packs of 4


def test_cli_modes_prints_metrics_and_writes_scatter(tmp_path, capsys):
    code = main(["gan", "modes", "--mixture", "ring8", "--method", "minibatch", "--rounds", "20", "--n-eval", "500",
                 "--out", str(tmp_path), "--no-progress", "--device", "cpu"])
    out = capsys.readouterr().out
    assert code == 0
    assert "modes covered" in out and "/8" in out
    png = tmp_path / "ring8_minibatch_seed0.png"
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert any((tmp_path / "tb").rglob("events.out.tfevents.*"))


@pytest.mark.parametrize("argv, message", [
    (["--mixture", "spiral"], "unknown --mixture 'spiral'"),
    (["--method", "unrolled"], "unknown --method 'unrolled'"),
    (["--method", "pacgan", "--pack", "3"], "--pack must be >= 2 and divide --batch-size"),
    (["--rounds", "0"], "must be positive"),
    (["--gp-weight", "-1"], "--gp-weight must be >= 0"),
])
def test_cli_modes_bad_input_one_clear_error(tmp_path, capsys, argv, message):
    code = main(["gan", "modes", *argv, "--out", str(tmp_path), "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("advrl: error:") and message in err[0], err


def _interpolate_grad_norm(trainer, n: int = 500) -> float:
    """Mean ||∇D|| on interpolates of real and generated samples (what 0-GP pulls towards 0)."""
    torch.manual_seed(1)
    real, fake = trainer.real_data.sample(n), trainer.generator.sample(n).detach()
    alpha = torch.rand(n, 1)
    x = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(trainer.discriminator.head(x).sum(), x)
    return grad.norm(dim=1).mean().item()


def test_zero_centred_gradient_penalty_flattens_the_discriminator_between_real_and_fake():
    runs = {}
    for method in ("ns", "ns-0gp"):
        trainer = build_mode_gan(ModeGanConfig(mixture="grid25", method=method, out=None,
                                               loop=LoopConfig(rounds=150, batch_size=100, progress=False)))
        trainer.train()
        runs[method] = trainer
    penalty = runs["ns-0gp"].objective
    assert penalty.gp_weight == 10.0 and penalty.gp_target == 0.0 and runs["ns"].objective.gp_weight == 0.0
    plain, flat = (_interpolate_grad_norm(runs[m]) for m in ("ns", "ns-0gp"))
    assert flat < 0.5 * plain, (flat, plain)


def test_gp_weight_override_keeps_wgan_gp_target_one():
    from advrl.gan.modes import METHODS, mode_objective

    assert mode_objective(METHODS["wgan-gp"], 5.0).gp_target == 1.0
    assert mode_objective(METHODS["ns"], 2.0).gp_target == 0.0 and mode_objective(METHODS["ns"], 2.0).gp_weight == 2.0
    assert mode_objective(METHODS["ns-0gp"], 0.0).gp_weight == 0.0
