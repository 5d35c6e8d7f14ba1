"""The one user-error type: raised where user input enters (flags, files, env ids)."""

from __future__ import annotations


class UserError(ValueError):
    """Bad user input (a flag, a file, an env id). The CLI prints it as one line
    ``advrl: error: ...`` and exits 2; anything else is a bug and keeps its traceback.

    A ``ValueError`` subclass, so library callers that catch ``ValueError`` still do.
    """


def first_line(exc: BaseException) -> str:
    """The first non-blank line of an exception's message (its type when it has none):
    library errors (torch, SB3) often add multi-line advice that is not for the user."""
    return next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)


__all__ = ["UserError", "first_line"]
