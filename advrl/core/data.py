"""A :class:`RealData` over in-memory tensors (images, expert transitions)."""

from __future__ import annotations

import torch

from advrl.core.errors import UserError


class TensorData:
    """Uniform minibatches (with replacement across calls, without within one)
    from a tensor or a dict of equally long tensors.

    Sampling uses torch's global RNG, so the loop's seeding and checkpointed RNG
    state make it reproducible.
    """

    def __init__(self, data: torch.Tensor | dict[str, torch.Tensor]) -> None:
        lengths = {len(v) for v in data.values()} if isinstance(data, dict) else {len(data)}
        if len(lengths) != 1:
            raise UserError(f"all fields must have the same length, got lengths {sorted(lengths)}")
        self.data = data
        self.size = lengths.pop()
        if self.size == 0:
            raise UserError("real data is empty")

    def __len__(self) -> int:
        return self.size

    def sample(self, n: int) -> torch.Tensor | dict[str, torch.Tensor]:
        idx = torch.randperm(self.size)[:n] if n <= self.size else torch.randint(self.size, (n,))
        if isinstance(self.data, dict):
            return {k: v[idx] for k, v in self.data.items()}
        return self.data[idx]
