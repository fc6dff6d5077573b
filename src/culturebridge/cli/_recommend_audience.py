"""Placeholder until the planning command lands."""

from __future__ import annotations

import typer


def register(group: typer.Typer) -> None:
    pass
