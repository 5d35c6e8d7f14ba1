"""Shared dialogue fixtures: a tiny TSV corpus and CLI size flags small enough for seconds-long runs."""

from __future__ import annotations

import pytest

TINY_FLAGS = ["--vocab-size", "80", "--d-model", "16", "--layers", "1", "--context-len", "8", "--reply-len", "6",
              "--batch-size", "16", "--no-progress"]


@pytest.fixture
def tiny() -> list[str]:
    """CLI flags for a tiny model."""
    return list(TINY_FLAGS)


@pytest.fixture
def corpus(tmp_path):
    """A 20-pair TSV corpus (10 contexts, each answered twice)."""
    words = ["hello", "how are you", "good morning", "what is your name", "bye", "thanks", "nice day",
             "see you", "who are you", "where are you"]
    lines = [f"{a}\t{b}" for a, b in zip(words, words[1:] + words[:1])] * 2
    path = tmp_path / "toy.tsv"
    path.write_text("\n".join(lines) + "\n")
    return path
