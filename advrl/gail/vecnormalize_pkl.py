"""SB3 ``VecNormalize`` statistics read from a ``vecnormalize.pkl`` without running the pickle.

The RL Baselines3 Zoo keeps an expert's observation normalisation in ``<Env>/vecnormalize.pkl``, a pickle
of the whole ``VecNormalize`` object (spaces, running statistics, flags). Unpickling an untrusted file can
run any code, so it is interpreted here instead, by Python's own pickle machine with every way out closed:

* a global resolves only to inert stand-ins: SB3, gym(nasium) and ``numpy.random`` classes become
  :class:`_Record` (which keeps its pickled state as data and has no behaviour), NumPy's array, dtype and
  scalar helpers become factories that accept plain numeric dtypes and raw bytes only (no object or
  structured dtypes, no flags, a bounded size) and build the array themselves; any other global refuses
  the file;
* ``BUILD`` (``__setstate__``) runs only on those stand-ins, never on a real object.

Old Zoo files (protocol 2, the retired ``gym`` package, NumPy 1's ``numpy.core``) read the same way.
"""

from __future__ import annotations

import _compat_pickle
import io
import math
import pickle
import re
import struct
from pathlib import Path
from typing import Any

import numpy as np

from advrl.core import UserError

MAX_ELEMENTS = 10_000_000  # per array: observation statistics are a few hundred numbers
_INERT_PREFIXES = ("stable_baselines3.", "gym.", "gymnasium.", "numpy.random")
_NUMERIC_DTYPE = re.compile(r"^(b1|[iu][1248]|f[248])$")  # NumPy's pickled dtype specs of plain numbers
MAX_DIMS = 32


def _brief(x: Any) -> str:
    """How a message names a value read from the file: a short number or string as itself, anything else by
    its type (never its repr: a file can make that huge or deeply nested)."""
    if isinstance(x, (bool, np.bool_, float)) or (isinstance(x, int) and abs(x) < 1e15):
        return repr(x)
    if isinstance(x, str) and len(x) <= 40 and x.isprintable():
        return repr(x)
    name = type(x).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


class _Record:
    """Stands in for a class of :data:`_INERT_PREFIXES`: its pickled state, as data (``fields``)."""

    def __new__(cls, *args: Any, **kwargs: Any) -> "_Record":
        record = super().__new__(cls)
        record.fields = {}
        return record

    def build(self, state: Any) -> None:
        if isinstance(state, tuple) and len(state) == 2 and isinstance(state[1], dict):
            state = {**(state[0] or {}), **state[1]}  # (dict, slots) form
        if isinstance(state, dict):
            self.fields.update({k: v for k, v in state.items() if isinstance(k, str)})


class _NdarrayTag:
    """``numpy.ndarray`` as it appears in an array's pickle (the subtype argument); never instantiated."""


class _Dtype:
    """A plain numeric dtype (``numpy.dtype('f8', False, True)`` + its BUILD state: the byte order)."""

    def __init__(self, spec: Any, align: Any = False, copy: Any = True) -> None:
        if not isinstance(spec, str) or not _NUMERIC_DTYPE.match(spec):
            raise pickle.UnpicklingError(f"dtype {_brief(spec)} (only plain numeric dtypes are read)")
        self.dtype = np.dtype(spec)

    def build(self, state: Any) -> None:
        if not (isinstance(state, tuple) and len(state) >= 2 and state[1] in ("<", ">", "|", "=")
                and all(part is None for part in state[2:5])):
            raise pickle.UnpicklingError("a dtype state with fields, names or a subarray (only plain numeric dtypes)")
        if state[1] in "<>":
            self.dtype = self.dtype.newbyteorder(state[1])


