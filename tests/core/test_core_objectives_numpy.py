"""The NumPy mirror of the reward transforms gives the torch numbers for every reward name."""

import numpy as np
import pytest
import torch

from advrl.core import REWARDS, make_objective


@pytest.mark.parametrize("name", sorted(REWARDS))
def test_numpy_rewards_equal_torch(name):
    logits = np.linspace(-30, 30, 241).astype(np.float32)
    objective = make_objective("minimax", reward_name=name)
    expected = objective.reward(torch.from_numpy(logits)).numpy()
    np.testing.assert_allclose(objective.reward_numpy(logits), expected, rtol=1e-5, atol=1e-6)
