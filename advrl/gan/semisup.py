"""Semi-supervised GAN (Salimans et al. 2016, "Improved Techniques for Training GANs", §5) on the shared loop.

The discriminator is a K+1-class classifier written with K logits ``l_1..l_K`` and the
"generated" logit fixed at 0, so ``D(x) = Z(x) / (Z(x) + 1)`` with ``Z = Σ exp(l_k)``:
its real/fake logit is ``logsumexp(l)`` (:meth:`SemiSupervisedDiscriminator.head`). With
the core's ``ns`` objective the loop's discriminator loss is then exactly the paper's
unsupervised loss (``softplus(-lse(real)) + softplus(lse(fake))``); the supervised
cross-entropy on a labelled minibatch is the discriminator's ``auxiliary_loss``
(weighted 2 by default, which is the paper's ½-weighted unsupervised term up to
Adam's scale invariance). The generator is trained by feature matching on the last
hidden layer (:class:`advrl.gan.NetworkGenerator` with ``feature_matching=True``).

The MNIST networks are the paper's (openai/improved-gan, ``train_mnist_feature_matching.py``):
D = Gaussian noise 0.3 → 1000-500-250-250-250 weight-normalised ReLU layers each
followed by Gaussian noise 0.5 → 10 logits; G = z(100) → 500-500 softplus + batch
norm → 784 weight-normalised output. As in improved-gan's ``DenseLayer``, the hidden
layers' weight-norm scale ``g`` is fixed (unit-norm weight rows; only the output layer
learns its scale): a learned ``g`` lets D grow its activations past the 0.5 noise.
The defaults are the recipe measured against a plain-PyTorch re-run of the reference
(``benchmarks/semisup_reference.py``): no data-dependent initialisation (:func:`data_init`,
optional; improved-gan runs one, on 500 images with D's noise on, which sets the fixed hidden
scales to ~1.3-2.6 instead of 1), raw weights evaluated (an EMA is optional), lr decaying linearly to 0 over the
second half. :func:`train_supervised` trains the same network on the labelled examples
alone (the baseline).

Departures from the paper, each off by default: ``translate`` (real images randomly shifted),
``d_translate`` (every image D trains on shifted inside D, generated ones included: DiffAugment),
``consistency_weight`` (a Π-model consistency term on D's class probabilities of two shifted views
of each unlabelled image). benchmarks/results/gan_frontiers.md compares them.

Data: ``mnist:DIR`` with the train IDX files → train 60k (unlabelled) / test 10k; with
only the 10k test files (as in ``../shared/data/mnist``) → a fixed, seeded
``n_train``/rest split (8k/2k). ``digits`` → scikit-learn's 8x8 digits, seeded 80/20.
Labels: ``labels_per_class`` per class drawn (seeded) from the training part.
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

from advrl.core import (AdversarialTrainer, Callback, Discriminator, LoopConfig, TensorData, UserError, atomic_path,
                        content_sha256, make_objective, prepare_run_dir, progress_iter, resolve_device, seed_everything,
                        write_summary)
from advrl.gan.classifier import accuracy
from advrl.gan.data import MNIST_FILES, _find, load_digits, load_mnist, random_shift, shifted, split_indices
from advrl.gan.generator import NetworkGenerator
from advrl.gan.layers import GaussianNoise, RandomTranslate
from advrl.gan.recipes import RESUME_MAY_CHANGE, Recipe, as_run, loop_for
from advrl.gan.schedules import LinearDecay


# -------------------------------------------------------------------------------------------- data
@dataclass
class SemiSupSplit:
    """Unlabelled training images, the few labelled ones, and a held-out test set (images in [-1, 1])."""

    unlabelled: torch.Tensor
    labelled_x: torch.Tensor
    labelled_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    source: str

    @property
    def n_classes(self) -> int:
        return int(max(self.labelled_y.max(), self.test_y.max())) + 1

    def describe(self) -> str:
        return (f"{self.source}: {len(self.unlabelled)} training images ({len(self.labelled_y)} labelled), "
                f"{len(self.test_y)} held-out test images")


def pick_labels(labels: np.ndarray, per_class: int, seed: int = 0) -> np.ndarray:
    """Indices of ``per_class`` examples of every class (seeded, without replacement)."""
    rng = np.random.default_rng(seed)
    picked = []
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        if len(idx) < per_class:
            raise UserError(f"--labels-per-class {per_class}: class {c} has only {len(idx)} training examples")
        picked.append(rng.choice(idx, per_class, replace=False))
    return np.sort(np.concatenate(picked))


def load_semisup_split(spec: str, labels_per_class: int = 10, n_train: int = 8000, seed: int = 0) -> SemiSupSplit:
    """The semi-supervised data for ``--data`` (``mnist:DIR`` or ``digits``); see the module docstring."""
    if labels_per_class <= 0:
        raise UserError(f"--labels-per-class must be positive, got {labels_per_class}")
    if spec.startswith("mnist:"):
        directory = Path(spec.split(":", 1)[1])
        if not directory.is_dir():
            raise UserError(f"{directory}: MNIST directory does not exist")
        has_train = all(_find(directory, stem) for stem in MNIST_FILES["train"])
        if has_train:
            train, test = load_mnist(directory, "train"), load_mnist(directory, "test")
            x, y, tx, ty = train.images, train.labels, test.images, test.labels
            source = f"mnist:{directory} (train/test IDX files)"
        else:
            data = load_mnist(directory, "test")
            if not 0 < n_train < len(data.labels):
                raise UserError(f"--n-train must be in 1..{len(data.labels) - 1} for {directory}, got {n_train}")
            tr, te = split_indices(len(data.labels), n_train, seed)
            x, y, tx, ty = data.images[tr], data.labels[tr], data.images[te], data.labels[te]
            source = f"mnist:{directory} (seeded {n_train}/{len(te)} split of {len(data.labels)} images)"
    elif spec == "digits":
        data = load_digits()
        n = int(0.8 * len(data.labels))
        tr, te = split_indices(len(data.labels), n, seed)
        x, y, tx, ty = data.images[tr], data.labels[tr], data.images[te], data.labels[te]
        source = f"digits (seeded {n}/{len(te)} split)"
    else:
        raise UserError(f"unknown --data {spec!r}; expected 'digits' or 'mnist:DIR'")
    classes = np.unique(y.numpy())
    if len(classes) < 2 or classes[0] != 0 or classes[-1] != len(classes) - 1:  # else accuracy means nothing
        shown = ", ".join(map(str, classes[:5])) + (", ..." if len(classes) > 5 else "")
        raise UserError(f"{source}: the training labels must be classes 0..K-1 with K >= 2; they are {shown}")
    lab = pick_labels(y.numpy(), labels_per_class, seed)
    return SemiSupSplit(x, x[lab], y[lab], tx, ty, source)


# ---------------------------------------------------------------------------------------- networks
def _linear(i: int, o: int, wn: bool, train_scale: bool = True) -> nn.Module:
    """A linear layer; with ``wn`` weight-normalised as improved-gan's ``DenseLayer``: direction
    ``v ~ N(0, 0.1²)``, scale ``g = 1`` (learned only with ``train_scale``; :func:`data_init` may set
    it), bias 0. The size of ``v`` matters: Adam moves each entry by ~lr, so a default-initialised
    ``v`` (entries ~0.02) turns the weight directions ~5x faster than the reference's."""
    layer = nn.Linear(i, o)
    if not wn:
        return layer
    with torch.no_grad():
        layer.weight.normal_(0.0, 0.1)
        layer.bias.zero_()
    layer = weight_norm(layer)
    with torch.no_grad():
        layer.parametrizations.weight.original0.fill_(1.0).requires_grad_(train_scale)
    return layer


