"""The GAN benchmarks' headline figures from synthetic rows: the mode-coverage headline names the
method that covers most modes on average (HQ breaks ties), per mixture, with that method's HQ."""

from __future__ import annotations

import pytest

from benchmarks.gan_frontiers import best_mode_method, modes_headline


def _row(mixture, method, seed, modes, hq):
    return {"mixture": mixture, "method": method, "seed": seed, "modes": modes, "hq": hq,
            "n_modes": 8 if mixture == "ring8" else 25}


def test_modes_headline_is_the_best_method_on_average_over_seeds():
    rows = [_row("grid25", "ns", 0, 25, 60.0), _row("grid25", "ns", 1, 10, 5.0),  # mean 17.5
            _row("grid25", "minibatch", 0, 24, 90.0), _row("grid25", "minibatch", 1, 25, 80.0),  # mean 24.5
            _row("ring8", "pacgan", 0, 8, 40.0), _row("ring8", "minibatch", 0, 8, 97.0)]  # tie on modes: HQ
    assert best_mode_method(rows, "grid25") == ("minibatch", 24.5, pytest.approx(0.85))
    head = modes_headline(rows)
    assert head == {"ring8_modes": 8.0, "ring8_hq": pytest.approx(0.97), "grid25_modes": 24.5,
                    "grid25_hq": pytest.approx(0.85)}
    assert "ring8_modes" not in modes_headline(rows[:4]) and best_mode_method(rows[:4], "ring8") is None
