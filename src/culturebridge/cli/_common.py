"""What every command shares: the consoles, JSON output, progress bars and error handling."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from culturebridge.errors import UserError
from culturebridge.privacy import Released

PIPE_WIDTH = 160
"""Columns of output that goes to a file or a pipe (Rich would assume 80 and cut tables); a
COLUMNS variable still wins."""


def _width(stream: Any) -> int | None:
    if os.environ.get("COLUMNS") or stream.isatty():
        return None  # Rich measures the terminal or reads COLUMNS
    return PIPE_WIDTH


console = Console(width=_width(sys.stdout))
err_console = Console(stderr=True, width=_width(sys.stderr))

P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


def print_released(out: Released[M], view: Callable[[M], Any] | None = None) -> None:
    """The printer of a result about users: only a released one, as JSON (the whole result,
    or `view` of it)."""
    print_json(view(out.value) if view else out.value.model_dump(mode="json"))


def fail(message: str, code: int = 2) -> None:
    """One clear line on stderr and a non-zero exit: what a user mistake gets."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn the errors a user can fix into one line and an exit code, never a traceback."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except UserError as exc:
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            fail("interrupted; the workspace is unchanged by the unfinished step", 130)
        except MemoryError:
            fail("out of memory; lower CULTUREBRIDGE_INGEST__BATCH_ROWS or the input size", 3)
        except Exception as exc:  # a bug, not a user mistake: say so in one line
            if os.environ.get("CULTUREBRIDGE_DEBUG"):
                raise
            fail(
                f"internal error ({type(exc).__name__}: {exc}); "
                "rerun with CULTUREBRIDGE_DEBUG=1 for the traceback",
                1,
            )
        raise AssertionError("unreachable")

    return wrapper


def running(fn: Callable[[], T], what: str, quiet: bool) -> T:
    """Run `fn` with a spinner on a terminal (long work: a big workspace's query, learning a
    game's settings); plain when `quiet` or stderr is not a terminal."""
    if quiet or not sys.stderr.isatty():
        return fn()
    with err_console.status(f"{what}…"):
        return fn()


@contextmanager
def progress_bar(
    enabled: bool, *, bytes_mode: bool = False
) -> Iterator[Callable[[str, int, int], None]]:
    """A Rich progress bar fed by `update(stage, done, total)`; a no-op when disabled (e.g.
    `--json` or a non-terminal stdout), so machine output stays clean."""
    if not enabled:
        yield lambda stage, done, total: None
        return
    columns: list[Any] = [TextColumn("[bold]{task.description:<10}"), BarColumn()]
    columns += (
        [DownloadColumn()] if bytes_mode else [TextColumn("{task.completed:,}/{task.total:,}")]
    )
    columns += [TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=err_console, transient=True) as prog:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = prog.add_task(stage, total=max(total, 1))
            prog.update(tasks[stage], completed=done, total=max(total, 1))

        yield update
