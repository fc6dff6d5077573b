"""Placeholder: filled in by its owner."""

from __future__ import annotations

import typer


def register(group: typer.Typer) -> None:
    del group
