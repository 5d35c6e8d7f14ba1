"""`advrl gan train` under faults: kill -9 at random moments leaves the last checkpoint
loadable, and resuming until done gives exactly the weights of an uninterrupted run (the
GAN family promises determinism on CPU); an existing run is never replaced silently; a
resume with other settings names them."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from advrl.cli import main
from advrl.core import load_checkpoint

ARGS = ["gan", "train", "--data", "digits", "--rounds", "150", "--width", "8", "--z-dim", "8", "--batch-size", "16",
        "--checkpoint-every", "1", "--sample-every", "0", "--device", "cpu", "--no-progress", "--seed", "3"]


def _run(out: Path, *extra: str, kill_at_round: int | None = None) -> int | None:
    """Run the CLI in a subprocess; with ``kill_at_round``, SIGKILL it as soon as its checkpoint
    shows that round (it is then somewhere inside a later round: an arbitrary moment)."""
    cmd = [sys.executable, "-m", "advrl.cli", *ARGS, "--out", str(out), *extra]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    if kill_at_round is None:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err.decode()
        return 0
    while proc.poll() is None:
        ckpt = out / "checkpoint.pt"
        if ckpt.is_file() and load_checkpoint(ckpt)["round"] >= kill_at_round:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return None
        time.sleep(0.05)
    return proc.returncode


@pytest.mark.slow  # ~40 s: five subprocess runs
def test_kill_9_at_random_points_then_resume_matches_an_uninterrupted_run(tmp_path):
    _run(tmp_path / "clean")
    reference = load_checkpoint(tmp_path / "clean" / "checkpoint.pt")
    out, rng = tmp_path / "faulty", random.Random(0)
    targets = sorted(rng.sample(range(10, 140), 3))
    rounds_at_kill = []
    for target in targets:
        extra = ("--resume",) if (out / "checkpoint.pt").is_file() else ()
        assert _run(out, *extra, kill_at_round=target) is None, "finished before the kill"
        # whatever moment it died at, the last checkpoint loads
        rounds_at_kill.append(load_checkpoint(out / "checkpoint.pt")["round"])
    _run(out, "--resume")
    assert rounds_at_kill == sorted(rounds_at_kill) and all(r >= t for r, t in zip(rounds_at_kill, targets))
    final = load_checkpoint(out / "checkpoint.pt")
    assert final["round"] == reference["round"] == 150
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


def test_resume_compares_the_images_not_their_path(tmp_path, capsys, write_idx):
    """The same images under another path resume; other images under the same kind of spec
    are refused naming ``data_sha256`` (the path alone once decided both ways)."""
    def mnist_dir(name: str, seed: int) -> str:  # 32 random 28×28 images and their labels
        (tmp_path / name).mkdir()
        rng = np.random.default_rng(seed)
        write_idx(tmp_path / name / "t10k-images-idx3-ubyte.gz", rng.integers(0, 255, (32, 28, 28)))
        write_idx(tmp_path / name / "t10k-labels-idx1-ubyte.gz", rng.integers(0, 10, 32))
        return f"mnist:{tmp_path / name}"

    first = mnist_dir("a", seed=0)
    shutil.copytree(tmp_path / "a", tmp_path / "a_copy")
    other = mnist_dir("b", seed=1)
    args = [a for a in ARGS if a not in ("--data", "digits")]
    args[args.index("--rounds") + 1] = "2"
    out = ["--out", str(tmp_path / "run")]
    assert main(args + ["--data", first] + out) == 0
    capsys.readouterr()
    assert main(args + ["--data", other] + out + ["--resume", "--rounds", "4"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "data_sha256: checkpoint" in err[0] and "data:" not in err[0], err
    assert main(args + ["--data", f"mnist:{tmp_path / 'a_copy'}"] + out + ["--resume", "--rounds", "4"]) == 0
    assert load_checkpoint(tmp_path / "run" / "checkpoint.pt")["round"] == 4


def test_semisup_and_modes_keep_existing_runs(tmp_path, capsys):
    semi = ["gan", "semisup", "--data", "digits", "--rounds", "4", "--hidden", "16,8", "--eval-every", "2",
            "--no-baseline", "--out", str(tmp_path / "semi"), "--no-progress", "--device", "cpu"]
    assert main(semi) == 0
    assert json.loads((tmp_path / "semi" / "summary.json").read_text())["rounds"] == 4
    capsys.readouterr()
    assert main(semi) == 2 and "already holds a run" in capsys.readouterr().err
    assert main(semi + ["--resume", "--rounds", "6"]) == 0
    modes = ["gan", "modes", "--mixture", "ring8", "--method", "ns", "--rounds", "3", "--n-eval", "50",
             "--out", str(tmp_path / "modes"), "--no-progress", "--device", "cpu"]
    assert main(modes) == 0
    capsys.readouterr()
    assert main(modes) == 2 and "already holds a run" in capsys.readouterr().err
    assert main(modes + ["--overwrite"]) == 0
    assert main(modes[:4] + ["--method", "minibatch"] + modes[6:]) == 0  # another run, same folder
