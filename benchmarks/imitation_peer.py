"""The imitation peer: imitation 1.0.1's GAIL and advrl's GAIL on the same demo file, in one run.

imitation 1.0.1 pins gymnasium ~0.29 / stable-baselines3 ~2.2, so it lives in its own virtualenv
(``benchmarks/cache/imitation-venv``, git-ignored), created on first use with ``torch==2.13.0``
installed FIRST (an unpinned torch would pull a multi-GB CUDA build), then ``imitation==1.0.1`` and
``seals==0.2.1``. ``benchmarks/imitation_peer_worker.py`` runs there with imitation's documented
CartPole GAIL settings; then advrl's GAIL runs here on the same file with its own CartPole settings and
each horizon mode asked for (default: ``absorbing``, advrl's default, and ``fixed`` — simulated absorbing
steps up to 500, like imitation's ``seals/CartPole-v0``).
Both are evaluated on CartPole-v1's true reward (deterministic actions, 5 episodes) at comparable
intervals (every ~16k env steps) and stop at the first evaluation reaching 95% of the expert
(normalised: random = 0, expert = the demo file's mean return), or at their step cap.

    python -m benchmarks.imitation_peer [--imitation-steps 400000] [--advrl-steps 100000] [--seed 0]

Writes ``benchmarks/results/imitation_peer.json``, ``imitation_peer.md`` and ``imitation_peer.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "benchmarks" / "cache" / "imitation-venv"
RESULTS = ROOT / "benchmarks" / "results"
DEMOS = ROOT.parent / "shared" / "data" / "demos" / "imitation-cartpole-final.npz"
EVAL_EVERY = 16_384  # imitation's round with the tutorial settings: 8 envs x PPO's n_steps 2048
THRESHOLD = 0.95


def venv_python() -> Path:
    """The imitation venv's python, creating the venv (torch pinned first) when needed."""
    py = VENV / "bin" / "python"
    check = [str(py), "-c", "import imitation, seals; assert imitation.__version__ == '1.0.1'"]
    if py.is_file() and subprocess.run(check, capture_output=True).returncode == 0:
        return py
    print(f"creating {VENV} (torch==2.13.0 first, then imitation==1.0.1) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(VENV / "bin" / "pip"), "install", "-q"]
    subprocess.run(pip + ["torch==2.13.0"], check=True)
    subprocess.run(pip + ["imitation==1.0.1", "seals==0.2.1"], check=True)
    subprocess.run(check, check=True)
    return py


def random_return(episodes: int = 50, seed: int = 0) -> float:
    from benchmarks.methods.common import RandomPolicy, eval_venv, evaluate

    venv = eval_venv("CartPole-v1", seed)
    return evaluate(RandomPolicy(venv.action_space, seed), venv, episodes)[0]


def run_imitation(demos: Path, steps: int, seed: int, rnd: float, exp: float, log: Path) -> dict:
    out = RESULTS / ".imitation_peer_worker.json"
    cmd = [str(venv_python()), str(ROOT / "benchmarks" / "imitation_peer_worker.py"), str(demos), str(out),
           "--timesteps", str(steps), "--seed", str(seed), "--random-return", str(rnd),
           "--expert-return", str(exp), "--threshold", str(THRESHOLD)]
    print("imitation:", " ".join(shlex.quote(c) for c in cmd), f"(log: {log})", flush=True)
    with open(log, "w") as fh:
        proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": ""})
    if proc.returncode != 0:
        raise RuntimeError(f"imitation worker failed (exit {proc.returncode}); see {log}")
    result = json.loads(out.read_text())
    out.unlink()
    return result


def run_advrl(demos: Path, steps: int, seed: int, rnd: float, exp: float, horizon: str = "absorbing") -> dict:
    import torch

    from advrl.core import Callback
    from advrl.gail import GAILConfig, build_gail, ppo_settings
    from benchmarks.methods.common import eval_venv, evaluate

    torch.set_num_threads(1)
    settings = ppo_settings("CartPole-v1")
    n_envs, kwargs = settings.n_envs, settings.kwargs
    config = GAILConfig(env_id="CartPole-v1", demos=str(demos), horizon=horizon, total_timesteps=steps, seed=seed,
                        device="cpu", eval_every_steps=EVAL_EVERY, eval_episodes=5, progress=False,
                        tensorboard=False, checkpoint_every=0)
    state = {"reached": None}

    class StopAt95(Callback):
        def on_round_end(self, trainer, metrics):
            last = run.evaluator.results[-1]
            if last["round"] == trainer.round and (last["true_return"] - rnd) / (exp - rnd) >= THRESHOLD:
                state["reached"] = int(last["env_steps"])
                return True
            return None

    run = build_gail(config, callbacks=[StopAt95()])
    start = time.time()
    run.train()
    wall = time.time() - start
    train_s = wall - run.evaluator.seconds
    final, final_std = evaluate(run.ppo, eval_venv("CartPole-v1", seed + 20_000), 20)
    import advrl

    return {
        "library": f"advrl {getattr(advrl, '__version__', '')} ({horizon} horizon)", "torch": torch.__version__,
        "env": f"{run.train_env_id} (GAIL horizon mode {config.horizon!r}), {n_envs} envs",
        "eval_env": "CartPole-v1 (true return)",
        "timesteps": int(run.ppo.num_timesteps), "steps_to_95": state["reached"],
        "curve": {"steps": [int(e["env_steps"]) for e in run.evaluations],
                  "returns": [float(e["true_return"]) for e in run.evaluations]},
        "final_return": final, "final_return_std": final_std, "wall_clock_s": wall, "train_s": train_s,
        "throughput": run.ppo.num_timesteps / max(train_s, 1e-9), "seed": seed,
        "settings": f"advrl.gail defaults for CartPole-v1 (advrl.gail.ppo_settings: {_show(kwargs) | {'n_envs': n_envs}}; "
                    f"d_steps={config.d_steps}, batch_size={config.batch_size}, d_lr={config.d_lr}, "
                    f"normalize_reward={config.normalize_reward}, horizon={config.horizon!r}), "
                    f"total_timesteps={steps}",
    }


def _show(kwargs: dict) -> dict:
    """PPO kwargs with linear schedules shown as ``lin(start)``."""
    return {k: (f"lin({v[1]:g})" if isinstance(v, tuple) and v and v[0] == "lin" else v) for k, v in kwargs.items()}


def write_outputs(peer: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from benchmarks.grid import write_json_atomic

    write_json_atomic(RESULTS / "imitation_peer.json", peer)
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, row in peer["runs"].items():
        ax.plot(row["curve"]["steps"], row["curve"]["returns"], marker="o", label=name)
    exp, rnd = peer["expert_return"], peer["random_return"]
    ax.axhline(rnd + THRESHOLD * (exp - rnd), ls=":", color="g", label="95% of expert")
    ax.set(title="GAIL on imitation-cartpole-final.npz", xlabel="env steps", ylabel="CartPole-v1 true return")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(RESULTS / "imitation_peer.png", dpi=100)
    plt.close(fig)
    lines = ["# imitation 1.0.1 GAIL vs advrl GAIL (same demo file, one run)", "",
             "| library | env steps to 95% of expert | final true return | env steps run | "
             "throughput (env steps/s, training only) | wall-clock (s) |", "|---|---|---|---|---|---|"]
    for name, row in peer["runs"].items():
        steps = f"{row['steps_to_95']:,}" if row.get("steps_to_95") is not None else "not reached"
        lines.append(f"| {name} | {steps} | {row['final_return']:.1f} ± {row['final_return_std']:.1f} | "
                     f"{row['timesteps']:,} | {row['throughput']:.0f} | {row['wall_clock_s']:.0f} |")
    lines += ["", *[f"- {n}" for n in peer["notes"]], "", "![curves](imitation_peer.png)", "",
              f"Command: `{peer['command']}`", ""]
    (RESULTS / "imitation_peer.md").write_text("\n".join(lines))
    print("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.imitation_peer", description=__doc__.splitlines()[0])
    parser.add_argument("--demos", default=str(DEMOS))
    parser.add_argument("--imitation-steps", type=int, default=400_000,
                        help="cap on imitation's env steps (its tutorial trains 800k)")
    parser.add_argument("--advrl-steps", type=int, default=100_000, help="advrl GAIL's total_timesteps")
    parser.add_argument("--advrl-horizons", nargs="+", default=["absorbing", "fixed"],
                        choices=["absorbing", "fixed", "none"], help="advrl GAIL horizon modes to run")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    demos = Path(args.demos)
    if not demos.is_file():
        raise SystemExit(f"imitation_peer: error: demo file {demos} not found")
    from advrl.demos import load_demos

    exp = float(load_demos(demos, env="CartPole-v1").episode_returns.mean())
    rnd = random_return(seed=args.seed)
    print(f"references: random {rnd:.1f}, expert (demo file mean) {exp:.1f}", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = ROOT / "benchmarks" / "cache" / "imitation_peer_imitation.log"
    imitation = run_imitation(demos, args.imitation_steps, args.seed, rnd, exp, log)
    print(f"imitation: steps to 95% {imitation['steps_to_95']}, {imitation['throughput']:.0f} steps/s", flush=True)
    ours = []
    for horizon in args.advrl_horizons:
        ours.append(run_advrl(demos, args.advrl_steps, args.seed, rnd, exp, horizon))
        print(f"{ours[-1]['library']}: steps to 95% {ours[-1]['steps_to_95']}, "
              f"{ours[-1]['throughput']:.0f} steps/s", flush=True)
    command = "python -m benchmarks.imitation_peer " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    peer = {
        "command": command.strip(), "demos": str(demos.name), "random_return": rnd, "expert_return": exp,
        "threshold": THRESHOLD, "runs": {imitation["library"]: imitation, **{run["library"]: run for run in ours}},
        "notes": [
            f"Demo file: {demos.name} (57 expert CartPole episodes, mean return {exp:.1f} = the expert reference; "
            f"random reference {rnd:.1f} over 50 episodes). Both read it without unpickling (its pickled `infos` "
            "are skipped); imitation gets it as flattened transitions (its episodes have different lengths, "
            "which imitation's fixed-horizon check rejects as trajectories).",
            f"imitation: {imitation['settings']}; trained on {imitation['env']}; capped at {args.imitation_steps:,} "
            "env steps (the tutorial trains 800k).",
            *[f"{run['library']}: {run['settings']}; trained on {run['env']}." for run in ours],
            "Evaluation: true CartPole return, deterministic actions, 5 episodes, after every ~16k env steps "
            "(imitation: after each GAIL round of 16,384 steps); training stops at the first evaluation at or "
            "above 95% of expert; 'steps to 95%' is that evaluation's env-step count (resolution ~16k). Final "
            "return: 20 episodes. Throughput counts env steps per second of training with evaluation time "
            "removed; both ran one after the other in this process on the same machine (2 shared cores). "
            f"One seed ({args.seed}) each.",
        ],
    }
    write_outputs(peer)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
