"""GAIL-PPO on an env none of its settings were tuned on: Walker2d-v5 from a demo file made here.

The MuJoCo grid (``gail_mujoco.md``) covers HalfCheetah, Hopper and Swimmer, whose PPO rows were
looked at. Walker2d-v5 has no PPO row in advrl: the GAIL generator, the expert and PPO on the true
reward all take ``advrl.gail.ppo_settings.DEFAULT``, as a user's own env would. Everything runs
from the command line as a user would:

1. an expert, ``advrl expert train`` (PPO, 1M env steps) → ``experts/Walker2d-v5-ppo.zip``;
2. 25 deterministic episodes of it, ``advrl expert rollout`` → ``experts/demos/Walker2d-v5.npz``;
3. PPO on the true reward with the generator's settings, ``advrl gail ppo --reward true`` (1M, seeds 0-2);
4. GAIL-PPO with the library's defaults, ``advrl gail train`` (1M, seeds 0-2, evaluation every 25k).

    .venv/bin/python -m benchmarks.gail_walker --run   # runs what is missing (the shipped files are kept), re-evaluates
                                                       # the final policies on 100 more episodes, reports
    .venv/bin/python -m benchmarks.gail_walker         # the report from what has finished

Writes ``benchmarks/results/gail_walker.{md,json,png}``; the JSON's ``headline`` holds
``walker_ppo_vs_rl`` (GAIL-PPO final ÷ PPO on the true reward, means over seeds) and ``walker_ppo_norm``
(random policy 0, the demo file's mean 1). Run directories: ``benchmarks/grid_runs/gail_walker/``.
"""

from __future__ import annotations

import sys

from benchmarks.untuned_env import Task, main

TASK = Task(
    name="gail_walker", env="Walker2d-v5", key="walker", title="GAIL-PPO on Walker2d-v5: an env no setting was tuned on",
    doc=__doc__,
    caveat="What this shows and what it does not: with the untuned settings PPO on the true reward makes a modest "
           "walker ({ppo_mean:,.0f} over {n_ppo} seeds, spread {ppo_min:,.0f}-{ppo_max:,.0f}), and the expert and its "
           "demos are modest too. The check is whether GAIL-PPO's defaults imitate a user's file on an env no one "
           "tuned them for, not whether they walk well. The final figures are single 50-episode evaluations of the "
           "last policy; the mean of each run's last 8 evaluations (10 episodes each, policies of the last ~200k "
           "steps) is beside them.",
    provenance="These runs were made with the same commands under `runs/walker/` and copied here (the summaries "
               "record that `--out`)",
    legend_loc="upper left")

if __name__ == "__main__":
    sys.exit(main(TASK))
