"""The MLE recipe: warm-up + linear decay, length-bucketed epochs that a resumed
run repeats, a mid-epoch checkpoint that resumes to the same weights, label
smoothing that still reports the plain NLL, contexts that keep their last turn,
and per-word perplexity beside n-gram baselines."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from advrl.core import seed_everything
from advrl.dialogue.batches import encode_texts
from advrl.dialogue.checkpoint import resume_mle_checkpoint, save_mle_checkpoint
from advrl.dialogue.generator import GeneratorConfig, Seq2SeqGenerator
from advrl.dialogue.model import ModelConfig, build_model
from advrl.dialogue.perplexity import NgramBaseline, generator_perplexity, ngram_perplexities, words
from advrl.dialogue.tokenizer import train_tokenizer
from advrl.dialogue.training import mle_batches, mle_learning_rate, pretrain_mle

PAIRS = [(f"say {a} | then {b}", f"{b} and {a} again" if i % 3 else b)
         for i, (a, b) in enumerate((a, b) for a in ["red", "blue", "green", "cold", "warm"]
                                    for b in ["cat", "dog", "tree", "sun", "sea", "hill"])]


def tiny_generator(seed: int = 0, dropout: float = 0.1, **gen) -> Seq2SeqGenerator:
    seed_everything(seed)
    tok = train_tokenizer([t for p in PAIRS for t in p], vocab_size=120)
    cfg = GeneratorConfig(context_len=10, reply_len=8, batch_size=4, lr=3e-3, warmup_steps=5, **gen)
    model = build_model(tok, ModelConfig(d_model=16, layers=1, dropout=dropout), max_len=10)
    return Seq2SeqGenerator(model, tok, PAIRS, cfg)


def test_schedule_warms_up_then_decays_linearly_to_zero():
    lrs = [mle_learning_rate(1.0, s, 100, 10) for s in range(100)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert all(a < b for a, b in zip(lrs[:9], lrs[1:10])) and all(a > b for a, b in zip(lrs[10:], lrs[11:]))
    assert lrs[-1] == pytest.approx(1 / 90) and mle_learning_rate(1.0, 100, 100, 10) == 0.0
    assert mle_learning_rate(1.0, 0, 20, 10) == pytest.approx(0.5)  # warm-up capped at a tenth of the run


def test_epochs_cover_every_pair_once_repeat_by_seed_and_bucket_lengths():
    gen = tiny_generator()
    a, b, c = mle_batches(gen, 3, seed=1), mle_batches(gen, 3, seed=1), mle_batches(gen, 4, seed=1)
    assert sorted(torch.cat(a).tolist()) == list(range(len(PAIRS)))
    assert all(torch.equal(x, y) for x, y in zip(a, b)) and not all(torch.equal(x, y) for x, y in zip(a, c))
    reply_len = (gen.human.data["reply"] != gen.pad_id).sum(1)
    spread = [int(reply_len[rows].max() - reply_len[rows].min()) for rows in mle_batches(gen, 0, bucket=50)]
    random_spread = [int(reply_len[rows].max() - reply_len[rows].min())
                     for rows in torch.randperm(len(PAIRS), generator=torch.Generator().manual_seed(0)).split(4)]
    assert sum(spread) < sum(random_spread)


def test_mid_epoch_checkpoint_resumes_to_the_same_weights(tmp_path):
    straight = tiny_generator()
    pretrain_mle(straight, 2, progress=False, seed=5)
    path = tmp_path / "mle.pt"
    first = tiny_generator()
    with pytest.raises(RuntimeError, match="stop"):
        def stop(epoch, step):
            save_mle_checkpoint(first, epoch, path, step=step)
            if (epoch, step) == (1, 3):
                raise RuntimeError("stop")
        pretrain_mle(first, 2, progress=False, seed=5, checkpoint_steps=3, on_checkpoint=stop)
    resumed = tiny_generator(seed=9)  # other initial weights: the checkpoint must replace them
    epoch, step, _ = resume_mle_checkpoint(resumed, path)
    assert (epoch, step) == (1, 3)
    pretrain_mle(resumed, 2, progress=False, seed=5, start_epoch=epoch, start_step=step)
    for p, q in zip(straight.model.parameters(), resumed.model.parameters()):
        torch.testing.assert_close(p, q)


def test_label_smoothing_trains_but_reports_the_plain_nll():
    smooth, sharp = tiny_generator(dropout=0.0, label_smoothing=0.3), tiny_generator(dropout=0.0, label_smoothing=0.0)
    batch = {k: v[:4] for k, v in smooth.human.data.items()}
    plain = smooth.model(input_ids=batch["context"], attention_mask=(batch["context"] != smooth.pad_id).long(),
                         labels=batch["reply"].masked_fill(~smooth.valid_mask(batch["reply"]), -100)).loss.item()
    assert smooth.mle_step(batch) == pytest.approx(plain, rel=1e-5) == sharp.mle_step(batch)
    moved = [not torch.allclose(p, q) for p, q in zip(smooth.model.parameters(), sharp.model.parameters())]
    assert any(moved)  # the same batch, other targets: the smoothed step updated differently


def test_contexts_keep_their_last_tokens_replies_their_first():
    tok = train_tokenizer(["one two three four five"], vocab_size=60)
    ids = lambda text: tok(text, add_special_tokens=False)["input_ids"]
    ctx = encode_texts(tok, ["one two three four five"], 2, eos=False, keep_end=True)
    assert ctx[0].tolist() == ids("four five")
    reply = encode_texts(tok, ["one two three four five"], 3, eos=True)
    assert reply[0].tolist() == ids("one two") + [tok.eos_token_id]


def test_generator_perplexity_is_exp_of_summed_nll_per_word_and_falls_with_training():
    gen = tiny_generator()
    before = generator_perplexity(gen, PAIRS[:6])
    gen.model.eval()
    ctx = encode_texts(gen.tokenizer, [c for c, _ in PAIRS[:6]], 10, eos=False, keep_end=True)
    rep = encode_texts(gen.tokenizer, [r for _, r in PAIRS[:6]], 62, eos=True)
    nll = -gen.token_log_probs(ctx, rep)[0].sum().item()
    n_words = sum(len(words(r)) + 1 for _, r in PAIRS[:6])
    assert before["ppl_word"] == pytest.approx(math.exp(nll / n_words), rel=1e-4) and before["cut_share"] == 0
    pretrain_mle(gen, 15, progress=False)
    assert generator_perplexity(gen, PAIRS[:6])["ppl_word"] < before["ppl_word"] / 3


def test_ngram_baselines_are_exact_on_a_toy_corpus_and_bigram_beats_unigram():
    model = NgramBaseline(["a b", "a b"])  # types a, b, </s> (+ unknown): counts 2, 2, 2 of 6
    p = {w: (2 + 1) / (6 + 4) for w in ("a", "b", "</s>")}
    assert model.perplexity(["a b"], 1) == pytest.approx(math.exp(-3 * math.log(p["a"]) / 3))
    assert model.perplexity(["zzz"], 1) > model.perplexity(["a"], 1)  # an unseen word costs more
    train = [("c", f"the {x} is here") for x in ["cat", "dog", "sun"] * 5]
    out = ngram_perplexities(train, train[:3], train[3:6])
    assert out["bigram"] < out["unigram"]


def test_seq2seq_evaluator_from_the_mle_model_tells_replies_to_other_contexts_on_held_out_pairs():
    from advrl.dialogue import metrics as M

    gen = tiny_generator(dropout=0.0)
    pretrain_mle(gen, 30, progress=False)
    order = torch.randperm(len(PAIRS), generator=torch.Generator().manual_seed(3)).tolist()
    train, test = [PAIRS[i] for i in order[:20]], [PAIRS[i] for i in order[20:]]
    negatives = [p for s in range(3) for p in M.random_replies(train, s)]  # each reply beside other contexts
    ev = M.train_evaluator(gen.tokenizer, train * 3, negatives, init=gen, epochs=60, lr=3e-3, batch_size=8)
    assert ev.widths == (10, 8)
    held_out = [M.evaluator_accuracy(ev, gen.tokenizer, test, M.random_replies(test, s)) for s in (1, 2, 3)]
    assert sum(held_out) / 3 >= 0.7, held_out  # chance: 0.5
    assert all(p.requires_grad for p in gen.model.parameters())  # the evaluator trained a copy


@pytest.mark.slow
def test_a_slower_encoder_keeps_the_context_in_use_where_full_lr_erases_it():
    """On chatterbot with the default small BART, encoder layers at the full
    learning rate learn to output the same vector for every context (the decoder
    does not use it yet, so it is noise to it): the model then scores a reply
    the same beside any context. At 0.1x they keep it readable, and the model
    reads it (and fits better)."""
    from advrl.dialogue.corpora import load_corpus

    train = load_corpus("chatterbot").train
    nll = {}
    for scale in (1.0, 0.1):
        seed_everything(0)
        tok = train_tokenizer([t for p in train for t in p], vocab_size=1000)
        gen = Seq2SeqGenerator(build_model(tok, ModelConfig()), tok, train, GeneratorConfig(encoder_lr_scale=scale))
        pretrain_mle(gen, 8, progress=False)
        gen.model.eval()
        c, r = gen.human.data["context"][:512], gen.human.data["reply"][:512]
        with torch.no_grad():
            own, valid = gen.token_log_probs(c, r)
            other, _ = gen.token_log_probs(c.roll(7, 0), r)  # each reply beside another pair's context
        nll[scale] = (-(own.sum() / valid.sum()).item(), -(other.sum() / valid.sum()).item())
    assert nll[1.0][1] - nll[1.0][0] < 0.01, nll  # full lr: the context makes no difference
    assert nll[0.1][1] - nll[0.1][0] > 0.1 and nll[0.1][0] < nll[1.0][0] - 0.05, nll


def test_the_probe_alone_fits_a_logistic_regression_and_tells_replies_to_other_contexts():
    """``fit_head`` is a logistic regression (it separates a linearly separable
    set, weights folded back through the standardisation), and with no
    fine-tuning (epochs 0) the seq2seq evaluator's probe on the MLE copy's frozen
    features tells held-out replies from replies to other contexts."""
    from advrl.dialogue import metrics as M
    from advrl.dialogue.discriminator import Seq2SeqDiscriminator

    gen = tiny_generator(dropout=0.0)
    d = Seq2SeqDiscriminator.from_generator(gen)
    width = d.out.in_features
    g = torch.Generator().manual_seed(0)
    x = torch.randn(400, width, generator=g) * 5 + 3
    y = (x[:, 0] - 3 > 2 * (x[:, 1] - 3)).float()
    d.fit_head(x, y)
    assert ((d.out(x).squeeze(-1) > 0).float() == y).float().mean() > 0.97
    pretrain_mle(gen, 30, progress=False)
    before = [p.detach().clone() for p in gen.model.parameters()]
    order = torch.randperm(len(PAIRS), generator=torch.Generator().manual_seed(3)).tolist()
    train, test = [PAIRS[i] for i in order[:20]], [PAIRS[i] for i in order[20:]]
    negatives = [p for s in range(3) for p in M.random_replies(train, s)]
    ev = M.train_evaluator(gen.tokenizer, train * 3, negatives, init=gen, epochs=0)
    held_out = [M.evaluator_accuracy(ev, gen.tokenizer, test, M.random_replies(test, s)) for s in (1, 2, 3)]
    assert sum(held_out) / 3 >= 0.7, held_out  # chance: 0.5
    assert all(torch.equal(a, b) for a, b in zip(before, gen.model.parameters()))  # the MLE model is untouched
