"""``advrl gail train|reward|ppo`` — GAIL from demonstration files, and PPO on a learned reward."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("gail", help="GAIL: imitate expert demos with PPO on a learned reward")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    train = verbs.add_parser("train", help="train GAIL on an env from a demo file")
    train.add_argument("--env", required=True, help="gymnasium env id, e.g. CartPole-v1")
    train.add_argument("--demos", required=True, help="demo file (native, imitation, sb2, baselines, minari)")
    train.add_argument("--horizon", choices=["absorbing", "fixed", "none"], default="absorbing",
                       help="absorbing (default): an episode ending at t < H is credited the learned reward of "
                            "H - t steps in a virtual absorbing state (DAC; no survival bonus); fixed: run the "
                            "advrl/*Fixed env that simulates those steps (sound, slower to learn); none: the env "
                            "as registered (early termination leaks GAIL's survival bonus)")
    train.add_argument("--timesteps", type=int, default=100_000, help="generator env steps")
    train.add_argument("--device", default="auto", help="auto | cpu | cuda (PPO and the discriminator)")
    train.add_argument("--out", default="runs/gail", help="run directory (policy.zip, reward_net.pt, tb/)")
    train.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--d-steps", type=int, default=None, help="discriminator updates per round")
    train.add_argument("--d-lr", type=float, default=None)
    train.add_argument("--batch-size", type=int, default=None, help="expert/generator samples per D update")
    train.add_argument("--reward", default=None, help="reward transform: neg_log_one_minus_d (GAIL), logit, log_d, d")
    train.add_argument("--gp-weight", type=float, default=None, help="gradient penalty weight on D (0: off)")
    train.add_argument("--entropy-weight", type=float, default=None, help="D entropy bonus weight (0: off)")
    train.add_argument("--next-obs", action="store_true", help="D also sees the next observation")
    train.add_argument("--no-reward-norm", action="store_true", help="do not normalise the learned reward")
    train.add_argument("--demo-episodes", type=int, default=None, help="use only the first N demo episodes")
    train.add_argument("--eval-every", type=int, default=None, dest="eval_every_steps",
                       help="env steps between true-reward evaluations (default 10000)")
    train.add_argument("--eval-episodes", type=int, default=None)
    train.add_argument("--no-progress", action="store_true")
    train.set_defaults(func=_train)

    reward = verbs.add_parser("reward", help="train a fresh PPO on a saved learned reward (reward_net.pt)")
    reward.add_argument("file", help="reward_net.pt written by `advrl gail train`")
    _ppo_args(reward, need_env=False)
    reward.set_defaults(func=_reward)

    ppo = verbs.add_parser("ppo", help="train PPO with --reward true | learned:PATH, report the true return")
    ppo.add_argument("--reward", required=True, help="true, or learned:PATH to a reward_net.pt")
    _ppo_args(ppo, need_env=True)
    ppo.set_defaults(func=_ppo)


def _ppo_args(parser: argparse.ArgumentParser, need_env: bool) -> None:
    parser.add_argument("--env", required=need_env, default=None,
                        help="env id (default for learned rewards: the env the reward was trained on)")
    parser.add_argument("--horizon", choices=["fixed", "absorbing", "none"], default=None,
                        help="horizon mode (default: the learned reward's; 'none' for --reward true)")
    parser.add_argument("--timesteps", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--eval-episodes", type=int, default=10)
    parser.add_argument("--out", default=None, help="write the trained policy zip here")


def _train(args: argparse.Namespace) -> int:
    import torch

    from advrl.gail.trainer import GAILConfig, train_gail

    torch.set_num_threads(1)
    overrides = {"d_steps": args.d_steps, "d_lr": args.d_lr, "batch_size": args.batch_size, "reward": args.reward,
                 "gp_weight": args.gp_weight, "entropy_weight": args.entropy_weight,
                 "eval_every_steps": args.eval_every_steps, "eval_episodes": args.eval_episodes,
                 "max_demo_episodes": args.demo_episodes}
    if args.timesteps < 1:
        raise ValueError(f"--timesteps must be >= 1, got {args.timesteps}")
    cfg = GAILConfig(env_id=args.env, demos=args.demos, horizon=args.horizon, total_timesteps=args.timesteps,
                     seed=args.seed, device=args.device, out=args.out, resume=args.resume,
                     use_next_obs=args.next_obs, normalize_reward=not args.no_reward_norm,
                     progress=not args.no_progress, **{k: v for k, v in overrides.items() if v is not None})
    run = train_gail(cfg)
    first, last = run.evaluations[0], run.evaluations[-1]
    print(f"true return (deterministic, {cfg.eval_episodes} episodes): "
          f"before {first['true_return']:.1f} ± {first['true_return_std']:.1f} -> "
          f"after {last['true_return']:.1f} ± {last['true_return_std']:.1f} "
          f"({int(last['env_steps'])} env steps)")
    print(f"saved {cfg.out}/policy.zip, {cfg.out}/reward_net.pt (TensorBoard: {cfg.out}/tb)")
    return 0


def _run_ppo(args: argparse.Namespace, reward_spec: str) -> int:
    import torch

    from advrl.gail.ppo_on_reward import train_ppo_on_reward

    torch.set_num_threads(1)
    result = train_ppo_on_reward(reward_spec, env_id=args.env, horizon=args.horizon, timesteps=args.timesteps,
                                 seed=args.seed, device=args.device, eval_episodes=args.eval_episodes,
                                 out=args.out)
    print(f"PPO on {reward_spec} reward, {result['env_id']}, {result['timesteps']} steps: true return "
          f"{result['true_return']:.1f} ± {result['true_return_std']:.1f} over {args.eval_episodes} episodes")
    return 0


def _reward(args: argparse.Namespace) -> int:
    return _run_ppo(args, f"learned:{args.file}")


def _ppo(args: argparse.Namespace) -> int:
    return _run_ppo(args, args.reward)
