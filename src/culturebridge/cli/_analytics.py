"""`prefs`, `trends`, `funnel`, `activity`, `retention`, `audience`: the audience analyses.

Each command opens one `Analysis` (workspace, backend, partner scope, period, privacy), runs one
analysis function, and prints its typed result as a Rich table or, with `--json`, as a list of
rows. The guard's note (what was suppressed or noised) goes with every result: under the table,
or on stderr in JSON mode so that stdout stays machine-readable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NamedTuple, Protocol, TypeVar

import typer
from pydantic import BaseModel
from rich.table import Table as RichTable
from rich.text import Text

from culturebridge.analytics import (
    BREAKDOWN_DIMENSIONS,
    Step,
    TrendRow,
    breakdown,
    funnel,
    item_audience,
    parse_step,
    paths,
    preferences,
    reach,
    retention,
    step_funnel,
    stickiness,
    trends,
)
from culturebridge.cli._common import console, err_console, handle_errors, print_json, running
from culturebridge.config import Backend
from culturebridge.errors import UserError
from culturebridge.privacy import Released
from culturebridge.query import Analysis, ItemTitle, item_titles, titled
from culturebridge.workspace import Workspace

T = TypeVar("T")

Dir = Annotated[Path, typer.Argument(help="Workspace folder.")]
SegmentOpt = Annotated[
    str, typer.Option("--segment", "-s", help="Segment to analyse (see `segments`).")
]
SegmentAllOpt = Annotated[
    str, typer.Option("--segment", "-s", help="Segment (default: all users).")
]
PeriodOpt = Annotated[
    str, typer.Option("--period", help="day, week or month (weeks start Monday).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")]
ExplainOpt = Annotated[bool, typer.Option("--explain", help="Also show the SQL the engine runs.")]
PartnerOpt = Annotated[
    str | None,
    typer.Option(
        "--partner",
        help="Run as this partner: item-level results only for its own items.",
    ),
]
BackendOpt = Annotated[
    Backend | None,
    typer.Option("--backend", help="Query engine (default: the workspace's, usually duckdb)."),
]
EpsilonOpt = Annotated[
    float | None,
    typer.Option(
        "--epsilon",
        min=0.0,
        help="Differential privacy: noise user counts with this epsilon, paid from the "
        "partner's budget (default: the workspace's privacy.epsilon, off when unset).",
    ),
]
FromOpt = Annotated[
    str | None,
    typer.Option("--period-from", metavar="YYYY-MM-DD", help="First day analysed (inclusive)."),
]
ToOpt = Annotated[
    str | None,
    typer.Option("--period-to", metavar="YYYY-MM-DD", help="Last day analysed (inclusive)."),
]
KindOpt = Annotated[
    str | None,
    typer.Option("--kind", help="Only items of this kind (e.g. genres of films: --kind film)."),
]


def register(app: typer.Typer) -> None:
    app.command("prefs")(prefs)
    app.command("trends")(trends_cmd)
    app.command("funnel")(funnel_cmd)
    app.command("reach")(reach_cmd)
    app.command("retention")(retention_cmd)
    app.command("audience")(audience_cmd)
    app.command("breakdown")(breakdown_cmd)
    app.command("paths")(paths_cmd)
    app.command("stickiness")(stickiness_cmd)


def parse_day(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{flag}: expected YYYY-MM-DD, not {text!r}") from None


class Options(NamedTuple):
    """The options every analysis command shares, as given on the command line."""

    backend: Backend | None
    partner: str | None
    epsilon: float | None
    explain: bool
    period_from: str | None
    period_to: str | None


@contextmanager
def open_analysis(directory: Path, opts: Options) -> Iterator[Analysis]:
    if opts.epsilon is not None and opts.epsilon <= 0:
        raise UserError(f"--epsilon must be positive, not {opts.epsilon:g}")
    ws = Workspace.open(directory)
    with Analysis.open(
        ws,
        backend=opts.backend,
        partner=opts.partner,
        epsilon=opts.epsilon,
        explain=opts.explain,
        period_from=parse_day(opts.period_from, "--period-from"),
        period_to=parse_day(opts.period_to, "--period-to"),
    ) as a:
        yield a


class _RowsResult(Protocol):
    @property
    def rows(self) -> Sequence[BaseModel]: ...
    @property
    def sql(self) -> Sequence[str]: ...


def emit(out: Released[_RowsResult], *, json_out: bool, draw: Callable[[], None]) -> None:
    """The printer of a released result: JSON rows on stdout (notes on stderr), or the Rich
    table plus the guard's notes and the SQL."""
    notes, sql = list(dict.fromkeys(out.notes())), out.value.sql
    line = "privacy: " + "; ".join(notes)  # one line, each distinct note once
    if json_out:
        print_json([r.model_dump(mode="json") for r in out.value.rows])
        if notes:
            err_console.print(line, highlight=False, markup=False)
        for s in sql:
            err_console.print(s, markup=False, highlight=False, soft_wrap=True)
        return
    draw()
    if notes:
        console.print(Text(line, style="dim"))
    for s in sql:
        console.print("\n[bold]-- SQL[/]")
        console.print(s, markup=False, highlight=False, soft_wrap=True)


