"""``advrl dialogue pretrain|train|eval|chat`` — adversarial dialogue (Li et al. 2017).

Layout of ``--out DIR``: ``tokenizer/`` and ``mle.pt`` (pre-training checkpoint,
resumable), ``mle/`` (the MLE model + tokenizer), ``train.pt`` (adversarial
checkpoint, resumable), ``model/`` (the final model + tokenizer), ``tb/``
(TensorBoard), ``eval.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser("dialogue", help="adversarial dialogue generation (Li et al. 2017)",
                                   description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--corpus", default="chatterbot",
                       help="chatterbot | tsv:FILE | jsonl:FILE | opensubtitles:DIR (default: chatterbot)")
        p.add_argument("--out", required=True, help="run directory")
        p.add_argument("--model", default=None, help="local seq2seq checkpoint directory (model + tokenizer)")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--device", default="cpu", help="cpu | cuda[:N] | auto")
        p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
        p.add_argument("--no-progress", action="store_true")

    def sizes(p: argparse.ArgumentParser) -> None:
        p.add_argument("--vocab-size", type=int, default=1000)
        p.add_argument("--d-model", type=int, default=64)
        p.add_argument("--layers", type=int, default=2)
        p.add_argument("--context-len", type=int, default=24)
        p.add_argument("--reply-len", type=int, default=16)
        p.add_argument("--batch-size", type=int, default=32)
        p.add_argument("--mle-epochs", type=int, default=20)
        p.add_argument("--lr", type=float, default=2e-3, help="MLE learning rate")
        p.add_argument("--resume", action="store_true", help="continue from the checkpoints in --out")

    p = verbs.add_parser("pretrain", help="tokenizer + MLE pre-training")
    common(p)
    sizes(p)
    p.set_defaults(func=_pretrain)

    p = verbs.add_parser("train", help="MLE (if needed), D pre-training, adversarial rounds")
    common(p)
    sizes(p)
    p.add_argument("--rounds", type=int, default=150)
    p.add_argument("--d-pretrain", type=int, default=100, help="discriminator updates before the rounds")
    p.add_argument("--d-steps", type=int, default=1, help="discriminator updates per round")
    p.add_argument("--g-steps", type=int, default=1, help="generator updates per round")
    p.add_argument("--d-lr", type=float, default=1e-3)
    p.add_argument("--adv-lr", type=float, default=1e-4, help="generator learning rate in adversarial rounds")
    p.add_argument("--teacher-forcing", type=int, default=1, help="MLE steps after each REINFORCE step")
    p.add_argument("--regs", action="store_true", help="per-token rewards by Monte-Carlo rollouts")
    p.add_argument("--rollouts", type=int, default=3)
    p.add_argument("--reward", default="d", choices=["d", "log_d", "logit", "neg_log_one_minus_d"],
                   help="objective reward transform (default d = P(human), Li et al.)")
    p.add_argument("--loss", default="minimax", choices=["minimax", "ns"],
                   help="discriminator objective (the gradient penalty of wgan-gp needs continuous inputs)")
    p.add_argument("--discriminator", default="hierarchical", choices=["hierarchical", "transformer"],
                   help="hierarchical GRU encoder (Li et al.) or a small transformer encoder")
    p.add_argument("--checkpoint-every", type=int, default=25)
    p.set_defaults(func=_train)

    p = verbs.add_parser("eval", help="AdverSuc, evaluator reliability, distinct-1/2, BLEU, length")
    common(p)
    p.add_argument("--decode", default="sample", choices=["sample", "greedy", "beam"])
    p.add_argument("--eval-seeds", type=int, default=3)
    p.set_defaults(func=_eval)

    p = verbs.add_parser("chat", help="reply to each line read from stdin")
    common(p)
    p.add_argument("--decode", default="greedy", choices=["sample", "greedy", "beam"])
    p.set_defaults(func=_chat)


# ------------------------------------------------------------------ helpers
def _config(args):
    from advrl.dialogue.training import DialogueConfig

    cfg = DialogueConfig(seed=args.seed)
    for name, field in [("vocab_size", "vocab_size"), ("mle_epochs", "mle_epochs"), ("rounds", "rounds"),
                        ("d_pretrain", "d_pretrain_steps"), ("d_steps", "d_steps"), ("g_steps", "g_steps"),
                        ("d_lr", "d_lr"), ("reward", "reward"), ("loss", "loss")]:
        if hasattr(args, name):
            setattr(cfg, field, getattr(args, name))
    for name, field in [("d_model", "d_model"), ("layers", "layers")]:
        if hasattr(args, name):
            setattr(cfg.model, field, getattr(args, name))
    if hasattr(args, "d_model"):
        cfg.model.ffn_dim = 2 * args.d_model
        cfg.model.heads = 4 if args.d_model % 4 == 0 else 1
        cfg.model.max_positions = max(64, args.context_len + 2, args.reply_len + 2)
    g = cfg.generator
    for name in ("context_len", "reply_len", "batch_size", "lr", "adv_lr", "teacher_forcing", "regs", "rollouts"):
        if hasattr(args, name):
            setattr(g, name, getattr(args, name))
    for name in ("batch_size", "context_len", "reply_len", "vocab_size", "d_model", "layers", "rollouts",
                 "mle_epochs", "rounds", "d_pretrain", "d_steps", "g_steps", "teacher_forcing"):
        value = getattr(args, name, None)
        low = 1 if name in ("batch_size", "context_len", "reply_len", "vocab_size", "d_model", "layers",
                            "rollouts") else 0
        if value is not None and value < low:
            raise ValueError(f"--{name.replace('_', '-')} must be at least {low}, got {value}")
    return cfg


def _setup(args):
    import torch

    from advrl.core import resolve_device
    from advrl.dialogue.corpora import load_corpus
    from advrl.dialogue.model import quiet_transformers

    torch.set_num_threads(max(1, args.threads))
    quiet_transformers()
    return load_corpus(args.corpus, seed=args.seed), resolve_device(args.device)


def _run_pretrain(args, splits, device, out: Path):
    """MLE pre-training with per-epoch atomic checkpoints; returns the generator."""
    import torch

    from advrl.core import ScalarLogger, load_checkpoint, rng_state, save_checkpoint, set_rng_state
    from advrl.dialogue.generator import Seq2SeqGenerator
    from advrl.dialogue.model import build_model, save_pretrained_atomic
    from advrl.dialogue.tokenizer import load_tokenizer
    from advrl.dialogue.training import build_generator, pretrain_mle

    cfg = _config(args)
    ckpt = out / "mle.pt"
    start = 0
    if args.resume and ckpt.exists():
        state = load_checkpoint(ckpt)
        if state.get("format") != "advrl-dialogue-mle-v1":
            raise ValueError(f"{ckpt}: not an advrl dialogue pre-training checkpoint")
        tokenizer = load_tokenizer(out / "tokenizer")
        if args.model:
            from advrl.dialogue.model import load_model

            model = load_model(args.model)
        else:
            model = build_model(tokenizer, cfg.model)
        gen = Seq2SeqGenerator(model, tokenizer, splits.train, cfg.generator, device=device)
        gen.load_state_dict(state["generator"])
        set_rng_state(state["rng"])
        start = int(state["epoch"])
        print(f"resuming MLE pre-training at epoch {start}", file=sys.stderr)
    else:
        gen = build_generator(splits.train, cfg, model_path=args.model, device=device)
        gen.tokenizer.save_pretrained(str(out / "tokenizer"))
    logger = ScalarLogger(out / "tb" / "pretrain")

    def save(epoch: int) -> None:
        save_checkpoint({"format": "advrl-dialogue-mle-v1", "epoch": epoch, "generator": gen.state_dict(),
                         "rng": rng_state()}, ckpt)

    pretrain_mle(gen, cfg.mle_epochs, logger=logger, progress=not args.no_progress, start_epoch=start,
                 on_epoch_end=save)
    logger.close()
    save_pretrained_atomic(gen.model, gen.tokenizer, out / "mle",
                           extra={"stage": "mle", "corpus": args.corpus, "epochs": cfg.mle_epochs})
    torch.manual_seed(args.seed)
    return gen


def _pretrain(args) -> int:
    out = Path(args.out)
    splits, device = _setup(args)
    _run_pretrain(args, splits, device, out)
    print(f"MLE model written to {out / 'mle'}")
    return 0


def _train(args) -> int:
    from advrl.dialogue.generator import Seq2SeqGenerator
    from advrl.dialogue.model import load_model, save_pretrained_atomic
    from advrl.dialogue.tokenizer import load_tokenizer
    from advrl.dialogue.training import adversarial_trainer, make_discriminator, pretrain_discriminator

    out = Path(args.out)
    splits, device = _setup(args)
    cfg = _config(args)
    start = Path(args.model) if args.model else out / "mle"
    if args.model or (start / "config.json").is_file():  # --model: adversarial training starts from it
        gen = Seq2SeqGenerator(load_model(start), load_tokenizer(start), splits.train, cfg.generator, device=device)
    else:
        gen = _run_pretrain(args, splits, device, out)
    ckpt = out / "train.pt"
    trainer = adversarial_trainer(gen, make_discriminator(gen, args.discriminator), splits.train, cfg,
                                  checkpoint_path=str(ckpt), checkpoint_every=args.checkpoint_every,
                                  logdir=str(out / "tb" / "adversarial"), progress=not args.no_progress,
                                  log_every=5)
    if args.resume and ckpt.exists():
        try:
            trainer.resume(ckpt)
        except RuntimeError as exc:  # a state dict of another shape
            raise ValueError(f"{ckpt}: does not fit this model/discriminator (were size or --discriminator flags "
                             f"changed?): {str(exc).splitlines()[0]}") from exc
        print(f"resuming adversarial training at round {trainer.round}", file=sys.stderr)
    else:
        pretrain_discriminator(trainer, cfg.d_pretrain_steps, progress=not args.no_progress)
        trainer.save(ckpt)
    log = trainer.train()
    save_pretrained_atomic(gen.model, gen.tokenizer, out / "model",
                           extra={"stage": "adversarial", "corpus": args.corpus, "rounds": trainer.round})
    last = log.history[-1] if log.history else {}
    print(f"adversarial model written to {out / 'model'} after {trainer.round} rounds; "
          + ", ".join(f"{k}={v:.3g}" for k, v in last.items() if k in ("d/accuracy", "g/reward", "g/mle_loss")))
    return 0


def _load_for_inference(args, splits, device):
    from advrl.dialogue.generator import GeneratorConfig, Seq2SeqGenerator
    from advrl.dialogue.model import load_model
    from advrl.dialogue.tokenizer import load_tokenizer

    out = Path(args.out)
    path = Path(args.model) if args.model else next(
        (p for p in (out / "model", out / "mle") if (p / "config.json").is_file()), None)
    if path is None:
        raise ValueError(f"{out}: no trained model (expected {out / 'model'} or {out / 'mle'}); "
                         "run `advrl dialogue train` first or pass --model")
    pairs = splits.train if splits is not None else [("hello", "hello")]
    return Seq2SeqGenerator(load_model(path), load_tokenizer(path), pairs, GeneratorConfig(), device=device), path


def _eval(args) -> int:
    import torch

    from advrl.core import atomic_path
    from advrl.dialogue import metrics as M

    splits, device = _setup(args)
    gen, path = _load_for_inference(args, splits, device)
    torch.manual_seed(args.seed)
    dev_ctx, test_ctx = [c for c, _ in splits.dev], [c for c, _ in splits.test]
    if not dev_ctx or not test_ctx:
        raise ValueError(f"--corpus {args.corpus}: too small for dev/test splits (need at least 3 pairs)")
    dev_fake = list(zip(dev_ctx, gen.respond(dev_ctx, decode=args.decode)))
    replies = gen.respond(test_ctx, decode=args.decode)
    test_fake = list(zip(test_ctx, replies))
    seeds = range(args.eval_seeds)
    evaluators = [M.train_evaluator(gen.tokenizer, splits.dev, dev_fake, seed=s) for s in seeds]
    result = {
        "model": str(path), "corpus": args.corpus, "decode": args.decode,
        "adversuc": sum(M.adver_suc(e, gen.tokenizer, test_fake) for e in evaluators) / len(evaluators),
        "evaluator_accuracy": sum(M.evaluator_accuracy(e, gen.tokenizer, splits.test, test_fake)
                                  for e in evaluators) / len(evaluators),
        "reliability_human_vs_shuffled_reply": M.reliability(gen.tokenizer, splits.dev, M.random_replies(splits.dev),
                                                     splits.test, M.random_replies(splits.test, 1)),
        "distinct1": M.distinct_n(replies, 1), "distinct2": M.distinct_n(replies, 2),
        "bleu": M.bleu(replies, [r for _, r in splits.test]), "length": M.mean_length(replies),
    }
    if args.corpus.startswith("opensubtitles:"):
        from advrl.dialogue.corpora import load_opensubtitles

        for kind in ("decoded", "random"):
            neg = load_opensubtitles(args.corpus.split(":", 1)[1], kind)
            result[f"reliability_human_vs_{kind}_file"] = M.reliability(gen.tokenizer, splits.dev, neg.dev,
                                                                   splits.test, neg.test)
    target = Path(args.out) / "eval.json"
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(result, indent=2), encoding="utf-8")
    for k, v in result.items():
        print(f"{k:32s} {v:.4f}" if isinstance(v, float) else f"{k:32s} {v}")
    return 0


def _chat(args) -> int:
    import torch

    from advrl.core import resolve_device
    from advrl.dialogue.model import quiet_transformers

    quiet_transformers()
    torch.set_num_threads(max(1, args.threads))
    torch.manual_seed(args.seed)
    gen, _ = _load_for_inference(args, None, resolve_device(args.device))
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            print("> ", end="", flush=True)
        line = sys.stdin.readline()
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        print(gen.respond([text], decode=args.decode)[0], flush=True)
    return 0
