"""Checking demonstrations against an environment's observation and action spaces."""

from __future__ import annotations

from typing import Any

import numpy as np
from advrl.core.errors import UserError


def _space_text(space: Any) -> str:
    """Compact space description (Box's repr lists every bound)."""
    from gymnasium import spaces

    if isinstance(space, spaces.Box):
        return f"Box(shape={tuple(space.shape)}, dtype={space.dtype})"
    if isinstance(space, spaces.Discrete):
        return f"Discrete({int(space.n)})" if int(space.start) == 0 else f"Discrete({int(space.n)}, start={int(space.start)})"
    return repr(space)


def _check_box(arr: np.ndarray, space: Any, source: str, name: str) -> np.ndarray:
    shape = tuple(space.shape)
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool):
        raise UserError(f"{source}: field '{name}' has dtype {arr.dtype}; expected numbers for {_space_text(space)}")
    if arr.shape[1:] != shape:
        if arr.shape[1:] == () and shape == (1,):
            return arr.reshape(-1, 1)
        if int(np.prod(arr.shape[1:])) == int(np.prod(shape)) and arr.ndim >= 2 and len(shape) >= 1:
            return arr.reshape((len(arr),) + shape)
        kind = ""
        if arr.ndim == 1 and np.issubdtype(arr.dtype, np.integer):
            kind = " (the file holds one integer per step, as for a Discrete space, but the env's space is continuous)"
        raise UserError(
            f"{source}: field '{name}' has per-step shape {arr.shape[1:]}; expected {shape} for {_space_text(space)}{kind}"
        )
    return arr


def _check_discrete(arr: np.ndarray, space: Any, source: str, name: str) -> np.ndarray:
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise UserError(
            f"{source}: field '{name}' has per-step shape {arr.shape[1:]}; expected one integer per step for "
            f"{_space_text(space)} (the file looks continuous/multi-dimensional)"
        )
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise UserError(
                f"{source}: field '{name}' holds non-integer values (e.g. {arr[arr != np.round(arr)][:1].tolist()}); "
                f"expected integers for {_space_text(space)} (the file looks continuous)"
            )
    elif not (np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool):
        raise UserError(f"{source}: field '{name}' has dtype {arr.dtype}; expected integers for {_space_text(space)}")
    ints = arr.astype(np.int64)
    lo, hi = int(space.start), int(space.start) + int(space.n) - 1
    bad = (ints < lo) | (ints > hi)
    if bad.any():
        raise UserError(
            f"{source}: field '{name}' has values outside [{lo}, {hi}] (e.g. {int(ints[bad][0])} at row "
            f"{int(np.flatnonzero(bad)[0])}); expected {_space_text(space)}"
        )
    return ints


def _check_multidiscrete(arr: np.ndarray, space: Any, source: str, name: str) -> np.ndarray:
    nvec = np.asarray(space.nvec)
    if arr.shape[1:] != nvec.shape:
        raise UserError(f"{source}: field '{name}' has per-step shape {arr.shape[1:]}; expected {nvec.shape} for {_space_text(space)}")
    if np.issubdtype(arr.dtype, np.floating) and np.any(arr != np.round(arr)):
        raise UserError(f"{source}: field '{name}' holds non-integer values; expected integers for {_space_text(space)}")
    ints = arr.astype(np.int64)
    start = np.asarray(getattr(space, "start", np.zeros_like(nvec)))
    if np.any(ints < start) or np.any(ints >= start + nvec):
        raise UserError(f"{source}: field '{name}' has values outside the ranges of {_space_text(space)}")
    return ints


def _check(arr: np.ndarray, space: Any, source: str, name: str) -> np.ndarray:
    from gymnasium import spaces

    if isinstance(space, spaces.Discrete):
        return _check_discrete(arr, space, source, name)
    if isinstance(space, spaces.MultiDiscrete):
        return _check_multidiscrete(arr, space, source, name)
    if isinstance(space, spaces.MultiBinary):
        return _check_box(arr, space, source, name)
    if isinstance(space, spaces.Box):
        if np.issubdtype(arr.dtype, np.integer) and arr.ndim == 1 and tuple(space.shape) != ():
            raise UserError(
                f"{source}: field '{name}' holds one integer per step (a Discrete space's data); "
                f"expected float arrays of per-step shape {tuple(space.shape)} for {_space_text(space)}"
            )
        out = _check_box(arr, space, source, name)
        return out.astype(space.dtype) if np.issubdtype(space.dtype, np.floating) else out
    raise UserError(f"{source}: the env's space for '{name}' is {_space_text(space)}; supported: Box, Discrete, MultiDiscrete, MultiBinary")


def validate_demos(demos: Any, observation_space: Any, action_space: Any, source: str) -> None:
    """Check ``demos`` against the spaces; normalises shapes/dtypes in place (e.g. Discrete
    actions ``[N, 1]`` -> ``[N]`` int64). Raises one ValueError naming the file, field and
    expected space."""
    obs = _check(np.asarray(demos.obs), observation_space, source, "obs")
    next_obs = _check(np.asarray(demos.next_obs), observation_space, source, "next_obs")
    acts = _check(np.asarray(demos.acts), action_space, source, "acts")
    _check_action_bounds(acts, action_space, source)
    for name, before, after in (("obs", demos.obs, obs), ("acts", demos.acts, acts)):
        was, now = np.shape(before)[1:], after.shape[1:]
        if was != now and now and not (was == () and now == (1,)):  # the same values in another layout: say so
            demos.metadata.setdefault("notes", []).append(
                f"field '{name}' read as per-step shape {now} from the file's {was} (the same number of values)")
    demos.obs, demos.next_obs, demos.acts = obs, next_obs, acts


ACTION_SLACK = 0.05  # share of a Box's range an action may lie beyond it (float noise, a slightly wider policy)


def _check_action_bounds(acts: np.ndarray, space: Any, source: str) -> None:
    """Box actions far outside the env's bounds are refused: the env clips what it is given, so such
    demos do not show what the expert did, and GAIL's discriminator would tell them from the policy's
    (clipped) actions by their size alone."""
    from gymnasium import spaces

    if not isinstance(space, spaces.Box) or not len(acts):
        return
    low = np.broadcast_to(space.low, space.shape).astype(np.float64)  # no overflow of integer Boxes' range
    high = np.broadcast_to(space.high, space.shape).astype(np.float64)
    finite = np.isfinite(low) & np.isfinite(high)
    if not finite.any():
        return
    slack = ACTION_SLACK * (high - low)
    outside = finite & ((acts < low - slack) | (acts > high + slack))
    if outside.any():
        steps = int(outside.reshape(len(acts), -1).any(axis=1).sum())
        raise UserError(
            f"{source}: field 'acts' lies outside the env's action bounds in {steps} of {len(acts)} steps (values "
            f"from {float(acts.min()):.3g} to {float(acts.max()):.3g}; bounds {float(low.min()):.3g} to "
            f"{float(high.max()):.3g}); expected the actions the env was given (rescaled or clipped to its bounds)")
