"""A small WordPiece tokenizer (``tokenizers``) with a vocabulary learnt from
the corpus, wrapped as a ``transformers`` fast tokenizer (saved beside the model)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from transformers import PreTrainedTokenizerFast

from advrl.core import UserError

SPECIAL_TOKENS = {"pad_token": "[PAD]", "unk_token": "[UNK]", "bos_token": "[BOS]", "eos_token": "[EOS]"}


def train_tokenizer(texts: Iterable[str], vocab_size: int = 2000, min_frequency: int = 1) -> PreTrainedTokenizerFast:
    """A lower-cased WordPiece tokenizer over BERT-style pre-tokenisation whose
    vocabulary is learnt from ``texts``: the special tokens (ids 0..3 are
    ``[PAD] [UNK] [BOS] [EOS]``), every character seen (word-initial and ``##``
    continuation, so no word is out of vocabulary), then the most frequent words
    (ties broken alphabetically) up to ``vocab_size``.

    The vocabulary is counted here rather than with ``tokenizers``' trainer,
    whose merge ties depend on Rust hash order and change from run to run; this
    keeps "same seed, same result".
    """
    from collections import Counter

    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers

    texts = [t for t in texts if t and t.strip()]
    if not texts:
        raise UserError("cannot train a tokenizer on an empty corpus")
    normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.Lowercase(), normalizers.StripAccents()])
    pre = pre_tokenizers.BertPreTokenizer()
    words: Counter[str] = Counter()
    for text in texts:
        words.update(w for w, _ in pre.pre_tokenize_str(normalizer.normalize_str(text)))
    vocab: dict[str, int] = {}
    for tok in list(SPECIAL_TOKENS.values()) + sorted({c for w in words for c in w}):
        vocab.setdefault(tok, len(vocab))
    for c in sorted({c for w in words for c in w[1:]}):
        vocab.setdefault("##" + c, len(vocab))
    for word, count in sorted(words.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(vocab) >= vocab_size or count < min_frequency:
            break
        vocab.setdefault(word, len(vocab))
    tok = Tokenizer(models.WordPiece(vocab=vocab, unk_token=SPECIAL_TOKENS["unk_token"]))
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre
    tok.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(tokenizer_object=tok, **SPECIAL_TOKENS)


def load_tokenizer(directory: str | Path) -> PreTrainedTokenizerFast:
    """Load a tokenizer saved with ``save_pretrained`` (local files only)."""
    from transformers import AutoTokenizer

    directory = Path(directory)
    if not (directory / "tokenizer.json").is_file():
        raise UserError(f"{directory}: no tokenizer.json (expected a tokenizer saved with the model)")
    tok = AutoTokenizer.from_pretrained(str(directory), local_files_only=True)
    for name in ("pad_token", "eos_token"):
        if getattr(tok, name) is None:
            raise UserError(f"{directory}: tokenizer has no {name}; a seq2seq generator needs one")
    return tok


__all__ = ["SPECIAL_TOKENS", "load_tokenizer", "train_tokenizer"]
