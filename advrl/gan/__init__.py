"""advrl.gan — image GANs (and toy low-dimensional GANs) on the shared loop."""

from advrl.gan.classifier import DigitClassifier, load_classifier, save_classifier, train_classifier
from advrl.gan.data import ImageData, load_digits, load_image_data, load_mnist, read_idx
from advrl.gan.generator import NetworkGenerator
from advrl.gan.layers import GaussianNoise, MinibatchDiscrimination
from advrl.gan.metrics import classifier_outputs, classifier_score, frechet_distance
from advrl.gan.models import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator
from advrl.gan.train import GanConfig, build_gan, train_gan

__all__ = [
    "DCGANDiscriminator", "DCGANGenerator", "DigitClassifier", "GanConfig", "GaussianNoise", "ImageData",
    "MLPDiscriminator", "MLPGenerator", "MinibatchDiscrimination", "NetworkGenerator", "build_gan",
    "classifier_outputs", "classifier_score", "frechet_distance", "load_classifier", "load_digits",
    "load_image_data", "load_mnist", "read_idx", "save_classifier", "train_classifier", "train_gan",
]
