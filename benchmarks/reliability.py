"""Faults and bad input tried on every `advrl` command, and what each gives.

Each case runs the real CLI in a subprocess (``python -m advrl.cli``), then checks the
contract written in the README: bad input ends with ONE line ``advrl: error: ...`` that
names the flag or file, exit code 2, no traceback and no torch advice to unpickle;
an interrupt saves a checkpoint and says where (exit 130); nothing a user made is
replaced without --resume or --overwrite.

    .venv/bin/python benchmarks/reliability.py        # ~3 min; writes results/reliability.{md,json}
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CARTPOLE = str(ROOT / "experts" / "demos" / "CartPole-v1.npz")
POLICY = str(ROOT / "experts" / "CartPole-v1-ppo.zip")
PENDULUM = str(ROOT / "experts" / "demos" / "Pendulum-v1.npz")
GAIL = ["gail", "train", "--env", "CartPole-v1", "--demos", CARTPOLE, "--no-progress", "--device", "cpu",
        "--eval-episodes", "1"]
GAN = ["gan", "train", "--data", "digits", "--width", "8", "--z-dim", "8", "--batch-size", "16", "--sample-every",
       "0", "--no-progress", "--device", "cpu"]
TINY = ["--vocab-size", "80", "--d-model", "16", "--layers", "1", "--context-len", "8", "--reply-len", "6",
        "--batch-size", "16", "--no-progress"]


@dataclass
class Case:
    """One fault: the CLI arguments, the exit code and a text the one-line message must hold."""

    group: str
    what: str
    argv: list[str]
    code: int = 2
    needle: str = ""
    signal_after: float | None = None  # send SIGINT/SIGTERM this long after start (or after ``signal_when``)
    signal_when: str | None = None  # ... after this file appears (training has started; relative to the work dir)
    fresh: bool = False  # remove ``signal_when`` first (it is rewritten when the run starts)
    sig: int = signal.SIGINT
    check: str | None = None  # a file that must exist afterwards (relative to the work dir)
    absent: str | None = None  # a file that must not exist afterwards (what a hostile file would have made)
    result: dict = field(default_factory=dict)


def _files(work: Path) -> dict[str, str]:
    """Bad files of every kind, made fresh in ``work``."""
    import numpy as np

    f = {}
    (work / "empty.npz").write_bytes(b"")
    f["empty"] = str(work / "empty.npz")
    data = Path(CARTPOLE).read_bytes()
    (work / "truncated.npz").write_bytes(data[: len(data) // 3])
    f["truncated"] = str(work / "truncated.npz")
    (work / "text.npz").write_text("obs,acts\n1,2\n")
    f["text"] = str(work / "text.npz")
    z = dict(np.load(CARTPOLE))
    z["obs"] = z["obs"].copy()
    z["obs"][3, 1] = np.nan
    np.savez(work / "nan.npz", **z)
    f["nan"] = str(work / "nan.npz")
    obj = np.empty(2, dtype=object)
    obj[:] = [np.zeros((3, 4)), np.zeros((2, 4))]
    np.savez(work / "pickled.npz", obs=obj, acs=obj)
    f["pickled"] = str(work / "pickled.npz")
    (work / "afile").write_text("x")
    f["afile"] = str(work / "afile")
    (work / "notarun").mkdir()
    (work / "notarun" / "thesis.tex").write_text("mine")
    f["notarun"] = str(work / "notarun")
    (work / "garbage.pt").write_bytes(b"\x80\x04not really a checkpoint")
    f["garbage"] = str(work / "garbage.pt")
    (work / "empty.tsv").write_text("\n\n")
    f["empty_tsv"] = str(work / "empty.tsv")
    (work / "notab.tsv").write_text("hello there\tgeneral kenobi\nno tab on this line\n")
    f["notab_tsv"] = str(work / "notab.tsv")
    (work / "bad.jsonl").write_text('{"context": "hi", "reply": "yo"}\n{"context": oops}\n')
    f["bad_jsonl"] = str(work / "bad.jsonl")
    words = ["hello", "how are you", "good morning", "what is your name", "bye", "thanks"]
    (work / "toy.tsv").write_text("\n".join(f"{a}\t{b}" for a, b in zip(words, words[1:] + words[:1])) * 3 + "\n")
    f["toy_tsv"] = str(work / "toy.tsv")
    mn = work / "mnist_bad"
    mn.mkdir()
    (mn / "t10k-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03" + b"\x00" * 20)
    (mn / "t10k-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01" + b"\x00" * 8)
    f["mnist_bad"] = str(mn)
    pol = Path(POLICY).read_bytes()
    (work / "cut.zip").write_bytes(pol[: len(pol) // 2])
    f["cut_zip"] = str(work / "cut.zip")
    # session 30's hostile-user pass
    meta = json.loads(str(z["metadata_json"]))
    np.savez(work / "other_task.npz", **{**dict(np.load(CARTPOLE)),
                                         "metadata_json": np.array(json.dumps({**meta, "env_id": "MyBalancer-v0"}))})
    f["other_task"] = str(work / "other_task.npz")
    p = dict(np.load(PENDULUM))
    np.savez(work / "big_actions.npz", **{**p, "acts": p["acts"] * 50})
    f["big_actions"] = str(work / "big_actions.npz")
    np.savez(work / "meta_list.npz", **{**dict(np.load(CARTPOLE)), "metadata_json": np.array("[1, 2]")})
    f["meta_list"] = str(work / "meta_list.npz")
    np.savez(work / "obs_acts.npz", obs=np.zeros((10, 4), np.float32), acts=np.zeros(10, np.int64))
    f["obs_acts"] = str(work / "obs_acts.npz")
    (work / "CartPole-v1.zip").write_bytes(pol)  # rl-zoo's naming: the zip is named for its env
    f["named_zip"] = str(work / "CartPole-v1.zip")
    (work / "latin1.tsv").write_bytes(b"caf\xe9\tau lait\n")
    f["latin1_tsv"] = str(work / "latin1.tsv")
    # session 32: an rl-zoo layout (<Env>.zip + <Env>/vecnormalize.pkl) whose pickle would run a command
    (work / "zoo" / "CartPole-v1").mkdir(parents=True)
    (work / "zoo" / "CartPole-v1.zip").write_bytes(pol)
    (work / "zoo" / "CartPole-v1" / "vecnormalize.pkl").write_bytes(pickle.dumps(_RunsCommand(work / "pwned")))
    f["zoo_zip"] = str(work / "zoo" / "CartPole-v1.zip")
    return f


class _RunsCommand:
    """Pickles as a call of ``os.system`` (a hostile ``vecnormalize.pkl``); nothing here calls it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def cases(f: dict[str, str], w: Path) -> list[Case]:
    run, grun, drun = str(w / "gail_run"), str(w / "gan_run"), str(w / "dlg_run")
    gail = lambda *a: GAIL + ["--out", str(w / "g_bad"), *a]  # noqa: E731
    gan = lambda *a: GAN + ["--out", str(w / "gan_bad"), *a]  # noqa: E731
    dlg = lambda corpus, *a: ["dialogue", "train", "--corpus", corpus, "--out", str(w / "d_bad"), *TINY, *a]  # noqa
    return [
        Case("gail", "unknown env id", ["gail", "train", "--env", "CartPol-v1", "--demos", CARTPOLE], 2, "CartPol-v1"),
        Case("gail", "demo file missing", GAIL[:5] + [str(w / "nope.npz")] + GAIL[6:] + ["--out", run + "x"], 2,
             "nope.npz"),
        Case("gail", "demo file empty (0 bytes)", GAIL[:5] + [f["empty"]] + GAIL[6:] + ["--out", run + "x"], 2, "empty"),
        Case("gail", "demo file truncated", GAIL[:5] + [f["truncated"]] + GAIL[6:] + ["--out", run + "x"], 2,
             "truncated.npz"),
        Case("gail", "demo file is text", GAIL[:5] + [f["text"]] + GAIL[6:] + ["--out", run + "x"], 2, "text.npz"),
        Case("gail", "NaN in demo obs", GAIL[:5] + [f["nan"]] + GAIL[6:] + ["--out", run + "x"], 2, "nan.npz"),
        Case("gail", "pickled object arrays only", GAIL[:5] + [f["pickled"]] + GAIL[6:] + ["--out", run + "x"], 2,
             "pickled.npz"),
        Case("gail", "demos of another env (CartPole demos, Pendulum)",
             ["gail", "train", "--env", "Pendulum-v1", "--demos", CARTPOLE, "--out", run + "p"], 2, "'obs'"),
        Case("gail", "--timesteps 0", gail("--timesteps", "0"), 2, "--timesteps"),
        Case("gail", "--timesteps -5", gail("--timesteps", "-5"), 2, "--timesteps"),
        Case("gail", "--demo-episodes 0", gail("--demo-episodes", "0"), 2, "--demo-episodes"),
        Case("gail", "--d-steps 0", gail("--d-steps", "0"), 2, "--d-steps"),
        Case("gail", "--batch-size 0", gail("--batch-size", "0"), 2, "--batch-size"),
        Case("gail", "--horizon sometimes", gail("--horizon", "sometimes"), 2, "--horizon"),
        Case("gail", "--device tpu", gail("--device", "tpu"), 2, "tpu"),
        Case("gail", "--reward fancy", gail("--reward", "fancy"), 2, "fancy"),
        Case("gail", "--algo sac on discrete actions (CartPole)", gail("--algo", "sac"), 2, "Box"),
        Case("gail", "--algo sac with --buffer-rounds", ["gail", "train", "--env", "Pendulum-v1", "--demos",
             PENDULUM, "--algo", "sac", "--buffer-rounds", "8", "--out", str(w / "g_bad")], 2, "--buffer-rounds"),
        Case("gail", "--final-eval-episodes 0", gail("--final-eval-episodes", "0"), 2, "--final-eval-episodes"),
        Case("gail", "airl --policy-reward fancy", ["airl", "train", "--env", "CartPole-v1", "--demos", CARTPOLE,
             "--out", str(w / "a_bad"), "--policy-reward", "fancy"], 2, "fancy"),
        Case("gail", "--out under a file", GAIL + ["--out", f["afile"] + "/run"], 2, "--out"),
        Case("gail", "existing run, no --resume", GAIL + ["--out", run, "--timesteps", "256"], 2, "already holds a run"),
        Case("gail", "--resume, no checkpoint", GAIL + ["--out", str(w / "fresh"), "--resume"], 2, "no checkpoint"),
        Case("gail", "--resume with another --d-steps", GAIL + ["--out", run, "--resume", "--timesteps", "1024",
                                                                 "--d-steps", "9"], 2, "d_steps"),
        Case("gail", "--resume with a smaller budget", GAIL + ["--out", run, "--resume", "--timesteps", "100"], 2,
             "beyond"),
        Case("gail", "--resume and --overwrite", GAIL + ["--out", run, "--resume", "--overwrite"], 2, "--overwrite"),
        Case("gail", "--overwrite on a folder that is no run", GAIL + ["--out", f["notarun"], "--overwrite"], 2,
             "does not look like"),
        Case("gail", "garbage checkpoint, --resume", GAIL + ["--out", str(w / "garbage_run"), "--resume"], 2,
             "checkpoint.pt"),
        Case("gail", "`gail reward` on a non-reward file", ["gail", "reward", f["garbage"]], 2, "garbage.pt"),
        Case("gail", "`gail ppo --reward bogus`", ["gail", "ppo", "--env", "CartPole-v1", "--reward", "bogus"], 2,
             "learned:PATH"),
        Case("gan", "--data cifar", gan("--data", "cifar"), 2, "cifar"),
        Case("gan", "--data mnist:/nonexistent", gan("--data", "mnist:/nonexistent"), 2, "/nonexistent"),
        Case("gan", "truncated MNIST IDX files", gan("--data", "mnist:" + f["mnist_bad"]), 2, "mnist_bad"),
        Case("gan", "--loss foo", gan("--loss", "foo"), 2, "foo"),
        Case("gan", "--rounds 0", gan("--rounds", "0"), 2, "rounds"),
        Case("gan", "--batch-size 0", gan("--batch-size", "0"), 2, "batch"),
        Case("gan", "--device cuda (no GPU here)", gan("--device", "cuda"), 2, "cuda"),
        Case("gan", "existing run, no --resume", GAN + ["--out", grun, "--rounds", "2"], 2, "already holds a run"),
        Case("gan", "--resume with another --width", GAN + ["--out", grun, "--rounds", "8", "--resume", "--width",
                                                            "16"], 2, "width"),
        Case("dialogue", "empty corpus", dlg("tsv:" + f["empty_tsv"]), 2, "empty.tsv"),
        Case("dialogue", "TSV line without a tab", dlg("tsv:" + f["notab_tsv"]), 2, "notab.tsv:2"),
        Case("dialogue", "malformed JSONL", dlg("jsonl:" + f["bad_jsonl"]), 2, "bad.jsonl:2"),
        Case("dialogue", "corpus file missing", dlg("tsv:" + str(w / "none.tsv")), 2, "none.tsv"),
        Case("dialogue", "--rounds 0", dlg("tsv:" + f["toy_tsv"], "--rounds", "0"), 2, "rounds"),
        Case("dialogue", "--loss wgan-gp (token ids)", dlg("tsv:" + f["toy_tsv"], "--loss", "wgan-gp"), 2, "wgan-gp"),
        Case("dialogue", "unknown --corpus kind", dlg("csv:x"), 2, "--corpus"),
        Case("dialogue", "existing run, no --resume", ["dialogue", "pretrain", "--corpus", "tsv:" + f["toy_tsv"],
                                                       "--out", drun, "--mle-epochs", "1", *TINY], 2, "already"),
        Case("demos", "inspect a missing file", ["demos", "inspect", str(w / "missing.npz")], 2, "missing.npz"),
        Case("demos", "convert OUT under a file", ["demos", "convert", CARTPOLE, f["afile"] + "/x.npz"], 2, "afile"),
        Case("demos", "convert onto an existing OUT", ["demos", "convert", CARTPOLE, f["afile"]], 2, "--overwrite"),
        Case("expert", "policy of another env", ["expert", "rollout", "--env", "Pendulum-v1", "--policy", POLICY,
                                                 "--episodes", "1", "--out", str(w / "r.npz")], 2, "another env"),
        Case("expert", "truncated policy zip", ["expert", "rollout", "--env", "CartPole-v1", "--policy", f["cut_zip"],
                                                "--episodes", "1", "--out", str(w / "r2.npz")], 2, "cut.zip"),
        Case("expert", "--episodes 0", ["expert", "rollout", "--env", "CartPole-v1", "--policy", POLICY,
                                        "--episodes", "0", "--out", str(w / "r3.npz")], 2, "--episodes"),
        Case("expert", "train onto an existing file", ["expert", "train", "--env", "CartPole-v1", "--out", f["afile"]],
             2, "--overwrite"),
        # session 30's hostile-user pass: slipped through or ended in a traceback before
        Case("gail", "--d-lr nan", gail("--d-lr", "nan"), 2, "--d-lr"),
        Case("gail", "--d-lr 0", gail("--d-lr", "0"), 2, "--d-lr"),
        Case("gail", "--seed -1", gail("--seed", "-1"), 2, "--seed"),
        Case("gail", "--out '' (an unset shell variable)", GAIL + ["--out", ""], 2, "--out"),
        Case("gail", "demos of another task, same spaces",
             GAIL[:5] + [f["other_task"]] + GAIL[6:] + ["--out", run + "x"], 2, "MyBalancer-v0"),
        Case("gail", "--demo-episodes beyond the file's 10", gail("--demo-episodes", "11"), 2, "--demo-episodes"),
        Case("gail", "Box actions 50x the env's bounds", ["gail", "train", "--env", "Pendulum-v1", "--demos",
             f["big_actions"], "--out", str(w / "g_bad")], 2, "big_actions.npz"),
        Case("gail", "env whose extra is not installed (Box2D)", ["gail", "train", "--env", "LunarLander-v3",
             "--demos", CARTPOLE, "--out", str(w / "g_bad")], 2, "LunarLander-v3"),
        Case("gail", "gail reward on a run directory", ["gail", "reward", run], 2, "a directory"),
        Case("gail", "gail reward on a policy zip", ["gail", "reward", run + "/policy.zip"], 2, "policy.zip"),
        Case("gan", "--width 0", gan("--width", "0"), 2, "--width"),
        Case("gan", "--lr inf", gan("--lr", "inf"), 2, "--lr"),
        Case("dialogue", "corpus not UTF-8", dlg("tsv:" + f["latin1_tsv"]), 2, "latin1.tsv"),
        Case("dialogue", "--heads 3 with --d-model 16", dlg("tsv:" + f["toy_tsv"], "--heads", "3"), 2, "heads"),
        Case("dialogue", "pretrain into a GAIL run's directory", ["dialogue", "pretrain", "--corpus",
             "tsv:" + f["toy_tsv"], "--out", run, *TINY], 2, "another kind of run"),
        Case("demos", "metadata_json a JSON list", ["demos", "inspect", f["meta_list"]], 2, "metadata_json"),
        Case("demos", "obs and acts alone", ["demos", "inspect", f["obs_acts"]], 2, "read as imitation's npz"),
        Case("expert", "rollout of a zip named for another env", ["expert", "rollout", "--env", "Acrobot-v1",
             "--policy", f["named_zip"], "--episodes", "1", "--out", str(w / "r4.npz")], 2, "by its name"),
        Case("expert", "rl-zoo vecnormalize.pkl that would run a command", ["expert", "rollout", "--env",
             "CartPole-v1", "--policy", f["zoo_zip"], "--episodes", "1", "--out", str(w / "r5.npz")], 2,
             "system', which is not allowed", absent="pwned"),
        Case("expert", "train --device cuda (no GPU here)", ["expert", "train", "--env", "CartPole-v1", "--device",
             "cuda", "--out", str(w / "e.zip")], 2, "cuda"),
        Case("signals", "SIGINT during GAIL training", GAIL + ["--out", str(w / "sig1"), "--timesteps", "10000000",
                                                                "--eval-every", "0"], 130, "checkpoint of round",
             signal_after=3.0, signal_when="sig1/tb", check="sig1/policy.zip"),
        Case("signals", "SIGTERM during GAN training", GAN + ["--out", str(w / "sig2"), "--rounds", "100000"], 130,
             "checkpoint of round", signal_after=3.0, signal_when="sig2/tb", sig=signal.SIGTERM,
             check="sig2/checkpoint.pt"),
        Case("signals", "SIGINT during start-up (imports, env and network building)", GAIL + ["--out", str(w / "sig3")],
             130, "interrupted", signal_after=2.0),
        Case("signals", "--resume after SIGTERM continues", GAN + ["--out", str(w / "sig2"), "--rounds", "100000",
                                                                   "--resume"], 130, "checkpoint of round",
             signal_after=3.0, signal_when="sig2/config.json", fresh=True, sig=signal.SIGTERM),
    ]


