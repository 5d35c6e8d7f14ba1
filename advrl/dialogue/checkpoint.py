"""The files of a dialogue run directory and their formats.

``tokenizer/`` and ``mle.pt`` (MLE pre-training checkpoint, format
``advrl-dialogue-mle-v1``: epoch, minibatch inside the next epoch, dev-perplexity
curve, generator state, RNG states; resumable),
``mle/`` (the MLE model), ``train.pt`` (the adversarial checkpoint: the core's
``advrl-checkpoint-v1``; resumable), ``model/`` (the final model), ``tb/``
(TensorBoard), ``eval.json``.

A saved model directory (``mle/``, ``model/``) is a transformers checkpoint
(model + tokenizer) plus ``advrl.json``: the stage that wrote it and the
:class:`GeneratorConfig` it was trained with, which loading restores.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from advrl.core import UserError, load_checkpoint, rng_state, save_checkpoint, set_rng_state, settings_differences
from advrl.dialogue.corpora import Pair
from advrl.dialogue.generator import GeneratorConfig, Seq2SeqGenerator
from advrl.dialogue.model import load_model, save_pretrained_atomic
from advrl.dialogue.tokenizer import load_tokenizer

MLE_FORMAT = "advrl-dialogue-mle-v1"


class RunDir:
    """Paths inside one run directory ``root``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.tokenizer = self.root / "tokenizer"  # the tokenizer trained on the corpus
        self.mle_checkpoint = self.root / "mle.pt"  # MLE pre-training checkpoint (MLE_FORMAT)
        self.mle_model = self.root / "mle"  # the MLE model (a saved model directory)
        self.train_checkpoint = self.root / "train.pt"  # adversarial checkpoint (the core's format)
        self.model = self.root / "model"  # the adversarially trained model
        self.eval_json = self.root / "eval.json"  # the evaluation suite's numbers

    def tb(self, stage: str) -> Path:
        """TensorBoard directory of one stage (``pretrain``, ``adversarial``)."""
        return self.root / "tb" / stage

    def trained_model(self) -> Path:
        """The newest saved model: ``model/`` after adversarial training, else ``mle/``."""
        for path in (self.model, self.mle_model):
            if is_saved_model(path):
                return path
        raise UserError(f"{self.root}: no trained model (expected {self.model} or {self.mle_model}); "
                        "run `advrl dialogue train` first or pass --model")


def is_saved_model(path: str | Path) -> bool:
    """Whether ``path`` holds a saved model (its ``config.json``)."""
    return (Path(path) / "config.json").is_file()


def save_mle_checkpoint(generator: Seq2SeqGenerator, epoch: int, path: str | Path, step: int = 0,
                        curve: list[dict[str, float]] | None = None, settings: dict[str, Any] | None = None) -> Path:
    """Write the pre-training checkpoint after ``epoch`` epochs and ``step``
    minibatches of the next (atomically), with the dev-perplexity ``curve`` so far and
    the ``settings`` a resume must match (e.g. the corpus's ``corpus_sha256``)."""
    return save_checkpoint({"format": MLE_FORMAT, "epoch": epoch, "step": step, "curve": curve or [],
                            "generator": generator.state_dict(), "rng": rng_state(), "settings": settings or {}},
                           path)


def resume_mle_checkpoint(generator: Seq2SeqGenerator, path: str | Path,
                          settings: dict[str, Any] | None = None) -> tuple[int, int, list[dict[str, float]]]:
    """Restore generator and RNG states from a pre-training checkpoint; the
    epochs and minibatches of the next it had done, and its curve.
    :class:`UserError` for a file of another kind or model, or one saved with other ``settings``
    (those both hold; a checkpoint from before settings were saved holds none)."""
    state = load_checkpoint(path)
    if state.get("format") != MLE_FORMAT:
        raise UserError(f"{path}: not an advrl dialogue pre-training checkpoint (format={state.get('format')!r})")
    differ = settings_differences(state.get("settings") or {}, settings or {})
    if differ:
        raise UserError(f"--resume: {path} was pre-trained with other settings ({'; '.join(differ)}); "
                        "resume with the same corpus, or start a new run")
    generator.load_state_dict(state["generator"])
    set_rng_state(state["rng"])
    return int(state["epoch"]), int(state.get("step", 0)), list(state.get("curve", []))


def save_generator(generator: Seq2SeqGenerator, path: str | Path, **info: Any) -> Path:
    """Save model + tokenizer into ``path`` atomically, with ``info`` (stage,
    corpus, ...) and the generator's config in ``advrl.json``."""
    return save_pretrained_atomic(generator.model, generator.tokenizer, path,
                                  extra={**info, "generator": asdict(generator.config)})


def saved_generator_config(path: str | Path) -> GeneratorConfig:
    """The :class:`GeneratorConfig` recorded with a saved model (defaults for a
    model saved elsewhere, or fields it does not record)."""
    info_file = Path(path) / "advrl.json"
    try:
        info = json.loads(info_file.read_text(encoding="utf-8")) if info_file.is_file() else {}
    except json.JSONDecodeError as exc:
        raise UserError(f"{info_file}:{exc.lineno}: not valid JSON ({exc.msg})") from exc
    saved = info.get("generator") if isinstance(info, dict) else None
    known = {f.name for f in fields(GeneratorConfig)}
    return GeneratorConfig(**{k: v for k, v in (saved or {}).items() if k in known})


def load_generator(path: str | Path, pairs: list[Pair] | None = None, config: GeneratorConfig | None = None,
                   device: Any = "cpu") -> Seq2SeqGenerator:
    """A generator around the model saved in ``path``, with the config it was
    trained with unless ``config`` is given. ``pairs``: the human pairs it trains
    on (none needed to reply)."""
    config = config or saved_generator_config(path)
    model, tokenizer = load_model(path), load_tokenizer(path)
    return Seq2SeqGenerator(model, tokenizer, pairs or [("hello", "hello")], config, device=device)


__all__ = ["MLE_FORMAT", "RunDir", "is_saved_model", "load_generator", "resume_mle_checkpoint", "save_generator",
           "save_mle_checkpoint", "saved_generator_config"]
