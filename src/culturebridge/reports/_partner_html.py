"""The partner report, drawn and written: one self-contained HTML page (and its PDF).

`partner_report_html` only formats a computed `PartnerReport` (see `_partner`): every section
has its charts (Plotly.js specs from `_charts`, the bundle inlined once), a sentence or two on
what they show, and a "How this was computed" list naming the analysis (as the CLI command that
runs it), the period, the segment definitions and what the privacy guard did to each result.
A section the partner has no data for is listed at the end with its reason, never drawn empty.

`write_partner_report` writes the page atomically, prints it to PDF with headless Chromium when
asked (print CSS keeps charts and tables whole; offline-minded flags) and appends both exports
to the workspace's audit log, with their SHA-256.
"""

from __future__ import annotations

import hashlib
import html
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from culturebridge.campaign import SegmentTest
from culturebridge.errors import UserError
from culturebridge.privacy import Released
from culturebridge.query import ALL, OTHER_PARTNERS
from culturebridge.reports import _charts as charts
from culturebridge.reports._overview import Overview, write_report_file
from culturebridge.reports._partner import (
    LEADERBOARD_TOP,
    PLATFORM,
    SECTION_TITLES,
    SEGMENTS_LISTED,
    PartnerReport,
    has_rows,
    top_rows,
)
from culturebridge.workspace import Workspace

# ---------------------------------------------------------------------------- html


