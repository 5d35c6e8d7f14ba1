"""``advrl gan semisup`` and ``advrl gan modes`` — the GAN research frontiers (registered by advrl.cli.gan).

Options pass ``None`` through: defaults live in ``SemiSupConfig`` and ``ModeGanConfig``."""

from __future__ import annotations

import argparse

from advrl.cli.gan import add_run_options, apply_threads, per_recipe
from advrl.cli.help import config_from_args, config_help, describe_defaults


def _semisup_defaults() -> dict[str, str]:
    from advrl.gan.semisup import SemiSupConfig

    return describe_defaults(SemiSupConfig())


def _modes_defaults() -> dict[str, str]:
    from advrl.gan.modes import METHODS, MIXTURES, ModeGanConfig

    return {**describe_defaults(ModeGanConfig()),
            "mixture": f"{ModeGanConfig.mixture}; one of {', '.join(MIXTURES)}",
            "method": f"{ModeGanConfig.method}; one of {', '.join(METHODS)}",
            "lr": per_recipe(METHODS, "lr", "method"), "d_steps": per_recipe(METHODS, "d_steps", "method")}


def register(verbs: argparse._SubParsersAction) -> None:
    """Add ``advrl gan semisup`` and ``advrl gan modes``."""
    semi = verbs.add_parser("semisup", help="semi-supervised K+1 GAN (Salimans et al. 2016) vs supervised-only",
                            formatter_class=config_help(_semisup_defaults))
    semi.add_argument("--data", help="mnist:DIR (train+test IDX files, or only the 10k test files: seeded split) "
                                     "or digits")
    semi.add_argument("--labels-per-class", type=int, help="labelled examples per class")
    semi.add_argument("--n-train", type=int, help="training part when DIR holds only the 10k test images "
                                                   "(rest is held out)")
    semi.add_argument("--split-seed", type=int, help="seeds the split and the labelled examples")
    add_run_options(semi, batch="unlabelled, fake and labelled images per step", out="samples, tb, results.json",
                    d_steps=False)
    semi.add_argument("--hidden", help="classifier hidden sizes, comma-separated")
    semi.add_argument("--no-weight-norm", dest="weight_norm", action="store_false", default=None,
                      help="plain linear layers")
    semi.add_argument("--input-noise", type=float, help="std of the Gaussian noise on D's input")
    semi.add_argument("--hidden-noise", type=float, help="std of the Gaussian noise after D's hidden layers")
    semi.add_argument("--translate", type=int, help="random shifts of up to this many pixels of every real image "
                                                     "(labelled and unlabelled); 0: none")
    semi.add_argument("--d-translate", type=int, help="random shifts of up to this many pixels of every image D "
                                                       "trains on, generated ones included (DiffAugment); 0: none")
    semi.add_argument("--consistency", dest="consistency_weight", type=float,
                      help="weight of a consistency term on D's class probabilities of two randomly shifted views "
                           "of each unlabelled image (Π-model); 0: off")
    semi.add_argument("--consistency-translate", type=int, help="pixels of the consistency views' random shifts")
    semi.add_argument("--eval-every", type=int, help="rounds between held-out evaluations")
    semi.add_argument("--no-baseline", dest="baseline", action="store_false", default=None,
                      help="skip the supervised-only baseline")
    semi.add_argument("--ema-decay", type=float, help="evaluate an EMA of D's weights (0: the raw weights)")
    semi.add_argument("--data-init", action="store_true", default=None,
                      help="data-dependent init of the weight-normalised layers")
    semi.add_argument("--g-steps", type=int, help="generator steps per round (1: the paper's)")
    semi.add_argument("--decay-fraction", type=float, help="lr decays linearly to 0 over this last fraction of "
                                                          "the rounds (0: constant lr, as improved-gan's MNIST script)")
    semi.add_argument("--checkpoint-every", type=int, help="rounds between checkpoints (0: only at the end)")
    semi.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt (same settings)")
    semi.add_argument("--overwrite", action="store_true", help="replace an existing run in OUT")
    semi.set_defaults(func=_semisup)

    modes = verbs.add_parser("modes", help="mode-collapse diagnostics on 2-D Gaussian mixtures",
                             formatter_class=config_help(_modes_defaults))
    modes.add_argument("--mixture", help="the 2-D Gaussian mixture")
    modes.add_argument("--method", help="the GAN variant, with its optimiser settings")
    add_run_options(modes, batch="real and fake samples per step", out="scatter PNG, json, tb")
    modes.add_argument("--minibatch-kernels", type=int, help="for --method minibatch")
    modes.add_argument("--gp-weight", type=float, help="gradient penalty weight (zero-centred for the logit "
                                                       "methods, target 1 for wgan-gp)")
    modes.add_argument("--pack", type=int, help="samples per pack for --method pacgan and pacgan-paper")
    modes.add_argument("--n-eval", type=int, help="samples scored (PacGAN: 2500)")
    modes.add_argument("--overwrite", action="store_true", help="replace a run of the same name in OUT")
    modes.set_defaults(func=_modes)


def _sizes(text: str) -> tuple[int, ...]:
    """``"1000,500"`` → ``(1000, 500)``; a :class:`UserError` unless all are positive integers."""
    from advrl.core import UserError

    try:
        sizes = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise UserError(f"--hidden must be comma-separated integers, got {text!r}") from None
    if min(sizes) <= 0:
        raise UserError(f"--hidden sizes must be positive, got {text!r}")
    return sizes


def _semisup(args: argparse.Namespace) -> int:
    from advrl.gan.semisup import SemiSupConfig, run_semisup

    apply_threads(args)
    cfg = config_from_args(SemiSupConfig(), args, hidden=_sizes(args.hidden) if args.hidden is not None else None)
    result = run_semisup(cfg, resume=args.resume, overwrite=args.overwrite)
    print(result.split.describe())
    if "eval/test_acc_ema" in result.history[-1]:
        print(f"semi-supervised GAN test accuracy (EMA): {100 * result.semi_accuracy:.2f}%  "
              f"(raw weights {100 * result.semi_accuracy_raw:.2f}%)")
    else:
        print(f"semi-supervised GAN test accuracy: {100 * result.semi_accuracy:.2f}%")
    if result.supervised_accuracy is not None:
        print(f"supervised-only on the same {len(result.split.labelled_y)} labels: "
              f"{100 * result.supervised_accuracy:.2f}%")
    print(f"results: {cfg.out}/results.json  samples: {cfg.out}/samples_latest.png  tensorboard: {cfg.out}/tb")
    return 0


def _modes(args: argparse.Namespace) -> int:
    from advrl.gan.modes import ModeGanConfig, train_mode_gan

    apply_threads(args)
    run = train_mode_gan(config_from_args(ModeGanConfig(), args), overwrite=args.overwrite)
    cfg, m = run.config, run.metrics
    print(f"{cfg.method} on {cfg.mixture} (seed {cfg.loop.seed}, {cfg.loop.rounds} rounds, {cfg.loop.d_steps} D steps "
          f"each): modes covered {m.modes_covered}/{m.n_modes}, high-quality {100 * m.high_quality:.1f}%, "
          f"reverse KL {m.reverse_kl:.3f}")
    print(f"scatter: {run.png}")
    return 0
