"""Dialogue on DailyDialog: the MLE generator, the evaluators that judge it, and
adversarial training against MLE and a hand-designed reward (issue 11).

Stages over run directories under ``benchmarks/cache`` (each resumes, or skips what is done):

    nice -n 5 .venv/bin/python -m benchmarks.dialogue_dailydialog mle            # ~16 min an epoch, 2 threads
    nice -n 5 .venv/bin/python -m benchmarks.dialogue_dailydialog adv --seed 0   # ~45 min a seed, 1 thread
    nice -n 5 .venv/bin/python -m benchmarks.dialogue_dailydialog adv --seed 0 --baseline value
    nice -n 5 .venv/bin/python -m benchmarks.dialogue_dailydialog heuristic --seed 0
    nice -n 5 .venv/bin/python -m benchmarks.dialogue_dailydialog report         # perplexity, evaluators
    nice -n 5 .venv/bin/python -m benchmarks.dialogue_dailydialog compare        # AdverSuc of every system
    nice -n 5 .venv/bin/python -m benchmarks.dialogue_dailydialog all            # all of them in order
    nice -n 5 .venv/bin/python -m benchmarks.dialogue_dailydialog all --jobs 2   # after MLE, 2 stages at once

``report`` and ``compare`` write ``benchmarks/results/dialogue.md`` + ``dialogue.json``
(``headline``) + ``dialogue_mle_curve.png``. Per-word perplexity: summed token NLL of each
test reply (sub-words and [EOS]) over its words plus one end symbol
(``advrl.dialogue.perplexity``), the n-gram baselines over the same words. Evaluators
(held-out balanced accuracy on the test split): trained on dev human replies vs dev
negatives, scored on test human vs test negatives. AdverSuc: ``benchmarks.dialogue_compare``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
CORPUS = f"dailydialog:{ROOT.parent / 'shared' / 'data' / 'dialogue' / 'dailydialog'}"
# the MLE recipe (advrl dialogue pretrain flags); its budget is --mle-epochs
MLE_FLAGS = ["--vocab-size", "8000", "--d-model", "256", "--layers", "3", "--heads", "4", "--ffn-dim", "1024",
             "--context-len", "64", "--reply-len", "40", "--batch-size", "64", "--lr", "1e-3",
             "--warmup-steps", "1000", "--mle-epochs", "3", "--threads", "2"]
# no --bf16: on a CPU without AVX512 (this machine since session 9: AVX2) bfloat16 is emulated, ~40x slower
# adversarial REINFORCE from the MLE model (advrl dialogue train flags); the heuristic system shares
# the batch, learning rate, teacher forcing and number of steps
# (session 9 screen, results/dialogue_screen.md: reward logit and temperature 0.7, with D's linear probe, gave greedy
# AdverSuc 1.70x MLE on one seed where session 5's reward d at temperature 1 without the probe gave 1.14x; adding
# --greedy-fakes 0.5 — half of D's fakes greedy replies — gave 2.03x on one seed: the recipe since session 10)
ADV_ROUNDS, ADV_BATCH, ADV_TEMPERATURE = 300, 32, 0.7
ADV_SEEDS = (0, 1, 2)  # the ``all`` stage's adversarial seeds (the heuristic system: seed 0)
ADV_FLAGS = ["--context-len", "64", "--reply-len", "40", "--batch-size", str(ADV_BATCH), "--discriminator", "seq2seq",
             "--d-lr", "1e-4", "--rounds", str(ADV_ROUNDS), "--d-pretrain", "80", "--reward", "logit",
             "--temperature", str(ADV_TEMPERATURE), "--greedy-fakes", "0.5"]
HEURISTIC_TARGET_LEN = 12  # tokens; DailyDialog's human test replies average 13.7 words
DULL = ["i don't know.", "i don't know", "yes.", "no.", "ok.", "i'm not sure.", "i ' m not sure.", "thank you."]
FIXED_CONTEXTS = 20  # test contexts shown with their replies: every len(test)//20-th pair
HEADLINE_DECODE = "greedy"  # the decoding of the headline's evaluator and AdverSuc figures (Li et al.'s MLE-greedy)


def mle(args: argparse.Namespace) -> int:
    """Run (or continue) ``advrl dialogue pretrain`` on the run directory."""
    from advrl.cli import main as cli

    run = Path(args.run)
    flags = ["dialogue", "pretrain", "--out", str(run), "--corpus", args.corpus, *MLE_FLAGS, *args.extra]
    if (run / "mle.pt").exists():
        flags.append("--resume")
    return cli(flags)


def adversarial(args: argparse.Namespace) -> int:
    """Run (or continue) ``advrl dialogue train`` from the MLE model, one seed
    (``--baseline value``: the learned per-context baseline instead of the running
    mean, in ``dd_advvalue_s<seed>``)."""
    from advrl.cli import main as cli

    value = args.baseline == "value"
    out = Path(args.cache) / f"dd_{'advvalue' if value else 'adv'}_s{args.seed}"
    flags = ["dialogue", "train", "--out", str(out), "--model", str(Path(args.run) / "mle"), "--corpus", args.corpus,
             *ADV_FLAGS, *(["--baseline", "value"] if value else []), "--seed", str(args.seed),
             "--threads", str(args.threads), *args.extra]
    if (out / "model" / "config.json").is_file():
        print(f"{out / 'model'} exists: seed {args.seed} is done")
        return 0
    if (out / "train.pt").exists():
        flags.append("--resume")
    return cli(flags)


def heuristic(args: argparse.Namespace) -> int:
    """REINFORCE from the MLE model on the hand-designed reward (same settings and
    steps as the adversarial runs, no discriminator); saved to ``dd_heur_s<seed>/model``."""
    from advrl.core import seed_everything
    from advrl.dialogue import HeuristicReward, load_generator, save_generator, train_with_reward
    from advrl.dialogue.checkpoint import saved_generator_config

    torch.set_num_threads(args.threads)
    out = Path(args.cache) / f"dd_heur_s{args.seed}"
    if (out / "model" / "config.json").is_file():
        print(f"{out / 'model'} exists: seed {args.seed} is done")
        return 0
    mle_dir = Path(args.run) / "mle"
    splits = load_splits(args)
    cfg = dataclasses.replace(saved_generator_config(mle_dir), batch_size=ADV_BATCH, temperature=ADV_TEMPERATURE)
    seed_everything(args.seed)
    gen = load_generator(mle_dir, pairs=splits.train, config=cfg)
    dull = [gen.tokenizer(d, add_special_tokens=False)["input_ids"] for d in DULL]
    rows = train_with_reward(gen, HeuristicReward(gen.pad_id, gen.eos_id, target_len=HEURISTIC_TARGET_LEN, dull=dull),
                             args.steps)
    save_generator(gen, out / "model", stage="heuristic", corpus=args.corpus, rounds=args.steps,
                   reward_first_last=[rows[0]["reward"], rows[-1]["reward"]])
    print(f"heuristic reward {rows[0]['reward']:.3f} -> {rows[-1]['reward']:.3f}; saved {out / 'model'}")
    return 0


def systems(args: argparse.Namespace) -> dict[str, Path]:
    """The saved systems: MLE, each adversarial (running-mean and value baseline)
    and heuristic seed that finished."""
    cache, found = Path(args.cache), {"mle": Path(args.run) / "mle"}
    for kind, label in (("adv", "adversarial"), ("advvalue", "adversarial with value baseline"),
                        ("heur", "heuristic")):
        for d in sorted(cache.glob(f"dd_{kind}_s*")):
            if (d / "model" / "config.json").is_file():
                found[f"{label} (seed {d.name.rsplit('_s', 1)[1]})"] = d / "model"
    return found


def compare_stage(args: argparse.Namespace) -> int:
    """AdverSuc etc. of every saved system (benchmarks.dialogue_compare), merged
    into dialogue.json / dialogue.md."""
    from benchmarks import dialogue_compare as C

    torch.set_num_threads(args.threads)
    splits = load_splits(args)
    found = systems(args)
    print("systems:", ", ".join(found), flush=True)
    result = load_result(Path(args.results))
    only = [n.strip() for n in args.systems.split(",")] if args.systems else None
    unknown = [n for n in only or [] if n not in found]
    if unknown:
        raise SystemExit(f"--systems: no saved system named {', '.join(map(repr, unknown))} "
                         f"(saved: {', '.join(found)})")
    cmp = C.compare(found, found["mle"], splits, args.decodes.split(","), args.dev_pairs, args.test_pairs,
                    args.eval_epochs, only=only)
    if cmp is None:
        print(f"measured {', '.join(only or [])}; run compare without --systems to write the report")
        return 0
    cmp["headline_decode"] = args.decodes.split(",")[0]
    result["comparison"] = cmp
    if args.note:
        result["note"] = args.note
    result["headline"].update(C.headline(cmp, cmp["headline_decode"]))
    result.setdefault("commands", {})["compare"] = command_line(sys.argv[1:])
    write(result, results=Path(args.results))
    return 0


def command_line(argv: list[str]) -> str:
    """The stage's arguments as a user would type them: no ``--note`` text, paths
    relative to the repository (and ``../shared``)."""
    out, skip = [], False
    for a in argv:
        if skip or a == "--note":
            skip = not skip
            continue
        out.append(a.replace(f"{ROOT}/", "").replace(str(ROOT.parent / "shared"), "../shared"))
    return " ".join(out)


def load_splits(args: argparse.Namespace):
    """The corpus's official split (``--limit``: its first pairs only, for a smoke run)."""
    from advrl.dialogue import load_corpus

    splits = load_corpus(args.corpus)
    if args.limit:
        splits = type(splits)(splits.train[: args.limit * 10], splits.dev[: args.limit], splits.test[: args.limit])
    return splits


