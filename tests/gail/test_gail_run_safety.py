"""The run contract of `advrl gail train`: an existing run is never replaced silently,
a resume with other settings is refused naming them, a budget below the checkpoint is
an error, and SIGINT saves the checkpoint and the policy before exiting."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from advrl.cli import main
from advrl.demos import load_demos, save_demos
from advrl.core import load_checkpoint

DEMOS = Path(__file__).resolve().parents[2] / "experts" / "demos" / "CartPole-v1.npz"
BASE = ["gail", "train", "--env", "CartPole-v1", "--demos", str(DEMOS), "--no-progress", "--eval-episodes", "1",
        "--device", "cpu"]


def _err(capsys) -> list[str]:
    return capsys.readouterr().err.strip().splitlines()


def test_existing_run_is_kept_unless_resume_or_overwrite(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(BASE + ["--out", str(out), "--timesteps", "512"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["env_steps"] == 512 and summary["demos"]["sha256"]
    before = (out / "policy.zip").read_bytes()
    assert main(BASE + ["--out", str(out), "--timesteps", "512"]) == 2
    err = _err(capsys)
    assert len(err) == 1 and "already holds a run" in err[0] and "--overwrite" in err[0]
    assert (out / "policy.zip").read_bytes() == before  # untouched
    assert main(BASE + ["--out", str(out), "--timesteps", "256", "--overwrite"]) == 0
    assert json.loads((out / "summary.json").read_text())["env_steps"] == 256


def test_resume_with_other_settings_or_a_smaller_budget_is_one_line(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(BASE + ["--out", str(out), "--timesteps", "512"]) == 0
    capsys.readouterr()
    assert main(BASE + ["--out", str(out), "--timesteps", "1024", "--resume", "--d-steps", "7"]) == 2
    err = _err(capsys)
    assert len(err) == 1 and "d_steps: checkpoint None, now 7" in err[0]
    assert main(BASE + ["--out", str(out), "--timesteps", "256", "--resume"]) == 2
    err = _err(capsys)
    assert len(err) == 1 and "beyond the 1 rounds asked for" in err[0]
    assert main(BASE + ["--out", str(out), "--timesteps", "1024", "--resume", "--horizon", "fixed"]) == 2
    assert "horizon: checkpoint 'absorbing', now 'fixed'" in _err(capsys)[0]


def test_resume_takes_the_same_demo_file_by_another_path_but_not_another_file(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    monkeypatch.chdir(DEMOS.parents[2])  # the repository: the run names its demos by a relative path
    base = [a if a != str(DEMOS) else "experts/demos/CartPole-v1.npz" for a in BASE]
    assert main(base + ["--out", str(out), "--timesteps", "512"]) == 0
    copy = tmp_path / "copy.npz"
    copy.write_bytes(DEMOS.read_bytes())
    monkeypatch.chdir(tmp_path)  # that relative path names nothing here
    capsys.readouterr()
    resumed = [a if a != str(DEMOS) else str(copy) for a in BASE]
    assert main(resumed + ["--out", str(out), "--timesteps", "1024", "--resume"]) == 0  # same bytes: one file
    assert json.loads((out / "summary.json").read_text())["env_steps"] == 1024
    other = tmp_path / "other.npz"  # other CartPole demos (fewer episodes): the only setting that differs
    save_demos(load_demos(DEMOS, env="CartPole-v1").first_episodes(2), other)
    changed = [a if a != str(DEMOS) else str(other) for a in BASE]
    assert main(changed + ["--out", str(out), "--timesteps", "2048", "--resume"]) == 2
    err = _err(capsys)
    assert len(err) == 1 and "other settings (demos.sha256: checkpoint" in err[0], err
    assert err[0].count("; ") == 1, err  # the only difference named (the one "; " is before "resume with")


def test_out_under_a_file_and_bad_numbers_name_the_flag(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(BASE + ["--out", str(blocker / "run")]) == 2
    assert "--out" in _err(capsys)[0]
    for flag, value in (("--demo-episodes", "0"), ("--timesteps", "-5"), ("--d-steps", "0")):
        assert main(BASE + ["--out", str(tmp_path / "r"), flag, value]) == 2
        err = _err(capsys)
        assert len(err) == 1 and flag in err[0], (flag, err)


def test_sigint_saves_checkpoint_and_policy(tmp_path):
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "advrl.cli"] + BASE + ["--out", str(out), "--timesteps", "1000000",
                                                       "--eval-every", "0"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # SIGINT's default action in the child even when the suite itself runs in the background (`pytest &` from a
    # script starts with SIGINT ignored, which the child would inherit and the CLI then rightly keeps ignoring)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    while not (out / "tb").exists() and time.time() < deadline:  # training has started
        time.sleep(0.5)
    time.sleep(3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "checkpoint of round" in lines[0] and "--resume" in lines[0], err
    assert (out / "policy.zip").is_file() and (out / "reward_net.pt").is_file()
    assert not (out / "summary.json").exists()  # not finished
    state = load_checkpoint(out / "checkpoint.pt")
    assert state["round"] >= 1


def test_a_demo_folder_is_known_by_its_files_names_and_bytes(tmp_path):
    """Minari / HF datasets are folders: a resume must tell one from another as it does files."""
    from advrl.gail.trainer import _file_facts

    def folder(name: str, files: dict[str, bytes]) -> str:
        root = tmp_path / name
        for rel, data in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        return str(root)

    files = {"data/main_data.hdf5": b"episodes", "metadata.json": b"{}"}
    a, copy = _file_facts(folder("a", files)), _file_facts(folder("copy", files))
    changed = _file_facts(folder("changed", {**files, "metadata.json": b"{ }"}))
    renamed = _file_facts(folder("renamed", {"data/other.hdf5": b"episodes", "metadata.json": b"{}"}))
    assert a["sha256"] == copy["sha256"] and a["path"] != copy["path"]
    assert len({a["sha256"], changed["sha256"], renamed["sha256"]}) == 3
    assert _file_facts(str(DEMOS))["sha256"] == hashlib.sha256(DEMOS.read_bytes()).hexdigest()  # a file: its bytes