def e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _pct(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{x:.{digits}%}"


CSS = """
:root { --ink:#1f2937; --muted:#6b7280; --line:#e5e7eb; --accent:#2563eb; --bg:#f8fafc; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB",
             "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h1 small, h2 small { font-weight: 400; color: var(--muted); margin-left: 8px; }
h1 small { font-size: 18px; }
h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 1px solid var(--line);
     padding-bottom: 4px; }
h2 small { font-size: 15px; }
h3 { font-size: 15px; margin: 16px 0 4px; }
.meta, .note, figcaption { color: var(--muted); font-size: 13px; }
section.card { background:#fff; border:1px solid var(--line); border-radius:8px;
               padding: 12px 16px; margin: 12px 0; }
figure { margin: 8px 0 16px; }
.chart { width: 100%; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line);
         vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
details.method { margin-top: 8px; font-size: 13px; color: #374151; }
details.method summary { cursor: pointer; color: var(--accent); }
details.method ul { margin: 4px 0; padding-left: 20px; }
ul.omitted li { color: var(--muted); }
.sig { color: #15803d; font-weight: 600; }
nav ol { columns: 2; font-size: 14px; }
@page { size: A4; margin: 10mm; }
@media print {
  body { background: #fff; font-size: 12px; }
  main { max-width: none; padding: 0; }
  section.card { border: none; padding: 0; break-inside: auto; }
  figure, .chart, table, tr { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  details.method { display: block; }
  details.method > * { display: block; }
  nav { display: none; }
}
"""

PRINT_JS = """
window.addEventListener('beforeprint', function () {
  document.querySelectorAll('.chart').forEach(function (el) {
    if (el.data) { Plotly.relayout(el, {width: el.clientWidth}); }
  });
  document.querySelectorAll('details').forEach(function (d) { d.open = true; });
});
"""


class _Html:
    """Collects one report's HTML, numbering the chart divs."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.charts = 0

    def add(self, text: str) -> None:
        self.parts.append(text)

    def chart(self, figure: charts.Figure | None, caption: str, *, missing: str) -> None:
        if figure is None:
            self.add(f'<p class="note">{e(missing)}</p>')
            return
        self.charts += 1
        self.add("<figure>")
        self.add(charts.chart_html(f"chart-{self.charts}", figure))
        self.add(f"<figcaption>{e(caption)}</figcaption></figure>")

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]], num: set[int]) -> None:
        head = "".join(f'<th class="num">{e(h)}</th>' if i in num else f"<th>{e(h)}</th>"
                       for i, h in enumerate(header))  # fmt: skip
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="num">{e(c)}</td>' if i in num else f"<td>{e(c)}</td>"
                for i, c in enumerate(r)
            )
            + "</tr>"
            for r in rows
        )
        self.add(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    def method(self, lines: Sequence[str]) -> None:
        items = "".join(f"<li>{e(x)}</li>" for x in lines if x)
        self.add(
            f'<details class="method"><summary>How this was computed</summary><ul>{items}</ul>'
            "</details>"
        )


def _period_text(r: PartnerReport) -> str:
    s = r.scope
    if s.period_from or s.period_to:
        return f"{s.period_from or 'start'} to {s.period_to or 'end'}"
    trend = r.item_trends
    if trend is not None and trend.periods:
        return f"weeks of {trend.periods[0]} to {trend.periods[-1]} (every event in the workspace)"
    return "every event in the workspace"


def _scope_line(r: PartnerReport) -> str:
    if r.partner == PLATFORM:
        return "Scope: the platform (every partner's items)."
    return (
        f"Scope: partner {r.partner}. Item-level figures cover its own items only; every other "
        f"partner's item is counted in one value, “{OTHER_PARTNERS}”."
    )


def partner_report_html(released: Released[PartnerReport]) -> str:
    """Format a computed, released `PartnerReport` as one self-contained HTML page."""
    r = released.value
    h = _Html()
    k = r.scope.k
    labels = {i.item_id: i.label for i in r.items}
    renders: dict[str, Callable[[], None]] = {
        "findings": lambda: _findings(h, r),
        "catalogue": lambda: _catalogue(h, r),
        "audiences": lambda: _audiences(h, r),
        "preferences": lambda: _preferences(h, r, labels),
        "trends": lambda: _trends(h, r, labels),
        "fashion": lambda: _fashion(h, r),
        "social": lambda: _social(h, r),
        "campaigns": lambda: _campaigns(h, r),
        "localisation": lambda: _localisation(h, r),
        "esports": lambda: _esports(h, r),
    }
    for key in r.sections:
        en, zh = SECTION_TITLES[key]
        h.add(f'<section class="card" id="{key}"><h2>{e(en)} <small>{e(zh)}</small></h2>')
        renders[key]()
        h.add("</section>")
    body = "\n".join(h.parts)
    nav = "".join(
        f'<li><a href="#{key}">{e(SECTION_TITLES[key][0])}</a></li>' for key in r.sections
    )
    omitted = "".join(
        f"<li>{e(SECTION_TITLES[key][0])}: {e(why)}</li>" for key, why in r.omitted.items()
    )
    zh_name = f"<small>{e(r.name_zh)}</small>" if r.name_zh else ""
    title = f"{r.name_en}: audience report"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="culturebridge {e(r.version)}">
<title>{e(title)}</title>
<style>{CSS}</style>
<script>{charts.plotly_js()}</script>
<script>{PRINT_JS}</script>
</head>
<body>
<main>
<h1>{e(r.name_en)} {zh_name}</h1>
<p class="meta">Audience report for {e(r.partner)} ({e(r.sector or "no sector")}) · workspace
{e(r.workspace)} · generated {e(r.generated_at.isoformat())} by culturebridge {e(r.version)} ·
reference date {e(r.scope.reference_date)} · privacy threshold k={k}</p>
<p class="meta">{e(_scope_line(r))} Period: {e(_period_text(r))}.</p>
<nav><ol>{nav}</ol></nav>
{body}
<section class="card" id="about"><h2>About this report <small>关于本报告</small></h2>
<p class="note">Every figure passed the privacy guard: a cell with fewer than k={k} distinct users
is suppressed (with complementary suppression where shares sum to one), and no user id leaves
the warehouse. Each section's “How this was computed” names the guard's effect on each result.
Charts are drawn by Plotly.js, embedded in this file: nothing is fetched.</p>
{f'<p>Sections left out:</p><ul class="omitted">{omitted}</ul>' if omitted else ""}
<p class="note">Computed in {r.elapsed_s:g} s.</p>
</section>
</main>
</body>
</html>
"""


# ---------------------------------------------------------------------------- sections


def _findings(h: _Html, r: PartnerReport) -> None:
    ov = r.overview
    assert ov is not None
    if ov.findings:
        groups = (
            [("", ov.findings)]
            if r.partner == PLATFORM
            else [
                (f"About {r.name_en}'s titles", [f for f in ov.findings if f.about_partner]),
                ("Across the platform", [f for f in ov.findings if not f.about_partner]),
            ]
        )
        for heading, found in groups:
            if not found:
                continue
            if heading:
                h.add(f"<h3>{e(heading)}</h3>")
            h.add('<ol class="findings">')
            for f in found:
                zh = f" <small>({e(f.title_zh)})</small>" if f.title_zh else ""
                h.add(f'<li>{e(f.headline)}{zh} <span class="note">[{e(f.kind)}]</span></li>')
            h.add("</ol>")
    else:
        h.add(
            '<p class="note">No finding passed the tests (significant after '
            "Benjamini–Hochberg, lift interval above 1).</p>"
        )
    if ov.reach is not None:
        h.chart(
            charts.reach_bars(ov.reach),
            "Users reached and active users per week, all users (platform-wide).",
            missing="Reach per week: every week suppressed (fewer than k users).",
        )
    if ov.funnel is not None:
        h.chart(
            charts.funnel_bars(ov.funnel),
            f"Step conversion of {segment_label_text(ov, ov.funnel.segment)} against all users, "
            "with 95% intervals.",
            missing="Funnel: every stage suppressed (fewer than k users).",
        )
    lines = [
        "Findings: the overview scan (as `culturebridge overview --partner`) compares the "
        "demographic built-in segments with all users along kind, genre, style, colour, pattern "
        "and item; a preference is kept when its Benjamini–Hochberg adjusted p is below "
        f"{ov.config.alpha:g}, its 95% lift interval lies above 1 and the lift is at least "
        f"×{ov.config.min_lift:g}; trends are Mann–Kendall tests on weekly shares.",
        "Engagement is weighted by event type: "
        + ", ".join(f"{k} {v:g}" for k, v in sorted(ov.weights.items())),
        *(f"Segment {name}: {d}" for name, d in ov.segments.items()),
        *(f"Privacy ({p.what}): {p.note}" for p in ov.privacy),
        *(f"Not computed: {s}" for s in ov.skipped),
    ]
    h.method(lines)


def segment_label_text(ov: Overview, name: str) -> str:
    return ov.segments.get(name, name) if name != ALL else "all users"


def _catalogue(h: _Html, r: PartnerReport) -> None:
    shown = r.items[:15]
    what = "titles" if r.partner != PLATFORM else "items on the platform"
    h.add(
        f"<p>{len(r.items)} {what}; the {len(shown)} with the most engaged users "
        "are listed (English and Chinese titles).</p>"
    )
    h.table(
        ["item", "title", "中文标题", "kind", "engaged users"],
        [
            [
                i.item_id,
                i.title_en or "—",
                i.title_zh or "—",
                i.kind or "—",
                f"{i.users:,}" if i.users is not None else f"< {r.scope.k} (suppressed)",
            ]
            for i in shown
        ],  # fmt: skip
        {4},
    )
    h.method(
        [
            "Engaged users: distinct users with any event on the item over the period.",
            f"Privacy (engaged users per item): {r.items_privacy}",
        ]
    )


def _audiences(h: _Html, r: PartnerReport) -> None:
    for a in r.audiences:
        name = r.title_of(a.item_id)
        h.add(f"<h3>{e(name)}</h3>")
        top = a.top("age_band")
        if top is not None and top.lift is not None:
            h.add(
                f"<p>Over-represented: the {e(top.value)} age band, ×{top.lift:.1f} its share of "
                "all engagement.</p>"
            )
        h.chart(
            charts.audience_bars(a),
            f"Share of the engagement with {name} by age band, against all engagement.",
            missing=f"{name}: every age band suppressed (fewer than k users).",
        )
    h.method(
        [
            "Audience profile (as `culturebridge audience --item`): each age band's share of the "
            "item's weighted engagement against its share of all engagement; lift = item share "
            "/ base share, with Benjamini–Hochberg adjusted tests.",
            f"Age bands come from birth year at the reference date {r.scope.reference_date}.",
            *(f"Privacy (audience of {a.item_id}): {a.privacy.note()}" for a in r.audiences),
        ]
    )


def _dim_noun(d: str) -> str:
    return {"item": "title", "kind": "kind", "genre": "genre"}.get(d, d)


def _preferences(h: _Html, r: PartnerReport, labels: dict[str, str]) -> None:
    for p in r.preferences:
        if not has_rows(p):
            continue
        lbl = {**labels, OTHER_PARTNERS: "(other partners' items)"}
        h.add(f"<h3>{e(p.segment)} by {e(_dim_noun(p.dimension))}</h3>")
        sig = [
            x for x in p.rows if x.significant and (x.ci_low or 0) > 1 and x.value != OTHER_PARTNERS
        ]
        if sig:
            best = max(sig, key=lambda x: x.lift or 0)
            h.add(
                f"<p>{e(p.segment_definition)} over-index most on "
                f"{e(lbl.get(best.value, best.value))}: ×{best.lift:.2f} "
                f"(95% CI {best.ci_low:.2f}–{best.ci_high:.2f}).</p>"
            )
        h.chart(
            charts.preference_bars(p, lbl),
            f"Lift of {p.segment} against all users by {_dim_noun(p.dimension)} (the 12 largest; "
            "blue: the whole 95% interval above 1).",
            missing="Every value suppressed.",
        )
    h.method(
        [
            "Preferences (as `culturebridge prefs -s SEGMENT --by DIM`): the segment's share of "
            "weighted engagement per value against all users' share; lift with a "
            "user-clustered 95% interval, Benjamini–Hochberg adjusted.",
            *(f"Segment {s}: {d}" for s, d in r.key_segments.items()),
            *(f"Privacy ({p.segment} by {p.dimension}): {p.privacy.note()}" for p in r.preferences),
        ]
    )


def _trends(h: _Html, r: PartnerReport, labels: dict[str, str]) -> None:
    t = r.item_trends
    notes: list[str] = []
    if t is not None and t.rows:
        rows = [x for x in t.rows if x.value != OTHER_PARTNERS and not x.suppressed]
        rows.sort(key=lambda x: -(x.users or 0))
        lbl = labels if t.dimension == "item" else {}
        series = [(lbl.get(x.value, x.value), x) for x in top_rows(t)]
        noun = "your titles" if t.dimension == "item" else "each kind"
        h.add(f"<h3>Weekly share of all engagement: {e(noun)}</h3>")
        sig = [x for x in rows if x.significant and x.relative_change is not None]
        if sig:
            h.add("<ul>")
            for x in sorted(sig, key=lambda x: -abs(x.relative_change or 0))[:5]:
                h.add(
                    f"<li>{e(lbl.get(x.value, x.value))}: {e(x.direction)} "
                    f"{(x.growth_rate or x.relative_change or 0):+.1%} a week</li>"
                )
            h.add("</ul>")
        h.chart(
            charts.trend_lines(series, forecast=True),
            f"Weekly share of all users' weighted engagement for {noun} with the most engaged "
            "users; dashed: forecast with its 80% band.",
            missing="Every week suppressed.",
        )
        notes += [
            f"Trends by {t.dimension}: Mann–Kendall test per series (Benjamini–Hochberg), "
            "Sen's slope over the mean share as the weekly change; damped-trend forecast.",
            f"Privacy (weekly cells by {t.dimension}): {t.privacy.note()}",
            f"Privacy (per value by {t.dimension}): {t.value_privacy.note()}",
        ]
    ov = r.overview
    if ov is not None and ov.trend_series:
        h.add("<h3>Market trends: the strongest rising and falling values (all users)</h3>")
        h.chart(
            charts.trend_lines([(s.label, s.row) for s in ov.trend_series]),
            "Weekly share of engagement for the values moving fastest on the platform; dashed: "
            "forecast with its 80% band.",
            missing="Every week suppressed.",
        )
        notes.append(
            "Market trends: the overview's strongest significant rising and falling values "
            "(genre tags that repeat an attribute value are drawn as the attribute)."
        )
    h.method(notes)


def _fashion(h: _Html, r: PartnerReport) -> None:
    f = r.fashion
    assert f is not None
    h.add(
        f"<p>{e(f.segment_label)} ({e(f.segment)}) against {e(f.baseline_definition)}: what "
        "this audience over-indexes on, by attribute.</p>"
    )
    for attr in ("category", "colour", "pattern", "style"):
        rows = [
            x
            for x in f.rows
            if x.attribute == attr
            and x.source == "catalogue"
            and not x.suppressed
            and x.preference.lift is not None
        ]
        if not rows:
            continue
        rows.sort(key=lambda x: -(x.preference.lift or 0))
        bars = [(x.label + (f" ({x.label_zh})" if x.label_zh else ""), x.preference) for x in rows]
        h.add(f"<h3>{e(attr)}</h3>")
        h.chart(
            charts.lift_bars(bars[:10]),
            f"Lift of {f.segment} against {f.baseline} by {attr} (catalogue attributes).",
            missing="Every value suppressed.",
        )
    movers = [x for x in f.rows if x.trend is not None and x.trend.significant and not x.suppressed]
    movers.sort(key=lambda x: -abs((x.trend.relative_change if x.trend else 0) or 0))
    if movers:
        h.add(f"<h3>Movers in {e(f.segment)}</h3><ul>")
        for x in movers[:6]:
            h.add(f"<li>{e(x.sentence or x.label)}</li>")
        h.add("</ul>")
        h.chart(
            charts.trend_lines(
                [(f"{x.attribute}: {x.label}", x.trend) for x in movers[:5] if x.trend],
                forecast=False,
            ),
            f"Weekly share within {f.segment}'s fashion engagement for the significant movers.",
            missing="Every week suppressed.",
        )
    products = [i for i in r.items if i.kind == "fashion"]
    if products and r.partner != PLATFORM:
        h.add("<h3>Your products</h3>")
        h.table(
            [
                "item",
                "title",
                "中文标题",
                "category",
                "colour",
                "pattern",
                "style",
                "engaged users",
            ],
            [
                [
                    i.item_id,
                    i.title_en or "—",
                    i.title_zh or "—",
                    i.attributes.get("category", "—"),
                    i.attributes.get("colour", "—"),
                    i.attributes.get("pattern", "—"),
                    i.attributes.get("style", "—"),
                    f"{i.users:,}" if i.users is not None else "suppressed",
                ]
                for i in products[:20]
            ],  # fmt: skip
            {7},
        )
    h.method(
        [
            "Fashion trends (as `culturebridge fashion trends --segment "
            f"{f.segment}`): the segment's share of engagement with fashion items per attribute "
            "value against the baseline, lift with a user-clustered interval "
            f"(Benjamini–Hochberg at {f.alpha:g}); trends are Mann–Kendall per {f.period}.",
            f"Sources: {', '.join(f.sources)}"
            + (f"; left out: {'; '.join(f.skipped)}" if f.skipped else ""),
            f"Segment {f.segment}: {f.segment_definition}",
            *(f"Privacy ({n.what}): {n.report.note()}" for n in f.privacy),
        ]
    )


def _social(h: _Html, r: PartnerReport) -> None:
    m = r.mentions
    assert m is not None
    rows = [x for x in m.rows if x.item_id != OTHER_PARTNERS and x.posts and not x.suppressed]
    rows.sort(key=lambda x: -(x.posts or 0))
    h.add(f"<p>{m.posts:,} posts read; {m.linked_posts:,} name at least one item in scope.</p>")
    h.chart(
        charts.count_bars(
            [(r.title_of(x.item_id), float(x.posts or 0)) for x in rows[:12]],
            x_title="posts naming the item",
        ),
        "Posts naming each of the most-mentioned items (Chinese or English title, alias or "
        "pinyin).",
        missing="No item's mentions could be published (fewer than k authors).",
    )
    s = r.sentiment
    notes = [
        "Mentions (as `culturebridge social mentions`): posts linked to items by title, alias "
        "and pinyin forms; each item is one privacy cell counted in distinct authors.",
        f"Privacy (mentions): {m.privacy.note()}",
    ]
    if s is not None:
        drawn = r.sentiment_monthly or s
        unit = drawn.period
        top = [x.item_id for x in rows[:4]]
        series = []
        for item in top:
            cells = sorted(
                (c for c in drawn.cells if c.item_id == item), key=lambda c: c.period_start
            )
            if cells:
                points = [(c.period_start.isoformat(), c.negative_share) for c in cells]
                series.append((r.title_of(item), points))
        h.add(f"<h3>Negative share of posts per {e(unit)}</h3>")
        h.chart(
            charts.weekly_lines(series, y_title="negative share of posts", percent=True),
            f"Share of each {unit}'s posts naming the item that read as negative; gaps: "
            f"{unit}s suppressed (fewer than k authors)."
            + (
                f" Platform-wide: {_pct(drawn.platform_negative_share)} of linked posts."
                if drawn.platform_negative_share is not None
                else ""
            ),
            missing=f"No {unit}ly sentiment could be published for the most-mentioned items.",
        )
        if s.alerts:
            h.add("<h3>Alerts</h3>")
            h.table(
                ["week", "item", "posts", "negative", "baseline"],
                [
                    [
                        a.period_start.isoformat(),
                        r.title_of(a.item_id),
                        a.posts,
                        _pct(a.negative_share),
                        _pct(a.baseline_share),
                    ]
                    for a in s.alerts
                ],  # fmt: skip
                {2, 3, 4},
            )
        else:
            h.add(f'<p class="note">No sentiment alert among {s.tested} item-weeks tested.</p>')
        notes += [
            "Sentiment (as `culturebridge social alerts`): each post scored by the shipped "
            "Chinese sentiment model (character n-grams with an emoji and slang lexicon); an "
            "alert is a week whose negative share rises significantly above the item's own "
            f"baseline (alpha {s.config.alpha:g}, at least {s.config.min_posts} posts).",
            f"Privacy (weekly sentiment cells): {s.privacy.note()}",
            *(
                [f"Privacy (monthly sentiment cells): {r.sentiment_monthly.privacy.note()}"]
                if r.sentiment_monthly is not None
                else []
            ),
        ]
    h.method(notes)


def _campaigns(h: _Html, r: PartnerReport) -> None:
    notes: list[str] = []
    for rep in r.campaigns:
        an = rep.analysis
        h.add(f"<h3>{e(rep.name or rep.campaign_id)} <small>({e(rep.campaign_id)})</small></h3>")
        when = ""
        if rep.start and rep.end:
            when = f"{rep.start.date()} to {rep.end.date()}, "
        h.add(f"<p>{e(when)}{rep.units:,} users randomised. {e(an.srm.message)}</p>")
        rows = []
        for c in an.comparisons:
            kind = next((m.kind for m in an.metrics if m.metric == c.metric), "binary")
            lift = (
                "—"
                if c.lift is None
                else (f"{c.lift * 100:+.2f} pp" if kind == "binary" else f"{c.lift:+,.2f}")
            )
            ci = "" if c.ci_low is None or c.ci_high is None else (
                f"{c.ci_low * 100:+.2f} to {c.ci_high * 100:+.2f}" if kind == "binary"
                else f"{c.ci_low:+,.2f} to {c.ci_high:+,.2f}"
            )  # fmt: skip
            p = (
                "—"
                if c.p_value is None
                else ("<0.0001" if c.p_value < 1e-4 else f"{c.p_value:.4f}")
            )
            rows.append([c.metric, f"{c.arm} vs {an.settings.control}", lift, ci, p])
        h.table(["metric", "arms", "lift", "95% CI", "p"], rows, set())
        h.chart(
            charts.campaign_arm_bars(rep),
            "Mean per user in each arm, with 95% intervals.",
            missing="No arm could be published.",
        )
        kinds = {m.metric: m.kind for m in an.metrics}
        sig = [t for t in an.segments if t.significant and not t.suppressed]
        if sig:
            h.add(
                "<p>Segments where the campaign worked (significant after "
                f"{e(an.settings.correction)} correction):</p><ul>"
            )
            for m in kinds:
                rows_m = sorted((t for t in sig if t.metric == m), key=lambda t: -(t.lift or 0))
                for t in rows_m[:SEGMENTS_LISTED]:
                    h.add(f'<li class="sig">{e(_segment_effect(t, kinds[m]))}</li>')
                if len(rows_m) > SEGMENTS_LISTED:
                    h.add(f"<li>… {len(rows_m) - SEGMENTS_LISTED} more for {e(m)}</li>")
            h.add("</ul>")
        else:
            h.add('<p class="note">No segment shows a significant effect after correction.</p>')
        metric = next((m.metric for m in an.metrics if m.metric == "conversion"), None) or (
            an.metrics[0].metric if an.metrics else None
        )
        dims = list(dict.fromkeys(t.dimension for t in an.segments))
        for d in dims:
            if metric is None:
                break
            h.chart(
                charts.campaign_segment_bars(rep, metric=metric, dimension=d),
                f"Lift in {metric} by {d} (green: significant after correction), "
                "with 95% intervals.",
                missing=f"{d}: every segment suppressed (fewer than {an.settings.min_cell} users).",
            )
        suppressed = sum(1 for t in an.segments if t.suppressed)
        notes += [
            f"{rep.campaign_id} (as `culturebridge campaign report --campaign "
            f"{rep.campaign_id}`): users as randomised (intention to treat), metrics per user "
            f"over the campaign window ({', '.join(m.metric for m in an.metrics)}); lifts with "
            "95% intervals against the control arm "
            f"'{an.settings.control}', CUPED on a {rep.pre_days}-day pre-period where available.",
            f"Sample-ratio check: chi-square p={an.srm.p_value:.3g} "
            f"(flag below {an.srm.threshold:g}).",
            f"Segments: {', '.join(dims)}; {an.settings.correction} correction at alpha "
            f"{an.settings.alpha:g}; cells below {an.settings.min_cell} users suppressed "
            f"({suppressed} of {len(an.segments)} segment tests).",
        ]
        if rep.dropped:
            notes.append("Left out: " + ", ".join(f"{k}: {v:,}" for k, v in rep.dropped.items()))
    h.method(notes)


def _segment_effect(t: SegmentTest, kind: str) -> str:
    """ "conversion, age_band 25-34: +10.7 pp (95% CI +8.8 to +12.5; 5.2% → 15.9%)"."""
    lift, lo, hi = t.lift or 0.0, t.ci_low or 0.0, t.ci_high or 0.0
    if kind == "binary":
        effect = f"{lift * 100:+.1f} pp (95% CI {lo * 100:+.1f} to {hi * 100:+.1f}"
        means = f"{_pct(t.control_mean)} → {_pct(t.arm_mean)}"
    else:
        effect = f"{lift:+,.2f} (95% CI {lo:+,.2f} to {hi:+,.2f}"
        means = f"{t.control_mean or 0:,.2f} → {t.arm_mean or 0:,.2f}"
    return f"{t.metric}, {t.dimension} {t.segment}: {effect}; {means})"


def _localisation(h: _Html, r: PartnerReport) -> None:
    q = r.localise
    assert q is not None
    h.add(
        f"<p>{q.items} items checked: {len(q.missing)} missing Chinese texts, "
        f"{len(q.inconsistencies)} terminology problems, {len(q.too_long)} texts over the "
        "interface limits.</p>"
    )
    if q.missing:
        h.add("<h3>Missing Chinese text</h3>")
        h.table(
            ["item", "title", "field"],
            [[m["item_id"], m["title"], m["field"]] for m in q.missing[:15]],
            set(),
        )
    if q.inconsistencies:
        h.add("<h3>Terminology</h3>")
        h.table(
            ["item", "field", "term", "expected", "problem", "found"],
            [
                [x["item_id"], x["field"], x["term"], x["expected"], x["problem"], x["found"]]
                for x in q.inconsistencies[:15]
            ],
            set(),
        )
    if q.too_long:
        h.add("<h3>Too long for the interface</h3>")
        h.table(
            ["item", "field", "length", "limit"],
            [[x["item_id"], x["field"], x["length"], x["limit"]] for x in q.too_long[:15]],
            {2, 3},
        )
    h.method(
        [
            "As `culturebridge localise check`: the catalogue's titles and descriptions against "
            "the workspace's termbase (user terms, titles, partner names, packaged glossary, "
            "fashion lexicon) and the interface limits "
            + ", ".join(f"{k} {v}" for k, v in q.limits.items())
            + " characters.",
            "Catalogue text only: no user data is involved, so no privacy threshold applies.",
        ]
    )


def _esports(h: _Html, r: PartnerReport) -> None:
    for lb in r.leaderboards:
        h.add(f"<h3>{e(lb.game)} <small>({lb.matches:,} matches)</small></h3>")
        h.chart(
            charts.leaderboard_chart([(s.name, s.rating, s.sd) for s in lb.standings]),
            "Top players by conservative rating (rating − 2 sd); whiskers: ±2 sd.",
            missing="Nobody with 10+ matches.",
        )
    h.method(
        [
            "As `culturebridge esports leaderboard`: the culturebridge rating model with its "
            "default settings, run online over every match in time order; players with at "
            f"least 10 matches, the top {LEADERBOARD_TOP} per game by rating − 2 sd.",
            "Player handles as they appear in the matches table; no audience data is used.",
        ]
    )


# ---------------------------------------------------------------------------- files


class WrittenReport(BaseModel):
    html: str
    pdf: str | None = None
    sections: list[str]
    sha256: str
    bytes: int


def chromium_path() -> Path | None:
    """The Chromium that prints PDFs: $CULTUREBRIDGE_CHROMIUM, else `chromium` on PATH, else
    /usr/bin/chromium."""
    env = os.environ.get("CULTUREBRIDGE_CHROMIUM")
    if env:
        return Path(env) if Path(env).exists() else None
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return Path(found)
    default = Path("/usr/bin/chromium")
    return default if default.exists() else None


def chromium_args(user_data_dir: Path) -> list[str]:
    """Headless, offline-minded flags: no background networking, updates, sync or GPU."""
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-default-apps",
        "--disable-extensions",
        f"--user-data-dir={user_data_dir}",
        "--window-size=760,1100",
        "--run-all-compositor-stages-before-draw",
        "--virtual-time-budget=10000",
    ]


