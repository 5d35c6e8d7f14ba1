"""``advrl gail train|reward|ppo`` — GAIL from demonstration files, and PPO on a learned reward.

Defaults live in :class:`advrl.gail.GAILConfig`; flags left out pass ``None`` and the
config's default rules (``--help`` shows it).
"""

from __future__ import annotations

import argparse

from advrl.cli.help import DefaultsFormatter, config_help

HORIZON_HELP = ("absorbing: an episode ending at t < H is credited the learned reward of H - t steps in a virtual "
                "absorbing state (DAC; no survival bonus); fixed: run the advrl/*Fixed env that simulates those "
                "steps (PPO then without entropy bonus and advantage normalisation); none: the env as registered "
                "(early termination leaks GAIL's survival bonus)")
# flag -> (GAILConfig field, type, help)
TRAIN_FLAGS: dict[str, tuple[str, type, str]] = {
    "--horizon": ("horizon", str, HORIZON_HELP),
    "--algo": ("algo", str, "the generator: ppo (on-policy) or sac (off-policy, DAC: the discriminator's fakes "
                            "from SAC's replay data, whose rewards are relabelled by the current discriminator; "
                            "continuous actions only)"),
    "--timesteps": ("total_timesteps", int, "generator env steps"),
    "--device": ("device", str, "auto | cpu | cuda (PPO and the discriminator)"),
    "--seed": ("seed", int, "seed of networks, envs and sampling"),
    "--d-steps": ("d_steps", int, "discriminator updates per round (default: --d-epochs passes over each rollout)"),
    "--d-epochs": ("d_epochs", float, "passes of --batch-size over each rollout, when --d-steps is not given"),
    "--d-lr": ("d_lr", float, "discriminator learning rate"),
    "--batch-size": ("batch_size", int, "expert and generator samples per discriminator update"),
    "--buffer-rounds": ("buffer_rounds", int, "rollouts kept as the discriminator's fakes"),
    "--buffer-recent": ("buffer_recent", float, "share of each fake batch drawn from the newest rollout only (0-1)"),
    "--reward": ("reward", str, "reward transform: neg_log_one_minus_d (GAIL), logit, log_d, d"),
    "--gp-weight": ("gp_weight", float, "gradient penalty weight on D (0: off)"),
    "--gp-target": ("gp_target", float, "gradient-norm target of the penalty (0: zero-centred; 1: WGAN-GP's)"),
    "--entropy-weight": ("entropy_weight", float, "D entropy bonus weight (0: off)"),
    "--demo-episodes": ("max_demo_episodes", int, "use only the first N demo episodes"),
    "--bc-steps": ("bc_steps", int, "behaviour-cloning warm start: Adam steps on the demos before round 1 "
                                    "(PPO generator; 0: off, with its BC term)"),
    "--bc-anneal": ("bc_anneal", float, "with --bc-steps: a BC term after each PPO update, its weight decaying to 0 "
                                        "over this fraction of the run (0: warm start only)"),
    "--bc-passes": ("bc_passes", float, "BC steps per round of that term, in PPO minibatches per epoch"),
    "--eval-every": ("eval_every_steps", int, "env steps between true-reward evaluations"),
    "--eval-episodes": ("eval_episodes", int, "episodes per true-reward evaluation"),
    "--final-eval-episodes": ("final_eval_episodes", int, "episodes of the last evaluation (the final return)"),
}
# the library (advrl.gail.trainer._check_numbers) checks every setting's range; the CLI is stricter here only:
# a final evaluation of 0 episodes means "--eval-episodes" to the library, and nothing a user would ask for
POSITIVE = {"final_eval_episodes"}
CHOICES = {"horizon": ["absorbing", "fixed", "none"], "algo": ["ppo", "sac"]}


