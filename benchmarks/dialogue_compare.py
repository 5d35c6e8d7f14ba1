"""AdverSuc and the rest of Li et al.'s comparison for saved dialogue models.

Each system (a saved generator directory) replies to the first dev and test
contexts with one decoding; an evaluator is trained on dev human replies vs
that system's dev replies (a :class:`~advrl.dialogue.discriminator.Seq2SeqDiscriminator`
over a copy of the MLE model every system started from: the linear probe on
its frozen features, plus ``epochs`` of fine-tuning) and scores the test
pairs. AdverSuc is the share of the system's test replies it calls human.
Confidence intervals: percentile bootstrap over test contexts (the same
resampled contexts for every system, so a ratio's interval is paired).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import torch

from advrl.core import atomic_path

BOOTSTRAP = 2000


def system_replies(gen, contexts: list[str], decode: str, seed: int = 1234) -> list[str]:
    """Replies to ``contexts`` (sampling seeded at temperature 1 and the full
    distribution whatever the system trained with, the caller's RNG restored)."""
    with gen.configured(temperature=1.0, top_p=1.0, top_k=0), torch.random.fork_rng():
        torch.manual_seed(seed)
        return gen.respond(contexts, decode=decode)


def judge(mle, name: str, gen, dev, test, decode: str, epochs: int = 0) -> dict[str, Any]:
    """One system under one decoding: its evaluator's verdicts on the test pairs
    (``called_human`` per test reply, for the bootstrap), AdverSuc, the
    evaluator's balanced accuracy, distinct-1/2, length and 5 examples."""
    from advrl.dialogue import metrics as M

    t = time.time()
    dev_fake = list(zip([c for c, _ in dev], system_replies(gen, [c for c, _ in dev], decode)))
    replies = system_replies(gen, [c for c, _ in test], decode, seed=4321)
    test_fake = list(zip([c for c, _ in test], replies))
    ev = M.train_evaluator(mle.tokenizer, dev, dev_fake, init=mle, epochs=epochs, batch_size=32)
    p_fake = M.human_probability(ev, mle.tokenizer, test_fake)
    p_human = M.human_probability(ev, mle.tokenizer, test)
    called = (p_fake > 0.5).float()
    out = {"system": name, "decode": decode, "adversuc": called.mean().item(),
           "evaluator_accuracy": 0.5 * ((p_human > 0.5).float().mean().item() + 1 - called.mean().item()),
           "distinct1": M.distinct_n(replies, 1), "distinct2": M.distinct_n(replies, 2),
           "length": M.mean_length(replies), "called_human": called.tolist(),
           "examples": [f"{c} -> {r}" for c, r in test_fake[:5]], "seconds": time.time() - t}
    print(f"{name} [{decode}]: AdverSuc {out['adversuc']:.3f}, evaluator acc {out['evaluator_accuracy']:.3f}, "
          f"distinct-2 {out['distinct2']:.3f} ({out['seconds']:.0f} s)", flush=True)
    return out


def bootstrap(called: dict[str, list[list[float]]], baseline: str = "mle", seed: int = 0
              ) -> dict[str, dict[str, float]]:
    """``{group: [verdicts of each seed]}`` → mean AdverSuc (mean over seeds) with
    a 95% interval, and the ratio to ``baseline``'s with a paired interval."""
    g = torch.Generator().manual_seed(seed)
    means = {k: torch.tensor(v).mean(0) for k, v in called.items()}  # per context, mean over seeds
    n = len(next(iter(means.values())))
    idx = torch.randint(0, n, (BOOTSTRAP, n), generator=g)
    boot = {k: m[idx].mean(1) for k, m in means.items()}
    out = {}
    for k, b in boot.items():
        row = {"adversuc": means[k].mean().item(), "ci_low": b.quantile(0.025).item(),
               "ci_high": b.quantile(0.975).item(), "seeds": len(called[k])}
        if baseline in boot and k != baseline:
            ratio = b / boot[baseline].clamp_min(1e-9)
            row.update(ratio=row["adversuc"] / max(means[baseline].mean().item(), 1e-9),
                       ratio_low=ratio.quantile(0.025).item(), ratio_high=ratio.quantile(0.975).item())
        out[k] = row
    return out


def group_of(name: str) -> str:
    """``adversarial (seed 1)`` → ``adversarial``."""
    return name.split(" (seed")[0]


def measure(mle, name: str, path: Path, splits, decodes: list[str], dev_pairs: int, test_pairs: int,
            epochs: int, cache: Path, gen=None) -> dict[str, Any]:
    """One system's test perplexity and :func:`judge` rows, kept in ``cache``
    (``cache``/``advrl-compare.json``, keyed by the settings, written after
    each figure) so that an interrupted comparison, or one split across
    processes, does each once;
    ``gen``: the system's generator when it is already loaded)."""
    from advrl.dialogue import load_generator
    from advrl.dialogue.perplexity import generator_perplexity

    key = f"{dev_pairs}/{test_pairs}/{epochs}/{len(splits.test)}"
    store = cache / "advrl-compare.json"
    done = json.loads(store.read_text(encoding="utf-8")) if store.is_file() else {}
    entry = done.setdefault(key, {"rows": {}})

    def save() -> None:
        with atomic_path(store) as tmp:
            tmp.write_text(json.dumps(done), encoding="utf-8")

    if "ppl" not in entry:
        gen = gen or load_generator(path)
        t = time.time()
        entry["ppl"] = generator_perplexity(gen, splits.test)["ppl_word"]
        print(f"{name}: test per-word perplexity {entry['ppl']:.2f} ({time.time() - t:.0f} s)", flush=True)
        save()
    for d in decodes:
        if d not in entry["rows"]:
            gen = gen or load_generator(path)
            entry["rows"][d] = judge(mle, name, gen, splits.dev[:dev_pairs], splits.test[:test_pairs], d, epochs)
            save()
    return {"ppl": entry["ppl"], "rows": [{**entry["rows"][d], "system": name} for d in decodes]}


def compare(systems: dict[str, Path], mle_path: Path, splits, decodes: list[str], dev_pairs: int, test_pairs: int,
            epochs: int = 0, only: list[str] | None = None) -> dict[str, Any] | None:
    """Every system under every decoding (:func:`measure`), test perplexity, and
    the bootstrap summary by system group, per decoding (``only``: measure
    these systems and stop, for a comparison split across processes)."""
    from advrl.dialogue import load_generator

    mle = load_generator(mle_path)
    rows, ppl = [], {}
    for name, path in systems.items():
        if only and name not in only:
            continue
        m = measure(mle, name, path, splits, decodes, dev_pairs, test_pairs, epochs, cache=path.parent,
                    gen=mle if path == mle_path else None)
        ppl[name] = m["ppl"]
        rows.extend(m["rows"])
    if only:
        return None
    summary = {}
    for d in decodes:
        called: dict[str, list[list[float]]] = {}
        for r in rows:
            if r["decode"] == d:
                called.setdefault(group_of(r["system"]), []).append(r["called_human"])
        summary[d] = bootstrap(called)
    return {"rows": rows, "perplexity": ppl, "summary": summary, "dev_pairs": min(dev_pairs, len(splits.dev)),
            "test_pairs": min(test_pairs, len(splits.test)),
            "eval_epochs": epochs, "decodes": decodes}


def mean_of(rows: list[dict], group: str, decode: str, key: str) -> float:
    vals = [r[key] for r in rows if group_of(r["system"]) == group and r["decode"] == decode]
    return sum(vals) / len(vals) if vals else float("nan")


def group_perplexity(ppl: dict[str, float], group: str) -> float:
    vals = [v for k, v in ppl.items() if group_of(k) == group]
    return sum(vals) / len(vals) if vals else float("nan")


def headline(result: dict[str, Any], decode: str, adversarial: str = "adversarial") -> dict[str, float]:
    """The issue's figures from one decoding: AdverSuc ratio, distinct-2 gain and
    perplexity ratio of the adversarial group (mean of seeds) over MLE."""
    s = result["summary"][decode]
    if adversarial not in s or "mle" not in s:
        return {}
    rows, ppl = result["rows"], result["perplexity"]
    return {"adversuc_ratio": s[adversarial]["ratio"],
            "distinct2_gain": mean_of(rows, adversarial, decode, "distinct2") - mean_of(rows, "mle", decode,
                                                                                        "distinct2"),
            "perplexity_ratio": group_perplexity(ppl, adversarial) / ppl["mle"]}


def per_seed(result: dict[str, Any], decode: str) -> str:
    """One line: each system run's own AdverSuc under ``decode`` and its ratio to MLE's
    (the table pools a group's seeds per context)."""
    rows = [r for r in result["rows"] if r["decode"] == decode]
    mle = next((r["adversuc"] for r in rows if r["system"] == "mle"), None)
    return "; ".join(f"{r['system']} {r['adversuc']:.3f}" + (f" ({r['adversuc'] / mle:.2f}×)" if mle else "")
                     for r in rows if r["system"] != "mle")


def table(result: dict[str, Any]) -> str:
    """Markdown: one row per system group and decoding."""
    lines = ["| decoding | system | seeds | AdverSuc [95% CI] | ÷ MLE [95% CI] | evaluator acc | distinct-1 | "
             "distinct-2 | length | test ppl (per word) |", "|" + "---|" * 10]
    rows, ppl = result["rows"], result["perplexity"]
    for d, groups in result["summary"].items():
        for g, s in groups.items():
            ratio = (f"{s['ratio']:.2f} [{s['ratio_low']:.2f}, {s['ratio_high']:.2f}]" if "ratio" in s else "1")
            lines.append(f"| {d} | {g} | {s['seeds']} | {s['adversuc']:.3f} [{s['ci_low']:.3f}, {s['ci_high']:.3f}] | "
                         f"{ratio} | {mean_of(rows, g, d, 'evaluator_accuracy'):.3f} | "
                         f"{mean_of(rows, g, d, 'distinct1'):.3f} | {mean_of(rows, g, d, 'distinct2'):.3f} | "
                         f"{mean_of(rows, g, d, 'length'):.1f} | {group_perplexity(ppl, g):.2f} |")
    return "\n".join(lines)