def _prepare(w: Path) -> None:
    """The existing runs some cases need."""
    py = [sys.executable, "-m", "advrl.cli"]
    for argv in (GAIL + ["--out", str(w / "gail_run"), "--timesteps", "512"],
                 GAN + ["--out", str(w / "gan_run"), "--rounds", "4"],
                 ["dialogue", "pretrain", "--corpus", "tsv:" + str(w / "toy.tsv"), "--out", str(w / "dlg_run"),
                  "--mle-epochs", "1", *TINY]):
        subprocess.run(py + argv, check=True, capture_output=True)
    (w / "garbage_run").mkdir()
    (w / "garbage_run" / "checkpoint.pt").write_bytes((w / "garbage.pt").read_bytes())


def run_case(case: Case, work: Path) -> dict:
    cmd = [sys.executable, "-m", "advrl.cli", *case.argv]
    if case.fresh and case.signal_when:
        (work / case.signal_when).unlink(missing_ok=True)
    start = time.monotonic()
    # as from a terminal: SIGINT not ignored even when this script runs in the background
    proc = subprocess.Popen(cmd, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    if case.signal_after is not None:
        while case.signal_when and not (work / case.signal_when).exists() and proc.poll() is None:
            time.sleep(0.2)
        time.sleep(case.signal_after)
        proc.send_signal(case.sig)
    _, err = proc.communicate(timeout=600)
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    problem = [ln for ln in lines if not ln.startswith("usage:") and not ln.startswith(" ")]
    ok = (proc.returncode == case.code and len(problem) == 1 and problem[0].startswith("advrl")
          and case.needle in problem[0] and "Traceback" not in err and "weights_only" not in err
          and (case.check is None or (work / case.check).exists())
          and (case.absent is None or not (work / case.absent).exists()))
    return {"group": case.group, "what": case.what, "code": proc.returncode, "expected": case.code,
            "message": problem[0] if len(problem) == 1 else " | ".join(lines[-3:]), "ok": ok,
            "seconds": round(time.monotonic() - start, 1)}


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="advrl-reliability-"))
    files = _files(work)
    _prepare(work)
    rows = []
    for case in cases(files, work):
        rows.append(run_case(case, work))
        print(f"{'ok ' if rows[-1]['ok'] else 'BAD'} {case.group:9s} {case.what}: {rows[-1]['message'][:110]}",
              flush=True)
    write(rows)
    return 0 if all(r["ok"] for r in rows) else 1


