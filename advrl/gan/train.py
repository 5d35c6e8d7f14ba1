"""Assemble an image GAN on the core loop from one config."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from advrl.core import (AdversarialTrainer, LoopConfig, TensorData, atomic_path, make_objective, resolve_device,
                        seed_everything)
from advrl.gan.data import ImageData, load_image_data
from advrl.gan.generator import NetworkGenerator
from advrl.gan.models import DCGANDiscriminator, DCGANGenerator
from advrl.gan.plots import SampleGridCallback, save_curves


@dataclass
class GanConfig:
    """Everything ``advrl gan train`` needs; defaults are DCGAN's."""

    data: str = "digits"  # digits | mnist:DIR
    loss: str = "ns"  # ns | minimax | wgan-gp | wgan
    z_dim: int = 64  # latent size
    width: int = 64  # base channel count of G and D
    lr: float = 2e-4  # Adam learning rate of G and D
    minibatch_kernels: int = 0  # >0: minibatch discrimination with that many kernels
    feature_matching: bool = False  # generator matches D's mean features instead of the loss
    sample_every: int = 500  # rounds between PNG sample grids
    out: str = "runs/gan"  # output directory (checkpoint, samples, TensorBoard, curves)
    loop: LoopConfig = field(default_factory=lambda: LoopConfig(rounds=2000, batch_size=64))


def build_gan(cfg: GanConfig, data: ImageData | None = None) -> AdversarialTrainer:
    """The trainer for ``cfg`` (data loaded from ``cfg.data`` unless given)."""
    objective = make_objective(cfg.loss)
    data = data or load_image_data(cfg.data)
    if data.images.ndim != 4 or data.images.shape[1] != 1 or data.images.shape[2] != data.images.shape[3]:
        raise ValueError(f"{data.source}: expected images [N, 1, H, H], got {list(data.images.shape)}")
    wasserstein = cfg.loss.startswith("wgan")
    device = resolve_device(cfg.loop.device)
    cfg.loop.device = str(device)
    seed_everything(cfg.loop.seed)  # networks are initialised from the seed
    size = data.image_size
    real = TensorData(data.images)
    generator = NetworkGenerator(DCGANGenerator(cfg.z_dim, size, cfg.width), cfg.z_dim, cfg.loop.batch_size,
                                 lr=cfg.lr, betas=(0.0, 0.9) if wasserstein else (0.5, 0.999), device=device,
                                 feature_matching=cfg.feature_matching, real_data=real)
    disc = DCGANDiscriminator(size, cfg.width, norm="layer" if wasserstein else "batch",
                              minibatch_kernels=cfg.minibatch_kernels)
    if wasserstein:
        cfg.loop.d_betas = (0.0, 0.9)
    cfg.loop.d_lr = cfg.lr
    callbacks = [SampleGridCallback(cfg.out, cfg.sample_every)] if cfg.out else []
    return AdversarialTrainer(generator, disc, objective, real, cfg.loop, callbacks)


def train_gan(cfg: GanConfig, resume: bool = False) -> AdversarialTrainer:
    """Train (resuming from ``out/checkpoint.pt`` when asked and present); write
    samples, loss curves and the config to ``cfg.out``."""
    out = Path(cfg.out)
    cfg.loop.checkpoint_path = str(out / "checkpoint.pt")
    cfg.loop.logdir = cfg.loop.logdir or str(out / "tb")
    trainer = build_gan(cfg)
    if resume and Path(cfg.loop.checkpoint_path).exists():
        trainer.resume(cfg.loop.checkpoint_path)
    with atomic_path(out / "config.json") as tmp:
        tmp.write_text(json.dumps(asdict(cfg), indent=2))
    log = trainer.train()
    steps = log.series("step")
    curves = {k: (steps, log.series(k)) for k in ("d/loss", "g/loss") if log.series(k)}
    if curves:
        save_curves(curves, out / "losses.png", f"{cfg.loss} on {cfg.data}")
    return trainer
