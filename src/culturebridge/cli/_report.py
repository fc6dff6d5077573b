"""`report`: one partner's self-contained HTML report (and PDF), written and audited.

    culturebridge report DIR --partner P --output report.html [--lang zh] [--pdf] [--json]

`--partner platform` is the platform's analysts (every partner's items); any other partner sees
item-level figures for its own items only, as with `--partner` elsewhere. The analyses run once
(`reports.build_partner_report`) with a Rich status line per step; the file is written
atomically and logged to DIR/audit/audit.jsonl. With `--json`, stdout holds only
{html, pdf, sections, sha256}.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from culturebridge.cli._analytics import Dir, JsonOpt
from culturebridge.cli._common import console, err_console, handle_errors, print_json
from culturebridge.errors import UserError


def register(app: typer.Typer) -> None:
    app.command("report")(report)


@handle_errors
def report(
    directory: Dir,
    partner: Annotated[
        str,
        typer.Option(
            "--partner",
            "-p",
            help="Partner id (see the partners table), or `platform` for every partner's items.",
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the HTML report (.html).")
    ],
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Also print a PDF next to the HTML (headless Chromium).")
    ] = False,
    pdf_output: Annotated[
        Path | None, typer.Option("--pdf-output", help="Where to write the PDF (implies --pdf).")
    ] = None,
    top: Annotated[int, typer.Option("--top", "-n", min=1, help="Headline findings.")] = 8,
    lang: Annotated[
        str,
        typer.Option(
            "--lang", help="en or zh: the report's language (titles in it first, both shown)."
        ),
    ] = "en",
    json_out: JsonOpt = False,
) -> None:
    """What matters to one partner, with charts and how each figure was computed, in one
    self-contained HTML file (opens offline; nothing is fetched), in English or Chinese
    (--lang zh); --pdf prints it to PDF."""
    from culturebridge.reports import (
        build_partner_report,
        open_report_analysis,
        write_partner_report,
    )
    from culturebridge.workspace import Workspace

    if output.suffix.lower() not in (".html", ".htm"):
        raise UserError(f"--output: expected an .html file, not {output}")
    if lang not in ("en", "zh"):
        raise UserError(f"--lang must be en or zh, not {lang!r}")
    if pdf_output is not None and pdf_output.suffix.lower() != ".pdf":
        raise UserError(f"--pdf-output: expected a .pdf file, not {pdf_output}")
    pdf_path = (
        pdf_output if pdf_output is not None else (output.with_suffix(".pdf") if pdf else None)
    )
    ws = Workspace.open(directory)
    show = not json_out and err_console.is_terminal
    with open_report_analysis(ws, partner) as a:
        if show:
            with err_console.status("computing the report…") as status:
                result = build_partner_report(
                    a, n=top, progress=lambda what: status.update(f"computing: {what}…")
                )
        else:
            result = build_partner_report(a, n=top)
        out = a.publish(result)
    if show:
        with err_console.status("writing the report…"):
            written = write_partner_report(ws, out, output, pdf=pdf_path, lang=lang)
    else:
        written = write_partner_report(ws, out, output, pdf=pdf_path, lang=lang)
    if json_out:
        print_json(
            {
                "html": written.html,
                "pdf": written.pdf,
                "sections": written.sections,
                "sha256": written.sha256,
            }
        )
        return
    console.print(
        Text.assemble(
            ("Report", "bold"),
            f" for {result.name_en} ({result.partner}): {len(result.sections)} sections, "
            f"{written.bytes / 1e6:.1f} MB, computed in {result.elapsed_s:g} s",
        )
    )
    console.print(Text("  sections: " + ", ".join(result.sections), style="dim"))
    for key, why in result.omitted.items():
        console.print(Text(f"  left out: {key}: {why}", style="dim"))
    console.print(Text.assemble(("HTML: ", "bold"), written.html))
    if written.pdf:
        console.print(Text.assemble(("PDF: ", "bold"), written.pdf))


__all__ = ["register"]
