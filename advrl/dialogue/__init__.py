"""Adversarial dialogue (Li et al. 2017): a seq2seq reply sampler trained by
REINFORCE on a hierarchical discriminator's probability that a reply is human,
on the shared :class:`advrl.core.AdversarialTrainer` loop.

Building blocks: corpora, tokenizer, :class:`Seq2SeqGenerator`, the
discriminators, :mod:`~advrl.dialogue.training` (the stages on the loop),
:mod:`~advrl.dialogue.evaluation` (the evaluation suite),
:mod:`~advrl.dialogue.checkpoint` (run directories and saved models) and
:mod:`~advrl.dialogue.runs` (the stages in a run directory, as ``advrl dialogue``
runs them)."""

from advrl.dialogue.checkpoint import RunDir, load_generator, save_generator
from advrl.dialogue.corpora import Splits, load_corpus, load_negatives, load_opensubtitles
from advrl.dialogue.discriminator import HierarchicalDiscriminator, TransformerDiscriminator
from advrl.dialogue.evaluation import EvalConfig, EvaluationCallback, evaluate, evaluate_generator, evaluator_reliability
from advrl.dialogue.generator import GeneratorConfig, Seq2SeqGenerator
from advrl.dialogue.heuristic import HeuristicReward
from advrl.dialogue.model import ModelConfig, build_model, load_model
from advrl.dialogue.runs import ChatConfig, RunConfig, chat, evaluate_run, pretrain, train
from advrl.dialogue.tokenizer import load_tokenizer, train_tokenizer
from advrl.dialogue.training import (DISCRIMINATORS, DialogueConfig, adversarial_trainer, build_generator,
                                     dialogue_objective, make_discriminator, pretrain_discriminator, pretrain_mle,
                                     probe_discriminator, train_with_reward)

__all__ = [
    "ChatConfig", "DISCRIMINATORS", "DialogueConfig", "EvalConfig", "EvaluationCallback", "GeneratorConfig",
    "HeuristicReward", "HierarchicalDiscriminator", "ModelConfig", "RunConfig", "RunDir", "Seq2SeqGenerator",
    "Splits", "TransformerDiscriminator", "adversarial_trainer", "build_generator", "build_model", "chat",
    "dialogue_objective", "evaluate", "evaluate_generator", "evaluate_run", "evaluator_reliability", "load_corpus",
    "load_generator", "load_model", "load_negatives", "load_opensubtitles", "load_tokenizer", "make_discriminator",
    "pretrain", "pretrain_discriminator", "pretrain_mle", "probe_discriminator", "save_generator", "train",
    "train_tokenizer", "train_with_reward",
]
