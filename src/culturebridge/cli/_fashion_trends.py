"""`fashion trends`: a segment's fashion preferences and movers, and the designer report.

`culturebridge fashion trends DIR --segment S --period week [--json] [--report OUT.html]
[--source catalogue,posts,images]` prints, per source and attribute, each value's share in the
segment, its lift against the baseline, its growth per period, the direction (Mann–Kendall,
BH-adjusted) and a sparkline; `--json` prints the whole typed result (it round-trips to
`FashionTrendsResult`), with the guard's notes on stderr. The image source is used when the
image tagger is installed and the workspace has tagged product images; otherwise it is left
out with a note.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import pyarrow as pa
import typer
from rich import box
from rich.table import Table as RichTable
from rich.text import Text

from culturebridge.cli._analytics import (
    BackendOpt,
    Dir,
    ExplainOpt,
    FromOpt,
    JsonOpt,
    Options,
    PartnerOpt,
    PeriodOpt,
    SegmentOpt,
    ToOpt,
    fmt,
    fmt_lift,
    open_analysis,
    sparkline,
)
from culturebridge.cli._common import (
    console,
    err_console,
    handle_errors,
    print_released,
    running,
)
from culturebridge.errors import UserError
from culturebridge.fashion import (
    ATTRIBUTES,
    IMAGES,
    SOURCES,
    FashionTrendRow,
    FashionTrendsConfig,
    FashionTrendsResult,
    fashion_trends,
    per_period,
)
from culturebridge.query import ALL
from culturebridge.workspace import Workspace


def register(group: typer.Typer) -> None:
    group.command("trends")(trends_cmd)


def _split(text: str, flag: str, allowed: tuple[str, ...] | None = None) -> list[str]:
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values:
        raise UserError(f"{flag} needs at least one name")
    if allowed is not None:
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise UserError(f"{flag}: unknown {', '.join(unknown)} (use {', '.join(allowed)})")
    return list(dict.fromkeys(values))


def image_attributes(ws: Workspace) -> tuple[pa.Table | None, str | None]:
    """The workspace's image-derived item attributes, or None and why they are missing."""
    from culturebridge.fashion import workspace_image_attributes

    try:  # a UserError also when the fashion extra (torch) is not installed
        table = workspace_image_attributes(ws)
    except (UserError, OSError) as exc:
        return None, f"no image attributes ({exc})"
    if table is None or table.num_rows == 0:
        return None, "no tagged product images in this workspace"
    return table, None