def _array(dtype: Any, shape: Any, data: Any, fortran: bool, charge: Any) -> np.ndarray:
    """A NumPy array of a plain numeric ``dtype`` and ``shape`` from exactly its raw bytes (a copy, paid for
    from the reader's byte budget through ``charge``)."""
    if not isinstance(dtype, _Dtype) or not hasattr(dtype, "dtype"):
        raise pickle.UnpicklingError(f"an array of dtype {type(dtype).__name__} (only plain numeric dtypes)")
    shape = (shape,) if isinstance(shape, int) else shape
    if not (isinstance(shape, tuple) and len(shape) <= MAX_DIMS
            and all(isinstance(n, int) and 0 <= n <= MAX_ELEMENTS for n in shape)):
        raise pickle.UnpicklingError(f"an array shape of {_brief(shape)}")
    count = math.prod(shape)
    if count > MAX_ELEMENTS:
        raise pickle.UnpicklingError(f"an array of {count} elements (at most {MAX_ELEMENTS} are read)")
    size = count * dtype.dtype.itemsize
    if not isinstance(data, (bytes, bytearray)) or len(data) != size:
        raise pickle.UnpicklingError(f"array data of {len(data) if isinstance(data, (bytes, bytearray)) else '?'} "
                                     f"bytes for {count} elements of {dtype.dtype}")
    charge(size)
    flat = np.frombuffer(bytes(data), dtype=dtype.dtype)
    return flat.reshape(shape, order="F" if fortran else "C").copy()


class _Array:
    """``numpy._core.multiarray._reconstruct(ndarray, (0,), b'b')`` + its BUILD state
    ``(version, shape, dtype, is_fortran, rawdata)``: the array, in ``array``."""

    def __init__(self, subtype: Any = None, shape: Any = None, typecode: Any = None) -> None:
        if subtype is not _NdarrayTag:
            raise pickle.UnpicklingError("an array of a subtype other than numpy.ndarray")
        self.array: np.ndarray | None = None

    def build(self, state: Any, charge: Any) -> None:
        if not (isinstance(state, tuple) and len(state) == 5 and isinstance(state[3], (bool, int))):
            raise pickle.UnpicklingError("an array state that is not (version, shape, dtype, fortran, data)")
        _, shape, dtype, fortran, data = state
        self.array = _array(dtype, shape, data, bool(fortran), charge)


def _reconstructor(cls: Any, base: Any, state: Any = None) -> _Record:
    """``copyreg._reconstructor`` (protocol 0-1 objects), for records only."""
    if cls is not _Record or base is not object or state is not None:
        raise pickle.UnpicklingError("copyreg._reconstructor of anything but a record")
    return _Record()


_GLOBALS = {("numpy", "dtype"): _Dtype, ("numpy", "ndarray"): _NdarrayTag,
            ("numpy.core.multiarray", "_reconstruct"): _Array, ("numpy._core.multiarray", "_reconstruct"): _Array,
            ("copyreg", "_reconstructor"): _reconstructor, ("builtins", "object"): object}
# the globals that build data from the file's bytes: methods of the reader, which keeps the byte budget
_BUILDERS = {("numpy.core.multiarray", "scalar"): "scalar", ("numpy._core.multiarray", "scalar"): "scalar",
             ("numpy.core.numeric", "_frombuffer"): "frombuffer", ("numpy._core.numeric", "_frombuffer"): "frombuffer",
             ("_codecs", "encode"): "latin1_bytes", ("builtins", "bytes"): "empty_bytes"}


