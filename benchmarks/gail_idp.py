"""GAIL-PPO on another env none of its settings were tuned on: InvertedDoublePendulum-v5, from a demo file made here.

Walker2d-v5 (``gail_walker.md``) checked the defaults on a locomotion env without a PPO row; the double
inverted pendulum has none either, and its episodes end the moment the pole falls (1,000 steps at most,
~9.35 reward per step alive), so what GAIL's reward makes of early terminations decides the result. The
GAIL generator, the expert and PPO on the true reward all take ``advrl.gail.ppo_settings.DEFAULT``, as a
user's own env would. Everything runs from the command line as a user would:

1. an expert, ``advrl expert train`` (PPO, 1M env steps) → ``experts/InvertedDoublePendulum-v5-ppo.zip``;
2. 25 deterministic episodes of it, ``advrl expert rollout`` → ``experts/demos/InvertedDoublePendulum-v5.npz``;
3. PPO on the true reward with the generator's settings, ``advrl gail ppo --reward true`` (1M, seeds 0-2);
4. GAIL-PPO with the library's defaults, ``advrl gail train`` (1M, seeds 0-2, evaluation every 25k), and the same
   without the behaviour-cloning warm start and term (``--bc-steps 0``).

    .venv/bin/python -m benchmarks.gail_idp --run   # runs what is missing (the shipped files are kept), re-evaluates
                                                    # the final policies on 100 more episodes, reports
    .venv/bin/python -m benchmarks.gail_idp         # the report from what has finished

Writes ``benchmarks/results/gail_idp.{md,json,png}``; the JSON's ``headline`` holds ``idp_ppo_vs_rl``
(GAIL-PPO final ÷ PPO on the true reward, means over seeds), ``idp_ppo_norm`` (random policy 0, the
demo file's mean 1) and ``idp_nobc_vs_rl`` (the same ratio without the warm start). Run directories:
``benchmarks/grid_runs/gail_idp/``.
"""

from __future__ import annotations

import sys

from benchmarks.untuned_env import Task, Variant, main

TASK = Task(
    name="gail_idp", env="InvertedDoublePendulum-v5", key="idp",
    title="GAIL-PPO on InvertedDoublePendulum-v5: an env no setting was tuned on",
    doc=__doc__,
    caveat="What this shows and what it does not: PPO with the untuned settings balances the pendulum on the true "
           "reward ({ppo_mean:,.0f} over {n_ppo} seeds, spread {ppo_min:,.0f}-{ppo_max:,.0f}; a 1,000-step episode "
           "earns at most ~9,350), and so does the expert. The check is whether GAIL-PPO's defaults imitate a "
           "user's file on an env no one tuned them for, one whose episodes end early until the policy balances. "
           "The final figures are single 50-episode evaluations of the last policy; the mean of each run's last 8 "
           "evaluations (10 episodes each, policies of the last ~200k steps) is beside them. The behaviour-cloning "
           "warm start alone already balances here, so a second GAIL row starts from the untrained policy "
           "(`--bc-steps 0`: no warm start, no BC term): what the adversarial reward learns by itself.",
    provenance="These runs were made with the commands above (the expert's with its `--out` in a scratch folder, "
               "the zip then copied to `experts/`)",
    variants=(Variant("gail_nobc", "GAIL-PPO without the BC warm start (`--bc-steps 0`)", ("--bc-steps", "0"),
                      (("bc_steps", 0),), "nobc"),))

if __name__ == "__main__":
    sys.exit(main(TASK))
