"""PPO settings, kept once: for the GAIL generator, the PPO baselines of the
benchmarks and the experts (``advrl expert train``).

The per-env rows are rl-baselines3-zoo's tuned PPO hyperparameters
(``hyperparams/ppo.yml``); an env without a row gets :data:`DEFAULT` (SB3's PPO
defaults with 8 envs, observations normalised inside the policy). ``normalize_obs`` is
advrl's key, not SB3's: :meth:`PPOSettings.make` turns it into
:class:`advrl.gail.obs_norm.ObsNormPPO`. ``("lin", x)`` means x decayed linearly to ~0
over the whole run, which for GAIL spans many ``learn`` calls (:class:`LinearSchedule`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from typing_extensions import Self

Raw = dict[str, Any]

# rl-zoo's PPO rows (expert budgets cut to what two CPU cores afford; zoo budgets in comments)
ZOO: dict[str, Raw] = {
    "CartPole-v1": dict(n_envs=8, n_steps=32, batch_size=256, gae_lambda=0.8, gamma=0.98, n_epochs=20,  # 1e5
                        ent_coef=0.0, learning_rate=("lin", 1e-3), clip_range=("lin", 0.2)),
    "Pendulum-v1": dict(n_envs=4, n_steps=1024, gae_lambda=0.95, gamma=0.9, n_epochs=10, ent_coef=0.0,  # 1e5
                        learning_rate=1e-3, clip_range=0.2, use_sde=True, sde_sample_freq=4),
    "Acrobot-v1": dict(n_envs=16, n_steps=256, gae_lambda=0.94, gamma=0.99, n_epochs=4, ent_coef=0.0),  # 1e6
    "MountainCarContinuous-v0": dict(  # 2e4, normalize: true
        n_envs=1, n_steps=8, batch_size=256, gamma=0.9999, learning_rate=7.77e-05, ent_coef=0.00429,
        clip_range=0.1, n_epochs=10, gae_lambda=0.9, max_grad_norm=5, vf_coef=0.19, use_sde=True,
        policy_kwargs=dict(log_std_init=-3.29, ortho_init=False)),
    "MountainCar-v0": dict(n_envs=16, n_steps=16, gae_lambda=0.98, gamma=0.99, n_epochs=4, ent_coef=0.0),
}
# rl-zoo's MuJoCo rows (written for the -v3 envs; -v4/-v5 have the same spaces and rewards' terms), all 1e6
# and ``normalize: true``. The activation is named by a string here (:data:`ACTIVATIONS`), so that settings stay
# plain JSON in run summaries.
_ZOO_MUJOCO_NET = dict(log_std_init=-2, ortho_init=False, activation_fn="relu", net_arch=dict(pi=[256, 256],
                                                                                          vf=[256, 256]))
_ZOO_MUJOCO: dict[str, Raw] = {
    "HalfCheetah": dict(n_envs=1, n_steps=512, batch_size=64, gamma=0.98, learning_rate=2.0633e-05,
                        ent_coef=0.000401762, clip_range=0.1, n_epochs=20, gae_lambda=0.92, max_grad_norm=0.8,
                        vf_coef=0.58096, normalize_obs=True, policy_kwargs=_ZOO_MUJOCO_NET),
    "Hopper": dict(n_envs=1, n_steps=512, batch_size=32, gamma=0.999, learning_rate=9.80828e-05,
                   ent_coef=0.00229519, clip_range=0.2, n_epochs=5, gae_lambda=0.99, max_grad_norm=0.7,
                   vf_coef=0.835671, normalize_obs=True, policy_kwargs=_ZOO_MUJOCO_NET),
    "Swimmer": dict(n_envs=1, gamma=0.9999, normalize_obs=True),  # SB3's defaults otherwise
}
ZOO.update({f"{name}-v{v}": row for name, row in _ZOO_MUJOCO.items() for v in (4, 5)})
ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "elu": "ELU", "gelu": "GELU", "leaky_relu": "LeakyReLU"}
# An env without a row (a user's own env): SB3's PPO defaults with 8 envs, and rl-zoo's MuJoCo rows'
# ``normalize: true`` for the policy's observations (inside the policy: advrl.gail.obs_norm; the discriminator
# normalises its own inputs). Without it GAIL flipped HalfCheetah-v5's cheetah onto its back (-608 at 1M, seed 0)
# in every discriminator variant screened; with it GAIL-PPO ran upright (1,599). SB3's initial action noise
# (std 1), not the zoo rows' 0.14: a small std suits the cheetah but stands a hopper still
# (benchmarks/results/gail_mujoco_findings.md).
DEFAULT: Raw = dict(n_envs=8, n_steps=256, batch_size=256, n_epochs=10, gamma=0.99, normalize_obs=True)

# Where the GAIL generator departs from the zoo row, and why. MountainCarContinuous:
# the zoo row relies on normalised observations and 8-step rollouts from one env,
# which a learned reward that changes every round cannot feed; 4 envs × 256 steps
# with gSDE and a moderate initial std explore the hill instead.
# Hopper: the zoo row's initial std 0.14 (log_std_init -2) stands the hopper still on a learned reward
# (seed 0: GAIL-PPO 150-500 from 560k on, PPO on the true reward flat at ~1,000, i.e. standing, from 250k);
# with DEFAULT's std 1 GAIL-PPO ended at 1,023 / 896 / 1,535 (seeds 0-2). Swimmer: the zoo row (one env, γ 0.9999)
# held the demo's return from 150k to 800k and then sagged (seed 0: 243 at 1M, 0.73 expert-normalised); DEFAULT
# ended at 349 / 349 / 342 (1.03). Both GAIL generators keep DEFAULT; the experts keep the zoo rows.
GAIL_ROWS: dict[str, Raw] = {
    "MountainCarContinuous-v0": dict(n_envs=4, n_steps=256, batch_size=256, gamma=0.99, learning_rate=3e-4,
                                     ent_coef=0.0, n_epochs=10, gae_lambda=0.9, use_sde=True,
                                     policy_kwargs=dict(log_std_init=-1.0, ortho_init=False)),
    **{f"{name}-v{v}": DEFAULT for name in ("Hopper", "Swimmer") for v in (4, 5)},
}

# What every GAIL generator adds to its env's row (before the user's overrides). An entropy bonus:
# PPO on a learned reward otherwise shrinks its action noise long before the reward is right
# (Pendulum from held-out demo files: gSDE's std fell to 0.05 within 50k steps and the policy
# stayed near random, 0.17-0.36 normalised); with 0.01, 10 held-out runs (5 seeds x SB2 and
# imitation files) ended at 0.935 mean, 0.885 min, and CartPole, Acrobot, MountainCarContinuous
# kept their level (benchmarks/results/gail_defaults_sweep.json, p13_* rows).
GAIL_DEFAULTS: Raw = dict(ent_coef=0.01)

# Experts: env steps and whether observations are normalised (VecNormalize) while training
EXPERT_RUNS: dict[str, tuple[int, bool]] = {
    "CartPole-v1": (100_000, False), "Pendulum-v1": (150_000, False), "Acrobot-v1": (200_000, False),
    "MountainCarContinuous-v0": (20_000, True),
}
EXPERT_DEFAULT_RUN = (200_000, False)


class LinearSchedule:
    """``start · (1 - progress)`` (never below 2% of ``start``), progress measured in
    the model's own ``num_timesteps`` over ``total_timesteps``: right over a run that
    spans many ``learn`` calls, where SB3's progress restarts at each call."""

    def __init__(self, start: float, total_timesteps: int) -> None:
        self.start, self.total = float(start), max(int(total_timesteps), 1)
        self.model: Any = None

    def __call__(self, _progress_remaining: float) -> float:
        done = self.model.num_timesteps if self.model is not None else 0
        return self.start * max(1.0 - done / self.total, 0.02)

    def __getstate__(self) -> dict[str, Any]:
        """Saved without the model (SB3 pickles schedules into ``policy.zip``)."""
        return {**self.__dict__, "model": None}


