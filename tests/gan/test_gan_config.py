"""One place for each decision: the recipe tables rule the per-loss defaults, builders never change
the config they are given, the CLIs pass ``None`` through to the dataclass defaults, every
network is seeded once by the builder, and bad flag values end in one line + exit 2."""

from __future__ import annotations

import argparse
import copy
import json

import pytest
import torch

from advrl.cli import build_parser, main
from advrl.core import Discriminator, LoopConfig
from advrl.gan import (LOSSES, METHODS, DCGANDiscriminator, GanConfig, LinearDecay, MLPDiscriminator, ModeGanConfig,
                       SemiSupConfig, build_gan, build_mode_gan, build_semisup, load_digits)
from advrl.gan.modes import PackedDiscriminator
from advrl.gan.semisup import SemiSupClassifier, SemiSupervisedDiscriminator, load_semisup_split

TINY = dict(rounds=3, batch_size=8, log_every=1, progress=False, device="cpu")


def _gan(**kw) -> GanConfig:
    return GanConfig(width=8, z_dim=8, out="", loop=LoopConfig(**TINY), **kw)


def _modes(**kw) -> ModeGanConfig:
    return ModeGanConfig(g_hidden=8, d_hidden=8, n_eval=100, out=None, loop=LoopConfig(**TINY), **kw)


def _semisup(**kw) -> SemiSupConfig:
    return SemiSupConfig(hidden=(16,), g_hidden=(16,), z_dim=8, out=None, baseline=False, eval_every=0,
                         loop=LoopConfig(**TINY), **kw)


BUILDS = {
    "gan-ns": lambda: (_gan(), lambda c: build_gan(c, load_digits())),
    "gan-wgan-gp": lambda: (_gan(loss="wgan-gp", feature_matching=True), lambda c: build_gan(c, load_digits())),
    "modes-wgan-gp": lambda: (_modes(method="wgan-gp"), build_mode_gan),
    "modes-pacgan": lambda: (_modes(method="pacgan"), build_mode_gan),
    "semisup": lambda: (_semisup(), lambda c: build_semisup(c, load_semisup_split("digits", 2))[0]),
}


@pytest.mark.parametrize("name", BUILDS)
def test_builders_leave_their_config_unchanged(name):
    cfg, build = BUILDS[name]()
    before = copy.deepcopy(cfg)
    trainer = build(cfg)
    trainer.train(1)
    assert cfg == before  # not even loop.device ("auto" → "cpu") or the loss's d_steps/betas
    assert trainer.config is not cfg.loop


@pytest.mark.parametrize("name", BUILDS)
def test_builders_seed_once_from_the_config(name):
    """Networks and training come from ``loop.seed`` alone, whatever the global RNG held before."""
    runs = []
    for disturb in (123, 456):
        cfg, build = BUILDS[name]()
        torch.manual_seed(disturb)
        trainer = build(cfg)
        weights = {k: v.clone() for k, v in trainer.discriminator.state_dict().items()}
        trainer.train(2)
        runs.append((weights, trainer.logger.history))
    (w1, h1), (w2, h2) = runs
    assert all(torch.equal(w1[k], w2[k]) for k in w1)
    assert h1 == h2


def test_per_loss_defaults_come_from_the_recipe_and_explicit_values_win():
    data = load_digits()
    ns, wgan = build_gan(_gan(), data), build_gan(_gan(loss="wgan-gp"), data)
    assert (ns.config.d_steps, ns.config.d_lr, ns.config.d_betas) == (1, 2e-4, (0.5, 0.999))
    assert (wgan.config.d_steps, wgan.config.d_lr, wgan.config.d_betas) == (5, 1e-4, (0.0, 0.9))
    assert wgan.generator.optimizer.param_groups[0]["betas"] == (0.0, 0.9)  # G and D from one entry
    explicit = build_gan(_gan(loss="wgan-gp", d_steps=1, lr=3e-4), data)
    assert (explicit.config.d_steps, explicit.config.d_lr) == (1, 3e-4)
    assert explicit.generator.optimizer.param_groups[0]["lr"] == 3e-4


@pytest.mark.parametrize("method", ["wgan-gp", "wgan"])
def test_modes_explicit_d_steps_1_stays_1(method):
    assert build_mode_gan(_modes(method=method)).config.d_steps == METHODS[method].d_steps == 5
    assert build_mode_gan(_modes(method=method, d_steps=1)).config.d_steps == 1


def test_cli_modes_explicit_d_steps_1_stays_1(tmp_path, capsys):
    code = main(["gan", "modes", "--method", "wgan-gp", "--d-steps", "1", "--rounds", "2", "--n-eval", "50",
                 "--out", str(tmp_path), "--no-progress", "--device", "cpu"])
    assert code == 0
    assert "1 D steps" in capsys.readouterr().out
    written = json.loads((tmp_path / "ring8_wgan-gp_seed0.json").read_text())["config"]
    assert written["d_steps"] == written["loop"]["d_steps"] == 1
    assert written["lr"] == METHODS["wgan-gp"].lr and written["loop"]["d_betas"] == list(METHODS["wgan-gp"].betas)


