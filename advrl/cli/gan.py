"""``advrl gan`` — image GANs on the shared loop."""

from __future__ import annotations

import argparse

from advrl.core.objectives import OBJECTIVES


def register(sub: argparse._SubParsersAction) -> None:
    gan = sub.add_parser("gan", help="image GANs (DCGAN, WGAN-GP, minibatch discrimination, semi-supervised)")
    verbs = gan.add_subparsers(dest="verb", required=True, metavar="VERB")

    train = verbs.add_parser("train", help="train a DCGAN on digits or MNIST IDX files")
    train.add_argument("--data", default="digits", help="digits (sklearn, embedded) or mnist:DIR (IDX files)")
    train.add_argument("--loss", default="ns", help=f"one of {', '.join(sorted(OBJECTIVES))}")
    train.add_argument("--rounds", type=int, default=2000, help="generator steps")
    train.add_argument("--d-steps", type=int, default=None, help="discriminator steps per round (default 1; 5 for wgan)")
    train.add_argument("--batch-size", type=int, default=64)
    train.add_argument("--lr", type=float, default=None, help="Adam lr (default 2e-4; 1e-4 for wgan)")
    train.add_argument("--z-dim", type=int, default=64)
    train.add_argument("--width", type=int, default=64, help="base channel count")
    train.add_argument("--minibatch-kernels", type=int, default=0, help="minibatch discrimination kernels (0 = off)")
    train.add_argument("--feature-matching", action="store_true", help="generator matches D's mean features")
    train.add_argument("--sample-every", type=int, default=500, help="rounds between PNG sample grids")
    train.add_argument("--checkpoint-every", type=int, default=500)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--device", default="auto", help="auto | cpu | cuda")
    train.add_argument("--out", default="runs/gan", help="output directory")
    train.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    train.add_argument("--no-progress", action="store_true")
    train.set_defaults(func=_train)

    import importlib.util

    if importlib.util.find_spec("advrl.cli.gan_frontiers"):  # semi-supervised, mode diagnostics
        importlib.import_module("advrl.cli.gan_frontiers").register(verbs)


def _train(args: argparse.Namespace) -> int:
    from advrl.core import LoopConfig
    from advrl.gan.train import GanConfig, train_gan

    if args.loss not in OBJECTIVES:
        raise ValueError(f"unknown --loss {args.loss!r}; expected one of {', '.join(sorted(OBJECTIVES))}")
    wgan = args.loss.startswith("wgan")
    if args.rounds <= 0 or args.batch_size <= 0:
        raise ValueError("--rounds and --batch-size must be positive")
    loop = LoopConfig(rounds=args.rounds, d_steps=args.d_steps or (5 if wgan else 1), batch_size=args.batch_size,
                      seed=args.seed, device=args.device, checkpoint_every=args.checkpoint_every,
                      progress=not args.no_progress)
    cfg = GanConfig(data=args.data, loss=args.loss, z_dim=args.z_dim, width=args.width,
                    lr=args.lr or (1e-4 if wgan else 2e-4), minibatch_kernels=args.minibatch_kernels,
                    feature_matching=args.feature_matching, sample_every=args.sample_every, out=args.out, loop=loop)
    trainer = train_gan(cfg, resume=args.resume)
    last = trainer.logger.history[-1] if trainer.logger.history else {}
    print(f"trained {trainer.round} rounds on {args.data} ({args.loss}); "
          + ", ".join(f"{k}={v:.3f}" for k, v in last.items() if k != "step"))
    print(f"samples: {args.out}/samples_latest.png  losses: {args.out}/losses.png  "
          f"checkpoint: {args.out}/checkpoint.pt  tensorboard: {args.out}/tb")
    return 0