@dataclass(frozen=True)
class SB3Settings:
    """One env's settings of an SB3 algorithm: ``n_envs`` and its keyword arguments
    (:class:`PPOSettings`, :class:`advrl.gail.sac_settings.SACSettings`)."""

    n_envs: int = 1
    kwargs: Raw = field(default_factory=dict)

    @property
    def gamma(self) -> float:
        return float(self.kwargs.get("gamma", 0.99))

    def with_overrides(self, overrides: Raw | None = None, n_envs: int | None = None) -> Self:
        """A copy with keyword-argument ``overrides`` and ``n_envs`` (when not ``None``)."""
        return replace(self, n_envs=n_envs or self.n_envs, kwargs={**self.kwargs, **(overrides or {})})


@dataclass(frozen=True)
class PPOSettings(SB3Settings):
    """One env's PPO settings: ``n_envs`` and SB3 ``PPO`` keyword arguments
    (``("lin", x)`` for a linear schedule)."""

    @property
    def steps_per_rollout(self) -> int:
        """Env steps in one PPO rollout (all envs): one GAIL round."""
        return self.n_envs * int(self.kwargs.get("n_steps", 2048))

    def with_linear_decay(self, key: str, default: float = 3e-4) -> "PPOSettings":
        """A copy whose constant ``key`` (SB3's default when unset) decays linearly over the run."""
        value = self.kwargs.get(key, default)
        if isinstance(value, (tuple, list)):
            return self
        return replace(self, kwargs={**self.kwargs, key: ("lin", float(value))})

    def make(self, venv: Any, total_timesteps: int, seed: int, device: str | torch.device = "auto"):
        """SB3 ``PPO("MlpPolicy")`` on ``venv`` with these settings (silent logger); with
        ``normalize_obs`` (flat Box observations) an :class:`~advrl.gail.obs_norm.ObsNormPPO` whose
        policy normalises raw observations itself."""
        from stable_baselines3 import PPO
        from stable_baselines3.common.logger import configure

        from advrl.gail.obs_norm import NormalizedObsExtractor, ObsNormPPO, wants_obs_norm

        schedules: list[LinearSchedule] = []
        kwargs: Raw = copy.deepcopy(self.kwargs)
        algo = PPO
        if wants_obs_norm(kwargs, venv.observation_space):
            algo = ObsNormPPO
            kwargs["policy_kwargs"] = {**kwargs.get("policy_kwargs", {}),
                                       "features_extractor_class": NormalizedObsExtractor}
        activation = kwargs.get("policy_kwargs", {}).get("activation_fn")
        if isinstance(activation, str):
            kwargs["policy_kwargs"] = {**kwargs["policy_kwargs"], "activation_fn": _activation(activation)}
        for key, value in kwargs.items():
            if isinstance(value, (tuple, list)) and value and value[0] == "lin":
                value = LinearSchedule(value[1], total_timesteps)
                schedules.append(value)
            kwargs[key] = value
        ppo = algo("MlpPolicy", venv, seed=seed, device=device, verbose=0, **kwargs)
        for schedule in schedules:
            schedule.model = ppo
        ppo.set_logger(configure(None, []))
        return ppo


