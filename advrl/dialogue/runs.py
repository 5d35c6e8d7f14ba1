"""Runs in a run directory (see :mod:`advrl.dialogue.checkpoint` for its files):
MLE pre-training, adversarial training, evaluation and chat, each resumable or
re-runnable from what earlier stages left there. ``advrl dialogue`` is a thin
layer over these four functions."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Iterator

import torch

from advrl.core import (AdversarialTrainer, ScalarLogger, UserError, atomic_path, prepare_run_dir, resolve_device,
                        write_summary)
from advrl.dialogue.checkpoint import (RunDir, is_saved_model, load_generator, resume_mle_checkpoint, save_generator,
                                       save_mle_checkpoint)
from advrl.dialogue.corpora import Splits, load_corpus
from advrl.dialogue.evaluation import EvalConfig, evaluate
from advrl.dialogue.generator import DECODES, Seq2SeqGenerator
from advrl.dialogue.model import check_at_least, quiet_transformers
from advrl.dialogue.metrics import random_replies
from advrl.dialogue.perplexity import generator_perplexity
from advrl.dialogue.training import (DialogueConfig, adversarial_trainer, build_generator, make_discriminator,
                                     pretrain_discriminator, pretrain_mle)


# settings a resume may change: the budget, devices and reporting (not what is learned)
# ("corpus", the path, may change: the corpus's ``corpus_sha256``, of its pairs as split, may not)
RESUME_MAY_CHANGE = ("rounds", "device", "mle_epochs", "d_pretrain_steps", "d_probe_pairs", "corpus")


@dataclass(frozen=True)
class RunConfig:
    """Where a run reads and writes, and how it reports."""

    out: str  # the run directory
    corpus: str = "chatterbot"  # chatterbot | tsv:FILE | jsonl:FILE | dailydialog:DIR[:N] | opensubtitles:DIR
    model: str | None = None  # a local seq2seq checkpoint directory (model + tokenizer) to start from or use
    resume: bool = False  # continue from the checkpoints in out
    overwrite: bool = False  # replace this stage's earlier results in out (never done silently)
    checkpoint_every: int = 25  # adversarial rounds between checkpoints (0: only at the end)
    mle_checkpoint_steps: int = 200  # MLE minibatches between checkpoints inside an epoch (0: at epoch ends only)
    dev_pairs: int = 1000  # dev pairs whose per-word perplexity is logged after each MLE epoch (0: none)
    log_every: int = 5  # adversarial rounds between logged rows
    threads: int = 1  # torch CPU threads
    progress: bool = True  # tqdm bars

    def __post_init__(self) -> None:
        check_at_least(self, 1, "log_every", "threads")
        check_at_least(self, 0, "checkpoint_every", "mle_checkpoint_steps", "dev_pairs")

    @property
    def dir(self) -> RunDir:
        return RunDir(Path(self.out))


@dataclass(frozen=True)
class ChatConfig:
    """How :func:`chat` replies."""

    decode: str = "greedy"  # sample | greedy | beam
    seed: int = 0  # seeds sampled replies

    def __post_init__(self) -> None:
        if self.decode not in DECODES:
            raise UserError(f"decode {self.decode!r}: expected one of {', '.join(DECODES)}")


def native_bf16() -> bool:
    """Whether this CPU has native bfloat16 arithmetic (torch's AVX512 kernels)."""
    return torch.backends.cpu.get_cpu_capability().startswith("AVX512")


def _start(run: RunConfig, config: DialogueConfig | None = None) -> Splits | None:
    """Process settings, then the corpus split by ``config.seed`` (none without a config)."""
    torch.set_num_threads(run.threads)
    quiet_transformers()
    return load_corpus(run.corpus, seed=config.seed) if config is not None else None


def pretrain(run: RunConfig, config: DialogueConfig, splits: Splits | None = None) -> Seq2SeqGenerator:
    """Tokenizer + MLE pre-training with a checkpoint after every epoch (continued
    with ``run.resume``); the MLE model is saved to ``mle/``."""
    splits = splits or _start(run, config)
    d = run.dir
    prepare_run_dir(d.root, resume=run.resume, overwrite=run.overwrite, checkpoint=d.mle_checkpoint.name,
                    outputs=[p.name for p in (d.mle_checkpoint, d.mle_model, d.tokenizer)] + ["tb/pretrain"])
    resuming = run.resume and d.mle_checkpoint.exists()
    tokenizer = d.tokenizer if resuming and run.model is None else None
    gen = build_generator(splits.train, config, model_path=run.model, tokenizer_path=tokenizer)
    if config.generator.bf16 and gen.device.type == "cpu" and not native_bf16():
        print(f"advrl: warning: --bf16 on a CPU without AVX512 ({torch.backends.cpu.get_cpu_capability()}): "
              "bfloat16 is emulated there and MLE steps run ~40x slower than float32", file=sys.stderr)
    start, step, curve, settings = 0, 0, [], {"corpus_sha256": splits.sha256()}
    if resuming:
        start, step, curve = resume_mle_checkpoint(gen, d.mle_checkpoint, settings)
        print(f"resuming MLE pre-training at epoch {start + 1}, minibatch {step}", file=sys.stderr)
    else:
        gen.tokenizer.save_pretrained(str(d.tokenizer))
    logger = ScalarLogger(d.tb("pretrain"))
    dev = splits.dev[: run.dev_pairs]

    def epoch_end(epoch: int) -> None:
        if dev:  # and with each reply beside another context: how much the model reads its context
            ppl = generator_perplexity(gen, dev)["ppl_word"]
            other = generator_perplexity(gen, random_replies(dev, epoch))["ppl_word"]
            curve.append({"epoch": epoch, "dev_ppl_word": ppl, "dev_ppl_word_other_context": other})
            logger.log(epoch, {"mle/dev_ppl_word": ppl, "mle/dev_ppl_word_other_context": other})
            print(f"epoch {epoch}: dev per-word perplexity {ppl:.1f}, {other:.1f} with other contexts "
                  f"({len(dev)} pairs)", file=sys.stderr)
        save_mle_checkpoint(gen, epoch, d.mle_checkpoint, curve=curve, settings=settings)

    pretrain_mle(gen, config.mle_epochs, logger=logger, progress=run.progress, start_epoch=start, start_step=step,
                 seed=config.seed, on_epoch_end=epoch_end, checkpoint=d.mle_checkpoint,
                 checkpoint_steps=run.mle_checkpoint_steps,
                 on_checkpoint=lambda e, s: save_mle_checkpoint(gen, e, d.mle_checkpoint, step=s, curve=curve,
                                                                settings=settings))
    logger.close()
    save_generator(gen, d.mle_model, stage="mle", corpus=run.corpus, epochs=config.mle_epochs, dev_curve=curve)
    return gen


def train(run: RunConfig, config: DialogueConfig) -> AdversarialTrainer:
    """Adversarial training (Li et al. 2017, Algorithm 1) from ``run.model``, the
    MLE model in ``mle/``, or a fresh MLE pre-training; discriminator
    pre-training, then the rounds with checkpoints (continued with
    ``run.resume``). The final model is saved to ``model/``."""
    splits = _start(run, config)
    d = run.dir
    prepare_run_dir(d.root, resume=run.resume, overwrite=run.overwrite, checkpoint=d.train_checkpoint.name,
                    outputs=[d.train_checkpoint.name, d.model.name, "tb/adversarial", "summary.json"])
    start = run.model or (d.mle_model if is_saved_model(d.mle_model) else None)
    mle = replace(run, resume=run.resume and d.mle_checkpoint.exists())
    gen = build_generator(splits.train, config, model_path=start) if start else pretrain(mle, config, splits)
    trainer = adversarial_trainer(gen, make_discriminator(gen, config.discriminator), splits.train, config,
                                  checkpoint_path=str(d.train_checkpoint), checkpoint_every=run.checkpoint_every,
                                  logdir=str(d.tb("adversarial")), progress=run.progress, log_every=run.log_every)
    # the sizes of the model actually trained (one loaded from a path keeps its own, not the size options')
    c = gen.model.config
    sizes = replace(config.model, d_model=c.d_model, layers=c.encoder_layers, heads=c.encoder_attention_heads,
                    ffn_dim=c.encoder_ffn_dim, dropout=c.dropout, max_positions=c.max_position_embeddings)
    trainer.run_config = {"corpus": run.corpus, "corpus_sha256": splits.sha256(), "model": run.model,
                          **asdict(replace(config, model=sizes))}
    trainer.resume_may_change = set(RESUME_MAY_CHANGE)
    if run.resume:  # the core names a changed setting, or a state that does not fit, in one line
        trainer.resume(d.train_checkpoint)
        print(f"resuming adversarial training at round {trainer.round}", file=sys.stderr)
    else:
        pretrain_discriminator(trainer, config.d_pretrain_steps, progress=run.progress,
                               probe_pairs=config.d_probe_pairs)
        trainer.save(d.train_checkpoint)
    trainer.train()
    save_generator(gen, d.model, stage="adversarial", corpus=run.corpus, rounds=trainer.round)
    last = {k: v for k, v in (trainer.logger.history[-1] if trainer.logger.history else {}).items() if k != "step"}
    write_summary(d.root, {"family": "dialogue", "corpus": run.corpus, "settings": trainer.run_config,
                           "rounds": trainer.round, "final_metrics": last, "model": str(d.model)})
    return trainer


def _model_path(run: RunConfig) -> Path:
    """``run.model`` when it is a saved model, else the newest model of the run
    directory it names (or of ``run.out``)."""
    if run.model and is_saved_model(run.model):
        return Path(run.model)
    return (RunDir(Path(run.model)) if run.model else run.dir).trained_model()


def evaluate_run(run: RunConfig, config: DialogueConfig, eval_config: EvalConfig = EvalConfig()) -> dict[str, Any]:
    """The evaluation suite (:func:`advrl.dialogue.evaluation.evaluate`) of the
    run's newest model (or ``run.model``) on the corpus's test split; written
    to ``eval.json`` and returned."""
    splits = _start(run, config)
    path = _model_path(run)
    device = resolve_device(config.device)
    gen = load_generator(path, device=device)
    mle = run.dir.mle_model  # a seq2seq evaluator starts from the MLE model every system started from
    init = (load_generator(mle, device=device) if eval_config.evaluator == "seq2seq" and is_saved_model(mle)
            and mle.resolve() != path.resolve() else None)
    result = {"model": str(path), "corpus": run.corpus, "decode": eval_config.decode,
              "evaluator": eval_config.evaluator,
              **evaluate(gen, splits, eval_config, corpus=run.corpus, evaluator_init=init)}
    with atomic_path(run.dir.eval_json) as tmp:
        tmp.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


def chat(run: RunConfig, config: DialogueConfig, lines: Iterable[str],
         chat_config: ChatConfig = ChatConfig()) -> Iterator[str]:
    """One reply for each non-blank line, from the run's newest model (or ``run.model``)."""
    _start(run)
    gen = load_generator(_model_path(run), device=resolve_device(config.device))
    torch.manual_seed(chat_config.seed)
    for line in lines:
        if line.strip():
            yield gen.respond([line.strip()], decode=chat_config.decode)[0]


__all__ = ["ChatConfig", "RunConfig", "chat", "evaluate_run", "pretrain", "train"]
