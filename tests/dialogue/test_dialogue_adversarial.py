"""An adversarial round on the shared AdversarialTrainer raises the generator's
mean discriminator score on held-out contexts."""

from __future__ import annotations

import copy

import torch

from advrl.core import AdversarialTrainer
from advrl.dialogue.batches import encode_texts
from advrl.dialogue.generator import GeneratorConfig, Seq2SeqGenerator
from advrl.dialogue.model import ModelConfig, build_model
from advrl.dialogue.tokenizer import train_tokenizer
from advrl.dialogue.training import (
    DialogueConfig, adversarial_trainer, make_discriminator, mean_score, pretrain_discriminator,
)
from advrl.core import seed_everything

CONTEXTS = ["hello", "hi there", "good morning", "how are you", "what now", "tell me", "ok then", "and you"]
HELD_OUT = ["hey you", "so what", "good night", "you there"]


def test_adversarial_rounds_raise_mean_d_score_on_held_out_contexts():
    seed_everything(0)
    # humans answer yes/no; the MLE generator was trained on data that also says "maybe"
    human = [(c, r) for c in CONTEXTS for r in ("yes", "no")]
    machine_data = [(c, r) for c in CONTEXTS for r in ("yes", "no", "maybe")]
    tok = train_tokenizer([t for p in machine_data for t in p] + HELD_OUT, vocab_size=60)
    model = build_model(tok, ModelConfig(d_model=32, layers=1, heads=2, ffn_dim=64, dropout=0.0))
    gcfg = GeneratorConfig(context_len=6, reply_len=4, batch_size=32, lr=3e-3, adv_lr=3e-3, teacher_forcing=0)
    gen = Seq2SeqGenerator(model, tok, machine_data, gcfg)
    for _ in range(60):
        gen.mle_step()
    cfg = DialogueConfig(generator=gcfg, d_steps=1, g_steps=2, d_lr=3e-3, rounds=12, seed=0)
    trainer = adversarial_trainer(gen, make_discriminator(gen), human, cfg, progress=False, log_every=1)
    assert isinstance(trainer, AdversarialTrainer)
    pretrain_discriminator(trainer, 60, progress=False)
    judge = copy.deepcopy(trainer.discriminator).eval()  # the D of this round, held fixed for measuring
    held = encode_texts(tok, HELD_OUT * 8, gcfg.context_len, eos=False)
    with torch.no_grad():  # pre-trained D tells the machine-only reply apart on held-out contexts
        scores = {r: torch.sigmoid(judge({"context": held, "reply": encode_texts(tok, [r] * len(held), 4, eos=True)}))
                  .mean().item() for r in ("yes", "no", "maybe")}
    assert scores["maybe"] < min(scores["yes"], scores["no"]) - 0.1, scores
    torch.manual_seed(1)
    before = mean_score(gen, judge, held, samples=4)
    log = trainer.train(rounds=12)
    torch.manual_seed(1)
    after = mean_score(gen, judge, held, samples=4)
    assert after > before + 0.1, (before, after)
    assert trainer.round == 12 and len(log.series("g/reward")) == 12
    # the generator stopped saying what humans never say
    maybe = tok("maybe", add_special_tokens=False)["input_ids"][0]
    torch.manual_seed(2)
    replies = gen.sample(held)
    assert (replies[:, 0] == maybe).float().mean() < 0.15
