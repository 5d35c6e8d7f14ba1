"""The in-memory demonstrations container and its construction from episodes."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Sequence

import numpy as np
from advrl.core.errors import UserError


@dataclass
class Demonstrations:
    """Expert transitions, flat over episodes (episode ends are marked by ``dones``).

    ``obs[i]`` is the observation before step ``i``, ``next_obs[i]`` the one after;
    when a file has no final observation for an episode, ``next_obs`` holds a copy of
    ``obs`` for that last step and ``next_obs_missing[i]`` is True.
    """

    obs: np.ndarray
    acts: np.ndarray
    next_obs: np.ndarray
    dones: np.ndarray
    terminals: np.ndarray
    rewards: np.ndarray | None
    next_obs_missing: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def n_steps(self) -> int:
        """Number of transitions."""
        return int(len(self.acts))

    def episode_slices(self) -> list[slice]:
        """One slice per episode; a trailing run of steps without a done is an episode too."""
        ends = np.flatnonzero(self.dones) + 1
        if len(ends) == 0 or ends[-1] != self.n_steps:
            ends = np.append(ends, self.n_steps)
        starts = np.concatenate([[0], ends[:-1]])
        return [slice(int(s), int(e)) for s, e in zip(starts, ends) if e > s]

    @property
    def n_episodes(self) -> int:
        return len(self.episode_slices())

    def first_episodes(self, n: int) -> "Demonstrations":
        """The first ``n`` episodes (all of them when there are fewer)."""
        if n < 1:
            raise UserError(f"first_episodes needs n >= 1, got {n}")
        end = self.episode_slices()[:n][-1].stop
        arrays = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "metadata"}
        return replace(self, **{k: (None if v is None else v[:end]) for k, v in arrays.items()},
                       metadata={**self.metadata, "episodes_used": min(n, self.n_episodes)})

    @property
    def episode_lengths(self) -> np.ndarray:
        return np.array([s.stop - s.start for s in self.episode_slices()], dtype=np.int64)

    @property
    def episode_returns(self) -> np.ndarray | None:
        """Undiscounted return of each episode, recomputed from ``rewards`` (None without rewards)."""
        if self.rewards is None:
            return None
        return np.array([float(np.sum(self.rewards[s], dtype=np.float64)) for s in self.episode_slices()])

    def transitions(self) -> dict[str, np.ndarray]:
        """``{"obs", "acts", "next_obs", "dones"}`` as float32 arrays (int64 for integer actions)."""
        acts = self.acts.astype(np.int64) if np.issubdtype(self.acts.dtype, np.integer) else self.acts.astype(np.float32)
        return {
            "obs": np.asarray(self.obs, dtype=np.float32),
            "acts": acts,
            "next_obs": np.asarray(self.next_obs, dtype=np.float32),
            "dones": np.asarray(self.dones, dtype=np.float32),
        }


@dataclass
class Episode:
    """One episode as a reader finds it: ``obs`` has T rows or T+1 (with the final observation)."""

    obs: np.ndarray
    acts: np.ndarray
    rewards: np.ndarray | None = None
    terminated: bool | None = None  # None: unknown
    truncated: bool = False


def check_finite(source: str, name: str, array: np.ndarray | None) -> None:
    """Raise one ValueError naming the file, field and first non-finite index."""
    if array is None or not np.issubdtype(np.asarray(array).dtype, np.floating):
        return
    bad = ~np.isfinite(array)
    if bad.any():
        first = np.argwhere(bad)[0]
        raise UserError(
            f"{source}: field '{name}' contains {int(bad.sum())} NaN/inf value(s) (first at index "
            f"{tuple(int(i) for i in first)}); expected finite numbers"
        )


def squeeze_discrete_actions(acts: np.ndarray) -> np.ndarray:
    """Integer actions stored as ``[N, 1]`` (stable-baselines style) become ``[N]``."""
    if np.issubdtype(acts.dtype, np.integer) and acts.ndim == 2 and acts.shape[1] == 1:
        return acts[:, 0]
    return acts


def _episode_arrays(ep: Episode, i: int, source: str, has_rewards: bool) -> dict[str, np.ndarray]:
    """One episode's flat arrays (obs, next_obs, missing, acts, rewards, dones, terminals)."""
    obs, acts = np.asarray(ep.obs), np.asarray(ep.acts)
    t = len(acts)
    if len(obs) == t + 1:
        parts = {"obs": obs[:-1], "next_obs": obs[1:], "missing": np.zeros(t, dtype=bool)}
    elif len(obs) == t:
        missing = np.zeros(t, dtype=bool)
        missing[-1] = True
        parts = {"obs": obs, "next_obs": np.concatenate([obs[1:], obs[-1:]]), "missing": missing}
    else:
        raise UserError(
            f"{source}: field 'obs' of episode {i} has {len(obs)} rows but the episode has {t} actions; "
            f"expected {t} or {t + 1} rows (one per action, plus an optional final observation)"
        )
    parts["acts"] = acts
    if has_rewards:
        parts["rewards"] = np.asarray(ep.rewards, dtype=np.float64).reshape(-1)
        if len(parts["rewards"]) != t:
            raise UserError(f"{source}: field 'rewards' of episode {i} has {len(parts['rewards'])} entries; "
                            f"expected {t} (one per action)")
    parts["dones"], parts["terminals"] = np.zeros(t, dtype=bool), np.zeros(t, dtype=bool)
    parts["dones"][-1] = True
    parts["terminals"][-1] = True if ep.terminated is None else bool(ep.terminated)
    return parts


