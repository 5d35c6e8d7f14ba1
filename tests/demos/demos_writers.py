"""Writers of small synthetic demonstration files in each foreign layout (imported by test_demos_*)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

LENGTHS = (5, 7, 4)


def synthetic_episodes(lengths=LENGTHS, obs_dim=3, act_dim=1, discrete=False, seed=0):
    """Episodes with T+1 observations each (the last is the final observation)."""
    rng = np.random.default_rng(seed)
    eps = []
    for t in lengths:
        obs = rng.normal(size=(t + 1, obs_dim)).astype(np.float32)
        acts = rng.integers(0, 2, size=t) if discrete else rng.uniform(-1, 1, size=(t, act_dim)).astype(np.float32)
        rews = rng.normal(size=t)
        eps.append({"obs": obs, "acts": acts, "rews": rews})
    return eps


def write_baselines_stacked(path: Path, eps) -> Path:
    """openai/baselines stacked layout: [E, T, ...] padded to the longest episode, with lens."""
    t_max = max(len(e["acts"]) for e in eps)
    obs = np.zeros((len(eps), t_max) + eps[0]["obs"].shape[1:], np.float32)
    acs = np.zeros((len(eps), t_max) + eps[0]["acts"].shape[1:], eps[0]["acts"].dtype)
    rews = np.zeros((len(eps), t_max))
    for i, e in enumerate(eps):
        t = len(e["acts"])
        obs[i, :t], acs[i, :t], rews[i, :t] = e["obs"][:t], e["acts"], e["rews"]
    np.savez(path, obs=obs, acs=acs, rews=rews, lens=np.array([len(e["acts"]) for e in eps]),
             ep_rets=np.array([e["rews"].sum() for e in eps]))
    return path


def write_baselines_objects(path: Path, eps) -> Path:
    """Per-episode object arrays (ragged): pickled."""
    def ragged(items):
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out
    np.savez(path, obs=ragged([e["obs"][:-1] for e in eps]), acs=ragged([e["acts"] for e in eps]),
             rews=ragged([e["rews"] for e in eps]), ep_rets=np.array([e["rews"].sum() for e in eps]))
    return path


def write_hf_folder(path: Path, eps, shards: int = 2) -> Path:
    """imitation's save_to_disk layout: dataset_info.json, state.json, data-*.arrow (IPC stream)."""
    import pyarrow as pa

    path.mkdir(parents=True)
    names = []
    per = int(np.ceil(len(eps) / shards))
    for k in range(shards):
        part = eps[k * per:(k + 1) * per]
        table = pa.table({
            "obs": [e["obs"].tolist() for e in part],
            "acts": [e["acts"].tolist() for e in part],
            "infos": [[json.dumps({"py/object": "builtins.dict"})] * len(e["acts"]) for e in part],
            "terminal": [i % 2 == 0 for i, _ in enumerate(part)],
            "rews": [e["rews"].tolist() for e in part],
        })
        name = f"data-{k:05d}-of-{shards:05d}.arrow"
        with pa.OSFile(str(path / name), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        names.append(name)
    (path / "state.json").write_text(json.dumps({"_data_files": [{"filename": n} for n in names],
                                                 "_fingerprint": "x", "_format_type": None}))
    (path / "dataset_info.json").write_text(json.dumps({"description": "synthetic", "features": {}}))
    return path


def write_minari(path: Path, eps, truncate_last: bool = True) -> Path:
    """Minari layout: <dir>/data/main_data.hdf5 with episode_<i> groups."""
    import h5py

    (path / "data").mkdir(parents=True)
    with h5py.File(path / "data" / "main_data.hdf5", "w") as f:
        f.attrs["env_spec"] = json.dumps({"id": "Pendulum-v1"})
        for i, e in enumerate(eps):
            g = f.create_group(f"episode_{i}")
            t = len(e["acts"])
            g.create_dataset("observations", data=e["obs"])
            g.create_dataset("actions", data=e["acts"])
            g.create_dataset("rewards", data=e["rews"])
            term, trunc = np.zeros(t, bool), np.zeros(t, bool)
            if truncate_last and i == len(eps) - 1:
                trunc[-1] = True
            else:
                term[-1] = True
            g.create_dataset("terminations", data=term)
            g.create_dataset("truncations", data=trunc)
            g.create_group("infos").create_dataset("success", data=np.zeros(t, bool))
    return path


def write_d4rl(path: Path, eps, ends=None, next_observations: bool = True, timeouts: bool = True,
               cut_last: bool = False) -> Path:
    """D4RL layout: one HDF5 file of flat per-step datasets; ``ends[i]`` is how episode ``i`` ends
    ("terminal" or "timeout"; default: timeouts, the last episode terminal); ``cut_last``: the last
    episode has neither flag (the dataset stops mid-episode)."""
    import h5py

    ends = ends or ["timeout"] * (len(eps) - 1) + ["terminal"]
    rows = {k: [] for k in ("observations", "actions", "rewards", "terminals", "timeouts", "next_observations")}
    for i, e in enumerate(eps):
        t = len(e["acts"])
        rows["observations"].append(e["obs"][:-1])
        rows["next_observations"].append(e["obs"][1:])
        rows["actions"].append(e["acts"])
        rows["rewards"].append(e["rews"])
        term, out = np.zeros(t, bool), np.zeros(t, bool)
        if not (cut_last and i == len(eps) - 1):
            (term if ends[i] == "terminal" else out)[-1] = True
        rows["terminals"].append(term)
        rows["timeouts"].append(out)
    with h5py.File(path, "w") as f:
        for key, parts in rows.items():
            if (key == "next_observations" and not next_observations) or (key == "timeouts" and not timeouts):
                continue
            f.create_dataset(key, data=np.concatenate(parts))
        f.create_group("infos").create_dataset("qpos", data=np.zeros((sum(len(e["acts"]) for e in eps), 2)))
        f.create_group("metadata").attrs["algorithm"] = "SAC"
    return path
