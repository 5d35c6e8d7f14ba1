"""The seq2seq network: a small BART built from a config (trained from scratch
here) or a local seq2seq checkpoint directory. Never touches the hub."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transformers import PreTrainedModel, PreTrainedTokenizerBase

from advrl.core import UserError


@dataclass(frozen=True)
class ModelConfig:
    """Size of the from-scratch BART (small enough to train in minutes on CPU)."""

    d_model: int = 64  # hidden size
    layers: int = 2  # encoder layers = decoder layers
    heads: int | None = None  # attention heads (None: 4 when d_model divides by 4, else 1)
    ffn_dim: int | None = None  # feed-forward width (None: 2 * d_model)
    dropout: float = 0.1
    max_positions: int = 64  # position embeddings (raised to fit the context/reply widths)

    def __post_init__(self) -> None:
        check_at_least(self, 1, "d_model", "layers", "heads", "ffn_dim", "max_positions")
        if self.heads is not None and self.d_model % self.heads:
            raise UserError(f"heads = {self.heads}: must divide d_model = {self.d_model} (each head gets "
                            "d_model / heads dimensions)")
        if not 0.0 <= self.dropout < 1.0:  # NaN fails too
            raise UserError(f"dropout = {self.dropout}: must be from 0 up to (not including) 1")


def check_at_least(config: Any, low: int, *names: str) -> None:
    """:class:`UserError` naming the first set field of ``config`` below ``low``
    (the dialogue configs check themselves with it when built)."""
    for name in names:
        value = getattr(config, name)
        if value is not None and value < low:
            raise UserError(f"{name} = {value}: must be at least {low}")


def quiet_transformers() -> None:
    """Silence transformers' progress bars and info logs (our own bars remain)."""
    from transformers.utils import logging

    logging.set_verbosity_error()
    logging.disable_progress_bar()


def build_model(tokenizer: PreTrainedTokenizerBase, config: ModelConfig | None = None,
                max_len: int = 0) -> PreTrainedModel:
    """A randomly initialised ``BartForConditionalGeneration`` sized by ``config``
    (with room for sequences of ``max_len`` tokens plus start and end), its special
    ids taken from ``tokenizer`` (decoding starts with ``[BOS]``)."""
    from transformers import BartConfig, BartForConditionalGeneration

    config = config or ModelConfig()
    heads = config.heads or (4 if config.d_model % 4 == 0 else 1)
    ffn_dim = config.ffn_dim or 2 * config.d_model
    bart = BartConfig(
        vocab_size=len(tokenizer), d_model=config.d_model,
        encoder_layers=config.layers, decoder_layers=config.layers,
        encoder_attention_heads=heads, decoder_attention_heads=heads,
        encoder_ffn_dim=ffn_dim, decoder_ffn_dim=ffn_dim,
        dropout=config.dropout, attention_dropout=0.0, activation_dropout=0.0,
        max_position_embeddings=max(config.max_positions, max_len + 2),
        pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, decoder_start_token_id=tokenizer.bos_token_id,
        forced_bos_token_id=None, forced_eos_token_id=None,
    )
    return BartForConditionalGeneration(bart)


def load_model(path: str | Path) -> PreTrainedModel:
    """Load a local encoder-decoder checkpoint directory (``config.json`` +
    weights). Raises :class:`~advrl.core.UserError` naming the path when it is not one."""
    from transformers import AutoConfig, AutoModelForSeq2SeqLM

    path = Path(path)
    if not path.is_dir():
        raise UserError(f"--model {path}: not a directory (expected a local seq2seq checkpoint directory)")
    cfg_file = path / "config.json"
    if not cfg_file.is_file():
        raise UserError(f"{cfg_file}: missing; --model must be a seq2seq checkpoint directory with config.json")
    try:
        json.loads(cfg_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UserError(f"{cfg_file}:{exc.lineno}: not valid JSON ({exc.msg})") from exc
    quiet_transformers()
    try:
        cfg = AutoConfig.from_pretrained(str(path), local_files_only=True)
    except Exception as exc:
        raise UserError(f"{cfg_file}: not a transformers model config ({exc})") from exc
    if not getattr(cfg, "is_encoder_decoder", False):
        raise UserError(
            f"{cfg_file}: model_type {getattr(cfg, 'model_type', '?')!r} is not an encoder-decoder; "
            "--model needs a seq2seq checkpoint (e.g. BART, T5)"
        )
    try:
        return AutoModelForSeq2SeqLM.from_pretrained(str(path), local_files_only=True)
    except Exception as exc:
        raise UserError(f"{path}: could not load seq2seq weights ({type(exc).__name__}: {exc})") from exc


def save_pretrained_atomic(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, path: str | Path,
                           extra: dict | None = None) -> Path:
    """Write model + tokenizer (+ ``advrl.json``) into a fresh directory beside
    ``path``, then swap it in, so ``path`` is never half written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    old = path.parent / f".{path.name}.old"
    try:
        model.save_pretrained(str(tmp))
        tokenizer.save_pretrained(str(tmp))
        (tmp / "advrl.json").write_text(json.dumps(extra or {}, indent=2), encoding="utf-8")
        if old.exists():
            shutil.rmtree(old)
        if path.exists():
            os.replace(path, old)
        os.replace(tmp, path)
        if old.exists():
            shutil.rmtree(old)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return path


__all__ = ["ModelConfig", "check_at_least", "build_model", "load_model", "quiet_transformers", "save_pretrained_atomic"]
