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
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from advrl.dialogue import metrics as M  # noqa: E402
from advrl.dialogue.corpora import load_corpus  # noqa: E402
from advrl.dialogue.heuristic import HeuristicReward  # noqa: E402
from advrl.dialogue.training import (  # noqa: E402
    DialogueConfig, adversarial_trainer, build_generator, make_discriminator, pretrain_discriminator, pretrain_mle,
    train_with_reward,
)

DULL = ["i don't know.", "i don't know", "yes.", "no.", "ok.", "i'm not sure."]


def evaluate(gen, splits, seeds: list[int], epochs: int = 15) -> dict[str, float]:
    torch.manual_seed(1234)
    dev_ctx = [c for c, _ in splits.dev]
    test_ctx = [c for c, _ in splits.test]
    dev_fake = list(zip(dev_ctx, gen.respond(dev_ctx)))
    test_replies = gen.respond(test_ctx)
    test_fake = list(zip(test_ctx, test_replies))
    sucs, accs = [], []
    for s in seeds:
        ev = M.train_evaluator(gen.tokenizer, splits.dev, dev_fake, seed=s, epochs=epochs)
        sucs.append(M.adver_suc(ev, gen.tokenizer, test_fake))
        accs.append(M.evaluator_accuracy(ev, gen.tokenizer, splits.test, test_fake))
    refs = [r for _, r in splits.test]
    return {"adversuc": sum(sucs) / len(sucs), "eval_acc": sum(accs) / len(accs),
            "distinct1": M.distinct_n(test_replies, 1), "distinct2": M.distinct_n(test_replies, 2),
            "bleu": M.bleu(test_replies, refs), "length": M.mean_length(test_replies),
            "examples": [f"{c} -> {r}" for c, r in test_fake[:5]]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="chatterbot")
    ap.add_argument("--mle-epochs", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=150, help="adversarial rounds = heuristic REINFORCE steps")
    ap.add_argument("--d-pretrain", type=int, default=100)
    ap.add_argument("--rollouts", type=int, default=2)
    ap.add_argument("--d-steps", type=int, default=1, help="D updates per round (D:G ratio with g-steps 1)")
    ap.add_argument("--d-lr", type=float, default=1e-3)
    ap.add_argument("--adv-lr", type=float, default=1e-4)
    ap.add_argument("--eval-seeds", type=int, default=3)
    ap.add_argument("--eval-epochs", type=int, default=15, help="evaluator training epochs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--systems", default="mle,heuristic,adv,adv+regs",
                    help="comma-separated; 'none' only checks evaluator reliability")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "dialogue.md"))
    args = ap.parse_args(argv)
    torch.set_num_threads(1)

    splits = load_corpus(args.corpus, seed=args.seed)
    cfg = DialogueConfig(mle_epochs=args.mle_epochs, rounds=args.rounds, d_pretrain_steps=args.d_pretrain,
                         seed=args.seed, d_steps=args.d_steps, d_lr=args.d_lr)
    cfg.generator.rollouts = args.rollouts
    cfg.generator.adv_lr = args.adv_lr
    seeds = list(range(args.eval_seeds))
    t0 = time.time()
    gen = build_generator(splits.train, cfg)
    pretrain_mle(gen, cfg.mle_epochs)
    mle_time = time.time() - t0
    mle_state = copy.deepcopy(gen.model.state_dict())

    def fresh(regs: bool = False):
        g = copy.copy(gen)
        g.config = dataclasses.replace(cfg.generator, regs=regs)
        g.model = copy.deepcopy(gen.model)
        g.model.load_state_dict(mle_state)
        g.optimizer = torch.optim.Adam(g.model.parameters(), lr=cfg.generator.adv_lr)
        g.baseline, g.baseline_ready = torch.zeros(()), False
        return g

    results: dict[str, dict] = {}
    histories: dict[str, list[float]] = {}
    extra: dict[str, dict] = {}
    for name in [n for n in args.systems.split(",") if n and n != "none"]:
        torch.manual_seed(args.seed)
        t = time.time()
        if name == "mle":
            g = gen
        elif name == "heuristic":
            g = fresh()
            dull = [g.tokenizer(d, add_special_tokens=False)["input_ids"] for d in DULL]
            rows = train_with_reward(g, HeuristicReward(g.pad_id, g.eos_id, dull=dull), cfg.rounds)
            histories[name] = [r["reward"] for r in rows]
        elif name in ("adv", "adv+regs"):
            g = fresh(regs=name == "adv+regs")
            trainer = adversarial_trainer(g, make_discriminator(g), splits.train, cfg, log_every=1)
            pretrain_discriminator(trainer, cfg.d_pretrain_steps)
            log = trainer.train()
            histories[name] = log.series("g/reward")
            d_acc = log.series("d/accuracy")[-20:]
            extra[name] = {"d_accuracy_last20": sum(d_acc) / max(1, len(d_acc))}
        else:
            raise ValueError(f"unknown system {name!r}")
        train_time = time.time() - t + (mle_time if name == "mle" else 0.0)
        results[name] = {**evaluate(g, splits, seeds, args.eval_epochs), "train_s": train_time, **extra.get(name, {})}
        print(name, json.dumps({k: v for k, v in results[name].items() if k != "examples"}), flush=True)

    # evaluator reliability: human vs shuffled (another pair's) replies (same recipe as the AdverSuc evaluator)
    rel = [M.reliability(gen.tokenizer, splits.dev, M.random_replies(splits.dev, s), splits.test,
                         M.random_replies(splits.test, s + 100), seed=s, epochs=args.eval_epochs)
           for s in seeds]
    reliability = {"human_vs_shuffled_reply": sum(rel) / len(rel)}
    if args.corpus.startswith("opensubtitles:"):
        from advrl.dialogue.corpora import load_opensubtitles

        d = args.corpus.split(":", 1)[1]
        for kind in ("decoded", "random"):
            neg = load_opensubtitles(d, kind)
            reliability[f"human_vs_{kind}_file"] = M.reliability(gen.tokenizer, splits.dev, neg.dev, splits.test, neg.test,
                                                            epochs=args.eval_epochs)
    write_report(args, argv, results, histories, reliability)
    return 0


def write_report(args, argv, results, histories, reliability) -> None:
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = "nice -n 10 .venv/bin/python benchmarks/dialogue_adversarial.py " + " ".join(argv or sys.argv[1:])
    header = "| system | AdverSuc | evaluator acc | distinct-1 | distinct-2 | BLEU | length | train s |"
    lines = [header, "|" + "---|" * 8]
    for name, r in results.items():
        lines.append(f"| {name} | {r['adversuc']:.3f} | {r['eval_acc']:.3f} | {r['distinct1']:.3f} | "
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
        f"Evaluator reliability (held-out balanced accuracy, dev-trained): {rel}\n\n{verdict}\n\n"
        f"Examples (test context -> reply):\n\n{examples}\n\n![plot]({png.name})\n",
        encoding="utf-8",
    )
    (out.with_suffix(".json")).write_text(json.dumps({"results": results, "reliability": reliability}, indent=2))


if __name__ == "__main__":
    sys.exit(main())
