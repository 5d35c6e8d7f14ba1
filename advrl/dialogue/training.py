"""The training stages: tokenizer + generator construction, MLE pre-training,
discriminator pre-training and adversarial rounds on :class:`AdversarialTrainer`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch

from advrl.core import (AdversarialTrainer, Callback, Discriminator, LoopConfig, Objective, ScalarLogger, UserError,
                        Progress, TrainingInterrupted, deferred_interrupts, make_objective, progress_iter,
                        resolve_device, seed_everything)
from advrl.dialogue.batches import human_data, with_denoising_rows
from advrl.dialogue.corpora import Pair
from advrl.dialogue.discriminator import HierarchicalDiscriminator, Seq2SeqDiscriminator, TransformerDiscriminator
from advrl.dialogue.generator import GeneratorConfig, Seq2SeqGenerator
from advrl.dialogue.model import ModelConfig, build_model, check_at_least, load_model, quiet_transformers
from advrl.dialogue.tokenizer import load_tokenizer, train_tokenizer

DISCRIMINATORS: dict[str, Callable[[Seq2SeqGenerator], Discriminator]] = {
    # Li et al.: utterance GRU -> context GRU
    "hierarchical": lambda g: HierarchicalDiscriminator(len(g.tokenizer), pad_id=g.pad_id),
    # a small BERT-config encoder over [SEP] context [SEP] reply
    "transformer": lambda g: TransformerDiscriminator(len(g.tokenizer), g.config.context_len + g.config.reply_len,
                                                      pad_id=g.pad_id, sep_id=g.eos_id),
    # a copy of the (MLE-trained) generator's encoder-decoder read as a classifier
    "seq2seq": Seq2SeqDiscriminator.from_generator,
}


@dataclass(frozen=True)
class DialogueConfig:
    """Everything a dialogue run needs besides the corpus; checked when built
    (:class:`UserError` naming the field), changed with ``dataclasses.replace``."""

    model: ModelConfig = field(default_factory=ModelConfig)
    generator: GeneratorConfig = field(default_factory=GeneratorConfig)
    vocab_size: int = 1000  # WordPiece vocabulary trained on the corpus
    mle_epochs: int = 20  # MLE pre-training epochs
    d_pretrain_steps: int = 100  # discriminator updates on human vs sampled before the rounds
    d_probe_pairs: int = 1024  # a seq2seq D's output layer is first fitted as a linear probe on this many human
    # and as many sampled replies (0: not; a fresh head on raw features barely moves in 100 Adam steps at d_lr)
    rounds: int = 150  # adversarial rounds
    d_steps: int = 1  # discriminator updates per round
    g_steps: int = 1  # generator (REINFORCE + teacher forcing) updates per round
    d_lr: float = 1e-3  # discriminator Adam learning rate
    loss: str = "minimax"  # the objective's discriminator loss (minimax | ns | wgan; no gradient penalty)
    reward: str = "d"  # Li et al.: D's probability that the reply is human
    discriminator: str = "hierarchical"  # hierarchical (Li et al.) | transformer | seq2seq (copy of the MLE model)
    device: str = "auto"  # auto | cpu | cuda[:N]
    seed: int = 0  # seeds the corpus split and, once, everything built from it

    def __post_init__(self) -> None:
        check_at_least(self, 1, "vocab_size", "rounds")
        check_at_least(self, 0, "mle_epochs", "d_pretrain_steps", "d_probe_pairs", "d_steps", "g_steps")
        if self.discriminator not in DISCRIMINATORS:
            raise UserError(f"discriminator {self.discriminator!r}: expected one of {sorted(DISCRIMINATORS)}")
        dialogue_objective(self)


def dialogue_objective(config: DialogueConfig) -> Objective:
    """The objective ``config.loss`` with reward ``config.reward``. A gradient
    penalty is refused up front: it interpolates continuous inputs, and a dialogue
    batch is token ids (see :mod:`advrl.dialogue.discriminator`)."""
    objective = make_objective(config.loss, reward_name=config.reward)
    if objective.gp_weight > 0:
        raise UserError(f"loss {config.loss!r}: its gradient penalty interpolates continuous inputs, but dialogue "
                        "batches are token ids; use minimax, ns or wgan")
    return objective


def build_generator(train: list[Pair], config: DialogueConfig, model_path: str | Path | None = None,
                    tokenizer_path: str | Path | None = None) -> Seq2SeqGenerator:
    """Seed everything once with ``config.seed``, then build a generator over
    ``train`` on ``config.device``: the model and tokenizer saved in ``model_path``,
    or a fresh small BART with the tokenizer in ``tokenizer_path`` or one trained
    on ``train``."""
    quiet_transformers()
    seed_everything(config.seed)
    gcfg = config.generator
    if model_path is not None:
        model, tokenizer = load_model(model_path), load_tokenizer(model_path)
    else:
        tokenizer = (load_tokenizer(tokenizer_path) if tokenizer_path is not None
                     else train_tokenizer([t for pair in train for t in pair], vocab_size=config.vocab_size))
        model = build_model(tokenizer, config.model, max_len=max(gcfg.context_len, gcfg.reply_len))
    return Seq2SeqGenerator(model, tokenizer, train, gcfg, device=resolve_device(config.device))


def mle_learning_rate(peak: float, step: int, total: int, warmup: int) -> float:
    """The MLE schedule: linear warm-up over ``warmup`` steps (at most a tenth of
    the run) to ``peak``, then linear decay to 0 at step ``total``."""
    warmup = min(warmup, total // 10)
    if warmup and step < warmup:
        return peak * (step + 1) / warmup
    return peak * max(0.0, (total - step) / max(1, total - warmup))


def mle_batches(generator: Seq2SeqGenerator, epoch: int, seed: int = 0, bucket: int = 50) -> list[torch.Tensor]:
    """Epoch ``epoch``'s minibatches of row indices: a permutation seeded by
    (``seed``, ``epoch``) (so a resumed epoch repeats it), cut into chunks of
    ``bucket`` batches whose rows are sorted by length (little padding), the
    batches then shuffled."""
    rng = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    data, bs = generator.human.data, generator.config.batch_size
    lengths = sum((v != generator.pad_id).sum(1) * (1 + (k == "reply")) for k, v in data.items())
    perm = torch.randperm(generator.human.size, generator=rng)
    batches = []
    for i in range(0, len(perm), bs * bucket):
        chunk = perm[i:i + bs * bucket]
        chunk = chunk[torch.argsort(lengths[chunk], stable=True)]
        batches.extend(chunk[j:j + bs] for j in range(0, len(chunk), bs))
    return [batches[int(i)] for i in torch.randperm(len(batches), generator=rng)]


def pretrain_mle(generator: Seq2SeqGenerator, epochs: int, logger: ScalarLogger | None = None,
                 progress: bool = True, start_epoch: int = 0,
                 on_epoch_end: Callable[[int], None] | None = None,
                 checkpoint: Path | None = None, start_step: int = 0, seed: int = 0,
                 checkpoint_steps: int = 0, on_checkpoint: Callable[[int, int], None] | None = None) -> list[float]:
    """Maximum-likelihood epochs ``start_epoch..epochs-1`` (the first from its
    minibatch ``start_step``) over the generator's human pairs, in length-bucketed
    minibatches (:func:`mle_batches`) under the warm-up + linear-decay schedule
    (:func:`mle_learning_rate`, peak ``config.lr``); mean loss per epoch.
    ``on_epoch_end(done_epochs)`` runs after each epoch and
    ``on_checkpoint(epoch, done_steps)`` every ``checkpoint_steps`` minibatches
    inside one (checkpointing to ``checkpoint``). Ctrl-C/SIGTERM stop after the
    current minibatch: :class:`TrainingInterrupted` names the last checkpoint."""
    cfg = generator.config
    per_epoch = -(-generator.human.size // cfg.batch_size)
    total = epochs * per_epoch
    losses: list[float] = []
    done = start_epoch * per_epoch + start_step
    bar = Progress(total, done, enabled=progress, desc="mle steps")
    with deferred_interrupts() as interrupted:
        for epoch in range(start_epoch, epochs):
            epoch_losses = []
            first = start_step if epoch == start_epoch else 0
            for step, rows in enumerate(mle_batches(generator, epoch, seed)[first:], first + 1):
                generator.set_learning_rate(mle_learning_rate(cfg.lr, done, total, cfg.warmup_steps))
                batch = {k: v[rows] for k, v in generator.human.data.items()}
                if cfg.denoise:
                    mask = generator.tokenizer.unk_token_id
                    batch = with_denoising_rows(batch, cfg.denoise, generator.pad_id, generator.eos_id,
                                                generator.eos_id if mask is None else int(mask))
                epoch_losses.append(generator.mle_step(batch))
                done += 1
                bar.update(1, {"epoch": str(epoch + 1), "loss": f"{epoch_losses[-1]:.3f}"})
                if interrupted():  # Ctrl-C / SIGTERM: the last checkpoint is the one to resume from
                    bar.close()
                    raise TrainingInterrupted(epoch, checkpoint, unit="epoch")
                if logger is not None and done % 50 == 0:
                    logger.log(done, {"mle/loss_step": sum(epoch_losses[-50:]) / len(epoch_losses[-50:]),
                                      "mle/lr": generator.optimizer.param_groups[0]["lr"]})
                if checkpoint_steps and on_checkpoint and step % checkpoint_steps == 0 and step < per_epoch:
                    on_checkpoint(epoch, step)
            losses.append(sum(epoch_losses) / max(1, len(epoch_losses)))
            _end_of_epoch(epoch, losses[-1], logger, on_epoch_end)
    bar.close()
    return losses


def _end_of_epoch(epoch: int, loss: float, logger: ScalarLogger | None,
                  on_epoch_end: Callable[[int], None] | None) -> None:
    if logger is not None:
        logger.log(epoch + 1, {"mle/loss": loss})
    if on_epoch_end is not None:
        on_epoch_end(epoch + 1)


def make_discriminator(generator: Seq2SeqGenerator,
                       kind: str = DialogueConfig.discriminator) -> Discriminator:
    """A fresh discriminator of ``kind`` (a key of :data:`DISCRIMINATORS`) sized
    for ``generator``'s tokenizer and widths."""
    if kind not in DISCRIMINATORS:
        raise UserError(f"discriminator {kind!r}: expected one of {sorted(DISCRIMINATORS)}")
    return DISCRIMINATORS[kind](generator)