@handle_errors
def trends_cmd(
    directory: Dir,
    segment: SegmentOpt,
    period: PeriodOpt = "week",
    vs: Annotated[
        str,
        typer.Option(
            "--vs",
            help="Baseline of the lift: `all` (everyone, as `prefs`), `rest` (everyone else) "
            "or a segment.",
        ),
    ] = ALL,
    source: Annotated[
        str,
        typer.Option(
            "--source",
            help="Comma-separated sources: catalogue (item attributes × events), posts "
            "(attributes named in posts), images (attributes seen in product images).",
        ),
    ] = ",".join(SOURCES),
    attributes: Annotated[
        str, typer.Option("--attributes", help="Comma-separated catalogue attributes.")
    ] = ",".join(ATTRIBUTES),
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Also write the designer report (self-contained HTML)."),
    ] = None,
    horizon: Annotated[
        int,
        typer.Option("--horizon", min=0, max=52, help="Periods to forecast for each moving value."),
    ] = 0,
    top: Annotated[
        int, typer.Option("--top", min=1, help="Rows per source × attribute in the table.")
    ] = 12,
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    partner: PartnerOpt = None,
    backend: BackendOpt = None,
    explain: ExplainOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Fashion preferences and trends of a segment, per attribute value and source.

    Share: the value's part of the segment's engagement with fashion items that have the
    attribute (posts: of its posts naming the attribute). Lift: against the baseline, with a
    user-clustered interval and Benjamini–Hochberg. Trend: Mann–Kendall per period (BH);
    growth: log-linear rate per period, so (1 + g)^(periods − 1) is the last/first ratio.
    """
    if period not in ("day", "week", "month"):
        raise UserError(f"--period must be day, week or month, not {period!r}")
    sources = _split(source, "--source", SOURCES)
    keys = _split(attributes, "--attributes")
    opts = Options(backend, partner, None, explain, period_from, period_to)
    examples = None
    with open_analysis(directory, opts) as a:
        table = None
        unavailable: dict[str, str] = {}
        if IMAGES in sources:
            table, why = running(
                lambda: image_attributes(a.ws), "reading product image attributes", json_out
            )
            if why is not None:
                unavailable[IMAGES] = why
        result = running(
            lambda: fashion_trends(
                a,
                segment=segment,
                period=period,  # type: ignore[arg-type]
                vs=vs,
                attributes=keys,
                sources=sources,
                item_attributes=table,
                unavailable=unavailable,
                config=FashionTrendsConfig(horizon=horizon),
            ),
            "computing fashion trends",
            json_out,
        )
        if report is not None:
            from culturebridge.reports import example_items

            examples = running(
                lambda: example_items(a, result, item_attributes=table),
                "choosing example products",
                json_out,
            )
        root, name = a.ws.root, a.ws.config.name
        out = a.publish(result)
    written = None
    if report is not None:
        from culturebridge.reports import write_designer_report

        written = running(
            # the report travels: it names the workspace, never the server's folders
            lambda: write_designer_report(
                out, report, examples=examples, root=root, workspace=name
            ),
            "writing the designer report",
            json_out,
        )
    notes = [f"privacy ({n.what}): {n.report.note()}" for n in result.privacy]
    notes += [f"left out: {s}" for s in result.skipped]
    if written is not None:
        notes.append(f"designer report: {written}")
    if json_out:
        print_released(out)
        for note in notes:
            err_console.print(note, highlight=False, markup=False)
        for s in result.sql:
            err_console.print(s, markup=False, highlight=False, soft_wrap=True)
        return
    _draw(result, top)
    for note in notes:
        console.print(Text(note, style="dim"))
    for s in result.sql:
        console.print("\n[bold]-- SQL[/]")
        console.print(s, markup=False, highlight=False, soft_wrap=True)


SPARK_WIDTH = 13
"""Characters of a sparkline: longer series are averaged into this many buckets."""


def _spark(points: list[float | None]) -> str:
    """The sparkline of a share series, averaged into at most SPARK_WIDTH buckets (a suppressed
    bucket stays blank: its periods are not drawn as zero)."""
    if len(points) <= SPARK_WIDTH:
        return sparkline(points)
    edges = np.linspace(0, len(points), SPARK_WIDTH + 1).round().astype(int)
    buckets: list[float | None] = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        part = points[lo:hi]
        known = [v for v in part if v is not None]
        buckets.append(sum(known) / len(known) if known and len(known) == len(part) else None)
    return sparkline(buckets)


def _draw(result: FashionTrendsResult, top: int) -> None:
    first = result.periods[0].isoformat() if result.periods else "—"
    last = result.periods[-1].isoformat() if result.periods else "—"
    t = RichTable(
        "value",
        "source",
        "share",
        "lift",
        f"/{result.period}",
        "direction",
        "trend",
        box=box.SIMPLE_HEAD,
        title=f"Fashion trends: {result.segment_label}, per {result.period} ({first} – {last})",
        title_justify="left",
        caption=(
            f"{result.segment}: {result.segment_definition}. Baseline: "
            f"{result.baseline_definition}. Share: of the segment's engagement with fashion "
            "items that have the attribute. Lift ▲/▼ and direction: significant at BH "
            f"{result.alpha:g}. /{result.period}: log-linear growth. More rows: --top or "
            "--json."
        ),
        caption_justify="left",
    )
    for c in t.columns[2:5]:
        c.justify = "right"
    t.columns[5].no_wrap = True
    t.columns[6].no_wrap = True
    for src, attr in [(g.source, g.attribute) for g in result.groups]:
        rows = result.select(source=src, attribute=attr)
        shown = [r for r in rows if r.notable] + [r for r in rows if not r.notable]
        shown = sorted(shown[: max(top, sum(r.notable for r in rows))], key=rows.index)
        more = len(rows) - len(shown)
        t.add_row(Text(attr, style="bold"), Text(src, style="dim"))
        for i, r in enumerate(shown):
            t.add_row(*_cells(r, result.period), end_section=i == len(shown) - 1 and not more)
        if more:
            t.add_row(Text(f"… {more} more", style="dim"), end_section=True)
    console.print(t)
    for sentence in result.highlights()[:10]:
        console.print(Text(f"• {sentence}"))


def _cells(r: FashionTrendRow, period: str) -> list[Text | str]:
    p = r.preference
    mark = ""
    if p.significant and p.lift is not None:
        mark = " ▲" if p.lift > 1 else " ▼"
    lift_style = "green" if mark == " ▲" else "red" if mark == " ▼" else ""
    direction = {"rising": "▲ rising", "falling": "▼ falling", "flat": "flat"}[r.direction]
    dir_style = {"rising": "green", "falling": "red", "flat": ""}[r.direction]
    growth = "—" if r.growth.rate is None else per_period(r.growth.rate, period).split("/")[0]
    points = [pt.share for pt in r.trend.points] if r.trend is not None else []
    label = r.value + (f" {r.label_zh}" if r.label_zh else "")
    lift = "< k" if r.suppressed else fmt_lift(p.lift, mark)
    return [
        Text(label),
        r.source,
        "< k" if r.suppressed else fmt(p.segment_share, ".1%"),
        Text(lift, style=lift_style),
        growth,
        Text(direction, style=dir_style),
        _spark(points),
    ]