def load_result(results: Path) -> dict:
    js = results / "dialogue.json"
    if not js.is_file():
        raise SystemExit(f"{js}: run the report stage first")
    return json.loads(js.read_text(encoding="utf-8"))


def fixed_examples(gen, test: list[tuple[str, str]]) -> list[dict[str, str]]:
    """Replies (greedy, beam 4, nucleus 0.9 sample) to 20 evenly spaced test contexts."""
    step = max(1, len(test) // FIXED_CONTEXTS)
    chosen = test[::step][:FIXED_CONTEXTS]
    contexts = [c for c, _ in chosen]
    greedy, beam = gen.respond(contexts, decode="greedy"), gen.respond(contexts, decode="beam")
    with gen.configured(top_p=0.9):
        torch.manual_seed(0)
        sampled = gen.respond(contexts, decode="sample")
    return [{"context": c, "human": h, "greedy": g, "beam": b, "top_p_0.9": s}
            for (c, h), g, b, s in zip(chosen, greedy, beam, sampled)]


def reliability(gen, splits, epochs: int, dev_pairs: int) -> dict[str, dict[str, float]]:
    """Held-out accuracy of the seq2seq evaluator recipe (probe on a copy of the
    MLE model + ``epochs`` of fine-tuning) trained on the first ``dev_pairs`` dev
    pairs vs negatives and scored on the whole test split: human vs the MLE
    model's sampled (temperature 1) and greedy replies, and vs human replies to
    other contexts."""
    from advrl.dialogue import metrics as M
    from benchmarks.dialogue_compare import system_replies

    dev = splits.dev[:dev_pairs]
    negatives = {f"mle_{d}": (list(zip([c for c, _ in dev], system_replies(gen, [c for c, _ in dev], d))),
                              list(zip([c for c, _ in splits.test], system_replies(gen, [c for c, _ in splits.test],
                                                                                   d, seed=4321))))
                 for d in ("sample", "greedy")}
    negatives["random"] = (M.random_replies(dev, 0), M.random_replies(splits.test, 100))
    out: dict[str, float] = {}
    for neg, (train_neg, test_neg) in negatives.items():
        t = time.time()
        ev = M.train_evaluator(gen.tokenizer, dev, train_neg, init=gen, epochs=epochs, batch_size=32)
        out[f"human_vs_{neg}"] = M.evaluator_accuracy(ev, gen.tokenizer, splits.test, test_neg)
        print(f"evaluator human vs {neg}: {out[f'human_vs_{neg}']:.3f} ({time.time() - t:.0f} s)", flush=True)
    return {"seq2seq": out}


def report(args: argparse.Namespace) -> int:
    from advrl.dialogue import load_generator
    from advrl.dialogue.metrics import distinct_n, mean_length
    from advrl.dialogue.perplexity import generator_perplexity, ngram_perplexities

    torch.set_num_threads(args.threads)
    run = Path(args.run)
    splits = load_splits(args)
    gen = load_generator(run / "mle")
    info = json.loads((run / "mle" / "advrl.json").read_text())
    t = time.time()
    ppl = generator_perplexity(gen, splits.test)
    ngram = ngram_perplexities(splits.train, splits.dev, splits.test)
    print(f"test perplexity {ppl} n-gram {ngram} ({time.time() - t:.0f} s)", flush=True)
    examples = fixed_examples(gen, splits.test)
    evaluators = {} if args.skip_evaluators else reliability(gen, splits, args.eval_epochs, args.eval_dev_pairs)
    torch.manual_seed(7)
    sampled = gen.respond([c for c, _ in splits.test[:2000]])
    greedy = gen.respond([c for c, _ in splits.test[:2000]], decode="greedy")
    diversity = {"sample": {"distinct1": distinct_n(sampled, 1), "distinct2": distinct_n(sampled, 2),
                            "length": mean_length(sampled)},
                 "greedy": {"distinct1": distinct_n(greedy, 1), "distinct2": distinct_n(greedy, 2),
                            "length": mean_length(greedy)},
                 "human": {"distinct1": distinct_n([r for _, r in splits.test[:2000]], 1),
                           "distinct2": distinct_n([r for _, r in splits.test[:2000]], 2),
                           "length": mean_length([r for _, r in splits.test[:2000]])}}
    headline = {"perplexity_per_word_mle": ppl["ppl_word"]}
    if evaluators:
        headline.update(evaluator_acc_human_vs_mle=evaluators["seq2seq"][f"human_vs_mle_{HEADLINE_DECODE}"],
                        evaluator_acc_human_vs_random=evaluators["seq2seq"]["human_vs_random"])
    result = {
        "headline": headline,
        "perplexity": {"mle": ppl, **ngram}, "dev_curve": info.get("dev_curve", []), "evaluators": evaluators,
        "diversity": diversity, "examples": examples, "corpus": args.corpus, "mle_flags": MLE_FLAGS,
        "eval_epochs": args.eval_epochs, "eval_dev_pairs": args.eval_dev_pairs, "note": args.note,
        "commands": {"report": command_line(sys.argv[1:])},
    }
    previous = Path(args.results) / "dialogue.json"
    if previous.is_file():  # a comparison run earlier stays (with its headline figures)
        old = json.loads(previous.read_text(encoding="utf-8"))
        if "comparison" in old:
            result["comparison"] = old["comparison"]
            result["commands"]["compare"] = old.get("commands", {}).get("compare", "compare")
            result["headline"].update({k: v for k, v in old["headline"].items() if k not in headline})
    write(result, results=Path(args.results))
    return 0


def plot_curve(curve: list[dict], png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot([c["epoch"] for c in curve], [c["dev_ppl_word"] for c in curve], "o-", label="own context")
    if all("dev_ppl_word_other_context" in c for c in curve):
        ax.plot([c["epoch"] for c in curve], [c["dev_ppl_word_other_context"] for c in curve], "s--",
                label="beside another context")
    ax.legend()
    ax.set_xlabel("MLE epoch")
    ax.set_ylabel("dev per-word perplexity (1,000 pairs)")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)


def comparison_section(result: dict) -> str:
    """The adversarial comparison (part 4) in markdown; empty before it ran."""
    from benchmarks import dialogue_compare as C

    cmp = result.get("comparison")
    if not cmp:
        return "## Adversarial training\n\nNot run yet (`compare` stage).\n"
    hl = {k: result["headline"].get(k, float("nan")) for k in ("adversuc_ratio", "distinct2_gain", "perplexity_ratio")}
    examples = "\n".join(f"- **{r['system']}** [{r['decode']}]: " + " / ".join(f"`{e}`" for e in r["examples"][:3])
                         for r in cmp["rows"])
    flags = " ".join(ADV_FLAGS)
    return f"""## Adversarial training (Li et al. 2017) vs MLE and a hand-designed reward

Systems, all from the MLE model above: **adversarial** — `advrl dialogue train {flags}` (REINFORCE on
the discriminator's logit of P(human) for replies sampled at temperature {ADV_TEMPERATURE}, with a running-mean
baseline, one teacher-forcing step after each, the discriminator a copy of the MLE model whose output layer starts
as a linear probe, half of its fakes the generator's greedy replies (`--greedy-fakes 0.5`); sequence-level rewards: REGS's per-token Monte-Carlo rollouts
cost ~40x per step at 40-token replies and were not run), one run per seed; **adversarial with value baseline** — the
same with a learned per-context baseline (`--baseline value`: a value head on the generator's encoder, regressed
on the rewards) instead of the running mean; **heuristic** — the same
REINFORCE settings (temperature {ADV_TEMPERATURE}) and {ADV_ROUNDS} steps on a hand-designed reward (length up to {HEURISTIC_TARGET_LEN}
tokens × distinct-token share, −0.5 for dull replies; Li et al. 2016's spirit), no discriminator.

AdverSuc: for each system and decoding an evaluator (the seq2seq recipe on the MLE model: linear probe
+ {cmp['eval_epochs']} fine-tuning epochs) is trained on the first {cmp['dev_pairs']:,} dev human replies vs
the system's replies to the same contexts, then the share of the system's replies to the first
{cmp['test_pairs']:,} test contexts it calls human. Intervals: 95% percentile bootstrap over test
contexts (paired for the ratio); seeds are pooled per context. Test perplexity: the whole test split.
Headline decoding: **{cmp['headline_decode']}** (Li et al. compare greedy/beam-decoded MLE with adversarial models).

{C.table(cmp)}

Each run alone ({cmp['headline_decode']}, AdverSuc and ÷ MLE): {C.per_seed(cmp, cmp['headline_decode'])}.

Headline: AdverSuc ratio {hl['adversuc_ratio']:.2f} (goal ≥ 2), distinct-2 gain {hl['distinct2_gain']:+.3f}
(goal ≥ 0), perplexity ratio {hl['perplexity_ratio']:.3f} (goal ≤ 1.10).

Examples (test context -> reply):

{examples}
"""


def write(result: dict, results: Path = RESULTS) -> None:
    results.mkdir(parents=True, exist_ok=True)
    md, js, png = results / "dialogue.md", results / "dialogue.json", results / "dialogue_mle_curve.png"
    if result["dev_curve"]:
        plot_curve(result["dev_curve"], png)
    p = result["perplexity"]
    ev = result["evaluators"]
    rows = "\n".join(f"| {name} | {v['human_vs_mle_greedy']:.3f} | {v['human_vs_mle_sample']:.3f} | "
                     f"{v['human_vs_random']:.3f} |" for name, v in ev.items()) or "| (not run) | | | |"
    div = "\n".join(f"| {k} | {v['distinct1']:.3f} | {v['distinct2']:.3f} | {v['length']:.1f} |"
                    for k, v in result["diversity"].items())
    curve_rows = "| epoch | dev (own context) | dev (other context) |\n|---|---|---|\n" + "\n".join(
        f"| {c['epoch']} | {c['dev_ppl_word']:.1f} | {c.get('dev_ppl_word_other_context', float('nan')):.1f} |"
        for c in result["dev_curve"])
    cell = lambda text: text.replace("|", "\\|")  # a context's turns are joined by " | "
    ex = "\n".join("| " + " | ".join(cell(e[k]) for k in ("context", "human", "greedy", "beam", "top_p_0.9")) + " |"
                   for e in result["examples"])
    commands = "\n".join(f"nice -n 5 .venv/bin/python -m benchmarks.dialogue_dailydialog {c}"
                         for c in ["mle", *[f"adv --seed {s}" for s in ADV_SEEDS], "adv --seed 0 --baseline value",
                                   "heuristic --seed 0",
                                   result.get("commands", {}).get("report", "report"),
                                   result.get("commands", {}).get("compare", "compare")])
    text = f"""# Dialogue on DailyDialog

Commands (run directories under `benchmarks/cache/`: `dd_mle`, `dd_adv_s<seed>`, `dd_heur_s<seed>`; each
stage resumes or skips what is done; `python benchmarks/dialogue_adversarial.py --corpus dailydialog:DIR`
runs them all in order):

```
{commands}
```

MLE recipe (`advrl dialogue pretrain` flags): `{' '.join(result['mle_flags'])}` — BART built from a
config, WordPiece vocabulary learnt on the train split, contexts = the last 2 turns (last 64 tokens
kept), warm-up then linear decay, label smoothing 0.1, length-bucketed batches, the encoder's layers at
0.1× the learning rate (the library default: at the full rate the encoder's output became the same vector
for every context within the first epoch — dev perplexity 61.6 after one epoch but identical beside any
other context — and the model never read its context; tests/dialogue/test_dialogue_mle.py shows it on
chatterbot). Corpus: the official split (train 76,053 / dev 7,069 / test 6,740 pairs).

## Test perplexity (per word, {p['mle']['pairs']:,} test replies, {p['mle']['words']:,} words incl. one end symbol each)

| model | per-word perplexity |
|---|---|
| MLE seq2seq | {p['mle']['ppl_word']:.1f} (per token {p['mle']['ppl_token']:.1f}; {100 * p['mle']['cut_share']:.2f}% of replies cut at 128 tokens) |
| bigram (interpolated, weight {p['bigram_weight']:.1f} tuned on dev) | {p['bigram']:.1f} |
| unigram (add-one) | {p['unigram']:.1f} |

Goal: ≤ 40 (published seq2seq baselines on DailyDialog: roughly 30–45).

Dev per-word perplexity after each epoch (1,000 dev pairs), and the same replies scored beside other
contexts: the gap is how much the model reads its context.

{curve_rows}

![dev perplexity by epoch](dialogue_mle_curve.png)

## Evaluators (held-out balanced accuracy on the whole test split)

Trained on the first {result.get('eval_dev_pairs', 0):,} dev human replies vs negatives for the same dev
contexts, scored on test human replies vs test negatives. `seq2seq`: a copy of the MLE model read as a
classifier (`Seq2SeqDiscriminator`: decoder states and the copy's log-probability of the reply with and
without its context), its output layer fitted as a logistic regression on the frozen copy's features,
then {result['eval_epochs']} epoch(s) of fine-tuning. Goals: human vs MLE replies ≥ 0.80, human vs
random-context replies ≥ 0.75; the headline's MLE figure is the {HEADLINE_DECODE} one.

| evaluator | human vs MLE greedy | human vs MLE samples (temperature 1) | human vs random-context replies |
|---|---|---|---|
{rows}

{comparison_section(result)}
## Diversity of the MLE model (first 2,000 test contexts)

| replies | distinct-1 | distinct-2 | mean length |
|---|---|---|---|
{div}

## 20 fixed test contexts (MLE model)

| context | human | greedy | beam 4 | top-p 0.9 |
|---|---|---|---|---|
{ex}
""" + (f"\n## Notes\n\n{result['note']}\n" if result.get("note") else "")
    md.write_text(text, encoding="utf-8")
    js.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"wrote {md}")