class SemiSupClassifier(nn.Module):
    """The paper's MNIST discriminator body: noise → weight-normalised ReLU MLP (noise after
    each hidden layer) → K class logits. Inputs in [-1, 1] are mapped to [0, 1] first
    (the paper's pixel range, so its noise levels keep their meaning). ``train_hidden_scale``:
    the hidden layers learn their weight-norm scale too (the reference fixes it). ``translate``:
    in training, every input image (real, labelled or generated) is first shifted at random by up
    to that many pixels (:class:`RandomTranslate`, DiffAugment-style); evaluation sees it unshifted."""

    def __init__(self, in_dim: int = 784, hidden: tuple[int, ...] = (1000, 500, 250, 250, 250),
                 n_classes: int = 10, input_noise: float = 0.3, hidden_noise: float = 0.5,
                 weight_norm: bool = True, train_hidden_scale: bool = False, translate: int = 0) -> None:
        super().__init__()
        self.translate = RandomTranslate(translate)
        layers: list[nn.Module] = [GaussianNoise(input_noise)]
        d = in_dim
        for i, h in enumerate(hidden):
            if i:
                layers.append(GaussianNoise(hidden_noise))
            layers += [_linear(d, h, weight_norm, train_hidden_scale), nn.ReLU()]
            d = h
        self.body = nn.Sequential(*layers)
        self.out = nn.Sequential(GaussianNoise(hidden_noise), _linear(d, n_classes, weight_norm))
        self.in_dim, self.n_classes = in_dim, n_classes

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Last hidden layer (what feature matching matches)."""
        if self.translate.max_shift and self.training:
            side = int(round(self.in_dim ** 0.5))
            x = self.translate(x.reshape(-1, 1, side, side))
        return self.body((x.flatten(1) + 1) / 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.features(x))


@torch.no_grad()
def data_init(classifier: SemiSupClassifier, x: torch.Tensor, noise: bool = True) -> None:
    """Data-dependent initialisation of the weight-normalised layers (Salimans & Kingma 2016,
    as in the improved-gan code): on a batch ``x``, set each layer's scale ``g`` and bias so its
    pre-activations have zero mean and unit variance. With ``noise`` (improved-gan's init pass
    runs with ``deterministic=False``) the batch goes through D's Gaussian noise layers, so the
    statistics include the noise and the scales come out smaller than on clean inputs."""
    from torch.nn.utils import parametrize

    h = (x.flatten(1) + 1) / 2
    for m in list(classifier.body) + list(classifier.out):
        if isinstance(m, GaussianNoise):
            if noise and m.std > 0:
                h = h + m.std * torch.randn_like(h)
            continue
        if isinstance(m, nn.Linear) and parametrize.is_parametrized(m, "weight"):
            v = m.parametrizations.weight.original1
            t = h @ (v / v.norm(dim=1, keepdim=True)).T
            mean, std = t.mean(0), t.std(0) + 1e-6
            m.parametrizations.weight.original0.copy_((1 / std).view_as(m.parametrizations.weight.original0))
            m.bias.copy_(-mean / std)
        h = m(h)


class SemiSupGenerator(nn.Module):
    """z → 500 → 500 (softplus, batch norm) → weight-normalised linear → tanh image."""

    def __init__(self, z_dim: int = 100, image_size: int = 28, hidden: tuple[int, ...] = (500, 500)) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        d = z_dim
        for h in hidden:
            layers += [nn.Linear(d, h), nn.BatchNorm1d(h), nn.Softplus()]
            d = h
        layers += [_linear(d, image_size * image_size, True), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.z_dim, self.image_size = z_dim, image_size

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(-1, 1, self.image_size, self.image_size)


class SemiSupervisedDiscriminator(Discriminator):
    """K+1-class discriminator: ``head`` = logsumexp of the K class logits (fake logit 0);
    ``auxiliary_loss`` = ``sup_weight`` × cross-entropy on a minibatch of the labelled set it holds,
    plus, with ``consistency_weight`` > 0, a consistency term on the unlabelled batch (the Π-model,
    Laine & Aila 2017; on a GAN's discriminator as in CT-GAN, Wei et al. 2018): the squared distance
    between the class probabilities of two views of each image, each randomly shifted by up to
    ``consistency_translate`` pixels and passed through D's noise. ``consistency_scale`` (set by
    :class:`ConsistencyRampUp`) scales the weight over the run."""

    def __init__(self, classifier: SemiSupClassifier, labelled_x: torch.Tensor, labelled_y: torch.Tensor,
                 labelled_batch: int = 100, sup_weight: float = 2.0, translate: int = 0,
                 consistency_weight: float = 0.0, consistency_translate: int = 2) -> None:
        super().__init__()
        self.classifier = classifier
        self.labelled = shifted(TensorData({"x": labelled_x, "y": labelled_y}), translate)
        self.labelled_batch, self.sup_weight = labelled_batch, sup_weight
        self.consistency_weight, self.consistency_translate = consistency_weight, consistency_translate
        self.consistency_scale = 1.0
        self.last_supervised_accuracy = float("nan")
        self.last_consistency = float("nan")

    def class_logits(self, x: torch.Tensor) -> torch.Tensor:
        """The K real-class logits ``[B, K]``."""
        return self.classifier(x)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The classifier's last hidden layer (what the feature-matching generator matches)."""
        return self.classifier.features(x)

    def head(self, x: torch.Tensor) -> torch.Tensor:
        return torch.logsumexp(self.classifier(x), dim=1)

    def auxiliary_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        device = next(self.parameters()).device
        batch = self.labelled.sample(self.labelled_batch)
        logits = self.classifier(batch["x"].to(device))
        y = batch["y"].to(device)
        self.last_supervised_accuracy = (logits.argmax(1) == y).float().mean().item()
        loss = self.sup_weight * F.cross_entropy(logits, y)
        if self.consistency_weight > 0:
            p1, p2 = (torch.softmax(self.classifier(random_shift(real, self.consistency_translate)), 1)
                      for _ in range(2))
            consistency = (p1 - p2).square().sum(1).mean()
            self.last_consistency = consistency.item()
            loss = loss + self.consistency_weight * self.consistency_scale * consistency
        return loss


