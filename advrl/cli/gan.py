"""``advrl gan`` — image GANs on the shared loop.

Every option defaults to ``None`` and is passed through: what the user does not give keeps
the default of the config dataclass (``GanConfig``, ``SemiSupConfig``, ``ModeGanConfig``), the
one place each default lives. ``--help`` reads those defaults when it is shown.
"""

from __future__ import annotations

import argparse
from typing import Any

from advrl.cli.help import config_from_args, config_help, describe_defaults

def per_recipe(table: dict[str, Any], attr: str, what: str) -> str:
    """``"the <what>'s: ns 0.0002, ..."``: one recipe field across a table of recipes."""
    return f"the {what}'s: " + ", ".join(f"{name} {getattr(recipe, attr):g}" for name, recipe in table.items())


def _train_defaults() -> dict[str, str]:
    from advrl.gan.train import LOSSES, GanConfig

    return {**describe_defaults(GanConfig()), "loss": f"{GanConfig.loss}; one of {', '.join(LOSSES)}",
            "lr": per_recipe(LOSSES, "lr", "loss"), "d_steps": per_recipe(LOSSES, "d_steps", "loss")}


def add_run_options(parser: argparse.ArgumentParser, batch: str, out: str, d_steps: bool = True) -> None:
    """The options every ``advrl gan`` verb shares (all pass ``None`` through to the config)."""
    parser.add_argument("--rounds", type=int, help="rounds (generator steps)")
    parser.add_argument("--batch-size", type=int, help=batch)
    parser.add_argument("--lr", type=float, help="Adam lr of G and D")
    if d_steps:
        parser.add_argument("--d-steps", type=int, help="discriminator steps per round")
    parser.add_argument("--seed", type=int, help="seeds networks and training")
    parser.add_argument("--device", help="auto | cpu | cuda[:N]")
    parser.add_argument("--out", help=f"output directory ({out})")
    parser.add_argument("--no-progress", dest="progress", action="store_false", default=None, help="no tqdm bar")
    parser.add_argument("--threads", type=int,
                        help="torch CPU threads (default: torch's, one per core; give 1 to each of several runs side by side)")


def apply_threads(args: argparse.Namespace) -> None:
    """``--threads N``: torch's intra-op CPU threads for this run (a :class:`UserError` below 1).
    Several runs sharing a few cores each with torch's default spend most of their time waiting
    on each other (three semi-supervised runs on 2 cores: ~1 round/s each, ~4.7 with one thread)."""
    if getattr(args, "threads", None) is None:
        return
    from advrl.core import UserError

    if args.threads < 1:
        raise UserError(f"--threads must be at least 1, got {args.threads}")
    import torch

    torch.set_num_threads(args.threads)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``advrl gan train`` (and ``semisup``, ``modes``)."""
    gan = sub.add_parser("gan", help="image GANs (DCGAN, WGAN-GP, minibatch discrimination, semi-supervised)")
    verbs = gan.add_subparsers(dest="verb", required=True, metavar="VERB")

    train = verbs.add_parser("train", help="train a DCGAN on digits or MNIST IDX files",
                             formatter_class=config_help(_train_defaults))
    train.add_argument("--data", help="digits (sklearn, embedded) or mnist:DIR (IDX files)")
    train.add_argument("--loss", help="the objective, with its optimiser settings")
    add_run_options(train, batch="real and fake images per step", out="checkpoint, samples, curves, tb")
    train.add_argument("--z-dim", type=int, help="latent size")
    train.add_argument("--width", type=int, help="base channel count")
    train.add_argument("--minibatch-kernels", type=int, help="minibatch discrimination kernels (0 = off)")
    train.add_argument("--feature-matching", action="store_true", default=None,
                       help="generator matches D's mean features")
    train.add_argument("--conditional", action="store_true", default=None,
                       help="class-conditional GAN: the data's labels into G (conditional batch norm) and D (projection)")
    train.add_argument("--ema-decay", type=float, help="samples from an EMA of G's weights (0: the raw weights)")
    train.add_argument("--sample-every", type=int, help="rounds between PNG sample grids")
    train.add_argument("--checkpoint-every", type=int, help="rounds between checkpoints (0: only at the end)")
    train.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt (same settings)")
    train.add_argument("--overwrite", action="store_true", help="replace an existing run in OUT")
    train.set_defaults(func=_train)

    import importlib.util

    if importlib.util.find_spec("advrl.cli.gan_frontiers"):  # semi-supervised, mode diagnostics
        importlib.import_module("advrl.cli.gan_frontiers").register(verbs)


def _train(args: argparse.Namespace) -> int:
    from advrl.gan.train import GanConfig, train_gan

    apply_threads(args)
    cfg = config_from_args(GanConfig(), args)
    trainer = train_gan(cfg, resume=args.resume, overwrite=args.overwrite)
    last = trainer.logger.history[-1] if trainer.logger.history else {}
    print(f"trained {trainer.round} rounds on {cfg.data} ({cfg.loss}); "
          + ", ".join(f"{k}={v:.3f}" for k, v in last.items() if k != "step"))
    print(f"samples: {cfg.out}/samples_latest.png  losses: {cfg.out}/losses.png  "
          f"checkpoint: {cfg.out}/checkpoint.pt  tensorboard: {cfg.out}/tb")
    return 0
