"""The run contract for `advrl dialogue`: a stage's results are never replaced without
--resume or --overwrite (the MLE stage's results stay the input of `train`), a resume
with other settings names them, and --rounds 0 is refused."""

from __future__ import annotations

import json

from advrl.cli import main


def _err(capsys) -> list[str]:
    return capsys.readouterr().err.strip().splitlines()


def test_stages_are_kept_unless_resume_or_overwrite(tmp_path, corpus, tiny, capsys):
    out = str(tmp_path / "run")
    common = ["--corpus", f"tsv:{corpus}", "--out", out, *tiny]
    assert main(["dialogue", "pretrain", *common, "--mle-epochs", "1"]) == 0
    capsys.readouterr()
    assert main(["dialogue", "pretrain", *common, "--mle-epochs", "1"]) == 2
    err = _err(capsys)
    assert len(err) == 1 and "already holds a run" in err[0]
    train = ["dialogue", "train", *common, "--d-pretrain", "1", "--rounds", "2"]
    assert main(train) == 0  # the MLE model in out is this stage's input, not a run to protect
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["rounds"] == 2 and summary["corpus"].startswith("tsv:")
    capsys.readouterr()
    assert main(train) == 2 and "already holds a run" in _err(capsys)[0]
    assert main(train[:-1] + ["3", "--resume", "--d-lr", "0.5"]) == 2
    err = _err(capsys)
    assert len(err) == 1 and "d_lr: checkpoint 0.001, now 0.5" in err[0], err
    assert main(train + ["--overwrite"]) == 0
    assert main(["dialogue", "train", *common, "--rounds", "0"]) == 2
    assert "rounds" in _err(capsys)[0]


def test_resume_compares_the_corpus_not_its_path(tmp_path, corpus, tiny, capsys):
    """Both stages resume from the same pairs under another path and refuse other pairs naming
    ``corpus_sha256`` (pre-training compared nothing; adversarial training compared the path)."""
    copy, other = tmp_path / "copy.tsv", tmp_path / "other.tsv"
    copy.write_bytes(corpus.read_bytes())
    other.write_text(corpus.read_text().replace("bye", "farewell"))
    out = ["--out", str(tmp_path / "run"), *tiny]
    assert main(["dialogue", "pretrain", "--corpus", f"tsv:{corpus}", *out, "--mle-epochs", "1"]) == 0
    capsys.readouterr()
    for stage in (["pretrain", "--mle-epochs", "2"], ["train", "--d-pretrain", "1", "--rounds", "2"]):
        if stage[0] == "train":
            assert main(["dialogue", "train", "--corpus", f"tsv:{corpus}", *out, *stage[1:-1], "1"]) == 0
            capsys.readouterr()
        assert main(["dialogue", stage[0], "--corpus", f"tsv:{other}", *out, *stage[1:], "--resume"]) == 2
        err = _err(capsys)
        assert len(err) == 1 and "corpus_sha256: checkpoint" in err[0], err
        assert main(["dialogue", stage[0], "--corpus", f"tsv:{copy}", *out, *stage[1:], "--resume"]) == 0
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["rounds"] == 2 and summary["settings"]["corpus"] == f"tsv:{copy}"


def test_a_stage_is_not_written_into_another_kind_of_run(tmp_path, capsys):
    from advrl.cli import main

    gail_run = tmp_path / "gail_run"
    gail_run.mkdir()
    for name in ("checkpoint.pt", "config.json", "policy.zip"):
        (gail_run / name).write_bytes(b"x")
    assert main(["dialogue", "pretrain", "--corpus", "chatterbot", "--out", str(gail_run)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "holds another kind of run (checkpoint.pt, config.json)" in err[0], err
    assert sorted(p.name for p in gail_run.iterdir()) == ["checkpoint.pt", "config.json", "policy.zip"]
