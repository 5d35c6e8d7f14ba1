"""SAC settings, kept once: for the off-policy GAIL generator (``--algo sac``, DAC) and
the SAC-on-the-true-reward baselines that the benchmarks compare it with.

The per-env rows are rl-baselines3-zoo's tuned SAC hyperparameters (``hyperparams/sac.yml``;
the zoo tunes the MuJoCo ``-v3`` envs, whose rows are used for every version of the env);
an env without a row gets SB3's SAC defaults (:data:`DEFAULT`: lr 3e-4, buffer 1e6, batch
256, one gradient step per env step, automatic entropy coefficient, [256, 256] networks).
"""

from __future__ import annotations

import copy

from dataclasses import dataclass
from typing import Any

import torch

from advrl.gail.ppo_settings import SB3Settings

Raw = dict[str, Any]

_MUJOCO: Raw = dict(learning_starts=10_000)  # the zoo's &mujoco-defaults (1e6 steps)
# rl-zoo's SAC rows, by env name without its version (zoo budgets in comments)
ZOO: dict[str, Raw] = {
    "Pendulum": dict(learning_rate=1e-3),  # 2e4
    "MountainCarContinuous": dict(  # 5e4
        learning_rate=3e-4, buffer_size=50_000, batch_size=512, ent_coef=0.1, train_freq=32, gradient_steps=32,
        gamma=0.9999, tau=0.01, learning_starts=0, use_sde=True,
        policy_kwargs=dict(log_std_init=-3.67, net_arch=[64, 64])),
    "HalfCheetah": _MUJOCO, "Hopper": _MUJOCO, "Walker2d": _MUJOCO,
    "Swimmer": {**_MUJOCO, "gamma": 0.9999},
}
DEFAULT: Raw = {}

# Where the GAIL generator departs from a zoo row (unless the row sets it), and why: the
# learned reward (-log(1 - D): ~0.7 where D is unsure, a few units where it is sure) is far
# smaller than most env rewards, and SAC's automatic entropy coefficient starts at 1, which at
# that scale keeps the policy near uniform for thousands of steps; it starts at 0.1 instead
# (still tuned automatically). Pendulum, 6k env steps, seed 0: -347 against -830 from 1.
GAIL_DEFAULTS: Raw = dict(ent_coef="auto_0.1")


@dataclass(frozen=True)
class SACSettings(SB3Settings):
    """One env's SAC settings: ``n_envs`` and SB3 ``SAC`` keyword arguments."""

    @property
    def buffer_size(self) -> int:
        return int(self.kwargs.get("buffer_size", 1_000_000))

    @property
    def train_freq(self) -> int:
        """Env steps between gradient phases (an int ``train_freq``; ``(n, "step")`` counts too)."""
        freq = self.kwargs.get("train_freq", 1)
        return int(freq[0] if isinstance(freq, (tuple, list)) else freq)

    def make(self, venv: Any, seed: int, device: str | torch.device = "auto", **extra: Any):
        """SB3 ``SAC("MlpPolicy")`` on ``venv`` with these settings (``extra``: more SAC
        kwargs, e.g. ``replay_buffer_class``), with a silent logger."""
        from stable_baselines3 import SAC
        from stable_baselines3.common.logger import configure

        sac = SAC("MlpPolicy", venv, seed=seed, device=device, verbose=0, **{**self.kwargs, **extra})
        sac.set_logger(configure(None, []))
        return sac


def sac_settings(env_id: str, purpose: str = "gail") -> SACSettings:
    """The SAC settings for ``env_id`` (a fixed-horizon id maps to its base env; any
    version of an env gets its zoo row): ``purpose="gail"`` for the GAIL generator
    (:data:`GAIL_DEFAULTS` under the zoo row), ``"rl"`` for SAC on the true reward."""
    import envs

    name = envs.base_env_id(env_id).split("/")[-1].rsplit("-v", 1)[0]
    row = copy.deepcopy(ZOO.get(name, DEFAULT))  # SB3's SAC writes use_sde into the policy_kwargs it is given
    return SACSettings(kwargs={**copy.deepcopy(GAIL_DEFAULTS), **row} if purpose == "gail" else row)


__all__ = ["DEFAULT", "GAIL_DEFAULTS", "SACSettings", "ZOO", "sac_settings"]
