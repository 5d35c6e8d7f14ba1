"""The dialogue evaluation suite, one recipe for the CLI, the benchmark and
training-time callbacks.

For a generator on held-out *test* contexts: AdverSuc (the share of its replies
that evaluators trained separately on dev human vs dev generated pairs call
human; mean over evaluator seeds), those evaluators' balanced test accuracy,
distinct-1/2, BLEU and mean length. For a corpus: evaluator reliability, the
held-out accuracy of the same evaluator recipe on human vs known negatives
(shuffled replies; OpenSubtitles' decoded and random files).
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

import torch
from transformers import PreTrainedTokenizerBase

from advrl.core import AdversarialTrainer, Callback, UserError
from advrl.dialogue import metrics as M
from advrl.dialogue.corpora import Splits, load_negatives
from advrl.dialogue.generator import DECODES, Seq2SeqGenerator
from advrl.dialogue.model import check_at_least


EVALUATORS = ("hierarchical", "seq2seq")


@dataclass(frozen=True)
class EvalConfig:
    """How replies are produced and judged."""

    decode: str = "sample"  # sample | greedy | beam
    seeds: int = 3  # evaluators trained (seeds 0..seeds-1); scores are their mean
    evaluator: str = "hierarchical"  # hierarchical (GRUs from scratch) | seq2seq (a fine-tuned copy of an MLE model)
    epochs: int | None = None  # evaluator training epochs (None: 15 hierarchical, 2 seq2seq; seq2seq 0: probe only)
    seed: int = 0  # seeds the sampling of the evaluated replies (the caller's RNG is left as it was)
    examples: int = 5  # (context -> reply) examples kept

    def __post_init__(self) -> None:
        if self.decode not in DECODES:
            raise UserError(f"decode {self.decode!r}: expected one of {', '.join(DECODES)}")
        if self.evaluator not in EVALUATORS:
            raise UserError(f"evaluator {self.evaluator!r}: expected one of {', '.join(EVALUATORS)}")
        check_at_least(self, 1, "seeds")
        check_at_least(self, 0 if self.evaluator == "seq2seq" else 1, "epochs")
        check_at_least(self, 0, "examples")


@contextmanager
def _seeded(seed: int, device: torch.device) -> Iterator[None]:
    """Seed torch inside the block only: evaluating mid-training leaves the run's RNG stream as it was."""
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        yield


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def evaluator_recipe(config: EvalConfig, init: Seq2SeqGenerator | None = None) -> dict[str, Any]:
    """Keyword arguments of :func:`~advrl.dialogue.metrics.train_evaluator` for
    ``config.evaluator`` (``seq2seq`` copies ``init``'s model)."""
    if config.evaluator == "seq2seq":
        if init is None:
            raise UserError("the seq2seq evaluator needs an MLE model to start from")
        return {"init": init, "epochs": 2 if config.epochs is None else config.epochs, "batch_size": 32}
    return {"epochs": config.epochs or 15}


def evaluate_generator(generator: Seq2SeqGenerator, splits: Splits, config: EvalConfig = EvalConfig(),
                       evaluator_init: Seq2SeqGenerator | None = None) -> dict[str, Any]:
    """AdverSuc, evaluator accuracy, distinct-1/2, BLEU, length and examples of
    ``generator``'s replies to the test contexts of ``splits``. A ``seq2seq``
    evaluator starts from ``evaluator_init`` (the MLE model every compared
    system started from), else from ``generator``."""
    dev_ctx, test_ctx = [c for c, _ in splits.dev], [c for c, _ in splits.test]
    if not dev_ctx or not test_ctx:
        raise UserError("corpus too small for dev/test splits (need at least 3 distinct contexts)")
    with _seeded(config.seed, generator.device):
        dev_fake = list(zip(dev_ctx, generator.respond(dev_ctx, decode=config.decode)))
        replies = generator.respond(test_ctx, decode=config.decode)
    test_fake = list(zip(test_ctx, replies))
    tok = generator.tokenizer
    recipe = evaluator_recipe(config, evaluator_init or generator)
    evaluators = [M.train_evaluator(tok, splits.dev, dev_fake, seed=s, **recipe) for s in range(config.seeds)]
    return {
        "adversuc": _mean([M.adver_suc(e, tok, test_fake) for e in evaluators]),
        "evaluator_accuracy": _mean([M.evaluator_accuracy(e, tok, splits.test, test_fake) for e in evaluators]),
        "distinct1": M.distinct_n(replies, 1), "distinct2": M.distinct_n(replies, 2),
        "bleu": M.bleu(replies, [r for _, r in splits.test]), "length": M.mean_length(replies),
        "examples": [f"{c} -> {r}" for c, r in test_fake[:config.examples]],
    }


