"""``advrl dialogue pretrain|train|eval|chat`` — adversarial dialogue (Li et al. 2017).

The run directory ``--out DIR`` is described in :mod:`advrl.dialogue.checkpoint`;
the stages are :mod:`advrl.dialogue.runs`. Every option defaults to ``None`` and
is passed through: an option the user does not give keeps the default of its
config dataclass (``RunConfig``, ``DialogueConfig``, ``ModelConfig``,
``GeneratorConfig``, ``EvalConfig``, ``ChatConfig``); ``--help`` reads those
defaults when it is shown (so building the parser imports no torch).
"""

from __future__ import annotations

import argparse
import functools
import sys
from dataclasses import replace
from typing import Any

from advrl.cli.help import config_help

# option dest -> the (section, field) pairs it sets; sections are the config dataclasses of ``_sections``
FIELDS: dict[str, list[tuple[str, str]]] = {
    **{name: [("run", name)] for name in ("corpus", "model", "resume", "overwrite", "checkpoint_every",
                                                       "threads", "progress", "mle_checkpoint_steps")},
    **{name: [("dialogue", name)] for name in ("vocab_size", "mle_epochs", "rounds", "d_steps", "g_steps", "d_lr",
                                               "reward", "loss", "discriminator", "device")},
    "d_pretrain": [("dialogue", "d_pretrain_steps")],
    "d_probe": [("dialogue", "d_probe_pairs")],
    "seed": [("dialogue", "seed"), ("infer", "seed")],
    **{name: [("model", name)] for name in ("d_model", "layers", "heads", "ffn_dim", "dropout")},
    **{name: [("generator", name)] for name in (
        "context_len", "reply_len", "batch_size", "lr", "adv_lr", "teacher_forcing", "greedy_fakes", "regs", "rollouts",
        "warmup_steps", "label_smoothing", "temperature", "top_p", "no_repeat_ngram", "bf16", "baseline", "denoise",
        "encoder_lr_scale")},
    "decode": [("infer", "decode")],
    "eval_seeds": [("infer", "seeds")],
    "evaluator": [("infer", "evaluator")],
}

# (flag, type, help) of the options that set a config field (default None: see FIELDS)
COMMON = [("--corpus", str, "chatterbot | tsv:FILE | jsonl:FILE | dailydialog:DIR[:N] | opensubtitles:DIR"),
          ("--model", str, "local seq2seq checkpoint directory (model + tokenizer); eval / chat also take a run "
                           "directory (its newest model)"),
          ("--seed", int, "corpus split, network initialisation and sampling"),
          ("--device", str, "auto | cpu | cuda[:N]"), ("--threads", int, "torch CPU threads")]
SIZES = [("--vocab-size", int, "WordPiece vocabulary"), ("--d-model", int, "BART hidden size"),
         ("--layers", int, "encoder = decoder layers"), ("--context-len", int, "context tokens"),
         ("--reply-len", int, "reply tokens"), ("--batch-size", int, "contexts per update"),
         ("--heads", int, "attention heads"), ("--ffn-dim", int, "feed-forward width"),
         ("--dropout", float, "BART dropout"),
         ("--mle-epochs", int, "MLE pre-training epochs"), ("--lr", float, "MLE peak learning rate"),
         ("--warmup-steps", int, "MLE learning-rate warm-up steps (then linear decay to 0)"),
         ("--label-smoothing", float, "MLE label smoothing"),
         ("--encoder-lr-scale", float, "encoder layers' learning rate relative to --lr / --adv-lr"),
         ("--denoise", float, "share of MLE rows given BART's denoising task (keeps the encoder in use)"),
         ("--mle-checkpoint-steps", int, "MLE minibatches between checkpoints inside an epoch"),
         ("--temperature", float, "sampling temperature of the replies REINFORCE scores and D judges "
                                  "(and of `--decode sample`)"),
         ("--top-p", float, "nucleus mass of sampled replies"),
         ("--no-repeat-ngram", int, "greedy/beam replies never repeat an n-gram of this size (0: allowed)")]
ADVERSARIAL = [
    ("--rounds", int, "adversarial rounds"), ("--d-pretrain", int, "discriminator updates before the rounds"),
    ("--greedy-fakes", float, "share of the discriminator's fakes that are greedy replies (the rest sampled)"),
    ("--d-probe", int, "human and sampled replies a seq2seq discriminator's output layer is first fitted on "
                       "(a linear probe; 0: none)"),
    ("--d-steps", int, "discriminator updates per round"), ("--g-steps", int, "generator updates per round"),
    ("--d-lr", float, "discriminator learning rate"), ("--adv-lr", float, "generator learning rate in adversarial rounds"),
    ("--teacher-forcing", int, "MLE steps after each REINFORCE step"),
    ("--baseline", str, "REINFORCE baseline: mean (running mean) | value (learned per-context value head)"),
    ("--rollouts", int, "completions per prefix with --regs"),
    ("--reward", str, "d (P(human), Li et al.) | log_d | logit | neg_log_one_minus_d"),
    ("--loss", str, "minimax | ns | wgan (wgan-gp's gradient penalty needs continuous inputs)"),
    ("--discriminator", str, "hierarchical (GRUs, Li et al.) | transformer | seq2seq (copy of the MLE model)"),
    ("--checkpoint-every", int, "rounds between checkpoints (0: only at the end)"),
]


def _sections(verb: str) -> dict[str, Any]:
    """Default configs, by section; ``infer`` is the verb's evaluation or chat settings."""
    from advrl.dialogue import ChatConfig, DialogueConfig, EvalConfig, GeneratorConfig, ModelConfig, RunConfig

    infer = {"eval": EvalConfig, "chat": ChatConfig}.get(verb)
    return {"run": RunConfig(out="."), "dialogue": DialogueConfig(), "model": ModelConfig(),
            "generator": GeneratorConfig(), "infer": infer() if infer else None}


