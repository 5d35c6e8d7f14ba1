"""Expert demonstrations → the discriminator's real data, matched to the horizon mode.

With ``--horizon fixed`` the generator's episodes always last the horizon and sit
in an absorbing state after a true termination (see :mod:`envs.fixed_horizon`);
expert episodes that terminated early are padded the same way, so expert and
generator state distributions are comparable. Padded steps repeat the terminal
observation; their actions are drawn uniformly from the action space (an action
has no effect in the absorbing state, so no action should look more expert-like).
With ``--horizon absorbing`` observations get DAC's indicator dimension and padded
steps observe ``[0, ..., 0, 1]``.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch

from advrl.core import TensorData


def pad_to_horizon(transitions: dict[str, np.ndarray], terminals: np.ndarray, slices: list[slice], horizon: int,
                   action_space: gym.Space, indicator: bool, seed: int = 0) -> dict[str, np.ndarray]:
    """Pad each truly-terminated episode with absorbing transitions up to ``horizon``
    steps; with ``indicator`` append DAC's absorbing flag to obs and next_obs."""
    rng = np.random.default_rng(seed)
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("obs", "acts", "next_obs", "dones")}

    def flag(x: np.ndarray, value: float) -> np.ndarray:
        return np.concatenate([x, np.full((len(x), 1), value, x.dtype)], axis=1) if indicator else x

    for sl in slices:
        obs, acts = transitions["obs"][sl], transitions["acts"][sl]
        next_obs, dones = transitions["next_obs"][sl], transitions["dones"][sl].copy()
        length = len(obs)
        pad = horizon - length if terminals[sl][-1] and length < horizon else 0
        if pad:
            dones[-1] = False
        out["obs"].append(flag(obs, 0.0))
        out["acts"].append(acts)
        out["next_obs"].append(flag(next_obs, 0.0))
        out["dones"].append(dones)
        if pad:
            terminal = next_obs[-1:]
            if indicator:
                absorbing = np.zeros((pad, terminal.shape[1] + 1), terminal.dtype)
                absorbing[:, -1] = 1
                # the last real step leads into the absorbing state
                out["next_obs"][-1] = out["next_obs"][-1].copy()
                out["next_obs"][-1][-1] = absorbing[0]
            else:
                absorbing = np.repeat(terminal, pad, axis=0)
            if isinstance(action_space, gym.spaces.Discrete):
                pad_acts = rng.integers(action_space.n, size=pad).astype(acts.dtype)
            else:
                pad_acts = rng.uniform(action_space.low, action_space.high,
                                       size=(pad, *action_space.shape)).astype(acts.dtype)
            out["obs"].append(absorbing)
            out["acts"].append(pad_acts)
            out["next_obs"].append(absorbing)
            pad_dones = np.zeros(pad, bool)
            pad_dones[-1] = True
            out["dones"].append(pad_dones)
    return {k: np.concatenate(v) for k, v in out.items()}


def add_virtual_absorbing(transitions: dict[str, np.ndarray], terminals: np.ndarray, slices: list[slice],
                          horizon: int) -> dict[str, np.ndarray]:
    """``--horizon absorbing``: after each truly-terminated episode of length L < H
    add ONE absorbing transition with sampling weight H - L (it stands for the
    H - L steps the expert would have spent in the absorbing state)."""
    n = len(transitions["dones"])
    out = dict(transitions)
    out["weights"] = np.ones(n, np.float32)
    out["absorbing"] = np.zeros(n, np.float32)
    lengths = np.array([sl.stop - sl.start for sl in slices])
    ended = np.array([bool(terminals[sl][-1]) for sl in slices]) & (lengths < horizon)
    k = int(ended.sum())
    if k:
        acts = transitions["acts"]
        extra = {"obs": np.zeros((k, *transitions["obs"].shape[1:]), np.float32),
                 "acts": np.zeros((k, *acts.shape[1:]), acts.dtype),
                 "next_obs": np.zeros((k, *transitions["next_obs"].shape[1:]), np.float32),
                 "dones": np.ones(k, bool), "weights": (horizon - lengths[ended]).astype(np.float32),
                 "absorbing": np.ones(k, np.float32)}
        out = {key: np.concatenate([out[key], extra[key]]) for key in out}
    return out


def expert_transitions(demos, horizon_mode: str, horizon: int | None, action_space: gym.Space,
                       seed: int = 0) -> dict[str, np.ndarray]:
    """The transitions the discriminator sees as real, for ``--horizon`` mode:
    ``none``: as recorded; ``fixed``: padded with simulated absorbing steps
    (:func:`pad_to_horizon`); ``absorbing``: one weighted virtual absorbing
    transition per early-terminated episode (:func:`add_virtual_absorbing`)."""
    tr = demos.transitions()
    if horizon_mode == "none":
        return tr
    if not horizon:
        raise ValueError("a fixed horizon needs the env's max_episode_steps")
    terminals, slices = np.asarray(demos.terminals, bool), demos.episode_slices()
    if horizon_mode == "absorbing":
        return add_virtual_absorbing(tr, terminals, slices, int(horizon))
    return pad_to_horizon(tr, terminals, slices, int(horizon), action_space, indicator=False, seed=seed)


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
