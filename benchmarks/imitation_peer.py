"""The imitation peer: imitation 1.0.1's GAIL and advrl's GAIL with the same PPO settings, like for like.

For each task (CartPole-v1 from imitation's own expert file, Pendulum-v1 from a held-out imitation-layout
file) both libraries train with each of two PPO settings for the generator: imitation's documented
tutorial settings (``imitation-docs``) and advrl's GAIL defaults (``advrl-defaults``), on 3 seeds, to the
full budget (no early stop, so a late collapse shows). The discriminator side is each library's own
(imitation: its tutorial's reward net and GAIL settings; advrl: ``GAILConfig`` defaults), and so is the
episode handling (imitation trains CartPole on ``seals/CartPole-v0``, fixed horizon 500; advrl on
``CartPole-v1`` with absorbing states). Both are evaluated on the true reward of the standard env
(deterministic actions): 5 episodes after the first round past every 16,384 env steps, 20 at the end;
normalised with random = 0 and the demo file's mean = 1.

imitation 1.0.1 pins gymnasium ~0.29 / stable-baselines3 ~2.2, so it lives in its own virtualenv
(``benchmarks/cache/imitation-venv``, git-ignored), created on first use with ``torch==2.13.0``
installed FIRST (an unpinned torch would pull a multi-GB CUDA build), then ``imitation==1.0.1`` and
``seals==0.2.1``; ``benchmarks/imitation_peer_worker.py`` runs there.

    nice -n 5 .venv/bin/python -m benchmarks.imitation_peer [--envs CartPole-v1 Pendulum-v1] [--seeds 3]
        [--steps 200000] [--report-only] [--reuse imitation]

Each cell (env, settings, library, seed) is cached in ``benchmarks/cache/imitation_peer/`` as it ends,
so an interrupted run continues where it stopped. Writes ``benchmarks/results/imitation_peer.json``,
``imitation_peer.md`` and ``imitation_peer_<env>.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.metrics import normalise, steps_to_threshold

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "benchmarks" / "cache" / "imitation-venv"
CACHE = ROOT / "benchmarks" / "cache" / "imitation_peer"
RESULTS = ROOT / "benchmarks" / "results"
EVAL_EVERY = 16_384  # imitation's round with its tutorial settings: 8 envs x n_steps 2048
THRESHOLD = 0.95
LIBRARIES = ("imitation", "advrl")


@dataclass(frozen=True)
class PeerTask:
    env_id: str  # the true-reward env both are evaluated on (and advrl trains on)
    demos: Path
    imitation_env: str  # what imitation trains on


TASKS = {
    "CartPole-v1": PeerTask("CartPole-v1", ROOT.parent / "shared" / "data" / "demos" / "imitation-cartpole-final.npz",
                            "seals/CartPole-v0"),
    "Pendulum-v1": PeerTask("Pendulum-v1", ROOT / "experts" / "heldout" / "Pendulum-v1-sac-imitation.npz",
                            "Pendulum-v1"),
}

# imitation's docs tutorial (3_train_gail): PPO(MlpPolicy, batch_size=64, ent_coef=0.0, learning_rate=4e-4,
# gamma=0.95, n_epochs=5) on 8 envs; every other PPO setting spelled out at SB3's default, so advrl's
# per-env rows and GAIL defaults do not leak into this pair of rows
DOCS_PPO = dict(n_steps=2048, batch_size=64, n_epochs=5, gamma=0.95, gae_lambda=0.95, learning_rate=4e-4,
                clip_range=0.2, ent_coef=0.0, vf_coef=0.5, max_grad_norm=0.5, use_sde=False)
SETTINGS = ("imitation-docs", "advrl-defaults")


def ppo_spec(settings: str, env_id: str) -> dict:
    """``{"n_envs", "kwargs", "lr_decay"}``: the PPO settings of one pair of rows (JSON-able)."""
    if settings == "imitation-docs":
        return {"n_envs": 8, "kwargs": dict(DOCS_PPO), "lr_decay": False}
    from advrl.gail.ppo_settings import generator_settings

    s = generator_settings(env_id)  # exactly what GAILConfig's defaults give the generator
    return {"n_envs": s.n_envs, "kwargs": {k: list(v) if isinstance(v, tuple) else v for k, v in s.kwargs.items()},
            "lr_decay": True}


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


def references(task: PeerTask, episodes: int = 50) -> tuple[float, float]:
    """(random policy's mean true return, the demo file's mean return)."""
    from advrl.demos import load_demos
    from benchmarks.methods.common import RandomPolicy, eval_venv, evaluate

    venv = eval_venv(task.env_id, 0)
    rnd = evaluate(RandomPolicy(venv.action_space, 0), venv, episodes)[0]
    return rnd, float(load_demos(task.demos, env=task.env_id).episode_returns.mean())


def run_imitation(task: PeerTask, spec: dict, steps: int, seed: int, log: Path) -> dict:
    out = CACHE / ".worker.json"
    cmd = [str(venv_python()), str(ROOT / "benchmarks" / "imitation_peer_worker.py"), str(task.demos), str(out),
           "--env", task.imitation_env, "--eval-env", task.env_id, "--timesteps", str(steps), "--seed", str(seed),
           "--eval-every", str(EVAL_EVERY), "--ppo", json.dumps({"n_envs": spec["n_envs"], "kwargs": spec["kwargs"]})]
    print("imitation:", " ".join(shlex.quote(c) for c in cmd), f"(log: {log})", flush=True)
    with open(log, "w") as fh:
        proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": ""})
    if proc.returncode != 0:
        raise RuntimeError(f"imitation worker failed (exit {proc.returncode}); see {log}")
    result = json.loads(out.read_text())
    out.unlink()
    return result


def run_advrl(task: PeerTask, spec: dict, steps: int, seed: int) -> dict:
    import torch

    import advrl
    from advrl.gail import GAILConfig, build_gail
    from benchmarks.methods.common import eval_venv, evaluate

    torch.set_num_threads(1)
    config = GAILConfig(env_id=task.env_id, demos=str(task.demos), total_timesteps=steps, seed=seed, device="cpu",
                        n_envs=spec["n_envs"], ppo={k: tuple(v) if isinstance(v, list) else v
                                                    for k, v in spec["kwargs"].items()},
                        lr_decay=spec["lr_decay"], eval_every_steps=EVAL_EVERY, eval_episodes=5,
                        progress=False, tensorboard=False, checkpoint_every=0)
    run = build_gail(config)
    start = time.time()
    run.train()
    wall = time.time() - start
    train_s = wall - run.evaluator.seconds
    final, final_std = evaluate(run.ppo, eval_venv(task.env_id, seed + 20_000), 20)
    return {
        "library": f"advrl {getattr(advrl, '__version__', '')}", "torch": torch.__version__,
        "env": f"{run.train_env_id} (horizon {config.horizon!r}), {spec['n_envs']} envs", "eval_env": task.env_id,
        "timesteps": int(run.ppo.num_timesteps),
        "curve": {"steps": [int(e["env_steps"]) for e in run.evaluations],
                  "returns": [float(e["true_return"]) for e in run.evaluations]},
        "final_return": final, "final_return_std": final_std, "wall_clock_s": wall, "train_s": train_s,
        "throughput": run.ppo.num_timesteps / max(train_s, 1e-9), "seed": seed,
        "discriminator": f"advrl GAILConfig defaults (d_steps={config.d_steps}, d_epochs={config.d_epochs}, "
                         f"batch_size={config.batch_size}, d_lr={config.d_lr}, gp_weight={config.gp_weight}, "
                         f"buffer_rounds={config.buffer_rounds}, normalize_reward={config.normalize_reward})",
    }


def cell_path(env_id: str, settings: str, library: str, seed: int, steps: int) -> Path:
    return CACHE / f"{env_id}_{settings}_{library}_s{seed}_{steps}.json"


def _git_commit(path: Path) -> str:
    """The last commit that changed ``path`` (short hash; "uncommitted" outside git)."""
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%h", "--", str(path)], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        out = ""
    return out or "uncommitted"


def committed_cell(committed: dict, env_id: str, settings: str, library: str, seed: int, steps: int) -> dict | None:
    """The cell (env, settings, library, seed) of a results JSON made with ``steps`` env steps per run."""
    if committed.get("steps") != steps:
        return None
    cells = committed.get("tasks", {}).get(env_id, {}).get("cells", {}).get(f"{settings} / {library}", [])
    return next((c for c in cells if c.get("seed") == seed), None)


def trained(curve: dict) -> tuple[list[int], list[float]]:
    """The curve's evaluations after training began (the one before it is left out: an untrained
    CartPole policy can balance by chance)."""
    points = [(s, r) for s, r in zip(curve["steps"], curve["returns"]) if s > 0]
    return [s for s, _ in points], [r for _, r in points]


def steps_to(curve: dict, rnd: float, exp: float, threshold: float = THRESHOLD) -> int | None:
    """The first evaluation after training began at or above ``threshold`` of the expert (None: never)."""
    reached = steps_to_threshold(*trained(curve), rnd, exp, threshold)
    return None if reached is None else int(reached)


def summarise(cells: list[dict], rnd: float, exp: float) -> dict:
    norm = [normalise(c["final_return"], rnd, exp) for c in cells]
    peaks = [float(np.max(normalise(r, rnd, exp))) if r else float("nan")
             for r in (trained(c["curve"])[1] for c in cells)]
    return {"final_norm_mean": float(np.mean(norm)), "final_norm_sd": float(np.std(norm)),
            "final_norm_min": float(np.min(norm)), "final_norm": norm, "peak_norm": peaks,
            "steps_to_95": [steps_to(c["curve"], rnd, exp) for c in cells],
            "throughput_mean": float(np.mean([c["throughput"] for c in cells])),
            "wall_clock_mean": float(np.mean([c["wall_clock_s"] for c in cells])), "seeds": [c["seed"] for c in cells]}


def write_outputs(peer: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from benchmarks.grid import write_json_atomic

    write_json_atomic(RESULTS / "imitation_peer.json", peer)
    lines = ["# imitation 1.0.1 GAIL vs advrl GAIL: same demo files, same PPO settings, full budget", "",
             f"Command: `{peer['command']}`", "",
             "| task | generator PPO settings | library | seeds | final (normalised) mean ± sd | min | best evaluation "
             "per seed | env steps to 95% per seed | env steps/s (training) |", "|---|---|---|---|---|---|---|---|---|"]
    for env_id, t in peer["tasks"].items():
        for key, s in t["rows"].items():
            settings, library = key.split(" / ")
            reach = ", ".join(f"{x:,}" if x is not None else "—" for x in s["steps_to_95"])
            lines.append(f"| {env_id} | {settings} | {library} | {len(s['seeds'])} | {s['final_norm_mean']:.2f} ± "
                         f"{s['final_norm_sd']:.2f} | {s['final_norm_min']:.2f} | "
                         f"{', '.join(f'{p:.2f}' for p in s['peak_norm'])} | {reach} | {s['throughput_mean']:.0f} |")
    lines += ["", *[f"- {n}" for n in peer["notes"]], ""]
    for env_id, t in peer["tasks"].items():
        fig, ax = plt.subplots(figsize=(7, 4.5))
        rnd, exp = t["random_return"], t["expert_return"]
        for i, (key, cells) in enumerate(t["cells"].items()):
            for j, c in enumerate(cells):
                ax.plot(c["curve"]["steps"], normalise(c["curve"]["returns"], rnd, exp), color=f"C{i}", alpha=0.8,
                        lw=1, label=key if j == 0 else None)
        ax.axhline(THRESHOLD, ls=":", color="grey", label="95% of the demo mean")
        ax.set(title=f"GAIL on {t['demos']} ({env_id}), one line per seed", xlabel="env steps",
               ylabel="true return, normalised (random 0, demos 1)")
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(RESULTS / f"imitation_peer_{env_id}.png", dpi=100)
        plt.close(fig)
        lines.append(f"![{env_id}](imitation_peer_{env_id}.png)")
    (RESULTS / "imitation_peer.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.imitation_peer", description=__doc__.splitlines()[0])
    parser.add_argument("--envs", nargs="+", default=list(TASKS), choices=list(TASKS))
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--libraries", nargs="+", default=list(LIBRARIES), choices=list(LIBRARIES))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=200_000, help="env steps per run, both libraries")
    parser.add_argument("--report-only", action="store_true", help="write the report from the cached cells")
    parser.add_argument("--reuse", nargs="+", default=[], choices=list(LIBRARIES),
                        help="cells of these libraries missing from the cache are taken from the committed "
                             "results JSON (same steps) instead of re-run: e.g. imitation 1.0.1's, which a change "
                             "on advrl's side does not alter")
    args = parser.parse_args(argv)
    from benchmarks.grid import write_json_atomic

    CACHE.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    tasks: dict[str, dict] = {}
    committed, origin = {}, ""
    if args.reuse:
        committed = json.loads((RESULTS / "imitation_peer.json").read_text())
        origin = f"the committed results JSON at {_git_commit(RESULTS / 'imitation_peer.json')}"
    for env_id in args.envs:
        task = TASKS[env_id]
        if not task.demos.is_file():
            raise SystemExit(f"imitation_peer: error: demo file {task.demos} not found")
        rnd, exp = references(task)
        print(f"{env_id}: random {rnd:.1f}, demo mean {exp:.1f}", flush=True)
        cells: dict[str, list[dict]] = {}
        for seed in range(args.seeds):  # seed-major: an interrupted run has every row at seed 0 first
            for settings in args.settings:
                spec = ppo_spec(settings, env_id)
                for library in args.libraries:
                    path = cell_path(env_id, settings, library, seed, args.steps)
                    if not path.is_file() and library in args.reuse:
                        reused = committed_cell(committed, env_id, settings, library, seed, args.steps)
                        if reused is not None:
                            write_json_atomic(path, {"reused": f"from {origin}", **reused})
                    if not path.is_file():
                        if args.report_only:
                            continue
                        log = CACHE / f"{path.stem}.log"
                        cell = (run_imitation(task, spec, args.steps, seed, log) if library == "imitation"
                                else run_advrl(task, spec, args.steps, seed))
                        cell["ppo"] = spec
                        write_json_atomic(path, cell)
                        print(f"{env_id} {settings} {library} seed {seed}: final {cell['final_return']:.1f} "
                              f"({cell['wall_clock_s']:.0f}s)", flush=True)
                    cells.setdefault(f"{settings} / {library}", []).append(json.loads(path.read_text()))
        tasks[env_id] = {"demos": task.demos.name, "random_return": rnd, "expert_return": exp, "cells": cells,
                         "rows": {k: summarise(v, rnd, exp) for k, v in cells.items()},
                         "ppo": {s: ppo_spec(s, env_id) for s in args.settings}}
    command = "nice -n 5 .venv/bin/python -m benchmarks.imitation_peer " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]) if a != "--report-only")
    headline = {f"{env.split('-')[0].lower()}_{s.replace('-', '_')}_{lib}_norm_mean":
                t["rows"][f"{s} / {lib}"]["final_norm_mean"]
                for env, t in tasks.items() for s in args.settings for lib in args.libraries
                if f"{s} / {lib}" in t["rows"]}
    notes = [
        "Demo files: CartPole — imitation-cartpole-final.npz (../shared/data/demos, written by imitation); Pendulum — "
        "experts/heldout/Pendulum-v1-sac-imitation.npz (imitation's layout, a SAC expert the GAIL defaults were not "
        "tuned on). Both libraries read them without unpickling (the pickled `infos` are skipped); imitation gets "
        "flattened transitions.",
        "PPO settings, identical on both sides of a pair: `imitation-docs` = imitation's tutorial "
        f"(`{DOCS_PPO}`, 8 envs, constant learning rate); `advrl-defaults` = what advrl's GAILConfig gives the "
        "generator (the env's rl-zoo row + ent_coef 0.01, learning rate decayed linearly; per task: "
        + "; ".join(f"{env}: {t['ppo']['advrl-defaults']['n_envs']} envs, {t['ppo']['advrl-defaults']['kwargs']}"
                    for env, t in tasks.items() if "advrl-defaults" in t["ppo"]) + ").",
        "Discriminators: each library's own defaults (imitation: its tutorial's BasicRewardNet + RunningNorm, "
        "demo_batch_size 1024, replay capacity 512, 8 updates per round; advrl: GAILConfig defaults). Episode "
        "handling: imitation trains CartPole on seals/CartPole-v0 (fixed horizon 500), advrl on CartPole-v1 with "
        "absorbing states; Pendulum-v1 has a fixed horizon for both.",
        "Every run trains the whole budget (no stop at 95%); 'best evaluation' is the highest 5-episode evaluation "
        "after training began, 'final' a 20-episode evaluation at the end on a fresh seed — a gap between the two is a late "
        "collapse. Env steps/s: training only (evaluation time removed), one core each, runs one after another.",
    ]
    reused = sorted({f"{key} ({c['reused']})" for t in tasks.values() for key, cs in t["cells"].items()
                     for c in cs if c.get("reused")})
    if reused:
        notes.append("Rows not re-run by this command, their cells reused from an earlier run: " + "; ".join(reused))
    peer = {"command": command.strip(), "steps": args.steps, "threshold": THRESHOLD, "headline": headline,
            "tasks": tasks, "notes": notes}
    write_outputs(peer)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
