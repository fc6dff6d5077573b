"""The workspace overview: the strongest findings and their charts in ONE self-contained HTML file.

Why one file with nothing outside it: the report goes to partners by mail or chat and is opened
on machines (and in countries) where a CDN, a web font or an image host may be blocked or may
log who read what. So the CSS is inline, Plotly.js (from the installed `plotly` package) is
inlined once, every chart is the spec `_charts` builds for its result type (the same one the
partner report embeds and the API serves to the dashboard), and no URL appears in any `src`,
`href` or `url(`.

Why every data string is escaped: titles, segment names and attribute values come from partners'
files; `html.escape` on each of them (text and attributes alike) keeps a title such as
`<script>…` a title.

`build_overview` runs the analyses once (see `_findings.scan`) and returns a typed `Overview`;
`overview_html` only formats it, so the CLI, the API and tests can share one computation.
"""

from __future__ import annotations

import html
import math
import os
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from culturebridge import __version__
from culturebridge.analytics import (
    DEFAULT_WEIGHTS,
    AudienceResult,
    ForecastPoint,
    FunnelResult,
    PreferencesResult,
    ReachResult,
    TrendRow,
    TrendsConfig,
    TrendsResult,
    breakdown,
    reach,
)
from culturebridge.campaign import CampaignReport, report_workspace
from culturebridge.errors import UserError
from culturebridge.privacy import Released
from culturebridge.query import ALL, Analysis, Scope, describe_segment, item_titles
from culturebridge.reports._charts import (
    Figure,
    audience_bars,
    chart_html,
    funnel_bars,
    plotly_js,
    preference_bars,
    reach_bars,
    trend_lines,
)
from culturebridge.reports._findings import (
    Finding,
    FindingsConfig,
    FindingsScan,
    ItemTitle,
    per_week,
    scan,
    trend_finding,
    value_label,
)
from culturebridge.stats import forecast
from culturebridge.workspace import Workspace

REPORT_FILE = Path("reports") / "overview.html"
"""Where `write_overview` puts the report, relative to the workspace."""

AGE_ORDER = ("<15", "15-17", "18-24", "25-34", "35-44", "45-54", "55+", "unknown")


class TrendSeries(BaseModel):
    """One value's weekly share, drawn with its forecast band."""

    dimension: str
    label: str
    row: TrendRow
    weeks: list[date]


class PrivacyNote(BaseModel):
    """What the guard did to one result that the overview used."""

    what: str
    note: str


class Overview(BaseModel):
    """Everything the overview report shows, computed once: findings and the results behind the
    charts. The CLI prints `findings`; `overview_html` draws the rest."""

    workspace: str
    generated_at: datetime
    version: str = __version__
    scope: Scope
    findings: list[Finding]
    segments: dict[str, str]
    """Segment name -> its definition in words."""
    segments_zh: dict[str, str] = Field(default_factory=dict)
    """The same in Chinese."""
    trend_series: list[TrendSeries]
    trends: list[Finding]
    """Every significant weekly trend (all users), strongest first."""
    preferences: list[PreferencesResult]
    audience: AudienceResult | None = None
    audience_item: ItemTitle | None = None
    funnel: FunnelResult | None = None
    reach: ReachResult | None = None
    weights: dict[str, float]
    config: FindingsConfig
    privacy: list[PrivacyNote]
    campaigns: list[CampaignReport] = Field(default_factory=list)
    """Every randomised campaign in scope (one with assignments), analysed."""
    skipped: list[str] = Field(default_factory=list)
    elapsed_s: float = 0.0


# ---------------------------------------------------------------------------- build