def evaluator_reliability(tokenizer: PreTrainedTokenizerBase, splits: Splits, config: EvalConfig = EvalConfig(),
                          corpus: str | None = None, init: Seq2SeqGenerator | None = None) -> dict[str, float]:
    """Held-out accuracy of the evaluator recipe (a ``seq2seq`` one copies
    ``init``) on human vs replies to other contexts (mean over ``config.seeds``)
    and, when the ``corpus`` spec has them, vs its known negative files
    (``human_vs_<kind>_file``)."""
    recipe = evaluator_recipe(config, init)
    shuffled = [M.reliability(tokenizer, splits.dev, M.random_replies(splits.dev, s), splits.test,
                              M.random_replies(splits.test, s + 100), seed=s, **recipe)
                for s in range(config.seeds)]
    out = {"human_vs_shuffled_reply": _mean(shuffled)}
    for kind, neg in (load_negatives(corpus) if corpus else {}).items():
        out[f"human_vs_{kind}_file"] = M.reliability(tokenizer, splits.dev, neg.dev, splits.test, neg.test,
                                                     **recipe)
    return out


def evaluate(generator: Seq2SeqGenerator, splits: Splits, config: EvalConfig = EvalConfig(),
             corpus: str | None = None, evaluator_init: Seq2SeqGenerator | None = None) -> dict[str, Any]:
    """The whole suite: :func:`evaluate_generator` and :func:`evaluator_reliability`
    (keys ``reliability_*``) in one flat dict."""
    init = evaluator_init or generator
    reliability = evaluator_reliability(generator.tokenizer, splits, config, corpus, init=init)
    return {**evaluate_generator(generator, splits, config, evaluator_init=init),
            **{f"reliability_{k}": v for k, v in reliability.items()}}


def _plain(value: Any) -> Any:
    """A NumPy/torch scalar as its Python number (anything else as text), for JSON."""
    return value.item() if hasattr(value, "item") else str(value)


class EvaluationCallback(Callback):
    """Runs :func:`evaluate_generator` on the trainer's generator every ``every``
    rounds (and after the last), logs its numbers as ``eval/*`` and keeps them in
    ``history`` as ``(round, result)``. Evaluation does not disturb the run's RNG."""

    def __init__(self, splits: Splits, config: EvalConfig = EvalConfig(), every: int = 50) -> None:
        if every < 1:
            raise UserError(f"every = {every}: must be at least 1")
        self.splits, self.config, self.every = splits, config, every
        self.history: list[tuple[int, dict[str, Any]]] = []

    def _evaluate(self, trainer: AdversarialTrainer) -> None:
        if self.history and self.history[-1][0] == trainer.round:
            return
        result = evaluate_generator(trainer.generator, self.splits, self.config)
        self.history.append((trainer.round, result))
        trainer.logger.log(trainer.round, {f"eval/{k}": v for k, v in result.items() if isinstance(v, float)})

    def on_round_end(self, trainer: AdversarialTrainer, metrics: dict[str, float]) -> None:
        if trainer.round % self.every == 0:
            self._evaluate(trainer)

    def on_train_end(self, trainer: AdversarialTrainer) -> None:
        self._evaluate(trainer)

    def state_dict(self) -> dict[str, Any]:
        # plain values only (a checkpoint is read without unpickling): numbers, strings, lists, dicts
        return {"history": [[r, json.loads(json.dumps(res, default=_plain))] for r, res in self.history]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.history = [(int(r), dict(res)) for r, res in state["history"]]

    def series(self, key: str) -> tuple[list[int], list[float]]:
        """Rounds and values of one evaluation number (e.g. ``adversuc``)."""
        return [r for r, _ in self.history], [res[key] for _, res in self.history]


__all__ = ["EvalConfig", "EvaluationCallback", "evaluate", "evaluate_generator", "evaluator_reliability"]
