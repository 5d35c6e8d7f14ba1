"""Behavioural cloning: SB3's ActorCriticPolicy fitted to expert (obs, action) pairs by maximising the
log-likelihood of the expert's actions (``policy.evaluate_actions``), with imitation's small entropy
bonus and L2 weight decay."""

from __future__ import annotations

from typing import Callable

import gymnasium as gym
import numpy as np
import torch


def train_bc(
    obs: np.ndarray, acts: np.ndarray, observation_space: gym.Space, action_space: gym.Space, *,
    epochs: int, seed: int, batch_size: int = 64, lr: float = 1e-3, ent_weight: float = 1e-3,
    l2_weight: float = 0.0, on_epoch_end: Callable[[int, object], None] | None = None,
):
    """Fit a fresh ``ActorCriticPolicy`` by minibatch negative log-likelihood; return the policy and
    the per-epoch mean losses. ``on_epoch_end(epoch, policy)`` is called after each epoch."""
    from stable_baselines3.common.policies import ActorCriticPolicy

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    policy = ActorCriticPolicy(observation_space, action_space, lr_schedule=lambda _: lr)
    policy.optimizer = torch.optim.Adam(policy.parameters(), lr=lr, weight_decay=l2_weight)
    obs_t = torch.as_tensor(obs, dtype=torch.float32)
    if isinstance(action_space, gym.spaces.Discrete):
        acts_t = torch.as_tensor(acts, dtype=torch.long).reshape(-1)
    else:
        acts_t = torch.as_tensor(acts, dtype=torch.float32).reshape(len(acts), *action_space.shape)
        low, high = (torch.as_tensor(b, dtype=torch.float32) for b in (action_space.low, action_space.high))
        acts_t = torch.clamp(acts_t, low, high)
    losses = []
    policy.set_training_mode(True)
    for epoch in range(epochs):
        order = rng.permutation(len(obs_t))
        total, count = 0.0, 0
        for start in range(0, len(order), batch_size):
            idx = torch.as_tensor(order[start:start + batch_size])
            _, log_prob, entropy = policy.evaluate_actions(obs_t[idx], acts_t[idx])
            ent = entropy.mean() if entropy is not None else torch.zeros(())
            loss = -log_prob.mean() - ent_weight * ent
            policy.optimizer.zero_grad()
            loss.backward()
            policy.optimizer.step()
            total += loss.item() * len(idx)
            count += len(idx)
        losses.append(total / count)
        if on_epoch_end is not None:
            policy.set_training_mode(False)
            on_epoch_end(epoch + 1, policy)
            policy.set_training_mode(True)
    policy.set_training_mode(False)
    return policy, losses