class ConsistencyRampUp(Callback):
    """Ramps the discriminator's consistency weight up as ``exp(-5 (1 - t)²)`` over the first ``fraction``
    of ``total`` rounds (t from 0 to 1; Laine & Aila 2017's schedule), so that the random early predictions
    are not made consistent with each other. Reads the round, so a resumed run continues the ramp."""

    def __init__(self, total: int, fraction: float = 0.25) -> None:
        self.total, self.fraction = total, fraction

    def scale(self, rounds_done: int) -> float:
        """The weight's factor after ``rounds_done`` rounds."""
        span = self.fraction * self.total
        t = 1.0 if span <= 0 else min(1.0, rounds_done / span)
        return float(np.exp(-5.0 * (1.0 - t) ** 2))

    def on_train_start(self, trainer: AdversarialTrainer) -> None:
        trainer.discriminator.consistency_scale = self.scale(trainer.round)

    def on_round_end(self, trainer: AdversarialTrainer, metrics: dict[str, float]) -> None:
        trainer.discriminator.consistency_scale = self.scale(trainer.round)


# ------------------------------------------------------------------------------------ EMA + eval
class EMA:
    """Exponential moving average of a module's parameters (and a copy of its buffers),
    via ``torch.optim.swa_utils.AveragedModel``."""

    def __init__(self, model: nn.Module, decay: float = 0.999) -> None:
        from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

        self.averaged = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True)

    def update(self, model: nn.Module) -> None:
        self.averaged.update_parameters(model)

    @property
    def module(self) -> nn.Module:
        return self.averaged.module


