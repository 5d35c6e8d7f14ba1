"""The report: normalised tables and steps to 95% from synthetic cell results; reward correlations."""

from __future__ import annotations

import numpy as np

from benchmarks.grid import write_json_atomic
from benchmarks.methods.reward_analysis import analyse
from benchmarks.report import build_report, summarise


def _row(env, method, seed, final, curve=None, wall=10.0):
    res = {"final_return": final}
    if curve is not None:
        res["curve"] = {"steps": curve[0], "returns": curve[1]}
    return {"key": f"{env}__{method}__s{seed}", "env": env, "method": method, "seed": seed, "status": "ok",
            "wall_clock_s": wall, "result": res}


def _write_grid(results):
    rows = [
        _row("Toy-v0", "random", 0, 10.0), _row("Toy-v0", "random", 1, 30.0),  # random ref = 20
        _row("Toy-v0", "expert", 0, 220.0), _row("Toy-v0", "expert", 1, 220.0),  # expert ref = 220
        # seed 0 reaches 0.95 (>= 210) at step 2000; the step-0 point (untrained policy) does not count
        _row("Toy-v0", "ppo", 0, 220.0, ([0, 1000, 2000, 3000], [215.0, 100.0, 210.0, 220.0])),
        # seed 1 never reaches it; final 120 -> 0.5
        _row("Toy-v0", "ppo", 1, 120.0, ([0, 1000, 2000, 3000], [20.0, 50.0, 100.0, 120.0])),
    ]
    for r in rows:
        write_json_atomic(results / f"{r['key']}.json", r)
    write_json_atomic(results / "grid_meta.json", {"commands": ["python -m benchmarks.run --budget toy"],
                                                   "budget": "toy", "grid_wall_clock_s": 5.0})
    return rows


def test_summary_normalises_and_counts_steps_to_95(tmp_path):
    rows = _write_grid(tmp_path)
    ppo = summarise(rows)["Toy-v0"]["ppo"]
    np.testing.assert_allclose(ppo["final_norm"], [1.0, 0.5])
    assert ppo["steps95"] == [2000.0, None]


def test_report_has_tables_curves_and_commands(tmp_path):
    results = tmp_path / "classic"
    results.mkdir()
    _write_grid(results)
    write_json_atomic(results / "Toy-v0__gail__s0.failed.json",
                      {"key": "Toy-v0__gail__s0", "status": "failed", "error": "RuntimeError: boom"})
    (tmp_path / "dialogue.md").write_text("# Dialogue\n\n| model | BLEU |\n|---|---|\n| MLE | 1.0 |\n")
    out = build_report(results, tmp_path / "README.md")
    text = out.read_text()
    assert "| Toy-v0 | PPO, hand-designed reward | 0.75 ± 0.35 (n=2) |" in text
    assert "2k ± 0k (1/2)" in text  # steps to 95%: one of two seeds, at 2000 steps
    assert "| Toy-v0 | 20.0 | 220.0 |" in text  # references
    assert "python -m benchmarks.run --budget toy" in text
    assert "`Toy-v0__gail__s0`: RuntimeError: boom" in text
    assert "### Dialogue" in text and "| MLE | 1.0 |" in text  # included, heading demoted
    assert (tmp_path / "curves_Toy-v0.png").stat().st_size > 1000


def test_reward_analysis_correlations():
    rng = np.random.default_rng(0)

    def source(n, offset):
        true = rng.normal(size=n) + offset
        return {"obs": true[:, None], "acts": np.zeros(n, np.int64), "next_obs": true[:, None],
                "dones": np.zeros(n, bool), "rewards": true, "episode": np.repeat(np.arange(n // 10), 10)}

    sources = {"expert": source(50, 2.0), "random": source(50, -2.0)}
    perfect = analyse(lambda o, a, n, d: 3.0 * o[:, 0] + 1.0, sources)
    assert perfect["step_pearson"] > 0.999 and perfect["step_spearman"] > 0.999
    assert perfect["episode_pearson"] > 0.999 and perfect["n_steps"] == 100 and perfect["n_episodes"] == 10
    inverted = analyse(lambda o, a, n, d: -o[:, 0], sources)
    assert inverted["step_pearson"] < -0.999
    assert perfect["within"]["expert"] > 0.999 and perfect["within"]["random"] > 0.999  # r inside each source
    assert inverted["within"]["random"] < -0.999
    constant_true = {k: {**v, "rewards": np.ones(50)} for k, v in sources.items()}
    assert analyse(lambda o, a, n, d: o[:, 0], constant_true)["step_pearson"] is None  # undefined, not NaN