def build_overview(
    a: Analysis,
    *,
    n: int = 8,
    segments: Sequence[str] | None = None,
    dimensions: Sequence[str] | None = None,
    config: FindingsConfig | None = None,
    charts: int = 3,
) -> Overview:
    """Scan the workspace, then add what only the report needs: weekly reach and forecasts for
    the trend lines it draws (at most two rising and two falling values)."""
    started = time.perf_counter()
    config = config or FindingsConfig()
    s = scan(a, segments=segments, dimensions=dimensions, config=config)
    top = s.findings[:n] if a.partner is None else partner_first(a, s.findings, n)
    series = _trend_series(s, config)
    pairs: list[tuple[str, str]] = []
    for f in top:
        if f.kind == "preference" and (f.segment, f.dimension) not in pairs:
            pairs.append((f.segment, f.dimension))
    prefs = [p for seg, dim in pairs[:charts] if (p := s.preference(seg, dim)) is not None]
    weekly = reach(a, segment=ALL, period="week")
    audience = s.audiences[0] if s.audiences else None
    notes = [
        *(
            PrivacyNote(
                what=f"preferences {p.segment} vs all by {p.dimension}", note=p.privacy.note()
            )
            for p in s.preferences
        ),
        *(
            note
            for t in s.trends
            for note in (
                PrivacyNote(what=f"trends by {t.dimension}: weekly cells", note=t.privacy.note()),
                PrivacyNote(
                    what=f"trends by {t.dimension}: per value", note=t.value_privacy.note()
                ),
            )
        ),
        PrivacyNote(what="reach per week", note=weekly.privacy.note()),
    ]
    if s.funnel is not None:
        notes.append(
            PrivacyNote(what=f"funnel {s.funnel.segment} vs all", note=s.funnel.privacy.note())
        )
    if audience is not None:
        notes.append(
            PrivacyNote(what=f"audience of {audience.item_id}", note=audience.privacy.note())
        )
    segs = dict.fromkeys(
        [*(p.segment for p in s.preferences), *(f.segment for f in s.findings if f.segment != ALL)]
    )
    campaigns, campaign_skips = _campaign_reports(a)
    return Overview(
        workspace=a.ws.config.name,
        generated_at=datetime.now(UTC).replace(microsecond=0),
        scope=a.scope(),
        findings=top,
        segments={name: a.describe(name) for name in segs},
        segments_zh={
            name: describe_segment(name, a.segments, "zh") if name != ALL else "全体用户"
            for name in segs
        },
        trend_series=series,
        trends=_all_trends(s),
        preferences=prefs,
        audience=audience,
        audience_item=s.titles.get(audience.item_id) if audience is not None else None,
        funnel=s.funnel,
        reach=weekly,
        weights=dict(s.preferences[0].weights) if s.preferences else dict(DEFAULT_WEIGHTS),
        config=config,
        privacy=notes,
        campaigns=campaigns,
        skipped=[*s.skipped, *campaign_skips],
        elapsed_s=round(time.perf_counter() - started, 2),
    )


class OwnItem(BaseModel):
    item_id: str
    kind: str | None = None
    genres: list[str] = Field(default_factory=list)
    attributes: dict[str, str] = Field(default_factory=dict)


def own_items(a: Analysis) -> list[OwnItem]:
    """The items of `a`'s partner, with what a finding may name of them."""
    t = a.items()
    t = t.filter(t.partner_id == a.partner).select("item_id", "kind", "genres", "attributes")
    out = []
    for r in a.run(t).to_pylist():
        attrs = r.get("attributes") or {}
        if isinstance(attrs, list):  # a map arrives from Arrow as (key, value) pairs
            attrs = dict(attrs)
        out.append(
            OwnItem(
                item_id=r["item_id"],
                kind=r["kind"],
                genres=[str(g) for g in r.get("genres") or []],
                attributes={str(k): str(v) for k, v in attrs.items() if v is not None},
            )
        )
    return out


def about(f: Finding, items: Sequence[OwnItem]) -> bool:
    """Whether a finding speaks of the partner whose `items` these are: one of its items, or a
    kind, genre or attribute value one of them carries."""
    if f.kind == "funnel":
        return False
    if f.dimension == "item":
        return any(i.item_id == f.value for i in items)
    if f.dimension == "kind":
        return any(i.kind == f.value for i in items)
    if f.dimension in ("genre", "genres"):
        return any(f.value in i.genres for i in items)
    if f.dimension.startswith("attributes."):
        key = f.dimension.removeprefix("attributes.")
        return any(i.attributes.get(key) == f.value for i in items)
    return False


