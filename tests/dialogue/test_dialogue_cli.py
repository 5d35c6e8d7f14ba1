"""`advrl dialogue pretrain|train|eval|chat` end to end on a tiny TSV corpus:
artefacts, resume, piped chat, and one-line errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys

from advrl.cli import main
from advrl.core import load_checkpoint


def test_pretrain_train_resume_eval_chat(tmp_path, corpus, tiny, capsys):
    out = tmp_path / "run"
    spec = f"tsv:{corpus}"
    assert main(["dialogue", "pretrain", "--corpus", spec, "--out", str(out), "--mle-epochs", "2", *tiny]) == 0
    assert (out / "mle" / "config.json").is_file() and (out / "mle" / "tokenizer.json").is_file()
    assert load_checkpoint(out / "mle.pt")["epoch"] == 2
    # resuming pre-training continues from epoch 2
    assert main(["dialogue", "pretrain", "--corpus", spec, "--out", str(out), "--mle-epochs", "3", "--resume",
                 *tiny]) == 0
    assert load_checkpoint(out / "mle.pt")["epoch"] == 3
    train = ["dialogue", "train", "--corpus", spec, "--out", str(out), "--d-pretrain", "2", "--checkpoint-every",
             "1", *tiny]
    assert main([*train, "--rounds", "2"]) == 0
    assert load_checkpoint(out / "train.pt")["round"] == 2
    assert (out / "model" / "config.json").is_file()
    assert any((out / "tb" / "adversarial").iterdir())
    assert main([*train, "--rounds", "4", "--resume"]) == 0
    assert load_checkpoint(out / "train.pt")["round"] == 4
    assert json.loads((out / "model" / "advrl.json").read_text())["rounds"] == 4
    capsys.readouterr()
    assert main(["dialogue", "eval", "--corpus", spec, "--out", str(out), "--eval-seeds", "1"]) == 0
    result = json.loads((out / "eval.json").read_text())
    for key in ("adversuc", "evaluator_accuracy", "reliability_human_vs_shuffled_reply", "distinct1", "distinct2", "bleu",
                "length"):
        assert 0.0 <= result[key] <= (100.0 if key in ("bleu", "length") else 1.0), key
    # the seq2seq evaluator starts from the run's MLE model (mle/), not from the adversarial one it judges
    assert main(["dialogue", "eval", "--corpus", spec, "--out", str(out), "--eval-seeds", "1", "--evaluator",
                 "seq2seq"]) == 0
    result = json.loads((out / "eval.json").read_text())
    assert result["evaluator"] == "seq2seq" and 0.0 <= result["adversuc"] <= 1.0
    # chat answers each piped line on its own line
    proc = subprocess.run([sys.executable, "-m", "advrl", "dialogue", "chat", "--out", str(out)],
                          input="hello\n\nhow are you\n", capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 2
    # --model RUN_DIR alone (the newest model: the adversarial one) or one of its saved models
    for model in (out, out / "mle"):
        proc = subprocess.run([sys.executable, "-m", "advrl", "dialogue", "chat", "--model", str(model)],
                              input="hello\n", capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 1, proc.stderr


def test_bad_input_is_one_error_line(tmp_path, tiny, capsys):
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tb\nno separator here\n")
    assert main(["dialogue", "pretrain", "--corpus", f"tsv:{bad}", "--out", str(tmp_path / "o"), *tiny]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("advrl: error:") and f"{bad}:2:" in err and len(err.splitlines()) == 1
    notmodel = tmp_path / "notmodel"
    notmodel.mkdir()
    (notmodel / "weights.bin").write_bytes(b"x")
    good = tmp_path / "good.tsv"
    good.write_text("a\tb\nc\td\ne\tf\n")
    assert main(["dialogue", "train", "--corpus", f"tsv:{good}", "--out", str(tmp_path / "o"), "--model",
                 str(notmodel), *tiny]) == 2
    err = capsys.readouterr().err
    assert "config.json" in err and "seq2seq checkpoint" in err
    assert main(["dialogue", "chat", "--out", str(tmp_path / "empty")]) == 2
    assert "no trained model" in capsys.readouterr().err
    assert main(["dialogue", "chat", "--model", str(tmp_path / "empty")]) == 2
    assert "no trained model" in capsys.readouterr().err
    assert main(["dialogue", "eval"]) == 2
    assert "give --model RUN_DIR" in capsys.readouterr().err