def fmt(x: float | None, spec: str) -> str:
    return "—" if x is None else format(x, spec)


def fmt_p(p: float | None) -> str:
    """A p-value as a reader takes it: a value that underflowed is "< 1e-12", never "0"."""
    if p is None:
        return "—"
    return "< 1e-12" if p < 1e-12 else format(p, ".2g")


def fmt_lift(lift: float | None, mark: str = "") -> str:
    """ "2.54×▲", or "—" for a lift that could not be computed (no "—×")."""
    return "—" if lift is None else f"{lift:.2f}×{mark}"


# ---------------------------------------------------------------------------- prefs


@handle_errors
def prefs(
    directory: Dir,
    segment: SegmentOpt,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="Dimension: kind, genre, partner, item or attributes.KEY (attributes.style).",
        ),
    ],
    vs: Annotated[
        str, typer.Option("--vs", help="Baseline: `all` users or another segment.")
    ] = "all",
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    kind: KindOpt = None,
    partner: PartnerOpt = None,
    backend: BackendOpt = None,
    epsilon: EpsilonOpt = None,
    explain: ExplainOpt = False,
    json_out: JsonOpt = False,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows to show in the table.")] = 30,
) -> None:
    """What a segment engages with more (or less) than its baseline, value by value.

    Engagement is weighted by event type (purchase 5, share 4, like/favourite/comment 3,
    rate 2 × stars/5, view/play 1, click 0.5, impression 0.1). Lift is the segment's share over
    the baseline's, with a user-clustered 95% interval and a Benjamini–Hochberg adjusted
    p-value; rows are ordered by the shrunk lift so that tiny cells do not top the list.
    """
    opts = Options(backend, partner, epsilon, explain, period_from, period_to)
    with open_analysis(directory, opts) as a:
        out = a.publish(
            running(
                lambda: preferences(a, segment=segment, by=by, vs=vs, kind=kind),
                "computing preferences",
                json_out,
            )
        )
        result = out.value
        titles = item_titles(a.ws, (r.value for r in result.rows)) if by == "item" else {}

    def draw() -> None:
        t = RichTable(
            "value",
            "segment",
            "baseline",
            "lift",
            "95% CI",
            "p adj",
            "users",
            title=f"{result.segment} vs {result.baseline} by {result.dimension}",
            title_justify="left",
            caption=(
                f"{result.segment}: {result.segment_definition}; "
                f"{result.segment_users or '<k'} engaged users. "
                f"Baseline {result.baseline}: {result.baseline_definition}. "
                f"Measure: {result.measure}. ▲/▼ significant at BH 5%."
            ),
            caption_justify="left",
        )
        for c in t.columns[1:]:
            c.justify = "right"
        for r in result.rows[:top]:
            mark = ""
            if r.significant and r.lift is not None:
                mark = " ▲" if r.lift > 1 else " ▼"
            style = "green" if mark == " ▲" else "red" if mark == " ▼" else None
            ci = "" if r.ci_low is None else f"{r.ci_low:.2f}–{fmt(r.ci_high, '.2f')}"
            t.add_row(
                Text(titled(r.value, titles)),
                fmt(r.segment_share, ".1%"),
                fmt(r.baseline_share, ".1%"),
                Text(fmt_lift(r.lift, mark), style=style or ""),
                ci,
                fmt_p(r.p_adj),
                "< k" if r.suppressed else f"{r.users:,}",
            )
        console.print(t)
        if len(result.rows) > top:
            console.print(Text(f"{len(result.rows) - top} more rows: use --top or --json", "dim"))

    emit(out, json_out=json_out, draw=draw)


