"""``advrl`` — one entry point, one module per family.

Each module ``advrl.cli.<name>`` defines ``register(subparsers)`` which adds its
sub-command and sets ``func`` on the parser; heavy imports happen inside the
handlers so ``advrl --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import math
import signal
import sys
import threading

COMMAND_MODULES = ["gan", "demos", "expert", "gail", "airl", "dialogue"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="advrl", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"advrl.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"advrl.cli.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    main_thread = threading.current_thread() is threading.main_thread()
    # SIGTERM is Ctrl-C for every command (training loops then checkpoint before stopping)
    previous = signal.signal(signal.SIGTERM, _raise_interrupt) if main_thread else None
    try:
        # after parsing: `--help` never imports torch; Ctrl-C during these imports is one line too
        from advrl.core.errors import UserError
        from advrl.core.interrupts import TrainingInterrupted

        try:
            _check_values(parser, args)
            result = args.func(args)
        except (UserError, OSError, FloatingPointError) as exc:  # OS errors name their file
            print(f"advrl: error: {_one_line(exc)}", file=sys.stderr)
            return 2
        except TrainingInterrupted as exc:
            more = "; continue with --resume" if exc.path else ""
            print(f"advrl: interrupted: {exc}{more}", file=sys.stderr)
            return 130
    except KeyboardInterrupt:
        print("advrl: interrupted (outside a training loop: nothing was in progress to save)", file=sys.stderr)
        return 130
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    return int(result or 0)


def _leaf_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The sub-command's own parser (``advrl COMMAND [VERB]``) that parsed ``args``."""
    for key in ("command", "verb"):
        sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
        if sub is None or getattr(args, key, None) not in sub.choices:
            break
        parser = sub.choices[getattr(args, key)]
    return parser


def _check_values(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """What every command refuses in one line: a NaN or infinite number, a seed gymnasium and NumPy
    would not take, an empty ``--out`` (an unset shell variable: it would write nowhere, or here)."""
    from advrl.core import UserError, check_out, check_seed

    for action in _leaf_parser(parser, args)._actions:
        if not action.option_strings:
            continue
        flag, value = max(action.option_strings, key=len), getattr(args, action.dest, None)
        if isinstance(value, float) and not math.isfinite(value):
            raise UserError(f"{flag} must be a finite number, got {value}")
        if action.dest.endswith("seed") and isinstance(value, int):
            check_seed(value, flag)
        if action.dest == "out" and isinstance(value, str):
            check_out(value, flag)


def _raise_interrupt(signum, frame):  # noqa: ARG001
    raise KeyboardInterrupt


def _one_line(exc: BaseException) -> str:
    """An error as one line (OS errors name their file)."""
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
