"""``--help`` that shows every default, read from the config dataclass only when
help is printed (so ``advrl --help`` imports no torch)."""

from __future__ import annotations

import argparse
import importlib
from dataclasses import MISSING, fields
from typing import Any


class DefaultsFormatter(argparse.HelpFormatter):
    """Appends ``(default: X)`` to each option's help: X from the config field the
    option is tied to (:func:`from_config`), else the option's own default."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        source = getattr(action, "config_field", None)
        if source is not None:
            return f"{text} (default: {config_default(*source)})".replace("%", "%%")
        if all(action.default is not v for v in (None, False, argparse.SUPPRESS)) and "%(default)" not in text \
                and action.option_strings:
            return f"{text} (default: %(default)s)"
        return text


def config_default(target: str, name: str) -> Any:
    """The default of field ``name`` of the dataclass ``"module:Class"``."""
    module, cls = target.split(":")
    field = {f.name: f for f in fields(getattr(importlib.import_module(module), cls))}[name]
    return field.default if field.default is not MISSING else field.default_factory()


def from_config(action: argparse.Action, target: str, name: str) -> argparse.Action:
    """Tie ``action`` (whose own default is ``None``) to ``target``'s field ``name``."""
    action.config_field = (target, name)
    return action


__all__ = ["DefaultsFormatter", "config_default", "from_config"]
