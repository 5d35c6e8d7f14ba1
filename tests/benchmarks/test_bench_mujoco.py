"""The MuJoCo grid's cell list and its report (headline ratios, normalisation, cells not run), from
fabricated cell JSONs; the resume bookkeeping of the adversarial cells; one slow smoke cell."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from benchmarks.gail_mujoco import HEADLINE, build_mujoco_report
from benchmarks.grid import write_json_atomic
from benchmarks.grid import Cell
from benchmarks.methods.mujoco import MUJOCO_BUDGETS, MUJOCO_ENVS, TRANSFER_FROM, mujoco_grid, transfer_reward_path
from benchmarks.methods.mujoco_adversarial import ProgressSaver

HC, HOP, SW = MUJOCO_ENVS


def test_grid_cells_and_deps():
    cells = mujoco_grid("full")
    keys = {(c.env, c.method, c.seed) for c in cells}
    per_env = ("random", "bc", "ppo", "gail", "gail_bc", "sac", "gail_sac")
    expected = {(e, m, s) for e in MUJOCO_ENVS for m in per_env for s in (0, 1, 2)}
    airl = ("airl", "airl_transfer", "airl_g_transfer", "airl_s", "airl_s_transfer", "airl_s_g_transfer")
    expected |= {(HC, m, s) for m in (*airl, "gail_transfer") for s in (0, 1, 2)}
    assert keys == expected and len(cells) == len(expected)
    order = [c.key for c in cells]
    for c in cells:
        assert c.params["budget"] == "full" and c.params["device"] == "cpu"
        if c.method in TRANSFER_FROM:  # each re-trains on its own adversarial cell's reward
            source = {"airl_transfer": "airl", "airl_g_transfer": "airl", "airl_s_transfer": "airl_s",
                      "airl_s_g_transfer": "airl_s", "gail_transfer": "gail_bc"}[c.method]
            assert c.deps == (f"{HC}__{source}__s{c.seed}",)
            assert order.index(c.deps[0]) < order.index(c.key)  # the dependency is submitted first
        else:
            assert c.deps == ()
    full = MUJOCO_BUDGETS["full"]
    assert full.for_method("gail").steps(HC) == 1_000_000 and full.for_method("ppo").steps(HOP) == 1_000_000
    assert full.for_method("sac").steps(SW) == 300_000 and full.for_method("gail_sac").steps(SW) == 300_000
    assert full.sac == {}  # the full budget runs rl-zoo's SAC rows untouched
    # filters; asking for AIRL by name gives it on every env
    few = mujoco_grid("reduced", envs=(SW,), methods=("ppo", "gail", "airl"), seeds=(4,), device="auto")
    assert [c.key for c in few] == [f"{SW}__ppo__s4", f"{SW}__gail__s4", f"{SW}__airl__s4"]
    assert few[0].params == {"budget": "reduced", "grid": "mujoco", "device": "auto"}
    assert MUJOCO_BUDGETS["reduced"].for_method("ppo").steps(SW) <= 10_000


def test_transfer_cells_read_f_or_g_beside_the_runs_reward(tmp_path):
    dep = {"result": {"reward_path": str(tmp_path / "airl" / "reward_net.pt")}}
    assert transfer_reward_path(Cell(HC, "airl_transfer", 0), dep) == tmp_path / "airl" / "reward_net.pt"  # f
    assert transfer_reward_path(Cell(HC, "airl_g_transfer", 0), dep) == tmp_path / "airl" / "reward_g.pt"
    assert transfer_reward_path(Cell(HC, "airl_s_g_transfer", 0), dep) == tmp_path / "airl" / "reward_g.pt"
    rel = {"result": {"reward_path": "benchmarks/grid_runs/x/reward_net.pt"}}
    assert transfer_reward_path(Cell(HC, "gail_transfer", 0), rel).is_absolute()


def _row(env, method, seed, final, curve=None, budget="full", **extra):
    res = {"final_return": final, "train_steps_per_s": 100.0, "device": "cpu", **extra}
    if curve is not None:
        res["curve"] = {"steps": curve[0], "returns": curve[1]}
    return {"key": f"{env}__{method}__s{seed}", "env": env, "method": method, "seed": seed, "status": "ok",
            "params": {"budget": budget, "grid": "mujoco"}, "wall_clock_s": 60.0, "result": res}


def _fabricate(results: Path) -> None:
    rows = [
        # HalfCheetah references: random -300 (mean of -280, -320), demo 9,700 -> gap 10,000
        _row(HC, "random", 0, -280.0, demo_return=9_700.0), _row(HC, "random", 1, -320.0, demo_return=9_700.0),
        _row(HC, "ppo", 0, 2_000.0, ([0, 500_000, 1_000_000], [-300.0, 1_500.0, 2_000.0])),
        _row(HC, "ppo", 1, 3_000.0, ([0, 500_000, 1_000_000], [-300.0, 2_000.0, 3_000.0])),
        # GAIL-PPO: mean 2,000 -> 2,000 / 2,500 = 0.8 of PPO; normalised (2,000 + 300) / 10,000 = 0.23
        _row(HC, "gail_bc", 0, 1_000.0, ([0, 500_000, 1_000_000], [-300.0, 800.0, 1_000.0])),
        _row(HC, "gail_bc", 1, 3_000.0, ([0, 500_000, 1_000_000], [-300.0, 4_800.0, 3_000.0])),  # 50% at 500k
        _row(HC, "gail", 0, 500.0, ([0, 1_000_000], [-300.0, 500.0])),  # without the warm start: 0.2 of PPO
        _row(HC, "airl_transfer", 0, 500.0, ([0, 1_000_000], [-300.0, 500.0])),  # 500 / 2,500 = 0.2
        _row(HC, "airl_s_transfer", 0, 1_500.0, ([0, 1_000_000], [-300.0, 1_500.0])),  # the defaults': 0.6
        _row(HC, "airl_g_transfer", 0, 250.0, ([0, 1_000_000], [-300.0, 250.0])),  # 250 / 2,500 = 0.1
        # Hopper: random 0, demo 1,000; GAIL-SAC 950 and 850 -> 0.9 normalised; SAC 1,000 -> ratio 0.9
        _row(HOP, "random", 0, 0.0, demo_return=1_000.0),
        _row(HOP, "sac", 0, 1_000.0, ([0, 100_000, 300_000], [0.0, 600.0, 1_000.0])),
        _row(HOP, "gail_sac", 0, 950.0, ([0, 100_000, 200_000, 300_000], [0.0, 400.0, 920.0, 950.0])),
        _row(HOP, "gail_sac", 1, 850.0, ([0, 100_000, 300_000], [0.0, 500.0, 850.0])),
        # Swimmer: PPO on the true reward negative -> the ratio is null, not a number
        _row(SW, "ppo", 0, -5.0, ([0, 1_000_000], [0.0, -5.0])),
        _row(SW, "gail_bc", 0, 20.0, ([0, 1_000_000], [0.0, 20.0])),
        _row(SW, "bc", 0, 10.0),
        _row(SW, "ppo", 1, 123.0, budget="reduced"),  # another budget's cell: ignored
    ]
    for r in rows:
        write_json_atomic(results / f"{r['key']}.json", r)
    write_json_atomic(results / f"{HOP}__gail__s0.failed.json",
                      {"key": f"{HOP}__gail__s0", "status": "failed", "error": "RuntimeError: boom"})
    write_json_atomic(results / "grid_meta.json", {"commands": ["python -m benchmarks.run --grid mujoco --budget full"],
                                                   "budget": "full", "machine": "test"})


def test_report_headline_normalisation_and_not_run(tmp_path):
    results = tmp_path / "cells"
    _fabricate(results)
    md = build_mujoco_report(results, tmp_path / "gail_mujoco.md", tmp_path / "gail_mujoco.json")
    out = json.loads((tmp_path / "gail_mujoco.json").read_text())
    h = out["headline"]
    assert h["halfcheetah_ppo_vs_rl"] == pytest.approx(0.8)
    assert h["halfcheetah_ppo_norm"] == pytest.approx(0.23)
    assert h["halfcheetah_ppo_nobc_vs_rl"] == pytest.approx(0.2)  # the issue's names are the defaults' cells
    assert h["halfcheetah_ppo_nobc_norm"] == pytest.approx(0.08)
    assert h["airl_transfer_vs_rl"] == pytest.approx(0.6)  # AIRL's defaults: the state-only g(s)'s cells
    assert h["airl_sa_transfer_vs_rl"] == pytest.approx(0.2) and h["airl_g_transfer_vs_rl"] == pytest.approx(0.1)
    assert h["hopper_sac_vs_rl"] == pytest.approx(0.9)
    assert h["hopper_sac_norm"] == pytest.approx(0.9)
    assert h["swimmer_ppo_vs_rl"] is None  # cells exist, but a ratio over a negative return means nothing
    assert out["headline_detail"]["swimmer_ppo_vs_rl"]["denominator_mean"] == -5.0
    # no cells: the name is absent, never invented
    assert "hopper_ppo_vs_rl" not in h and "halfcheetah_sac_vs_rl" not in h
    # context: the demonstrator against PPO on the true reward (HalfCheetah 9,700 / 2,500); Hopper has no PPO
    # cell and Swimmer no random cell (no demo mean): absent
    assert h.pop("halfcheetah_demo_vs_rl") == pytest.approx(3.88)
    assert set(h) <= set(HEADLINE)
    assert out["references"][HC] == {"random": -300.0, "demo_mean": 9_700.0}
    assert out["cells_expected"] == 84 and out["cells_done"] == 17
    assert out["ignored_other_budget"] == [f"{SW}__ppo__s1"]
    hop = out["tables"][HOP]
    assert hop["gail_sac"]["steps_to_50_per_seed"] == [200_000.0, 100_000.0]
    assert hop["gail_sac"]["steps_to_90_per_seed"] == [200_000.0, None]
    assert hop["ppo"]["status"] == "not run" and hop["ppo"]["final_mean"] is None
    assert out["steps_to_50_expert"][HOP]["sac"] == [100_000.0]
    assert out["tables"][HC]["gail_bc"]["steps_to_50_per_seed"] == [None, 500_000.0]
    assert out["tables"][SW]["bc"]["norm_mean"] is None  # Swimmer has no random cell: no normalisation
    assert out["failed"] == {f"{HOP}__gail__s0": "RuntimeError: boom"}

    text = md.read_text()
    assert "| `halfcheetah_ppo_vs_rl` | 0.800 |" in text and "| `hopper_ppo_vs_rl` | not run | — |" in text
    assert "| `halfcheetah_demo_vs_rl` | 3.880 | demo mean 9700.0 ÷ ppo 2500.0 (2 seeds) |" in text
    assert "| `hopper_demo_vs_rl`" not in text
    assert "| GAIL-PPO (defaults: BC warm start) | 2/3 | 2000.0 ± 1414.2 | 0.23 ± 0.14 |" in text
    assert "| PPO, true reward | 0/3 | not run | not run |" in text  # Hopper PPO
    assert "| AIRL, g(s, a) | 0/3 | not run |" in text  # HalfCheetah AIRL
    assert "| Swimmer-v5 | not run | — |" in text  # no references
    assert "python -m benchmarks.run --grid mujoco --budget full" in text
    assert "`Hopper-v5__gail__s0`: RuntimeError: boom" in text
    assert "not a result" not in text  # the full budget carries no smoke warning
    for env in (HC, HOP, SW):
        assert (tmp_path / f"gail_mujoco_{env}.png").stat().st_size > 1000


def test_report_appends_the_hand_written_findings_beside_it(tmp_path):
    results = tmp_path / "cells"
    _fabricate(results)
    assert "## Findings" not in build_mujoco_report(results, tmp_path / "gail_mujoco.md",
                                                     tmp_path / "gail_mujoco.json").read_text()
    (tmp_path / "gail_mujoco_findings.md").write_text("- D's learning rate 3e-5: HalfCheetah climbs\n")
    text = build_mujoco_report(results, tmp_path / "gail_mujoco.md", tmp_path / "gail_mujoco.json").read_text()
    assert "## Findings (from `gail_mujoco_findings.md`)" in text and "HalfCheetah climbs" in text


def test_report_of_an_empty_grid_says_not_run(tmp_path):
    md = build_mujoco_report(tmp_path / "none", tmp_path / "r.md", tmp_path / "r.json", budget="reduced")
    out = json.loads((tmp_path / "r.json").read_text())
    assert out["headline"] == {} and out["cells_done"] == 0 and out["budget"] == "reduced"
    text = md.read_text()
    assert "not a result" in text and text.count("| not run |") >= len(HEADLINE)


def test_progress_saver_restores_the_curve_up_to_the_checkpoint(tmp_path):
    path = tmp_path / "progress.json"
    evals = [{"round": float(r), "env_steps": 100.0 * r, "true_return": float(r), "true_return_std": 0.0,
              "episodes": 2.0} for r in (0, 2, 4)]
    write_json_atomic(path, {"evaluations": evals, "marks": [{"round": 2, "wall_s": 10.0, "eval_s": 1.0},
                                                             {"round": 4, "wall_s": 20.0, "eval_s": 2.0}]})

    def fake_run(resume: bool, at: int):
        return SimpleNamespace(config=SimpleNamespace(resume=resume), trainer=SimpleNamespace(round=at),
                               evaluator=SimpleNamespace(results=[], seconds=0.0))

    saver = ProgressSaver(path, every=2)
    run = fake_run(True, 3)  # the checkpoint is at round 3 (the round-4 mark came after it)
    saver.restore(run)
    assert [e["round"] for e in run.evaluator.results] == [0.0, 2.0] and saver.resumed_at == 3
    wall, ev = saver.totals()
    assert 10.0 <= wall < 11.0 and ev == 1.0
    fresh = ProgressSaver(path, every=2)
    run = fake_run(False, 0)
    fresh.restore(run)
    assert run.evaluator.results == [] and fresh.resumed_at is None and fresh.totals()[0] < 1.0


@pytest.mark.slow  # ~15 s: a real reduced-budget GAIL cell, stopped halfway, resumed, re-run (no Ray)
def test_swimmer_gail_cell_resumes_from_its_checkpoint(tmp_path):
    pytest.importorskip("mujoco")
    from dataclasses import replace

    from benchmarks.grid import Cell
    from benchmarks.methods.mujoco import demos_path
    from benchmarks.methods.mujoco_adversarial import run_adversarial

    cell = Cell(SW, "gail", 0, params={"budget": "reduced", "grid": "mujoco", "device": "cpu"})
    full = MUJOCO_BUDGETS["reduced"]  # 4 rounds of 2,048 env steps, a checkpoint every 2
    half = replace(full, on_policy=replace(full.on_policy, timesteps={SW: full.on_policy.steps(SW) // 2}))
    first = run_adversarial(cell, half, demos_path(SW), tmp_path, "cpu")  # as if killed after round 2
    assert first["rounds"] == 2 and first["resumed_at_round"] is None and first["device"] == "cpu"
    out = run_adversarial(cell, full, demos_path(SW), tmp_path, "cpu")
    assert out["resumed_at_round"] == 2 and out["rounds"] == 4 and out["timesteps"] == full.on_policy.steps(SW)
    assert out["curve"]["steps"] == [0, 4096, 8192] and out["curve"]["steps"][:2] == first["curve"]["steps"]
    assert out["final_episodes"] == full.on_policy.final_episodes
    assert out["wall_s_total"] > first["wall_s_total"]  # earlier attempts' time counts
    again = run_adversarial(cell, full, demos_path(SW), tmp_path, "cpu")  # finished: resumes at its end
    assert again["resumed_at_round"] == 4 and again["curve"] == out["curve"]
    assert again["final_return"] == out["final_return"]


def test_run_refuses_to_mix_budgets_in_one_results_folder(tmp_path, capsys):
    from benchmarks.run import _check_budget, main, mujoco_results_dir

    from benchmarks.gail_mujoco import report_paths

    assert mujoco_results_dir("full").name == "mujoco_full" and mujoco_results_dir("reduced").name == "mujoco_reduced"
    assert [p.name for p in report_paths(mujoco_results_dir("full"))] == ["gail_mujoco.md", "gail_mujoco.json"]
    assert report_paths("x/mujoco_reduced")[0].name == "gail_mujoco_reduced.md"
    assert report_paths("x/mujoco_full_gpu")[0].name == "gail_mujoco_full_gpu.md"  # a GPU run never overwrites it
    cells = mujoco_grid("full", methods=("gail",), run_name="mujoco_full_gpu", device="cuda")
    assert {c.params["run_name"] for c in cells} == {"mujoco_full_gpu"}
    assert _check_budget(tmp_path, "full") is None  # nothing there yet
    write_json_atomic(tmp_path / "grid_meta.json", {"commands": [], "budget": "reduced"})
    assert _check_budget(tmp_path, "reduced") is None
    assert "holds the 'reduced' budget's cells" in _check_budget(tmp_path, "full")
    with pytest.raises(SystemExit):
        main(["--grid", "mujoco", "--budget", "full", "--results", str(tmp_path)])
    with pytest.raises(SystemExit):  # the classic grid's smoke budget is not the MuJoCo grid's
        main(["--grid", "mujoco", "--budget", "smoke"])
    assert "the mujoco grid has full, reduced" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # Ray would hide the GPU from cells that reserve none
        main(["--grid", "mujoco", "--budget", "reduced", "--device", "cuda", "--results", str(tmp_path / "new")])
    assert "--gpus-per-cell > 0" in capsys.readouterr().err
