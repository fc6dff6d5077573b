"""`segments`: the named audience segments of a workspace, with their sizes."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table as RichTable
from rich.text import Text

from culturebridge.cli._common import console, handle_errors, print_json
from culturebridge.errors import UserError
from culturebridge.query import (
    SEGMENTS_FILE,
    Analysis,
    SegmentSize,
    load_segments,
    released_sizes,
    segment_from_flags,
    segment_sql,
)
from culturebridge.workspace import Workspace

ListOpt = list[str] | None


def register(app: typer.Typer) -> None:
    app.command("segments")(segments)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"--reference-date: expected YYYY-MM-DD, not {text!r}") from None


@handle_errors
def segments(
    directory: Annotated[Path, typer.Argument(help="Workspace folder.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
    ref_text: Annotated[
        str | None,
        typer.Option(
            "--reference-date",
            metavar="YYYY-MM-DD",
            help="Date that ages and 'last N days' are measured from (default: latest event).",
        ),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Also show the SQL each segment runs.")
    ] = False,
    name: Annotated[
        str, typer.Option("--name", help="Name of the ad-hoc segment built from the flags.")
    ] = "custom",
    age: Annotated[
        str | None, typer.Option("--age", help="Ad-hoc: age band, e.g. 18-24, 45+ or 30.")
    ] = None,
    gender: Annotated[
        ListOpt, typer.Option("--gender", help="Ad-hoc: gender(s), repeatable or a,b.")
    ] = None,
    province: Annotated[ListOpt, typer.Option("--province", help="Ad-hoc: province(s).")] = None,
    tier: Annotated[
        ListOpt, typer.Option("--tier", help="Ad-hoc: city tier(s), e.g. 1 or 3-4.")
    ] = (None),
    platform: Annotated[ListOpt, typer.Option("--platform", help="Ad-hoc: platform(s).")] = None,
    did: Annotated[
        ListOpt,
        typer.Option(
            "--did",
            metavar="TYPES[:KINDS][:Nd][:N+]",
            help="Ad-hoc: behaviour, e.g. play:game:30d or purchase:fashion:2+ (repeatable).",
        ),
    ] = None,
    in_: Annotated[
        ListOpt, typer.Option("--in", help="Ad-hoc: also in these named segments.")
    ] = None,
) -> None:
    """List the workspace's audience segments with their sizes and share of all users.

    Built-ins (gen_z, young_adults, tier1, gamers_30d, fashion_buyers, ...) plus those in
    DIR/segments.toml. With --age, --gender, --province, --tier, --platform, --did or --in, only
    the ad-hoc segment those flags define is shown. Counts below the workspace's privacy k are
    suppressed.
    """
    ws = Workspace.open(directory)
    catalogue = load_segments(ws)
    adhoc = any(v for v in (age, gender, province, tier, platform, did, in_))
    names: list[str] | None = None
    if adhoc:
        seg = segment_from_flags(
            name=name,
            description="ad-hoc segment from command-line flags",
            age=age,
            genders=gender,
            provinces=province,
            tiers=tier,
            platforms=platform,
            did=did,
            all_of=in_,
            segments=catalogue,
        )
        catalogue[seg.name] = seg
        names = [seg.name]
    ref = _parse_date(ref_text) if ref_text else None
    with Analysis.open(ws, segments=catalogue, ref=ref) as a:
        ref = a.ref
        out = released_sizes(a, names)
        sizes = out.value
        sql = (
            {s.name: segment_sql(a.con, s.name, segments=catalogue, ref=ref) for s in sizes}
            if explain
            else {}
        )
    k = out.reports[0].k
    if json_out:
        rows: list[dict[str, Any]] = []
        for s in sizes:
            row = s.model_dump(mode="json")
            if explain:
                row["sql"] = sql[s.name]
            rows.append(row)
        print_json(rows)
        return
    _print_table(ws, sizes, ref, k, adhoc)
    for s in sizes if explain else ():
        console.print(f"\n[bold]-- {s.name}[/]")
        console.print(sql[s.name], markup=False, highlight=False, soft_wrap=True)


def _print_table(ws: Workspace, sizes: list[SegmentSize], ref: date, k: int, adhoc: bool) -> None:
    custom = ws.root / SEGMENTS_FILE
    source = f"; built-ins and {custom}" if custom.exists() and not adhoc else ""
    table = RichTable(
        "segment",
        "users",
        "share",
        "definition",
        title=f"Segments of {ws.config.name} at {ref.isoformat()}",
        title_justify="left",
        caption=f"age = {ref.year} - birth year; counts below k={k} are suppressed{source}",
        caption_justify="left",
    )
    table.columns[1].justify = "right"
    table.columns[2].justify = "right"
    for s in sizes:
        # Text, not markup: names, descriptions and provinces come from users' files
        label = Text(s.name, style="bold")
        if s.description:
            label.append("\n" + s.description, style="dim")
        users = f"< {k}" if s.suppressed or s.users is None else f"{s.users:,}"
        share = "" if s.share_of_users is None else f"{s.share_of_users:.1%}"
        table.add_row(label, users, share, Text(s.definition))
    console.print(table)
