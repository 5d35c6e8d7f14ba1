"""Loading seq2seq checkpoints by path: round trip of an atomically saved
model + tokenizer, and one clear error for a directory that is not one."""

from __future__ import annotations

import json

import pytest
import torch

from advrl.dialogue.model import ModelConfig, build_model, load_model, save_pretrained_atomic
from advrl.dialogue.tokenizer import load_tokenizer, train_tokenizer
from advrl.dialogue.training import DialogueConfig, build_generator

TINY = ModelConfig(d_model=16, layers=1, heads=2, ffn_dim=32)
PAIRS = [("hello there", "hi"), ("how are you", "fine thanks"), ("bye", "see you")] * 3


def test_save_and_load_round_trip(tmp_path):
    tok = train_tokenizer([t for p in PAIRS for t in p], vocab_size=60)
    torch.manual_seed(0)
    model = build_model(tok, TINY).eval()
    path = save_pretrained_atomic(model, tok, tmp_path / "m", extra={"stage": "test"})
    save_pretrained_atomic(model, tok, path)  # overwrite in place: still one complete directory
    assert not any(p.name.startswith(".m") for p in tmp_path.iterdir())
    loaded = load_model(path).eval()
    ids = torch.tensor([[5, 6, 7]])
    dec = torch.tensor([[tok.bos_token_id, 5]])
    assert torch.allclose(model(input_ids=ids, decoder_input_ids=dec).logits,
                          loaded(input_ids=ids, decoder_input_ids=dec).logits)
    cfg = DialogueConfig()
    gen = build_generator(PAIRS, cfg, model_path=path)
    assert gen.tokenizer("hello there")["input_ids"] == load_tokenizer(path)("hello there")["input_ids"]


def test_not_a_seq2seq_checkpoint(tmp_path):
    with pytest.raises(ValueError, match=r"missing: not a directory|not a directory"):
        load_model(tmp_path / "nope")
    with pytest.raises(ValueError, match=r"config\.json: missing"):
        load_model(tmp_path)
    (tmp_path / "config.json").write_text('{"model_type": "bert",\n "hidden_size": }')
    with pytest.raises(ValueError, match=r"config\.json:2: not valid JSON"):
        load_model(tmp_path)
    from transformers import BertConfig

    BertConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32).save_pretrained(
        str(tmp_path))
    with pytest.raises(ValueError, match=r"config\.json: model_type 'bert' is not an encoder-decoder"):
        load_model(tmp_path)
    json.loads((tmp_path / "config.json").read_text())


def test_same_seed_same_generator():
    def run():
        cfg = DialogueConfig(vocab_size=60, model=TINY, seed=3)
        gen = build_generator(PAIRS, cfg)
        for _ in range(3):
            gen.mle_step()
        torch.manual_seed(0)
        return gen.respond(["hello there", "bye"]), [p.detach().clone() for p in gen.model.parameters()]

    (r1, p1), (r2, p2) = run(), run()
    assert r1 == r2 and all(torch.equal(a, b) for a, b in zip(p1, p2))


@pytest.mark.parametrize("kwargs, words", [(dict(d_model=16, heads=3), "heads = 3: must divide d_model = 16"),
                                           (dict(dropout=2.0), "dropout = 2.0: must be from 0"),
                                           (dict(dropout=float("nan")), "dropout = nan")])
def test_model_sizes_that_cannot_be_built_are_refused(kwargs, words):
    with pytest.raises(ValueError, match=words):
        ModelConfig(**kwargs)


def test_chat_reads_stdin_bytes_that_are_not_utf8(monkeypatch):
    import io
    import sys

    from advrl.cli.dialogue import _stdin_lines

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"caf\xe9\nhello\n"), encoding="utf-8"))
    assert list(_stdin_lines()) == ["caf\ufffd\n", "hello\n"]

