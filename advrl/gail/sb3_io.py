"""Loading and saving SB3 PPO policies without unpickling user files.

An SB3 ``.zip`` keeps its weights in ``policy.pth`` (read by SB3 with
``torch.load(weights_only=True)``) and some attributes (spaces, schedules,
the policy class) as cloudpickle blobs inside ``data``. :func:`load_ppo` reads
the JSON of ``data`` first and replaces *every* cloudpickled entry through
``custom_objects`` so nothing from the file is unpickled; the spaces come from
the env the caller gives, the policy class is SB3's ``MlpPolicy``.
"""

from __future__ import annotations

import json
import math
import re
import zipfile
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from advrl.core.errors import UserError, first_line


def _safe_custom_objects(path: Path, env: gym.Env | Any) -> dict[str, Any]:
    from stable_baselines3.common.policies import ActorCriticPolicy

    data, state = read_sb3_zip(path)
    replacements: dict[str, Any] = {
        "policy_class": ActorCriticPolicy,
        "observation_space": env.observation_space,
        "action_space": env.action_space,
        "lr_schedule": lambda _: 0.0,
        "learning_rate": 0.0,
        "clip_range": lambda _: 0.2,
    }
    custom: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and ":serialized:" in value:
            custom[key] = replacements.get(key)
    if isinstance(data.get("policy_kwargs"), dict) and ":serialized:" in data["policy_kwargs"]:
        # rebuilt as load_policy does: activation and advrl's extractor from the opcodes, layers from the weights
        kwargs = _policy_kwargs(path, "ppo", data, state)
        kwargs.pop("use_sde", None)  # PPO passes its own use_sde to the policy
        custom["policy_kwargs"] = kwargs
    return custom


# advrl's own policy parts a pickled ``policy_kwargs`` may name: rebuilt from this package, never unpickled
_ADVRL_EXTRACTORS = {"advrl.gail.obs_norm.NormalizedObsExtractor": "features_extractor_class"}


def load_ppo(path: str | Path, env: gym.Env | Any, device: str = "auto"):
    """Load a PPO ``.zip`` for ``env`` without unpickling anything from the file.

    Raises :class:`~advrl.core.UserError` naming the file when it is not a PPO zip or its
    policy does not fit ``env``'s spaces.
    """
    from stable_baselines3 import PPO

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such policy file")
    custom = _safe_custom_objects(path, env)
    try:
        model = PPO.load(path, env=None, device=device, custom_objects=custom)
    except Exception as exc:  # SB3 raises several types for bad zips / mismatched weights
        first = first_line(exc)
        if "size mismatch" in str(exc) or "Missing key" in str(exc) or "Unexpected key" in str(exc):
            first = (f"its weights do not fit {env.observation_space} observations and {env.action_space} actions "
                     "(a policy for another env?)")
        raise UserError(f"{path}: cannot load as a PPO policy for this env: {first}") from None
    return model


class ObsNormalizer:
    """Fixed observation normalisation (SB3 ``VecNormalize`` statistics stored as
    ``.npz`` beside an expert zip instead of a pickle); ``source``: the file they were read from."""

    def __init__(self, mean: np.ndarray, var: np.ndarray, clip: float = 10.0, epsilon: float = 1e-8,
                 source: str | None = None) -> None:
        self.mean, self.var, self.clip, self.epsilon = np.asarray(mean), np.asarray(var), float(clip), float(epsilon)
        self.source = source

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        return np.clip((obs - self.mean) / np.sqrt(self.var + self.epsilon), -self.clip, self.clip).astype(np.float32)

    def check(self, obs_shape: tuple[int, ...] | None = None) -> None:
        """One :class:`UserError` naming ``source`` unless the statistics are finite, of ``obs_shape`` (when
        given), the variances >= 0, the clip > 0 and epsilon >= 0."""
        where = self.source or "observation statistics"
        for name, value in (("mean", self.mean), ("var", self.var)):
            if value.dtype.kind not in "fiu" or value.size == 0 or not np.all(np.isfinite(value)):
                raise UserError(f"{where}: '{name}' is not a non-empty finite numeric array")
            if obs_shape is not None and value.shape != tuple(obs_shape):
                raise UserError(f"{where}: '{name}' has shape {value.shape}; this env's observations have shape "
                                f"{tuple(obs_shape)} (statistics of another env?)")
        if self.mean.shape != self.var.shape or np.any(self.var < 0) or np.any(self.var + self.epsilon <= 0):
            raise UserError(f"{where}: 'mean' {self.mean.shape} and 'var' {self.var.shape} differ in shape, a "
                            "variance is negative, or one is 0 with epsilon 0 (a division by 0)")
        if not (math.isfinite(self.clip) and self.clip > 0 and math.isfinite(self.epsilon) and self.epsilon >= 0):
            raise UserError(f"{where}: clip {self.clip} and epsilon {self.epsilon}; expected clip > 0, epsilon >= 0")

    def save(self, path: str | Path) -> None:
        from advrl.core import atomic_path

        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, mean=self.mean, var=self.var, clip=np.array(self.clip), epsilon=np.array(self.epsilon))

    @classmethod
    def load(cls, path: str | Path) -> "ObsNormalizer":
        with np.load(path, allow_pickle=False) as data:
            return cls(data["mean"], data["var"], float(data["clip"]), float(data["epsilon"]), source=str(path))

    @classmethod
    def from_vecnormalize(cls, vecnorm: Any) -> "ObsNormalizer":
        return cls(vecnorm.obs_rms.mean.copy(), vecnorm.obs_rms.var.copy(), vecnorm.clip_obs, vecnorm.epsilon)


