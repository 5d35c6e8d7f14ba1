"""The library side of a dialogue run: configs check themselves, the CLI passes
only given options through (the dataclass defaults rule), a gradient penalty is
refused in one line, the discriminators follow embed/head with dict embeddings,
a run seeds once, and what training saves loads for eval and chat."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from advrl.cli import build_parser, main
from advrl.cli.dialogue import configs
from advrl.core import OptimizedGenerator, UserError, gradient_penalty
from advrl.dialogue import (ChatConfig, DialogueConfig, EvalConfig, GeneratorConfig, HierarchicalDiscriminator,
                            ModelConfig, RunConfig, RunDir, TransformerDiscriminator, chat, evaluate_generator,
                            load_corpus, load_generator, train)

def parse(*argv: str):
    return configs(build_parser().parse_args(["dialogue", *argv]))


def test_cli_passes_only_given_options_so_dataclass_defaults_rule(capsys):
    run, cfg, infer = parse("train", "--out", "o")
    assert run == RunConfig(out="o") and cfg == DialogueConfig() and infer is None
    assert cfg.device == "auto"
    run, cfg, _ = parse("train", "--out", "o", "--d-model", "16", "--adv-lr", "0.5", "--d-pretrain", "7",
                        "--regs", "--resume", "--no-progress", "--device", "cpu")
    assert cfg.model == ModelConfig(d_model=16) and cfg.generator == GeneratorConfig(adv_lr=0.5, regs=True)
    assert cfg == DialogueConfig(model=cfg.model, generator=cfg.generator, d_pretrain_steps=7, device="cpu")
    assert run == RunConfig(out="o", resume=True, progress=False)
    _, cfg, infer = parse("eval", "--out", "o", "--seed", "4", "--eval-seeds", "2")
    assert cfg == DialogueConfig(seed=4) and infer == EvalConfig(seed=4, seeds=2)
    assert parse("chat", "--out", "o")[2] == ChatConfig()
    with pytest.raises(SystemExit):
        main(["dialogue", "train", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "(default: auto)" in shown and f"(default: {DialogueConfig.rounds})" in shown
    assert f"(default: {GeneratorConfig.adv_lr})" in shown


def test_configs_check_themselves_and_are_never_mutated(tmp_path, corpus, capsys):
    with pytest.raises(UserError, match="rounds = -1"):
        DialogueConfig(rounds=-1)
    with pytest.raises(UserError, match="batch_size = 0"):
        GeneratorConfig(batch_size=0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        DialogueConfig().rounds = 3  # type: ignore[misc]
    assert main(["dialogue", "train", "--corpus", f"tsv:{corpus}", "--out", str(tmp_path / "o"),
                 "--batch-size", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("advrl: error:") and "batch_size" in err and len(err.splitlines()) == 1


def test_gradient_penalty_request_is_one_clean_line(tmp_path, corpus, tiny, capsys):
    out = tmp_path / "o"
    assert main(["dialogue", "train", "--corpus", f"tsv:{corpus}", "--out", str(out), "--loss", "wgan-gp",
                 *tiny]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("advrl: error:") and "gradient penalty" in err and len(err.splitlines()) == 1
    assert not out.exists()  # refused before any training
    # the core's penalty refuses a dialogue discriminator's dict embedding the same way
    batch = {"context": torch.randint(4, 20, (4, 5)), "reply": torch.randint(4, 20, (4, 3))}
    with pytest.raises(UserError, match="gradient penalty"):
        gradient_penalty(HierarchicalDiscriminator(20), batch, batch)


@pytest.mark.parametrize("make", [lambda: HierarchicalDiscriminator(20, dropout=0.0),
                                  lambda: TransformerDiscriminator(20, max_len=8, hidden=16, layers=1, heads=2)])


def test_discriminators_embed_to_a_dict_that_head_scores(make):
    torch.manual_seed(0)
    d = make().eval()
    batch = {"context": torch.randint(4, 20, (3, 5)), "reply": torch.randint(4, 20, (3, 3))}
    x = d.embed(batch)
    assert isinstance(x, dict) and all(isinstance(v, torch.Tensor) for v in x.values())
    scores = d.head(x)
    assert scores.shape == (3,) and torch.equal(scores, d(batch))


def test_run_seeds_once_and_its_saved_model_loads_for_eval_and_chat(tmp_path, corpus, monkeypatch):
    import advrl.dialogue.training as training

    calls = []
    seed = training.seed_everything
    monkeypatch.setattr(training, "seed_everything", lambda s: (calls.append(s), seed(s)))
    run = RunConfig(out=str(tmp_path / "run"), corpus=f"tsv:{corpus}", progress=False)
    gcfg = GeneratorConfig(context_len=8, reply_len=6, batch_size=16, teacher_forcing=0)
    cfg = DialogueConfig(model=ModelConfig(d_model=16, layers=1), generator=gcfg, vocab_size=80, mle_epochs=1,
                         d_pretrain_steps=1, rounds=2, seed=5, device="cpu")
    trainer = train(run, cfg)
    assert calls == [5] and trainer.round == 2  # MLE, discriminator and rounds: one seeding
    path = RunDir(run.out).trained_model()
    assert path == RunDir(run.out).model
    gen = load_generator(path)
    assert gen.config == gcfg  # the widths it was trained with, from advrl.json
    assert len(list(chat(run, cfg, ["hello", "  ", "bye"]))) == 2
    splits = load_corpus(run.corpus, seed=cfg.seed)
    state = torch.get_rng_state()
    result = evaluate_generator(gen, splits, EvalConfig(seeds=1, epochs=1, examples=2))
    assert torch.equal(state, torch.get_rng_state())  # evaluation leaves the caller's RNG alone
    assert 0.0 <= result["adversuc"] <= 1.0 and len(result["examples"]) == 2


def test_fork_and_adversarial_phase_start_fresh(tmp_path, corpus):
    from advrl.dialogue import build_generator

    cfg = DialogueConfig(model=ModelConfig(d_model=16, layers=1), vocab_size=80, device="cpu",
                         generator=GeneratorConfig(context_len=8, reply_len=6, batch_size=8, adv_lr=0.01))
    gen = build_generator(load_corpus(f"tsv:{corpus}").train, cfg)
    gen.mle_step()
    assert isinstance(gen, OptimizedGenerator)
    twin = gen.fork(dataclasses.replace(gen.config, regs=True))
    assert twin.config.regs and not gen.config.regs and twin.model is not gen.model
    assert all(torch.equal(a, b) for a, b in zip(gen.model.parameters(), twin.model.parameters()))
    twin.start_adversarial_phase()
    assert twin.optimizer.param_groups[0]["lr"] == 0.01 and not twin.optimizer.state
    twin.mle_step()
    assert not all(torch.equal(a, b) for a, b in zip(gen.model.parameters(), twin.model.parameters()))
    with pytest.raises(UserError, match="context_len"):
        gen.fork(dataclasses.replace(gen.config, context_len=4))


def test_evaluation_history_travels_in_a_checkpoint_as_plain_numbers(tmp_path):
    import numpy as np

    from advrl.core import load_checkpoint, save_checkpoint
    from advrl.dialogue import EvaluationCallback

    cb = EvaluationCallback(splits=None, every=5)  # type: ignore[arg-type]
    cb.history = [(5, {"adversuc": np.float32(0.25), "distinct2": 0.5, "examples": ["hi -> hello"]})]
    save_checkpoint({"callbacks": cb.state_dict()}, tmp_path / "ck.pt")  # read back without unpickling
    resumed = EvaluationCallback(splits=None, every=5)  # type: ignore[arg-type]
    resumed.load_state_dict(load_checkpoint(tmp_path / "ck.pt")["callbacks"])
    assert resumed.history == [(5, {"adversuc": 0.25, "distinct2": 0.5, "examples": ["hi -> hello"]})]
    assert resumed.series("adversuc") == ([5], [0.25])