# ---------------------------------------------------------------------------- trends

_BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float | None]) -> str:
    known = [v for v in values if v is not None]
    if not known:
        return ""
    lo, hi = min(known), max(known)
    span = hi - lo or 1.0
    return "".join(" " if v is None else _BLOCKS[min(int((v - lo) / span * 8), 7)] for v in values)


@handle_errors
def trends_cmd(
    directory: Dir,
    by: Annotated[str, typer.Option("--by", help="Dimension, as for `prefs`.")],
    segment: SegmentAllOpt = "all",
    period: PeriodOpt = "week",
    horizon: Annotated[
        int, typer.Option("--horizon", min=0, max=52, help="Periods to forecast.")
    ] = 4,
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    kind: KindOpt = None,
    partner: PartnerOpt = None,
    backend: BackendOpt = None,
    epsilon: EpsilonOpt = None,
    explain: ExplainOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Each value's share per period: rising and falling values (Mann–Kendall with Sen's
    slope, BH-adjusted), emerging values, and a damped-trend forecast with 80% intervals."""
    from culturebridge.analytics import TrendsConfig

    if period not in ("day", "week", "month"):
        raise UserError(f"--period must be day, week or month, not {period!r}")
    opts = Options(backend, partner, epsilon, explain, period_from, period_to)
    with open_analysis(directory, opts) as a:
        out = a.publish(
            running(
                lambda: trends(
                    a,
                    segment=segment,
                    by=by,
                    period=period,  # type: ignore[arg-type]
                    config=TrendsConfig(horizon=horizon),
                    kind=kind,
                ),
                "computing trends",
                json_out,
            )
        )
        result = out.value
        titles = item_titles(a.ws, (r.value for r in result.rows)) if by == "item" else {}

    def draw() -> None:
        first = result.periods[0].isoformat() if result.periods else "—"
        last = result.periods[-1].isoformat() if result.periods else "—"
        t = RichTable(
            "value",
            "trend",
            f"growth per {result.period} (95% CI)",
            "p adj",
            "share first → last",
            "",
            "forecast",
            title=f"{result.segment} by {result.dimension}, per {result.period} ({first} – {last})",
            title_justify="left",
            caption=f"{result.segment}: {result.segment_definition}. Trend: Mann–Kendall, "
            "BH-adjusted; growth: log-linear fit of the share (as `fashion trends`); forecast: "
            "next period, 80% interval.",
            caption_justify="left",
        )
        for r in result.rows:
            t.add_row(*_trend_cells(r, titles))
        console.print(t)

    emit(out, json_out=json_out, draw=draw)


def _trend_cells(r: TrendRow, titles: dict[str, ItemTitle]) -> list[Any]:
    label = {"rising": "▲ rising", "falling": "▼ falling", "flat": "flat"}[r.direction]
    if r.emerging:
        label += " (emerging)"
    style = {"rising": "green", "falling": "red", "flat": ""}[r.direction]
    fc = ""
    if r.forecast:
        f = r.forecast[0]
        fc = f"{f.share:.1%} ({f.low:.1%}–{f.high:.1%})"
    return [
        Text(titled(r.value, titles)),
        Text(label, style=style),
        fmt(r.growth_rate, "+.1%")
        + (
            f" ({r.growth_low:+.1%} to {fmt(r.growth_high, '+.1%')})"
            if r.growth_low is not None
            else ""
        ),
        fmt_p(r.p_adj),
        "suppressed"
        if r.suppressed
        else f"{fmt(r.first_share, '.1%')} → {fmt(r.last_share, '.1%')}",
        sparkline([p.share for p in r.points]),
        fc,
    ]


# ---------------------------------------------------------------------------- funnel


@handle_errors
def funnel_cmd(
    directory: Dir,
    segment: SegmentAllOpt = "all",
    vs: Annotated[
        str, typer.Option("--vs", help="Baseline shown beside it: `all`, a segment or `none`.")
    ] = "all",
    all_kinds: Annotated[
        bool, typer.Option("--all-kinds", help="One funnel over every item kind together.")
    ] = False,
    steps: Annotated[
        list[str] | None,
        typer.Option(
            "--step",
            metavar="TYPES[:KINDS]",
            help="A funnel of your own steps instead, in order (repeat: --step impression "
            "--step view,play --step purchase:fashion); users convert within --window days.",
        ),
    ] = None,
    window: Annotated[
        int, typer.Option("--window", min=1, max=365, help="Conversion window in days (--step).")
    ] = 7,
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    partner: PartnerOpt = None,
    backend: BackendOpt = None,
    explain: ExplainOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Impression → view → engage → purchase, per item kind, with conversion rates and
    user-clustered 95% intervals. A journey starts at an impression of an item and reaches a
    stage when it holds an event of that stage after every earlier one.

    With --step, a user-level funnel of the steps given: users with the first step in the
    period, and of them those who did each next step in order within --window days of their
    first step (Wilson 95% intervals, median time between steps)."""
    opts = Options(backend, partner, None, explain, period_from, period_to)
    if steps:
        _step_funnel(directory, opts, [parse_step(x) for x in steps], window, segment, json_out)
        return
    with open_analysis(directory, opts) as a:
        baseline = None if vs == "none" else vs
        out = a.publish(
            running(
                lambda: funnel(a, segment=segment, vs=baseline, by_kind=not all_kinds),
                "computing the funnel",
                json_out,
            )
        )
        result = out.value

    def draw() -> None:
        if not result.rows:
            console.print("No journeys in range: the funnel starts at impression events.")
            return
        base = result.baseline
        head = ["kind", "stage", "users", "from previous", "from impression (95% CI)"]
        if base:
            head += [f"{base}: from previous", f"{base}: from impression"]
        t = RichTable(
            *head,
            title=f"Funnel: {result.segment}" + (f" beside {base}" if base else ""),
            title_justify="left",
            caption=f"{result.segment}: {result.segment_definition}. Journeys and users are "
            f"the segment's; --json has every figure of both groups.",
            caption_justify="left",
        )
        for c in t.columns[2:]:
            c.justify = "right"
        other = {(r.kind, r.stage): r for r in result.rows if r.group == "baseline"}
        for r in (x for x in result.rows if x.group == "segment"):
            ci = ""
            if r.rate_from_first_ci_low is not None:
                ci = f" ({r.rate_from_first_ci_low:.1%}–{fmt(r.rate_from_first_ci_high, '.1%')})"
            cells: list[Text | str] = [
                Text(r.kind),
                r.stage,
                "< k" if r.suppressed else f"{r.users:,}",
                fmt(r.rate_from_previous, ".1%"),
                fmt(r.rate_from_first, ".1%") + ci,
            ]
            if base:
                b = other.get((r.kind, r.stage))
                cells += [
                    fmt(b.rate_from_previous if b else None, ".1%"),
                    fmt(b.rate_from_first if b else None, ".1%"),
                ]
            t.add_row(*cells, end_section=r.stage == "purchase")
        console.print(t)

    emit(out, json_out=json_out, draw=draw)


