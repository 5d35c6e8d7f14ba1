"""Do the MuJoCo grid's learned rewards track the hand-designed one? Per reward file, Pearson's r
between the learned and the true per-step reward on the expert's demos, a uniformly random policy and
the run's own (stochastic) policy — pooled, per episode, and within each source.

Why: a fresh PPO on a frozen learned reward starts from random behaviour, so besides how well a reward
separates expert-like from other behaviour (pooled r) the table shows its slope *within* a random policy's
transitions, where that PPO starts; the transfer cells' returns stand beside them.

    .venv/bin/python -m benchmarks.reward_correlation [--cells KEY ...] [--random-episodes 5]

Reads the reward files (``reward_net.pt``; ``reward_g.pt`` beside AIRL's) that the grid's adversarial
cells left in ``benchmarks/grid_runs/mujoco_full/<cell>/`` (default: every HalfCheetah GAIL / AIRL cell
found there) and writes ``benchmarks/results/reward_correlation.{md,json}`` and a scatter PNG.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "benchmarks" / "grid_runs" / "mujoco_full"
RESULTS = ROOT / "benchmarks" / "results"
REWARD_FILES = {"reward_net.pt": "saved reward (GAIL: D; AIRL: f)", "reward_g.pt": "AIRL's g alone"}
# (adversarial method, reward file) -> the grid's transfer method that re-trained a fresh PPO on it
TRANSFER = {("airl", "reward_net.pt"): "airl_transfer", ("airl", "reward_g.pt"): "airl_g_transfer",
            ("airl_s", "reward_net.pt"): "airl_s_transfer", ("airl_s", "reward_g.pt"): "airl_s_g_transfer",
            ("gail_bc", "reward_net.pt"): "gail_transfer"}


def _demo_transitions(env_id: str) -> dict[str, np.ndarray]:
    from advrl.demos import load_demos
    from benchmarks.methods.experts import find_demos
    from benchmarks.methods.reward_analysis import reward_inputs

    return reward_inputs(load_demos(find_demos(env_id), env=env_id))


def analyse_cell(cell: Path, sources: dict[str, dict], policy_episodes: int, seed: int) -> list[dict]:
    """One row per reward file of ``cell``: pooled step / episode r and r within each source."""
    from stable_baselines3 import PPO

    from advrl.gail import LearnedReward
    from benchmarks.methods.reward_analysis import analyse, rollout_transitions

    env_id = cell.name.split("__")[0]
    policy = PPO.load(cell / "policy.zip", device="cpu")
    own = rollout_transitions(env_id, lambda o: policy.predict(o, deterministic=False)[0], policy_episodes,
                              seed=seed + 200)
    all_sources = {**sources, "policy": own}
    rows = []
    for name, label in REWARD_FILES.items():
        if not (cell / name).is_file():
            continue
        reward = LearnedReward.load(cell / name)
        pooled = analyse(reward, all_sources, seed=seed)
        rows.append({"cell": cell.name, "file": name, "reward": label, "term": _term(reward),
                     "transfer_return": _transfer_return(cell.name, name), "step_r": pooled["step_pearson"],
                     "episode_r": pooled["episode_pearson"], "within": pooled["within"], "samples": pooled["samples"]})
    return rows


def _term(reward) -> str:
    """What the file scores: AIRL's recorded term, else GAIL's D through its reward transform."""
    if reward.metadata.get("reward_term"):
        return reward.metadata["reward_term"]
    return {"neg_log_one_minus_d": "−log(1 − D(s,a))", "log_d": "log D(s,a)"}.get(reward.reward_name,
                                                                                     f"D(s,a), {reward.reward_name}")


def _transfer_return(key: str, reward_file: str) -> float | None:
    """The final true return of the grid's fresh PPO on this reward (its transfer cell), where it ran."""
    env_id, method, seed = key.split("__")
    transfer = TRANSFER.get((method, reward_file))
    path = RESULTS / "mujoco_full" / f"{env_id}__{transfer}__{seed}.json"
    return float(json.loads(path.read_text())["result"]["final_return"]) if transfer and path.is_file() else None


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def write_report(rows: list[dict], command: str) -> tuple[Path, Path, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    md, js, png = (RESULTS / f"reward_correlation.{ext}" for ext in ("md", "json", "png"))
    lines = ["# Learned rewards against HalfCheetah's true reward", "", f"Command: `{command}`", "",
             __doc__.split("\n\n")[1].replace("\n", " "), "",
             "| cell | reward file | term | fresh PPO on it, 1M (transfer cell) | r per step (pooled) | "
             "r per episode (pooled) | r within expert | r within random | r within own policy |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        w = r["within"]
        ret = "not run" if r["transfer_return"] is None else f"{r['transfer_return']:,.0f}"
        lines.append(f"| {r['cell']} | `{r['file']}` | {r['term'] or '—'} | {ret} | {_fmt(r['step_r'])} | "
                     f"{_fmt(r['episode_r'])} | {_fmt(w.get('expert'))} | {_fmt(w.get('random'))} | "
                     f"{_fmt(w.get('policy'))} |")
    lines += ["", f"![learned vs true reward per step]({png.name})", ""]
    md.write_text("\n".join(lines))
    headline = {f"{r['cell']}/{r['file']}/within_random_r": r["within"].get("random") for r in rows}
    js.write_text(json.dumps({"headline": headline, "command": command,
                              "rows": [{k: v for k, v in r.items() if k != "samples"} for r in rows]}, indent=1))
    n = max(len(rows), 1)
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n, 3.2), squeeze=False)
    for ax, r in zip(axes[0], rows):
        for src, pts in r["samples"].items():
            ax.scatter(pts["true"], pts["learned"], s=4, alpha=0.5, label=src)
        ax.set_title(f"{r['cell'].split('__')[1]} s{r['cell'][-1]}: {r['file']}", fontsize=8)
        ax.set_xlabel("true reward", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0][0].set_ylabel("learned reward", fontsize=8)
    axes[0][0].legend(fontsize=7, markerscale=3)
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return md, js, png


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", nargs="*", help="grid cell keys under benchmarks/grid_runs/mujoco_full "
                        "(default: every HalfCheetah gail / airl cell with a policy.zip there)")
    parser.add_argument("--random-episodes", type=int, default=5)
    parser.add_argument("--policy-episodes", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    import torch

    from benchmarks.methods.reward_analysis import rollout_transitions

    torch.set_num_threads(1)
    cells = [RUNS / c for c in args.cells] if args.cells else sorted(
        p.parent for p in RUNS.glob("HalfCheetah-v5__*__s*/policy.zip")
        if p.parent.name.split("__")[1] in ("gail", "gail_bc", "airl", "airl_s"))
    missing = [c.name for c in cells if not (c / "policy.zip").is_file()]
    if missing or not cells:
        print(f"error: no finished grid cell at {', '.join(missing) or RUNS}; run the MuJoCo grid first",
              file=sys.stderr)
        return 2
    import gymnasium as gym

    env_id = cells[0].name.split("__")[0]
    space = gym.make(env_id).action_space
    space.seed(args.seed)
    sources = {"expert": _demo_transitions(env_id),
               "random": rollout_transitions(env_id, lambda o: space.sample(), args.random_episodes,
                                             seed=args.seed + 100)}
    rows = [row for cell in cells for row in analyse_cell(cell, sources, args.policy_episodes, args.seed)]
    for r in rows:
        print(f"{r['cell']} {r['file']}: pooled r {_fmt(r['step_r'])}, within random {_fmt(r['within']['random'])}",
              flush=True)
    args_text = " ".join(argv if argv is not None else sys.argv[1:])
    command = f".venv/bin/python -m benchmarks.reward_correlation {args_text}"
    md, _, _ = write_report(rows, command.strip())
    print(f"report: {md}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
