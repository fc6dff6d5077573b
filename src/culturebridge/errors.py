"""Errors a user can fix. The CLI prints these as one line and exits non-zero, never a traceback."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


class UserError(ValueError):
    """A problem with the user's input, files or workspace, stated so that they can fix it."""

    exit_code: int = 2


def validation_message(source: object, exc: Exception) -> str:
    """One line for a pydantic ValidationError: where (file and key path) and what is wrong."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        return f"{source}: {loc}: {first['msg']}"
    return f"{source}: {exc}"


def read_toml(path: Path, missing: str) -> dict[str, Any]:
    """A TOML file as a dict; a UserError saying `missing` when absent, or what is broken."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(missing) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: invalid TOML: {exc}") from None
