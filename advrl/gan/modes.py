"""Mode-collapse diagnostics on 2-D Gaussian mixtures (VEEGAN / PacGAN).

Mixtures follow the PacGAN code (fjxmlzn/PacGAN, ``synthetic_data_experiments``):

* ``ring8``: 8 Gaussians with means ``(cos 2πi/8, sin 2πi/8)`` (radius 1), std 0.01;
* ``grid25``: 25 Gaussians with means in ``{-4, -2, 0, 2, 4}²``, std 0.05.

Metrics (PacGAN's ``MetricLogger``, 2,500 samples): each sample is assigned to
its nearest mode in standardised distance; it is *high quality* when that
distance is below 3σ. A mode is *covered* when at least ``min_count``
high-quality samples land on it (PacGAN: 1). *Reverse KL* is
KL(generated mode histogram of the high-quality samples ‖ uniform).

:func:`build_mode_gan` assembles a toy GAN on the shared loop for the methods
``ns``, ``minibatch`` (minibatch discrimination), ``wgan-gp``, ``wgan``
(weight clipping), ``pacgan`` (the discriminator judges packs of ``pack``
samples; Lin et al. 2018), ``ns-0gp`` (a zero-centred gradient penalty on
interpolates; Thanh-Tung et al. 2019) on small MLPs, and ``pacgan-paper``:
packing with PacGAN's own toy networks and optimiser.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from advrl.core import (AdversarialTrainer, Discriminator, LoopConfig, Objective, UserError, atomic_path,
                        check_number, make_objective, prepare_run_dir, seed_everything)
from advrl.gan.generator import NetworkGenerator
from advrl.gan.models import BNMLPGenerator, MaxoutMLPDiscriminator, MLPDiscriminator, MLPGenerator
from advrl.gan.recipes import Recipe, as_run, check_positive, lookup, loop_for
from advrl.gan.schedules import LinearDecay


@dataclass
class Mixture:
    """An equal-weight mixture of isotropic 2-D Gaussians."""

    name: str
    means: np.ndarray  # [M, 2]
    std: float

    @property
    def n_modes(self) -> int:
        return len(self.means)

    def sample(self, n: int) -> torch.Tensor:
        """``n`` samples (torch's global RNG, so the loop's seeding applies)."""
        means = torch.as_tensor(self.means, dtype=torch.float32)
        idx = torch.randint(self.n_modes, (n,))
        return means[idx] + self.std * torch.randn(n, 2)


def ring8(radius: float = 1.0, std: float = 0.01) -> Mixture:
    """PacGAN's 2D-ring: 8 modes on a circle of ``radius``."""
    angles = 2 * np.pi * np.arange(8) / 8
    return Mixture("ring8", radius * np.stack([np.cos(angles), np.sin(angles)], 1), std)


def grid25(spacing: float = 2.0, std: float = 0.05) -> Mixture:
    """PacGAN's 2D-grid: 5x5 modes ``spacing`` apart, centred on the origin."""
    axis = spacing * (np.arange(5) - 2)
    return Mixture("grid25", np.array([[x, y] for x in axis for y in axis], dtype=np.float64), std)


MIXTURES = {"ring8": ring8, "grid25": grid25}


def make_mixture(name: str) -> Mixture:
    """The mixture called ``name`` (a key of :data:`MIXTURES`)."""
    return lookup(MIXTURES, name, "--mixture")()


@dataclass
class ModeMetrics:
    """The VEEGAN/PacGAN mode statistics of one sample set."""

    modes_covered: int
    n_modes: int
    high_quality: float  # fraction of samples within ``n_std`` σ of their nearest mode
    reverse_kl: float  # KL(histogram of high-quality samples over modes || uniform); inf if none
    counts: list[int]  # high-quality samples per mode

    def as_row(self) -> dict[str, float]:
        """Modes covered, high-quality fraction and reverse KL, for a table or TensorBoard."""
        return {"modes": float(self.modes_covered), "hq": self.high_quality, "reverse_kl": self.reverse_kl}