def write_pdf(html_path: Path, pdf_path: Path, *, timeout_s: float = 180.0) -> Path:
    """Print the HTML report to PDF with headless Chromium (charts drawn first)."""
    exe = chromium_path()
    if exe is None:
        raise UserError(
            "--pdf needs Chromium (not found: install the chromium package or set "
            f"CULTUREBRIDGE_CHROMIUM); the HTML report was written to {html_path}"
        )
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_pdf = pdf_path.with_name(f".{pdf_path.name}.{os.getpid()}.tmp")
    with tempfile.TemporaryDirectory(prefix="cb-chromium-") as profile:
        cmd = [
            str(exe),
            *chromium_args(Path(profile)),
            f"--print-to-pdf={tmp_pdf}",
            "--no-pdf-header-footer",
            html_path.resolve().as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            tmp_pdf.unlink(missing_ok=True)
            raise UserError(
                f"Chromium did not finish printing the PDF in {timeout_s:g} s; the HTML report "
                f"was written to {html_path}"
            ) from None
    if proc.returncode != 0 or not tmp_pdf.exists() or tmp_pdf.stat().st_size == 0:
        tmp_pdf.unlink(missing_ok=True)
        last = (proc.stderr.decode("utf-8", "replace").strip().splitlines() or [""])[-1]
        raise UserError(
            f"Chromium could not print the PDF (exit {proc.returncode}: {last[:200]}); the HTML "
            f"report was written to {html_path}"
        )
    tmp_pdf.replace(pdf_path)
    return pdf_path


def write_partner_report(
    ws: Workspace,
    released: Released[PartnerReport],
    output: Path,
    *,
    pdf: Path | None = None,
) -> WrittenReport:
    """Write the HTML (atomically), optionally its PDF, and log the export to the audit log."""
    from culturebridge.privacy import audit, who

    if output.suffix.lower() not in (".html", ".htm"):
        raise UserError(f"--output: expected an .html file, not {output}")
    text = partner_report_html(released)
    report = released.value
    data = text.encode("utf-8")
    path = write_report_file(output, text)
    digest = hashlib.sha256(data).hexdigest()
    entry: dict[str, Any] = {
        "ts": datetime.now(UTC).isoformat(timespec="seconds"),
        "channel": "report",
        "who": who(),
        "command": "report",
        "kind": "report",
        "partner": report.partner,
        "params": {"sections": report.sections},
        "k": report.scope.k,
        "path": str(path.resolve()),
        "rows": len(report.sections),
        "sha256": digest,
        "status": "exported",
    }
    audit(ws.root, entry)
    written_pdf = None
    if pdf is not None:
        written_pdf = write_pdf(path, pdf)
        pdf_digest = hashlib.sha256(written_pdf.read_bytes()).hexdigest()
        audit(
            ws.root,
            {**entry, "path": str(written_pdf.resolve()), "sha256": pdf_digest, "format": "pdf"},
        )
    return WrittenReport(
        html=str(path),
        pdf=str(written_pdf) if written_pdf is not None else None,
        sections=report.sections,
        sha256=digest,
        bytes=len(data),
    )


__all__ = [
    "WrittenReport",
    "chromium_path",
    "partner_report_html",
    "write_partner_report",
    "write_pdf",
]
