"""`advrl gan train` under faults: kill -9 at random moments leaves the last checkpoint
loadable, and resuming until done gives exactly the weights of an uninterrupted run (the
GAN family promises determinism on CPU); an existing run is never replaced silently; a
resume with other settings names them."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from advrl.cli import main
from advrl.core import load_checkpoint

ARGS = ["gan", "train", "--data", "digits", "--rounds", "300", "--width", "8", "--z-dim", "8", "--batch-size", "16",
        "--checkpoint-every", "1", "--sample-every", "0", "--device", "cpu", "--no-progress", "--seed", "3"]


def _run(out: Path, *extra: str, kill_after: float | None = None) -> int | None:
    """Run the CLI in a subprocess; with ``kill_after`` send SIGKILL after that many seconds."""
    cmd = [sys.executable, "-m", "advrl.cli", *ARGS, "--out", str(out), *extra]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    if kill_after is None:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
        return 0
    try:
        proc.wait(timeout=kill_after)
        return proc.returncode
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return None


@pytest.mark.slow  # ~40 s: four subprocess runs
def test_kill_9_at_random_points_then_resume_matches_an_uninterrupted_run(tmp_path):
    start = time.monotonic()
    _run(tmp_path / "clean")
    duration = time.monotonic() - start
    reference = load_checkpoint(tmp_path / "clean" / "checkpoint.pt")
    out, rng, rounds_at_kill = tmp_path / "faulty", random.Random(0), []
    while len(rounds_at_kill) < 3:
        started = (out / "checkpoint.pt").is_file()
        extra = ("--resume",) if started else (("--overwrite",) if out.exists() else ())
        if _run(out, *extra, kill_after=rng.uniform(0.45, 0.75) * duration) is not None:
            break  # finished before the kill
        # whatever moment it died at, the last checkpoint loads
        rounds_at_kill.append(load_checkpoint(out / "checkpoint.pt")["round"] if started or
                              (out / "checkpoint.pt").is_file() else 0)
    if not (out / "summary.json").is_file():
        _run(out, "--resume")
    assert len(rounds_at_kill) == 3 and sorted(rounds_at_kill) == rounds_at_kill and rounds_at_kill[0] > 0, \
        rounds_at_kill  # three kills, each after progress was saved
    final = load_checkpoint(out / "checkpoint.pt")
    assert final["round"] == reference["round"] == 300
    for key, value in reference["generator"]["net"].items():
        assert torch.equal(value, final["generator"]["net"][key]), key
    for key, value in reference["discriminator"].items():
        assert torch.equal(value, final["discriminator"][key]), key


def test_existing_run_kept_and_resume_mismatch_named(tmp_path, capsys):
    out = str(tmp_path / "run")
    small = [a for a in ARGS if a != "--no-progress"][:] + ["--no-progress"]
    small[small.index("--rounds") + 1] = "4"
    assert main(small + ["--out", out]) == 0
    capsys.readouterr()
    assert main(small + ["--out", out]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "already holds a run" in err[0]
    assert main(small + ["--out", out, "--resume", "--width", "16"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "width: checkpoint 8, now 16" in err[0], err
    assert main(small + ["--out", str(tmp_path / "new"), "--resume"]) == 2
    assert "no checkpoint" in capsys.readouterr().err