def test_setting_what_the_recipe_decides_on_the_loop_is_refused():
    with pytest.raises(ValueError, match="loop.d_steps is decided by the GAN's loss"):
        build_gan(GanConfig(loop=LoopConfig(d_steps=5)), load_digits())


@pytest.mark.parametrize("verb, target, config", [
    ("train", "advrl.gan.train.train_gan", GanConfig),
    ("modes", "advrl.gan.modes.train_mode_gan", ModeGanConfig),
    ("semisup", "advrl.gan.semisup.run_semisup", SemiSupConfig),
])
def test_cli_passes_none_through_so_dataclass_defaults_rule(monkeypatch, verb, target, config):
    seen = []

    class Stop(Exception):
        pass

    def capture(cfg, *args, **kwargs):
        seen.append(cfg)
        raise Stop

    monkeypatch.setattr(target, capture)
    with pytest.raises(Stop):
        main(["gan", verb])
    assert seen[0] == config()  # no flag given: exactly the dataclass defaults
    with pytest.raises(Stop):
        main(["gan", verb, "--rounds", "7", "--seed", "2", "--no-progress"])
    default = config()
    assert seen[1] == type(default)(**{**vars(default), "loop": LoopConfig(
        **{**vars(default.loop), "rounds": 7, "seed": 2, "progress": False})})


def _options(verb: str) -> list[argparse.Action]:
    gan = build_parser()._subparsers._group_actions[0].choices["gan"]  # type: ignore[union-attr]
    return [a for a in gan._subparsers._group_actions[0].choices[verb]._actions if a.option_strings]


@pytest.mark.parametrize("verb, config", [("train", GanConfig), ("modes", ModeGanConfig),
                                          ("semisup", SemiSupConfig)])
def test_every_cli_option_is_a_config_field_with_default_none(verb, config):
    fields = set(vars(config())) | set(vars(LoopConfig()))
    for action in _options(verb):
        if action.dest in ("help", "resume", "overwrite", "threads"):  # run-directory actions, CPU threads: not settings
            continue
        assert action.dest in fields, action.option_strings
        assert action.default is None, action.option_strings


def test_help_states_the_dataclass_and_recipe_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["gan", "train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert f"(default: {GanConfig().loop.rounds})" in text
    assert f"wgan-gp {LOSSES['wgan-gp'].d_steps}" in text and f"wgan-gp {LOSSES['wgan-gp'].lr:g}" in text
    assert "(default: auto)" in text  # --device
    with pytest.raises(SystemExit):
        main(["gan", "modes", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert f"wgan {METHODS['wgan'].lr:g}" in text and "(default: runs/modes)" in text


@pytest.mark.parametrize("argv, message", [
    (["--rounds", "0"], "--rounds must be positive"),
    (["--batch-size", "-1"], "--batch-size must be positive"),
    (["--d-steps", "0"], "--d-steps must be positive"),
    (["--lr", "0"], "--lr must be positive"),
    (["--loss", "hinge"], "unknown --loss 'hinge'"),
    (["--device", "tpu"], "unknown device 'tpu'"),
])
def test_cli_train_bad_flag_value_one_line_exit_2(tmp_path, capsys, argv, message):
    code = main(["gan", "train", *argv, "--out", str(tmp_path / "o"), "--no-progress"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("advrl: error:") and message in err[0], err
    assert not (tmp_path / "o").exists()  # refused before anything is written


def test_gan_discriminators_implement_features():
    x8, x2 = torch.randn(8, 1, 8, 8), torch.randn(8, 2)
    clf = SemiSupClassifier(in_dim=64, hidden=(16,), n_classes=3)
    cases: list[tuple[Discriminator, torch.Tensor]] = [
        (DCGANDiscriminator(image_size=8, width=4), x8), (MLPDiscriminator(in_dim=2, hidden=4), x2),
        (PackedDiscriminator(MLPDiscriminator(in_dim=8, hidden=4), pack=4), x2),
        (SemiSupervisedDiscriminator(clf, x8[:3], torch.arange(3)), x8),
    ]
    for disc, x in cases:
        assert type(disc).features is not Discriminator.features, type(disc).__name__
        assert disc.features(x).ndim == 2


def test_linear_decay_needs_a_generator_with_an_optimizer():
    trainer = build_mode_gan(_modes())
    trainer.generator = object()
    with pytest.raises(TypeError, match="LinearDecay schedules the generator's optimizer.*OptimizedGenerator"):
        LinearDecay(10).on_train_start(trainer)
