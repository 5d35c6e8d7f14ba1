"""The generator's recent rollouts: the fakes of GAIL's discriminator."""

from __future__ import annotations

from collections import deque

import numpy as np
import torch

FIELDS = ("obs", "acts", "next_obs", "dones", "weights", "absorbing")


class TransitionBuffer:
    """The transitions ``(obs, acts, next_obs, dones)`` of the last ``rounds`` rollouts
    (1: the current policy's only, as in GAIL's Algorithm 1; more: replay of older
    policies' samples). :meth:`start_round` opens a rollout; ``sample(n)`` draws rows
    in proportion to their weights (1 for real steps) with torch's global RNG, so the
    core loop's seeding and RNG checkpoints make it reproducible."""

    def __init__(self, rounds: int = 1, recent_fraction: float = 0.0) -> None:
        if rounds < 1:
            raise ValueError(f"buffer rounds must be >= 1, got {rounds}")
        if not 0.0 <= recent_fraction <= 1.0:
            raise ValueError(f"recent_fraction must be in [0, 1], got {recent_fraction}")
        self.rounds = int(rounds)
        self.recent_fraction = float(recent_fraction)
        self._chunks: deque[list[dict[str, np.ndarray]]] = deque(maxlen=self.rounds)
        self._flat: dict[str, np.ndarray] | None = None
        self.total_added = 0

    def __len__(self) -> int:
        return sum(len(c["dones"]) for chunks in self._chunks for c in chunks)

    def start_round(self) -> None:
        """Begin the rows of a new rollout (the oldest round drops out when full)."""
        self._chunks.append([])
        self._flat = None

    def add(self, obs: np.ndarray, acts: np.ndarray, next_obs: np.ndarray, dones: np.ndarray,
            weights: np.ndarray | None = None, absorbing: np.ndarray | None = None) -> None:
        """Add a batch of transitions (one per env of a vector env). ``weights``:
        sampling weight per row (a virtual absorbing transition stands for the
        H - t steps the episode would have spent there); ``absorbing``: flag."""
        if not self._chunks:
            self.start_round()
        n = len(dones)
        self._chunks[-1].append({
            "obs": np.asarray(obs, np.float32), "acts": np.asarray(acts),
            "next_obs": np.asarray(next_obs, np.float32), "dones": np.asarray(dones, bool),
            "weights": np.ones(n, np.float32) if weights is None else np.asarray(weights, np.float32),
            "absorbing": np.zeros(n, np.float32) if absorbing is None else np.asarray(absorbing, np.float32)})
        self._flat = None
        self.total_added += n

    def arrays(self) -> dict[str, np.ndarray]:
        """All kept rows, oldest first, as one array per field."""
        if self._flat is None:
            chunks = [c for round_ in self._chunks for c in round_]
            if not chunks:
                raise RuntimeError("the generator buffer is empty: run a generator step (rollout) first")
            self._flat = {k: np.concatenate([c[k] for c in chunks]) for k in FIELDS}
        return self._flat

    def state_dict(self) -> dict[str, object]:
        """The kept rows, one tensor per field and kept rollout (oldest first), for a checkpoint
        (tensors and plain values only: loadable with ``weights_only=True``)."""
        rounds = [{k: torch.from_numpy(np.concatenate([c[k] for c in chunks])) for k in FIELDS} if chunks else {}
                  for chunks in self._chunks]
        return {"rounds": rounds, "total_added": self.total_added}

    def load_state_dict(self, state: dict[str, object]) -> None:
        """Put :meth:`state_dict`'s rows back (the last ``self.rounds`` of them)."""
        self._chunks.clear()
        for saved in state["rounds"]:
            self._chunks.append([{k: v.numpy().copy() for k, v in saved.items()}] if saved else [])
        self._flat = None
        self.total_added = int(state["total_added"])

    def sample(self, n: int) -> dict[str, torch.Tensor]:
        """``n`` rows in proportion to their weights; with ``recent_fraction`` > 0 that
        share of them from the newest rollout only (the current policy stays in view
        of D while older policies' samples keep it from forgetting)."""
        data = self.arrays()
        weights = torch.from_numpy(data["weights"])
        n_recent, start = 0, 0
        if self.recent_fraction > 0:  # where the newest rollout's rows begin (none of its own while it is empty)
            start = len(weights) - sum(len(c["dones"]) for c in self._chunks[-1])
            n_recent = int(round(n * self.recent_fraction)) if 0 < start < len(weights) else 0
        idx = torch.multinomial(weights, n - n_recent, replacement=True).numpy() if n > n_recent else None
        if n_recent:
            recent = torch.multinomial(weights[start:], n_recent, replacement=True).numpy() + start
            idx = recent if idx is None else np.concatenate([recent, idx])
        out = {k: torch.from_numpy(v[idx]) for k, v in data.items() if k != "weights"}
        out["dones"] = out["dones"].float()
        if out["acts"].dtype in (torch.int32, torch.int64):
            out["acts"] = out["acts"].long()
        return out