class SemiSupEval(Callback):
    """Every ``every`` rounds logs the held-out accuracy of the raw classifier (``eval/test_acc``)
    and, with a ``decay`` > 0, of an EMA of its weights updated after every round (``eval/test_acc_ema``)."""

    def __init__(self, test_x: torch.Tensor, test_y: torch.Tensor, every: int = 500, decay: float = 0.0) -> None:
        self.test_x, self.test_y, self.every, self.decay = test_x, test_y, every, decay
        self.ema: EMA | None = None
        self._ema_state: dict[str, Any] | None = None  # a checkpoint's average, loaded when the EMA is built
        self.history: list[dict[str, float]] = []

    def on_train_start(self, trainer: AdversarialTrainer) -> None:
        if self.ema is None and self.decay > 0:
            self.ema = EMA(trainer.discriminator.classifier, self.decay)
            if self._ema_state is not None:  # a resumed run continues its average
                self.ema.averaged.load_state_dict(self._ema_state)
                self._ema_state = None

    def state_dict(self) -> dict[str, Any]:
        return {"history": self.history, "ema": self.ema.averaged.state_dict() if self.ema is not None else None}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.history = [dict(row) for row in state["history"]]
        self._ema_state = state.get("ema") if self.decay > 0 else None

    def classifier(self, trainer: AdversarialTrainer) -> nn.Module:
        """What is evaluated as the result: the EMA classifier if there is one, else the raw one."""
        return self.ema.module if self.ema is not None else trainer.discriminator.classifier

    def evaluate(self, trainer: AdversarialTrainer) -> dict[str, float]:
        """Held-out accuracy of the raw (and EMA) classifier, logged and kept in ``history``."""
        x, y = self.test_x.to(trainer.device), self.test_y.to(trainer.device)
        row = {"eval/test_acc": accuracy(trainer.discriminator.classifier, x, y)}
        if self.ema is not None:
            row["eval/test_acc_ema"] = accuracy(self.ema.module, x, y)
        trainer.discriminator.classifier.train()
        trainer.logger.log(trainer.round, row)
        self.history.append({"round": float(trainer.round), **row})
        return row

    def on_round_end(self, trainer: AdversarialTrainer, metrics: dict[str, float]) -> None:
        if self.ema is not None:
            self.ema.update(trainer.discriminator.classifier)
        if self.every and trainer.round % self.every == 0:
            self.evaluate(trainer)


