"""Benchmark metrics: normalised return, steps to a threshold, mean ± std over seeds, curve alignment.

Normalised return: ``(R - R_random) / (R_expert - R_random)``, so the random policy scores 0 and the
expert 1 (works for negative returns such as Pendulum's). "Reaching 95% of expert" means a normalised
return of at least 0.95, i.e. closing 95% of the gap between random and expert.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def normalise(returns: float | Sequence[float] | np.ndarray, random_return: float, expert_return: float):
    """Map returns so that ``random_return`` -> 0 and ``expert_return`` -> 1."""
    gap = float(expert_return) - float(random_return)
    if not np.isfinite(gap) or abs(gap) < 1e-12:
        raise ValueError(f"expert return {expert_return} and random return {random_return} must differ")
    out = (np.asarray(returns, dtype=float) - float(random_return)) / gap
    return float(out) if out.ndim == 0 else out


def steps_to_threshold(
    steps: Sequence[float], returns: Sequence[float], random_return: float, expert_return: float,
    fraction: float = 0.95,
) -> float | None:
    """First env step at which the curve's normalised return reaches ``fraction``; None if never."""
    steps_arr = np.asarray(steps, dtype=float)
    if steps_arr.shape != np.shape(returns):
        raise ValueError(f"steps and returns differ in length: {steps_arr.shape} vs {np.shape(returns)}")
    if len(steps_arr) and np.any(np.diff(steps_arr) < 0):
        raise ValueError("steps must be non-decreasing")
    hit = np.nonzero(normalise(returns, random_return, expert_return) >= fraction)[0]
    return float(steps_arr[hit[0]]) if len(hit) else None


def mean_std(values: Sequence[float | None]) -> tuple[float, float, int]:
    """Mean, sample standard deviation (ddof=1; 0 for one value) and count of the non-None values."""
    vals = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if len(vals) == 0:
        return float("nan"), float("nan"), 0
    std = float(vals.std(ddof=1)) if len(vals) > 1 else 0.0
    return float(vals.mean()), std, len(vals)


def fmt_steps_reached(values: Sequence[float | None]) -> str:
    """Env steps to a threshold over seeds (None: never reached) as ``"m k ± s k (hit/all)"``."""
    if not values:
        return "n/a"
    hit = [v for v in values if v is not None]
    if not hit:
        return f"not reached (0/{len(values)})"
    mean, std, n = mean_std(hit)
    return f"{mean / 1000:,.0f}k ± {std / 1000:,.0f}k ({n}/{len(values)})"


def fmt_mean_std(values: Sequence[float | None], digits: int = 2, total: int | None = None) -> str:
    """``"m ± s"``; with ``total``, how many of ``total`` seeds contributed when not all did."""
    mean, std, n = mean_std(values)
    if n == 0:
        return "—"
    text = f"{mean:.{digits}f} ± {std:.{digits}f}"
    if total is not None and n < total:
        text += f" ({n}/{total})"
    return text


def align_curves(curves: Sequence[tuple[Sequence[float], Sequence[float]]], n_points: int = 50):
    """Put curves with different step grids on one grid (step-wise hold of the last value, up to the
    shortest curve's end) so that seeds can be averaged. Returns ``(grid, values[n_curves, n_points])``."""
    curves = [(np.asarray(s, float), np.asarray(r, float)) for s, r in curves if len(s)]
    if not curves:
        return np.zeros(0), np.zeros((0, 0))
    end = min(s[-1] for s, _ in curves)
    start = max(s[0] for s, _ in curves)
    grid = np.linspace(start, end, n_points) if end > start else np.array([end])
    values = np.stack([r[np.searchsorted(s, grid, side="right") - 1] for s, r in curves])
    return grid, values


def plot_band(ax, curves: Sequence[tuple[Sequence[float], Sequence[float]]], label: str, colour: str) -> None:
    """Seeds' curves on one matplotlib axis: their mean on a common grid (:func:`align_curves`), shaded ± std;
    nothing when no curve has a point."""
    curves = [c for c in curves if len(c[0])]
    if not curves:
        return
    grid, vals = align_curves(curves)
    mean, std = vals.mean(0), vals.std(0)
    ax.plot(grid, mean, color=colour, label=f"{label} ({len(curves)} seed{'s' if len(curves) > 1 else ''})")
    ax.fill_between(grid, mean - std, mean + std, color=colour, alpha=0.2)


__all__ = ["align_curves", "fmt_mean_std", "mean_std", "normalise", "plot_band", "steps_to_threshold"]
