"""GAIL (Ho & Ermon 2016, Algorithm 1) on the shared adversarial loop.

    for i = 0, 1, 2, ...                               # one core-loop round
        sample trajectories τ_i ~ π_θi                 # PPOGenerator.train_step: a rollout on the
        update π_θi with reward -log(1 - D_w(s, a))    #   learned reward and the PPO update (one learn)
        update D_w with (expert, τ_i) batches, k steps # AdversarialTrainer.discriminator_step

The generator goes first (``generator_first=True``): the discriminator needs the
fresh rollout. PPO's update within ``learn`` uses the rewards computed *during* its
rollout, by D_{w_{i-1}} — the usual on-policy implementation (imitation, baselines).
How early episode ends are treated is a :class:`~advrl.gail.horizon.Horizon`.
``algo="sac"`` swaps the generator for SAC (:mod:`advrl.gail.sac_generator`, DAC); the
steps are the same, the policy update being ``sac.learn`` of a fixed number of env steps.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import gymnasium as gym
import numpy as np

from advrl.core import (AdversarialTrainer, Callback, LoopConfig, TrainingInterrupted, UserError, atomic_path,
                        check_number, check_out, check_seed, make_objective, prepare_run_dir, resolve_device,
                        seed_everything, write_summary)
from advrl.gail.bc import BCResult, BehaviourCloner, bc_pretrain
from advrl.gail.d_schedule import DiscriminatorDecay
from advrl.gail.evaluation import TrueRewardEval, normalised
from advrl.gail.expert_data import to_real_data
from advrl.gail.generator import PPOGenerator
from advrl.gail.horizon import Horizon, make_horizon
from advrl.gail.learned_reward import LearnedReward
from advrl.gail.ppo_settings import generator_settings
from advrl.gail.reward_net import RewardNet, RewardNetConfig
from advrl.gail.sac_generator import SACGenerator
from advrl.gail.sac_settings import sac_settings
from advrl.gail.shaped_reward import ShapedRewardNet


@dataclass
class GAILConfig:
    """Everything a GAIL run needs; every default lives here (the CLI passes ``None`` through)."""

    env_id: str
    demos: str | None = None  # demo file (any format load_demos reads)
    horizon: str = "absorbing"  # absorbing | fixed | none  (advrl.gail.horizon)
    algo: str = "ppo"  # the generator: ppo (on-policy) | sac (off-policy, DAC; Box actions; advrl.gail.sac_generator)
    total_timesteps: int = 100_000  # generator env steps
    n_envs: int | None = None  # default: the env's PPO settings (advrl.gail.ppo_settings)
    ppo: dict[str, Any] = field(default_factory=dict)  # PPO kwarg overrides
    sac: dict[str, Any] = field(default_factory=dict)  # SAC kwarg overrides (advrl.gail.sac_settings)
    lr_decay: bool = True  # PPO's learning rate decays linearly to ~0 over the run: the reward keeps moving,
    #                        so a policy near the expert must stop chasing its noise (no late collapse)
    loss: str = "minimax"  # core objective (D loss)
    reward: str = "neg_log_one_minus_d"  # core reward transform (GAIL: -log(1 - D))
    gp_weight: float = 10.0  # gradient penalty on D (0: off); keeps the reward smooth between expert and policy
    gp_target: float | None = None  # gradient-norm target (None: the loss's; minimax: 0 = zero-centred)
    entropy_weight: float = 0.0  # D entropy bonus (auxiliary loss; 0: off)
    hidden: list[int] = field(default_factory=lambda: [64, 64])
    use_next_obs: bool = False
    use_done: bool = False
    d_steps: int | None = None  # discriminator updates per round (k; None: d_epochs passes over each rollout)
    d_epochs: float | None = None  # with d_steps None: k = d_epochs × rollout size / batch_size (same D work per
    #                                env step); None: the generator's (GENERATORS: PPO 1, SAC 25)
    batch_size: int = 256  # expert and generator samples per D update
    d_lr: float = 3e-4
    d_lr_decay: bool = False  # D's learning rate decays linearly over the run too (advrl.gail.d_schedule); off:
    #                           on 5+5 held-out Pendulum seeds it did not help (0.88 vs 0.90) and a CartPole
    #                           seed collapsed late (D too slow near the end: its reward went flat)
    d_betas: tuple[float, float] = (0.9, 0.999)  # discriminator Adam betas
    buffer_rounds: int = 16  # rollouts kept as fakes: the last 16 policies' samples, so D keeps a signal (and
    #                          the reward does not flatten and swing) when the current policy nears the expert;
    #                          16 over 4 (with PPO ent_coef 0.01): held-out Pendulum 0.936 vs 0.908 mean of
    #                          10 runs, min 0.885 vs 0.581 (gail_defaults_sweep.json, p11_ent01 vs p13_ent01_buf16)
    buffer_recent: float = 0.0  # share of each fake batch drawn from the newest rollout only (the rest: the whole buffer)
    normalize_reward: bool = True  # scale the learned reward as VecNormalize(norm_obs=False) would
    max_demo_episodes: int | None = None  # use only the first N expert episodes
    bc_steps: int | None = None  # behaviour-cloning warm start: Adam steps on the demos before round 1 (advrl.gail.bc;
    #                             0: off, the policy starts random; None: the generator's, PPO 1000, SAC 0)
    bc_anneal: float = 1.0  # then a BC term after each PPO update whose weight decays linearly to 0 over this
    #                         fraction of the run (0: warm start only). Without it the warm start is undone
    #                         while D is still blind, and 0.25 let CartPole collapse once the term had gone
    bc_passes: float = 1.0  # BC steps per round, in PPO minibatches per epoch (1: one pass, ~1/n_epochs of
    #                         PPO's steps; CartPole throughput 0.935 of PPO's against 0.715 at n_epochs passes)
    seed: int = 0
    device: str = "auto"
    out: str | None = None  # run directory (policy, reward net, checkpoint, TensorBoard, summary)
    resume: bool = False  # continue from out/checkpoint.pt (same settings, a larger budget allowed)
    overwrite: bool = False  # replace an existing run in out (never done silently)
    checkpoint_every: int = 50  # rounds
    eval_every_steps: int = 10_000  # env steps between true-reward evaluations (<= 0: only before/after)
    eval_episodes: int = 10
    final_eval_episodes: int = 50  # the last evaluation (summary.json's final return): on Pendulum the luck of
    #                                10 initial states moves a policy's mean by up to 0.2 of the expert's
    progress: bool = True
    tensorboard: bool = True


# settings a --resume may change: budgets, evaluation, devices and paths (not what is learned)
RESUME_MAY_CHANGE = ("total_timesteps", "resume", "overwrite", "out", "progress", "device", "eval_every_steps",
                     "eval_episodes", "final_eval_episodes", "tensorboard", "checkpoint_every")


@dataclass
class GAILRun:
    """A built GAIL run: call :meth:`train`, then :meth:`save`."""

    config: GAILConfig
    horizon: Horizon
    trainer: AdversarialTrainer
    generator: PPOGenerator | SACGenerator
    reward_net: RewardNet
    evaluator: TrueRewardEval
    train_env_id: str
    real_transitions: dict[str, np.ndarray]
    max_steps: int | None = None
    demo_return: float | None = None  # mean return of the demos used (None: no rewards in the file)

    @property
    def ppo(self):
        return self.generator.ppo

    @property
    def model(self):
        """The SB3 model of the generator (PPO, or SAC with ``algo="sac"``)."""
        return self.generator.model

    @property
    def bc(self) -> BCResult | None:
        """What the behaviour-cloning warm start did (``cfg.bc_steps > 0``), else ``None``."""
        return getattr(self.generator, "bc_warm_start", None)

    @property
    def evaluations(self) -> list[dict[str, float]]:
        return self.evaluator.results

    def train(self, rounds: int | None = None):
        return self.trainer.train(rounds)

    def learned_reward(self) -> LearnedReward:
        """A frozen copy of the discriminator as a reward (save/load, re-train a fresh policy)."""
        return self.frozen_reward(self.reward_net, self.config.reward, algorithm="gail")

    def extra_rewards(self) -> dict[str, LearnedReward]:
        """Further frozen rewards that :meth:`save` writes beside ``reward_net.pt`` (file name -> reward)."""
        return {}

    def frozen_reward(self, net: RewardNet | ShapedRewardNet, reward_name: str, **metadata: Any) -> LearnedReward:
        """A frozen copy of ``net`` as a :class:`LearnedReward` with this run's metadata."""
        copy = net.frozen() if isinstance(net, ShapedRewardNet) else RewardNet(net.config)
        copy.load_state_dict({k: v.detach().cpu() for k, v in net.state_dict().items()})
        return LearnedReward(copy, reward_name, self.train_env_id,
                             metadata={**metadata, "horizon": self.horizon.name, "base_env_id": self.config.env_id,
                                       "loss": self.config.loss,
                                       "dones": "terminated",  # what the net's done input meant (not time-limit cuts)
                                       "absorbing_horizon": self.horizon.wrapper_horizon(self.max_steps),
                                       "cap_absorbing": bool(self.generator.reward_env.cap_absorbing)})

    def save(self, out: str | Path | None = None, finished: bool = True) -> dict[str, Path]:
        """Write ``policy.zip`` (SB3), ``reward_net.pt`` (LearnedReward) and :meth:`extra_rewards`,
        ``config.json`` and, last, ``summary.json`` (only when ``finished``) into ``out`` (atomic writes)."""
        out = Path(out or self.config.out or ".")
        out.mkdir(parents=True, exist_ok=True)
        paths = {"policy": out / "policy.zip", "reward": out / "reward_net.pt", "config": out / "config.json"}
        with atomic_path(paths["policy"]) as tmp:
            self.model.save(tmp)
            saved = Path(str(tmp) + ".zip")
            if not tmp.exists() and saved.exists():
                os.replace(saved, tmp)
        self.learned_reward().save(paths["reward"])
        for name, reward in self.extra_rewards().items():
            paths[name] = reward.save(out / name)
        with atomic_path(paths["config"]) as tmp:
            tmp.write_text(json.dumps({**asdict(self.config), "train_env_id": self.train_env_id}, indent=2))
        if finished:
            paths["summary"] = write_summary(out, self.summary())
        return paths

    def summary(self) -> dict[str, Any]:
        """What ran, on which data, and how well: env, demos (file, sha256, episodes, mean
        return), settings, env steps, the true-return curve and the final normalised return
        (0 = random policy, 1 = the demos' mean)."""
        from advrl.gail.experts import evaluate_expert

        random_return, _ = evaluate_expert(self.config.env_id, None, episodes=self.config.eval_episodes)
        final = self.evaluations[-1]["true_return"] if self.evaluations else None
        return {"algorithm": "gail", "env_id": self.config.env_id, "train_env_id": self.train_env_id,
                "horizon": self.horizon.name,
                "demos": self.trainer.run_config["demos"],  # path and sha256, as build_gail read them
                "demo_episodes": self.config.max_demo_episodes, "demo_return": self.demo_return,
                "settings": asdict(self.config), "env_steps": int(self.model.num_timesteps),
                "rounds": self.trainer.round, "curve": self.evaluations, "random_return": random_return,
                "bc_warm_start": None if self.bc is None else asdict(self.bc),
                "final_true_return": final,
                "final_normalised_return": None if final is None else normalised(final, random_return,
                                                                                   self.demo_return)}


