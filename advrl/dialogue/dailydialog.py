"""DailyDialog (Li et al., IJCNLP 2017) as (context, reply) pairs with multi-turn contexts.

A corpus directory holds the official split: ``train.zip`` (``train/dialogues_train.txt``
inside, read directly), or ``dialogues_train.txt``, plus ``dialogues_validation.txt`` and
``dialogues_test.txt``: one dialogue a line, turns ending in ``__eou__``. Every turn after
the first is a reply; its context is the last ``turns`` turns before it, joined by
:data:`TURN_SEP` (``--corpus dailydialog:DIR`` uses 2; ``dailydialog:DIR:N`` sets N).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Iterable

from advrl.core import UserError
from advrl.dialogue.corpora import reading_utf8

TURN_SEP = " | "  # between context turns: a character the corpus's text never uses as a word
SPLIT_FILES = {"train": "dialogues_train.txt", "dev": "dialogues_validation.txt", "test": "dialogues_test.txt"}


def dialogue_pairs(lines: Iterable[str], source: str, turns: int = 2) -> list[tuple[str, str]]:
    """(context of the last ``turns`` turns, reply) for every turn after a dialogue's first."""
    if turns < 1:
        raise UserError(f"dailydialog context turns must be >= 1, got {turns}")
    pairs = []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if "__eou__" not in line:
            raise UserError(f"{source}:{lineno}: expected turns ending in '__eou__' (DailyDialog's format)")
        utterances = [" ".join(u.split()) for u in line.split("__eou__")]
        utterances = [u for u in utterances if u]
        for i in range(1, len(utterances)):
            pairs.append((TURN_SEP.join(utterances[max(0, i - turns):i]), utterances[i]))
    if not pairs:
        raise UserError(f"{source}: corpus is empty (no dialogue with two turns)")
    return pairs


def _split_lines(directory: Path, split: str) -> tuple[list[str], str]:
    name = SPLIT_FILES[split]
    plain = directory / name
    if plain.is_file():
        with reading_utf8(plain):
            return plain.read_text(encoding="utf-8").splitlines(), str(plain)
    archive = directory / f"{split}.zip"
    if split == "train" and archive.is_file():
        try:
            with zipfile.ZipFile(archive) as z:
                member = next((m for m in z.namelist() if m.endswith(name)), None)
                if member is None:
                    raise UserError(f"{archive}: holds no {name}")
                with reading_utf8(f"{archive}!{member}"):
                    text = io.TextIOWrapper(z.open(member), encoding="utf-8").read()
        except zipfile.BadZipFile:
            raise UserError(f"{archive}: not a readable zip archive") from None
        return text.splitlines(), f"{archive}!{member}"
    raise UserError(f"{directory}: no {name}" + (" or train.zip" if split == "train" else "")
                    + " (expected DailyDialog's official split)")


def load_dailydialog(spec: str) -> dict[str, list[tuple[str, str]]]:
    """``DIR`` or ``DIR:N`` → the official train/dev/test pairs with N-turn contexts (default 2)."""
    path, _, turns = spec.rpartition(":") if spec.rsplit(":", 1)[-1].isdigit() else (spec, "", "")
    directory = Path(path)
    if not directory.is_dir():
        raise UserError(f"{directory}: DailyDialog directory not found")
    n = int(turns) if turns else 2
    out = {}
    for split in SPLIT_FILES:
        lines, source = _split_lines(directory, split)
        out[split] = dialogue_pairs(lines, source, n)
    return out


__all__ = ["SPLIT_FILES", "TURN_SEP", "dialogue_pairs", "load_dailydialog"]
