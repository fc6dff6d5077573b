"""The `culturebridge` command: one module per command group, each imported only when one of its
commands runs, so that `culturebridge --help` starts in a fraction of a second (see `_index`)."""

from __future__ import annotations

import functools
import importlib
from typing import Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

from culturebridge.cli._index import COMMANDS


@functools.cache
def _module_group(module: str) -> TyperGroup:
    """The commands one module registers, built the first time one of them is needed."""
    sub = typer.Typer(pretty_exceptions_enable=False, add_completion=False)
    sub.callback()(lambda: None)
    importlib.import_module(f"culturebridge.cli.{module}").register(sub)
    return typer.main.get_group(sub)


def load_command(name: str) -> Any:
    """The real command `name` (its module imported)."""
    command = _module_group(COMMANDS[name][0]).commands.get(name)
    if command is None:  # the index names a command its module does not register
        raise RuntimeError(f"cli._index is out of date: {name!r}; regenerate it")
    return command


class _LazyGroup(TyperGroup):
    """Lists commands from the index, and loads a command's module only to run it or show its
    own help: the listing in `culturebridge --help` imports no analytics, models or data."""

    _resolving = False

    # (Typer vendors its own click: its types are spelled Any here rather than imported)
    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        if self._resolving:
            return load_command(cmd_name)
        return TyperCommand(cmd_name, help=COMMANDS[cmd_name][1])  # what the listing shows

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        self._resolving = True
        try:
            return super().resolve_command(ctx, args)
        finally:
            self._resolving = False


app = typer.Typer(
    name="culturebridge",
    help="Audience intelligence for cross-border creative content: ingest audience data safely, "
    "then ask who the audience is and what it prefers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=_LazyGroup,
)


@app.callback()
def _root() -> None:
    pass


def main(*args: Any) -> None:
    app()


__all__ = ["app", "load_command", "main"]
