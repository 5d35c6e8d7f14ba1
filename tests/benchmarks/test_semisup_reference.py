"""The plain-PyTorch reference's ``--faithful`` init does what improved-gan's ``init_param`` does: with D's
noise on, every weight-normalised layer's pre-activations come out with zero mean and unit variance on the
init batch (on a fresh noise draw: close to it), and the raw init leaves them far from that."""

import torch

from benchmarks.semisup_reference import WNDense, data_init, networks


@torch.no_grad()
def _pre_activations(disc, x):
    """Pre-activations of each weight-normalised layer, D's noise on."""
    out, h = [], x
    for m in disc:
        if isinstance(m, WNDense):
            out.append(m(h))
        h = m(h)
    return out


def test_faithful_init_standardises_every_layer():
    torch.manual_seed(0)
    disc, _ = networks()
    x = torch.rand(500, 784) * (torch.rand(500, 784) < 0.2)  # sparse, MNIST-like in [0, 1]
    before = _pre_activations(disc, x)
    assert max(abs(float(t.std(0).mean()) - 1) for t in before) > 0.5
    data_init(disc, x)
    for t in _pre_activations(disc, x):  # a new noise draw: standardised up to the noise's own spread
        assert abs(float(t.mean(0).abs().mean())) < 0.25 and abs(float(t.std(0).mean()) - 1) < 0.25
