"""The designer report: a segment's fashion preferences and movers in ONE self-contained HTML file.

What a designer asks of it: which colours, patterns, styles and categories this audience
over-indexes on, which are rising and which are falling (with the weekly share drawn), and
what the pieces look like. So the report shows lift bars per attribute, a line chart and
example product photos for each significant mover, the full table, and how it was computed.

Self-contained for the same reasons as the overview (it travels by mail and chat to machines
where a CDN may be blocked or may log readers): inline CSS, Plotly.js inlined once with the
charts every other surface draws (`_charts`), product photos embedded as base64 `data:` URIs
read from the workspace, never fetched; an image that is not in the workspace becomes a
neutral placeholder with the item's title. Every data string is escaped.

`example_items` picks the photos (one engine query); `designer_report_html` only formats, and
`write_designer_report` writes the file atomically.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import ibis
import pyarrow as pa
from pydantic import BaseModel

from culturebridge import __version__
from culturebridge.analytics import weight_expr
from culturebridge.errors import UserError
from culturebridge.fashion import (
    CATALOGUE,
    REST,
    FashionTrendRow,
    FashionTrendsResult,
    fashion_items,
    per_period,
    with_forecast,
)
from culturebridge.privacy import Released
from culturebridge.query import ALL, Analysis
from culturebridge.reports._charts import lift_bars, plotly_js, trend_lines
from culturebridge.reports._overview import (
    CSS,
    _p,
    _pct,
    _short,
    e,
    figure,
    write_report_file,
)
from culturebridge.workspace import resolve_image

MAX_IMAGE_BYTES = 2_000_000
"""Larger photos are shown as placeholders: a report should stay small enough to mail."""
MIME = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
MOVERS = 6
"""Rising (and falling) values drawn, per direction, fastest first."""
EXAMPLES = 3
"""Example products per drawn value."""

EXTRA_CSS = """
.examples { display: flex; gap: 8px; margin-top: 6px; flex-wrap: wrap; }
.examples figure { width: 120px; }
.examples img, .examples .ph { width: 120px; height: 120px; object-fit: cover; border-radius: 6px;
  border: 1px solid var(--line); display: block; }
.examples .ph { background: #f3f4f6; color: var(--muted); font-size: 11px; padding: 8px;
  overflow: hidden; display: flex; align-items: center; justify-content: center;
  text-align: center; }