def _step_funnel(
    directory: Path, opts: Options, steps: list[Step], window: int, segment: str, json_out: bool
) -> None:
    with open_analysis(directory, opts) as a:
        out = a.publish(
            running(
                lambda: step_funnel(a, steps=steps, window_days=window, segment=segment),
                "computing the funnel",
                json_out,
            )
        )
        result = out.value

    def draw() -> None:
        t = RichTable(
            "step",
            "users",
            "from previous (95% CI)",
            "from step 1",
            "median time from previous",
            title=f"Funnel: {result.segment}, {' → '.join(result.steps)}",
            title_justify="left",
            caption=f"{result.segment}: {result.segment_definition}. {result.method}.",
            caption_justify="left",
        )
        for c in t.columns[1:]:
            c.justify = "right"
        for r in result.rows:
            ci = ""
            if r.rate_from_previous_ci_low is not None:
                ci = (
                    f" ({r.rate_from_previous_ci_low:.1%}–"
                    f"{fmt(r.rate_from_previous_ci_high, '.1%')})"
                )
            hours = r.median_hours_from_previous
            t.add_row(
                f"{r.step}. {r.definition}",
                "< k" if r.users is None else f"{r.users:,}",
                fmt(r.rate_from_previous, ".1%") + ci,
                fmt(r.rate_from_first, ".1%"),
                "—" if hours is None else fmt_hours(hours),
            )
        console.print(t)

    emit(out, json_out=json_out, draw=draw)