def write(rows: list[dict]) -> None:
    out = ROOT / "benchmarks" / "results"
    passed = sum(r["ok"] for r in rows)
    headline = {"cases": len(rows), "passed": passed}
    (out / "reliability.json").write_text(json.dumps({"headline": headline, "rows": rows}, indent=1))
    lines = ["# Reliability: faults and bad input, and what each gives", "",
             "Made by `.venv/bin/python benchmarks/reliability.py` (each case runs `python -m advrl.cli` in a fresh "
             "process). Contract checked per row: the expected exit code (2 for bad input, 130 for an interrupt), "
             "exactly one message line (argparse's usage lines aside) that names the flag or file, no traceback, "
             "no torch advice to unpickle, and for interrupts the checkpoint/policy on disk.", "",
             f"**{passed} of {len(rows)} cases behave as the README says.**", "",
             "| # | command | fault | exit | message | ok |", "|---|---|---|---|---|---|"]
    for i, r in enumerate(rows, 1):
        msg = r["message"].replace("|", "\\|").replace(str(Path(tempfile.gettempdir())), "$TMP")
        lines.append(f"| {i} | {r['group']} | {r['what']} | {r['code']} | `{msg[:160]}` | "
                     f"{'yes' if r['ok'] else '**no**'} |")
    (out / "reliability.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