# --------------------------------------------------------------------------------------- training
@dataclass
class SemiSupConfig:
    """Everything ``advrl gan semisup`` needs; defaults are the paper's MNIST recipe (see the module docstring)."""

    data: str = "digits"  # digits | mnist:DIR
    labels_per_class: int = 10
    n_train: int = 8000  # training part of a test-only MNIST directory (rest is held out)
    split_seed: int = 0  # seeds the train/test split and the choice of labelled examples
    hidden: tuple[int, ...] = (1000, 500, 250, 250, 250)  # discriminator/classifier hidden sizes
    g_hidden: tuple[int, ...] = (500, 500)
    z_dim: int = 100
    input_noise: float = 0.3
    hidden_noise: float = 0.5
    weight_norm: bool = True
    train_hidden_scale: bool = False  # hidden layers learn their weight-norm scale (reference: fixed)
    data_init: bool = False  # data-dependent init of the weight-normalised layers (Salimans & Kingma 2016)
    lr: float = 3e-3  # Adam lr of D and G (paper: 0.003)
    betas: tuple[float, float] = (0.5, 0.999)  # Adam betas of D and G (paper: beta1 0.5)
    sup_weight: float = 2.0  # cross-entropy weight (2 = the paper's 1/2-weighted unsupervised loss)
    decay_fraction: float = 0.5  # linear lr decay to 0 over this last fraction of rounds
    translate: int = 0  # random translations of up to this many pixels of every real image drawn
    # (labelled and unlabelled; the baseline's too); 0: none, as the paper
    d_translate: int = 0  # random translations of up to this many pixels of every image D trains on: real,
    # labelled and generated alike, inside D so G's gradient passes through them (DiffAugment); the baseline's too
    consistency_weight: float = 0.0  # Π-model consistency of D's class probabilities between two shifted, noisy views
    # of each unlabelled image (SemiSupervisedDiscriminator); 0: off, as the paper
    consistency_translate: int = 2  # the views' random shifts (pixels)
    consistency_rampup: float = 0.25  # the weight ramps up over this first fraction of rounds
    ema_decay: float | None = 0.0  # EMA of D's weights for evaluation; 0: none (raw weights); None: 1 - 10/rounds
    eval_every: int = 500
    baseline: bool = True  # also train the supervised-only baseline
    out: str | None = "runs/semisup"  # sample grids, TensorBoard, results.json (None: nothing written)
    loop: LoopConfig = field(default_factory=lambda: LoopConfig(rounds=6000, batch_size=100, log_every=50,
                                                                                checkpoint_every=1000))


@dataclass
class SemiSupResult:
    """What :func:`run_semisup` returns."""

    semi_accuracy: float  # the evaluated classifier (EMA if configured, else raw), held-out
    semi_accuracy_raw: float  # final raw classifier, held-out
    supervised_accuracy: float | None  # same network on the labelled examples alone, held-out
    split: SemiSupSplit
    trainer: AdversarialTrainer
    history: list[dict[str, float]]
    ema_classifier: nn.Module  # the evaluated classifier (EMA if configured, else a copy of the raw one)

    def summary(self) -> dict[str, Any]:
        """The accuracies and data sizes, as written to ``results.json``."""
        return {"semi_supervised_accuracy": self.semi_accuracy, "semi_supervised_accuracy_raw": self.semi_accuracy_raw,
                "supervised_only_accuracy": self.supervised_accuracy, "n_labelled": len(self.split.labelled_y),
                "n_unlabelled": len(self.split.unlabelled), "n_test": len(self.split.test_y),
                "data": self.split.source, "rounds": self.trainer.round}