def fmt_hours(hours: float) -> str:
    """ "37 min", "5.2 h", "3.1 days"."""
    if hours < 1:
        return f"{hours * 60:.0f} min"
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


@handle_errors
def paths_cmd(
    directory: Dir,
    after: Annotated[
        str,
        typer.Option(
            "--after", metavar="TYPES[:KINDS]", help="The starting event, e.g. play:film."
        ),
    ],
    within: Annotated[
        int, typer.Option("--within", min=1, help="Hours in which the next event counts.")
    ] = 24,
    segment: SegmentAllOpt = "all",
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    partner: PartnerOpt = None,
    backend: BackendOpt = None,
    explain: ExplainOpt = False,
    json_out: JsonOpt = False,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows to show in the table.")] = 20,
) -> None:
    """What people do next: after each event matching --after, the same user's next event
    (within --within hours), as event type and item kind, by users."""
    start = parse_step(after)
    opts = Options(backend, partner, None, explain, period_from, period_to)
    with open_analysis(directory, opts) as a:
        out = a.publish(
            running(
                lambda: paths(a, start=start, within_hours=within, segment=segment),
                "following paths",
                json_out,
            )
        )
        result = out.value

    def draw() -> None:
        t = RichTable(
            "next event",
            "on",
            "users",
            "share",
            title=f"After {result.start} ({result.segment}), within {result.within_hours} h",
            title_justify="left",
            caption=f"{result.users or '< k'} users did it; {result.no_next_users or '< k'} did "
            f"nothing else within the window. {result.method}.",
            caption_justify="left",
        )
        for c in t.columns[2:]:
            c.justify = "right"
        for r in result.rows[:top]:
            t.add_row(
                r.next_type,
                r.next_kind,
                "< k" if r.users is None else f"{r.users:,}",
                fmt(r.share_of_users, ".1%"),
            )
        console.print(t)
        if len(result.rows) > top:
            console.print(Text(f"{len(result.rows) - top} more rows: use --top or --json", "dim"))

    emit(out, json_out=json_out, draw=draw)


