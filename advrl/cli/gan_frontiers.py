"""``advrl gan semisup`` and ``advrl gan modes`` — the GAN research frontiers (registered by advrl.cli.gan)."""

from __future__ import annotations

import argparse

MODE_METHODS = ("ns", "minibatch", "wgan-gp", "wgan", "pacgan")


def register(verbs: argparse._SubParsersAction) -> None:
    semi = verbs.add_parser("semisup", help="semi-supervised K+1 GAN (Salimans et al. 2016) vs supervised-only")
    semi.add_argument("--data", default="digits",
                      help="mnist:DIR (train+test IDX files, or only the 10k test files: seeded split) or digits")
    semi.add_argument("--labels-per-class", type=int, default=10)
    semi.add_argument("--n-train", type=int, default=8000,
                      help="training part when DIR holds only the 10k test images (rest is held out)")
    semi.add_argument("--split-seed", type=int, default=0, help="seeds the split and the labelled examples")
    semi.add_argument("--rounds", type=int, default=6000, help="discriminator/generator updates")
    semi.add_argument("--batch-size", type=int, default=100)
    semi.add_argument("--lr", type=float, default=3e-3)
    semi.add_argument("--hidden", default="1000,500,250,250,250", help="classifier hidden sizes, comma-separated")
    semi.add_argument("--no-weight-norm", action="store_true")
    semi.add_argument("--input-noise", type=float, default=0.3)
    semi.add_argument("--hidden-noise", type=float, default=0.5)
    semi.add_argument("--eval-every", type=int, default=500)
    semi.add_argument("--no-baseline", action="store_true", help="skip the supervised-only baseline")
    semi.add_argument("--seed", type=int, default=0)
    semi.add_argument("--device", default="auto", help="auto | cpu | cuda")
    semi.add_argument("--out", default="runs/semisup", help="output directory (samples, tb, results.json)")
    semi.add_argument("--no-progress", action="store_true")
    semi.set_defaults(func=_semisup)

    modes = verbs.add_parser("modes", help="mode-collapse diagnostics on 2-D Gaussian mixtures")
    modes.add_argument("--mixture", default="ring8", help="ring8 | grid25")
    modes.add_argument("--method", default="ns", help=" | ".join(MODE_METHODS))
    modes.add_argument("--rounds", type=int, default=3000)
    modes.add_argument("--batch-size", type=int, default=100)
    modes.add_argument("--lr", type=float, default=None, help="default 2e-4 (1e-4 wgan-gp, 5e-5 wgan)")
    modes.add_argument("--d-steps", type=int, default=None, help="default 1 (5 for wgan-gp/wgan)")
    modes.add_argument("--minibatch-kernels", type=int, default=5)
    modes.add_argument("--pack", type=int, default=4, help="samples per pack for --method pacgan")
    modes.add_argument("--n-eval", type=int, default=2500, help="samples scored (PacGAN: 2500)")
    modes.add_argument("--seed", type=int, default=0)
    modes.add_argument("--device", default="auto")
    modes.add_argument("--out", default="runs/modes", help="output directory (scatter PNG, json, tb)")
    modes.add_argument("--no-progress", action="store_true")
    modes.set_defaults(func=_modes)


def _semisup(args: argparse.Namespace) -> int:
    from advrl.core import LoopConfig
    from advrl.gan.semisup import SemiSupConfig, run_semisup

    try:
        hidden = tuple(int(v) for v in args.hidden.split(","))
    except ValueError:
        raise ValueError(f"--hidden must be comma-separated integers, got {args.hidden!r}") from None
    if not hidden or min(hidden) <= 0:
        raise ValueError(f"--hidden sizes must be positive, got {args.hidden!r}")
    if args.rounds <= 0 or args.batch_size <= 0:
        raise ValueError("--rounds and --batch-size must be positive")
    loop = LoopConfig(rounds=args.rounds, batch_size=args.batch_size, seed=args.seed, device=args.device,
                      log_every=50, progress=not args.no_progress)
    cfg = SemiSupConfig(data=args.data, labels_per_class=args.labels_per_class, n_train=args.n_train,
                        split_seed=args.split_seed, hidden=hidden, weight_norm=not args.no_weight_norm,
                        input_noise=args.input_noise, hidden_noise=args.hidden_noise, lr=args.lr,
                        eval_every=args.eval_every, baseline=not args.no_baseline, out=args.out, loop=loop)
    result = run_semisup(cfg)
    print(result.split.describe())
    print(f"semi-supervised GAN test accuracy (EMA): {100 * result.semi_accuracy:.2f}%  "
          f"(raw weights {100 * result.semi_accuracy_raw:.2f}%)")
    if result.supervised_accuracy is not None:
        print(f"supervised-only on the same {len(result.split.labelled_y)} labels: "
              f"{100 * result.supervised_accuracy:.2f}%")
    print(f"results: {args.out}/results.json  samples: {args.out}/samples_latest.png  tensorboard: {args.out}/tb")
    return 0


def _modes(args: argparse.Namespace) -> int:
    from advrl.core import LoopConfig
    from advrl.gan.modes import MIXTURES, ModeGanConfig, train_mode_gan

    if args.mixture not in MIXTURES:
        raise ValueError(f"unknown --mixture {args.mixture!r}; expected one of {', '.join(MIXTURES)}")
    if args.method not in MODE_METHODS:
        raise ValueError(f"unknown --method {args.method!r}; expected one of {', '.join(MODE_METHODS)}")
    if args.rounds <= 0 or args.batch_size <= 0 or args.n_eval <= 0:
        raise ValueError("--rounds, --batch-size and --n-eval must be positive")
    loop = LoopConfig(rounds=args.rounds, batch_size=args.batch_size, d_steps=args.d_steps or 1, seed=args.seed,
                      device=args.device, log_every=50, progress=not args.no_progress,
                      logdir=f"{args.out}/tb/{args.mixture}_{args.method}_seed{args.seed}")
    cfg = ModeGanConfig(mixture=args.mixture, method=args.method, lr=args.lr, minibatch_kernels=args.minibatch_kernels,
                        pack=args.pack, n_eval=args.n_eval, out=args.out, loop=loop)
    run = train_mode_gan(cfg)
    m = run.metrics
    print(f"{args.method} on {args.mixture} (seed {args.seed}, {args.rounds} rounds): modes covered "
          f"{m.modes_covered}/{m.n_modes}, high-quality {100 * m.high_quality:.1f}%, reverse KL {m.reverse_kl:.3f}")
    print(f"scatter: {run.png}")
    return 0