def partner_first(a: Analysis, findings: Sequence[Finding], n: int) -> list[Finding]:
    """For a partner: the findings about it first (each marked `about_partner`), then the
    platform's; when none is about it, its most engaged item (the guarded breakdown by item)
    leads, so that a partner's overview always opens on its own catalogue."""
    items = own_items(a)
    marked = [f.model_copy(update={"about_partner": about(f, items)}) for f in findings]
    mine = [f for f in marked if f.about_partner]
    if not mine and items:
        rows = breakdown(a, by="item", items_of=a.partner).rows
        top = next((r for r in rows if r.users is not None), None)
        if top is not None:
            title = item_titles(a.ws, [top.value]).get(top.value)
            kind = next((i.kind for i in items if i.item_id == top.value), None) or "item"
            name = title.label("en") if title is not None else top.value
            mine = [
                Finding(
                    kind="catalogue",
                    headline=f"{name} is your most engaged {kind}: {top.users:,} users engaged "
                    f"with it ({top.share_of_users:.0%} of the users of your items)",
                    segment=ALL,
                    segment_label="all users",
                    dimension="item",
                    value=top.value,
                    label=name,
                    title_zh=title.title_zh if title is not None else None,
                    users=top.users,
                    strength=0.0,
                    about_partner=True,
                )
            ]
    return [*mine, *(f for f in marked if not f.about_partner)][:n]


def _campaign_reports(a: Analysis) -> tuple[list[CampaignReport], list[str]]:
    """Analyses of the campaigns in scope that were randomised (have assignments); a campaign
    that cannot be analysed is named in `skipped` with the reason, never dropped silently."""
    camps = a.con.table("campaigns")
    if a.partner is not None:
        camps = camps.filter(camps.partner_id == a.partner)
    asg = a.con.table("assignments")
    ids = a.run(
        camps.semi_join(asg, camps.campaign_id == asg.campaign_id)
        .select("campaign_id")
        .order_by("campaign_id")
    ).column("campaign_id")
    out, skipped = [], []
    for cid in ids.to_pylist():
        try:
            out.append(report_workspace(a, cid))
        except UserError as exc:
            skipped.append(f"campaign {cid}: {exc}")
    return out, skipped


def _all_trends(s: FindingsScan) -> list[Finding]:
    """Every significant trend as a finding, except genre tags that repeat an attribute value
    (the attribute's series tells that story over the items that carry it)."""
    attribute_values = {
        r.value.casefold()
        for t in s.trends
        if t.dimension.startswith("attributes.")
        for r in t.rows
        if r.significant
    }
    out = [
        trend_finding(t.dimension, row, len(t.periods), s.titles)
        for t in s.trends
        for row in t.rows
        if row.significant
        and not row.suppressed
        and row.relative_change is not None
        and not (t.dimension in ("genre", "genres") and row.value.casefold() in attribute_values)
    ]
    return sorted(out, key=lambda f: f.strength, reverse=True)


def _trend_series(s: FindingsScan, config: FindingsConfig, per_side: int = 2) -> list[TrendSeries]:
    """The strongest rising and falling values (a genre that repeats an attribute value is the
    same story: the attribute is drawn), each with a forecast."""
    candidates: list[tuple[float, TrendsResult, TrendRow]] = []
    attribute_values = {
        r.value.casefold()
        for t in s.trends
        if t.dimension.startswith("attributes.")
        for r in t.rows
        if r.significant
    }
    for t in s.trends:
        for r in t.rows:
            if not r.significant or r.suppressed or r.relative_change is None:
                continue
            if t.dimension in ("genre", "genres") and r.value.casefold() in attribute_values:
                continue
            candidates.append((abs(r.relative_change), t, r))
    candidates.sort(key=lambda c: c[0], reverse=True)
    out: list[TrendSeries] = []
    for direction in ("rising", "falling"):
        for _, t, r in [c for c in candidates if c[2].direction == direction][:per_side]:
            label, _ = value_label(t.dimension, r.value, s.titles)
            out.append(
                TrendSeries(
                    dimension=t.dimension,
                    label=label,
                    row=_with_forecast(r, t),
                    weeks=list(t.periods),
                )
            )
    return out