def _file_facts(path: str | None) -> dict[str, Any] | None:
    """The demos' path and the sha256 of their bytes (a folder, e.g. a Minari or HF dataset: of its
    files' relative names and bytes)."""
    if not path or not Path(path).exists():
        return {"path": path} if path else None
    return {"path": str(path), "sha256": _content_sha256(Path(path))}


def _content_sha256(path: Path) -> str:
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    digest = hashlib.sha256()
    for file in sorted(f for f in path.rglob("*") if f.is_file()):
        digest.update(file.relative_to(path).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def load_expert_demos(path: str | os.PathLike, env_id: str):
    """``load_demos`` validated against the original env's spaces (one clear error)."""
    import envs
    from advrl.demos import load_demos

    base = envs.base_env_id(env_id)
    demos = load_demos(path, env=base)
    recorded = demos.metadata.get("file_env_id")  # set where the file names another env id
    if recorded and envs.task_of(recorded) != envs.task_of(base):
        raise UserError(f"{path}: demos of {recorded} (the file's env_id), not of {base}; the spaces agree, the "
                        f"task does not (another version of the same env is accepted)")
    return demos


def _demos(cfg: GAILConfig, demos: Any) -> Any:
    """The demonstrations to imitate: given, or read from ``cfg.demos``; the first
    ``max_demo_episodes`` of them when set."""
    if demos is None:
        if cfg.demos is None:
            raise UserError("GAIL needs expert demonstrations: give --demos FILE")
        demos = load_expert_demos(cfg.demos, cfg.env_id)
    if cfg.max_demo_episodes is not None:
        if cfg.max_demo_episodes > demos.n_episodes:
            raise UserError(f"--demo-episodes {cfg.max_demo_episodes}: {cfg.demos or 'the demos given'} "
                            f"{'holds' if cfg.demos else 'hold'} {demos.n_episodes} episodes")
        demos = demos.first_episodes(cfg.max_demo_episodes)
    return demos


def _env_facts(env_id: str) -> tuple[gym.Space, gym.Space, int | None]:
    """Observation space, action space and ``max_episode_steps`` of ``env_id``."""
    probe = gym.make(env_id)
    facts = (probe.observation_space, probe.action_space, probe.spec.max_episode_steps if probe.spec else None)
    probe.close()
    return facts


def discriminator_steps(cfg: GAILConfig, steps_per_round: int) -> int:
    """k: ``cfg.d_steps``, or ``d_epochs`` passes of ``batch_size`` over each rollout, so the
    discriminator's work per env step is the same whatever the env's rollout size."""
    if cfg.d_steps is not None:
        return cfg.d_steps
    return max(1, round(cfg.d_epochs * steps_per_round / cfg.batch_size))


def _loop_config(cfg: GAILConfig, steps_per_round: int, device: Any) -> LoopConfig:
    out = Path(cfg.out) if cfg.out else None
    return LoopConfig(
        rounds=max(1, math.ceil(cfg.total_timesteps / steps_per_round)),
        d_steps=discriminator_steps(cfg, steps_per_round), g_steps=1,
        batch_size=cfg.batch_size, generator_first=True, d_lr=cfg.d_lr, d_betas=tuple(cfg.d_betas), seed=cfg.seed,
        device=str(device), log_every=1, checkpoint_every=cfg.checkpoint_every if out else 0,
        checkpoint_path=str(out / "checkpoint.pt") if out else None,
        logdir=str(out / "tb") if out and cfg.tensorboard else None, progress=cfg.progress)


def gail_discriminator(cfg: GAILConfig, horizon: Horizon, obs_space: gym.Space, act_space: gym.Space) -> RewardNet:
    """GAIL's D: a :class:`RewardNet` over (obs, act[, next_obs, done][, absorbing flag])."""
    return RewardNet(RewardNetConfig.for_spaces(obs_space, act_space, hidden=list(cfg.hidden),
                                                use_next_obs=cfg.use_next_obs, use_done=cfg.use_done,
                                                entropy_weight=cfg.entropy_weight, absorbing=horizon.absorbing_input))


def _ppo_generator(cfg: GAILConfig, train_id: str, absorbing_horizon: int | None, device: Any) -> PPOGenerator:
    overrides = {**make_horizon(cfg.horizon).ppo_defaults, **(cfg.ppo or {})}  # the mode's, then the user's
    settings = generator_settings(cfg.env_id, overrides, cfg.n_envs, cfg.lr_decay)
    return PPOGenerator.build(train_id, settings, total_timesteps=cfg.total_timesteps, seed=cfg.seed,
                              device=device, absorbing_horizon=absorbing_horizon,
                              buffer_rounds=cfg.buffer_rounds, buffer_recent=cfg.buffer_recent,
                              normalize_reward=cfg.normalize_reward)


def _sac_generator(cfg: GAILConfig, train_id: str, absorbing_horizon: int | None, device: Any) -> SACGenerator:
    settings = sac_settings(cfg.env_id).with_overrides(cfg.sac, cfg.n_envs)
    return SACGenerator.build(train_id, settings, seed=cfg.seed, device=device, absorbing_horizon=absorbing_horizon)


@dataclass(frozen=True)
class GeneratorKind:
    """What ``GAILConfig.algo`` names: the generator's builder (each reads its own settings
    table) and the discriminator's default work, in passes over each round's env steps."""

    build: Callable[[GAILConfig, str, int | None, Any], PPOGenerator | SACGenerator]
    d_epochs: float
    bc_steps: int = 0  # the behaviour-cloning warm start's default steps (advrl.gail.bc: PPO only)


# SAC reuses each env step ~25× as often as PPO (a 256-sample gradient step per env step vs
# 10 epochs over the rollout): D keeps pace (Pendulum, 6k steps: -830 with k = 100 D steps per
# 1000 env steps, -1200 with d_epochs 1's k = 4; DAC itself takes one D step per env step)
GENERATORS = {"ppo": GeneratorKind(_ppo_generator, d_epochs=1.0, bc_steps=1000),
              "sac": GeneratorKind(_sac_generator, d_epochs=25.0)}


def build_gail(config: GAILConfig, demos: Any = None, callbacks: list[Callback] | None = None, *,
               discriminator=gail_discriminator, run_type: type[GAILRun] = GAILRun) -> GAILRun:
    """Assemble GAIL on :class:`~advrl.core.AdversarialTrainer` (see the module docstring).
    ``discriminator(cfg, horizon, obs_space, act_space)`` builds D and ``run_type`` holds
    the result: AIRL (:mod:`advrl.gail.airl`) passes its own."""
    import envs
    from advrl.gail.experts import make_eval_env

    kind = GENERATORS.get(config.algo)
    if kind is None:
        raise UserError(f"unknown --algo {config.algo!r}; expected one of {', '.join(GENERATORS)}")
    cfg = config if config.d_epochs is not None else replace(config, d_epochs=kind.d_epochs)
    if cfg.bc_steps is None:
        cfg = replace(cfg, bc_steps=_default_bc_steps(cfg, kind))
    _check_numbers(cfg)
    _check_bc(cfg)
    horizon = make_horizon(cfg.horizon)
    envs.check_env_id(cfg.env_id)
    demos = _demos(cfg, demos)
    if cfg.out:
        prepare_run_dir(cfg.out, resume=cfg.resume, overwrite=cfg.overwrite, check_only=True)
    elif cfg.resume:
        raise UserError("--resume needs the --out directory of the earlier run")
    seed_everything(cfg.seed)
    device = resolve_device(cfg.device)
    train_id = horizon.train_env_id(cfg.env_id)
    obs_space, act_space, max_steps = _env_facts(train_id)
    transitions = horizon.expert_transitions(demos, max_steps, act_space, seed=cfg.seed)
    real = to_real_data(transitions)
    net = discriminator(cfg, horizon, obs_space, act_space)
    net.init_normalizers(real.data)
    generator = kind.build(cfg, train_id, horizon.wrapper_horizon(max_steps), device)
    if isinstance(generator, PPOGenerator):  # the expert never ended early: nor should ending early pay
        generator.reward_env.cap_absorbing = horizon.absorbing_input and not np.any(transitions["absorbing"])
    every = max(1, cfg.eval_every_steps // generator.steps_per_round) if cfg.eval_every_steps > 0 else 0
    evaluator = TrueRewardEval(make_eval_env(train_id, cfg.seed), every, cfg.eval_episodes,
                               final_episodes=cfg.final_eval_episodes)
    objective = make_objective(cfg.loss, reward_name=cfg.reward, gp_weight=cfg.gp_weight, gp_target=cfg.gp_target)
    loop = _loop_config(cfg, generator.steps_per_round, device)
    schedule = [DiscriminatorDecay(cfg.d_lr, loop.rounds)] if cfg.d_lr_decay else []
    trainer = AdversarialTrainer(generator, net, objective, real, loop,
                                 callbacks=[evaluator, *schedule, *(callbacks or [])],
                                 run_config={**asdict(cfg), "demos": _file_facts(cfg.demos)},
                                 # the demo file is its bytes: another path to the same file (from another
                                 # folder, moved, copied) resumes; other bytes at the same path do not
                                 resume_may_change=(*RESUME_MAY_CHANGE, "demos.path"))
    if cfg.out:  # every setting is valid by now: only then is an old run replaced
        prepare_run_dir(cfg.out, resume=cfg.resume, overwrite=cfg.overwrite)
    if cfg.bc_steps:
        _behaviour_cloning(cfg, generator, demos, warm_start=not cfg.resume)
    if cfg.resume:
        trainer.resume(Path(cfg.out) / "checkpoint.pt")
    returns = demos.episode_returns
    return run_type(cfg, horizon, trainer, generator, net, evaluator, train_id, transitions, max_steps,
                    None if returns is None else float(np.mean(returns)))


def _default_bc_steps(cfg: GAILConfig, kind: GeneratorKind) -> int:
    """The generator's warm start; 0 for a resumed run whose checkpoint predates the warm start (it
    trained without one, and gaining a BC term half-way would change what it learns). Only a generator
    with a warm start reads the checkpoint here (a SAC checkpoint holds its replay buffer)."""
    if kind.bc_steps and cfg.resume and cfg.out and (Path(cfg.out) / "checkpoint.pt").is_file():
        from advrl.core import load_checkpoint

        saved = (load_checkpoint(Path(cfg.out) / "checkpoint.pt").get("run_config") or {})
        if saved and "bc_steps" not in saved:
            return 0
    return kind.bc_steps


def _check_numbers(cfg: GAILConfig) -> None:
    """Every numeric setting in its range, as one error naming the flag (NaN and infinities refused)."""
    check_seed(cfg.seed)
    check_out(cfg.out)
    for flag, value in (("--timesteps", cfg.total_timesteps), ("--batch-size", cfg.batch_size),
                        ("--buffer-rounds", cfg.buffer_rounds), ("--eval-episodes", cfg.eval_episodes)):
        check_number(flag, value, low=1)
    check_number("--final-eval-episodes", cfg.final_eval_episodes, low=0, optional=True)  # 0/None: --eval-episodes
    check_number("--d-steps", cfg.d_steps, low=1, optional=True)
    check_number("--demo-episodes", cfg.max_demo_episodes, low=1, optional=True)
    check_number("--d-epochs", cfg.d_epochs, above=0)
    check_number("--d-lr", cfg.d_lr, above=0)
    if not 0.0 <= cfg.buffer_recent <= 1.0:  # NaN fails too
        raise UserError(f"--buffer-recent is a share of each batch: expected 0 to 1, got {cfg.buffer_recent}")
    for flag, value in (("--gp-weight", cfg.gp_weight), ("--entropy-weight", cfg.entropy_weight)):
        check_number(flag, value, low=0)
    check_number("--gp-target", cfg.gp_target, low=0, optional=True)
    check_number("--eval-every", cfg.eval_every_steps)
    check_number("checkpoint_every", cfg.checkpoint_every, low=0)  # a config field (no flag)
    check_number("--bc-steps", cfg.bc_steps, low=0)
    check_number("--bc-anneal", cfg.bc_anneal)
    if not 0.0 <= cfg.bc_anneal <= 1.0:
        raise UserError(f"--bc-anneal is a fraction of the run: expected 0 to 1, got {cfg.bc_anneal}")
    check_number("--bc-passes", cfg.bc_passes, above=0)


def _check_bc(cfg: GAILConfig) -> None:
    if cfg.bc_steps and cfg.algo != "ppo":
        raise UserError(f"--bc-steps warm-starts the PPO generator only, not --algo {cfg.algo}")


def _behaviour_cloning(cfg: GAILConfig, generator: PPOGenerator | SACGenerator, demos: Any, warm_start: bool) -> None:
    """Behaviour-clone the PPO generator's policy on the demos (``cfg.bc_steps`` steps; a resumed
    run has done so and reads its policy from the checkpoint) and, with ``cfg.bc_anneal``, keep an
    annealed BC term after each PPO update (:meth:`PPOGenerator.set_bc_regulariser`)."""
    policy = generator.model.policy
    if warm_start:
        cloner, generator.bc_warm_start = bc_pretrain(policy, demos.obs, demos.acts, steps=cfg.bc_steps,
                                                      seed=cfg.seed)
    else:
        cloner = BehaviourCloner(policy, demos.obs, demos.acts, seed=cfg.seed)
    if cfg.bc_anneal > 0:
        generator.set_bc_regulariser(cloner, int(cfg.bc_anneal * cfg.total_timesteps), cfg.bc_passes)


def train_gail(config: GAILConfig, demos: Any = None, callbacks: list[Callback] | None = None) -> GAILRun:
    """Build, train and (when ``config.out`` is set) save a GAIL run. Interrupted
    (SIGINT/SIGTERM), it saves the checkpoint, policy and reward before stopping."""
    return train_to_end(build_gail(config, demos, callbacks))


def train_to_end(run: GAILRun) -> GAILRun:
    """Train ``run`` and (when its ``config.out`` is set) save it; interrupted, save the
    checkpoint, policy and reward first."""
    config = run.config
    try:
        run.train()
    except TrainingInterrupted as exc:
        if config.out:
            run.save(config.out, finished=False)
            exc.args = (f"{exc}; policy.zip and reward_net.pt saved in {config.out}",)
        raise
    if config.out:
        run.save(config.out)
    return run


__all__ = ["GENERATORS", "GAILConfig", "GeneratorKind", "GAILRun", "TrueRewardEval", "build_gail", "gail_discriminator",
           "load_expert_demos", "train_gail", "train_to_end"]
