"""The MuJoCo grid's adversarial cells (``gail``, ``gail_bc``, ``gail_sac``, ``airl``, ``airl_s``): advrl's GAIL /
AIRL as a user gets them (library defaults, the demo file), in a run directory that checkpoints every
``checkpoint_every`` rounds. A cell killed mid-run (worker lost, machine rebooted) is retried by the next
grid run, which resumes it from ``checkpoint.pt``: the true-return curve and the time spent so far come
back from ``progress.json`` (the checkpoint holds neither). The checkpoint holds D's fakes and GAIL-SAC's
replay buffer; a resumed cell's episodes restart (the env is reset), so it is not step-for-step the
uninterrupted run.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from advrl.core import Callback
from benchmarks.grid import Cell, write_json_atomic
from benchmarks.methods.common import REPO
from benchmarks.methods.mujoco import AIRL_METHODS

PROGRESS = "progress.json"


class ProgressSaver(Callback):
    """Writes the evaluations so far and the cumulative wall / evaluation seconds to ``progress.json`` at
    every checkpoint round; :meth:`restore` puts them back into a resumed run."""

    def __init__(self, path: Path, every: int) -> None:
        self.path, self.every = path, every
        self.marks: list[dict[str, float]] = []
        self.prior = (0.0, 0.0)  # wall and evaluation seconds of earlier attempts
        self.run: Any = None
        self.resumed_at: int | None = None

    def restore(self, run: Any) -> None:
        """Bind to ``run``; when it resumed from a checkpoint, restore the curve up to that round."""
        self.run = run
        if run.config.resume and self.path.is_file():
            saved = json.loads(self.path.read_text())
            at = run.trainer.round
            run.evaluator.results[:] = [e for e in saved["evaluations"] if e["round"] <= at]
            self.marks = [m for m in saved["marks"] if m["round"] <= at]
            if self.marks:
                self.prior = (self.marks[-1]["wall_s"], self.marks[-1]["eval_s"])
            self.resumed_at = at
        self._t0, self._eval0 = time.perf_counter(), run.evaluator.seconds

    def totals(self) -> tuple[float, float]:
        """(wall seconds, evaluation seconds) over every attempt so far."""
        return (self.prior[0] + time.perf_counter() - self._t0,
                self.prior[1] + self.run.evaluator.seconds - self._eval0)

    def _write(self, trainer: Any) -> None:
        wall, ev = self.totals()
        self.marks.append({"round": trainer.round, "wall_s": wall, "eval_s": ev})
        write_json_atomic(self.path, {"evaluations": self.run.evaluator.results, "marks": self.marks})

    def on_round_end(self, trainer: Any, metrics: dict[str, float]) -> None:
        if self.every and trainer.round % self.every == 0:
            self._write(trainer)

    def on_train_end(self, trainer: Any) -> None:  # after the final evaluation and checkpoint
        self._write(trainer)


def _rel(path: Path) -> str:
    path = Path(path).resolve()
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def run_adversarial(cell: Cell, b: Any, demos: Path, out: Path, device: Any) -> dict[str, Any]:
    """Train (or resume) one GAIL-PPO, GAIL-SAC or AIRL cell in ``out`` and return its grid result."""
    from advrl.gail import AIRLConfig, GAILConfig, build_airl, build_gail
    from advrl.gail.trainer import train_to_end

    budget = b.for_method(cell.method)
    resume = (out / "checkpoint.pt").is_file()  # a finished run resumes at its last round: no retraining
    if not resume:
        (out / PROGRESS).unlink(missing_ok=True)  # not a run marker: would block --overwrite's safety check
    airl = cell.method in AIRL_METHODS
    config_type, build = (AIRLConfig, build_airl) if airl else (GAILConfig, build_gail)
    extra: dict[str, Any] = {"algo": "sac", "sac": dict(b.sac)} if cell.method == "gail_sac" else {}
    if airl:  # ``airl``: g(s, a); ``airl_s``: g(s), the default since session 28 (explicit: cells resume)
        extra["state_only"] = cell.method == "airl_s"
    if cell.method == "gail":  # GAIL-PPO without the warm start that became a default in session 20 (the
        extra["bc_steps"] = 0  # grid's earlier cells ran without it); ``gail_bc``: the defaults as they are
    config = config_type(
        env_id=cell.env, demos=str(demos), total_timesteps=budget.steps(cell.env), seed=cell.seed,
        device=str(device), out=str(out), resume=resume, overwrite=not resume, checkpoint_every=b.checkpoint_every,
        eval_every_steps=budget.eval_every, eval_episodes=budget.eval_episodes,
        final_eval_episodes=budget.final_episodes, progress=False, tensorboard=False, **extra)
    saver = ProgressSaver(out / PROGRESS, b.checkpoint_every)
    run = build(config, callbacks=[saver])
    saver.restore(run)
    train_to_end(run)  # writes policy.zip, reward_net.pt, config.json and summary.json into out
    wall, eval_s = saver.totals()
    final = run.evaluations[-1]
    steps = int(run.model.num_timesteps)
    curve = {"steps": [int(e["env_steps"]) for e in run.evaluations],
             "returns": [float(e["true_return"]) for e in run.evaluations]}
    return {"final_return": float(final["true_return"]), "final_return_std": float(final["true_return_std"]),
            "final_episodes": int(final["episodes"]), "curve": curve, "timesteps": steps,
            "train_wall_s": wall - eval_s, "wall_s_total": wall, "train_steps_per_s": steps / max(wall - eval_s, 1e-9),
            "device": str(run.model.device), "discriminator_device": str(run.trainer.device),
            "algo": config.algo, "train_env": run.train_env_id, "demo_return": run.demo_return,
            "demos": _rel(demos), "reward_path": _rel(out / "reward_net.pt"), "policy_path": _rel(out / "policy.zip"),
            "resumed_at_round": saver.resumed_at, "rounds": run.trainer.round,
            "d_steps_per_round": run.trainer.config.d_steps,
            **({"potential_on_demos": json.loads((out / "summary.json").read_text())["potential_on_demos"]}
               if airl else {})}  # AIRLRun.summary's, as train_to_end wrote it


__all__ = ["ProgressSaver", "run_adversarial"]