def _train_defaults() -> dict[str, str]:
    from advrl.cli.help import field_defaults
    from advrl.gail.trainer import GENERATORS, GAILConfig

    d_epochs = ", ".join(f"{kind.d_epochs:g} with --algo {name}" for name, kind in GENERATORS.items())
    bc_steps = ", ".join(f"{kind.bc_steps} with --algo {name}" for name, kind in GENERATORS.items())
    return {**field_defaults(GAILConfig), "max_demo_episodes": "all", "d_epochs": d_epochs, "bc_steps": bc_steps}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("gail", help="GAIL: imitate expert demos with PPO on a learned reward")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    train = verbs.add_parser("train", help="train GAIL on an env from a demo file",
                             formatter_class=config_help(_train_defaults))
    add_train_args(train, TRAIN_FLAGS, out="runs/gail")
    train.add_argument("--next-obs", action="store_true", help="D also sees the next observation")
    train.set_defaults(func=_train)

    reward = verbs.add_parser("reward", help="train a fresh PPO (GAIL's generator settings) on a saved learned "
                                             "reward (reward_net.pt)",
                              formatter_class=DefaultsFormatter)
    reward.add_argument("file", help="reward_net.pt written by `advrl gail train` or `advrl airl train`")
    _ppo_args(reward, need_env=False)
    reward.set_defaults(func=_reward)

    ppo = verbs.add_parser("ppo", help="train PPO (GAIL's generator settings) with --reward true | learned:PATH, "
                                       "report the true return",
                           formatter_class=DefaultsFormatter)
    ppo.add_argument("--reward", required=True, help="true, or learned:PATH to a reward_net.pt")
    _ppo_args(ppo, need_env=True)
    ppo.set_defaults(func=_ppo)


def add_train_args(train: argparse.ArgumentParser, flags: dict[str, tuple[str, type, str]], out: str,
                   choices: dict[str, list[str]] | None = None) -> None:
    """The options of a ``train`` verb (GAIL's, AIRL's): env, demos, ``flags`` (their allowed
    values: :data:`CHOICES` and ``choices``), run directory."""
    choices = {**CHOICES, **(choices or {})}
    train.add_argument("--env", required=True, help="gymnasium env id, e.g. CartPole-v1")
    train.add_argument("--demos", required=True, help="demo file (native, imitation, sb2, baselines, minari, d4rl)")
    for flag, (name, kind, text) in flags.items():
        if kind is bool:  # --flag / --no-flag; neither: None, the config's default
            train.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, dest=name, help=text)
        else:
            train.add_argument(flag, type=kind, default=None, dest=name, help=text, choices=choices.get(name))
    train.add_argument("--out", default=out, help="run directory (policy.zip, reward_net.pt, tb/, summary.json)")
    train.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt (same settings)")
    train.add_argument("--overwrite", action="store_true", help="replace an existing run in OUT")
    train.add_argument("--no-reward-norm", action="store_true", help="do not normalise the learned reward")
    train.add_argument("--policy-obs-norm", choices=["auto", "on", "off"], default="auto",
                       help="PPO's policy normalises its observations with running statistics (rl-zoo's "
                            "normalize: true); auto: on for envs without a tuned PPO row (MuJoCo, your own), "
                            "as the row says otherwise")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")


def _ppo_args(parser: argparse.ArgumentParser, need_env: bool) -> None:
    parser.add_argument("--env", required=need_env, default=None,
                        help="env id (default for learned rewards: the env the reward was trained on)")
    parser.add_argument("--horizon", choices=["fixed", "absorbing", "none"], default=None,
                        help="horizon mode (default: the learned reward's; 'none' for --reward true)")
    parser.add_argument("--timesteps", type=int, default=100_000, help="env steps")
    parser.add_argument("--seed", type=int, default=0, help="seed")
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda")
    parser.add_argument("--eval-episodes", type=int, default=10, help="episodes of the final evaluation")
    parser.add_argument("--out", default=None, help="write the trained policy zip here")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out")


def _train(args: argparse.Namespace) -> int:
    from advrl.gail.trainer import GAILConfig, train_gail

    return report(train_gail(GAILConfig(use_next_obs=args.next_obs, **train_settings(args, TRAIN_FLAGS, GAILConfig))))