@handle_errors
def stickiness_cmd(
    directory: Dir,
    segment: SegmentAllOpt = "all",
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    partner: PartnerOpt = None,
    backend: BackendOpt = None,
    explain: ExplainOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """How often people come back: user-weeks by days active (1-7), and DAU, WAU, MAU and
    DAU/MAU at the last day with events."""
    opts = Options(backend, partner, None, explain, period_from, period_to)
    with open_analysis(directory, opts) as a:
        out = a.publish(
            running(lambda: stickiness(a, segment=segment), "measuring stickiness", json_out)
        )
        result = out.value

    def draw() -> None:
        k = "< k"
        console.print(
            f"As of {result.as_of}: DAU {result.dau or k:,} · WAU {result.wau or k:,} · "
            f"MAU {result.mau or k:,} · DAU/MAU {fmt(result.dau_mau, '.1%')}"
            if result.mau
            else f"As of {result.as_of}: fewer than k active users",
            highlight=False,
        )
        t = RichTable(
            "days active in a week",
            "user-weeks",
            "share",
            title=f"Stickiness: {result.segment}",
            title_justify="left",
            caption=result.method + ".",
            caption_justify="left",
        )
        for c in t.columns[1:]:
            c.justify = "right"
        for r in result.rows:
            t.add_row(
                str(r.active_days),
                "< k" if r.users is None else f"{r.users:,}",
                fmt(r.share, ".1%"),
            )
        console.print(t)

    emit(out, json_out=json_out, draw=draw)


# ---------------------------------------------------------------------------- reach


@handle_errors
def reach_cmd(
    directory: Dir,
    segment: SegmentAllOpt = "all",
    period: PeriodOpt = "week",
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    partner: PartnerOpt = None,
    backend: BackendOpt = None,
    epsilon: EpsilonOpt = None,
    explain: ExplainOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Reach (users with any event), active users (who did more than see or click) and
    frequency (events per reached user), per period."""
    if period not in ("day", "week", "month"):
        raise UserError(f"--period must be day, week or month, not {period!r}")
    opts = Options(backend, partner, epsilon, explain, period_from, period_to)
    with open_analysis(directory, opts) as a:
        out = a.publish(
            running(
                lambda: reach(a, segment=segment, period=period),  # type: ignore[arg-type]
                "computing reach",
                json_out,
            )
        )
        result = out.value

    def draw() -> None:
        t = RichTable(
            f"{result.period} from",
            "reach",
            "active users",
            "impressions",
            "events",
            "frequency",
            title=f"Reach and frequency: {result.segment}, per {result.period}",
            title_justify="left",
            caption=f"{result.segment}: {result.segment_definition}",
            caption_justify="left",
        )
        for c in t.columns[1:]:
            c.justify = "right"
        for r in result.rows:
            t.add_row(
                r.period_start.isoformat(),
                "< k" if r.users is None else f"{r.users:,}",
                "< k" if r.active_users is None else f"{r.active_users:,}",
                "—" if r.impressions is None else f"{r.impressions:,}",
                "—" if r.events is None else f"{r.events:,}",
                fmt(r.frequency, ".2f"),
            )
        console.print(t)

    emit(out, json_out=json_out, draw=draw)


# ---------------------------------------------------------------------------- breakdown


def fmt_change(change: float | None) -> str:
    """ "+12.5 %", "−3.0 %", or "—" when there is nothing to compare with."""
    if change is None:
        return "—"
    return f"{change:+.1%}".replace("-", "−")


@handle_errors
def breakdown_cmd(
    directory: Dir,
    by: Annotated[
        str,
        typer.Option("--by", help="Dimension: " + ", ".join(BREAKDOWN_DIMENSIONS) + "."),
    ],
    segment: SegmentAllOpt = "all",
    kind: Annotated[
        str | None,
        typer.Option("--kind", help="Only events on items of this kind (genres within a kind)."),
    ] = None,
    items_of: Annotated[
        str | None, typer.Option("--items-of", help="Only events on this partner's items.")
    ] = None,
    types: Annotated[
        str | None,
        typer.Option("--types", help="Only these event types, comma-separated (default: all)."),
    ] = None,
    compare: Annotated[
        str,
        typer.Option("--compare", help="`previous`: also the period of equal length just before."),
    ] = "none",
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    partner: PartnerOpt = None,
    backend: BackendOpt = None,
    epsilon: EpsilonOpt = None,
    explain: ExplainOpt = False,
    json_out: JsonOpt = False,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows to show in the table.")] = 30,
) -> None:
    """Users and events per value of any dimension (of the item, the event or the user) in a
    period, with the period just before it beside them (--compare previous).

    A value's users are the distinct users with at least one event on it in the period; its
    share divides by the users with any event. The dashboard's Explore page and
    GET /api/v1/breakdown give the same figures for the same question.
    """
    if compare not in ("none", "previous"):
        raise UserError(f"--compare must be none or previous, not {compare!r}")
    event_types = [t.strip() for t in types.split(",") if t.strip()] if types else None
    opts = Options(backend, partner, epsilon, explain, period_from, period_to)
    with open_analysis(directory, opts) as a:
        out = a.publish(
            running(
                lambda: breakdown(
                    a,
                    by=by,
                    segment=segment,
                    kind=kind,
                    items_of=items_of,
                    event_types=event_types,
                    compare=compare,  # type: ignore[arg-type]
                ),
                "computing the breakdown",
                json_out,
            )
        )
        result = out.value
        titles = item_titles(a.ws, (r.value for r in result.rows)) if by == "item" else {}

    def draw() -> None:
        compared = result.previous_from is not None
        head = ["value", "users", "share", "events"]
        if compared:
            head += ["previous users", "change"]
        where = [f"kind {result.kind}"] if result.kind else []
        where += [f"items of {result.items_of}"] if result.items_of else []
        t = RichTable(
            *head,
            title=f"{result.segment} by {result.dimension}"
            + (f" ({', '.join(where)})" if where else ""),
            title_justify="left",
            caption=(
                f"{result.period_from} to {result.period_to}"
                + (f" vs {result.previous_from} to {result.previous_to}" if compared else "")
                + f"; {result.segment}: {result.segment_definition}; "
                f"{result.total_users or '< k'} users with an event. Share: {result.method}."
            ),
            caption_justify="left",
        )
        for c in t.columns[1:]:
            c.justify = "right"
        for r in result.rows[:top]:
            cells: list[Text | str] = [
                Text(titled(r.value, titles)),
                "< k" if r.users is None else f"{r.users:,}",
                fmt(r.share_of_users, ".1%"),
                "—" if r.events is None else f"{r.events:,}",
            ]
            if compared:
                before = "< k" if r.previous_suppressed else f"{r.previous_users or 0:,}"
                cells += [before, fmt_change(r.change)]
            t.add_row(*cells)
        console.print(t)
        if len(result.rows) > top:
            console.print(Text(f"{len(result.rows) - top} more rows: use --top or --json", "dim"))

    emit(out, json_out=json_out, draw=draw)


# ---------------------------------------------------------------------------- retention


@handle_errors
def retention_cmd(
    directory: Dir,
    segment: SegmentAllOpt = "all",
    weeks: Annotated[int, typer.Option("--weeks", min=1, max=52, help="Weeks followed.")] = 8,
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    partner: PartnerOpt = None,
    backend: BackendOpt = None,
    epsilon: EpsilonOpt = None,
    explain: ExplainOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Weekly cohorts (the week of a user's first event in range) and the share of each that is
    active again 1, 2, ... weeks later, with Wilson 95% intervals."""
    opts = Options(backend, partner, epsilon, explain, period_from, period_to)
    with open_analysis(directory, opts) as a:
        out = a.publish(
            running(
                lambda: retention(a, segment=segment, weeks=weeks), "computing retention", json_out
            )
        )
        result = out.value

    def draw() -> None:
        t = RichTable(
            "cohort",
            "users",
            *(f"w{w}" for w in range(1, result.weeks + 1)),
            title=f"Weekly retention: {result.segment}",
            title_justify="left",
            caption="Share of each cohort active again w weeks after its first week.",
            caption_justify="left",
        )
        for c in t.columns[1:]:
            c.justify = "right"
        cohorts: dict[Any, dict[int, Any]] = {}
        for r in result.rows:
            cohorts.setdefault(r.cohort_week, {})[r.week_offset] = r
        for cohort, cells in sorted(cohorts.items()):
            first = cells.get(0)
            size = (
                "< k" if first is None or first.cohort_users is None else f"{first.cohort_users:,}"
            )
            t.add_row(
                cohort.isoformat(),
                size,
                *(
                    fmt(cells[w].rate, ".0%") if w in cells else ""
                    for w in range(1, result.weeks + 1)
                ),
            )
        console.print(t)

    emit(out, json_out=json_out, draw=draw)


# ---------------------------------------------------------------------------- audience


@handle_errors
def audience_cmd(
    directory: Dir,
    item: Annotated[str, typer.Option("--item", help="Item id (items.item_id).")],
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    partner: PartnerOpt = None,
    backend: BackendOpt = None,
    explain: ExplainOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Who engages with an item: age bands, city tiers, provinces, platforms and genders,
    each cell's share of the item's weighted engagement against its share of all engagement."""
    opts = Options(backend, partner, None, explain, period_from, period_to)
    with open_analysis(directory, opts) as a:
        out = a.publish(
            running(lambda: item_audience(a, item_id=item), "computing the audience", json_out)
        )
        result = out.value
        titles = item_titles(a.ws, [item])

    def draw() -> None:
        t = RichTable(
            "dimension",
            "value",
            "item",
            "base",
            "lift",
            "95% CI",
            "p adj",
            "users",
            title=f"Audience of {titled(result.item_id, titles)}"
            + (f" ({result.item_users:,} engaged users)" if result.item_users else ""),
            title_justify="left",
            caption="Shares of weighted engagement; ▲/▼ significant at BH 5% within a dimension.",
            caption_justify="left",
        )
        for c in t.columns[2:]:
            c.justify = "right"
        last = None
        for r in result.rows:
            mark = ""
            if r.p_adj is not None and r.p_adj < 0.05 and r.lift is not None:
                mark = " ▲" if r.lift > 1 else " ▼"
            ci = "" if r.ci_low is None else f"{r.ci_low:.2f}–{fmt(r.ci_high, '.2f')}"
            t.add_row(
                r.dimension if r.dimension != last else "",
                Text(r.value),
                fmt(r.item_share, ".1%"),
                fmt(r.base_share, ".1%"),
                fmt_lift(r.lift, mark),
                ci,
                fmt_p(r.p_adj),
                "< k" if r.suppressed else f"{r.users:,}",
            )
            last = r.dimension
        console.print(t)

    emit(out, json_out=json_out, draw=draw)
