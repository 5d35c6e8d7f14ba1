"""GAN frontiers benchmark: semi-supervised K+1 GAN vs supervised-only on 10 labels/class,
and mode-collapse diagnostics (ring-8, grid-25) for ns GAN, + minibatch discrimination,
WGAN-GP and PacGAN-4, over seeds.

    nice -n 10 .venv/bin/python benchmarks/gan_frontiers.py --mnist ../shared/data/mnist

Prints the tables and writes benchmarks/results/gan_frontiers.md plus PNGs
(benchmarks/results/gan_frontiers_*.png). ``--part semisup|modes|all``;
``--semisup-rounds``, ``--ring-rounds``, ``--grid-rounds``, ``--seeds``, ``--methods`` set the budget.
Each part stores its rows in benchmarks/results/gan_frontiers_<part>.json so the
two parts can run as separate processes and the report is rebuilt from both.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import torch

RESULTS = Path(__file__).resolve().parent / "results"
ANCHORS = {  # PacGAN (Lin et al. 2018) Table 1, modes covered (as quoted in issue 5)
    ("ring8", "GAN"): "6.3 / 8", ("ring8", "PacGAN4"): "7.8 / 8",
    ("grid25", "GAN"): "17.3 / 25", ("grid25", "PacGAN4"): "24.8 / 25",
}


def run_semisup(args: argparse.Namespace) -> dict:
    from advrl.core import LoopConfig
    from advrl.gan import SemiSupConfig, run_semisup as train_semisup, save_curves, save_grid

    out = Path(args.work) / "semisup"
    cfg = SemiSupConfig(data=f"mnist:{args.mnist}", labels_per_class=10, n_train=8000, split_seed=0,
                        eval_every=max(args.semisup_rounds // 10, 1), out=str(out),
                        loop=LoopConfig(rounds=args.semisup_rounds, batch_size=100, seed=0, device="cpu",
                                        log_every=50, progress=True))
    t0 = time.time()
    result = train_semisup(cfg)
    row = {**result.summary(), "seconds": time.time() - t0, "history": result.history,
           "command_config": {"rounds": args.semisup_rounds, "hidden": list(cfg.hidden), "lr": cfg.lr}}
    gen = result.trainer.generator
    torch.manual_seed(0)
    save_grid(gen.sample(64).cpu(), RESULTS / "gan_frontiers_semisup_samples.png")
    rounds = [h["round"] for h in result.history]
    save_curves({"semi-supervised (EMA)": (rounds, [100 * h["eval/test_acc_ema"] for h in result.history]),
                 "semi-supervised (raw)": (rounds, [100 * h["eval/test_acc"] for h in result.history]),
                 f"supervised-only final ({100 * (result.supervised_accuracy or 0):.1f}%)":
                     (rounds, [100 * (result.supervised_accuracy or 0)] * len(rounds))},
                RESULTS / "gan_frontiers_semisup_accuracy.png", "MNIST 8k/2k, 10 labels per class: held-out accuracy %")
    return row


def run_modes(args: argparse.Namespace) -> list[dict]:
    from advrl.core import LoopConfig
    from advrl.gan import ModeGanConfig, train_mode_gan

    rows = []
    work = Path(args.work) / "modes"
    for seed in range(args.seeds):  # seed-major: an interrupted run still has every cell at seed 0
        for mixture, rounds in (("ring8", args.ring_rounds), ("grid25", args.grid_rounds)):
            for method in args.methods:
                t0 = time.time()
                cfg = ModeGanConfig(mixture=mixture, method=method, out=str(work),  # TensorBoard: work/tb/<run>
                                    loop=LoopConfig(rounds=rounds, batch_size=100, seed=seed, device="cpu",
                                                    log_every=50, progress=False))
                run = train_mode_gan(cfg)
                m = run.metrics
                row = {"mixture": mixture, "method": method, "seed": seed, "rounds": rounds,
                       "d_steps": run.config.loop.d_steps, "modes": m.modes_covered, "n_modes": m.n_modes,
                       "hq": 100 * m.high_quality, "reverse_kl": m.reverse_kl, "seconds": time.time() - t0}
                rows.append(row)
                print(f"{mixture:7s} {method:10s} seed {seed}: {m.modes_covered}/{m.n_modes} modes, "
                      f"HQ {100 * m.high_quality:5.1f}%, rKL {m.reverse_kl:.3f} ({row['seconds']:.0f}s)", flush=True)
                if seed == 0 and run.png is not None:
                    shutil.copy(run.png, RESULTS / f"gan_frontiers_{mixture}_{method}.png")
                _save(RESULTS / "gan_frontiers_modes.json", {"rows": rows, "command": " ".join(sys.argv)})
    return rows


def _save(path: Path, obj: dict) -> None:
    from advrl.core import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, default=float))


def _load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.is_file() else None


def _method_settings(methods) -> str:
    """Each method's optimiser settings, from the recipe table the runs used (advrl.gan.METHODS)."""
    from advrl.gan import METHODS

    return "; ".join(f"{m} Adam {METHODS[m].lr:g} (β {METHODS[m].betas[0]:g}, {METHODS[m].betas[1]:g}), "
                     f"{METHODS[m].d_steps} D step{'s' if METHODS[m].d_steps > 1 else ''}" for m in methods)


