"""A small WordPiece tokenizer trained on the corpus with ``tokenizers`` and
wrapped as a ``transformers`` fast tokenizer (saved beside the model)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from transformers import PreTrainedTokenizerFast

SPECIAL_TOKENS = {"pad_token": "[PAD]", "unk_token": "[UNK]", "bos_token": "[BOS]", "eos_token": "[EOS]"}


def train_tokenizer(texts: Iterable[str], vocab_size: int = 2000, min_frequency: int = 1) -> PreTrainedTokenizerFast:
    """Lower-cased WordPiece over BERT-style pre-tokenisation. Ids 0..3 are
    ``[PAD] [UNK] [BOS] [EOS]``."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    texts = [t for t in texts if t and t.strip()]
    if not texts:
        raise ValueError("cannot train a tokenizer on an empty corpus")
    tok = Tokenizer(models.WordPiece(unk_token=SPECIAL_TOKENS["unk_token"]))
    tok.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.Lowercase(), normalizers.StripAccents()])
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=list(SPECIAL_TOKENS.values()),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, **SPECIAL_TOKENS)


def load_tokenizer(directory: str | Path) -> PreTrainedTokenizerFast:
    """Load a tokenizer saved with ``save_pretrained`` (local files only)."""
    from transformers import AutoTokenizer

    directory = Path(directory)
    if not (directory / "tokenizer.json").is_file():
        raise ValueError(f"{directory}: no tokenizer.json (expected a tokenizer saved with the model)")
    tok = AutoTokenizer.from_pretrained(str(directory), local_files_only=True)
    for name in ("pad_token", "eos_token"):
        if getattr(tok, name) is None:
            raise ValueError(f"{directory}: tokenizer has no {name}; a seq2seq generator needs one")
    return tok


__all__ = ["SPECIAL_TOKENS", "load_tokenizer", "train_tokenizer"]
