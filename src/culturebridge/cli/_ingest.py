"""`ingest`: bring files into a workspace through validation and pseudonymisation."""

from __future__ import annotations

import itertools
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from culturebridge.cli._common import (
    console,
    err_console,
    handle_errors,
    print_json,
    progress_bar,
)
from culturebridge.errors import UserError
from culturebridge.ingest import IngestResult, Mapping
from culturebridge.ingest import ingest as run_ingest
from culturebridge.workspace import Workspace

if TYPE_CHECKING:
    from culturebridge.caches import Warmed

FORMATS = ("auto", "csv", "tsv", "jsonl", "parquet")
ENCODINGS = ("auto", "utf-8", "gb18030", "latin-1")


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)


@handle_errors
def ingest(
    directory: Annotated[Path, typer.Argument(help="Workspace folder.")],
    files: Annotated[
        list[Path], typer.Argument(help="Files to ingest (.gz is read transparently).")
    ],
    table: Annotated[str, typer.Option("--table", "-t", help="Canonical table to fill.")],
    mapping: Annotated[
        Path | None, typer.Option(help="TOML mapping from source columns to canonical ones.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="auto|csv|tsv|jsonl|parquet")] = "auto",
    encoding: Annotated[str, typer.Option(help="auto|utf-8|gb18030|latin-1")] = "auto",
    earliest: Annotated[
        str | None,
        typer.Option(
            help="YYYY-MM-DD: reject timestamps before this day (default: the mapping's "
            "`earliest`, else the workspace's, 2000-01-01 unless set).",
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Ingest FILES into TABLE: validated, pseudonymised, deduplicated and committed atomically.

    Rows that fail validation go to DIR/rejects/ with file, line, raw text and reason.
    Counts always add up: read = accepted + rejected + duplicates. When every row is rejected
    the command exits 1 (after writing the counts and the rejects).
    """
    if fmt not in FORMATS:
        raise UserError(f"unknown format {fmt!r} (use {'|'.join(FORMATS)})")
    if encoding not in ENCODINGS:
        raise UserError(f"unknown encoding {encoding!r} (use {'|'.join(ENCODINGS)})")
    floor = None
    if earliest is not None:
        try:
            floor = date.fromisoformat(earliest)
        except ValueError:
            raise UserError(f"--earliest {earliest!r} is not a date (YYYY-MM-DD)") from None
    ws = Workspace.open(directory)
    m = Mapping.load(mapping) if mapping else None
    with progress_bar(not json_out and sys.stderr.isatty(), bytes_mode=True) as update:
        result = run_ingest(
            ws,
            table,
            files,
            mapping=m,
            format=fmt,
            encoding=encoding,
            progress=update,
            earliest=floor,
        )
    warmed = _warm(ws, result, show=not json_out and sys.stderr.isatty())
    if json_out:
        print_json({**result.to_dict(), "caches": [w.__dict__ for w in warmed]})
        _fail_if_all_rejected(result)
        return
    console.print(
        f"[bold]{result.table}[/]: read {result.read:,} = accepted {result.accepted:,} "
        f"+ rejected {result.rejected:,} + duplicates {result.duplicates:,} "
        f"in {result.duration_s:.2f}s"
    )
    for f in result.files:
        console.print(
            f"  {f.file}: {f.format}, {f.encoding}; read {f.read:,}, accepted "
            f"{f.accepted:,}, rejected {f.rejected:,}, duplicates {f.duplicates:,}"
        )
    for name, cols in result.ignored_columns.items():
        console.print(f"  [dim]{Path(name).name}: columns not mapped: {', '.join(cols)}[/]")
    if result.quality is not None:
        for w in result.quality.warnings:
            console.print(f"  [yellow]warning[/] {w}", highlight=False)
    for c in warmed:
        what = f"skipped: {c.skipped}" if c.skipped else f"{c.entries:,} ready"
        console.print(f"  [dim]cache {c.cache}: {what}[/]", highlight=False)
    if result.rejects_file:
        path = ws.root / result.rejects_file
        console.print(f"  rejected rows and reasons: {path}")
        with path.open(encoding="utf-8") as fh:
            for line in itertools.islice(fh, 3):
                r = json.loads(line)
                console.print(f"    line {r['line']}: {r['reason']}", highlight=False)
    _fail_if_all_rejected(result)


def _warm(ws: Workspace, result: IngestResult, *, show: bool) -> list[Warmed]:
    """Fill the caches this ingest may have left behind (post tags, item embeddings), so that
    the first question after it does not pay for them."""
    if not result.accepted:
        return []
    from culturebridge.caches import warm_caches

    with progress_bar(show) as update:
        return warm_caches(ws, [result.table], update)


def _fail_if_all_rejected(result: IngestResult) -> None:
    """A file whose every row was rejected is a failed ingest: a nightly script must notice
    (exit 1, one line on stderr; the counts and the rejects file are written all the same)."""
    if result.read > 0 and result.rejected == result.read:
        # one line whatever the terminal's width (a script greps it)
        err_console.print(
            f"error: every row was rejected ({result.rejected:,}): check the mapping and "
            f"--format; reasons in {result.rejects_file}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(code=1)