def mode_metrics(samples: torch.Tensor | np.ndarray, mixture: Mixture, n_std: float = 3.0,
                 min_count: int = 1) -> ModeMetrics:
    """Modes covered, high-quality fraction and reverse KL of ``samples`` [N, 2]."""
    x = np.asarray(samples.detach().cpu() if isinstance(samples, torch.Tensor) else samples, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != mixture.means.shape[1] or len(x) == 0:
        raise ValueError(f"samples must have shape [N, {mixture.means.shape[1]}] with N > 0, got {list(x.shape)}")
    dist = np.sqrt(((x[:, None, :] - mixture.means[None]) ** 2).sum(-1)) / mixture.std  # [N, M] in σ
    nearest = dist.argmin(1)
    good = dist[np.arange(len(x)), nearest] < n_std
    counts = np.bincount(nearest[good], minlength=mixture.n_modes)
    total = counts.sum()
    if total == 0:
        rkl = math.inf
    else:
        p = counts / total
        nz = p > 0
        rkl = float((p[nz] * np.log(p[nz] * mixture.n_modes)).sum())
    return ModeMetrics(int((counts >= min_count).sum()), mixture.n_modes, float(good.mean()), rkl,
                       counts.astype(int).tolist())


# ---------------------------------------------------------------------------------------------- GANs
@dataclass(frozen=True)
class ModeMethod(Recipe):
    """A :class:`Recipe` for the toy GANs, with the discriminator it needs."""

    minibatch: bool = False  # minibatch discrimination (ModeGanConfig.minibatch_kernels kernels)
    packed: bool = False  # PacGAN: D judges packs of ModeGanConfig.pack samples
    paper_nets: bool = False  # PacGAN's own toy networks (BNMLPGenerator 4x400, MaxoutMLPDiscriminator 3x200x5)
    gp_weight: float | None = None  # gradient penalty weight (None: the objective's own)


# PacGAN's toy settings for the logit GANs; WGAN-GP's (Gulrajani et al. 2017) and WGAN's (Arjovsky et al.) critics
METHODS: dict[str, ModeMethod] = {
    "ns": ModeMethod("ns", lr=1e-3, betas=(0.5, 0.999)),
    "minibatch": ModeMethod("ns", lr=1e-3, betas=(0.5, 0.999), minibatch=True),
    "wgan-gp": ModeMethod("wgan-gp", lr=5e-4, betas=(0.5, 0.9), d_steps=5),
    "wgan": ModeMethod("wgan", lr=5e-5, betas=(0.0, 0.9), d_steps=5),
    "pacgan": ModeMethod("ns", lr=1e-3, betas=(0.5, 0.999), packed=True),
    # the non-saturating GAN with a zero-centred gradient penalty on real/fake interpolates (Thanh-Tung et al.
    # 2019, "0-GP": pulling D's gradient norm towards 0 between real and fake samples keeps D from over-fitting
    # the current fakes, the cause of mode collapse they identify; they show it on 2-D mixtures)
    "ns-0gp": ModeMethod("ns", lr=1e-3, betas=(0.5, 0.999), gp_weight=10.0),
    # PacGAN's toy recipe as its code has it (fjxmlzn/PacGAN, synthetic_data_experiments/2DGrid_GAN&PacGAN):
    # its networks, Adam 1e-4 with beta1 0.8; its batch is 100 packs (--batch-size 100 x pack)
    "pacgan-paper": ModeMethod("ns", lr=1e-4, betas=(0.8, 0.999), packed=True, paper_nets=True),
}


class MixtureData:
    """:class:`advrl.core.RealData` drawing fresh samples from a mixture."""

    def __init__(self, mixture: Mixture) -> None:
        self.mixture = mixture

    def sample(self, n: int) -> torch.Tensor:
        """``n`` fresh samples of the mixture."""
        return self.mixture.sample(n)


class PackedDiscriminator(Discriminator):
    """PacGAN: scores packs of ``pack`` samples concatenated, one score per pack.

    Batches must be a multiple of ``pack`` (the loop's objectives average the
    per-pack scores, so nothing else changes)."""

    def __init__(self, inner: Discriminator, pack: int) -> None:
        super().__init__()
        self.inner, self.pack = inner, pack

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The inner discriminator's features of each pack ``[B / pack, F]``."""
        return self.inner.features(self._packed(x))

    def _packed(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[0] % self.pack:
            raise ValueError(f"batch of {x.shape[0]} is not a multiple of the pack size {self.pack}")
        return x.reshape(x.shape[0] // self.pack, -1)

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner.head(self._packed(x))


@dataclass
class ModeGanConfig:
    """A toy GAN on a 2-D mixture."""

    mixture: str = "ring8"  # a key of MIXTURES: ring8 | grid25
    method: str = "ns"  # a key of METHODS: ns | minibatch | wgan-gp | wgan | pacgan | pacgan-paper
    z_dim: int = 2  # PacGAN: 2-D standard normal latent
    g_hidden: int = 128  # the MLPs' widths and depths (pacgan-paper: PacGAN's own networks instead)
    g_layers: int = 3
    d_hidden: int = 128
    d_layers: int = 2
    lr: float | None = None  # Adam learning rate of G and D (None: the method's, see METHODS)
    d_steps: int | None = None  # discriminator steps per round (None: the method's, see METHODS)
    decay_fraction: float = 0.5  # linear lr decay to 0 over this last fraction of the rounds (0: off)
    minibatch_kernels: int = 5  # for method=minibatch
    gp_weight: float | None = None  # gradient penalty weight (None: the method's; for the logit methods a
    # zero-centred penalty on real/fake interpolates, Thanh-Tung et al. 2019's "0-GP")
    pack: int = 4  # for method=pacgan
    n_eval: int = 2500  # samples for the metrics (PacGAN: 2,500)
    out: str | None = "runs/modes"  # scatter PNG, metrics JSON, TensorBoard under out/tb (None: nothing written)
    loop: LoopConfig = field(default_factory=lambda: LoopConfig(rounds=3000, batch_size=100, log_every=50))

    @property
    def run_name(self) -> str:
        """``<mixture>_<method>_seed<seed>``: names this run's files under ``out``."""
        return f"{self.mixture}_{self.method}_seed{self.loop.seed}"


def mode_discriminator(cfg: ModeGanConfig, method: ModeMethod) -> Discriminator:
    """The MLP discriminator ``method`` needs (packed for PacGAN, with minibatch features for minibatch;
    PacGAN's maxout network for pacgan-paper)."""
    if method.packed:
        inner = (MaxoutMLPDiscriminator(2 * cfg.pack) if method.paper_nets
                 else MLPDiscriminator(2 * cfg.pack, cfg.d_hidden, cfg.d_layers))
        return PackedDiscriminator(inner, cfg.pack)
    kernels = cfg.minibatch_kernels if method.minibatch else 0
    return MLPDiscriminator(2, cfg.d_hidden, cfg.d_layers, minibatch_kernels=kernels)


def build_mode_gan(cfg: ModeGanConfig) -> AdversarialTrainer:
    """The trainer for ``cfg`` (MLPGenerator/MLPDiscriminator on the core loop). ``cfg`` is not
    changed; every RNG is seeded from ``cfg.loop.seed`` once, before the networks are built."""
    method = lookup(METHODS, cfg.method, "--method").with_overrides(cfg.lr, cfg.d_steps)
    mixture = make_mixture(cfg.mixture)
    loop = loop_for(method, cfg.loop)
    check_positive(n_eval=cfg.n_eval)
    if method.packed and (cfg.pack < 2 or loop.batch_size % cfg.pack):
        raise UserError(f"--pack must be >= 2 and divide --batch-size ({loop.batch_size}), got {cfg.pack}")
    seed_everything(loop.seed)  # networks are initialised from the seed
    g_net = (BNMLPGenerator(cfg.z_dim, 2) if method.paper_nets
             else MLPGenerator(cfg.z_dim, 2, cfg.g_hidden, cfg.g_layers))
    generator = NetworkGenerator(g_net, cfg.z_dim, loop.batch_size, lr=method.lr, betas=method.betas,
                                 device=loop.device)
    disc = mode_discriminator(cfg, method)
    callbacks = [LinearDecay(loop.rounds, cfg.decay_fraction)] if cfg.decay_fraction > 0 else []
    return AdversarialTrainer(generator, disc, mode_objective(method, cfg.gp_weight), MixtureData(mixture), loop,
                              callbacks)


def mode_objective(method: ModeMethod, gp_weight: float | None = None) -> Objective:
    """``method``'s objective with its gradient penalty; ``gp_weight`` (when given) replaces the weight. The
    logit objectives' penalty is zero-centred (||∇D|| → 0 on interpolates), WGAN-GP's keeps its target 1."""
    gp_weight = method.gp_weight if gp_weight is None else gp_weight
    if gp_weight is None:
        return make_objective(method.objective)
    check_number("--gp-weight", gp_weight, low=0)
    target = 1.0 if method.objective.startswith("wgan") else 0.0
    return make_objective(method.objective, gp_weight=gp_weight, gp_target=target)


@dataclass
class ModeRun:
    """What :func:`train_mode_gan` returns."""

    config: ModeGanConfig  # as run: lr, d_steps and the loop resolved
    metrics: ModeMetrics
    samples: torch.Tensor
    trainer: AdversarialTrainer
    png: Path | None = None


def train_mode_gan(cfg: ModeGanConfig, overwrite: bool = False) -> ModeRun:
    """Train, then score ``n_eval`` samples (a seeded draw); with ``out``, log to ``out/tb/<run>``
    and write the scatter PNG and, last, a JSON of the config as run and its metrics. A run of
    the same name already in ``out`` is replaced only with ``overwrite``. ``cfg`` is not changed."""
    outputs = [f"{cfg.run_name}.json", f"{cfg.run_name}.png", f"tb/{cfg.run_name}"]
    if cfg.out:
        prepare_run_dir(cfg.out, overwrite=overwrite, outputs=outputs, check_only=True)
    if cfg.out and cfg.loop.logdir is None:
        cfg = replace(cfg, loop=replace(cfg.loop, logdir=str(Path(cfg.out) / "tb" / cfg.run_name)))
    trainer = build_mode_gan(cfg)
    if cfg.out:  # every setting is valid by now
        prepare_run_dir(cfg.out, overwrite=overwrite, outputs=outputs)
    trainer.train()
    mixture = make_mixture(cfg.mixture)
    torch.manual_seed(cfg.loop.seed + 10_000)
    samples = trainer.generator.sample(cfg.n_eval).cpu()
    metrics = mode_metrics(samples, mixture)
    trainer.logger.log(trainer.round, {f"modes/{k}": v for k, v in metrics.as_row().items()})
    trainer.logger.flush()
    ran = as_run(cfg, trainer)
    png = None
    if cfg.out:
        out = Path(cfg.out)
        title = (f"{cfg.method} on {cfg.mixture} (seed {cfg.loop.seed}): {metrics.modes_covered}/"
                 f"{metrics.n_modes} modes, HQ {100 * metrics.high_quality:.1f}%, rKL {metrics.reverse_kl:.3f}")
        png = save_scatter(samples, mixture, out / f"{cfg.run_name}.png", title)
        with atomic_path(out / f"{cfg.run_name}.json") as tmp:
            tmp.write_text(json.dumps({"config": asdict(ran), "metrics": asdict(metrics)}, indent=2, default=str))
    return ModeRun(ran, metrics, samples, trainer, png)


def save_scatter(samples: torch.Tensor | np.ndarray, mixture: Mixture, path: str | Path, title: str = "",
                 n_std: float = 3.0) -> Path:
    """Scatter the samples over the mixture's modes (red circles: the 3σ regions)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = np.asarray(samples.detach().cpu() if isinstance(samples, torch.Tensor) else samples)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.scatter(x[:, 0], x[:, 1], s=2, c="black", alpha=0.3, label="generated")
    for m in mixture.means:
        ax.add_patch(plt.Circle(m, n_std * mixture.std, fill=False, color="red", lw=0.8))
    ax.scatter(mixture.means[:, 0], mixture.means[:, 1], s=8, c="red", marker="x", label="modes")
    span = np.abs(mixture.means).max() * 1.5 + 0.5
    ax.set_xlim(-span, span)
    ax.set_ylim(-span, span)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=8)
    ax.legend(loc="upper right", fontsize=7)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    return Path(path)


__all__ = ["METHODS", "MIXTURES", "Mixture", "MixtureData", "ModeGanConfig", "ModeMethod", "ModeMetrics", "ModeRun",
           "PackedDiscriminator", "build_mode_gan", "grid25", "make_mixture", "mode_discriminator", "mode_metrics",
           "mode_objective", "ring8", "save_scatter", "train_mode_gan"]