def obs_norm_path(policy_path: str | Path) -> Path:
    """Where an expert's observation statistics live: ``<zip stem>.obs_norm.npz``."""
    policy_path = Path(policy_path)
    return policy_path.with_name(policy_path.stem + ".obs_norm.npz")


# --- any SB3 algorithm's zip, rebuilt from JSON and weights alone -------------------------------

ALGOS = ("sac", "ppo", "td3")
# the policy class's module (plain text in ``data``) -> algorithm; DDPG zips hold a TD3Policy
_POLICY_MODULES = {"stable_baselines3.sac.policies": "sac", "stable_baselines3.td3.policies": "td3"}
_MLP_CLASSES = {"sac": "SACPolicy", "td3": "TD3Policy", "ppo": "ActorCriticPolicy"}
# policy_kwargs that change a loaded policy's actions (gSDE's squashing and mean clipping, its std's shape)
_BEHAVIOUR_KWARGS = ("squash_output", "clip_mean", "full_std", "use_expln")
# globals a pickled ``policy_kwargs`` may name that change nothing this loader rebuilds
_HARMLESS_GLOBALS = ("builtins.", "collections.", "copyreg.", "_codecs.", "numpy", "torch.optim.",
                     "stable_baselines3.common.torch_layers.FlattenExtractor")


def read_sb3_zip(path: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON of an SB3 zip's ``data`` and its ``policy.pth`` state dict (tensors only:
    ``torch.load(weights_only=True)``); nothing in the file is unpickled."""
    import io
    import pickle

    import torch

    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such policy file")
    try:
        with zipfile.ZipFile(path) as archive:
            data = json.loads(archive.read("data").decode("utf-8"))
            weights = archive.read("policy.pth")
        state = torch.load(io.BytesIO(weights), map_location="cpu", weights_only=True)
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError, EOFError,
            RuntimeError, OSError, ValueError, pickle.UnpicklingError) as exc:  # torch's weights-only refusal too
        first = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise UserError(f"{path}: not a readable stable-baselines3 policy zip ({type(exc).__name__}: {first})") from None
    if not isinstance(data, dict) or not isinstance(state, dict):
        raise UserError(f"{path}: not a stable-baselines3 policy zip (no 'data' object / state dict)")
    return data, state


def detect_algo(data: dict[str, Any]) -> str | None:
    """``sac`` / ``td3`` / ``ppo`` from the policy class named in ``data`` (plain JSON text),
    ``None`` when it is none of those (an A2C zip also holds an ``ActorCriticPolicy``: PPO is told
    apart by its ``clip_range``)."""
    cls = data.get("policy_class")
    module = cls.get("__module__", "") if isinstance(cls, dict) else ""
    if module == "stable_baselines3.common.policies":
        return "ppo" if "clip_range" in data and "n_epochs" in data else None
    return _POLICY_MODULES.get(module)


def describe_policy_class(data: dict[str, Any]) -> str:
    """``module.Class`` of the zip's policy, read from the text SB3 writes beside the pickle."""
    cls = data.get("policy_class")
    if not isinstance(cls, dict):
        return "an unknown policy class"
    init = str(cls.get("__init__", ""))  # "<function SACPolicy.__init__ at 0x...>"
    name = init.split()[1].split(".")[0] if init.startswith("<function ") else "?"
    return f"{cls.get('__module__', '?')}.{name}"


