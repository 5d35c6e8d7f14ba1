"""Adversarial dialogue (Li et al. 2017): a seq2seq reply sampler trained by
REINFORCE on a hierarchical discriminator's probability that a reply is human,
on the shared :class:`advrl.core.AdversarialTrainer` loop."""

from advrl.dialogue.corpora import Splits, load_corpus, load_opensubtitles
from advrl.dialogue.discriminator import HierarchicalDiscriminator
from advrl.dialogue.generator import GeneratorConfig, Seq2SeqGenerator
from advrl.dialogue.heuristic import HeuristicReward
from advrl.dialogue.model import ModelConfig, build_model, load_model
from advrl.dialogue.tokenizer import load_tokenizer, train_tokenizer
from advrl.dialogue.training import DialogueConfig, adversarial_trainer, build_generator, pretrain_mle

__all__ = [
    "DialogueConfig", "GeneratorConfig", "HeuristicReward", "HierarchicalDiscriminator", "ModelConfig",
    "Seq2SeqGenerator", "Splits", "adversarial_trainer", "build_generator", "build_model", "load_corpus",
    "load_model", "load_opensubtitles", "load_tokenizer", "pretrain_mle", "train_tokenizer",
]
