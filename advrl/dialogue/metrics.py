"""Dialogue metrics: AdverSuc from a separately trained evaluator, evaluator
reliability, distinct-1/2, BLEU (sacrebleu) and mean reply length."""

from __future__ import annotations

import random
from typing import Any

import torch
import torch.nn.functional as F
from transformers import PreTrainedTokenizerBase

from advrl.core import Discriminator, UserError
from advrl.dialogue.batches import encode_pairs, trim_padding
from advrl.dialogue.corpora import Pair
from advrl.dialogue.discriminator import HierarchicalDiscriminator, Seq2SeqDiscriminator


def distinct_n(texts: list[str], n: int) -> float:
    """Distinct n-grams / all n-grams over the whole set of replies (Li et al. 2016)."""
    grams = [tuple(t[i:i + n]) for t in (s.split() for s in texts) for i in range(len(t) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def bleu(hypotheses: list[str], references: list[str]) -> float:
    """Corpus BLEU (sacrebleu, one reference per hypothesis)."""
    import sacrebleu

    return float(sacrebleu.corpus_bleu(hypotheses, [references]).score)


def mean_length(texts: list[str]) -> float:
    """Mean number of whitespace tokens."""
    return sum(len(t.split()) for t in texts) / max(1, len(texts))


def random_replies(pairs: list[Pair], seed: int = 0) -> list[Pair]:
    """Each context with another pair's reply (a derangement by rotation after a shuffle)."""
    order = list(range(len(pairs)))
    random.Random(seed).shuffle(order)
    rotated = order[1:] + order[:1]
    out = list(pairs)
    for i, j in zip(order, rotated):
        out[i] = (pairs[i][0], pairs[j][1])
    return out


def train_evaluator(tokenizer: PreTrainedTokenizerBase, human: list[Pair], machine: list[Pair], epochs: int = 15,
                    batch_size: int = 64, lr: float | None = None, context_len: int = 24, reply_len: int = 16,
                    seed: int = 0, init: Any = None) -> Discriminator:
    """A fresh discriminator trained (BCE) to tell ``human`` from ``machine``
    pairs; never seen by the generator. Hierarchical GRUs from scratch (lr
    2e-3), or with ``init`` (a :class:`~advrl.dialogue.generator.Seq2SeqGenerator`)
    a :class:`Seq2SeqDiscriminator` over a copy of its model (its context/reply
    widths): its output layer first fitted alone on the frozen copy's features
    (a linear probe), then ``epochs`` of fine-tuning of the whole (lr 1e-4; 0:
    the probe alone). The caller's torch RNG is left as it was."""
    if not human or not machine:
        raise UserError("evaluator training needs human and machine pairs")
    gen = torch.Generator().manual_seed(seed)
    torch_state = torch.get_rng_state()
    torch.manual_seed(seed)
    if init is not None:
        model: Discriminator = Seq2SeqDiscriminator.from_generator(init).cpu()
        context_len, reply_len = init.config.context_len, init.config.reply_len
        lr = 1e-4 if lr is None else lr
    else:
        model = HierarchicalDiscriminator(len(tokenizer), pad_id=tokenizer.pad_token_id)
        lr = 2e-3 if lr is None else lr
    model.widths = (context_len, reply_len)
    pos = encode_pairs(tokenizer, human, context_len, reply_len)
    neg = encode_pairs(tokenizer, machine, context_len, reply_len)
    data = {k: torch.cat([pos[k], neg[k]]) for k in pos}
    labels = torch.cat([torch.ones(len(human)), torch.zeros(len(machine))])
    pad = tokenizer.pad_token_id
    if isinstance(model, Seq2SeqDiscriminator):  # linear probe, then fine-tuning starts from it
        model.fit_probe(data, labels)
    elif epochs < 1:
        raise UserError(f"epochs = {epochs}: a hierarchical evaluator trains at least one epoch")
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(len(labels), generator=gen)
        for i in range(0, len(perm), batch_size):
            idx = perm[i:i + batch_size]
            batch = trim_padding({k: v[idx] for k, v in data.items()}, pad)
            loss = F.binary_cross_entropy_with_logits(model(batch), labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    model.eval()
    torch.set_rng_state(torch_state)
    return model


@torch.no_grad()
def human_probability(evaluator: Discriminator, tokenizer: PreTrainedTokenizerBase, pairs: list[Pair],
                      context_len: int | None = None, reply_len: int | None = None,
                      chunk: int = 256) -> torch.Tensor:
    """The evaluator's P(human) for each pair (the widths it was trained with unless given)."""
    evaluator.eval()
    widths = getattr(evaluator, "widths", (24, 16))
    batch = encode_pairs(tokenizer, pairs, context_len or widths[0], reply_len or widths[1])
    out = [torch.sigmoid(evaluator(trim_padding({k: v[i:i + chunk] for k, v in batch.items()},
                                                tokenizer.pad_token_id)))
           for i in range(0, len(pairs), chunk)]
    return torch.cat(out)


def adver_suc(evaluator: Discriminator, tokenizer: PreTrainedTokenizerBase, machine: list[Pair],
              **kw) -> float:
    """AdverSuc: share of machine replies the evaluator calls human (P > 0.5)."""
    return (human_probability(evaluator, tokenizer, machine, **kw) > 0.5).float().mean().item()


def evaluator_accuracy(evaluator: Discriminator, tokenizer: PreTrainedTokenizerBase, human: list[Pair],
                       machine: list[Pair], **kw) -> float:
    """Balanced accuracy of the evaluator on human vs machine pairs."""
    tpr = (human_probability(evaluator, tokenizer, human, **kw) > 0.5).float().mean().item()
    tnr = (human_probability(evaluator, tokenizer, machine, **kw) <= 0.5).float().mean().item()
    return 0.5 * (tpr + tnr)


def reliability(tokenizer: PreTrainedTokenizerBase, train_human: list[Pair], train_negative: list[Pair],
                test_human: list[Pair], test_negative: list[Pair], seed: int = 0, **kw) -> float:
    """Evaluator reliability: held-out accuracy of a fresh evaluator trained on
    human vs a known negative (random replies, decoded replies). High accuracy
    means the evaluator can tell such replies apart."""
    ev = train_evaluator(tokenizer, train_human, train_negative, seed=seed, **kw)
    return evaluator_accuracy(ev, tokenizer, test_human, test_negative)


__all__ = ["adver_suc", "bleu", "distinct_n", "evaluator_accuracy", "human_probability", "mean_length",
           "random_replies", "reliability", "train_evaluator"]