def _with_forecast(row: TrendRow, t: TrendsResult) -> TrendRow:
    """The forecast `analytics.trends` would attach (same model, horizon and level). The scan
    skips it for every series (a damped-trend fit each costs more than the engine pass); only
    the few series drawn here get one."""
    cfg = TrendsConfig()
    if any(p.suppressed for p in row.points) or t.period != "week" or not t.periods:
        return row
    # rounded as in `analytics.trends`, so both give the same forecast
    history = np.round(np.array([p.share or 0.0 for p in row.points]), 12)
    f = forecast(history, horizon=cfg.horizon, level=cfg.level)
    last = t.periods[-1]
    points = [
        ForecastPoint(
            period_start=last + timedelta(weeks=h + 1),
            share=float(f.mean[h]),
            low=float(f.low[h]),
            high=float(f.high[h]),
        )
        for h in range(cfg.horizon)
    ]
    return row.model_copy(update={"forecast": points, "forecast_method": f.method})


def write_overview(
    ws: Workspace,
    overview: Released[Overview] | None = None,
    *,
    path: Path | None = None,
    partner: str | None = None,
    n: int = 8,
) -> Path:
    """Write the HTML overview (default `DIR/reports/overview.html`) and return its path.

    Without `overview`, the analyses run first (as `partner` when given). The file is written
    beside its final name and then renamed, so a reader never sees half a report.
    """
    if overview is None:
        with Analysis.open(ws, partner=partner) as a:
            overview = a.publish(build_overview(a, n=n))
    target = path if path is not None else ws.root / REPORT_FILE
    if target.is_dir():
        target = target / REPORT_FILE.name
    return write_report_file(target, overview_html(overview))


def write_report_file(target: Path, text: str) -> Path:
    """Write a report beside its final name and rename it, so a reader never sees half a
    report; a failure is one UserError line."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        raise UserError(f"cannot write the report to {target}: {exc.strerror or exc}") from None
    return target


# ---------------------------------------------------------------------------- html


def e(text: object) -> str:
    """Escape any data for HTML text or a quoted attribute."""
    return html.escape(str(text), quote=True)


def _pct(x: float | None, digits: int = 1) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x:.{digits}%}"


def _num(x: float | None, spec: str = ",") -> str:
    return "—" if x is None else format(x, spec)


def _p(x: float | None) -> str:
    if x is None:
        return "—"
    return "< 1e-12" if x < 1e-12 else f"{x:.2g}"


CSS = """
:root { --ink:#1f2937; --muted:#6b7280; --line:#e5e7eb; --accent:#2563eb; --up:#15803d;
        --down:#b91c1c; --band:rgba(37,99,235,.15); --bg:#f8fafc; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB",
             "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h1 small { font-weight: 400; color: var(--muted); font-size: 18px; margin-left: 8px; }
h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 1px solid var(--line);
     padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 4px; }
.meta, .note, figcaption { color: var(--muted); font-size: 13px; }
section.card { background: #fff; border: 1px solid var(--line); border-radius: 8px;
               padding: 12px 16px; margin: 12px 0; }
ol.findings { padding-left: 28px; }
ol.findings li { margin: 8px 0; }
ol.findings .h { font-weight: 600; }
.badge { display: inline-block; font-size: 11px; text-transform: uppercase; letter-spacing: .04em;
         padding: 1px 6px; border-radius: 4px; background: #eef2ff; color: #3730a3;
         margin-right: 6px; }
