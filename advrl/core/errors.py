"""The one user-error type: raised where user input enters (flags, files, env ids)."""

from __future__ import annotations


class UserError(ValueError):
    """Bad user input (a flag, a file, an env id). The CLI prints it as one line
    ``advrl: error: ...`` and exits 2; anything else is a bug and keeps its traceback.

    A ``ValueError`` subclass, so library callers that catch ``ValueError`` still do.
    """


__all__ = ["UserError"]