def ema_decay(cfg: SemiSupConfig, rounds: int | None = None) -> float:
    """The configured EMA decay (0: no EMA), or for ``None`` one whose horizon is a tenth of the run (≤ 0.999)."""
    if cfg.ema_decay is not None:
        return cfg.ema_decay
    return min(0.999, max(0.0, 1 - 10 / (rounds or cfg.loop.rounds)))


def make_classifier(cfg: SemiSupConfig, split: SemiSupSplit) -> SemiSupClassifier:
    """A fresh K-class classifier for ``split``'s images, shaped by ``cfg``."""
    return SemiSupClassifier(split.unlabelled[0].numel(), tuple(cfg.hidden), split.n_classes, cfg.input_noise,
                             cfg.hidden_noise, cfg.weight_norm, cfg.train_hidden_scale, cfg.d_translate)


def build_semisup(cfg: SemiSupConfig, split: SemiSupSplit) -> tuple[AdversarialTrainer, SemiSupEval]:
    """The semi-supervised GAN on the core loop (ns objective, feature-matching generator). ``cfg`` is
    not changed; every RNG is seeded from ``cfg.loop.seed`` once, before the networks are built."""
    recipe = Recipe("ns", cfg.lr, cfg.betas)
    loop = loop_for(recipe, cfg.loop)
    if split.unlabelled.ndim != 4 or split.unlabelled.shape[1] != 1:
        raise UserError(f"{split.source}: expected images [N, 1, H, W], got {list(split.unlabelled.shape)}")
    for flag, value in (("--translate", cfg.translate), ("--d-translate", cfg.d_translate),
                        ("--consistency", cfg.consistency_weight), ("--consistency-translate", cfg.consistency_translate)):
        if value < 0:
            raise UserError(f"{flag} must be >= 0, got {value}")
    if loop.g_steps < 1:
        raise UserError(f"--g-steps must be >= 1, got {loop.g_steps}")
    if not 0 <= cfg.decay_fraction <= 1:
        raise UserError(f"--decay-fraction must be in [0, 1], got {cfg.decay_fraction}")
    size = split.unlabelled.shape[-1]
    seed_everything(loop.seed)  # networks are initialised from the seed
    classifier = make_classifier(cfg, split)
    if cfg.weight_norm and cfg.data_init:  # on unlabelled images
        data_init(classifier, split.unlabelled[torch.randperm(len(split.unlabelled))[:500]])
    disc = SemiSupervisedDiscriminator(classifier, split.labelled_x, split.labelled_y, loop.batch_size,
                                       cfg.sup_weight, cfg.translate, cfg.consistency_weight, cfg.consistency_translate)
    real = shifted(TensorData(split.unlabelled), cfg.translate)
    generator = NetworkGenerator(SemiSupGenerator(cfg.z_dim, size, tuple(cfg.g_hidden)), cfg.z_dim,
                                 loop.batch_size, lr=recipe.lr, betas=recipe.betas, device=loop.device,
                                 feature_matching=True, real_data=real)
    evaluator = SemiSupEval(split.test_x, split.test_y, cfg.eval_every, ema_decay(cfg))
    callbacks: list[Callback] = [evaluator]
    if cfg.consistency_weight > 0:
        callbacks.append(ConsistencyRampUp(loop.rounds, cfg.consistency_rampup))
    if cfg.decay_fraction > 0:
        callbacks.append(LinearDecay(loop.rounds, cfg.decay_fraction))
    if cfg.out and size % 4 == 0:
        from advrl.gan.plots import SampleGridCallback

        callbacks.append(SampleGridCallback(cfg.out, every=max(loop.rounds // 4, 1)))
    trainer = AdversarialTrainer(generator, disc, make_objective(recipe.objective), real, loop, callbacks)
    return trainer, evaluator


def train_supervised(cfg: SemiSupConfig, split: SemiSupSplit, rounds: int | None = None,
                     progress: bool | None = None) -> tuple[nn.Module, float]:
    """The baseline: the same classifier (noise, weight norm, EMA if any, lr schedule) trained by
    cross-entropy on the labelled examples alone, for as many updates as the GAN's
    discriminator. Returns (the evaluated classifier, held-out accuracy)."""
    rounds = rounds or cfg.loop.rounds
    device = resolve_device(cfg.loop.device)
    seed_everything(cfg.loop.seed)
    model = make_classifier(cfg, split)
    if cfg.weight_norm and cfg.data_init:  # on the labelled images only
        data_init(model, split.labelled_x)
    model = model.to(device)
    decay = ema_decay(cfg, rounds)
    ema = EMA(model, decay) if decay > 0 else None
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, betas=cfg.betas)
    labelled = shifted(TensorData({"x": split.labelled_x, "y": split.labelled_y}), cfg.translate)
    start = (1 - cfg.decay_fraction) * rounds
    show = cfg.loop.progress if progress is None else progress
    for step in progress_iter(range(rounds), desc="supervised-only", enabled=show):
        if cfg.decay_fraction > 0 and step >= start:
            for g in opt.param_groups:
                g["lr"] = cfg.lr * max(0.0, (rounds - step) / (rounds - start))
        model.train()
        batch = labelled.sample(cfg.loop.batch_size)
        loss = F.cross_entropy(model(batch["x"].to(device)), batch["y"].to(device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if ema is not None:
            ema.update(model)
    final = ema.module if ema is not None else model
    return final, accuracy(final, split.test_x.to(device), split.test_y.to(device))


def run_semisup(cfg: SemiSupConfig, split: SemiSupSplit | None = None, resume: bool = False,
                overwrite: bool = False) -> SemiSupResult:
    """Load the split, train the semi-supervised GAN (and the supervised-only baseline),
    evaluate both on the held-out images; writes ``results.json`` and, last, ``summary.json``
    to ``cfg.out``, and checkpoints to ``out/checkpoint.pt`` (every ``loop.checkpoint_every``
    rounds, and at the end). An existing run in ``out`` is continued only with ``resume``
    (same settings; the checkpoint carries the evaluations and the EMA so far) or replaced with
    ``overwrite``."""
    if cfg.out:
        out = prepare_run_dir(cfg.out, resume=resume, overwrite=overwrite, check_only=True)
        cfg = replace(cfg, loop=replace(cfg.loop, logdir=cfg.loop.logdir or str(out / "tb"),
                                        checkpoint_path=cfg.loop.checkpoint_path or str(out / "checkpoint.pt")))
    split = split or load_semisup_split(cfg.data, cfg.labels_per_class, cfg.n_train, cfg.split_seed)
    trainer, evaluator = build_semisup(cfg, split)
    data_sha256 = content_sha256(split.unlabelled, split.labelled_x, split.labelled_y, split.test_x, split.test_y)
    trainer.run_config = {**asdict(as_run(cfg, trainer)), "data_sha256": data_sha256}
    trainer.resume_may_change = set(RESUME_MAY_CHANGE)
    if cfg.out:  # every setting is valid by now
        prepare_run_dir(cfg.out, resume=resume, overwrite=overwrite)
    if resume and trainer.config.checkpoint_path:
        trainer.resume(trainer.config.checkpoint_path)
        for opt in (trainer.d_optimizer, trainer.generator.optimizer):  # LinearDecay re-reads its base lr
            for group in opt.param_groups:
                group["lr"] = cfg.lr
    trainer.train()
    final = evaluator.evaluate(trainer)
    sup = train_supervised(cfg, split)[1] if cfg.baseline else None
    if sup is not None:
        trainer.logger.log(trainer.round, {"eval/supervised_only_acc": sup})
    trainer.logger.flush()
    result = SemiSupResult(final.get("eval/test_acc_ema", final["eval/test_acc"]), final["eval/test_acc"], sup, split,
                           trainer, evaluator.history, copy.deepcopy(evaluator.classifier(trainer)))
    if cfg.out:
        with atomic_path(Path(cfg.out) / "results.json") as tmp:
            tmp.write_text(json.dumps({"config": asdict(as_run(cfg, trainer)), "results": result.summary(),
                                       "history": evaluator.history}, indent=2, default=str))
        write_summary(cfg.out, {"family": "gan semisup", "data": cfg.data, "settings": trainer.run_config,
                                "rounds": trainer.round, "results": result.summary(),
                                "samples": str(Path(cfg.out) / "samples_latest.png")})
    return result


__all__ = ["ConsistencyRampUp", "EMA", "SemiSupClassifier", "SemiSupConfig", "SemiSupEval", "SemiSupGenerator", "SemiSupResult",
           "SemiSupSplit", "SemiSupervisedDiscriminator", "build_semisup", "data_init", "ema_decay",
           "load_semisup_split", "make_classifier", "pick_labels", "run_semisup", "train_supervised"]