.badge.trend { background: #ecfdf5; color: #065f46; }
.badge.audience { background: #fff7ed; color: #9a3412; }
.badge.funnel { background: #fdf2f8; color: #9d174d; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 12px; }
figure { margin: 0; }
.chart { width: 100%; }
p.muted, td.muted { color: var(--muted); }
p.warn { color: #b91c1c; font-weight: 600; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line);
         vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.up { color: var(--up); } .down { color: var(--down); }
details summary { cursor: pointer; color: var(--accent); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
"""


def overview_html(overview: Released[Overview]) -> str:
    """The overview as one self-contained HTML document (UTF-8, inline CSS and Plotly.js, whose
    charts are the same specs the partner report embeds and the API serves)."""
    o = overview.value
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(f'Audience overview: {o.workspace}')}</title>",
        f"<style>{CSS}</style>",
        f"<script>{plotly_js()}</script>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>Audience overview: {e(o.workspace)}<small>受众洞察概览</small></h1>",
        f'<p class="meta">{e(_scope_line(o))}</p>',
        _findings_section(o),
        _trends_section(o),
        _preferences_section(o),
        _audience_section(o),
        _funnel_section(o),
        _reach_section(o),
        _campaigns_section(o),
        _method_section(o),
        f"<footer>Generated by culturebridge {e(o.version)} at "
        f"{e(o.generated_at.isoformat())} in {o.elapsed_s:g} s. This file is self-contained: "
        "it loads nothing from the network.</footer>",
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _scope_line(o: Overview) -> str:
    s = o.scope
    period = "all data"
    if s.period_from or s.period_to:
        period = f"{s.period_from or '…'} to {s.period_to or '…'}"
    who = (
        f"partner {s.partner} (item-level figures for its own items only)"
        if s.partner
        else "the platform"
    )
    return (
        f"Reference date {s.reference_date.isoformat()} · period: {period} · as {who} · "
        f"engine {s.backend} · cells with fewer than k={s.k} users are suppressed"
    )


def _findings_section(o: Overview) -> str:
    if not o.findings:
        return (
            '<section class="card"><h2>Strongest findings</h2><p>No finding passed the tests '
            "(significant after Benjamini–Hochberg, lift interval above 1).</p></section>"
        )
    items = []
    for f in o.findings:
        meta = [f"segment {f.segment}"]
        if f.segment in o.segments:
            meta[0] += f" ({o.segments[f.segment]})"
        meta.append(f"dimension {f.dimension}")
        if f.p_adj is not None:
            meta.append(f"p adj {_p(f.p_adj)}")
        if f.users is not None:
            meta.append(f"{f.users:,} users")
        meta.append(f"strength {f.strength:.2f}")
        items.append(
            f'<li><span class="badge {e(f.kind)}">{e(f.kind)}</span>'
            f'<span class="h">{e(f.headline)}</span><br>'
            f'<span class="meta">{e(" · ".join(meta))}</span></li>'
        )
    return (
        '<section class="card"><h2>Strongest findings</h2>'
        f'<ol class="findings">{"".join(items)}</ol></section>'
    )


def _trends_section(o: Overview) -> str:
    if not o.trend_series and not o.trends:
        return ""
    charts = []
    for i, s in enumerate(o.trend_series):
        r = s.row
        cls = "up" if r.direction == "rising" else "down"
        fc = ""
        if r.forecast:
            method = e(r.forecast_method or "")
            fc = f"; forecast ({method}, 80% interval) to {r.forecast[-1].period_start}"
        charts.append(
            "<figure>"
            f'<h3>{e(s.label[:1].upper() + s.label[1:])} <span class="{cls}">'
            f"{e(r.direction)} {e(per_week(r.growth_rate or r.relative_change or 0.0))}</span></h3>"
            f"{figure(f'trend-{i}', trend_lines([(s.label, r)]), 'every week suppressed')}"
            f"<figcaption>Weekly share of {e(_noun(s.dimension))} (all users), p adj "
            f"{e(_p(r.p_adj))}{fc}.</figcaption></figure>"
        )
    rows = "".join(
        f"<tr><td>{e(f.label)}</td><td>{e(f.dimension)}</td>"
        f'<td class="{"up" if f.direction == "rising" else "down"}">{e(f.direction or "")}</td>'
        f'<td class="n">{e(per_week(f.growth or f.relative_change or 0.0))}</td>'
        f'<td class="n">{e(_p(f.p_adj))}</td></tr>'
        for f in o.trends[:20]
    )
    table = ""
    if rows:
        more = f" ({len(o.trends) - 20} more not shown)" if len(o.trends) > 20 else ""
        table = (
            f"<h3>Every significant weekly trend{e(more)}</h3><table><thead><tr><th>value</th>"
            '<th>dimension</th><th>direction</th><th class="n">per week</th>'
            f'<th class="n">p adj</th></tr></thead><tbody>{rows}</tbody></table>'
        )
    return (
        '<section class="card"><h2>What is rising and falling</h2>'
        f'<div class="grid">{"".join(charts)}</div>{table}</section>'
    )


def _noun(dimension: str) -> str:
    if dimension == "kind":
        return "all engagement"
    if dimension in ("genre", "genres"):
        return "engagement by genre"
    return f"engagement by {dimension.removeprefix('attributes.')}"


def _preferences_section(o: Overview) -> str:
    if not o.preferences:
        return ""
    figs = []
    for i, p in enumerate(o.preferences):
        engaged = _num(p.segment_users) if p.segment_users is not None else "fewer than k"
        figs.append(
            "<figure>"
            f"<h3>{e(p.segment)} vs all users, by {e(p.dimension)}</h3>"
            f"{figure(f'prefs-{i}', preference_bars(p, limit=10), 'every value suppressed')}"
            f"<figcaption>{e(p.segment)}: {e(p.segment_definition)}; "
            f"{e(engaged)} engaged users. Bars: lift (segment share ÷ everyone's share); "
            "whiskers: 95% interval; "
            "dashed line: 1×; coloured: significant after Benjamini–Hochberg. Privacy: "
            f"{e(p.privacy.note())}.</figcaption></figure>"
        )
    return (
        '<section class="card"><h2>Who over-indexes on what</h2>'
        f'<div class="grid">{"".join(figs)}</div></section>'
    )


def _audience_section(o: Overview) -> str:
    a = o.audience
    if a is None:
        return ""
    t = o.audience_item
    name = t.name if t else a.item_id
    zh = f" · {t.title_zh}" if t and t.title_zh and t.title_zh != name else ""
    users = f"{a.item_users:,} engaged users" if a.item_users is not None else "fewer than k users"
    return (
        '<section class="card"><h2>The most skewed audience</h2><figure>'
        f'<h3>{e(name)}{e(zh)} <span class="meta">({e(a.item_id)}; {e(users)})</span></h3>'
        f"{figure('audience', audience_bars(a), 'every age band suppressed')}"
        "<figcaption>Share of the item's weighted engagement by age band (coloured) against "
        "the share of all engagement (grey), with the lift. Privacy: "
        f"{e(a.privacy.note())}.</figcaption></figure></section>"
    )


def _funnel_section(o: Overview) -> str:
    f = o.funnel
    if f is None:
        return ""
    return (
        '<section class="card"><h2>Funnel: impression → view → engage → purchase</h2><figure>'
        f"{figure('funnel', funnel_bars(f), 'every stage suppressed')}"
        f"<figcaption>Step conversion for {e(f.segment)} ({e(f.segment_definition)}, "
        "coloured) and all users (grey), with user-clustered 95% intervals; the label gives "
        "the step rate and, in brackets, the rate from impression. Privacy: "
        f"{e(f.privacy.note())}.</figcaption></figure></section>"
    )


def _reach_section(o: Overview) -> str:
    r = o.reach
    if r is None or not r.rows:
        return ""
    return (
        '<section class="card"><h2>Reach per week</h2><figure>'
        f"{figure('reach', reach_bars(r), 'every week suppressed')}"
        "<figcaption>Distinct users with any event in the week (light) and active users, who "
        "did more than see or click (dark). Privacy: "
        f"{e(r.privacy.note())}.</figcaption></figure></section>"
    )


def _campaign_lift(x: float | None, kind: str) -> str:
    if x is None:
        return "–"
    return f"{x * 100:+.2f} pp" if kind == "binary" else f"{x:+,.2f}"


def _campaign_section(r: CampaignReport) -> str:
    an = r.analysis
    kinds = {m.metric: m.kind for m in an.metrics}
    srm = an.srm
    rows = []
    for c in an.comparisons:
        k = kinds[c.metric]

        def mean(x: float | None, binary: bool = k == "binary") -> str:
            return _pct(x, 2) if binary else _num(x, ",.2f")

        cuped = (
            f"{_campaign_lift(c.cuped.lift, k)} (variance −{(c.cuped.variance_reduction or 0):.0%})"
            if c.cuped is not None
            else "–"
        )
        rows.append(
            f"<tr><td>{e(c.metric)}</td><td>{e(c.arm)}</td><td>{mean(c.control_mean)}</td>"
            f"<td>{mean(c.arm_mean)}</td><td>{_campaign_lift(c.lift, k)} "
            f"[{_campaign_lift(c.ci_low, k)}, {_campaign_lift(c.ci_high, k)}]</td>"
            f"<td>{e(_p(c.p_value))}</td><td>{e(cuped)}</td></tr>"
        )
    primary = an.metrics[0].metric if an.metrics else ""
    seg_rows = []
    for t in an.segments:
        if t.metric != primary:
            continue
        k = kinds[t.metric]
        if t.suppressed:
            seg_rows.append(
                f"<tr><td>{e(t.dimension)}</td><td>{e(t.segment)}</td>"
                f'<td colspan="4" class="muted">{e(t.reason or "suppressed")}</td></tr>'
            )
            continue
        mark = "<strong>significant</strong>" if t.significant else ""
        seg_rows.append(
            f"<tr><td>{e(t.dimension)}</td><td>{e(t.segment)}</td>"
            f"<td>{t.n_arm or 0:,} / {t.n_control or 0:,}</td>"
            f"<td>{_campaign_lift(t.lift, k)} [{_campaign_lift(t.ci_low, k)}, "
            f"{_campaign_lift(t.ci_high, k)}]</td><td>{e(_p(t.p_adjusted))}</td>"
            f"<td>{mark}</td></tr>"
        )
    window = f"{r.start:%Y-%m-%d} to {r.end:%Y-%m-%d}" if r.start and r.end else "open window"
    label = "Holm" if an.settings.correction == "holm" else "Benjamini–Hochberg"
    return (
        f"<h3>{e(r.name)} <small>{e(r.campaign_id)}, {e(window)}, {r.units:,} users "
        f"assigned</small></h3>"
        f'<p class="{"warn" if srm.flagged else "muted"}">Sample ratio: {e(srm.message)}</p>'
        "<table><thead><tr><th>metric</th><th>arm</th><th>control</th><th>arm</th>"
        "<th>lift [95% CI]</th><th>p</th><th>CUPED lift</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        f"<p>For whom ({e(primary)}; p-values adjusted by {label} over all segments):</p>"
        "<table><thead><tr><th>dimension</th><th>segment</th><th>users (arm / control)</th>"
        "<th>lift [95% CI]</th><th>adjusted p</th><th></th></tr></thead>"
        f"<tbody>{''.join(seg_rows)}</tbody></table>"
    )


def _campaigns_section(o: Overview) -> str:
    if not o.campaigns:
        return ""
    return (
        '<section class="card"><h2>Campaigns: what changed, and for whom</h2>'
        + "".join(_campaign_section(r) for r in o.campaigns)
        + '<p class="muted">Outcomes per assigned user from assignment to the campaign end: '
        "conversion (a purchase), visit (a view or more), revenue; on the campaign partner's "
        "items. CUPED uses the same metrics over the 28 days before assignment. Segment cells "
        "below the privacy threshold are suppressed.</p></section>"
    )


def _method_section(o: Overview) -> str:
    c = o.config
    weights = ", ".join(f"{e(t)} {w:g}" for t, w in sorted(o.weights.items(), key=lambda x: -x[1]))
    notes = "".join(f"<tr><td>{e(n.what)}</td><td>{e(n.note)}</td></tr>" for n in o.privacy)
    scoped = ""
    if o.scope.partner:
        scoped = f" Item-level figures are restricted to partner {e(o.scope.partner)}'s items."
    skipped = ""
    if o.skipped:
        skipped = "<p>Not computed: " + "; ".join(e(s) for s in o.skipped) + ".</p>"
    return f"""<section class="card"><h2>How this was computed</h2>
<p><b>Engagement.</b> Every event counts with a weight by type ({weights}); a value's share is
its part of a group's weighted engagement with items that have a value on the dimension.</p>
<p><b>Preferences.</b> Each segment is compared with all users on each dimension. Lift is the
segment's share over everyone's; its 95% interval is user-clustered (one heavy user's many
events are not independent votes: delta method on the log lift); the two-sided z test's
p-values are adjusted with Benjamini–Hochberg within each segment × dimension. A preference is
reported when the adjusted p is below {c.alpha:g}, the interval's lower end is above 1 and the
lift is at least {c.min_lift:g}. Strength, which orders the list, is the log of the interval's
lower end: a conservative effect size.</p>
<p><b>Trends.</b> Weekly share of all users' weighted engagement per value; Mann–Kendall test
with Sen's slope, Benjamini–Hochberg across the values of a dimension; the relative change is
Sen's slope over the value's mean share per week. Strength is |relative change| × (weeks − 1),
about the log of the last-to-first ratio. Forecast: damped Holt (ETS A,Ad,N) with 80% prediction
intervals (a naive mean of the last weeks when the series is short).</p>
<p><b>Audiences and funnel.</b> The item whose audience is most skewed towards a segment is
profiled by age band (item share against the share of all engagement, user-clustered
intervals). The funnel follows journeys from an impression of an item to a view, an engagement
and a purchase; a funnel finding needs the two 95% intervals of the purchase rate apart.</p>
<p><b>One finding per story.</b> Two segments are the same audience when their overlap is at
least {c.overlap:.0%} of the smaller; a value is reported once per audience (a genre tag that
repeats an attribute value counts as that value), at most {c.max_per_segment} preferences per
audience lead the list, and the most skewed item and the strongest rising and falling values
stand for the rest.</p>
<p><b>Privacy.</b> Only aggregates leave the warehouse. Every cell that describes fewer than
k={o.scope.k} users is suppressed (its figures blanked and labelled), with complementary
suppression where a published total would reveal a suppressed cell; suppressed cells are never
drawn as zero.{scoped}</p>
{skipped}
<details><summary>Privacy note of each of the {len(o.privacy)} results used</summary>
<table><thead><tr><th>result</th><th>guard</th></tr></thead><tbody>{notes}</tbody></table>
</details></section>"""


def figure(div_id: str, fig: Figure | None, missing: str = "nothing to draw") -> str:
    """One chart (a Plotly.js spec from `_charts`), or a line saying why there is none."""
    if fig is None:
        return f'<p class="muted">{e(missing)}</p>'
    return chart_html(div_id, fig)


def _short(text: str, n: int = 24) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


__all__ = [
    "REPORT_FILE",
    "Overview",
    "PrivacyNote",
    "TrendSeries",
    "build_overview",
    "overview_html",
    "write_overview",
]