def from_episodes(episodes: Sequence[Episode], source: str, metadata: dict[str, Any]) -> Demonstrations:
    """Flatten episodes into :class:`Demonstrations`, checking lengths and finiteness."""
    episodes = list(episodes)
    if not episodes or all(len(ep.acts) == 0 for ep in episodes):
        raise UserError(f"{source}: contains no transitions (0 episodes with actions); expected at least one step")
    has_rewards = all(ep.rewards is not None for ep in episodes)
    rows: list[dict[str, np.ndarray]] = []
    for i, ep in enumerate(episodes):
        if len(ep.acts) == 0:
            continue
        rows.append(_episode_arrays(ep, i, source, has_rewards))
        if rows[-1]["obs"].shape[1:] != rows[0]["obs"].shape[1:]:
            raise UserError(f"{source}: field 'obs' of episode {i} has per-step shape {rows[-1]['obs'].shape[1:]}; "
                            f"expected {rows[0]['obs'].shape[1:]} like the episodes before it")
    flat = {k: np.concatenate([r[k] for r in rows]) for k in rows[0]}
    metadata = dict(metadata)
    if all(ep.terminated is None for ep in episodes):
        metadata["terminals_known"] = False
    demos = Demonstrations(
        obs=flat["obs"], acts=squeeze_discrete_actions(flat["acts"]), next_obs=flat["next_obs"], dones=flat["dones"],
        terminals=flat["terminals"], rewards=flat.get("rewards"), next_obs_missing=flat["missing"],
        metadata=metadata,
    )
    check_all_finite(demos, source)
    return demos


def check_all_finite(demos: Demonstrations, source: str) -> None:
    check_finite(source, "obs", demos.obs)
    check_finite(source, "acts", demos.acts)
    check_finite(source, "next_obs", demos.next_obs)
    check_finite(source, "rewards", demos.rewards)


def compare_returns(demos: Demonstrations, stored: np.ndarray, source: str, field_name: str) -> None:
    """Record stored per-episode returns beside the recomputed ones in ``metadata``."""
    stored = np.asarray(stored, dtype=np.float64).reshape(-1)
    meta = demos.metadata
    meta["stored_episode_returns"] = stored.tolist()
    meta["stored_returns_field"] = field_name
    recomputed = demos.episode_returns
    if recomputed is None:
        meta["stored_returns_match"] = None
        return
    if len(recomputed) != len(stored):
        meta["stored_returns_match"] = False
        meta["stored_returns_note"] = (
            f"'{field_name}' has {len(stored)} entries but the rewards form {len(recomputed)} episodes"
        )
        return
    diff = float(np.max(np.abs(recomputed - stored))) if len(stored) else 0.0
    meta["stored_returns_max_abs_diff"] = diff
    meta["stored_returns_match"] = bool(np.allclose(recomputed, stored, rtol=1e-5, atol=1e-4))
