"""Regenerate experts/MANIFEST.json (+ MANIFEST.md) from the files in experts/.

    .venv/bin/python experts/build_manifest.py

Commands and seeds are recorded in COMMANDS below (how each file was made);
returns and episode counts are recomputed from the files themselves: demo files
from their stored rewards, policies by 20 deterministic evaluation episodes
(seeds 10000..10019) on the true reward. The MuJoCo demos need the `mujoco`
extra (`pip install -e ".[mujoco]"`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

ENVS = ["CartPole-v1", "Pendulum-v1", "Acrobot-v1", "MountainCarContinuous-v0"]
COMMANDS = {
    "policy": "nice -n 10 .venv/bin/advrl expert train --env {env} --seed 0",
    "demos": ".venv/bin/advrl expert rollout --env {env} --policy experts/{env}-ppo.zip --episodes {episodes} "
             "--out experts/demos/{env}.npz --seed 0",
    "heldout": ".venv/bin/python experts/heldout/make_heldout_demos.py",
    "zoo_demos": ".venv/bin/advrl expert rollout --env {env} --policy ../shared/data/experts/rl-zoo/sac-{zoo}/{zoo}.zip "
                 "--algo sac --episodes {episodes} --out experts/demos/{env}.npz --seed 0",
}
OWN = "advrl (made here)"
# MuJoCo demos from the RL Baselines3 Zoo's SAC experts (DLR-RM/rl-trained-agents, MIT; read from
# ../shared/data/experts/rl-zoo, not shipped), trained on the -v3 envs: they drive gymnasium's -v5 envs
ZOO_DEMOS = {"HalfCheetah-v5": "HalfCheetah-v3", "Hopper-v5": "Hopper-v3", "Swimmer-v5": "Swimmer-v3"}
ZOO_SOURCE = "rl-zoo SAC expert sac/{zoo} (DLR-RM/rl-trained-agents, MIT), deterministic"
# MuJoCo experts made here, for envs none of advrl's settings were tuned on (benchmarks/gail_walker.py,
# benchmarks/gail_idp.py, through benchmarks/untuned_env.py): PPO with advrl.gail.ppo_settings.DEFAULT, 1M env steps
OWN_MUJOCO = {"Walker2d-v5": 1_000_000, "InvertedDoublePendulum-v5": 1_000_000}
OWN_MUJOCO_COMMANDS = {
    "policy": ".venv/bin/advrl expert train --env {env} --timesteps {steps} --seed 0 --device cpu "
              "--out experts/{env}-ppo.zip",
    "demos": ".venv/bin/advrl expert rollout --env {env} --policy experts/{env}-ppo.zip --episodes 25 "
             "--out experts/demos/{env}.npz --seed 0"}
# a stronger Hopper demonstrator than the rl-zoo expert (weak on v5), for benchmarks/hopper_demonstrator.py:
# advrl's own GAIL-SAC policy, the MuJoCo grid's Hopper seed-2 cell (not shipped; the grid remakes it)
STRONG = {"demos/Hopper-v5-strong.npz": (
    "Hopper-v5",
    ".venv/bin/advrl expert rollout --env Hopper-v5 --policy "
    "benchmarks/grid_runs/mujoco_full/Hopper-v5__gail_sac__s2/policy.zip --algo sac --episodes 25 "
    "--out experts/demos/Hopper-v5-strong.npz --seed 0",
    "advrl GAIL-SAC policy: the MuJoCo grid's Hopper-v5 `gail_sac` seed-2 cell (300k env steps from "
    "demos/Hopper-v5.npz; not shipped, `python -m benchmarks.run --grid mujoco --budget full --envs Hopper-v5 "
    "--methods gail_sac --seeds 2` re-runs that cell), deterministic")}
# demo files in other libraries' layouts, from an SB3 SAC expert (not the shipped PPO one):
# held out from tuning, the way a user's own file would be
HELDOUT = {"heldout/Pendulum-v1-sac-sb2.npz": "Pendulum-v1", "heldout/Pendulum-v1-sac-imitation.npz": "Pendulum-v1"}


def main() -> int:
    import torch

    from advrl.demos import load_demos
    from advrl.gail import evaluate_expert
    from advrl.gail.ppo_settings import EXPERT_RUNS

    torch.set_num_threads(1)
    files = []
    for env in ENVS:
        policy = HERE / f"{env}-ppo.zip"
        if policy.is_file():
            mean, std = evaluate_expert(env, policy, episodes=20, seed=10_000)
            files.append({"path": policy.name, "kind": "policy", "env_id": env, "seed": 0, "source": OWN,
                          "command": COMMANDS["policy"].format(env=env),
                          "timesteps": EXPERT_RUNS[env][0], "episodes": 20,
                          "mean_return": round(mean, 3), "std_return": round(std, 3),
                          "bytes": policy.stat().st_size,
                          "obs_norm": policy.with_name(policy.stem + ".obs_norm.npz").name
                          if policy.with_name(policy.stem + ".obs_norm.npz").is_file() else None})
        demos_path = HERE / "demos" / f"{env}.npz"
        if demos_path.is_file():
            files.append(_demo_row(load_demos(demos_path, env=env), f"demos/{env}.npz", env,
                                   COMMANDS["demos"].format(env=env, episodes=load_demos(demos_path).n_episodes)))
    for env, zoo in ZOO_DEMOS.items():
        if (HERE / "demos" / f"{env}.npz").is_file():
            demos = load_demos(HERE / "demos" / f"{env}.npz", env=env)
            files.append(_demo_row(demos, f"demos/{env}.npz", env,
                                   COMMANDS["zoo_demos"].format(env=env, zoo=zoo, episodes=demos.n_episodes),
                                   source=ZOO_SOURCE.format(zoo=zoo)))
    for env, steps in OWN_MUJOCO.items():
        policy = HERE / f"{env}-ppo.zip"
        if policy.is_file():
            mean, std = evaluate_expert(env, policy, episodes=20, seed=10_000)
            files.append({"path": policy.name, "kind": "policy", "env_id": env, "seed": 0, "source": OWN,
                          "command": OWN_MUJOCO_COMMANDS["policy"].format(env=env, steps=steps), "timesteps": steps,
                          "episodes": 20, "mean_return": round(mean, 3), "std_return": round(std, 3),
                          "bytes": policy.stat().st_size, "obs_norm": None})
        if (HERE / "demos" / f"{env}.npz").is_file():
            files.append(_demo_row(load_demos(HERE / "demos" / f"{env}.npz", env=env), f"demos/{env}.npz", env,
                                   OWN_MUJOCO_COMMANDS["demos"].format(env=env)))
    for rel, (env, command, source) in STRONG.items():
        if (HERE / rel).is_file():
            files.append(_demo_row(load_demos(HERE / rel, env=env), rel, env, command, source=source))
    for rel, env in HELDOUT.items():
        if (HERE / rel).is_file():
            files.append(_demo_row(load_demos(HERE / rel, env=env), rel, env, COMMANDS["heldout"],
                                   source="SB3 SAC expert trained here (experts/heldout/make_heldout_demos.py)"))
    (HERE / "MANIFEST.json").write_text(json.dumps({"files": files}, indent=1) + "\n")
    lines = ["# Shipped experts and demonstrations", "",
             "Regenerate with `.venv/bin/python experts/build_manifest.py` (returns are recomputed from the files: "
             "policies over 20 deterministic episodes, demos from their stored rewards). Policies are SB3 PPO zips "
             "(load with `advrl.gail.sb3_io.load_policy`, which unpickles nothing); `*.obs_norm.npz` holds the "
             "observation normalisation an expert was trained with. `heldout/` holds Pendulum demos in stable-baselines 2's "
             "and imitation's layouts from an SB3 SAC expert: files no default was tuned on, for the benchmarks' "
             "held-out checks.", "",
             "The MuJoCo demos (`-v5`, 25 deterministic episodes each, float32) are rolled out from the RL Baselines3 "
             "Zoo's SAC experts (MIT; `../shared/data/experts/rl-zoo/`, not shipped here), trained on the `-v3` envs, "
             "read without unpickling; `Walker2d-v5-ppo.zip`, `InvertedDoublePendulum-v5-ppo.zip` and their demos were made "
             "here (PPO with the settings of an env without a tuned row, `benchmarks/gail_walker.py`, "
             "`benchmarks/gail_idp.py`). The Hopper expert is weak on v5: most episodes fall after ~300 steps "
             "(≈ 1,100), a few run long, hence its spread; `demos/Hopper-v5-strong.npz` is a stronger Hopper "
             "demonstrator (`benchmarks/hopper_demonstrator.py`).", "",
             "| file | env | episodes | mean ± std return | seed | source | command |",
             "|---|---|---|---|---|---|---|"]
    for f in files:
        lines.append(f"| `{f['path']}` | {f['env_id']} | {f['episodes']} | {f['mean_return']:.2f} ± "
                     f"{f['std_return']:.2f} | {f['seed']} | {f['source']} | `{f['command']}` |")
    (HERE / "MANIFEST.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


def _demo_row(demos, rel: str, env: str, command: str, source: str = OWN) -> dict:
    rets = demos.episode_returns
    return {"path": rel, "kind": "demos", "env_id": env, "seed": 0, "source": source, "command": command,
            "format": demos.metadata.get("format"), "episodes": int(demos.n_episodes), "steps": int(demos.n_steps),
            "mean_return": round(float(rets.mean()), 3), "std_return": round(float(rets.std()), 3),
            "bytes": (HERE / rel).stat().st_size}


if __name__ == "__main__":
    sys.exit(main())
