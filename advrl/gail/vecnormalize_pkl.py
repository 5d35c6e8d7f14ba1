"""SB3 ``VecNormalize`` statistics read from a ``vecnormalize.pkl`` without running the pickle.

The RL Baselines3 Zoo keeps an expert's observation normalisation in ``<Env>/vecnormalize.pkl``, a pickle
of the whole ``VecNormalize`` object (its spaces, running statistics, flags). Unpickling an untrusted
file can run any code, so it is read the way ``torch.load(weights_only=True)`` reads a checkpoint: a
restricted unpickler that builds only NumPy arrays, dtypes and scalars and plain containers; the classes
of stable-baselines3, gym(nasium) and NumPy's random generators become inert records (their code never
runs: the record keeps the pickled state as attributes); a file naming any other global is refused.
Old Zoo files (the retired ``gym`` package, NumPy 1's ``numpy.core``) read the same way.
"""

from __future__ import annotations

import collections
import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from advrl.core import UserError

# globals rebuilt for real: they construct arrays, dtypes, scalars and containers and run nothing else
_PLAIN = {("numpy", "dtype"): np.dtype, ("numpy", "ndarray"): np.ndarray,
          ("collections", "OrderedDict"): collections.OrderedDict, ("builtins", "set"): set,
          ("builtins", "frozenset"): frozenset, ("builtins", "complex"): complex, ("builtins", "object"): object}
# NumPy's own pickle helpers, under NumPy 2's module names and NumPy 1's (``numpy.core``)
_NUMPY_HELPERS = {"multiarray": ("_reconstruct", "scalar"), "numeric": ("_frombuffer",)}
# modules whose classes become inert records
_INERT_PREFIXES = ("stable_baselines3.", "gym.", "gymnasium.", "numpy.random")


def _numpy_helper(module: str, name: str) -> Any:
    """NumPy's pickle helper ``name`` of ``numpy.core.<sub>`` or ``numpy._core.<sub>``, else ``None``."""
    prefix, _, sub = module.rpartition(".")
    if prefix not in ("numpy.core", "numpy._core") or name not in _NUMPY_HELPERS.get(sub, ()):
        return None
    import importlib

    return getattr(importlib.import_module(f"numpy._core.{sub}"), name)


class _Record:
    """Stands in for any class of :data:`_INERT_PREFIXES`: keeps constructor arguments and pickled state."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args, self.kwargs = args, kwargs

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, tuple) and len(state) == 2 and isinstance(state[1], dict):
            state = {**(state[0] or {}), **state[1]}  # (dict, slots) form
        if isinstance(state, dict):
            self.__dict__.update({k: v for k, v in state.items() if isinstance(k, str)})
        else:
            self.state = state


def _latin1_bytes(text: str, encoding: str = "latin1") -> bytes:
    """``_codecs.encode`` as protocol 0-2 pickles use it (bytes written as latin-1 text), that codec only."""
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise pickle.UnpicklingError(f"_codecs.encode with {encoding!r}")
    return text.encode("latin1")


def _reconstructor(cls: type, base: type, state: Any) -> Any:
    """``copyreg._reconstructor`` (protocol 0-1 objects) for records and plain containers only."""
    if cls is _Record:
        return _Record()
    if base in (object, dict, set, frozenset) and cls in (dict, set, frozenset):
        return cls() if state is None else cls(state)
    raise pickle.UnpicklingError(f"copyreg._reconstructor of {cls!r}")


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _PLAIN:
            return _PLAIN[(module, name)]
        if (module, name) == ("copyreg", "_reconstructor"):
            return _reconstructor
        if (module, name) == ("_codecs", "encode"):
            return _latin1_bytes
        helper = _numpy_helper(module, name)
        if helper is not None:
            return helper
        if module.startswith(_INERT_PREFIXES) or module in ("gym", "gymnasium"):
            return _Record
        raise pickle.UnpicklingError(f"it names '{module}.{name}', which is not allowed (the file is read without "
                                     "running code: NumPy arrays, plain containers and records of SB3/gym classes)")

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("persistent ids are not allowed")


def read_vecnormalize(path: str | Path) -> dict[str, Any] | None:
    """``{"mean", "var", "clip", "epsilon"}`` of the observation normalisation pickled in ``path``
    (SB3 ``VecNormalize.save``), ``None`` when it does not normalise observations; one
    :class:`UserError` naming the file for anything else (a global outside the allowed ones, a
    truncated file, dict observations, statistics of the wrong shape)."""
    path = Path(path)
    try:
        obj = _RestrictedUnpickler(io.BytesIO(path.read_bytes())).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError,
            OSError) as exc:
        detail = " ".join(str(exc).split())[:240] or type(exc).__name__
        raise UserError(f"{path}: not a readable VecNormalize pickle ({type(exc).__name__}: {detail})") from None
    if not isinstance(obj, _Record):
        raise UserError(f"{path}: holds a {type(obj).__name__}, expected a pickled VecNormalize")
    if not getattr(obj, "norm_obs", True):
        return None
    rms = getattr(obj, "obs_rms", None)
    if isinstance(rms, dict):
        raise UserError(f"{path}: normalises dict observations (one statistic per key); only Box "
                        "observations are supported")
    mean, var = (np.asarray(getattr(rms, field, None), dtype=np.float64) for field in ("mean", "var"))
    if mean.ndim == 0 or mean.shape != var.shape or not (np.all(np.isfinite(mean)) and np.all(np.isfinite(var))):
        raise UserError(f"{path}: obs_rms mean/var missing, of different shapes or not finite "
                        f"(mean {mean.shape}, var {var.shape})")
    return {"mean": mean, "var": var, "clip": float(getattr(obj, "clip_obs", 10.0)),
            "epsilon": float(getattr(obj, "epsilon", 1e-8))}


__all__ = ["read_vecnormalize"]