def everything(args: argparse.Namespace) -> int:
    """All stages in order, each resuming or skipping what is done (``ADV_SEEDS``); with
    ``--jobs N`` > 1 the stages after MLE run as N one-thread processes at once
    (:func:`everything_parallel`)."""
    if not (Path(args.run) / "mle" / "config.json").is_file() and mle(args):
        return 1
    if args.jobs > 1:
        return everything_parallel(args)
    for seed in ADV_SEEDS:
        args.seed = seed
        if adversarial(args):
            return 1
    args.seed, args.baseline = 0, "value"
    if adversarial(args):
        return 1
    if heuristic(args):
        return 1
    return report(args) or compare_stage(args)


def _stage_argv(args: argparse.Namespace, stage: str, *more: str) -> list[str]:
    """This script's command line for one stage, on one thread, with this run's paths."""
    smoke = [*(["--limit", str(args.limit)] if args.limit else []),
             *(["--skip-evaluators"] if args.skip_evaluators and stage == "report" else [])]
    return [sys.executable, "-m", "benchmarks.dialogue_dailydialog", stage, "--run", str(args.run), "--cache",
            str(args.cache), "--corpus", args.corpus, "--results", str(args.results), "--threads", "1", *smoke, *more]


def everything_parallel(args: argparse.Namespace) -> int:
    """After MLE: the adversarial seeds, the value-baseline run, the heuristic run and the
    report stage as ``--jobs`` one-thread processes at once; then each system's AdverSuc
    (``compare --systems NAME``, cached per system) the same way; then the final ``compare``
    here, which finds every figure cached and writes the report. Logs: ``<cache>/logs``."""
    from benchmarks.stage_pool import run_pool

    logs = Path(args.cache) / "logs"
    report_flags = ["--eval-epochs", str(args.eval_epochs), "--eval-dev-pairs", str(args.eval_dev_pairs)]
    if args.note:
        report_flags += ["--note", args.note]
    training = {f"adv --seed {s}": _stage_argv(args, "adv", "--seed", str(s), *args.extra) for s in ADV_SEEDS}
    training["adv --seed 0 --baseline value"] = _stage_argv(args, "adv", "--seed", "0", "--baseline", "value",
                                                            *args.extra)
    training["heuristic --seed 0"] = _stage_argv(args, "heuristic", "--seed", "0", "--steps", str(args.steps))
    training["report"] = _stage_argv(args, "report", *report_flags)

    def pool(commands: dict[str, list[str]]) -> bool:
        failed = run_pool(commands, args.jobs, logs, cwd=ROOT)
        if failed:
            print(f"failed: {', '.join(failed)} (logs in {logs}); run `all --jobs {args.jobs}` again to continue")
        return not failed

    if not pool(training):
        return 1
    cmp_flags = ["--decodes", args.decodes, "--dev-pairs", str(args.dev_pairs), "--test-pairs", str(args.test_pairs),
                 "--eval-epochs", str(args.eval_epochs)]
    measuring = {f"compare {name}": _stage_argv(args, "compare", *cmp_flags, "--systems", name)
                 for name in systems(args)}
    if not pool(measuring):
        return 1
    args.systems = ""
    return compare_stage(args)


