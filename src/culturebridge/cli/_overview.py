"""`overview`: the strongest findings of a workspace, printed and written as one HTML report.

The command runs the analyses once (`reports.build_overview`), prints the findings as a short
numbered list and writes the self-contained report. With `--json`, stdout holds only the
findings as a JSON list; the report's path and the privacy summary go to stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from culturebridge.cli._analytics import Dir, JsonOpt, PartnerOpt
from culturebridge.cli._common import (
    console,
    err_console,
    handle_errors,
    print_released,
    running,
)
from culturebridge.errors import UserError
from culturebridge.query import Analysis
from culturebridge.reports import Overview, build_overview, write_overview
from culturebridge.workspace import Workspace


def register(app: typer.Typer) -> None:
    app.command("overview")(overview)


@handle_errors
def overview(
    directory: Dir,
    json_out: JsonOpt = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Where to write the HTML report (default: DIR/reports/overview.html).",
        ),
    ] = None,
    partner: PartnerOpt = None,
    top: Annotated[int, typer.Option("--top", "-n", min=1, help="Findings to show.")] = 8,
) -> None:
    """The strongest findings (segment preferences, rising and falling values, the most skewed
    item audience) and a self-contained HTML report with their charts.

    Scans the demographic segments against all users by kind, genre, style, colour, pattern and
    item, with weekly trends; every figure passes the privacy guard (k-anonymity) first.
    """
    ws = Workspace.open(directory)
    if output is not None and output.suffix.lower() not in (".html", ".htm", ""):
        raise UserError(f"--output: expected an .html file or a folder, not {output}")
    with Analysis.open(ws, partner=partner) as a:
        out = a.publish(
            running(lambda: build_overview(a, n=top), "scanning the workspace", json_out)
        )
    path = write_overview(ws, out, path=output)
    result = out.value
    if json_out:
        print_released(out, lambda o: [f.model_dump(mode="json") for f in o.findings])
        err_console.print(f"report: {path}", markup=False, highlight=False, soft_wrap=True)
        return
    _print(result, path)


def _print(result: Overview, path: Path) -> None:
    s = result.scope
    console.print(
        Text.assemble(
            ("Strongest findings", "bold"),
            f" in {result.workspace} (reference date {s.reference_date.isoformat()}, "
            + (f"partner {s.partner}, " if s.partner else "")
            + f"k={s.k}; {result.elapsed_s:g} s)",
        )
    )
    if not result.findings:
        console.print(
            Text(
                "  No finding passed the tests (significant after Benjamini–Hochberg, "
                "lift interval above 1); the report shows the charts.",
                style="dim",
            )
        )
    grid = Table.grid(padding=(0, 1))
    grid.add_column(justify="right", style="bold")
    grid.add_column()
    for i, f in enumerate(result.findings, 1):
        # Text, not markup: titles and values come from partners' files
        grid.add_row(f"{i}.", Text.assemble(f.headline, (f"  [{f.kind}]", "dim")))
    console.print(grid)
    for skipped in result.skipped:
        console.print(Text(f"not computed: {skipped}", style="dim"))
    suppressed = sum(1 for n in result.privacy if "suppressed" in n.note)
    plural = "s" if len(result.privacy) != 1 else ""
    console.print(
        Text(
            f"privacy: {len(result.privacy)} result{plural} passed the guard (k={s.k}); "
            f"{suppressed} had cells suppressed (details in the report)",
            style="dim",
        )
    )
    console.print(Text.assemble(("Report: ", "bold"), str(path)))
