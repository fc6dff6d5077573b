"""Errors a user can fix. The CLI prints these as one line and exits non-zero, never a traceback."""

from __future__ import annotations


class UserError(ValueError):
    """A problem with the user's input, files or workspace, stated so that they can fix it."""

    exit_code: int = 2
