"""Per-word test perplexity of a generator's replies, beside unigram and bigram
baselines over the same words.

Words are :func:`words` of a reply (lower-cased, punctuation split off, as
DailyDialog's text already is) plus one end-of-reply symbol, for the network
and the n-gram models alike, so the three figures share a denominator: the
network's summed token NLL (sub-word pieces and ``[EOS]``) over a reply is
divided by that reply's word count. Replies longer than the scoring width are
cut (the share cut is reported).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Iterable

import torch

from advrl.core import UserError
from advrl.dialogue.batches import encode_texts
from advrl.dialogue.corpora import Pair
from advrl.dialogue.generator import Seq2SeqGenerator

WORD = re.compile(r"\w+|[^\w\s]")
END = "</s>"


def words(text: str) -> list[str]:
    """The words of ``text``: lower-cased runs of word characters, and each other
    non-space character on its own."""
    return WORD.findall(text.lower())


@torch.no_grad()
def generator_perplexity(generator: Seq2SeqGenerator, pairs: list[Pair], width: int | None = None,
                         batch_size: int = 128) -> dict[str, float]:
    """Per-word and per-token perplexity of ``pairs``' replies given their
    contexts (eval mode; contexts cut as in training, replies scored up to
    ``width`` tokens including ``[EOS]``: by default 128, or what the model's
    position embeddings allow)."""
    if not pairs:
        raise UserError("perplexity needs at least one (context, reply) pair")
    if width is None:
        width = min(128, getattr(generator.model.config, "max_position_embeddings", 130) - 2)
    was = generator.model.training
    generator.model.eval()
    nll, tokens, n_words, cut = 0.0, 0, 0, 0
    for i in range(0, len(pairs), batch_size):
        chunk = pairs[i:i + batch_size]
        context = encode_texts(generator.tokenizer, [c for c, _ in chunk], generator.config.context_len,
                               eos=False, keep_end=True)
        reply = encode_texts(generator.tokenizer, [r for _, r in chunk], width, eos=True)
        logp, valid = generator.token_log_probs(context, reply)
        nll -= logp.sum().item()
        tokens += int(valid.sum())
        full = (reply == generator.eos_id).any(1)
        cut += int((~full).sum())
        for row, (_, text) in enumerate(chunk):  # a cut reply counts the words it was scored on
            kept = text if full[row] else generator.tokenizer.decode(reply[row], skip_special_tokens=True)
            n_words += len(words(kept)) + int(bool(full[row]))
    generator.model.train(was)
    return {"ppl_word": math.exp(nll / n_words), "ppl_token": math.exp(nll / tokens), "pairs": len(pairs),
            "words": n_words, "tokens": tokens, "cut_share": cut / len(pairs)}


class NgramBaseline:
    """Word unigram (add-one, with an unknown-word class) and bigram
    (interpolated with the unigram, weight chosen on a dev set) models of replies."""

    def __init__(self, replies: Iterable[str]) -> None:
        self.unigrams: Counter[str] = Counter()
        self.bigrams: Counter[tuple[str, str]] = Counter()
        self.history: Counter[str] = Counter()
        for text in replies:
            seq = ["<s>", *words(text), END]
            self.unigrams.update(seq[1:])
            self.history.update(seq[:-1])
            self.bigrams.update(zip(seq[:-1], seq[1:]))
        if not self.unigrams:
            raise UserError("n-gram baselines need at least one training reply")
        self.total = sum(self.unigrams.values())
        self.types = len(self.unigrams) + 1  # + the unknown-word class
        self.weight = 0.5

    def p_unigram(self, word: str) -> float:
        return (self.unigrams.get(word, 0) + 1) / (self.total + self.types)

    def p_bigram(self, prev: str, word: str) -> float:
        seen = self.history.get(prev, 0)
        ml = self.bigrams.get((prev, word), 0) / seen if seen else 0.0
        return self.weight * ml + (1 - self.weight) * self.p_unigram(word)

    def perplexity(self, replies: Iterable[str], order: int) -> float:
        """Per-word perplexity (end symbol included) of ``replies`` under the
        unigram (``order`` 1) or bigram (2) model."""
        nll, n = 0.0, 0
        for text in replies:
            seq = ["<s>", *words(text), END]
            for prev, word in zip(seq[:-1], seq[1:]):
                nll -= math.log(self.p_unigram(word) if order == 1 else self.p_bigram(prev, word))
                n += 1
        if not n:
            raise UserError("perplexity needs at least one reply")
        return math.exp(nll / n)

    def tune(self, dev_replies: list[str]) -> float:
        """Pick the bigram weight (0.1 … 0.9) with the lowest dev perplexity."""
        scores = {}
        for w in [i / 10 for i in range(1, 10)]:
            self.weight = w
            scores[w] = self.perplexity(dev_replies, 2)
        self.weight = min(scores, key=scores.get)
        return self.weight


def ngram_perplexities(train: list[Pair], dev: list[Pair], test: list[Pair]) -> dict[str, float]:
    """Per-word test perplexity of the unigram and the dev-tuned bigram baselines."""
    model = NgramBaseline(r for _, r in train)
    weight = model.tune([r for _, r in dev])
    replies = [r for _, r in test]
    return {"unigram": model.perplexity(replies, 1), "bigram": model.perplexity(replies, 2), "bigram_weight": weight}


__all__ = ["NgramBaseline", "generator_perplexity", "ngram_perplexities", "words"]