def pickled_globals(entry: dict[str, Any]) -> list[str]:
    """``module.name`` of every global a cloudpickled ``data`` entry refers to, found by
    disassembling its opcodes (:mod:`pickletools`), which runs none of them."""
    import base64
    import pickletools

    names, strings, memo, last = [], [], {}, None
    for op, arg, _ in pickletools.genops(base64.b64decode(entry[":serialized:"])):
        if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "SHORT_BINSTRING", "BINSTRING"):
            strings.append(arg)
            last = arg
        elif op.name == "MEMOIZE" or op.name in ("BINPUT", "LONG_BINPUT", "PUT"):
            memo[len(memo) if op.name == "MEMOIZE" else arg] = last
        elif op.name in ("BINGET", "LONG_BINGET", "GET"):
            last = memo.get(arg)
            if isinstance(last, str):
                strings.append(last)
        elif op.name in ("GLOBAL", "STACK_GLOBAL"):
            name = arg.replace(" ", ".") if op.name == "GLOBAL" else ".".join(strings[-2:])
            names.append(name)
            last = None
        else:
            last = None
    return names


def _layer_widths(state: dict[str, Any], prefix: str) -> list[int]:
    """Output widths of the ``nn.Linear`` layers ``<prefix>.<i>.weight``, in order."""
    pattern = re.compile(rf"^{re.escape(prefix)}\.(\d+)\.weight$")
    layers = sorted((int(m.group(1)), tuple(v.shape)) for k, v in state.items() if (m := pattern.match(k)))
    return [shape[0] for _, shape in layers]


def _net_arch_from_weights(algo: str, state: dict[str, Any]) -> dict[str, Any]:
    """net_arch (and n_critics) read off the state dict's layer shapes."""
    if algo == "ppo":
        return {"net_arch": {"pi": _layer_widths(state, "mlp_extractor.policy_net"),
                             "vf": _layer_widths(state, "mlp_extractor.value_net")}}
    actor = _layer_widths(state, "actor.latent_pi") if algo == "sac" else _layer_widths(state, "actor.mu")[:-1]
    n_critics = len({k.split(".")[1] for k in state if re.match(r"^critic\.qf\d+\.", k)})
    return {"net_arch": {"pi": actor, "qf": _layer_widths(state, "critic.qf0")[:-1]}, "n_critics": max(n_critics, 1)}


