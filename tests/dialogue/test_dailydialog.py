"""DailyDialog: the official split read straight from train.zip, multi-turn contexts, and
one clean line for a bad file."""

from __future__ import annotations

import zipfile

import pytest

from advrl.core import UserError
from advrl.dialogue.corpora import load_corpus
from advrl.dialogue.dailydialog import TURN_SEP, dialogue_pairs, load_dailydialog


def test_pairs_have_the_last_n_turns_as_context():
    line = "Hi there . __eou__ Hello ! __eou__ How are you ? __eou__ Fine , thanks . __eou__"
    pairs = dialogue_pairs([line], "x", turns=2)
    assert pairs == [("Hi there .", "Hello !"), (f"Hi there .{TURN_SEP}Hello !", "How are you ?"),
                     (f"Hello !{TURN_SEP}How are you ?", "Fine , thanks .")]
    assert dialogue_pairs([line], "x", turns=1)[2] == ("How are you ?", "Fine , thanks .")


def test_reads_the_zip_and_the_official_split(tmp_path):
    with zipfile.ZipFile(tmp_path / "train.zip", "w") as z:
        z.writestr("train/dialogues_train.txt", "a b . __eou__ c d . __eou__\ne . __eou__ f . __eou__ g . __eou__\n")
    (tmp_path / "dialogues_validation.txt").write_text("v1 . __eou__ v2 . __eou__\n")
    (tmp_path / "dialogues_test.txt").write_text("t1 . __eou__ t2 . __eou__\n")
    splits = load_corpus(f"dailydialog:{tmp_path}")
    assert len(splits.train) == 3 and splits.dev == [("v1 .", "v2 .")] and splits.test == [("t1 .", "t2 .")]
    assert load_dailydialog(f"{tmp_path}:1")["train"][-1] == ("f .", "g .")


def test_bad_files_are_one_clear_error(tmp_path):
    (tmp_path / "train.zip").write_bytes(b"not a zip")
    with pytest.raises(UserError, match="train.zip: not a readable zip"):
        load_dailydialog(str(tmp_path))
    (tmp_path / "train.zip").unlink()
    (tmp_path / "dialogues_train.txt").write_text("no end markers here\n")
    (tmp_path / "dialogues_validation.txt").write_text("x . __eou__ y . __eou__\n")
    (tmp_path / "dialogues_test.txt").write_text("x . __eou__ y . __eou__\n")
    with pytest.raises(UserError, match=r"dialogues_train.txt:1: expected turns ending in '__eou__'"):
        load_dailydialog(str(tmp_path))
    with pytest.raises(UserError, match="DailyDialog directory not found"):
        load_dailydialog(str(tmp_path / "nope"))


def test_shared_dailydialog_has_the_published_size(shared_data):
    splits = load_corpus(f"dailydialog:{shared_data('dialogue', 'dailydialog')}")
    assert len(splits.train) == 76_053  # the published count of consecutive-turn pairs
    assert len(splits.dev) > 7_000 and len(splits.test) > 6_500
