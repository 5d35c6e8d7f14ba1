"""Image data readers, metrics and the `advrl gan` CLI's handling of bad input."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
import torch

from advrl.cli import main
from advrl.gan import (MinibatchDiscrimination, classifier_score, frechet_distance, load_digits, load_mnist,
                       read_idx)


def test_idx_round_trip_raw_and_gz(tmp_path, write_idx):
    imgs = np.random.default_rng(0).integers(0, 255, (5, 28, 28))
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", imgs)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.arange(5), gz=False)
    data = load_mnist(tmp_path)
    assert data.images.shape == (5, 1, 28, 28)
    assert data.labels.tolist() == [0, 1, 2, 3, 4]
    assert torch.allclose(data.images[0, 0], torch.from_numpy(imgs[0] / 127.5 - 1).float(), atol=1e-6)


def test_shared_mnist_test_set(shared_data):
    data = load_mnist(shared_data("mnist"))
    assert data.images.shape == (10000, 1, 28, 28)
    assert -1.0 <= data.images.min() and data.images.max() <= 1.0
    assert np.bincount(data.labels.numpy()).min() > 800  # all ten classes present


def test_digits_default():
    data = load_digits()
    assert data.images.shape == (1797, 1, 8, 8) and data.labels.max() == 9


@pytest.mark.parametrize(
    "setup, message",
    [
        ("not_idx", "not an IDX file"),
        ("truncated", "IDX body has"),
        ("wrong_shape", "expected images of shape [N, 28, 28]"),
        ("empty", "no MNIST IDX files found"),
        ("no_labels", "its labels file t10k-labels-idx1-ubyte(.gz) is not beside it"),
        ("width_0", "--width must be positive, got 0"),
        ("conditional_gap", "--conditional needs labels 0..K-1 with images of each; labels up to 200, "
                            "but none of class 0, 1, 2, 3, 4, ..."),
    ],
)
def test_bad_image_inputs_give_one_clear_error(tmp_path, capsys, write_idx, setup, message):
    if setup == "not_idx":
        (tmp_path / "t10k-images-idx3-ubyte").write_text("this is not idx\n")
        write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.arange(3))
    elif setup == "truncated":
        raw = gzip.compress(bytes([0, 0, 8, 3]) + struct.pack(">3I", 10, 28, 28) + b"\0" * 100)
        (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(raw)
        write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.arange(10))
    elif setup == "wrong_shape":
        write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((3, 10, 10)))
        write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.arange(3))
    elif setup == "no_labels":
        write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((3, 28, 28)))
    elif setup in ("width_0", "conditional_gap"):
        write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((3, 28, 28)))
        write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.full(3, 200))
    extra = {"width_0": ["--width", "0"], "conditional_gap": ["--conditional"]}.get(setup, [])
    code = main(["gan", "train", "--data", f"mnist:{tmp_path}", "--rounds", "1", "--out", str(tmp_path / "o"),
                 "--no-progress", *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("advrl: error:") and message in err[0], err
    if setup not in ("empty", "width_0"):
        assert str(tmp_path) in err[0]


def test_unknown_loss_and_data(capsys, tmp_path):
    assert main(["gan", "train", "--loss", "hinge", "--out", str(tmp_path)]) == 2
    assert "unknown --loss 'hinge'" in capsys.readouterr().err
    assert main(["gan", "train", "--data", "cifar", "--out", str(tmp_path)]) == 2
    assert "unknown --data 'cifar'" in capsys.readouterr().err


def test_read_idx_rejects_non_idx(tmp_path):
    p = tmp_path / "x.gz"
    p.write_bytes(b"\x1f\x8bgarbage")
    with pytest.raises(ValueError, match="x.gz"):
        read_idx(p)


def test_frechet_distance_known_values():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5000, 4))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    shifted = a + np.array([3.0, 0, 0, 0])
    assert frechet_distance(a, shifted) == pytest.approx(9.0, rel=1e-6)
    scaled = a * 2.0  # Tr(I + 4I - 2*2I) = 4 * (1 + 4 - 4) = 4 (up to sampling noise)
    assert frechet_distance(a, scaled) == pytest.approx(4.0, rel=0.1)


def test_classifier_score_bounds():
    confident_balanced = np.eye(10)[np.arange(1000) % 10]
    assert classifier_score(confident_balanced) == pytest.approx(10.0, rel=1e-6)
    collapsed = np.eye(10)[np.zeros(1000, dtype=int)]
    assert classifier_score(collapsed) == pytest.approx(1.0, rel=1e-6)
    uniform = np.full((1000, 10), 0.1)
    assert classifier_score(uniform) == pytest.approx(1.0, rel=1e-6)


def test_minibatch_discrimination_separates_collapsed_from_diverse_batches():
    torch.manual_seed(0)
    layer = MinibatchDiscrimination(in_features=6, n_kernels=4, kernel_dim=3)
    diverse = torch.randn(32, 6) * 3
    collapsed = diverse[:1].repeat(32, 1)
    f_div = layer(diverse)[:, 6:]
    f_col = layer(collapsed)[:, 6:]
    # every collapsed sample sees 31 identical neighbours: exp(0) each
    assert torch.allclose(f_col, torch.full_like(f_col, 31.0))
    assert f_div.mean() < 0.5 * f_col.mean()
    # and the first sample's own features (the passthrough) are unchanged
    assert torch.equal(layer(collapsed)[:, :6], collapsed)


def test_cli_train_writes_samples_and_checkpoint(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["gan", "train", "--data", "digits", "--rounds", "20", "--width", "8", "--z-dim", "8",
                 "--sample-every", "10", "--out", str(out), "--no-progress", "--device", "cpu"])
    assert code == 0, capsys.readouterr().err
    assert (out / "samples_000010.png").is_file() and (out / "samples_latest.png").is_file()
    assert (out / "checkpoint.pt").is_file() and (out / "losses.png").is_file()
    assert any((out / "tb").iterdir())
    # resume continues from round 20 to 30
    code = main(["gan", "train", "--data", "digits", "--rounds", "30", "--width", "8", "--z-dim", "8",
                 "--out", str(out), "--no-progress", "--device", "cpu", "--resume"])
    assert code == 0
    assert "trained 30 rounds" in capsys.readouterr().out


def test_cli_threads_sets_torch_threads_for_every_gan_verb(tmp_path, monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(torch, "set_num_threads", calls.append)
    assert main(["gan", "train", "--data", "digits", "--rounds", "1", "--width", "8", "--z-dim", "8",
                 "--out", str(tmp_path / "t"), "--no-progress", "--device", "cpu", "--threads", "1"]) == 0
    assert calls == [1]
    for verb in ("train", "semisup", "modes"):  # below 1: one clean error before any work
        assert main(["gan", verb, "--threads", "0", "--rounds", "1", "--no-progress", "--out", str(tmp_path / verb)]) == 2
        assert not (tmp_path / verb).exists()
    assert calls == [1]
