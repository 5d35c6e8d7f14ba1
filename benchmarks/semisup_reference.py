"""Plain-PyTorch re-run of Salimans et al.'s MNIST semi-supervised GAN recipe (openai/improved-gan,
``train_mnist_feature_matching.py``): the yardstick for ``advrl.gan.semisup``. No advrl code but the data split.

D: noise 0.3 → weight-normalised ReLU 1000-500-250-250-250, noise 0.5 after each → 10 logits (fake logit 0);
hidden layers' weight-norm scale g fixed, only the output layer's trained (as improved-gan's DenseLayer).
G: z ~ U(0,1)^100 → 500-500 (batch norm without scale, softplus) → weight-normalised 784 sigmoid.
Loss: cross-entropy on 100 labelled + ½ unsupervised K+1 loss on 100 unlabelled and 100 fakes; G: feature
matching on the last hidden layer. Adam 3e-3, β1 0.5; lr decays linearly to 0 over the second half.
No EMA, no data-dependent init (so g stays 1). Pixels in [0, 1]. Where improved-gan's script differs: it
sets g and the biases once by a data-dependent init pass on 500 images with D's noise on, keeps the lr at 0.003
throughout, and evaluates a Polyak average of D's weights (0.9999 per update). ``--faithful`` does those
three as improved-gan does: the init pass on 500 unlabelled images through D with its noise on (g ← g/σ,
b ← -μ/σ per layer, every weight-normalised layer of D), a constant lr of 3e-3, and a Polyak average
started at zero (improved-gan's ``disc_param_avg``: no bias correction), whose accuracy is recorded beside
the raw weights'.

    nice -n 10 .venv/bin/python benchmarks/semisup_reference.py --steps 2000 --threads 1 --json out.json
"""

import argparse
import json
import time

import torch
import torch.nn.functional as F
from torch import nn

from advrl.gan.semisup import load_semisup_split


class WNDense(nn.Module):
    """y = x (g v / |v|)ᵀ + b with v ~ N(0, 0.1²), g = 1 (trained only if ``train_scale``), b = 0."""

    def __init__(self, n_in, n_out, train_scale=False):
        super().__init__()
        self.v = nn.Parameter(0.1 * torch.randn(n_out, n_in))
        self.g = nn.Parameter(torch.ones(n_out), requires_grad=train_scale)
        self.b = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return F.linear(x, self.v * (self.g / self.v.norm(dim=1)).unsqueeze(1), self.b)


class Noise(nn.Module):
    def __init__(self, std):
        super().__init__()
        self.std = std

    def forward(self, x):
        return x + self.std * torch.randn_like(x) if self.training else x


def networks():
    d_layers, width = [Noise(0.3)], 784
    for h in (1000, 500, 250, 250, 250):
        d_layers += [WNDense(width, h), nn.ReLU(), Noise(0.5)]
        width = h
    disc = nn.Sequential(*d_layers, WNDense(width, 10, train_scale=True))  # disc[:-2]: last hidden layer
    g_layers, width = [], 100
    for h in (500, 500):
        lin, bn = nn.Linear(width, h, bias=False), nn.BatchNorm1d(h, eps=1e-6)
        nn.init.xavier_uniform_(lin.weight)
        bn.weight.requires_grad_(False)  # improved-gan batch_norm(..., g=None): shift only
        g_layers += [lin, bn, nn.Softplus()]
        width = h
    out = WNDense(width, 784, train_scale=True)
    nn.init.xavier_uniform_(out.v)
    return disc, nn.Sequential(*g_layers, out, nn.Sigmoid())


