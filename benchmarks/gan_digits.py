"""DCGAN (non-saturating and WGAN-GP) on the 10k MNIST images: Fréchet distance
on the project classifier's features (real-vs-real as the floor), classifier
score and training throughput. Writes benchmarks/results/gan_digits.md + PNGs.

    python benchmarks/gan_digits.py --mnist ../shared/data/mnist
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

import torch

import numpy as np

from advrl.core import LoopConfig
from advrl.gan import (LOSSES, GanConfig, ImageData, accuracy, build_gan, classifier_outputs, classifier_score,
                       frechet_distance, load_classifier, load_mnist, save_classifier, save_curves, save_grid,
                       split_indices, train_classifier)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
CLASSIFIER = ROOT / "experts" / "classifiers" / "mnist_cnn.pt"


def get_classifier(images: torch.Tensor, labels: torch.Tensor) -> torch.nn.Module:
    """The frozen project classifier (trained on a seeded 8k split, checked on 2k)."""
    if CLASSIFIER.exists():
        return load_classifier(CLASSIFIER)
    train, held = split_indices(len(images), 8000, seed=0)
    model = train_classifier(images[train], labels[train], epochs=6)
    print(f"classifier held-out accuracy: {accuracy(model, images[held], labels[held]):.4f}")
    save_classifier(model, CLASSIFIER)
    return model


def train_and_score(loss: str, rounds: int, args: argparse.Namespace, data: ImageData, clf: torch.nn.Module,
                    real_feats: np.ndarray) -> tuple[tuple, dict]:
    """Train one DCGAN (the loss's recipe: lr, betas, D steps) and score ``n_eval`` samples:
    (table row, loss curves)."""
    cfg = GanConfig(data=f"mnist:{args.mnist}", loss=loss, width=args.width, sample_every=0, out="",
                    loop=LoopConfig(rounds=rounds, batch_size=64, seed=args.seed, device="cpu", log_every=25))
    trainer = build_gan(cfg, data)
    start = time.perf_counter()
    log = trainer.train()
    seconds = time.perf_counter() - start
    fakes = torch.cat([trainer.generator.sample(500) for _ in range(args.n_eval // 500)])
    feat_g, prob_g = classifier_outputs(clf, fakes)
    d_steps = trainer.config.d_steps
    ips = rounds * d_steps * trainer.config.batch_size / seconds
    row = (f"DCGAN {loss}", f"{rounds} G x {d_steps} D", frechet_distance(feat_g, real_feats),
           classifier_score(prob_g), f"{ips:.0f}", f"{seconds / 60:.1f}")
    save_grid(fakes[:64], RESULTS / f"gan_digits_{loss}_samples.png")
    steps = log.series("step")
    return row, {f"{loss} D loss": (steps, log.series("d/loss")), f"{loss} G loss": (steps, log.series("g/loss"))}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mnist", default=str(ROOT.parent / "shared" / "data" / "mnist"))
    p.add_argument("--rounds", type=int, default=3000, help="generator steps for ns")
    p.add_argument("--wgan-rounds", type=int, default=1500,
                   help=f"generator steps for wgan-gp ({LOSSES['wgan-gp'].d_steps} D steps each)")
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--n-eval", type=int, default=5000)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(2)

    data = load_mnist(args.mnist)
    clf = get_classifier(data.images, data.labels)
    half = len(data.images) // 2
    real_a, real_b = data.images[:half][: args.n_eval], data.images[half:][: args.n_eval]
    feat_a, prob_a = classifier_outputs(clf, real_a)
    feat_b, _ = classifier_outputs(clf, real_b)
    rows = [("real vs real (floor)", "-", frechet_distance(feat_a, feat_b), classifier_score(prob_a), "-", "-")]
    curves = {}
    for loss, rounds in (("ns", args.rounds), ("wgan-gp", args.wgan_rounds)):
        row, loss_curves = train_and_score(loss, rounds, args, data, clf, feat_a)
        rows.append(row)
        curves.update(loss_curves)
        print(row, flush=True)
    save_curves(curves, RESULTS / "gan_digits_losses.png", "DCGAN on MNIST 10k: losses")
    save_grid(real_a[:64], RESULTS / "gan_digits_real_samples.png")
    write_report(rows, args)


def write_report(rows: list[tuple], args: argparse.Namespace) -> None:
    """Print the table and write ``gan_digits.md`` with the command that made it."""
    header = "| run | budget | Fréchet distance (classifier features) ↓ | classifier score ↑ (max 10) | real images/s | minutes |"
    lines = [header, "|---|---|---|---|---|---|"]
    lines += [f"| {r[0]} | {r[1]} | {r[2]:.2f} | {r[3]:.2f} | {r[4]} | {r[5]} |" for r in rows]
    table = "\n".join(lines)
    print(table)
    cmd = "python " + " ".join(shlex.quote(a) for a in [str(Path(sys.argv[0]).relative_to(ROOT)
                                                          if Path(sys.argv[0]).is_absolute() else sys.argv[0]),
                                                         *sys.argv[1:]])
    md = f"""# DCGAN on MNIST (10k test images)

Command: `{cmd}` (2-core CPU, torch threads 2, shared with other jobs; seed {args.seed}).

Fréchet distance is computed on the 128-d penultimate features of the project's frozen digit classifier
(`experts/classifiers/mnist_cnn.pt`, trained on a seeded 8k split), {args.n_eval} generated vs {args.n_eval} real
images; the floor is two disjoint halves of the real images. Classifier score = exp(E KL(p(y|x) || p(y))).
"real images/s" = real images the discriminator consumed per second of training (G steps × D steps × 64).

{table}

Samples: `gan_digits_ns_samples.png`, `gan_digits_wgan-gp_samples.png` (real: `gan_digits_real_samples.png`);
loss curves: `gan_digits_losses.png`.
"""
    (RESULTS / "gan_digits.md").write_text(md)


if __name__ == "__main__":
    main()
