"""Assemble an image GAN on the core loop from one config."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from advrl.core import (AdversarialTrainer, LoopConfig, Objective, TensorData, UserError, atomic_path, content_sha256,
                        make_objective, prepare_run_dir, seed_everything, write_summary)
from advrl.gan.data import ImageData, load_image_data
from advrl.gan.generator import NetworkGenerator
from advrl.gan.models import (ConditionalDCGANGenerator, DCGANDiscriminator, DCGANGenerator,
                              ProjectionDCGANDiscriminator)
from advrl.gan.plots import SampleGridCallback, save_curves
from advrl.gan.recipes import RESUME_MAY_CHANGE, Recipe, as_run, check_positive, lookup, loop_for


@dataclass(frozen=True)
class ImageLoss(Recipe):
    """A :class:`Recipe` for image GANs, with the discriminator's normalisation."""

    d_norm: str = "batch"  # batch | layer | none: no batch norm under a critic (it couples the batch's samples)


# DCGAN (Radford et al. 2016) for the logit losses; WGAN-GP's settings (Gulrajani et al. 2017) for the critics
LOSSES: dict[str, ImageLoss] = {
    "ns": ImageLoss("ns", lr=2e-4, betas=(0.5, 0.999)),
    "minimax": ImageLoss("minimax", lr=2e-4, betas=(0.5, 0.999)),
    "wgan-gp": ImageLoss("wgan-gp", lr=1e-4, betas=(0.0, 0.9), d_steps=5, d_norm="layer"),
    "wgan": ImageLoss("wgan", lr=1e-4, betas=(0.0, 0.9), d_steps=5, d_norm="layer"),
}


@dataclass
class GanConfig:
    """Everything ``advrl gan train`` needs; defaults are DCGAN's."""

    data: str = "digits"  # digits | mnist:DIR
    loss: str = "ns"  # a key of LOSSES: ns | minimax | wgan-gp | wgan
    z_dim: int = 64  # latent size
    width: int = 64  # base channel count of G and D
    lr: float | None = None  # Adam learning rate of G and D (None: the loss's, see LOSSES)
    d_steps: int | None = None  # discriminator steps per round (None: the loss's, see LOSSES)
    minibatch_kernels: int = 0  # >0: minibatch discrimination with that many kernels
    feature_matching: bool = False  # generator matches D's mean features instead of the loss
    conditional: bool = False  # class-conditional: the data's labels into G (conditional batch norm) and D (projection)
    ema_decay: float = 0.0  # >0: samples and metrics from an EMA of G's weights (training uses the raw ones)
    sample_every: int = 500  # rounds between PNG sample grids
    out: str = "runs/gan"  # output directory (checkpoint, samples, TensorBoard, curves)
    loop: LoopConfig = field(default_factory=lambda: LoopConfig(rounds=2000, batch_size=64, checkpoint_every=500))


def build_gan(cfg: GanConfig, data: ImageData | None = None) -> AdversarialTrainer:
    """The trainer for ``cfg`` (data loaded from ``cfg.data`` unless given). ``cfg`` is not
    changed; every RNG is seeded from ``cfg.loop.seed`` once, before the networks are built."""
    loss = lookup(LOSSES, cfg.loss, "--loss").with_overrides(cfg.lr, cfg.d_steps)
    loop = loop_for(loss, cfg.loop)
    data = data or load_image_data(cfg.data)
    if data.images.ndim != 4 or data.images.shape[1] != 1 or data.images.shape[2] != data.images.shape[3]:
        raise UserError(f"{data.source}: expected images [N, 1, H, H], got {list(data.images.shape)}")
    objective = make_objective(loss.objective)
    _check_settings(cfg, objective, data)
    seed_everything(loop.seed)  # networks are initialised from the seed
    size, classes = data.image_size, _n_classes(data) if cfg.conditional else 0
    real = TensorData({"images": data.images, "labels": data.labels} if classes else data.images)
    g_net = ConditionalDCGANGenerator(cfg.z_dim, size, cfg.width, n_classes=classes) if classes else \
        DCGANGenerator(cfg.z_dim, size, cfg.width)
    generator = NetworkGenerator(g_net, cfg.z_dim, loop.batch_size, lr=loss.lr, betas=loss.betas, device=loop.device,
                                 feature_matching=cfg.feature_matching, real_data=real, n_classes=classes,
                                 ema_decay=cfg.ema_decay)
    disc = ProjectionDCGANDiscriminator(size, cfg.width, norm=loss.d_norm, n_classes=classes) if classes else \
        DCGANDiscriminator(size, cfg.width, norm=loss.d_norm, minibatch_kernels=cfg.minibatch_kernels)
    callbacks = [SampleGridCallback(cfg.out, cfg.sample_every)] if cfg.out else []
    return AdversarialTrainer(generator, disc, objective, real, loop, callbacks)