class _Interpreter(pickle._Unpickler):  # the pure-Python machine: its opcodes can be replaced
    """Reads ``data`` building only what :data:`_GLOBALS` and :data:`_BUILDERS` allow, with at most
    ``4 × len(data)`` + 1 MiB of array and byte data made from it (references to one buffer cost each time)."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self.size = len(data)
        self.budget = 4 * len(data) + (1 << 20)

    def charge(self, nbytes: int) -> None:
        self.budget -= nbytes
        if self.budget < 0:
            raise pickle.UnpicklingError("it builds far more data than the file holds")

    def scalar(self, dtype: Any, data: Any = None) -> Any:
        """``numpy._core.multiarray.scalar(dtype, bytes)`` of a plain numeric dtype."""
        return _array(dtype, (), data, False, self.charge)[()]

    def frombuffer(self, data: Any, dtype: Any, shape: Any, order: Any = "C") -> np.ndarray:
        """``numpy._core.numeric._frombuffer`` (protocol 5 arrays, in band) of a plain numeric dtype."""
        return _array(dtype, shape, data, order == "F", self.charge)

    def latin1_bytes(self, text: Any, encoding: Any = "latin1") -> bytes:
        """``_codecs.encode`` as protocol 0-2 pickles use it (bytes written as latin-1 text), that codec only."""
        if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
            raise pickle.UnpicklingError(f"_codecs.encode with {_brief(encoding)}")
        self.charge(len(text))
        return text.encode("latin1")

    def empty_bytes(self, *args: Any) -> bytes:
        """``bytes()``: protocol 0-2's empty raw buffer (an empty array's)."""
        if args:
            raise pickle.UnpicklingError("bytes() with arguments")
        return b""

    def find_class(self, module: str, name: str) -> Any:
        if self.proto < 3:  # Python 2 names, as pickle's own find_class maps them
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            elif module in _compat_pickle.IMPORT_MAPPING:
                module = _compat_pickle.IMPORT_MAPPING[module]
        if (module, name) in _GLOBALS:
            return _GLOBALS[(module, name)]
        if (module, name) in _BUILDERS:
            return getattr(self, _BUILDERS[(module, name)])
        if module.startswith(_INERT_PREFIXES) or module in ("gym", "gymnasium"):
            return _Record
        raise pickle.UnpicklingError(f"it names '{module[:80]}.{name[:80]}', which is not allowed (the file is read "
                                     "without running code: numeric arrays and records of SB3/gym classes only)")

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError("persistent ids are not allowed")

    def _target(self, kinds: tuple[type, ...], what: str) -> Any:
        target = self.stack[-1]
        if not isinstance(target, kinds):
            raise pickle.UnpicklingError(f"it {what} a {type(target).__name__}, which is not allowed")
        return target

    def load_build(self) -> None:
        state = self.stack.pop()
        target = self._target((_Record, _Dtype, _Array), "sets the state of")
        if isinstance(target, _Array):
            target.build(state, self.charge)
        else:
            target.build(state)

    def load_bytearray8(self) -> None:  # pickle's own allocates the length it is told before reading
        (length,) = struct.unpack("<Q", self.read(8))
        data = self.read(length) if length <= self.size else b""
        if len(data) != length:
            raise pickle.UnpicklingError(f"BYTEARRAY8 of {length} bytes in a file of {self.size}")
        self.append(bytearray(data))

    # items go into plain containers only (a real array's __setitem__ would run NumPy's fancy indexing)
    def load_append(self) -> None:
        value = self.stack.pop()
        self._target((list,), "appends to").append(value)

    def load_appends(self) -> None:
        items = self.pop_mark()
        self._target((list,), "appends to").extend(items)

    def load_setitem(self) -> None:
        value, key = self.stack.pop(), self.stack.pop()
        self._target((dict,), "sets items of")[key] = value

    def load_setitems(self) -> None:
        items = self.pop_mark()
        target = self._target((dict,), "sets items of")
        for i in range(0, len(items) - 1, 2):
            target[items[i]] = items[i + 1]

    def load_additems(self) -> None:
        items = self.pop_mark()
        self._target((set,), "adds items to").update(items)

    for _op, _fn in ((pickle.BUILD, load_build), (pickle.BYTEARRAY8, load_bytearray8), (pickle.APPEND, load_append),
                     (pickle.APPENDS, load_appends), (pickle.SETITEM, load_setitem),
                     (pickle.SETITEMS, load_setitems), (pickle.ADDITEMS, load_additems)):
        dispatch[_op[0]] = _fn
    del _op, _fn


def _value(x: Any) -> Any:
    return getattr(x, "array", None) if isinstance(x, _Array) else x


def _number(path: Path, obj: _Record, name: str, default: float, *, above: float | None = None,
            at_least: float | None = None) -> float:
    raw = _value(obj.fields.get(name, default))
    value = math.nan
    if isinstance(raw, (int, float, np.integer, np.floating)) and not isinstance(raw, (bool, np.bool_)):
        try:
            value = float(raw)
        except OverflowError:
            pass
    if not (math.isfinite(value) and (above is None or value > above) and (at_least is None or value >= at_least)):
        bound = f" > {above:g}" if above is not None else f" >= {at_least:g}"
        raise UserError(f"{path}: field '{name}' is {_brief(raw)}; expected a finite number{bound}")
    return value


def _statistics(path: Path, obj: Any, obs_shape: tuple[int, ...] | None) -> dict[str, Any] | None:
    """The checked statistics of the loaded ``obj`` (see :func:`read_vecnormalize`)."""
    if not isinstance(obj, _Record):
        raise UserError(f"{path}: holds a {type(obj).__name__}, expected a pickled VecNormalize")
    norm_obs = obj.fields.get("norm_obs", True)
    if not isinstance(norm_obs, (bool, np.bool_)):
        raise UserError(f"{path}: field 'norm_obs' is {_brief(_value(norm_obs))}; expected True or False")
    if not norm_obs:
        return None
    rms = obj.fields.get("obs_rms")
    if isinstance(rms, dict):
        raise UserError(f"{path}: normalises dict observations (one statistic per key); only Box "
                        "observations are supported")
    if not isinstance(rms, _Record):
        raise UserError(f"{path}: field 'obs_rms' is missing or not a RunningMeanStd")
    stats = {}
    for name in ("mean", "var"):
        value = _value(rms.fields.get(name))
        if not (isinstance(value, np.ndarray) and value.dtype.kind == "f"):
            raise UserError(f"{path}: field 'obs_rms.{name}' is not a float array")
        stats[name] = value.astype(np.float64)
    out = {**stats, "clip": _number(path, obj, "clip_obs", 10.0, above=0.0),
           "epsilon": _number(path, obj, "epsilon", 1e-8, at_least=0.0)}
    from advrl.gail.sb3_io import ObsNormalizer  # sb3_io imports this module lazily: no cycle

    ObsNormalizer(**out, source=str(path)).check(obs_shape)  # finite, of the env's shape, var >= 0, no 0/0
    return out


def read_vecnormalize(path: str | Path, obs_shape: tuple[int, ...] | None = None) -> dict[str, Any] | None:
    """``{"mean", "var", "clip", "epsilon"}`` of the observation normalisation pickled in ``path``
    (SB3 ``VecNormalize.save``), ``None`` when it does not normalise observations; the statistics must
    be finite float arrays of ``obs_shape`` (when given), ``var`` >= 0, the clip > 0. Anything else is
    one :class:`UserError` naming the file (a global, dtype or state outside the allowed ones, a truncated
    file, more data built than the file holds, dict observations, statistics of another shape)."""
    path = Path(path)
    try:
        obj = _Interpreter(path.read_bytes()).load()
    except Exception as exc:  # whatever the machine raised on this file: one line, never a traceback
        detail = " ".join(str(exc).split())[:240] or type(exc).__name__
        raise UserError(f"{path}: not a readable VecNormalize pickle ({type(exc).__name__}: {detail})") from None
    try:
        return _statistics(path, obj, obs_shape)
    except UserError:
        raise
    except Exception as exc:  # a check tripped on a value the file made odd: still one line
        raise UserError(f"{path}: unreadable statistics ({type(exc).__name__})") from None


__all__ = ["MAX_ELEMENTS", "read_vecnormalize"]
