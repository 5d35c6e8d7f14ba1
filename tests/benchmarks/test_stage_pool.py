"""The stage pool runs independent stages side by side, logs each, and names the ones that failed."""

from __future__ import annotations

import sys
import time

import pytest

from benchmarks.stage_pool import run_pool


def _py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_stages_run_at_once_and_log_apart(tmp_path):
    sleep = "import time; time.sleep(1.0); print('slept')"
    t = time.monotonic()
    failed = run_pool({"a": _py(sleep), "b": _py(sleep)}, jobs=2, log_dir=tmp_path)
    elapsed = time.monotonic() - t
    assert failed == []
    assert elapsed < 1.9, f"two 1-s stages with 2 jobs took {elapsed:.1f} s: they did not overlap"
    assert (tmp_path / "a.log").read_text().strip() == "slept" == (tmp_path / "b.log").read_text().strip()


def test_a_failing_stage_is_named_and_the_others_finish(tmp_path):
    cmds = {"adv --seed 0": _py("import sys; print('boom', file=sys.stderr); sys.exit(3)"),
            "report": _py("print('ok')")}
    assert run_pool(cmds, jobs=1, log_dir=tmp_path) == ["adv --seed 0"]
    assert "boom" in (tmp_path / "adv_--seed_0.log").read_text()
    assert (tmp_path / "report.log").read_text().strip() == "ok"
    with pytest.raises(ValueError, match="jobs"):
        run_pool(cmds, jobs=0, log_dir=tmp_path)
