"""stable-baselines 2 ``ExpertDataset`` archives (``generate_expert_traj``).

Keys: ``actions [N, act_dim]``, ``obs [N, *obs_shape]``, ``rewards [N]``,
``episode_returns [E]``, ``episode_starts [N]`` (True where an episode begins). No final
observations are stored and terminations are not told apart from time limits.
"""

from __future__ import annotations

import numpy as np

from advrl.demos.dataset import Demonstrations, Episode, compare_returns, from_episodes
from advrl.demos.npzfile import NpzReader
from advrl.core.errors import UserError

KEYS = ("actions", "obs", "rewards", "episode_returns", "episode_starts")


def read_sb2(reader: NpzReader) -> Demonstrations:
    path = reader.path
    obs = reader.get("obs")
    acts = reader.get("actions")
    starts = reader.get("episode_starts").astype(bool).reshape(-1)
    rewards = reader.get("rewards").reshape(-1) if "rewards" in reader else None
    n = len(acts)
    for key, value in (("obs", obs), ("episode_starts", starts)) + ((("rewards", rewards),) if rewards is not None else ()):
        if len(value) != n:
            raise UserError(f"{path}: field '{key}' has {len(value)} rows; expected {n} (the length of 'actions')")
    if n == 0:
        raise UserError(f"{path}: contains no transitions (field 'actions' has 0 rows); expected at least one step")
    bounds = np.flatnonzero(starts)
    if len(bounds) == 0 or bounds[0] != 0:
        bounds = np.concatenate([[0], bounds])
    bounds = np.append(bounds, n)
    episodes = [
        Episode(obs=obs[s:e], acts=acts[s:e], rewards=None if rewards is None else rewards[s:e])
        for s, e in zip(bounds[:-1], bounds[1:])
    ]
    demos = from_episodes(episodes, str(path), {
        "format": "sb2", "source": str(path), "skipped": [],
        "notes": ["no final observations stored: next_obs of each episode's last step is missing",
                  "terminations and time-limit truncations are not distinguished (terminals = dones)"],
    })
    if "episode_returns" in reader:
        compare_returns(demos, reader.get("episode_returns"), str(path), "episode_returns")
    return demos
