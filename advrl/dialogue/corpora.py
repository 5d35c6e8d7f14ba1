"""Dialogue corpora as lists of (context, reply) string pairs.

Sources:

* ``chatterbot`` — the English YAML files of the installed ``chatterbot-corpus``
  package (each conversation ``[u1, u2, u3, ...]`` gives pairs (u1,u2), (u2,u3), ...);
* ``tsv:FILE`` — one ``context<TAB>reply`` pair a line;
* ``jsonl:FILE`` — one ``{"context": ..., "reply": ...}`` object a line;
* ``dailydialog:DIR[:N]`` — DailyDialog's official split, contexts of the last N turns
  (:mod:`advrl.dialogue.dailydialog`);
* ``opensubtitles:DIR`` — the id-encoded sample of Li et al. (``t_given_s_*.txt``
  lines ``src ids|tgt ids``, ids resolved through ``movie_25000``: one word a line,
  id = line number starting at 1), with its ``decoded_*``/``random_*`` negatives.

Every parse error is one :class:`~advrl.core.UserError` naming the file and line.
"""

from __future__ import annotations

import json
import random
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from advrl.core import UserError, content_sha256

Pair = tuple[str, str]

OPENSUBTITLES_SPLITS = ("train", "dev", "test")


def not_utf8(path: str | Path, exc: UnicodeDecodeError) -> UserError:
    """The one error for a corpus file that is not UTF-8 text (binary, Latin-1, a zip given as tsv:)."""
    return UserError(f"{path}: not UTF-8 text ({exc.reason}, byte 0x{exc.object[exc.start]:02x}); "
                     "corpus files are read as UTF-8")


@contextmanager
def reading_utf8(path: str | Path) -> Iterator[None]:
    """Around the read of a corpus file: a ``UnicodeDecodeError`` becomes :func:`not_utf8`'s line."""
    try:
        yield
    except UnicodeDecodeError as exc:
        raise not_utf8(path, exc) from None


@dataclass
class Splits:
    """Train/dev/test lists of (context, reply) pairs."""

    train: list[Pair]
    dev: list[Pair]
    test: list[Pair]

    def all(self) -> list[Pair]:
        return self.train + self.dev + self.test

    def sha256(self) -> str:
        """The sha256 of the three lists' texts: what a resume compares, not the corpus's path."""
        return content_sha256(self.train, self.dev, self.test)


def chatterbot_dir() -> Path:
    """The English data directory of the installed ``chatterbot_corpus`` package."""
    try:
        import chatterbot_corpus
    except ImportError as exc:  # pragma: no cover - dependency of the package
        raise UserError("the default corpus needs the 'chatterbot-corpus' package (pip install chatterbot-corpus)") from exc
    path = Path(chatterbot_corpus.__file__).parent / "data" / "english"
    if not path.is_dir():
        raise UserError(f"{path}: chatterbot-corpus English data directory not found")
    return path


def load_chatterbot(directory: str | Path | None = None) -> list[Pair]:
    """Consecutive (context, reply) pairs from every ``*.yml`` conversation list."""
    import yaml

    directory = Path(directory) if directory is not None else chatterbot_dir()
    files = sorted(directory.glob("*.yml"))
    if not files:
        raise UserError(f"{directory}: no *.yml chatterbot files found")
    pairs: list[Pair] = []
    for file in files:
        with reading_utf8(file):
            text = file.read_text(encoding="utf-8")
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", -1) + 1
            raise UserError(f"{file}:{line}: not valid YAML ({exc.__class__.__name__})") from exc
        conversations = (data or {}).get("conversations") or []
        if not isinstance(conversations, list):
            raise UserError(f"{file}: 'conversations' must be a list of utterance lists")
        for conv in conversations:
            if not isinstance(conv, list):
                continue
            turns = [" ".join(str(u).split()) for u in conv if u is not None]
            for a, b in zip(turns, turns[1:]):
                if a and b:
                    pairs.append((a, b))
    if not pairs:
        raise UserError(f"{directory}: corpus is empty (no conversation with two turns)")
    return pairs


def _read_pairs(path: str | Path, parse: Callable[[str, Path, int], Pair | None], empty: str) -> list[Pair]:
    """Pairs from ``parse(line, path, lineno)`` over the lines of a text file (``None``: skip the line);
    a file with no pair is an error naming it."""
    path = _existing(path)
    pairs: list[Pair] = []
    with reading_utf8(path), path.open(encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, 1):
            pair = parse(raw.rstrip("\n").rstrip("\r"), path, lineno)
            if pair is None:
                continue
            context, reply = pair
            if not context.strip() or not reply.strip():
                raise UserError(f"{path}:{lineno}: empty context or reply")
            pairs.append((context.strip(), reply.strip()))
    if not pairs:
        raise UserError(f"{path}: corpus is empty ({empty})")
    return pairs


def _tsv_line(line: str, path: Path, lineno: int) -> Pair | None:
    if not line.strip() or line.startswith("#"):
        return None
    if "\t" not in line:
        raise UserError(f"{path}:{lineno}: expected 'context<TAB>reply', found no tab separator")
    context, reply = line.split("\t", 1)
    return context, reply


def _jsonl_line(line: str, path: Path, lineno: int) -> Pair | None:
    if not line.strip():
        return None
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from exc
    if not isinstance(obj, dict) or not isinstance(obj.get("context"), str) or not isinstance(obj.get("reply"), str):
        raise UserError(f"{path}:{lineno}: expected an object with string fields 'context' and 'reply'")
    return obj["context"], obj["reply"]


def load_tsv(path: str | Path) -> list[Pair]:
    """``context<TAB>reply`` lines; blank lines and ``#`` comments are skipped."""
    return _read_pairs(path, _tsv_line, "no 'context<TAB>reply' lines")


