"""openai/baselines GAIL expert archives (``baselines/gail/dataset/mujoco_dset.py``).

Keys: ``obs``, ``acs``, ``rews`` (optional), ``ep_rets`` (or ``rets``), optional ``lens``/``ep_lens``.
Either stacked arrays ``obs [E, T, ...]``, ``acs [E, T, ...]``, ``rews [E, T]`` (one row per
episode; ``lens`` cuts padding) or per-episode object arrays (pickled: ``allow_pickle=True``
is needed), or flat ``[N, ...]`` arrays with ``lens``. No final observations, no done flags.
"""

from __future__ import annotations

import numpy as np

from advrl.demos.dataset import Demonstrations, Episode, compare_returns, from_episodes
from advrl.demos.npzfile import NpzReader
from advrl.core.errors import UserError


def _field(reader: NpzReader, key: str) -> np.ndarray:
    if reader.is_object(key) and not reader.allow_pickle:
        raise UserError(
            f"{reader.path}: field '{key}' is a per-episode object array (pickled), which is not loaded by default "
            "(unpickling can run arbitrary code); pass allow_pickle=True (CLI: --allow-pickle) only if you trust "
            "this file, or re-save it with stacked [episodes, steps, ...] arrays"
        )
    return reader.get(key)


def _split(reader: NpzReader, key: str, arr: np.ndarray, lens: np.ndarray | None, stacked: bool) -> list[np.ndarray]:
    if arr.dtype == object:
        parts = [np.asarray(list(a) if not isinstance(a, np.ndarray) else a) for a in arr]
        if lens is not None:
            parts = [p[: int(n)] for p, n in zip(parts, lens)]
        return parts
    if stacked:
        rows = list(arr)
        return rows if lens is None else [r[: int(n)] for r, n in zip(rows, lens)]
    ends = np.cumsum(lens)
    if ends[-1] != len(arr):
        raise UserError(
            f"{reader.path}: field '{key}' has {len(arr)} rows; expected {int(ends[-1])} (the sum of the episode lengths)"
        )
    return np.split(arr, ends[:-1])


def read_baselines(reader: NpzReader) -> Demonstrations:
    path = reader.path
    obs = _field(reader, "obs")
    acs = _field(reader, "acs")
    rews = _field(reader, "rews") if "rews" in reader else None
    lens_key = next((k for k in ("lens", "ep_lens") if k in reader), None)
    lens = reader.get(lens_key).astype(np.int64).reshape(-1) if lens_key else None
    if lens is not None and (len(lens) == 0 or lens.min() < 1):
        raise UserError(f"{path}: field '{lens_key}' holds {'no episode lengths' if len(lens) == 0 else 'a length < 1'}"
                        "; expected one length >= 1 per episode")
    ret_key = next((k for k in ("ep_rets", "rets") if k in reader), None)
    objects = obs.dtype == object
    stacked = not objects and (obs.ndim >= 3 or (rews is not None and rews.ndim == 2))
    if not objects and not stacked and lens is None:
        raise UserError(
            f"{path}: field 'obs' has shape {obs.shape} (flat steps) but there is no 'lens'/'ep_lens' field; expected "
            "stacked [episodes, steps, ...] arrays or episode lengths"
        )
    n_ep = len(obs) if (objects or stacked) else len(lens)
    for key, value in (("acs", acs),) + ((("rews", rews),) if rews is not None else ()):
        if (objects or stacked) and len(value) != n_ep:
            raise UserError(f"{path}: field '{key}' has {len(value)} episodes; expected {n_ep} (as in 'obs')")
    if lens is not None and (objects or stacked) and len(lens) != n_ep:
        raise UserError(f"{path}: field '{lens_key}' has {len(lens)} entries; expected {n_ep} (one per episode)")
    obs_eps = _split(reader, "obs", obs, lens, stacked)
    act_eps = _split(reader, "acs", acs, lens, stacked)
    rew_eps = _split(reader, "rews", rews, lens, stacked) if rews is not None else [None] * len(obs_eps)
    for i, (o, a) in enumerate(zip(obs_eps, act_eps)):
        if len(o) != len(a) and len(o) != len(a) + 1:
            raise UserError(
                f"{path}: field 'obs' of episode {i} has {len(o)} rows; expected {len(a)} (one per action in 'acs')"
            )
    episodes = [Episode(obs=o, acts=a, rewards=r) for o, a, r in zip(obs_eps, act_eps, rew_eps)]
    demos = from_episodes(episodes, str(path), {
        "format": "baselines", "source": str(path), "skipped": [],
        "layout": "object arrays" if objects else ("stacked" if stacked else "flat with lengths"),
        "notes": ["no final observations stored: next_obs of each episode's last step is missing",
                  "no done flags stored: each episode is assumed to end at its last step (terminals = dones)"],
    })
    if ret_key is not None:
        compare_returns(demos, reader.get(ret_key), str(path), ret_key)
    return demos
