"""``advrl airl train`` — AIRL (Fu et al. 2018) from demonstration files. Its saved reward
(``reward_net.pt``: f(s, a, s') = g + γh(s') − h(s); ``reward_g.pt``: g alone, for new
dynamics; g(s) by default, g(s, a) with ``--no-state-only``) re-trains a fresh PPO with ``advrl gail reward``.

Defaults live in :class:`advrl.gail.airl.AIRLConfig`; flags left out pass ``None`` and the
config's default rules (``--help`` shows it). The flags are ``advrl gail train``'s where
they apply (no ``--algo``: AIRL needs PPO's log-probabilities; ``--policy-reward`` in place
of ``--reward``; no ``--next-obs``: f always sees s'), ``--policy-reward`` and
``--state-only`` / ``--no-state-only``.
"""

from __future__ import annotations

import argparse

from advrl.cli.gail import TRAIN_FLAGS, add_train_args, report, train_settings
from advrl.cli.help import config_help

AIRL_FLAGS = {**{flag: spec for flag, spec in TRAIN_FLAGS.items()
                 if flag not in ("--algo", "--reward", "--entropy-weight")},
              "--policy-reward": ("policy_reward", str, "the policy's reward: f = g(s,a) + γh(s') - h(s) (with PPO's "
                                                        "entropy bonus), or logit: f - log π (Fu et al.; its entropy "
                                                        "term pays for surviving where episodes end early)"),
              "--state-only": ("state_only", bool, "g(s), Fu et al.'s disentangled reward (default); --no-state-only: "
                                                   "g(s, a)")}


def _train_defaults() -> dict[str, str]:
    from advrl.cli.help import field_defaults
    from advrl.gail.airl import AIRLConfig

    from advrl.gail.trainer import GENERATORS

    ppo = GENERATORS["ppo"]
    return {**field_defaults(AIRLConfig), "max_demo_episodes": "all", "d_epochs": f"{ppo.d_epochs:g}",
            "bc_steps": str(ppo.bc_steps)}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("airl", help="AIRL: imitate expert demos, learning a reward that transfers")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    train = verbs.add_parser("train", help="train AIRL on an env from a demo file (reward: advrl gail reward)",
                             formatter_class=config_help(_train_defaults))
    add_train_args(train, AIRL_FLAGS, out="runs/airl", choices={"policy_reward": ["f", "logit"]})
    train.set_defaults(func=_train)


def _train(args: argparse.Namespace) -> int:
    from advrl.gail.airl import AIRLConfig, train_airl

    return report(train_airl(AIRLConfig(**train_settings(args, AIRL_FLAGS, AIRLConfig))))
