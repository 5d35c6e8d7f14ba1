"""Regenerate experts/MANIFEST.json (+ MANIFEST.md) from the files in experts/.

    .venv/bin/python experts/build_manifest.py

Commands and seeds are recorded in COMMANDS below (how each file was made);
returns and episode counts are recomputed from the files themselves: demo files
from their stored rewards, policies by 20 deterministic evaluation episodes
(seeds 10000..10019) on the true reward.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

ENVS = ["CartPole-v1", "Pendulum-v1", "Acrobot-v1", "MountainCarContinuous-v0"]
COMMANDS = {
    "policy": "nice -n 10 .venv/bin/advrl expert train --env {env} --seed 0",
    "demos": ".venv/bin/advrl expert rollout --env {env} --policy experts/{env}-ppo.zip --episodes {episodes} "
             "--out experts/demos/{env}.npz --seed 0",
}


def main() -> int:
    import torch

    from advrl.demos import load_demos
    from advrl.gail.experts import EXPERT_HYPERPARAMS, evaluate_expert

    torch.set_num_threads(1)
    files = []
    for env in ENVS:
        policy = HERE / f"{env}-ppo.zip"
        if policy.is_file():
            mean, std = evaluate_expert(env, policy, episodes=20, seed=10_000)
            files.append({"path": policy.name, "kind": "policy", "env_id": env, "seed": 0,
                          "command": COMMANDS["policy"].format(env=env),
                          "timesteps": EXPERT_HYPERPARAMS[env]["timesteps"], "episodes": 20,
                          "mean_return": round(mean, 3), "std_return": round(std, 3),
                          "bytes": policy.stat().st_size,
                          "obs_norm": policy.with_name(policy.stem + ".obs_norm.npz").name
                          if policy.with_name(policy.stem + ".obs_norm.npz").is_file() else None})
        demos_path = HERE / "demos" / f"{env}.npz"
        if demos_path.is_file():
            demos = load_demos(demos_path, env=env)
            rets = demos.episode_returns
            files.append({"path": f"demos/{env}.npz", "kind": "demos", "env_id": env, "seed": 0,
                          "command": COMMANDS["demos"].format(env=env, episodes=demos.n_episodes),
                          "episodes": int(demos.n_episodes), "steps": int(demos.n_steps),
                          "mean_return": round(float(rets.mean()), 3), "std_return": round(float(rets.std()), 3),
                          "bytes": demos_path.stat().st_size})
    (HERE / "MANIFEST.json").write_text(json.dumps({"files": files}, indent=1) + "\n")
    lines = ["# Shipped experts and demonstrations", "",
             "Regenerate with `.venv/bin/python experts/build_manifest.py` (returns are recomputed from the files: "
             "policies over 20 deterministic episodes, demos from their stored rewards). Policies are SB3 PPO zips "
             "(load with `advrl.gail.sb3_io.load_ppo`, which unpickles nothing); `*.obs_norm.npz` holds the "
             "observation normalisation an expert was trained with.", "",
             "| file | env | episodes | mean ± std return | seed | command |", "|---|---|---|---|---|---|"]
    for f in files:
        lines.append(f"| `{f['path']}` | {f['env_id']} | {f['episodes']} | {f['mean_return']:.2f} ± "
                     f"{f['std_return']:.2f} | {f['seed']} | `{f['command']}` |")
    (HERE / "MANIFEST.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