STAGES = {"mle": mle, "adv": adversarial, "heuristic": heuristic, "report": report, "compare": compare_stage,
          "all": everything}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stage", choices=list(STAGES))
    ap.add_argument("--run", default=str(ROOT / "benchmarks" / "cache" / "dd_mle"), help="the MLE run directory")
    ap.add_argument("--cache", default=str(ROOT / "benchmarks" / "cache"),
                    help="where dd_adv_s<seed> and dd_heur_s<seed> go")
    ap.add_argument("--corpus", default=CORPUS)
    ap.add_argument("--seed", type=int, default=0, help="adv / heuristic: the run's seed")
    ap.add_argument("--baseline", choices=["mean", "value"], default="mean",
                    help="adv: REINFORCE's baseline (value: the learned per-context value head, dd_advvalue_s<seed>)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=1, help="all: after MLE, run this many stages at once (one thread "
                                                         "each; logs under <cache>/logs)")
    ap.add_argument("--steps", type=int, default=ADV_ROUNDS, help="heuristic: REINFORCE steps")
    ap.add_argument("--eval-epochs", type=int, default=0, help="evaluator fine-tuning epochs after the probe")
    ap.add_argument("--eval-dev-pairs", type=int, default=4000, help="report: dev pairs the evaluators train on")
    ap.add_argument("--decodes", default="greedy,sample", help="compare: decodings (the first is the headline's)")
    ap.add_argument("--dev-pairs", type=int, default=3000, help="compare: dev pairs each evaluator trains on")
    ap.add_argument("--test-pairs", type=int, default=3000, help="compare: test contexts AdverSuc is measured on")
    ap.add_argument("--systems", default="", help="compare: measure only these (comma-separated names, e.g. "
                                                  "'mle,adversarial (seed 0)') and stop")
    ap.add_argument("--note", default="", help="a paragraph appended to the report (e.g. how the run went)")
    ap.add_argument("--skip-evaluators", action="store_true", help="perplexity, examples and diversity only")
    ap.add_argument("--limit", type=int, default=0, help="report on the first N dev/test pairs only (smoke)")
    ap.add_argument("--results", default=str(RESULTS), help="where dialogue.md/.json/PNG go")
    args, extra = ap.parse_known_args(argv)
    args.extra = extra
    return STAGES[args.stage](args)


if __name__ == "__main__":
    sys.exit(main())
