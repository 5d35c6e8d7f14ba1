"""Adversarial dialogue benchmark (Li et al. 2017) on one corpus and budget.

Systems, all starting from the same MLE-pretrained small BART:
  mle        — maximum likelihood only;
  heuristic  — + REINFORCE on a hand-designed length/diversity/dullness reward (Li et al. 2016 spirit);
  adv        — + adversarial REINFORCE (reward = D's P(human)) with teacher forcing, on AdversarialTrainer;
  adv+regs   — as adv, with per-token rewards from Monte-Carlo rollouts (REGS).

Metrics on the held-out test split (sampled replies): AdverSuc from evaluators trained
separately on dev human vs dev generated (mean over evaluator seeds), the evaluator's
test accuracy, distinct-1/2, BLEU, mean length, and wall-clock of the extra training.
Evaluator reliability: accuracy of the same evaluator recipe on human vs random replies.

    nice -n 10 .venv/bin/python benchmarks/dialogue_adversarial.py

With ``--corpus dailydialog:DIR`` it runs the DailyDialog pipeline instead
(``benchmarks.dialogue_dailydialog all``: MLE, two adversarial seeds, the
heuristic system, the report and the AdverSuc comparison, each stage resuming
or skipping what is done; other options are passed to it).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import torch

from advrl.core import seed_everything
from advrl.dialogue import (
    DialogueConfig, EvalConfig, EvaluationCallback, GeneratorConfig, HeuristicReward, adversarial_trainer,
    Seq2SeqGenerator, Splits, build_generator, evaluate_generator, evaluator_reliability, load_corpus,
    make_discriminator, pretrain_discriminator, pretrain_mle, train_with_reward,
)

ROOT = Path(__file__).resolve().parents[1]
DULL = ["i don't know.", "i don't know", "yes.", "no.", "ok.", "i'm not sure."]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="chatterbot")
    ap.add_argument("--mle-epochs", type=int, default=DialogueConfig.mle_epochs)
    ap.add_argument("--rounds", type=int, default=DialogueConfig.rounds,
                    help="adversarial rounds = heuristic REINFORCE steps")
    ap.add_argument("--d-pretrain", type=int, default=DialogueConfig.d_pretrain_steps)
    ap.add_argument("--rollouts", type=int, default=2)
    ap.add_argument("--d-steps", type=int, default=DialogueConfig.d_steps, help="D updates per round (D:G ratio with g-steps 1)")
    ap.add_argument("--d-lr", type=float, default=DialogueConfig.d_lr)
    ap.add_argument("--adv-lr", type=float, default=GeneratorConfig.adv_lr)
    ap.add_argument("--eval-seeds", type=int, default=EvalConfig.seeds)
    ap.add_argument("--eval-epochs", type=int, default=EvalConfig.epochs, help="evaluator training epochs")
    ap.add_argument("--eval-every", type=int, default=0,
                    help="also evaluate the adversarial systems every N rounds (0: only at the end)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--systems", default="mle,heuristic,adv,adv+regs",
                    help="comma-separated; 'none' only checks evaluator reliability")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "dialogue_chatterbot_smoke.md"))
    args, rest = ap.parse_known_args(argv)
    if args.corpus.startswith("dailydialog:"):  # the real-scale pipeline: staged, resumable, in its own script
        from benchmarks import dialogue_dailydialog

        return dialogue_dailydialog.main(["all", "--corpus", args.corpus, *rest])
    if rest:
        ap.error(f"unrecognized arguments: {' '.join(rest)}")
    torch.set_num_threads(1)

    splits = load_corpus(args.corpus, seed=args.seed)
    cfg = DialogueConfig(mle_epochs=args.mle_epochs, rounds=args.rounds, d_pretrain_steps=args.d_pretrain,
                         seed=args.seed, d_steps=args.d_steps, d_lr=args.d_lr,
                         generator=GeneratorConfig(rollouts=args.rollouts, adv_lr=args.adv_lr))
    ecfg = EvalConfig(seeds=args.eval_seeds, epochs=args.eval_epochs, seed=1234)
    t0 = time.time()
    gen = build_generator(splits.train, cfg)  # seeds everything once with args.seed
    pretrain_mle(gen, cfg.mle_epochs)
    mle_time = time.time() - t0

    results: dict[str, dict] = {}
    histories: dict[str, list[float]] = {}
    curves: dict[str, tuple[list[int], list[float]]] = {}
    for name in [n for n in args.systems.split(",") if n and n != "none"]:
        seed_everything(args.seed)  # every system starts from the same RNG state
        t = time.time()
        g, history, extra, curve = run_system(name, gen, splits, cfg, ecfg, args.eval_every)
        histories.update({name: history} if history else {})
        curves.update({name: curve} if curve else {})
        train_time = time.time() - t + (mle_time if name == "mle" else 0.0)
        results[name] = {**evaluate_generator(g, splits, ecfg), "train_s": train_time, **extra}
        print(name, json.dumps({k: v for k, v in results[name].items() if k != "examples"}), flush=True)

    reliability = evaluator_reliability(gen.tokenizer, splits, ecfg, corpus=args.corpus)
    write_report(args, argv, results, histories, reliability, curves)
    return 0


def run_system(name: str, mle: Seq2SeqGenerator, splits: Splits, cfg: DialogueConfig, ecfg: EvalConfig,
               eval_every: int):
    """Train one system from (a fork of) the MLE generator: the generator, its
    per-step rewards, extra numbers, and its AdverSuc curve (with ``eval_every``)."""
    if name == "mle":
        return mle, [], {}, None
    if name == "heuristic":
        g = mle.fork()
        dull = [g.tokenizer(d, add_special_tokens=False)["input_ids"] for d in DULL]
        rows = train_with_reward(g, HeuristicReward(g.pad_id, g.eos_id, dull=dull), cfg.rounds)
        return g, [r["reward"] for r in rows], {}, None
    if name not in ("adv", "adv+regs"):
        raise SystemExit(f"unknown system {name!r}")
    g = mle.fork(dataclasses.replace(cfg.generator, regs=name == "adv+regs"))
    evals = [EvaluationCallback(splits, ecfg, every=eval_every)] if eval_every else []
    trainer = adversarial_trainer(g, make_discriminator(g, cfg.discriminator), splits.train, cfg,
                                  callbacks=evals, log_every=1)
    pretrain_discriminator(trainer, cfg.d_pretrain_steps)
    log = trainer.train()
    d_acc = log.series("d/accuracy")[-20:]
    extra = {"d_accuracy_last20": sum(d_acc) / max(1, len(d_acc))}
    return g, log.series("g/reward"), extra, evals[0].series("adversuc") if evals else None


def write_report(args, argv, results, histories, reliability, curves=None) -> None:
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = "nice -n 10 .venv/bin/python benchmarks/dialogue_adversarial.py " + " ".join(argv or sys.argv[1:])
    header = "| system | AdverSuc | evaluator acc | distinct-1 | distinct-2 | BLEU | length | train s |"
    lines = [header, "|" + "---|" * 8]
    for name, r in results.items():
        lines.append(f"| {name} | {r['adversuc']:.3f} | {r['evaluator_accuracy']:.3f} | {r['distinct1']:.3f} | "
                     f"{r['distinct2']:.3f} | {r['bleu']:.2f} | {r['length']:.2f} | {r['train_s']:.0f} |")
    table = "\n".join(lines)
    print(table)
    png = out.with_suffix(".png")
    try:
        if not results:
            raise RuntimeError("no systems run")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
        names = list(results)
        axes[0].bar(names, [results[n]["adversuc"] for n in names], label="AdverSuc")
        axes[0].plot(names, [results[n]["distinct2"] for n in names], "ko-", label="distinct-2")
        axes[0].set_title("held-out AdverSuc / distinct-2")
        axes[0].legend()
        for n, h in histories.items():
            axes[1].plot(h, label=n)
        axes[1].set_title("generator reward per step")
        axes[1].set_xlabel("round")
        axes[1].legend()
        fig.tight_layout()
        fig.savefig(png, dpi=100)
        plt.close(fig)
    except Exception as exc:  # plotting must not lose the numbers
        print(f"plot skipped: {exc}")
    examples = "\n".join(f"- **{n}**: " + " / ".join(f"`{e}`" for e in r["examples"][:3]) for n, r in results.items())
    rel = ", ".join(f"{k}: {v:.3f}" for k, v in reliability.items())
    during = "".join(f"\n\nAdverSuc during training ({n}): " + ", ".join(f"round {r}: {v:.3f}" for r, v in zip(*c))
                     for n, c in (curves or {}).items())
    mle, adv = results.get("mle"), results.get("adv")
    verdict = ""
    if mle and adv:
        ratio = adv["adversuc"] / max(mle["adversuc"], 1e-9)
        verdict = (f"Adversarial / MLE AdverSuc ratio: {ratio:.2f} (target ≥ 2); distinct-2 {adv['distinct2']:.3f} "
                   f"vs MLE {mle['distinct2']:.3f} (target ≥ MLE).")
    out.write_text(
        f"# Adversarial dialogue benchmark\n\nCommand:\n\n```\n{cmd}\n```\n\n"
        f"Corpus `{args.corpus}`, MLE epochs {args.mle_epochs}, rounds/steps {args.rounds}, D pretraining "
        f"{args.d_pretrain}, D:G steps {args.d_steps}:1, D lr {args.d_lr}, G lr {args.adv_lr}, REGS rollouts {args.rollouts}, {args.eval_seeds} evaluator seeds x {args.eval_epochs} epochs, seed {args.seed}. "
        f"Replies are sampled (temperature 1) for held-out test contexts "
        f"(contexts unseen in training). `train s`: wall-clock seconds of training beyond the shared MLE "
        f"pre-training (mle row: the pre-training itself).\n\n{table}\n\n"
        f"Evaluator reliability (held-out balanced accuracy, dev-trained): {rel}{during}\n\n{verdict}\n\n"
        f"Examples (test context -> reply):\n\n{examples}\n\n![plot]({png.name})\n",
        encoding="utf-8",
    )
    (out.with_suffix(".json")).write_text(json.dumps({"results": results, "reliability": reliability, "curves": curves or {}}, indent=2))


if __name__ == "__main__":
    sys.exit(main())
