"""Corpora: chatterbot pairs, TSV/JSONL parsing, the OpenSubtitles sample, seeded
splits, and one clear error (file:line) for bad input."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from advrl.dialogue.corpora import (
    load_chatterbot, load_corpus, load_jsonl, load_opensubtitles, load_tsv, split_pairs,
)

COMMON = {".", ",", "you", "i", "the", "?", "to", "a", "it", "and", "that", "of", "in", "me", "what", "is", "we",
          "'s", "'t", "this", "he", "for", "my", "your", "be", "have", "!", "-", "..."}


def test_chatterbot_gives_consecutive_pairs_of_each_conversation():
    pairs = load_chatterbot()
    assert len(pairs) > 1500
    assert ("Hello", "Hi") in pairs  # greetings.yml: first conversation
    # a multi-turn conversation yields (u1,u2) and (u2,u3): every reply of a turn is some pair's context
    contexts = {c for c, _ in pairs}
    chained = [r for _, r in pairs if r in contexts]
    assert len(chained) > 50


def test_splits_are_seeded_disjoint_and_complete():
    pairs = [(f"c{i}", f"r{i}") for i in range(100)]
    a, b, c = split_pairs(pairs, seed=1), split_pairs(pairs, seed=1), split_pairs(pairs, seed=2)
    assert (a.train, a.dev, a.test) == (b.train, b.dev, b.test)
    assert a.test != c.test
    assert (len(a.train), len(a.dev), len(a.test)) == (80, 10, 10)
    assert sorted(a.all()) == sorted(pairs)
    # replies to one context stay in one split: held-out contexts are unseen in training
    dup = [(f"Ctx {i % 30}", f"r{i}") for i in range(90)]
    d = split_pairs(dup, seed=0)
    train_ctx = {c.lower() for c, _ in d.train}
    assert d.dev and d.test and not any(c.lower() in train_ctx for c, _ in d.dev + d.test)
    assert sorted(d.all()) == sorted(dup)


def test_tsv_and_jsonl_parse(tmp_path):
    tsv = tmp_path / "d.tsv"
    tsv.write_text("# comment\nhello there\thi!\n\nhow are you?\tfine\n", encoding="utf-8")
    assert load_tsv(tsv) == [("hello there", "hi!"), ("how are you?", "fine")]
    jl = tmp_path / "d.jsonl"
    jl.write_text(json.dumps({"context": "a b", "reply": "c"}) + "\n\n" + json.dumps({"context": "x", "reply": "y"}))
    assert load_jsonl(jl) == [("a b", "c"), ("x", "y")]
    assert len(load_corpus(f"tsv:{tsv}").all()) == 2


def test_bad_input_names_file_and_line(tmp_path):
    empty = tmp_path / "empty.tsv"
    empty.write_text("\n# only a comment\n")
    with pytest.raises(ValueError, match=r"empty\.tsv: corpus is empty"):
        load_tsv(empty)
    no_tab = tmp_path / "notab.tsv"
    no_tab.write_text("a\tb\nc\td\njust one column\n")
    with pytest.raises(ValueError, match=r"notab\.tsv:3: .*no tab separator"):
        load_tsv(no_tab)
    bad_json = tmp_path / "bad.jsonl"
    bad_json.write_text('{"context": "a", "reply": "b"}\n{"context": "a", \n')
    with pytest.raises(ValueError, match=r"bad\.jsonl:2: not valid JSON"):
        load_jsonl(bad_json)
    wrong_fields = tmp_path / "fields.jsonl"
    wrong_fields.write_text('{"src": "a", "tgt": "b"}\n')
    with pytest.raises(ValueError, match=r"fields\.jsonl:1: expected an object"):
        load_jsonl(wrong_fields)
    with pytest.raises(ValueError, match=r"--corpus 'csv:x'"):
        load_corpus("csv:x")


def _toy_opensubtitles(tmp_path, line: str):
    d = tmp_path / "os"
    d.mkdir()
    (d / "movie_25000").write_text("UNknown\n.\nhello\nworld\n")
    for kind in ("t_given_s",):
        for split in ("train", "dev", "test"):
            (d / f"{kind}_{split}.txt").write_text("3 4 2|4 3 2\n")
    (d / "t_given_s_dev.txt").write_text("3 4 2|4 2\n" + line + "\n")
    return d


def test_opensubtitles_unknown_id_and_missing_separator(tmp_path):
    d = _toy_opensubtitles(tmp_path, "3 99 2|4 2")
    with pytest.raises(ValueError, match=r"t_given_s_dev\.txt:2: unknown word id 99 \(dictionary has ids 1\.\.4\)"):
        load_opensubtitles(d)
    (d / "t_given_s_dev.txt").write_text("3 4 2|4 2\n3 4 2 4 2\n")
    with pytest.raises(ValueError, match=r"t_given_s_dev\.txt:2: .*no '\|' separator"):
        load_opensubtitles(d)
    (d / "t_given_s_dev.txt").write_text("3 4 2|4 2\n")
    assert load_opensubtitles(d).dev == [("hello world .", "world .")]


def test_opensubtitles_sample_decodes_to_english(shared_data):
    d = shared_data("dialogue", "opensubtitles-sample")
    splits = load_opensubtitles(d)
    assert (len(splits.train), len(splits.dev), len(splits.test)) == (256, 256, 256)
    assert splits.train[0] == ("maybe his eyes were too big for his stomach .",
                               "maybe there was something in gage 's blood angel didn 't like .")
    assert splits.test[2] == ("thank you .", "sadly the mastermind behind all this has slipped through our hands")
    counts = Counter(w for pair in splits.all() for text in pair for w in text.split())
    top = [w for w, _ in counts.most_common(15) if w != "UNknown"]
    assert sum(w in COMMON for w in top) >= len(top) - 1, top
    # the negatives answer the same source lines
    for kind in ("decoded", "random"):
        neg = load_opensubtitles(d, kind)
        assert [c for c, _ in neg.test] == [c for c, _ in splits.test]
        assert sum(a != b for (_, a), (_, b) in zip(neg.test, splits.test)) > 200


@pytest.mark.parametrize("kind", ["tsv", "jsonl", "dailydialog"])
def test_corpus_that_is_not_utf8_is_one_error_naming_it(tmp_path, kind):
    if kind == "dailydialog":
        path = tmp_path / "dialogues_train.txt"
        spec = f"dailydialog:{tmp_path}"
    else:
        path = tmp_path / f"corpus.{kind}"
        spec = f"{kind}:{path}"
    path.write_bytes(b"caf\xe9\tau lait\n")  # Latin-1, not UTF-8
    with pytest.raises(ValueError, match=r"corpus\.\w+: not UTF-8 text|dialogues_train\.txt: not UTF-8 text") as err:
        load_corpus(spec)
    assert "\n" not in str(err.value) and "byte 0xe9" in str(err.value)