def adversarial_trainer(generator: Seq2SeqGenerator, discriminator: Discriminator, train: list[Pair],
                        config: DialogueConfig, callbacks: list[Callback] | None = None,
                        **loop: Any) -> AdversarialTrainer:
    """The shared loop with human pairs as real data, D:G = d_steps:g_steps and
    the objective's reward ``config.reward`` (``d`` by default). Starts the
    generator's adversarial phase (fresh Adam at ``adv_lr``); ``loop`` sets other
    :class:`LoopConfig` fields (logging, checkpoints, progress)."""
    gcfg = generator.config
    generator.start_adversarial_phase()
    real = human_data(generator.tokenizer, train, gcfg.context_len, gcfg.reply_len)
    loop_cfg = LoopConfig(rounds=config.rounds, d_steps=config.d_steps, g_steps=config.g_steps,
                          batch_size=gcfg.batch_size, d_lr=config.d_lr, seed=config.seed,
                          device=str(generator.device), **loop)
    return AdversarialTrainer(generator, discriminator, dialogue_objective(config), real, loop_cfg,
                              callbacks=callbacks)


def probe_discriminator(trainer: AdversarialTrainer, pairs: int, chunk: int = 128) -> float | None:
    """Fit a :class:`Seq2SeqDiscriminator`'s output layer as a linear probe on
    ``pairs`` human and ``pairs`` sampled replies (its frozen features), so the
    rounds start from a D that already tells them apart; returns the probe's
    accuracy on them (None for other discriminators or ``pairs`` 0)."""
    d = trainer.discriminator
    if not isinstance(d, Seq2SeqDiscriminator) or pairs < 1:
        return None
    human = trainer.real_data.sample(pairs)
    fakes = [trainer.generator.generate(min(chunk, pairs - i)) for i in range(0, pairs, chunk)]
    batch = {k: torch.cat([human[k].to(trainer.device)] + [f[k].to(trainer.device) for f in fakes])
             for k in ("context", "reply")}
    labels = torch.cat([torch.ones(pairs), torch.zeros(pairs)])
    acc = d.fit_probe(batch, labels)
    if trainer.logger is not None:
        trainer.logger.log(0, {"d/probe_accuracy": acc})
    return acc