@functools.cache
def _defaults(verb: str) -> dict[str, str]:
    """``{dest: default as text}`` from the config dataclasses (booleans and ``None`` left out)."""
    sections = _sections(verb)
    values = {dest: getattr(sections[s], name, None) for dest, [(s, name), *_] in FIELDS.items()}
    return {dest: str(v) for dest, v in values.items() if v is not None and not isinstance(v, bool)}


def configs(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """``(RunConfig, DialogueConfig, EvalConfig | ChatConfig | None)``: the dataclass
    defaults with each option the user gave (not ``None``) replaced."""
    given: dict[str, dict[str, Any]] = {}
    for dest, value in vars(args).items():
        for section, name in FIELDS.get(dest, []) if value is not None else []:
            given.setdefault(section, {})[name] = value
    built = {s: replace(c, **given.get(s, {})) if c is not None else None
             for s, c in _sections(args.verb).items()}
    out = args.out
    if out is None:  # eval / chat on --model: a run directory, or a saved model inside one
        from pathlib import Path

        from advrl.core import UserError
        from advrl.dialogue.checkpoint import is_saved_model

        if not args.model:
            raise UserError(f"advrl dialogue {args.verb}: give --model RUN_DIR (or --out RUN_DIR)")
        out = str(Path(args.model).parent if is_saved_model(args.model) else Path(args.model))
    run = replace(built["run"], out=out)
    dialogue = replace(built["dialogue"], model=built["model"], generator=built["generator"])
    return run, dialogue, built["infer"]


def _verb(verbs: argparse._SubParsersAction, name: str, help: str) -> argparse.ArgumentParser:
    p = verbs.add_parser(name, help=help, formatter_class=config_help(functools.partial(_defaults, name)))
    if name in ("eval", "chat"):  # they read a trained model: --model RUN_DIR (or a saved model) is enough
        p.add_argument("--out", default=None, help="run directory (default: the --model run directory)")
    else:
        p.add_argument("--out", required=True, help="run directory")
    _add(p, COMMON)
    p.add_argument("--no-progress", dest="progress", action="store_false", default=None)
    p.set_defaults(func=_RUN[name])
    return p


def _add(p: argparse.ArgumentParser, options: list[tuple[str, type, str]]) -> None:
    for flag, kind, text in options:
        p.add_argument(flag, type=kind, help=text)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``advrl dialogue pretrain|train|eval|chat``."""
    parser = subparsers.add_parser("dialogue", help="adversarial dialogue generation (Li et al. 2017)",
                                   description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for verb, text in [("pretrain", "tokenizer + MLE pre-training"),
                       ("train", "MLE (if needed), D pre-training, adversarial rounds")]:
        p = _verb(verbs, verb, text)
        _add(p, SIZES + (ADVERSARIAL if verb == "train" else []))
        p.add_argument("--resume", action="store_true", default=None, help="continue from the checkpoints in --out")
        p.add_argument("--overwrite", action="store_true", default=None, help="replace this stage's results in --out")
        p.add_argument("--bf16", action="store_true", default=None,
                       help="MLE forward passes under bfloat16 autocast (float32 weights)")
        if verb == "train":
            p.add_argument("--regs", action="store_true", default=None,
                           help="per-token rewards by Monte-Carlo rollouts")
    evaluate = _verb(verbs, "eval", "AdverSuc, evaluator reliability, distinct-1/2, BLEU, length")
    evaluate.add_argument("--decode", help="sample | greedy | beam")
    evaluate.add_argument("--eval-seeds", type=int, help="evaluators trained (their mean is reported)")
    evaluate.add_argument("--evaluator", help="hierarchical (GRUs from scratch) | seq2seq (fine-tuned copy of the "
                                              "run's MLE model)")
    _verb(verbs, "chat", "reply to each line read from stdin").add_argument("--decode", help="sample | greedy | beam")


def _pretrain(args: argparse.Namespace) -> int:
    from advrl.dialogue import pretrain

    run, config, _ = configs(args)
    pretrain(run, config)
    print(f"MLE model written to {run.dir.mle_model}")
    return 0


def _train(args: argparse.Namespace) -> int:
    from advrl.dialogue import train

    run, config, _ = configs(args)
    trainer = train(run, config)
    last = trainer.logger.history[-1] if trainer.logger.history else {}
    print(f"adversarial model written to {run.dir.model} after {trainer.round} rounds; "
          + ", ".join(f"{k}={v:.3g}" for k, v in last.items() if k in ("d/accuracy", "g/reward", "g/mle_loss")))
    return 0


def _eval(args: argparse.Namespace) -> int:
    from advrl.dialogue import evaluate_run

    result = evaluate_run(*configs(args))
    for k, v in result.items():
        print(f"{k:36s} {v:.4f}" if isinstance(v, float) else f"{k:36s} {v}")
    return 0


def _chat(args: argparse.Namespace) -> int:
    from advrl.dialogue import chat

    run, config, chat_config = configs(args)
    for reply in chat(run, config, _stdin_lines(), chat_config):
        print(reply, flush=True)
    return 0


def _stdin_lines():
    """Lines of stdin, with a ``> `` prompt when it is a terminal; bytes that are not UTF-8
    become U+FFFD (a chat line in another encoding is still a line to reply to)."""
    raw = getattr(sys.stdin, "buffer", None)
    while True:
        if sys.stdin.isatty():
            print("> ", end="", flush=True)
        line = raw.readline().decode("utf-8", errors="replace") if raw is not None else sys.stdin.readline()
        if not line:
            return
        yield line


_RUN = {"pretrain": _pretrain, "train": _train, "eval": _eval, "chat": _chat}
