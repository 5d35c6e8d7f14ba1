"""Format detection and the one entry point, :func:`load_demos`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from advrl.demos.dataset import Demonstrations
from advrl.demos.npzfile import NpzReader
from advrl.demos.validate import validate_demos
from advrl.core.errors import UserError

FORMATS = ("advrl", "imitation-npz", "imitation-hf", "sb2", "baselines", "minari", "d4rl")


def _npz_format(reader: NpzReader) -> str | None:
    """Pick the format by its distinctive keys, so a file missing a required field still
    reaches its reader and gets a 'missing field' message."""
    keys = set(reader.keys)
    if "advrl_format_version" in keys:
        return "advrl"
    if keys & {"indices", "terminal"} or {"obs", "acts"} <= keys:
        return "imitation-npz"
    if keys & {"episode_starts", "episode_returns", "actions"}:
        return "sb2"
    if keys & {"acs", "ep_rets"}:
        return "baselines"
    return None


def _minari_file(path: Path) -> Path | None:
    for candidate in (path / "main_data.hdf5", path / "data" / "main_data.hdf5"):
        if candidate.is_file():
            return candidate
    return None


def detect_format(path: str | os.PathLike, allow_pickle: bool = False) -> str:
    """Name of the format of ``path`` (one of :data:`FORMATS`); ValueError when unknown."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such demonstrations file or folder")
    if path.is_dir():
        if _minari_file(path) is not None:
            return "minari"
        if (path / "dataset_info.json").is_file() or list(path.glob("data-*.arrow")):
            return "imitation-hf"
        raise UserError(
            f"{path}: folder is neither a Minari dataset (main_data.hdf5 or data/main_data.hdf5) nor a "
            "HF-datasets folder (dataset_info.json, state.json, data-*.arrow)"
        )
    if path.stat().st_size == 0:
        raise UserError(f"{path}: file is empty (0 bytes); expected a demonstrations file (.npz, .hdf5)")
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"\x89HDF"):
        from advrl.demos.d4rl import is_d4rl

        return "d4rl" if is_d4rl(path) else "minari"
    if path.suffix == ".arrow":
        return "imitation-hf"
    reader = NpzReader(path, allow_pickle)
    fmt = _npz_format(reader)
    if fmt is None:
        raise UserError(
            f"{path}: unrecognised fields {sorted(reader.keys)}; expected one of: advrl (advrl_format_version, obs, "
            "acts, ...), imitation (obs, acts, indices, terminal, rews), stable-baselines 2 (actions, obs, rewards, "
            "episode_returns, episode_starts), openai/baselines (obs, acs, rews, ep_rets)"
        )
    return fmt


def _reader(fmt: str) -> Callable[[Path, bool], Demonstrations]:
    if fmt == "advrl":
        from advrl.demos.native import read_native
        return lambda p, pk: read_native(NpzReader(p, pk))
    if fmt == "imitation-npz":
        from advrl.demos.imitation_npz import read_imitation_npz
        return lambda p, pk: read_imitation_npz(NpzReader(p, pk))
    if fmt == "sb2":
        from advrl.demos.sb2 import read_sb2
        return lambda p, pk: read_sb2(NpzReader(p, pk))
    if fmt == "baselines":
        from advrl.demos.baselines import read_baselines
        return lambda p, pk: read_baselines(NpzReader(p, pk))
    if fmt == "imitation-hf":
        from advrl.demos.imitation_hf import read_imitation_hf
        return read_imitation_hf
    if fmt == "minari":
        from advrl.demos.minari import read_minari
        return read_minari
    if fmt == "d4rl":
        from advrl.demos.d4rl import read_d4rl
        return read_d4rl
    raise UserError(f"unknown demonstrations format {fmt!r}; expected 'auto' or one of {', '.join(FORMATS)}")


def _spaces(env: Any) -> tuple[Any, Any, str | None]:
    if isinstance(env, str):
        import gymnasium as gym

        from envs import check_env_id

        try:
            spec = gym.spec(env)
        except Exception as exc:
            raise UserError(f"unknown env id {env!r} ({exc})") from exc
        check_env_id(spec.id)  # one line for an env whose extra is not installed
        made = gym.make(spec.id)
        try:
            return made.observation_space, made.action_space, spec.id
        finally:
            made.close()
    spec = getattr(env, "spec", None)
    return env.observation_space, env.action_space, getattr(spec, "id", None)


def load_demos(
    path: str | os.PathLike,
    *,
    format: str = "auto",
    env: Any = None,
    allow_pickle: bool = False,
) -> Demonstrations:
    """Load demonstrations from ``path`` (file or dataset folder).

    ``format="auto"`` detects it from the keys/structure. With ``env`` (a gymnasium env or
    an env id) the data are checked against its observation/action spaces. Pickled
    fields are never unpickled unless ``allow_pickle=True``; what was skipped is listed in
    ``metadata["skipped"]``. Every problem is one ValueError naming the file and field.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such demonstrations file or folder")
    fmt = detect_format(path, allow_pickle) if format == "auto" else format
    demos = _reader(fmt)(path, allow_pickle)
    demos.metadata.setdefault("skipped", [])
    if env is not None:
        obs_space, act_space, env_id = _spaces(env)
        validate_demos(demos, obs_space, act_space, str(path))
        if env_id is not None:
            stored = demos.metadata.get("env_id")
            if stored and stored != env_id:
                demos.metadata.setdefault("notes", []).append(f"file says env {stored}; validated against {env_id}")
                demos.metadata["file_env_id"] = stored
            demos.metadata["env_id"] = env_id
    return demos