def _n_classes(data: ImageData) -> int:
    return int(data.labels.max()) + 1


def _check_settings(cfg: GanConfig, objective: Objective, data: ImageData) -> None:
    """One clear line for an EMA decay out of range or settings a conditional GAN cannot take."""
    if not 0.0 <= cfg.ema_decay < 1.0:
        raise UserError(f"--ema-decay must be in [0, 1), got {cfg.ema_decay}")
    check_positive(z_dim=cfg.z_dim, width=cfg.width)
    for flag, value in (("--minibatch-kernels", cfg.minibatch_kernels), ("--sample-every", cfg.sample_every)):
        if value < 0:
            raise UserError(f"{flag} must be >= 0 (0: off), got {value}")
    if not cfg.conditional:
        return
    clash = [flag for flag, on in (("--feature-matching", cfg.feature_matching),
                                   ("--minibatch-kernels", cfg.minibatch_kernels > 0),
                                   (f"--loss {cfg.loss} (a gradient penalty)", objective.gp_weight > 0))
             if on]
    if clash:
        raise UserError(f"--conditional does not combine with {', '.join(clash)}; use --loss ns or minimax alone")
    if len(data.labels) != len(data.images) or int(data.labels.min()) < 0:
        raise UserError(f"{data.source}: --conditional needs one class label >= 0 per image")
    missing = sorted(set(range(_n_classes(data))) - set(np.asarray(data.labels).tolist()))
    if missing:  # classes are 0..max label: one without images would be learned from nothing
        shown = ", ".join(map(str, missing[:5])) + (", ..." if len(missing) > 5 else "")
        raise UserError(f"{data.source}: --conditional needs labels 0..K-1 with images of each; labels up to "
                        f"{_n_classes(data) - 1}, but none of class {shown}")


def train_gan(cfg: GanConfig, resume: bool = False, overwrite: bool = False) -> AdversarialTrainer:
    """Train into ``cfg.out`` (an existing run only with ``resume`` — same settings, from
    ``out/checkpoint.pt`` — or ``overwrite``); write samples, loss curves, the config as run
    (``config.json``) and, last, ``summary.json``. ``cfg`` is not changed."""
    out = prepare_run_dir(cfg.out, resume=resume, overwrite=overwrite, check_only=True)
    cfg = replace(cfg, loop=replace(cfg.loop, checkpoint_path=str(out / "checkpoint.pt"),
                                    logdir=cfg.loop.logdir or str(out / "tb")))
    trainer = build_gan(cfg)  # validates every setting before anything is written
    prepare_run_dir(out, resume=resume, overwrite=overwrite)
    trainer.run_config = {**asdict(as_run(cfg, trainer)), "data_sha256": content_sha256(trainer.real_data.data)}
    trainer.resume_may_change = set(RESUME_MAY_CHANGE)
    if resume:
        trainer.resume(trainer.config.checkpoint_path)
    with atomic_path(out / "config.json") as tmp:
        tmp.write_text(json.dumps(trainer.run_config, indent=2))
    log = trainer.train()
    steps = log.series("step")
    curves = {k: (steps, log.series(k)) for k in ("d/loss", "g/loss") if log.series(k)}
    if curves:
        save_curves(curves, out / "losses.png", f"{cfg.loss} on {cfg.data}")
    last = {k: v for k, v in (log.history[-1] if log.history else {}).items() if k != "step"}
    write_summary(out, {"family": "gan", "data": cfg.data, "settings": trainer.run_config, "rounds": trainer.round,
                        "final_metrics": last, "samples": str(out / "samples_latest.png")})
    return trainer
