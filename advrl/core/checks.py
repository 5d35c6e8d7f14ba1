"""Range checks of numeric settings: one :class:`UserError` naming the flag and what it expects."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from advrl.core.errors import UserError

SEED_MAX = 2**32 - 1  # NumPy's and gymnasium's seeds are unsigned 32-bit


def check_number(flag: str, value: Any, *, low: float | None = None, high: float | None = None,
                 above: float | None = None, optional: bool = False) -> None:
    """Refuse ``value`` unless it is a finite number with ``low <= value``, ``value > above`` and
    ``value <= high`` (each bound when given); ``optional``: ``None`` passes. The error names ``flag``."""
    if value is None and optional:
        return
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise UserError(f"{flag} must be a finite number, got {value!r}")
    if low is not None and value < low:
        raise UserError(f"{flag} must be >= {low:g}, got {value:g}")
    if above is not None and value <= above:
        raise UserError(f"{flag} must be > {above:g}, got {value:g}")
    if high is not None and value > high:
        raise UserError(f"{flag} must be <= {high:g}, got {value:g}")


def check_seed(seed: Any, flag: str = "--seed") -> None:
    """A seed gymnasium and NumPy accept: an integer from 0 to 2**32 - 1."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or not 0 <= seed <= SEED_MAX:
        raise UserError(f"{flag} must be an integer from 0 to {SEED_MAX}, got {seed!r}")


def check_out(out: Any, flag: str = "--out") -> None:
    """An output path that names something: ``""`` (an unset shell variable) would write nowhere
    or into the current directory."""
    if out is not None and not str(out).strip():
        raise UserError(f"{flag} is empty: give the directory or file to write")


__all__ = ["SEED_MAX", "check_number", "check_out", "check_seed"]