def _activation(name: str) -> type[torch.nn.Module]:
    """The ``torch.nn`` activation class a settings row names (``"relu"``, ...)."""
    from advrl.core.errors import UserError

    if name.lower() not in ACTIVATIONS:
        raise UserError(f"policy_kwargs.activation_fn: unknown activation {name!r}; expected one of "
                         f"{', '.join(ACTIVATIONS)} (or a torch.nn class)")
    return getattr(torch.nn, ACTIVATIONS[name.lower()])


def ppo_settings(env_id: str, purpose: str = "gail") -> PPOSettings:
    """The PPO settings for ``env_id`` (a fixed-horizon id maps to its base env):
    ``purpose="gail"`` for the GAIL generator and PPO baselines on the same footing,
    ``"expert"`` for the rl-zoo rows the experts train with."""
    import envs

    base = envs.base_env_id(env_id)
    rows = {**ZOO, **GAIL_ROWS} if purpose == "gail" else ZOO
    raw = copy.deepcopy(rows.get(base, DEFAULT))  # nested policy_kwargs: never shared with the table
    return PPOSettings(n_envs=int(raw.pop("n_envs")), kwargs=raw)


def generator_settings(env_id: str, overrides: Raw | None = None, n_envs: int | None = None,
                       lr_decay: bool = True) -> PPOSettings:
    """The PPO settings of GAIL's generator: the env's row (:func:`ppo_settings`) with
    :data:`GAIL_DEFAULTS` and ``overrides``, its learning rate decayed linearly over the run when ``lr_decay``. The
    benchmarks' PPO on the true reward runs with exactly these, so the two compare like for like."""
    settings = ppo_settings(env_id).with_overrides({**GAIL_DEFAULTS, **(overrides or {})}, n_envs)
    return settings.with_linear_decay("learning_rate") if lr_decay else settings


__all__ = ["ACTIVATIONS", "DEFAULT", "EXPERT_RUNS", "GAIL_DEFAULTS", "GAIL_ROWS", "LinearSchedule", "PPOSettings", "SB3Settings", "ZOO", "generator_settings", "ppo_settings"]