def load_jsonl(path: str | Path) -> list[Pair]:
    """One JSON object a line with string fields ``context`` and ``reply``."""
    return _read_pairs(path, _jsonl_line, "no JSON lines")


def load_vocabulary(path: str | Path) -> list[str]:
    """The ``movie_25000`` dictionary: word of id ``i`` is line ``i`` (1-based)."""
    path = _existing(path)
    with reading_utf8(path):
        words = path.read_text(encoding="utf-8").split("\n")
    if words and words[-1] == "":
        words.pop()
    if not words:
        raise UserError(f"{path}: dictionary is empty")
    return words


def decode_ids(text: str, vocab: list[str], path: Path, lineno: int) -> str:
    """Space-separated ids → words (the trailing end-of-sentence id is kept as text)."""
    words = []
    for tok in text.split():
        if not tok.isdigit():
            raise UserError(f"{path}:{lineno}: expected integer word ids, found {tok!r}")
        idx = int(tok)
        if not 1 <= idx <= len(vocab):
            raise UserError(f"{path}:{lineno}: unknown word id {idx} (dictionary has ids 1..{len(vocab)})")
        words.append(vocab[idx - 1])
    return " ".join(words)


def load_id_pairs(path: str | Path, vocab: list[str]) -> list[Pair]:
    """Lines ``src ids|tgt ids`` decoded through ``vocab``."""
    path = _existing(path)
    pairs: list[Pair] = []
    with reading_utf8(path), path.open(encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.strip()
            if not line:
                continue
            if "|" not in line:
                raise UserError(f"{path}:{lineno}: expected 'source ids|target ids', found no '|' separator")
            src, tgt = line.split("|", 1)
            context, reply = decode_ids(src, vocab, path, lineno), decode_ids(tgt, vocab, path, lineno)
            if not context or not reply:
                raise UserError(f"{path}:{lineno}: empty source or target")
            pairs.append((context, reply))
    if not pairs:
        raise UserError(f"{path}: corpus is empty (no 'src|tgt' lines)")
    return pairs


def load_opensubtitles(directory: str | Path, kind: str = "t_given_s") -> Splits:
    """The sample's own train/dev/test files of ``kind`` (``t_given_s`` human
    replies; ``decoded`` or ``random`` negatives for evaluator checks)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise UserError(f"{directory}: OpenSubtitles directory not found")
    vocab = load_vocabulary(directory / "movie_25000")
    parts = {s: load_id_pairs(directory / f"{kind}_{s}.txt", vocab) for s in OPENSUBTITLES_SPLITS}
    return Splits(**parts)


def split_pairs(pairs: list[Pair], seed: int = 0, dev: float = 0.1, test: float = 0.1) -> Splits:
    """Seeded split into train/dev/test by *context*: all replies to one
    (case-folded) context land in the same split, so held-out contexts are
    unseen in training. Dev and test get at least one context each when there
    are at least three distinct contexts."""
    if not pairs:
        raise UserError("corpus is empty")
    groups: dict[str, list[Pair]] = {}
    for pair in pairs:
        groups.setdefault(" ".join(pair[0].lower().split()), []).append(pair)
    keys = list(groups)
    random.Random(seed).shuffle(keys)
    n = len(pairs)
    want_dev = max(1, int(round(n * dev))) if len(keys) >= 3 else 0
    want_test = max(1, int(round(n * test))) if len(keys) >= 3 else 0
    out: dict[str, list[Pair]] = {"dev": [], "test": [], "train": []}
    for i, key in enumerate(keys):
        left = len(keys) - i  # keep at least one context for train
        if len(out["dev"]) < want_dev and left > 2:
            out["dev"].extend(groups[key])
        elif len(out["test"]) < want_test and left > 1:
            out["test"].extend(groups[key])
        else:
            out["train"].extend(groups[key])
    return Splits(**out)


def load_corpus(spec: str, seed: int = 0) -> Splits:
    """Parse ``chatterbot`` | ``tsv:FILE`` | ``jsonl:FILE`` | ``dailydialog:DIR[:N]`` | ``opensubtitles:DIR``."""
    kind, _, arg = spec.partition(":")
    if kind == "chatterbot":
        return split_pairs(load_chatterbot(arg or None), seed)
    if kind == "tsv" and arg:
        return split_pairs(load_tsv(arg), seed)
    if kind == "jsonl" and arg:
        return split_pairs(load_jsonl(arg), seed)
    if kind == "opensubtitles" and arg:
        return load_opensubtitles(arg)
    if kind == "dailydialog" and arg:
        from advrl.dialogue.dailydialog import load_dailydialog

        return Splits(**load_dailydialog(arg))
    raise UserError(f"--corpus {spec!r}: expected chatterbot, tsv:FILE, jsonl:FILE, dailydialog:DIR[:N] or "
                    "opensubtitles:DIR")


def load_negatives(spec: str) -> dict[str, Splits]:
    """Known machine-reply negatives of the corpus ``spec`` names, by kind, for
    evaluator checks: OpenSubtitles' ``decoded`` and ``random`` files; none for
    the other corpora."""
    kind, _, arg = spec.partition(":")
    if kind == "opensubtitles" and arg:
        return {neg: load_opensubtitles(arg, neg) for neg in ("decoded", "random")}
    return {}


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    return path


__all__ = [
    "OPENSUBTITLES_SPLITS", "Pair", "Splits", "chatterbot_dir", "decode_ids", "load_chatterbot", "load_corpus",
    "load_id_pairs", "load_jsonl", "load_negatives", "load_opensubtitles", "load_tsv", "load_vocabulary", "split_pairs",
]
