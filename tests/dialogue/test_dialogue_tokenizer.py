"""The corpus-trained WordPiece tokenizer wrapped as a transformers fast
tokenizer: special ids, save/load round trip, decode."""

from __future__ import annotations

import pytest

from advrl.dialogue.tokenizer import load_tokenizer, train_tokenizer

TEXTS = ["Hello there!", "How are you doing today?", "I am fine, thanks.", "What is your name?",
         "My name is Bot.", "Nice to meet you."] * 5


def test_special_ids_and_round_trip(tmp_path):
    tok = train_tokenizer(TEXTS, vocab_size=120)
    assert (tok.pad_token_id, tok.unk_token_id, tok.bos_token_id, tok.eos_token_id) == (0, 1, 2, 3)
    ids = tok("how are you doing today?", add_special_tokens=False)["input_ids"]
    assert tok.unk_token_id not in ids
    assert tok.decode(ids) == "how are you doing today?"
    tok.save_pretrained(str(tmp_path / "tok"))
    loaded = load_tokenizer(tmp_path / "tok")
    for text in TEXTS[:6] + ["an unseen sentence with zebras"]:
        assert loaded(text)["input_ids"] == tok(text)["input_ids"]
    assert len(loaded) == len(tok)
    assert loaded.eos_token == "[EOS]" and loaded.pad_token_id == 0


def test_errors(tmp_path):
    with pytest.raises(ValueError, match="empty corpus"):
        train_tokenizer(["", "  "])
    with pytest.raises(ValueError, match=r"no tokenizer\.json"):
        load_tokenizer(tmp_path)


def test_training_is_deterministic():
    texts = TEXTS + ["Unusual words: zebra, quokka, axolotl."]
    assert train_tokenizer(texts, vocab_size=70).get_vocab() == train_tokenizer(texts, vocab_size=70).get_vocab()
