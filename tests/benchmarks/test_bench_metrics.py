"""Normalised return and steps-to-threshold on synthetic learning curves."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.metrics import align_curves, fmt_mean_std, mean_std, normalise, steps_to_threshold


def test_normalise_maps_random_to_zero_and_expert_to_one():
    assert normalise(20.0, random_return=20.0, expert_return=500.0) == 0.0
    assert normalise(500.0, 20.0, 500.0) == 1.0
    assert normalise(260.0, 20.0, 500.0) == pytest.approx(0.5)
    # negative returns (Pendulum): expert -150, random -1250
    np.testing.assert_allclose(normalise([-1250.0, -150.0, -700.0], -1250.0, -150.0), [0.0, 1.0, 0.5])
    with pytest.raises(ValueError, match="must differ"):
        normalise(1.0, 5.0, 5.0)


def test_steps_to_threshold_finds_first_crossing_of_95_percent():
    steps = np.arange(0, 11) * 1000
    # linear ramp from random (20) to expert (500): crosses 0.95 at 9500 -> first logged step 10000
    returns = np.linspace(20.0, 500.0, 11)
    assert steps_to_threshold(steps, returns, 20.0, 500.0) == 10000
    # a curve that touches 95% at step 4000, dips, and recovers: the first touch counts
    bumpy = [20, 100, 300, 400, 476.5, 300, 480, 490, 500, 500, 500]
    assert steps_to_threshold(steps, bumpy, 20.0, 500.0) == 4000
    # 475 < 20 + 0.95 * 480 = 476: never reached
    assert steps_to_threshold(steps, [475.0] * 11, 20.0, 500.0) is None
    # Pendulum-like negative returns: threshold = -1250 + 0.95 * 1100 = -205
    assert steps_to_threshold([0, 1, 2, 3], [-1250, -600, -206, -204], -1250.0, -150.0) == 3
    with pytest.raises(ValueError, match="differ in length"):
        steps_to_threshold([0, 1], [1.0], 0.0, 1.0)


def test_mean_std_over_seeds_skips_missing_values():
    mean, std, n = mean_std([1.0, 2.0, 3.0, None])
    assert (mean, n) == (2.0, 3) and std == pytest.approx(1.0)
    assert mean_std([4.0]) == (4.0, 0.0, 1)
    assert fmt_mean_std([1.0, 3.0, None], digits=1, total=3) == "2.0 ± 1.4 (2/3)"
    assert fmt_mean_std([None]) == "—"


def test_align_curves_holds_last_value_on_a_common_grid():
    grid, values = align_curves([([0, 10, 20], [0.0, 1.0, 2.0]), ([0, 5, 15, 30], [0.0, 5.0, 6.0, 7.0])],
                                n_points=3)
    np.testing.assert_allclose(grid, [0, 10, 20])
    np.testing.assert_allclose(values, [[0, 1, 2], [0, 5, 6]])