def train_settings(args: argparse.Namespace, flags: dict[str, tuple[str, type, str]], config_cls: type) -> dict:
    """The config fields a ``train`` verb's options give to ``config_cls`` (validated; ``None``
    left out; ``--policy-obs-norm`` is added to the class's own ``ppo`` overrides, not in place of them)."""
    from dataclasses import fields

    import torch

    from advrl.core import UserError

    torch.set_num_threads(1)
    given = {name: getattr(args, name) for name, _, _ in flags.values() if getattr(args, name) is not None}
    def flag(name: str) -> str:
        return next(f for f, (n, _, _) in flags.items() if n == name)

    for name in POSITIVE & given.keys():
        if given[name] < 1:
            raise UserError(f"{flag(name)} must be >= 1, got {given[name]}")
    for name in ("buffer_rounds", "buffer_recent"):
        if given.get("algo") == "sac" and name in given:
            raise UserError(f"{flag(name)} is PPO's: with --algo sac the discriminator's fakes span SAC's replay "
                            "buffer (as in DAC)")
    obs_norm = args.policy_obs_norm
    if obs_norm != "auto":
        if given.get("algo") == "sac":
            raise UserError("--policy-obs-norm is PPO's (--algo ppo)")
        ppo_field = next(f for f in fields(config_cls) if f.name == "ppo")
        given["ppo"] = {**ppo_field.default_factory(), "normalize_obs": obs_norm == "on"}
    return dict(env_id=args.env, demos=args.demos, out=args.out, resume=args.resume, overwrite=args.overwrite,
                normalize_reward=not args.no_reward_norm, progress=not args.no_progress, **given)


def report(run) -> int:
    """Print a finished run's true return before and after, and where it was saved."""
    cfg = run.config
    if run.bc is not None:
        bc = run.bc
        print(f"behaviour-cloning warm start: {bc.steps} steps, loss {bc.first_loss:.3g} -> {bc.last_loss:.3g}, "
              f"{100 * bc.agreement:.0f}% of the demos' actions reproduced")
    first, last = run.evaluations[0], run.evaluations[-1]
    start = "after the warm start" if run.bc is not None else "before"
    print(f"true return (deterministic): {start} {first['true_return']:.1f} ± {first['true_return_std']:.1f} "
          f"({cfg.eval_episodes} episodes) -> after {last['true_return']:.1f} ± {last['true_return_std']:.1f} "
          f"({int(last.get('episodes', cfg.eval_episodes))} episodes, {int(last['env_steps'])} env steps)")
    print(f"saved {cfg.out}/policy.zip, {cfg.out}/reward_net.pt, {cfg.out}/summary.json (TensorBoard: {cfg.out}/tb)")
    return 0


def _run_ppo(args: argparse.Namespace, reward_spec: str) -> int:
    import torch

    from advrl.core import UserError, check_output_file, resolve_device
    from advrl.gail.ppo_on_reward import train_ppo_on_reward

    for flag, value in (("--timesteps", args.timesteps), ("--eval-episodes", args.eval_episodes)):
        if value < 1:
            raise UserError(f"{flag} must be >= 1, got {value}")
    resolve_device(args.device)
    if args.out:
        check_output_file(args.out, overwrite=args.overwrite)

    torch.set_num_threads(1)
    result = train_ppo_on_reward(reward_spec, env_id=args.env, horizon=args.horizon, timesteps=args.timesteps,
                                 seed=args.seed, device=args.device, eval_episodes=args.eval_episodes,
                                 out=args.out)
    print(f"PPO on {reward_spec} reward, {result['env_id']}, {result['timesteps']} steps: true return "
          f"{result['true_return']:.1f} ± {result['true_return_std']:.1f} over {args.eval_episodes} episodes")
    return 0


def _reward(args: argparse.Namespace) -> int:
    from advrl.gail.learned_reward import LearnedReward

    meta = LearnedReward.load(args.file).metadata  # GAIL's D, or AIRL's f (reward_net.pt) or g (reward_g.pt)
    print(f"{args.file}: {meta.get('algorithm', 'gail').upper()} reward {meta.get('reward_term', 'D')}")
    return _run_ppo(args, f"learned:{args.file}")


def _ppo(args: argparse.Namespace) -> int:
    return _run_ppo(args, args.reward)