.examples figcaption { font-size: 11px; line-height: 1.3; margin-top: 2px; }
ul.highlights li { margin: 4px 0; }
.zh { color: var(--muted); }
"""


class ExampleItem(BaseModel):
    """A product shown beside a value: the item and where its photo is in the workspace."""

    item_id: str
    title_en: str | None = None
    title_zh: str | None = None
    image_uri: str | None = None


def example_key(attribute: str, value: str) -> str:
    return f"{attribute}={value}"


def example_items(
    a: Analysis,
    result: FashionTrendsResult,
    *,
    rows: Sequence[FashionTrendRow] | None = None,
    item_attributes: pa.Table | None = None,
    per_value: int = EXAMPLES,
) -> dict[str, list[ExampleItem]]:
    """Example fashion items for each row's value (default: the rows the report draws), keyed
    by `example_key(attribute, value)`.

    Items carrying the value are ordered by the segment's weighted engagement in the period,
    counted only for items that at least k segment users engaged with (others follow, by
    everyone's engagement), so the photos are pieces this audience actually looks at without
    revealing anything about a handful of users. Posts name catalogue attributes, so their
    values are illustrated from the catalogue; image-derived attributes (image_colour, ...)
    from `item_attributes`. Under partner scope only the partner's own items are shown.
    """
    wanted = list(rows) if rows is not None else report_rows(result)
    if not wanted:
        return {}
    image_keys = {
        r.attribute for r in wanted if r.attribute.startswith("image_") or r.source == "images"
    }
    catalogue_keys = sorted({r.attribute for r in wanted} - image_keys)
    items = fashion_items(a)
    if a.partner is not None:
        items = items.filter(items.partner_id == a.partner)
    events = a.events()
    w = events.select("user_id", "item_id", w=weight_expr(events, result.weights))
    w = w.filter(w.w > 0).semi_join(items.select("item_id"), "item_id")
    members = a.members(result.segment).select("user_id").distinct()
    flagged = w.left_join(members.mutate(in_seg=ibis.literal(1)), "user_id")
    in_seg = flagged.in_seg.notnull()
    per_item = flagged.group_by("item_id").aggregate(
        w_all=flagged.w.sum(),
        w_seg=ibis.cases((in_seg, flagged.w), else_=0.0).sum(),
        seg_users=ibis.cases((in_seg, flagged.user_id), else_=ibis.null("string")).nunique(),
    )
    cols = {f"a_{i}": items.attributes.get(k) for i, k in enumerate(catalogue_keys)}
    table = items.select("item_id", "title_en", "title_zh", "image_uri", **cols)
    table = table.left_join(per_item, "item_id").drop("item_id_right")
    fetched = a.run(table).to_pylist()
    for r in fetched:
        # ranked by the segment's weight only where that rests on k or more of its users
        seg_ok = a.policy.enough(r["seg_users"] or 0)
        r["_rank"] = (0 if seg_ok else 1, -(r["w_seg"] or 0.0) if seg_ok else -(r["w_all"] or 0.0))
    fetched.sort(key=lambda r: (r["_rank"], r["item_id"]))
    by_id = {r["item_id"]: r for r in fetched}
    image_values: dict[tuple[str, str], set[str]] = {}
    if item_attributes is not None and image_keys:
        for t in item_attributes.select(["item_id", "attribute", "value"]).to_pylist():
            if t["attribute"] in image_keys:
                image_values.setdefault((t["attribute"], str(t["value"])), set()).add(
                    str(t["item_id"])
                )
    out: dict[str, list[ExampleItem]] = {}
    for row in wanted:
        key = example_key(row.attribute, row.value)
        if key in out:
            continue
        if row.attribute in image_keys:
            ids = image_values.get((row.attribute, row.value), set())
            chosen = [r for r in fetched if r["item_id"] in ids]
        else:
            col = f"a_{catalogue_keys.index(row.attribute)}"
            chosen = [r for r in fetched if r[col] == row.value]
        out[key] = [
            ExampleItem(
                item_id=r["item_id"],
                title_en=r["title_en"],
                title_zh=r["title_zh"],
                image_uri=r["image_uri"],
            )
            for r in chosen[:per_value]
            if r["item_id"] in by_id
        ]
    return out


# ---------------------------------------------------------------------------- choosing


def report_rows(result: FashionTrendsResult, movers: int = MOVERS) -> list[FashionTrendRow]:
    """The rows the report draws with photos: the top rising and falling values, then the top
    over-indexed ones."""
    rising = [r for r in result.rising() if not r.suppressed and r.trend is not None]
    falling = [r for r in result.falling() if not r.suppressed and r.trend is not None]
    chosen = [*rising[:movers], *falling[:movers]]
    for r in result.top_preferences(movers):
        if r not in chosen:
            chosen.append(r)
    return chosen


# ---------------------------------------------------------------------------- html


def _image_uri(root: Path | None, uri: str | None) -> str | None:
    """The photo as a `data:` URI when it is a readable file in the workspace, else None.

    Only local files are read: a URL (`http://…`) is never fetched, since a report that
    reaches out would leak who opened it and break offline.
    """
    if root is None or not uri:
        return None
    try:
        path = resolve_image(root, uri)
    except UserError:  # remote, empty, or climbing out of the workspace
        return None
    mime = MIME.get(path.suffix.lower())
    try:
        if mime is None or not path.is_file() or path.stat().st_size > MAX_IMAGE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _examples_html(items: Sequence[ExampleItem], root: Path | None) -> str:
    if not items:
        return ""
    figs = []
    for it in items:
        title = it.title_en or it.title_zh or it.item_id
        zh = it.title_zh if it.title_zh and it.title_zh != title else ""
        src = _image_uri(root, it.image_uri)
        if src is not None:
            pic = f'<img src="{src}" alt="{e(title)}" loading="lazy">'
        else:
            pic = f'<div class="ph" role="img" aria-label="{e(title)}">{e(_short(title, 40))}</div>'
        figs.append(
            f"<figure>{pic}<figcaption>{e(_short(title, 32))}"
            + (f'<br><span class="zh">{e(_short(zh, 20))}</span>' if zh else "")
            + f'<br><span class="meta">{e(it.item_id)}</span></figcaption></figure>'
        )
    return f'<div class="examples">{"".join(figs)}</div>'


def _label(r: FashionTrendRow) -> str:
    return r.label + (f" · {r.label_zh}" if r.label_zh else "")


def lift_chart(rows: Sequence[FashionTrendRow], *, chart_id: str, k: int, limit: int = 12) -> str:
    """Lift bars with 95% whiskers against the baseline (the overview's and the partner
    report's chart); suppressed values are counted, never drawn."""
    shown = [(_label(r), r.preference) for r in rows if not r.suppressed][:limit]
    hidden = sum(r.suppressed for r in rows)
    return figure(chart_id, lift_bars(shown, hidden=hidden, k=k), "every value suppressed")


def _growth_text(r: FashionTrendRow, period: str) -> str:
    g = r.growth
    if g.rate is None:
        return "—"
    text = per_period(g.rate, period)
    if g.low is not None and g.high is not None:
        text += f" ({per_period(g.low, period)} to {per_period(g.high, period)})"
    return text


def _mover_html(
    r: FashionTrendRow,
    result: FashionTrendsResult,
    examples: Mapping[str, Sequence[ExampleItem]],
    root: Path | None,
) -> str:
    assert r.trend is not None
    row = with_forecast(r.trend, result.periods, result.period)
    cls = "up" if r.direction == "rising" else "down"
    source = "" if r.source == CATALOGUE else f" · from {r.source}"
    lift = ""
    if r.preference.lift is not None:
        lift = f"; lift ×{r.preference.lift:.2f} against the baseline"
    ratio = ""
    if r.growth.ratio is not None:
        ratio = f"; fitted last/first {result.period}: ×{r.growth.ratio:.2f}"
    fc = ""
    if row.forecast:
        fc = f"; dashed: forecast ({e(row.forecast_method or '')}, 80% interval)"
    return (
        '<figure class="mover">'
        f"<h3>{e(_label(r))}{e(source)} "
        f'<span class="{cls}">{e(r.direction)} {e(_growth_text(r, result.period))}</span></h3>'
        + figure(
            f"mover-{result.segment}-{r.source}-{r.attribute}-{r.value}",
            trend_lines([(r.label, row)]),
            "every period suppressed",
        )
        + f"<figcaption>Share of {e(_measure_noun(r.source))} by {e(result.segment_label)}, "
        f"per {e(result.period)}{e(ratio)}{e(lift)}; "
        f"Mann–Kendall p adj {e(_p(r.trend.p_adj))}{fc}.</figcaption>"
        f"{_examples_html(examples.get(example_key(r.attribute, r.value), []), root)}"
        "</figure>"
    )


def _measure_noun(source: str) -> str:
    return "posts naming the attribute" if source == "posts" else "engagement with fashion items"


def _segment_html(
    result: FashionTrendsResult,
    examples: Mapping[str, Sequence[ExampleItem]],
    root: Path | None,
    movers: int,
) -> str:
    who = result.segment_label
    parts = [f'<h2>{e(who[:1].upper() + who[1:])} <small class="zh">细分人群</small></h2>']
    parts.append(
        f'<p class="meta">Segment {e(result.segment)}: {e(result.segment_definition)}. '
        f"Baseline: {e(result.baseline_definition)}. Sources: {e(', '.join(result.sources))}."
        + (f" Left out: {e('; '.join(result.skipped))}." if result.skipped else "")
        + "</p>"
    )
    highlights = result.highlights()
    if highlights:
        items = "".join(f"<li>{e(s)}</li>" for s in highlights[:12])
        parts.append(
            '<section class="card"><h2>Highlights <small class="zh">要点</small></h2>'
            f'<ul class="highlights">{items}</ul></section>'
        )
    figs = []
    for g in result.groups:
        rows = result.select(source=g.source, attribute=g.attribute)
        users = _fmt_users(g.segment_users)
        figs.append(
            f"<figure><h3>{e(g.attribute)} · {e(g.source)}</h3>"
            + lift_chart(
                rows, chart_id=f"lift-{result.segment}-{g.source}-{g.attribute}", k=result.scope.k
            )
            + f"<figcaption>{e(users)} segment users. Bars: lift (segment share ÷ baseline "
            "share); whiskers: 95% interval; coloured: significant after "
            "Benjamini–Hochberg.</figcaption></figure>"
        )
    if figs:
        parts.append(
            '<section class="card"><h2>What they prefer <small class="zh">偏好</small></h2>'
            f'<div class="grid">{"".join(figs)}</div></section>'
        )
    for direction, zh, chosen in (
        ("Rising", "上升", result.rising()),
        ("Falling", "下降", result.falling()),
    ):
        drawn = [r for r in chosen if not r.suppressed and r.trend is not None][:movers]
        if not drawn:
            parts.append(
                f'<section class="card"><h2>{direction} <small class="zh">{zh}</small></h2>'
                f"<p>No value is significantly {direction.lower()} (Mann–Kendall, "
                f"Benjamini–Hochberg at {result.alpha:g}).</p></section>"
            )
            continue
        body = "".join(_mover_html(r, result, examples, root) for r in drawn)
        parts.append(
            f'<section class="card"><h2>{direction} <small class="zh">{zh}</small></h2>'
            f'<div class="grid">{body}</div></section>'
        )
    top = [r for r in result.top_preferences(MOVERS) if r.direction == "flat"]
    if top:
        body = "".join(
            f"<h3>{e(_label(r))} ×{r.preference.lift or 0:.2f}</h3>"
            + _examples_html(examples.get(example_key(r.attribute, r.value), []), root)
            for r in top
        )
        parts.append(
            '<section class="card"><h2>Steady favourites <small class="zh">稳定偏好</small></h2>'
            f"{body}</section>"
        )
    parts.append(_table_html(result))
    return "\n".join(parts)


def _fmt_users(n: int | None) -> str:
    return "fewer than k" if n is None else f"{n:,}"


def _table_html(result: FashionTrendsResult) -> str:
    head = (
        "<tr><th>source</th><th>attribute</th><th>value</th><th class=n>segment</th>"
        "<th class=n>baseline</th><th class=n>lift (95% CI)</th><th class=n>p adj</th>"
        f"<th class=n>growth per {e(result.period)}</th><th>trend</th></tr>"
    )
    body = []
    for r in result.rows:
        p = r.preference
        if r.suppressed:
            cells = '<td class=n colspan="6">suppressed (fewer than k users)</td>'
        else:
            ci = ""
            if p.ci_low is not None and p.ci_high is not None:
                ci = f" ({p.ci_low:.2f}–{p.ci_high:.2f})"
            lift = "—" if p.lift is None else f"{p.lift:.2f}×{ci}"
            cls = {"rising": "up", "falling": "down"}.get(r.direction, "")
            growth = "—" if r.growth.rate is None else per_period(r.growth.rate, result.period)
            cells = (
                f"<td class=n>{e(_pct(p.segment_share))}</td>"
                f"<td class=n>{e(_pct(p.baseline_share))}</td>"
                f"<td class=n>{e(lift)}{' ▲' if r.over_indexed else ''}</td>"
                f"<td class=n>{e(_p(p.p_adj))}</td>"
                f"<td class=n>{e(growth)}</td>"
                f'<td class="{cls}">{e(r.direction)}</td>'
            )
        body.append(
            f"<tr><td>{e(r.source)}</td><td>{e(r.attribute)}</td><td>{e(_label(r))}</td>"
            f"{cells}</tr>"
        )
    return (
        '<section class="card"><h2>Every value <small class="zh">全部数据</small></h2>'
        "<details><summary>Show the table</summary>"
        f"<table><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"
        "</details></section>"
    )


def _method_html(results: Sequence[FashionTrendsResult]) -> str:
    first = results[0]
    weights = ", ".join(
        f"{e(t)} {w:g}" for t, w in sorted(first.weights.items(), key=lambda x: -x[1])
    )
    notes = "".join(
        f"<tr><td>{e(r.segment)}</td><td>{e(n.what)}</td><td>{e(n.report.note())}</td></tr>"
        for r in results
        for n in r.privacy
    )
    measures = "".join(
        f"<li><b>{e(s)}</b>: {e(m)}</li>"
        for s, m in {s: m for r in results for s, m in r.measures.items()}.items()
    )
    baseline = (
        "everyone outside the segment"
        if first.baseline == REST
        else ("every user" if first.baseline == ALL else f"segment {first.baseline}")
    )
    scoped = ""
    if first.scope.partner:
        scoped = (
            f" Example products are restricted to partner {e(first.scope.partner)}'s own items."
        )
    return f"""<section class="card"><h2>How this was computed <small class="zh">方法</small></h2>
<p><b>Shares.</b> A value's share is its part of a group's engagement with fashion items that
have a value of the same attribute (a colour's share is among coloured fashion items):</p>
<ul>{measures}</ul>
<p>Catalogue and image engagement is weighted by event type ({weights}).</p>
<p><b>Preferences.</b> Lift is the segment's share over the baseline's ({e(baseline)}), with a
user-clustered 95% interval (one heavy user's many events are not independent votes); the
z test's p-values are adjusted with Benjamini–Hochberg within each source × attribute, at
{first.alpha:g}.</p>
<p><b>Trends.</b> The segment's share per {e(first.period)}; rising or falling means a
Mann–Kendall test significant after Benjamini–Hochberg within the source × attribute (as the
<code>trends</code> command decides it). The growth rate is a log-linear (quasi-Poisson) fit of
the value's engagement against the attribute's: share ∝ (1 + g)^t, so (1 + g)^(periods − 1) is
the fitted last-to-first ratio; its interval uses the spread of the periods around the fit.
The dashed continuation is a damped-trend (ETS) forecast with an 80% interval.</p>
<p><b>Privacy.</b> Only aggregates are shown. Every cell that describes fewer than
k={first.scope.k} users is suppressed (figures blanked and labelled, never drawn as zero), with
complementary suppression within a breakdown whose shares sum to one. Example products are
ordered by the segment's engagement only where at least k segment users engaged with them.
{scoped}</p>
<details><summary>Privacy note of each result</summary>
<table><thead><tr><th>segment</th><th>result</th><th>guard</th></tr></thead>
<tbody>{notes}</tbody></table></details></section>"""


def designer_report_html(
    results: Released[FashionTrendsResult] | Sequence[Released[FashionTrendsResult]],
    *,
    examples: Mapping[str, Sequence[ExampleItem]] | None = None,
    root: Path | None = None,
    title: str | None = None,
    movers: int = MOVERS,
    generated_at: datetime | None = None,
    workspace: str | None = None,
) -> str:
    """The report as one self-contained HTML document (UTF-8, inline CSS, charts and photos)."""
    many = [r.value for r in ([results] if isinstance(results, Released) else results)]
    if not many:
        raise ValueError("designer report: no result to show")
    examples = examples or {}
    first = many[0]
    heading = title or ("Fashion trends: " + ", ".join(r.segment_label for r in many))
    s = first.scope
    period = "all data"
    if s.period_from or s.period_to:
        period = f"{s.period_from or '…'} to {s.period_to or '…'}"
    span = ""
    if first.periods:
        span = f" · {first.periods[0].isoformat()} – {first.periods[-1].isoformat()}"
    who = f"partner {s.partner}" if s.partner else "the platform"
    meta = (
        f"Workspace {workspace or s.workspace} · reference date {s.reference_date.isoformat()}"
        f" · period: {period}{span} · per {first.period} · as {who} · engine {s.backend}"
        f" · cells with fewer than k={s.k} users are suppressed"
    )
    when = (generated_at or datetime.now(UTC).replace(microsecond=0)).isoformat()
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(heading)}</title>",
        f"<style>{CSS}{EXTRA_CSS}</style>",
        f"<script>{plotly_js()}</script>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{e(heading)}<small>设计师趋势报告</small></h1>",
        f'<p class="meta">{e(meta)}</p>',
        *(_segment_html(r, examples, root, movers) for r in many),
        _method_html(many),
        f"<footer>Generated by culturebridge {e(__version__)} at {e(when)}. This file is "
        "self-contained: it loads nothing from the network.</footer>",
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def write_designer_report(
    results: Released[FashionTrendsResult] | Sequence[Released[FashionTrendsResult]],
    out: Path,
    *,
    examples: Mapping[str, Sequence[ExampleItem]] | None = None,
    root: Path | None = None,
    title: str | None = None,
    movers: int = MOVERS,
    workspace: str | None = None,
) -> Path:
    """Write the designer report to `out` (a folder gets `fashion-trends.html`) and return its
    path. `root` is the workspace folder that `image_uri`s are relative to. The file is
    written beside its final name and renamed, so a reader never sees half a report."""
    target = out / "fashion-trends.html" if out.is_dir() else out
    text = designer_report_html(
        results, examples=examples, root=root, title=title, movers=movers, workspace=workspace
    )
    return write_report_file(target, text)


__all__ = [
    "ExampleItem",
    "designer_report_html",
    "example_items",
    "example_key",
    "lift_chart",
    "report_rows",
    "write_designer_report",
]
