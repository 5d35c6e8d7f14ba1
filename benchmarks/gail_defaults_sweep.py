"""One GAIL run with GAILConfig overrides (the issue-9 defaults search; results in gail_defaults_sweep.json):

    python benchmarks/gail_defaults_sweep.py NAME ENV DEMOS STEPS SEED '{"buffer_rounds": 1}'
"""
import json, sys, time
from pathlib import Path
import torch
torch.set_num_threads(1)
import advrl
from advrl.gail import GAILConfig, build_gail, evaluate_expert, normalised

name, env, demos, steps, seed, over = sys.argv[1:7]
over = json.loads(over)
out = Path(__file__).resolve().parent / "cache" / "gail_defaults_sweep" / f"{name}.json"
out.parent.mkdir(parents=True, exist_ok=True)
if out.exists():
    sys.exit(0)
cfg = GAILConfig(env_id=env, demos=demos, total_timesteps=int(steps), seed=int(seed), device="cpu",
                 progress=False, tensorboard=False, eval_every_steps=10_000, eval_episodes=10, **over)
run = build_gail(cfg)
t = time.time()
run.train()
wall = time.time() - t
rnd, _ = evaluate_expert(env, None, episodes=20, seed=777)
curve = [(e["env_steps"], e["true_return"], normalised(e["true_return"], rnd, run.demo_return)) for e in run.evaluations]
out.write_text(json.dumps({"name": name, "env": env, "demos": demos, "seed": seed, "over": over, "advrl": advrl.__file__,
                           "d_steps": run.trainer.config.d_steps, "curve": curve, "wall": wall,
                           "demo_return": run.demo_return, "random": rnd}))
print(name, "final", round(curve[-1][2], 3), "max", round(max(c[2] for c in curve), 3), "wall", round(wall), flush=True)
