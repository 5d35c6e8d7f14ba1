"""advrl.gan — image GANs (and toy low-dimensional GANs) on the shared loop."""

from advrl.gan.classifier import DigitClassifier, accuracy, load_classifier, save_classifier, train_classifier
from advrl.gan.data import ImageData, load_digits, load_image_data, load_mnist, read_idx, split_indices
from advrl.gan.generator import NetworkGenerator
from advrl.gan.layers import GaussianNoise, MinibatchDiscrimination
from advrl.gan.metrics import classifier_outputs, classifier_score, frechet_distance
from advrl.gan.models import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator
from advrl.gan.modes import (METHODS, MIXTURES, ModeGanConfig, ModeMethod, ModeMetrics, ModeRun, build_mode_gan,
                             mode_metrics, train_mode_gan)
from advrl.gan.plots import save_curves, save_grid
from advrl.gan.recipes import Recipe
from advrl.gan.schedules import LinearDecay
from advrl.gan.semisup import SemiSupConfig, SemiSupResult, build_semisup, run_semisup
from advrl.gan.train import LOSSES, GanConfig, ImageLoss, build_gan, train_gan

__all__ = [
    "DCGANDiscriminator", "DCGANGenerator", "DigitClassifier", "GanConfig", "GaussianNoise", "ImageData",
    "ImageLoss", "LOSSES", "LinearDecay", "METHODS", "MIXTURES", "MLPDiscriminator", "MLPGenerator",
    "MinibatchDiscrimination", "ModeGanConfig", "ModeMethod", "ModeMetrics", "ModeRun", "NetworkGenerator", "Recipe",
    "SemiSupConfig", "SemiSupResult", "accuracy", "build_gan", "build_mode_gan", "build_semisup",
    "classifier_outputs", "classifier_score", "frechet_distance", "load_classifier", "load_digits", "load_image_data",
    "load_mnist", "mode_metrics", "read_idx", "run_semisup", "save_classifier", "save_curves", "save_grid",
    "split_indices", "train_classifier", "train_gan", "train_mode_gan",
]