def report() -> str:
    semi = _load(RESULTS / "gan_frontiers_semisup.json")
    modes = _load(RESULTS / "gan_frontiers_modes.json")
    lines = ["# GAN frontiers benchmark", ""]
    lines += ["Hardware: 2 shared CPU cores (no GPU), `torch.set_num_threads(1)`, `nice -n 10`. "
              "Budgets are far below the papers' (stated per table); numbers are what this code produced.", ""]
    lines += ["## Semi-supervised K+1 GAN (Salimans et al. 2016), 10 labels per class", ""]
    if semi:
        r = semi["row"]
        lines += [f"Command: `{semi['command']}`", "",
                  f"Data: {r['data']}; {r['n_labelled']} labelled, {r['n_unlabelled']} unlabelled, "
                  f"{r['n_test']} held-out test images. Network: the paper's MNIST D (noise 0.3, weight-normalised "
                  f"1000-500-250-250-250 with noise 0.5, 10 logits; fake logit fixed at 0) and G (100-500-500-784, "
                  f"feature matching), Adam lr {r['command_config']['lr']}, batch 100, "
                  f"**{r['rounds']} updates** (= {r['rounds'] * 100 / r['n_unlabelled']:.0f} epochs of the 8k images; "
                  f"the paper trains 300 epochs of 60k), EMA weights for evaluation. Wall time {r['seconds'] / 60:.1f} min.",
                  "", "| method | held-out accuracy | target / reference |", "|---|---|---|",
                  f"| semi-supervised GAN (EMA) | **{100 * r['semi_supervised_accuracy']:.2f}%** | ≥ 98.5% (8k/2k split); "
                  f"lecture 99.14% on full MNIST |",
                  f"| semi-supervised GAN (raw final weights) | {100 * r['semi_supervised_accuracy_raw']:.2f}% | |",
                  f"| supervised-only, same network, same 100 labels, same updates (EMA) | "
                  f"{100 * (r['supervised_only_accuracy'] or 0):.2f}% | |", "",
                  "Accuracy during training (EMA / raw): "
                  + ", ".join(f"{int(h['round'])}: {100 * h['eval/test_acc_ema']:.1f}/{100 * h['eval/test_acc']:.1f}"
                              for h in r["history"]), "",
                  "![accuracy](gan_frontiers_semisup_accuracy.png) ![samples](gan_frontiers_semisup_samples.png)", ""]
    else:
        lines += ["(not run)", ""]
    lines += ["## Mode collapse on 2-D mixtures (PacGAN / VEEGAN metrics)", ""]
    if modes:
        rows = modes["rows"]
        lines += [f"Command: `{modes['command']}`", "",
                  "Mixtures as in the PacGAN code: ring-8 = radius 1, σ = 0.01; grid-25 = means {-4,-2,0,2,4}², "
                  "σ = 0.05. 2,500 samples scored; a sample is high quality (HQ) within 3σ of its nearest mode; a mode "
                  "is covered when ≥ 1 HQ sample lands on it; reverse KL = KL(HQ mode histogram ‖ uniform). "
                  "Networks: G = MLP 2-128-128-128-2 (z ~ N(0, I₂)), D = MLP 2-128-128-1 (LeakyReLU); batch 100; "
                  f"{_method_settings(dict.fromkeys(r['method'] for r in rows))}; WGAN-GP λ = 10; "
                  "learning rates decay linearly to 0 over the second half; minibatch discrimination 5 kernels × 8; PacGAN packs 4 samples. "
                  "PacGAN trains 400 epochs × 1,000 batches; here the round counts below.", "",
                  "| mixture | method | rounds | seeds | modes covered (mean ± sd) | HQ % | reverse KL | anchor: modes (PacGAN Table 1) |",
                  "|---|---|---|---|---|---|---|---|"]
        for mixture in ("ring8", "grid25"):
            for method in dict.fromkeys(r["method"] for r in rows):
                sel = [r for r in rows if r["mixture"] == mixture and r["method"] == method]
                if not sel:
                    continue
                md, hq, kl = (np.array([r[k] for r in sel], dtype=float) for k in ("modes", "hq", "reverse_kl"))
                anchor = ANCHORS.get((mixture, {"ns": "GAN", "pacgan": "PacGAN4"}.get(method, "")))
                a = anchor or ""
                lines.append(f"| {mixture} | {method} | {sel[0]['rounds']} | {len(sel)} | {md.mean():.1f} ± {md.std():.1f} "
                             f"/ {sel[0]['n_modes']} | {hq.mean():.1f} | {kl.mean():.3f} | {a} |")
        lines += ["", "Per seed: " + "; ".join(f"{r['mixture']}/{r['method']}/s{r['seed']}: {r['modes']} modes, "
                                                f"HQ {r['hq']:.1f}%, rKL {r['reverse_kl']:.2f}" for r in rows), ""]
        for mixture in ("ring8", "grid25"):
            lines.append(" ".join(f"![{mixture} {m}](gan_frontiers_{mixture}_{m}.png)"
                                  for m in dict.fromkeys(r["method"] for r in rows)
                                  if (RESULTS / f"gan_frontiers_{mixture}_{m}.png").is_file()))
        lines.append("")
    else:
        lines += ["(not run)", ""]
    lines += ["## Gaps (honest)", ""]
    if semi:
        r = semi["row"]
        lines.append(f"- Semi-supervised: {100 * r['semi_supervised_accuracy']:.2f}% is far below the 98.5% target; the "
                     f"gain over supervised-only is {100 * (r['semi_supervised_accuracy'] - (r['supervised_only_accuracy'] or 0)):+.1f} "
                     f"points after {r['rounds']} updates (the paper: ~180k updates). Whether the gap is budget alone or also "
                     "a difference from the reference implementation is not established here; a GPU run with "
                     "`--semisup-rounds 100000` is the next check.")
    if modes:
        best = {}
        for r in modes["rows"]:
            best.setdefault((r["mixture"], r["method"]), []).append(r["modes"])
        for mixture, target in (("ring8", 7.8), ("grid25", 24.5)):
            cand = {m: float(np.mean(v)) for (mx, m), v in best.items() if mx == mixture}
            if cand:
                m, v = max(cand.items(), key=lambda kv: kv[1])
                lines.append(f"- {mixture}: best method {m} covers {v:.1f} modes on average "
                             f"({'meets' if v >= target else 'misses'} the ≥ {target} target). HQ % is low for every "
                             "method except minibatch discrimination because 1-2k updates do not reach the 3σ precision "
                             "(σ = 0.01 / 0.05) that PacGAN's 400k updates do.")
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--part", default="all", choices=["all", "semisup", "modes", "report"])
    p.add_argument("--mnist", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"))
    p.add_argument("--semisup-rounds", type=int, default=1500)
    p.add_argument("--ring-rounds", type=int, default=1000)
    p.add_argument("--grid-rounds", type=int, default=1500)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--methods", nargs="+", default=["ns", "minibatch", "wgan-gp", "pacgan"])
    p.add_argument("--work", default="runs/gan_frontiers", help="scratch directory (checkpoints, tb)")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    command = "nice -n 10 .venv/bin/python " + " ".join(["benchmarks/gan_frontiers.py", *sys.argv[1:]])
    if args.part in ("all", "semisup"):
        row = run_semisup(args)
        _save(RESULTS / "gan_frontiers_semisup.json", {"row": row, "command": command})
        print(f"semi-supervised {100 * row['semi_supervised_accuracy']:.2f}% vs supervised-only "
              f"{100 * (row['supervised_only_accuracy'] or 0):.2f}%", flush=True)
    if args.part in ("all", "modes"):
        run_modes(args)
        data = _load(RESULTS / "gan_frontiers_modes.json") or {}
        _save(RESULTS / "gan_frontiers_modes.json", {**data, "command": command})
    text = report()
    (RESULTS / "gan_frontiers.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