def pretrain_discriminator(trainer: AdversarialTrainer, steps: int, progress: bool = True,
                           probe_pairs: int = 0) -> list[dict[str, float]]:
    """A linear probe on ``probe_pairs`` (:func:`probe_discriminator`), then
    ``steps`` discriminator updates on human vs sampled replies (the loop's own
    ``discriminator_step``, so the same optimiser continues in the rounds)."""
    probe_discriminator(trainer, probe_pairs)
    rows = []
    for _ in progress_iter(range(steps), desc="d-pretrain", enabled=progress):
        rows.append(trainer.discriminator_step())
    if rows and trainer.logger is not None:
        trainer.logger.log(0, {f"pretrain_{k.split('/')[-1]}": v for k, v in rows[-1].items()})
    return rows


def train_with_reward(generator: Seq2SeqGenerator, critic: Any, steps: int, progress: bool = True) -> list[dict]:
    """REINFORCE steps against a fixed critic-like reward (no discriminator
    updates), e.g. :class:`~advrl.dialogue.heuristic.HeuristicReward`, from a
    fresh adversarial phase (as :func:`adversarial_trainer`)."""
    generator.start_adversarial_phase()
    return [generator.train_step(critic) for _ in progress_iter(range(steps), desc="reinforce", enabled=progress)]


@torch.no_grad()
def mean_score(generator: Seq2SeqGenerator, discriminator: Discriminator, contexts: torch.Tensor,
               samples: int = 1) -> float:
    """Mean D probability of sampled replies to ``contexts`` [B, Lc]."""
    was = discriminator.training
    discriminator.eval()
    scores = []
    for _ in range(samples):
        reply = generator.sample(contexts)
        scores.append(torch.sigmoid(discriminator({"context": contexts.to(generator.device), "reply": reply})))
    discriminator.train(was)
    return torch.cat(scores).mean().item()


__all__ = ["DISCRIMINATORS", "DialogueConfig", "adversarial_trainer", "build_generator", "dialogue_objective",
           "make_discriminator", "mean_score", "mle_batches", "mle_learning_rate", "pretrain_discriminator", "pretrain_mle",
           "probe_discriminator", "train_with_reward"]