def _policy_kwargs(path: Path, algo: str, data: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    """The policy's constructor arguments: ``policy_kwargs`` from the JSON; when SB3 had to
    pickle them, the layer sizes from the weights and the activation named in the pickle's opcodes."""
    import torch

    raw = data.get("policy_kwargs") or {}
    kwargs: dict[str, Any] = {}
    if isinstance(raw, dict) and ":serialized:" in raw:
        for name in pickled_globals(raw):
            module, _, cls = name.rpartition(".")
            if module == "torch.nn.modules.activation" and hasattr(torch.nn, cls):
                kwargs["activation_fn"] = getattr(torch.nn, cls)
            elif name in _ADVRL_EXTRACTORS:  # a policy that normalises its own observations: its extractor back
                from advrl.gail.obs_norm import NormalizedObsExtractor

                kwargs[_ADVRL_EXTRACTORS[name]] = NormalizedObsExtractor
            elif not name.startswith(_HARMLESS_GLOBALS):
                raise UserError(f"{path}: its policy_kwargs use {name}, which this loader does not rebuild "
                                "(only MLP policies with torch.nn activations, advrl's observation normaliser)")
        # SB3 writes the JSON-able entries of a pickled dict beside the pickle as they are (the rest, e.g. a
        # NumPy float, as str()): those that change what a loaded policy does with its weights are taken from there
        kwargs.update({k: _plain_value(path, k, raw[k]) for k in _BEHAVIOUR_KWARGS if k in raw})
    elif isinstance(raw, dict):
        kwargs.update(raw)
    if "net_arch" not in kwargs:
        kwargs.update({k: v for k, v in _net_arch_from_weights(algo, state).items() if k not in kwargs})
    if algo in ("sac", "ppo"):
        kwargs["use_sde"] = bool(data.get("use_sde", kwargs.get("use_sde", False)))
    return kwargs


def _plain_value(path: Path, key: str, value: Any) -> bool | float:
    """A gSDE flag of a pickled ``policy_kwargs`` from the text beside it: JSON, or SB3's ``str()`` of it."""
    if isinstance(value, (bool, int, float)):
        return value
    text = str(value).strip()
    if text in ("True", "False"):
        return text == "True"
    try:
        return float(text)
    except ValueError:
        raise UserError(f"{path}: its policy_kwargs hold {key}={text!r}, which this loader cannot read "
                        "(expected a number or True/False)") from None


def _check_spaces(path: Path, data: dict[str, Any], env: gym.Env | Any) -> None:
    """Refuse a zip whose recorded space shapes (plain JSON text beside the pickle) are not the env's."""
    for key, space in (("observation_space", env.observation_space), ("action_space", env.action_space)):
        entry = data.get(key) if isinstance(data.get(key), dict) else {}
        if isinstance(space, gym.spaces.Discrete):
            recorded, ours = entry.get("n"), str(int(space.n))
        else:
            recorded, ours = entry.get("shape", entry.get("_shape")), str(list(space.shape or ()))
        recorded = None if recorded is None else str(recorded).replace(" ", "")
        if recorded is not None and recorded != ours.replace(" ", ""):
            raise UserError(f"{path}: its {key.replace('_', ' ')} is {recorded}, this env's is {ours} "
                            "(a policy for another env?)")


def load_policy(path: str | Path, env: gym.Env | Any, algo: str | None = None, device: str = "cpu"):
    """Rebuild the policy of any SB3 SAC, TD3 or PPO zip for ``env`` without unpickling anything
    from the file; returns ``(policy, algo)`` where ``policy.predict(obs, deterministic=True)`` acts.

    The algorithm is read from the zip (``algo``, when given, must agree); the spaces are the env's;
    the network shape comes from the JSON ``policy_kwargs`` or, where SB3 pickled them, from the
    weights. Raises :class:`~advrl.core.UserError` naming the file for anything it cannot load.
    """
    from stable_baselines3.common.policies import ActorCriticPolicy
    from stable_baselines3.sac.policies import SACPolicy
    from stable_baselines3.td3.policies import TD3Policy

    path = Path(path)
    if algo is not None and algo not in ALGOS:
        raise UserError(f"--algo {algo!r} for {path}: unknown algorithm (known: {', '.join(ALGOS)})")
    data, state = read_sb3_zip(path)
    found, described = detect_algo(data), describe_policy_class(data)
    if found is None:
        raise UserError(f"{path}: holds a {described} policy; supported: {', '.join(ALGOS)} MLP policies")
    if algo is not None and algo != found:
        raise UserError(f"{path}: holds a {found.upper()} policy ({described}), not {algo.upper()}")
    if not described.endswith("." + _MLP_CLASSES[found]):
        raise UserError(f"{path}: holds a {described}; only the MLP policy ({_MLP_CLASSES[found]}) is supported")
    if found in ("sac", "td3") and not isinstance(env.action_space, gym.spaces.Box):
        raise UserError(f"{path}: a {found.upper()} policy needs continuous (Box) actions; this env has "
                        f"{env.action_space}")
    _check_spaces(path, data, env)
    kwargs = _policy_kwargs(path, found, data, state)
    cls = {"sac": SACPolicy, "td3": TD3Policy, "ppo": ActorCriticPolicy}[found]
    try:
        policy = cls(env.observation_space, env.action_space, lambda _: 0.0, **kwargs)
        policy.load_state_dict(state, strict=True)
    except (TypeError, ValueError, RuntimeError, KeyError) as exc:
        first = " ".join(str(exc).split())[:200]
        raise UserError(f"{path}: cannot rebuild its {found.upper()} policy for {env.observation_space} "
                        f"observations and {env.action_space} actions: {first}") from None
    policy.set_training_mode(False)
    from stable_baselines3.common.utils import get_device

    return policy.to(get_device(device)), found


CHECKPOINT_NAME = re.compile(r"(.+)_(\d+)_steps")  # SB3's CheckpointCallback: <prefix>_<N>_steps.zip


def _zoo_folders(policy_path: Path) -> list[Path]:
    """The folders whose ``vecnormalize.pkl`` / ``config.yml`` belong to ``policy_path``, most specific
    first: beside the zip and ``<stem>/`` (the Zoo's ``<Env>_1/<Env>.zip`` + ``<Env>_1/<Env>/``); only for the
    Zoo's ``best_model.zip`` and checkpoints ``<prefix>_<N>_steps.zip``, which share ``<Env>_1/<Env>/`` with
    the final model, the sub-folders of the zip's folder too (more than one holding statistics: ambiguous)."""
    folder, stem = policy_path.parent, policy_path.stem
    own = [folder, folder / stem]
    zoo_shared = stem == "best_model" or CHECKPOINT_NAME.fullmatch(stem)  # the Zoo's --load-best/-checkpoint
    if not zoo_shared or (folder / stem).is_dir():
        return own
    return own + sorted(sub for sub in folder.iterdir() if sub.is_dir() and sub.name != stem)


def load_obs_normalizer(policy_path: str | Path, obs_shape: tuple[int, ...] | None = None) -> ObsNormalizer | None:
    """The observation normalisation an expert zip was trained with, else ``None``: ``<stem>.obs_norm.npz``
    beside it (advrl's own experts), an SB3 checkpoint's own ``<prefix>_vecnormalize_<N>_steps.pkl`` beside
    ``<prefix>_<N>_steps.zip``, or the ``vecnormalize.pkl`` of :func:`_zoo_folders`, read without running the
    pickle (:mod:`advrl.gail.vecnormalize_pkl`) and checked against ``obs_shape``. A Zoo ``config.yml`` of
    those folders that asks for ``normalize`` with no statistics found is refused rather than rolled out
    unnormalised."""
    from advrl.gail.vecnormalize_pkl import read_vecnormalize

    policy_path = Path(policy_path)
    npz = obs_norm_path(policy_path)
    if npz.is_file():
        try:
            norm = ObsNormalizer.load(npz)
        except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile) as exc:
            raise UserError(f"{npz}: not an observation-normalisation file ({type(exc).__name__}: {exc})") from None
        norm.check(obs_shape)
        return norm
    folders = _zoo_folders(policy_path)
    found = [folder / "vecnormalize.pkl" for folder in folders if (folder / "vecnormalize.pkl").is_file()]
    checkpoint = CHECKPOINT_NAME.fullmatch(policy_path.stem)
    own = policy_path.parent / f"{checkpoint.group(1)}_vecnormalize_{checkpoint.group(2)}_steps.pkl" if checkpoint else None
    if own is not None and own.is_file():
        found.insert(0, own)
    elif len(found) > 1 and all(p.parent not in folders[:2] for p in found):
        raise UserError(f"{policy_path}: several sub-folders hold a vecnormalize.pkl ("
                        f"{', '.join(str(p.parent.name) for p in found)}); put the one this policy was trained with "
                        "beside the zip")
    if found:
        stats = read_vecnormalize(found[0], obs_shape)
        return None if stats is None else ObsNormalizer(**stats, source=str(found[0]))
    for config in (folder / "config.yml" for folder in folders):
        if _zoo_config_normalizes(config):
            raise UserError(f"{policy_path}: {config} says it was trained with observation normalisation, but no "
                            f"vecnormalize.pkl (beside the zip or in {policy_path.stem}/) nor {npz.name} holds the "
                            "statistics")
    return None


def _zoo_config_normalizes(config: Path) -> bool:
    """Whether an rl-zoo ``config.yml`` (an OrderedDict of (key, value) pairs) asks for ``normalize``;
    read with a safe YAML loader that only knows that one Python tag."""
    import yaml

    if not config.is_file():
        return False

    class _ZooLoader(yaml.SafeLoader):
        pass

    _ZooLoader.add_constructor("tag:yaml.org,2002:python/object/apply:collections.OrderedDict",
                               lambda loader, node: dict(loader.construct_sequence(node.value[0], deep=True)))
    try:
        settings = yaml.load(config.read_text(), Loader=_ZooLoader)
    except yaml.YAMLError:
        return False
    value = settings.get("normalize", False) if isinstance(settings, dict) else False
    return value not in (False, "false", "False", None)
