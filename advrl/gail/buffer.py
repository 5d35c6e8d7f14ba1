"""A ring buffer of generator transitions (the fakes of GAIL's discriminator)."""

from __future__ import annotations

import numpy as np
import torch


class TransitionBuffer:
    """Keeps the latest ``capacity`` transitions ``(obs, acts, next_obs, dones)``;
    ``sample(n)`` draws in proportion to their weights (1 for real steps) with torch's global RNG (reproducible under the
    core loop's seeding)."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"buffer capacity must be >= 1, got {capacity}")
        self.capacity = int(capacity)
        self._data: dict[str, np.ndarray] | None = None
        self._pos = 0
        self.size = 0
        self.total_added = 0

    def __len__(self) -> int:
        return self.size

    def add(self, obs: np.ndarray, acts: np.ndarray, next_obs: np.ndarray, dones: np.ndarray,
            weights: np.ndarray | None = None, absorbing: np.ndarray | None = None) -> None:
        """Add a batch of transitions (one per env of a vector env). ``weights``:
        sampling weight per row (a virtual absorbing transition stands for the
        H - t steps the episode would have spent there); ``absorbing``: flag."""
        n = len(dones)
        batch = {"obs": np.asarray(obs, np.float32), "acts": np.asarray(acts),
                 "next_obs": np.asarray(next_obs, np.float32), "dones": np.asarray(dones, bool),
                 "weights": np.ones(n, np.float32) if weights is None else np.asarray(weights, np.float32),
                 "absorbing": np.zeros(n, np.float32) if absorbing is None else np.asarray(absorbing, np.float32)}
        if self._data is None:
            self._data = {k: np.zeros((self.capacity, *v.shape[1:]), v.dtype) for k, v in batch.items()}
        idx = (self._pos + np.arange(n)) % self.capacity
        for key, value in batch.items():
            self._data[key][idx] = value
        self._pos = int((self._pos + n) % self.capacity)
        self.size = min(self.size + n, self.capacity)
        self.total_added += n

    def sample(self, n: int) -> dict[str, torch.Tensor]:
        if self._data is None or self.size == 0:
            raise RuntimeError("the generator buffer is empty: run a generator step (rollout) first")
        weights = torch.from_numpy(self._data["weights"][: self.size])
        idx = torch.multinomial(weights, n, replacement=True).numpy()
        out = {k: torch.from_numpy(v[idx]) for k, v in self._data.items() if k != "weights"}
        out["dones"] = out["dones"].float()
        if out["acts"].dtype in (torch.int32, torch.int64):
            out["acts"] = out["acts"].long()
        return out
