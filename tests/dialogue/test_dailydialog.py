"""DailyDialog: the official split read straight from train.zip, multi-turn contexts, and
one clean line for a bad file."""

from __future__ import annotations

import zipfile

import pytest

from advrl.core import UserError
from advrl.dialogue.corpora import load_corpus
from advrl.dialogue.dailydialog import TURN_SEP, dialogue_pairs, load_dailydialog


def test_pairs_have_the_last_n_turns_as_context():
    line = "Hi there . __eou__ Hello ! __eou__ How are you ? __eou__ Fine , thanks . __eou__"
    pairs = dialogue_pairs([line], "x", turns=2)
    assert pairs == [("Hi there .", "Hello !"), (f"Hi there .{TURN_SEP}Hello !", "How are you ?"),
                     (f"Hello !{TURN_SEP}How are you ?", "Fine , thanks .")]
    assert dialogue_pairs([line], "x", turns=1)[2] == ("How are you ?", "Fine , thanks .")


def test_reads_the_zip_and_the_official_split(tmp_path):
    with zipfile.ZipFile(tmp_path / "train.zip", "w") as z:
        z.writestr("train/dialogues_train.txt", "a b . __eou__ c d . __eou__\ne . __eou__ f . __eou__ g . __eou__\n")
    (tmp_path / "dialogues_validation.txt").write_text("v1 . __eou__ v2 . __eou__\n")
    (tmp_path / "dialogues_test.txt").write_text("t1 . __eou__ t2 . __eou__\n")
    splits = load_corpus(f"dailydialog:{tmp_path}")
    assert len(splits.train) == 3 and splits.dev == [("v1 .", "v2 .")] and splits.test == [("t1 .", "t2 .")]
    assert load_dailydialog(f"{tmp_path}:1")["train"][-1] == ("f .", "g .")


def test_bad_files_are_one_clear_error(tmp_path):
    (tmp_path / "train.zip").write_bytes(b"not a zip")
    with pytest.raises(UserError, match="train.zip: not a readable zip"):
        load_dailydialog(str(tmp_path))
    (tmp_path / "train.zip").unlink()
    (tmp_path / "dialogues_train.txt").write_text("no end markers here\n")
    (tmp_path / "dialogues_validation.txt").write_text("x . __eou__ y . __eou__\n")
    (tmp_path / "dialogues_test.txt").write_text("x . __eou__ y . __eou__\n")
    with pytest.raises(UserError, match=r"dialogues_train.txt:1: expected turns ending in '__eou__'"):
        load_dailydialog(str(tmp_path))
    with pytest.raises(UserError, match="DailyDialog directory not found"):
        load_dailydialog(str(tmp_path / "nope"))


def test_shared_dailydialog_has_the_published_size(shared_data):
    splits = load_corpus(f"dailydialog:{shared_data('dialogue', 'dailydialog')}")
    assert len(splits.train) == 76_053  # the published count of consecutive-turn pairs
    assert len(splits.dev) > 7_000 and len(splits.test) > 6_500


def test_adversarial_reinforce_raises_the_score_on_held_out_dailydialog_contexts(shared_data):
    """A tiny model, MLE on 400 DailyDialog pairs, then adversarial rounds on the
    shared loop: the generator's mean score under the discriminator as it was
    when the rounds began (held fixed) rises on 64 held-out dev contexts."""
    import copy

    import torch

    from advrl.core import seed_everything
    from advrl.dialogue.batches import encode_texts
    from advrl.dialogue.generator import GeneratorConfig, Seq2SeqGenerator
    from advrl.dialogue.model import ModelConfig, build_model
    from advrl.dialogue.tokenizer import train_tokenizer
    from advrl.dialogue.training import (DialogueConfig, adversarial_trainer, make_discriminator, mean_score,
                                         pretrain_discriminator, pretrain_mle)

    splits = load_corpus(f"dailydialog:{shared_data('dialogue', 'dailydialog')}")
    train, held_out = splits.train[:400], [c for c, _ in splits.dev[:64]]
    seed_everything(0)
    tok = train_tokenizer([t for p in train for t in p], vocab_size=300)
    gcfg = GeneratorConfig(context_len=16, reply_len=8, batch_size=32, lr=3e-3, warmup_steps=5, adv_lr=1e-3)
    gen = Seq2SeqGenerator(build_model(tok, ModelConfig(d_model=32, layers=1, dropout=0.0), max_len=16), tok,
                           train, gcfg)
    pretrain_mle(gen, 4, progress=False)
    cfg = DialogueConfig(generator=gcfg, d_steps=1, g_steps=2, d_lr=2e-3, rounds=15, seed=0)
    trainer = adversarial_trainer(gen, make_discriminator(gen), train, cfg, progress=False, log_every=1)
    pretrain_discriminator(trainer, 40, progress=False)
    judge = copy.deepcopy(trainer.discriminator).eval()
    held = encode_texts(tok, held_out, gcfg.context_len, eos=False, keep_end=True)
    torch.manual_seed(1)
    before = mean_score(gen, judge, held, samples=4)
    trainer.train(rounds=15)
    torch.manual_seed(1)
    after = mean_score(gen, judge, held, samples=4)
    assert after > before + 0.05, (before, after)


def test_probe_starts_the_seq2seq_discriminator_as_one_that_can_tell(shared_data):
    """The adversarial seq2seq D's output layer fitted as a linear probe on 256
    human and 256 sampled replies tells held-out human dev replies from samples
    to the same dev contexts; its freshly initialised head does not."""
    import copy

    import torch

    from advrl.core import seed_everything
    from advrl.dialogue.batches import encode_pairs
    from advrl.dialogue.generator import GeneratorConfig, Seq2SeqGenerator
    from advrl.dialogue.model import ModelConfig, build_model
    from advrl.dialogue.tokenizer import train_tokenizer
    from advrl.dialogue.training import (DialogueConfig, adversarial_trainer, make_discriminator, pretrain_mle,
                                         probe_discriminator)

    splits = load_corpus(f"dailydialog:{shared_data('dialogue', 'dailydialog')}")
    train, dev = splits.train[:400], splits.dev[:128]
    seed_everything(0)
    tok = train_tokenizer([t for p in train for t in p], vocab_size=300)
    gcfg = GeneratorConfig(context_len=16, reply_len=8, batch_size=32, lr=3e-3, warmup_steps=5)
    gen = Seq2SeqGenerator(build_model(tok, ModelConfig(d_model=32, layers=1, dropout=0.0), max_len=16), tok,
                           train, gcfg)
    pretrain_mle(gen, 4, progress=False)
    trainer = adversarial_trainer(gen, make_discriminator(gen, "seq2seq"), train,
                                  DialogueConfig(generator=gcfg, discriminator="seq2seq"), progress=False)
    fresh = copy.deepcopy(trainer.discriminator).eval()
    assert probe_discriminator(trainer, 256) > 0.75
    human = encode_pairs(tok, dev, gcfg.context_len, gcfg.reply_len)
    machine = {"context": human["context"], "reply": gen.sample(human["context"])}

    def accuracy(d) -> float:
        d.eval()
        with torch.no_grad():
            return 0.5 * ((d(human) > 0).float().mean() + (d(machine) <= 0).float().mean()).item()

    probed = accuracy(trainer.discriminator)
    assert probed > 0.75 and probed > accuracy(fresh) + 0.15, (probed, accuracy(fresh))
