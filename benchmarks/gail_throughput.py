"""GAIL's cost over plain PPO: env steps per CPU-second of GAIL ÷ of PPO on the true reward,
same PPO settings, same process, alternating GAIL and PPO runs (A B A B) so drifting load
hits both alike. Evaluation excluded; one torch thread.

    .venv/bin/python -m benchmarks.gail_throughput [--steps 40000] [--repeats 2]

Writes benchmarks/results/gail_throughput.{md,json} (headline ``throughput_ratio_min``).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace

import numpy as np

from benchmarks.gail_classic import RESULTS, TASKS, _gail, _ppo

ENVS = {"CartPole-v1": "CartPole-v1", "Acrobot-v1": "Acrobot-v1", "MountainCarContinuous-v0":
        "MountainCarContinuous-v0", "Pendulum-v1": "Pendulum-v1 sb2"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40_000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    rows = {}
    for env, task_name in ENVS.items():
        task = replace(TASKS[task_name], budget=args.steps)
        gail, ppo = [], []
        for rep in range(args.repeats):
            g, p = _gail(task, seed=rep), _ppo(task, seed=rep)
            gail.append(g["steps"] / g["cpu_s"])
            ppo.append(p["steps"] / p["cpu_s"])
        ratio = [a / b for a, b in zip(gail, ppo)]
        rows[env] = {"gail_steps_per_cpu_s": gail, "ppo_steps_per_cpu_s": ppo, "ratio": ratio}
        print(f"{env}: GAIL {np.mean(gail):.0f} / PPO {np.mean(ppo):.0f} steps per CPU-s = {np.mean(ratio):.3f}",
              flush=True)
    head = {"throughput_ratio_min": float(min(np.mean(r["ratio"]) for r in rows.values()))}
    command = "python -m benchmarks.gail_throughput " + " ".join(argv if argv is not None else sys.argv[1:])
    (RESULTS / "gail_throughput.json").write_text(json.dumps({"headline": head, "command": command, "envs": rows},
                                                             indent=1))
    lines = ["# GAIL throughput over plain PPO (same settings, same process)", "", f"Command: `{command}`", "",
             "| env | GAIL steps/CPU-s | PPO steps/CPU-s | ratio (per repeat) |", "|---|---|---|---|"]
    lines += [f"| {env} | {np.mean(r['gail_steps_per_cpu_s']):.0f} | {np.mean(r['ppo_steps_per_cpu_s']):.0f} | "
              f"{np.mean(r['ratio']):.3f} ({', '.join(f'{x:.3f}' for x in r['ratio'])}) |" for env, r in rows.items()]
    lines += ["", f"Headline: `throughput_ratio_min` = {head['throughput_ratio_min']:.3f}", ""]
    (RESULTS / "gail_throughput.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
