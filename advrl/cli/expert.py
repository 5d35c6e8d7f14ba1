"""``advrl expert train|rollout`` — PPO experts on the true reward, and demos from any SB3
SAC/TD3/PPO zip (loaded without unpickling)."""

from __future__ import annotations

import argparse

from advrl.cli.help import DefaultsFormatter


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("expert", help="train PPO experts; roll SB3 experts out into demo files")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    train = verbs.add_parser("train", help="train an SB3 PPO expert on the env's true reward",
                             formatter_class=DefaultsFormatter)
    train.add_argument("--env", required=True, help="gymnasium env id, e.g. CartPole-v1")
    train.add_argument("--out", default=None, help="policy zip to write (default: runs/experts/<env>-ppo.zip; "
                                                   "the shipped experts/ are never a default output)")
    train.add_argument("--timesteps", type=int, default=None, help="env steps (default: per-env budget)")
    train.add_argument("--seed", type=int, default=0, help="seed of the envs and the network")
    train.add_argument("--device", default="auto", help="auto | cpu | cuda")
    train.add_argument("--eval-episodes", type=int, default=20, help="episodes for the final evaluation")
    train.add_argument("--overwrite", action="store_true", help="replace an existing policy at --out")
    train.set_defaults(func=_train)

    roll = verbs.add_parser("rollout", help="write native demos from an expert policy (deterministic actions)",
                            formatter_class=DefaultsFormatter)
    roll.add_argument("--env", required=True, help="gymnasium env id")
    roll.add_argument("--policy", required=True, help="SB3 SAC, TD3 or PPO zip (read without unpickling; "
                      "observation statistics are applied from <stem>.obs_norm.npz beside it or an rl-zoo "
                      "vecnormalize.pkl beside it, in <stem>/, a checkpoint's own, or <Env>/'s for the zoo's "
                      "best_model.zip and checkpoints, read without running code), or 'random'")
    roll.add_argument("--algo", default=None, metavar="sac|ppo|td3",
                      help="the zip's algorithm (default: read from the zip; given, it must agree)")
    roll.add_argument("--episodes", type=int, default=20, help="episodes to roll out")
    roll.add_argument("--out", required=True, help="native .npz demo file to write")
    roll.add_argument("--seed", type=int, default=0, help="episode i is reset with seed + i")
    roll.add_argument("--stochastic", action="store_true", help="sample actions instead of the mode")
    roll.add_argument("--overwrite", action="store_true", help="replace an existing demo file at --out")
    roll.set_defaults(func=_rollout)


def _positive(args: argparse.Namespace, *names: str) -> None:
    from advrl.core import UserError

    for name in names:
        value = getattr(args, name)
        if value is not None and value < 1:
            raise UserError(f"--{name.replace('_', '-')} must be >= 1, got {value}")


def _train(args: argparse.Namespace) -> int:
    import torch

    from advrl.core import check_output_file, resolve_device
    from advrl.gail.experts import check_env_id, evaluate_expert, train_expert

    torch.set_num_threads(1)
    _positive(args, "timesteps", "eval_episodes")
    resolve_device(args.device)  # refused here, not after training on the CPU instead
    check_env_id(args.env)
    out = check_output_file(args.out or f"runs/experts/{args.env.replace('/', '_')}-ppo.zip",
                            overwrite=args.overwrite)
    path = train_expert(args.env, out, seed=args.seed, timesteps=args.timesteps, device=args.device)
    mean, std = evaluate_expert(args.env, path, episodes=args.eval_episodes, seed=10_000 + args.seed)
    print(f"saved {path}; true return over {args.eval_episodes} episodes: {mean:.2f} ± {std:.2f}")
    return 0


def _rollout(args: argparse.Namespace) -> int:
    import torch

    from advrl.core import UserError, check_output_file
    from advrl.demos import save_demos
    from advrl.gail.experts import rollout_expert
    from advrl.gail.sb3_io import ALGOS

    torch.set_num_threads(1)  # one observation at a time: threads only add overhead
    _positive(args, "episodes")
    if args.algo is not None and args.algo not in ALGOS:
        raise UserError(f"--algo {args.algo!r} for {args.policy}: unknown algorithm (known: {', '.join(ALGOS)})")
    check_output_file(args.out, overwrite=args.overwrite)
    policy = None if args.policy == "random" else args.policy
    demos = rollout_expert(args.env, policy, args.episodes, seed=args.seed, deterministic=not args.stochastic,
                           algo=args.algo)
    path = save_demos(demos, args.out)
    rets = demos.episode_returns
    if demos.metadata.get("obs_norm"):
        print(f"observations normalised with the expert's statistics from {demos.metadata['obs_norm']}")
    print(f"wrote {path}: {demos.n_episodes} episodes, {demos.n_steps} steps, "
          f"return {rets.mean():.2f} ± {rets.std():.2f}")
    return 0
