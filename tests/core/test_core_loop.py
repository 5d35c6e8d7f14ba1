"""Behaviour of the shared loop: optimal discriminator, objective gradients,
convergence toward modes, gradient penalty, and exact resume.

No family is imported: the tiny networks below are all the loop needs."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from advrl.core import (AdversarialTrainer, Callback, Critic, Discriminator, LoopConfig, TensorData, gradient_penalty,
                        make_objective, seed_everything)


class MLPDiscriminator(Discriminator):
    """x → ``layers`` × (linear, LeakyReLU 0.2) → one score."""

    def __init__(self, in_dim: int, hidden: int = 32, layers: int = 2) -> None:
        super().__init__()
        dims = [in_dim] + [hidden] * layers
        self.body = nn.Sequential(*[m for a, b in zip(dims, dims[1:]) for m in (nn.Linear(a, b), nn.LeakyReLU(0.2))])
        self.out = nn.Linear(dims[-1], 1)

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.body(x)).squeeze(-1)


class MLPGenerator:
    """z ~ N(0, I) → ReLU MLP, trained by backprop through ``critic.loss`` with its own Adam."""

    def __init__(self, z_dim: int = 2, out_dim: int = 2, hidden: int = 64, lr: float = 1e-3) -> None:
        self.z_dim, self.batch_size = z_dim, 128
        self.net = nn.Sequential(nn.Linear(z_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, out_dim))
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=lr, betas=(0.5, 0.999))

    @torch.no_grad()
    def generate(self, n: int) -> torch.Tensor:
        return self.net(torch.randn(n, self.z_dim))

    def train_step(self, critic: Critic) -> dict[str, float]:
        loss = critic.loss(self.net(torch.randn(self.batch_size, self.z_dim)))
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return {"g/loss": loss.item()}

    def state_dict(self) -> dict:
        return {"net": self.net.state_dict(), "optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.net.load_state_dict(state["net"])
        self.optimizer.load_state_dict(state["optimizer"])


class FixedGaussian:
    """A 'generator' that never learns: samples N(mu, 1)."""

    def __init__(self, mu: float) -> None:
        self.mu = mu

    def generate(self, n: int) -> torch.Tensor:
        return torch.randn(n, 1) + self.mu

    def train_step(self, critic) -> dict[str, float]:
        return {}

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


def test_discriminator_approaches_optimal_on_1d_gaussians():
    """p = N(-1, 1) real, q = N(1, 1) fake: D*(x) = p/(p+q) = sigmoid(-2x)."""
    torch.manual_seed(0)
    real = TensorData(torch.randn(20000, 1) - 1.0)
    disc = MLPDiscriminator(in_dim=1, hidden=32)
    cfg = LoopConfig(rounds=1500, g_steps=0, batch_size=256, d_lr=1e-3, progress=False, device="cpu")
    AdversarialTrainer(FixedGaussian(1.0), disc, make_objective("ns"), real, cfg).train()
    x = torch.linspace(-2, 2, 41).unsqueeze(1)
    with torch.no_grad():
        d = torch.sigmoid(disc(x))
    d_star = torch.sigmoid(-2 * x.squeeze(1))
    err = (d - d_star).abs().max().item()
    assert err < 0.08, f"max |D - D*| on [-2, 2] = {err:.3f} (tolerance 0.08)"


def test_non_saturating_keeps_gradient_where_minimax_saturates():
    """With D(G(z)) ≈ 0 the minimax generator gradient vanishes; the NS one does not."""
    torch.manual_seed(0)
    gen = torch.nn.Linear(2, 1)
    disc = torch.nn.Linear(1, 1)
    with torch.no_grad():
        disc.weight.fill_(10.0)
        disc.bias.fill_(-30.0)  # fakes near 0 get logit ≈ -30: D(G(z)) ≈ 1e-13
    z = torch.randn(128, 2) * 0.1
    norms = {}
    for name in ("minimax", "ns"):
        gen.zero_grad()
        logits = disc(gen(z)).squeeze(1)
        assert torch.sigmoid(logits).max() < 1e-6
        make_objective(name).generator_loss(logits).backward()
        norms[name] = gen.weight.grad.norm().item() + gen.bias.grad.norm().item()
    assert norms["ns"] > 1.0, norms
    assert norms["minimax"] < 1e-6 * norms["ns"], norms


def _mixture(n: int) -> torch.Tensor:
    centres = torch.tensor([[2.0, 2.0], [-2.0, 2.0], [2.0, -2.0], [-2.0, -2.0]])
    return centres[torch.randint(4, (n,))] + 0.1 * torch.randn(n, 2)


def _distance_to_modes(x: torch.Tensor) -> float:
    centres = torch.tensor([[2.0, 2.0], [-2.0, 2.0], [2.0, -2.0], [-2.0, -2.0]])
    return torch.cdist(x, centres).min(1).values.mean().item()


def test_gan_moves_samples_toward_mixture_modes():
    torch.manual_seed(0)
    real = TensorData(_mixture(20000))
    gen = MLPGenerator(z_dim=2, out_dim=2, hidden=64, lr=1e-3)
    before = _distance_to_modes(gen.generate(2000))
    cfg = LoopConfig(rounds=1500, batch_size=128, d_lr=1e-3, progress=False, device="cpu")
    AdversarialTrainer(gen, MLPDiscriminator(2, hidden=64), make_objective("ns"), real, cfg).train()
    after = _distance_to_modes(gen.generate(2000))
    assert after < before / 3, f"mean distance to nearest mode {before:.2f} -> {after:.2f} (want a 3x drop)"


def test_gradient_penalty_zero_for_unit_norm_linear_critic():
    critic = MLPDiscriminator(in_dim=3, hidden=4, layers=0)
    with torch.no_grad():
        critic.out.weight.copy_(torch.tensor([[0.6, 0.8, 0.0]]))
    real, fake = torch.randn(16, 3), torch.randn(16, 3)
    assert gradient_penalty(critic, real, fake, target=1.0).item() == pytest.approx(0.0, abs=1e-10)
    with torch.no_grad():
        critic.out.weight.mul_(3.0)  # |∇| = 3 → (3-1)² = 4
    assert gradient_penalty(critic, real, fake, target=1.0).item() == pytest.approx(4.0, rel=1e-5)


def test_rewards_follow_their_formulas():
    logits = torch.tensor([-2.0, 0.0, 3.0])
    d = torch.sigmoid(logits)
    assert torch.allclose(make_objective("minimax").reward(logits), -torch.log(1 - d), atol=1e-6)
    assert torch.allclose(make_objective("ns").reward(logits), torch.log(d), atol=1e-6)
    assert torch.allclose(make_objective("ns", reward_name="logit").reward(logits), logits)
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        make_objective("hinge")
    with pytest.raises(ValueError, match="unknown reward"):
        make_objective("ns", reward_name="bogus")


def _toy_trainer(seed: int = 3) -> AdversarialTrainer:
    seed_everything(seed)  # as a family does: once, before building (the trainer does not seed)
    real = TensorData(_mixture(512))
    cfg = LoopConfig(rounds=6, batch_size=16, seed=seed, log_every=1, progress=False, device="cpu")
    return AdversarialTrainer(MLPGenerator(hidden=16), MLPDiscriminator(2, hidden=16), make_objective("ns"), real, cfg)


def test_checkpoint_resume_gives_same_next_losses(tmp_path):
    full = _toy_trainer()
    full.train(6)
    expected = full.logger.history[3:]

    first = _toy_trainer()
    first.train(3)
    first.save(tmp_path / "ck.pt")
    torch.manual_seed(999)  # disturb global RNG: resume must restore it
    second = _toy_trainer()
    second.resume(tmp_path / "ck.pt")
    assert second.round == 3
    second.train(3)
    got = second.logger.history
    assert [r["step"] for r in got] == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]  # the checkpoint's rows, then the new ones
    assert got[:3] == full.logger.history[:3]
    for a, b in zip(expected, got[3:]):
        for key in ("d/loss", "g/loss"):
            assert a[key] == b[key], (key, a, b)


class _CountingCallback(Callback):
    """Counts rounds; its count travels in checkpoints."""

    def __init__(self) -> None:
        self.rounds = 0

    def on_round_end(self, trainer, metrics):
        self.rounds += 1

    def state_dict(self):
        return {"rounds": self.rounds}

    def load_state_dict(self, state):
        self.rounds = state["rounds"]


def test_callback_state_travels_in_checkpoints(tmp_path):
    first = _toy_trainer()
    first.callbacks = [_CountingCallback(), _CountingCallback()]
    first.train(3)
    first.callbacks[1].rounds = 10  # two callbacks of one class are told apart
    first.save(tmp_path / "ck.pt")
    second = _toy_trainer()
    second.callbacks = [_CountingCallback(), _CountingCallback(), Callback()]  # one without state: skipped
    second.resume(tmp_path / "ck.pt")
    second.train(2)
    assert [cb.rounds for cb in second.callbacks[:2]] == [5, 12]


def test_resume_rejects_foreign_file(tmp_path):
    bad = tmp_path / "not_a_checkpoint.pt"
    bad.write_bytes(b"hello")
    trainer = _toy_trainer()
    with pytest.raises(ValueError, match="not_a_checkpoint.pt"):
        trainer.resume(bad)


def test_nan_loss_is_reported():
    trainer = _toy_trainer()
    trainer.real_data = TensorData(torch.full((32, 2), math.nan))
    with pytest.raises(FloatingPointError, match="discriminator loss"):
        trainer.train(1)