@torch.no_grad()
def data_init(disc, x):
    """improved-gan's ``init_param(trainx[:500])``: one pass with D's noise on; each weight-normalised
    layer's pre-activations standardised (its g divided by their std, its bias set to -mean/std)."""
    h = x
    for m in disc:
        if isinstance(m, WNDense):
            t = F.linear(h, m.v / m.v.norm(dim=1, keepdim=True)) * m.g
            mean, std = t.mean(0), (t - t.mean(0)).pow(2).mean(0).sqrt()
            m.g.div_(std)
            m.b.copy_(-mean / std)
        h = m(h)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mnist", default="../shared/data/mnist")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--split-seed", type=int, default=0)
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", help="write the learning curve here")
    p.add_argument("--faithful", action="store_true",
                   help="improved-gan's data-dependent init, constant lr and Polyak-averaged D (see the docstring)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    split = load_semisup_split(f"mnist:{args.mnist}", 10, 8000, args.split_seed)
    unl, lab_x, lab_y = [(x.flatten(1) + 1) / 2 for x in (split.unlabelled, split.labelled_x)] + [split.labelled_y]
    test_x, test_y = (split.test_x.flatten(1) + 1) / 2, split.test_y
    torch.manual_seed(args.seed)
    disc, gen = networks()
    if args.faithful:
        data_init(disc, unl[torch.randperm(len(unl))[:500]])
    d_params = [q for q in disc.parameters() if q.requires_grad]  # improved-gan's trainable disc_params
    avg = [torch.zeros_like(q) for q in d_params]  # its disc_param_avg: started at zero
    d_opt = torch.optim.Adam(d_params, lr=3e-3, betas=(0.5, 0.999))
    g_opt = torch.optim.Adam([q for q in gen.parameters() if q.requires_grad], lr=3e-3, betas=(0.5, 0.999))
    n_batches, curve, train_time = len(unl) // 100, [], 0.0
    for step in range(args.steps):
        t0 = time.perf_counter()
        if step % n_batches == 0:  # a new epoch: two independent orders of the unlabelled images
            order1, order2 = torch.randperm(len(unl)), torch.randperm(len(unl))
        lr = 3e-3 if args.faithful else 3e-3 * min(1.0, 2.0 - 2.0 * step / args.steps)
        for opt in (d_opt, g_opt):
            opt.param_groups[0]["lr"] = lr
        i = step % n_batches
        x_unl, x_unl2 = unl[order1[i * 100:(i + 1) * 100]], unl[order2[i * 100:(i + 1) * 100]]
        perm = torch.randperm(len(lab_y))
        x_lab, y_lab = lab_x[perm], lab_y[perm]
        with torch.no_grad():
            fake = gen(torch.rand(100, 100))
        lse_unl, lse_fake = disc(x_unl).logsumexp(1), disc(fake).logsumexp(1)
        loss_unl = 0.5 * (-lse_unl.mean() + F.softplus(lse_unl).mean() + F.softplus(lse_fake).mean())
        loss_d = F.cross_entropy(disc(x_lab), y_lab) + loss_unl
        d_opt.zero_grad()
        loss_d.backward()
        d_opt.step()
        if args.faithful:
            with torch.no_grad():
                for a, q in zip(avg, d_params):
                    a.add_(q - a, alpha=1e-4)
        with torch.no_grad():
            m_real = disc[:-2](x_unl2).mean(0)
        loss_g = (disc[:-2](gen(torch.rand(100, 100))).mean(0) - m_real).pow(2).mean()
        g_opt.zero_grad()
        loss_g.backward()
        g_opt.step()
        train_time += time.perf_counter() - t0
        if (step + 1) % args.eval_every == 0 or step + 1 == args.steps:
            disc.eval()
            with torch.no_grad():
                acc = (disc(test_x).argmax(1) == test_y).float().mean().item()
                point = {"step": step + 1, "test_acc": acc, "updates_per_s": (step + 1) / train_time}
                if args.faithful:
                    raw = [q.detach().clone() for q in d_params]
                    for q, a in zip(d_params, avg):
                        q.copy_(a)
                    point["test_acc_polyak"] = (disc(test_x).argmax(1) == test_y).float().mean().item()
                    for q, r in zip(d_params, raw):
                        q.copy_(r)
            disc.train()
            curve.append(point)
            polyak = f", Polyak average {100 * point['test_acc_polyak']:.2f}%" if args.faithful else ""
            print(f"step {step + 1}: test acc {100 * acc:.2f}%{polyak}  {(step + 1) / train_time:.2f} updates/s",
                  flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "curve": curve}, f, indent=1)


if __name__ == "__main__":
    main()
