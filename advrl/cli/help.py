"""What every ``advrl`` command shares: options that pass ``None`` through to a config
dataclass (the one place each default lives), and ``--help`` that shows every
default — read from the dataclasses only when help is printed, so ``advrl --help``
imports no torch."""

from __future__ import annotations

import argparse
import functools
from dataclasses import MISSING, fields, replace
from typing import Any, Callable, TypeVar

C = TypeVar("C")


def config_help(describe: Callable[[], dict[str, str]] = dict) -> type[argparse.HelpFormatter]:
    """A help formatter appending ``(default: ...)``: for a pass-through option (default
    ``None``) the text ``describe()`` gives for its ``dest`` (``describe`` runs only when
    help is shown), for any other option its own default."""
    describe = functools.cache(describe)

    class ConfigDefaults(argparse.HelpFormatter):
        def _get_help_string(self, action: argparse.Action) -> str:
            text = action.help or ""
            if action.default is None:
                shown = describe().get(action.dest)
                return text if shown is None else f"{text} (default: {shown.replace('%', '%%')})".lstrip()
            if any(action.default is v for v in (False, True, argparse.SUPPRESS)) or not action.option_strings:
                return text
            return f"{text} (default: %(default)s)"

    return ConfigDefaults


DefaultsFormatter = config_help()


def _shown(values: dict[str, Any]) -> dict[str, str]:
    """Defaults as help text; ``None`` and booleans are left out (their flags say what they do)."""
    shown = {k: v for k, v in values.items() if v is not None and not isinstance(v, bool)}
    return {k: ",".join(map(str, v)) if isinstance(v, (tuple, list)) else str(v) for k, v in shown.items()}


def field_defaults(cls: type) -> dict[str, str]:
    """``{field: default as help text}`` of a dataclass *class* (no instance needed)."""
    values = {f.name: f.default if f.default is not MISSING else
              (f.default_factory() if f.default_factory is not MISSING else None) for f in fields(cls)}
    return _shown(values)


def describe_defaults(config: Any) -> dict[str, str]:
    """``{field: default as help text}`` for the fields of ``config`` and its ``loop`` (the config's own win)."""
    values = {f.name: getattr(config.loop, f.name) for f in fields(config.loop)} if hasattr(config, "loop") else {}
    values.update({f.name: getattr(config, f.name) for f in fields(config) if f.name != "loop"})
    return _shown(values)


def config_from_args(config: C, args: argparse.Namespace, **parsed: Any) -> C:
    """``config`` with each option the user gave (not ``None``; ``parsed`` overrides ``args``) set on
    the field of the same name, of the config or of its ``loop``. A new config; the rest keeps its default."""
    given = {k: v for k, v in {**vars(args), **parsed}.items() if v is not None}
    own = {f.name for f in fields(config)} - {"loop"}  # type: ignore[arg-type]
    if not hasattr(config, "loop"):
        return replace(config, **{k: v for k, v in given.items() if k in own})  # type: ignore[type-var]
    on_loop = {f.name for f in fields(config.loop)} - own  # type: ignore[attr-defined]
    loop = replace(config.loop, **{k: v for k, v in given.items() if k in on_loop})  # type: ignore[attr-defined]
    return replace(config, loop=loop, **{k: v for k, v in given.items() if k in own})  # type: ignore[type-var]


__all__ = ["DefaultsFormatter", "config_from_args", "config_help", "describe_defaults", "field_defaults"]
