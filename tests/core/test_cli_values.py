"""What every ``advrl`` command refuses in one line before any work: NaN/infinite numbers, seeds
gymnasium and NumPy would not take, an empty ``--out``; and the core's range checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from advrl.cli import main
from advrl.core import UserError, check_number, check_seed

DEMOS = str(Path(__file__).resolve().parents[2] / "experts" / "demos" / "CartPole-v1.npz")
GAIL = ["gail", "train", "--env", "CartPole-v1", "--demos", DEMOS, "--no-progress", "--device", "cpu"]


@pytest.mark.parametrize("argv, words", [
    (GAIL + ["--d-lr", "nan"], "--d-lr must be a finite number"),
    (GAIL + ["--gp-weight", "inf"], "--gp-weight must be a finite number"),
    (GAIL + ["--seed", "-1"], "--seed must be an integer from 0"),
    (GAIL + ["--out", ""], "--out is empty"),
    (["gan", "train", "--data", "digits", "--lr", "nan"], "--lr must be a finite number"),
    (["gan", "semisup", "--data", "digits", "--split-seed", "-3"], "--split-seed must be an integer from 0"),
    (["gan", "train", "--data", "digits", "--out", " "], "--out is empty"),
    (["expert", "rollout", "--env", "CartPole-v1", "--policy", "random", "--out", ""], "--out is empty"),
    (["dialogue", "pretrain", "--corpus", "chatterbot", "--lr", "inf", "--out", "x"], "--lr must be a finite number"),
])
def test_refused_in_one_line_before_any_work(tmp_path, monkeypatch, capsys, argv, words):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("advrl: error:") and words in err[0], err
    assert list(tmp_path.iterdir()) == []  # nothing written, not even into the current directory


@pytest.mark.parametrize("kwargs, ok", [
    (dict(value=0.5, low=0, high=1), True), (dict(value=1.5, low=0, high=1), False),
    (dict(value=0.0, above=0), False), (dict(value=1e-9, above=0), True), (dict(value=float("nan")), False),
    (dict(value=None, optional=True), True), (dict(value=None), False), (dict(value=True), False),
    (dict(value=np.int64(3), low=1), True), (dict(value=np.float32(0.5), above=0), True),
])
def test_check_number(kwargs, ok):
    if ok:
        check_number("--x", **kwargs)
    else:
        with pytest.raises(UserError, match="^--x must be"):
            check_number("--x", **kwargs)


def test_check_seed_bounds():
    check_seed(0)
    check_seed(2**32 - 1)
    check_seed(np.int64(7))  # a seed from NumPy arithmetic
    for bad in (-1, 2**32, 1.0, "3"):
        with pytest.raises(UserError, match="--seed must be an integer from 0 to 4294967295"):
            check_seed(bad)
