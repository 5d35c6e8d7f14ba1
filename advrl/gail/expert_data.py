"""Expert transitions (after the horizon's transform) as the loop's real data."""

from __future__ import annotations

import numpy as np
import torch

from advrl.core import TensorData


class WeightedTensorData(TensorData):
    """:class:`TensorData` sampled in proportion to a ``weights`` field (with replacement)."""

    def __init__(self, data: dict[str, torch.Tensor]) -> None:
        data = dict(data)
        self.weights = data.pop("weights").double()
        super().__init__(data)

    def sample(self, n: int) -> dict[str, torch.Tensor]:
        idx = torch.multinomial(self.weights, n, replacement=True)
        return {k: v[idx] for k, v in self.data.items()}


def to_real_data(transitions: dict[str, np.ndarray]) -> TensorData:
    """Expert transitions as the loop's real data (weighted when they carry weights)."""
    tensors = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in transitions.items()}
    tensors["obs"] = tensors["obs"].float()
    tensors["next_obs"] = tensors["next_obs"].float()
    tensors["acts"] = tensors["acts"].long() if transitions["acts"].dtype.kind in "iu" else tensors["acts"].float()
    tensors["dones"] = tensors["dones"].float()
    if "absorbing" not in tensors:
        tensors["absorbing"] = torch.zeros(len(tensors["dones"]))
    return WeightedTensorData(tensors) if "weights" in tensors else TensorData(tensors)
