"""GAIL's throughput against plain PPO with the same settings, measured side by side.

For each env, one process builds a GAIL run (the library's defaults, evaluation off)
and a plain SB3 PPO on the true reward with exactly the generator's PPO settings
(``advrl.gail.ppo_settings.generator_settings``), then alternates them in blocks of
``--block`` rollouts until each has run ``--steps`` env steps, the order flipped every
block (A B B A ...): whichever side runs first after a switch was measured 3-7% slower
(Acrobot, GAIL always first: ratio 0.90; PPO always first: 0.97). Process CPU time is
summed per side (torch and BLAS on one thread), so a load that drifts during the run
falls on both sides alike. Ratio = GAIL env steps per CPU-second ÷ PPO's. Each env is
measured ``--repeats`` times (fresh runs, seeds 0, 1, ...; every env once per pass) and the
table gives the median ratio and the range: single measurements of the same settings differ by
several percent. The control rows run two identical plain PPOs the same way (their ratio is the
method's noise); the ablation rows run GAIL with less learning per env step (``--ablate``'s env,
:data:`ABLATION`: a quarter of the default discriminator updates, no BC term after the warm start)
to show how much of the gap GAIL's learning is.

    .venv/bin/python -m benchmarks.gail_throughput [--report-only]

Writes ``benchmarks/results/gail_throughput.json`` (headline ``throughput_ratio_min``)
and ``gail_throughput.md``; run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
ENVS = {
    "CartPole-v1": "experts/demos/CartPole-v1.npz",
    "Acrobot-v1": "experts/demos/Acrobot-v1.npz",
    "MountainCarContinuous-v0": "experts/demos/MountainCarContinuous-v0.npz",
    "Pendulum-v1": "experts/heldout/Pendulum-v1-sac-sb2.npz",
}


def _alternate(sides: dict, steps: int, block: int) -> dict[str, float]:
    """Run each side ``block`` rounds at a time until both have ``steps`` env steps, flipping
    which goes first every block; CPU seconds per side."""
    cpu = {name: 0.0 for name in sides}
    order = list(sides)
    while any(model.num_timesteps < steps for model, _ in sides.values()):
        for name in order:
            start = time.process_time()
            sides[name][1](block)
            cpu[name] += time.process_time() - start
        order.reverse()
    return cpu


# GAIL with a quarter of the default discriminator work per env step (k = 1 on MountainCarContinuous's
# 1,024-step rounds) and no BC term after the warm start: not a recommended setting, the ablation that
# shows what the ratio is once GAIL's learning is mostly gone
ABLATION = {"d_epochs": 0.25, "bc_anneal": 0.0}


def measure(env_id: str, demos: str, steps: int, block: int, seed: int = 0, **overrides) -> dict:
    """GAIL rounds against PPO rollouts (``block`` of each at a time, order flipped per block);
    ``overrides``: :class:`GAILConfig` fields that differ from the defaults."""
    from stable_baselines3.common.env_util import make_vec_env

    from advrl.gail import GAILConfig, build_gail
    from advrl.gail.ppo_settings import generator_settings

    run = build_gail(GAILConfig(env_id=env_id, demos=str(ROOT / demos), total_timesteps=steps, seed=seed,
                                device="cpu", progress=False, tensorboard=False, eval_every_steps=0, **overrides))
    run.evaluator.on_train_start = lambda trainer: None  # no evaluations: only training is timed
    run.evaluator.on_train_end = lambda trainer: None
    settings = generator_settings(env_id)
    ppo = settings.make(make_vec_env(env_id, n_envs=settings.n_envs, seed=seed), steps, seed, "cpu")
    per_round = run.generator.steps_per_round
    cpu = _alternate({"gail": (run.ppo, run.train),
                      "ppo": (ppo, lambda n: ppo.learn(n * per_round, reset_num_timesteps=False))}, steps, block)
    gail_rate, ppo_rate = run.ppo.num_timesteps / cpu["gail"], ppo.num_timesteps / cpu["ppo"]
    return {"env": env_id, "steps": [int(run.ppo.num_timesteps), int(ppo.num_timesteps)],
            "cpu_s": cpu, "gail_steps_per_cpu_s": gail_rate, "ppo_steps_per_cpu_s": ppo_rate,
            "ratio": gail_rate / ppo_rate, "d_steps_per_round": run.trainer.config.d_steps,
            "env_steps_per_round": per_round, "seed": seed, "overrides": overrides}


def control(env_id: str, steps: int, block: int, seed: int = 0) -> dict:
    """Two identical plain PPOs measured as :func:`measure` measures GAIL against PPO."""
    from stable_baselines3.common.env_util import make_vec_env

    from advrl.gail.ppo_settings import generator_settings

    settings = generator_settings(env_id)
    a, b = (settings.make(make_vec_env(env_id, n_envs=settings.n_envs, seed=seed), steps, seed, "cpu")
            for _ in range(2))
    per_round = settings.steps_per_rollout
    cpu = _alternate({"a": (a, lambda n: a.learn(n * per_round, reset_num_timesteps=False)),
                      "b": (b, lambda n: b.learn(n * per_round, reset_num_timesteps=False))}, steps, block)
    return {"env": env_id, "ratio": (a.num_timesteps / cpu["a"]) / (b.num_timesteps / cpu["b"]), "cpu_s": cpu,
            "seed": seed}


def spread(rows: list[dict]) -> dict:
    """Median, lowest and highest ratio of repeated measurements."""
    ratios = sorted(r["ratio"] for r in rows)
    return {"median": float(np.median(ratios)), "min": ratios[0], "max": ratios[-1], "n": len(ratios)}


def _row(label: str, rows: list[dict], s: dict) -> str:
    """A table row: per-round sizes, the rates of the measurement whose ratio is the median, the spread."""
    first = rows[0]
    mid = min(rows, key=lambda r: abs(r["ratio"] - s["median"]))
    return (f"| {label} | {first['env_steps_per_round']} | {first['d_steps_per_round']} | "
            f"{mid['gail_steps_per_cpu_s']:.0f} | {mid['ppo_steps_per_cpu_s']:.0f} | "
            f"{s['median']:.3f} | {s['min']:.3f} | {s['max']:.3f} |")


def write_report(data: dict) -> None:
    """``gail_throughput.md`` from the JSON's measurements."""
    runs, ctrl, ablation = data["rows"], data["control"], data["ablation"]
    repeats = max(len(rows) for rows in runs.values())
    lines = ["# GAIL throughput vs plain PPO (same settings, same process, interleaved)", "",
             f"Command: `{data['command']}`. " + " ".join(__doc__.split("\n\n")[1].split()), "",
             f"| env | env steps / round | D steps / round | GAIL steps per CPU-s | PPO steps per CPU-s | "
             f"ratio, median of {repeats} | lowest | highest |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [_row(env_id, rows, data["per_env"][env_id]) for env_id, rows in runs.items()]
    if ablation:
        settings = ", ".join(f"{k} {v:g}" for k, v in data["ablation_settings"].items())
        lines.append(_row(f"ablation: {ablation[0]['env']}, {settings}", ablation, data["ablation_spread"]))
    if ctrl:
        c = data["control_spread"]
        lines.append(f"| control: plain PPO vs the same plain PPO, {ctrl[0]['env']} | | | | | {c['median']:.3f} | "
                     f"{c['min']:.3f} | {c['max']:.3f} |")
    lines += ["", "Steps per CPU-second: the measurement whose ratio is the median.", "",
              f"Headline: `throughput_ratio_min` = {data['headline']['throughput_ratio_min']:.3f} (the lowest env's "
              "median)"]
    (RESULTS / "gail_throughput.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60_000, help="env steps per side and env")
    parser.add_argument("--block", type=int, default=5, help="rounds (rollouts) per side before switching")
    parser.add_argument("--repeats", type=int, default=3, help="measurements per env (seeds 0, 1, ...)")
    parser.add_argument("--envs", nargs="+", default=list(ENVS), choices=list(ENVS))
    parser.add_argument("--control", default="Acrobot-v1", choices=[*ENVS, ""],
                        help="env of the PPO-vs-PPO control rows ('' for none)")
    parser.add_argument("--ablate", default="MountainCarContinuous-v0", choices=[*ENVS, ""],
                        help="env of the ablation rows (GAIL with less learning; '' for none)")
    parser.add_argument("--report-only", action="store_true", help="rebuild the markdown from the JSON")
    args = parser.parse_args(argv)
    if args.report_only:
        write_report(json.loads((RESULTS / "gail_throughput.json").read_text()))
        return 0
    if args.repeats < 1 or args.steps < 1 or args.block < 1:
        parser.error("--repeats, --steps and --block must be at least 1")
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    runs: dict[str, list[dict]] = {env_id: [] for env_id in args.envs}
    ctrl: list[dict] = []
    ablation: list[dict] = []
    with threadpool_limits(1):
        for seed in range(args.repeats):  # every env once per pass: a slow spell of the machine hits all alike
            for env_id in args.envs:
                runs[env_id].append(measure(env_id, ENVS[env_id], args.steps, args.block, seed))
                r = runs[env_id][-1]
                print(f"{env_id} seed {seed}: GAIL {r['gail_steps_per_cpu_s']:.0f} steps/CPU-s, "
                      f"PPO {r['ppo_steps_per_cpu_s']:.0f}, ratio {r['ratio']:.3f}", flush=True)
            if args.control:
                ctrl.append(control(args.control, args.steps, args.block, seed))
                print(f"control, PPO vs PPO on {args.control}: ratio {ctrl[-1]['ratio']:.3f}", flush=True)
            if args.ablate:
                ablation.append(measure(args.ablate, ENVS[args.ablate], args.steps, args.block, seed, **ABLATION))
                print(f"ablation {ABLATION} on {args.ablate}: ratio {ablation[-1]['ratio']:.3f}", flush=True)
    command = ".venv/bin/python -m benchmarks.gail_throughput " + " ".join(argv or sys.argv[1:])
    per_env = {env_id: spread(rows) for env_id, rows in runs.items()}
    headline = {"throughput_ratio_min": min(s["median"] for s in per_env.values()),
                **{f"throughput_ratio_{env_id.split('-')[0].lower()}": s["median"] for env_id, s in per_env.items()}}
    data = {"headline": headline, "command": command.strip(), "per_env": per_env, "rows": runs, "control": ctrl,
            "control_spread": spread(ctrl) if ctrl else None, "ablation": ablation, "ablation_settings": ABLATION,
            "ablation_spread": spread(ablation) if ablation else None}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "gail_throughput.json").write_text(json.dumps(data, indent=2))
    write_report(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
