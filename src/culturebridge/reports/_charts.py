"""Interactive charts for self-contained reports: Plotly.js figure specs built from typed results.

Why Plotly.js, inlined: a partner report travels by mail and chat and is opened offline, so the
charts must draw with nothing fetched; Plotly.js ships inside the installed `plotly` package
(`package_data/plotly.min.js`) and is pasted once into each HTML file. The Python figure API of
`plotly` is not used (it takes seconds to import): each builder here returns the plain
`{"data": [...], "layout": {...}}` dict that `Plotly.newPlot` takes, so a builder is cheap,
testable and serialisable with the result it draws.

Why no URL can be fetched: only bar and scatter traces are drawn (no geo/map traces, which
load tiles and fonts), `typesetMath` is off (no MathJax), and every layout names a local
system font stack. `chart_html` escapes the JSON so a title such as `</script>` stays a title.

Each builder returns None when it has nothing to draw: a report omits the chart (with a line
saying why) rather than drawing an empty frame.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from culturebridge.analytics import (
    AudienceResult,
    BreakdownResult,
    FunnelResult,
    PathsResult,
    PreferenceRow,
    PreferencesResult,
    ReachResult,
    StepFunnelResult,
    StickinessResult,
    TrendRow,
    TrendsResult,
)
from culturebridge.campaign import CampaignReport
from culturebridge.errors import UserError
from culturebridge.esports import StandingRow
from culturebridge.fashion import FashionTrendsResult
from culturebridge.localise import CheckResult
from culturebridge.social import ItemSentiment, MentionsResult

Figure = dict[str, Any]

FONT_FAMILY = (
    'system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB", '
    '"Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", sans-serif'
)
ACCENT = "#2563eb"
GREY = "#9ca3af"
UP = "#15803d"
DOWN = "#b91c1c"
PALETTE = ("#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626")
CONFIG: dict[str, Any] = {
    "displayModeBar": False,
    "staticPlot": False,
    "responsive": True,
    "typesetMath": False,
    "showLink": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
}
"""What every chart is drawn with: no mode bar (its "send to cloud" and image export are not
needed offline), no MathJax, resized with the page."""

AGE_ORDER = ("<15", "15-17", "18-24", "25-34", "35-44", "45-54", "55+", "unknown")

_JS_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


# ---------------------------------------------------------------------------- plotly.js


def plotly_js_path() -> Path:
    """Where the installed `plotly` package keeps `plotly.min.js` (found without importing
    `plotly`, whose import is slow)."""
    spec = find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise UserError("the plotly package is not installed; install culturebridge's dependencies")
    path = Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise UserError(f"plotly.js is missing from the plotly package (expected {path})")
    return path


@cache
def plotly_js() -> str:
    """The Plotly.js bundle, ready to sit inside one `<script>` element."""
    text = plotly_js_path().read_text(encoding="utf-8")
    # a literal "</script" would end the element early; the bundle has none, but be sure
    return text.replace("</script", "<\\/script")


def to_js(obj: Any) -> str:
    """JSON that is safe inside an HTML `<script>` element."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str).translate(
        _JS_ESCAPES
    )


def chart_html(div_id: str, figure: Figure, *, height: int | None = None) -> str:
    """One chart: a `<div>` and the script that draws `figure` into it (needs `plotly_js()`
    earlier in the page)."""
    h = int(height or figure.get("layout", {}).get("height") or 320)
    safe_id = "".join(c if c.isalnum() or c in "-_" else "-" for c in div_id)
    return (
        f'<div class="chart" id="{safe_id}" style="height:{h}px"></div>\n'
        f"<script>Plotly.newPlot({to_js(safe_id)},{to_js(figure['data'])},"
        f"{to_js(figure['layout'])},{to_js(CONFIG)});</script>"
    )


def _layout(title: str | None = None, *, height: int = 320, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 40 if title else 16, "b": 44},
        "font": {"family": FONT_FAMILY, "size": 12, "color": "#1f2937"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
        "legend": {"orientation": "h", "y": -0.18},
    }
    if title:
        layout["title"] = {"text": title, "x": 0, "xanchor": "left", "font": {"size": 14}}
    layout.update(extra)
    return layout


def _short(text: str, n: int = 34) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# ---------------------------------------------------------------------------- builders


def lift_bars(
    rows: Sequence[tuple[str, PreferenceRow]],
    *,
    hidden: int = 0,
    k: int | None = None,
    title: str | None = None,
    x_title: str = "lift (×, 1 = same as baseline)",
) -> Figure | None:
    """Horizontal lift bars for (label, preference row) pairs, whiskers at the 95% interval, a
    dotted line at 1×; significant values (after Benjamini–Hochberg) in colour. `hidden`
    suppressed values are counted under the bars, never drawn."""
    rows = [r for r in rows if r[1].lift is not None and not r[1].suppressed]
    if not rows:
        return None
    rows = sorted(rows, key=lambda r: r[1].lift or 0.0)
    prefs = [r for _, r in rows]
    lifts = [round(r.lift or 0.0, 4) for r in prefs]
    colours = [(UP if (r.lift or 0) > 1 else DOWN) if r.significant else GREY for r in prefs]
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": lifts,
        "y": [_short(label, 40) for label, _ in rows],
        "marker": {"color": colours},
        "error_x": {
            "type": "data",
            "array": [round((r.ci_high or r.lift or 0) - (r.lift or 0), 4) for r in prefs],
            "arrayminus": [round((r.lift or 0) - (r.ci_low or r.lift or 0), 4) for r in prefs],
            "color": "#374151",
        },
        "customdata": [[r.segment_share, r.baseline_share, r.p_adj] for r in prefs],
        "hovertemplate": "%{y}: ×%{x:.2f}<br>%{customdata[0]:.1%} vs %{customdata[1]:.1%}"
        "<br>p adj %{customdata[2]:.2g}<extra></extra>",
    }
    extra: dict[str, Any] = {}
    if hidden:
        below = f" (fewer than k={k} users)" if k else ""
        extra["annotations"] = [
            {
                "text": f"+ {hidden} value(s) suppressed{below}",
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": -0.02,
                "yanchor": "top",
                "showarrow": False,
                "font": {"size": 11, "color": "#6b7280"},
            }
        ]
    layout = _layout(
        title,
        height=max(180, 70 + 24 * len(rows)),
        xaxis={"title": {"text": x_title}, "zeroline": False, "gridcolor": "#e5e7eb"},
        yaxis={"automargin": True},
        shapes=[
            {
                "type": "line",
                "x0": 1,
                "x1": 1,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": {"color": "#6b7280", "dash": "dot", "width": 1},
            }
        ],
        showlegend=False,
        **extra,
    )
    return {"data": [trace], "layout": layout}


def preference_bars(
    rows: PreferencesResult | Sequence[PreferenceRow],
    labels: Mapping[str, str] | None = None,
    *,
    limit: int = 12,
    title: str | None = None,
) -> Figure | None:
    """A segment's lift per value (the `limit` largest shown values), with intervals."""
    k = rows.privacy.k if isinstance(rows, PreferencesResult) else None
    prefs = rows.rows if isinstance(rows, PreferencesResult) else list(rows)
    labels = labels or {}
    shown = sorted(
        (r for r in prefs if r.lift is not None and not r.suppressed),
        key=lambda r: r.lift or 0.0,
        reverse=True,
    )[:limit]
    hidden = sum(r.suppressed for r in prefs)
    return lift_bars(
        [(labels.get(r.value, r.value), r) for r in shown], hidden=hidden, k=k, title=title
    )


def trend_lines(
    series: Sequence[tuple[str, TrendRow]],
    *,
    title: str | None = None,
    y_title: str = "share of engagement",
    forecast: bool = True,
) -> Figure | None:
    """Weekly shares, one line per labelled row; the forecast (if any) dashed with its band."""
    data: list[dict[str, Any]] = []
    for i, (label, row) in enumerate(series):
        pts = [p for p in row.points if p.share is not None and not p.suppressed]
        if not pts:
            continue
        colour = PALETTE[i % len(PALETTE)]
        name = _short(label, 40)
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "x": [p.period_start.isoformat() for p in pts],
                "y": [round(p.share or 0.0, 6) for p in pts],
                "line": {"color": colour, "width": 2},
                "marker": {"size": 4},
                "hovertemplate": f"{name}<br>%{{x}}: %{{y:.1%}}<extra></extra>",
            }
        )
        if forecast and row.forecast:
            fx = [f.period_start.isoformat() for f in row.forecast]
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": [*fx, *reversed(fx)],
                    "y": [
                        *(round(f.high, 6) for f in row.forecast),
                        *(round(f.low, 6) for f in reversed(row.forecast)),
                    ],
                    "fill": "toself",
                    "fillcolor": "rgba(37,99,235,0.12)",
                    "line": {"width": 0},
                    "hoverinfo": "skip",
                    "showlegend": False,
                }
            )
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": f"{name} (forecast)",
                    "x": fx,
                    "y": [round(f.share, 6) for f in row.forecast],
                    "line": {"color": colour, "dash": "dash", "width": 1.5},
                    "showlegend": False,
                }
            )
    if not data:
        return None
    layout = _layout(
        title,
        height=340,
        yaxis={"title": {"text": y_title}, "tickformat": ".0%", "gridcolor": "#e5e7eb"},
        xaxis={"type": "date", "gridcolor": "#f3f4f6"},
    )
    return {"data": data, "layout": layout}


def audience_bars(a: AudienceResult, *, title: str | None = None) -> Figure | None:
    """The item's audience against everyone's, per age band (suppressed bands left out)."""
    order = {b: i for i, b in enumerate(AGE_ORDER)}
    rows = sorted(
        (
            r
            for r in a.rows
            if r.dimension == "age_band" and not r.suppressed and r.item_share is not None
        ),
        key=lambda r: order.get(r.value, len(order)),
    )
    if not rows:
        return None
    x = [r.value for r in rows]
    data = [
        {
            "type": "bar",
            "name": "this item",
            "x": x,
            "y": [round(r.item_share or 0.0, 5) for r in rows],
            "marker": {"color": ACCENT},
            "hovertemplate": "%{x}: %{y:.1%} of the item's engagement<extra></extra>",
        },
        {
            "type": "bar",
            "name": "all engagement",
            "x": x,
            "y": [round(r.base_share or 0.0, 5) for r in rows],
            "marker": {"color": GREY},
            "hovertemplate": "%{x}: %{y:.1%} of all engagement<extra></extra>",
        },
    ]
    layout = _layout(
        title,
        height=280,
        barmode="group",
        yaxis={"tickformat": ".0%", "gridcolor": "#e5e7eb", "title": {"text": "share"}},
        xaxis={"title": {"text": "age band"}, "type": "category"},
    )
    return {"data": data, "layout": layout}


def funnel_bars(f: FunnelResult, *, title: str | None = None) -> Figure | None:
    """Step conversion per stage, segment against baseline, with 95% intervals."""
    stages = [s for s in f.stages if s != "impression"]
    prev = dict(zip(f.stages[1:], f.stages, strict=False))
    data = []
    names = {"segment": f.segment, "baseline": f.baseline or "baseline"}
    for g, colour in (("segment", ACCENT), ("baseline", GREY)):
        rows = {r.stage: r for r in f.rows if r.group == g}
        xs, ys, hi, lo = [], [], [], []
        for s in stages:
            r = rows.get(s)
            if r is None or r.suppressed or r.rate_from_previous is None:
                continue
            xs.append(f"{prev.get(s, '')} → {s}")
            ys.append(round(r.rate_from_previous, 5))
            hi.append(round((r.rate_from_previous_ci_high or r.rate_from_previous) - ys[-1], 5))
            lo.append(round(ys[-1] - (r.rate_from_previous_ci_low or r.rate_from_previous), 5))
        if xs:
            data.append(
                {
                    "type": "bar",
                    "name": names[g],
                    "x": xs,
                    "y": ys,
                    "marker": {"color": colour},
                    "error_y": {"type": "data", "array": hi, "arrayminus": lo},
                    "hovertemplate": "%{x}: %{y:.1%}<extra>" + names[g] + "</extra>",
                }
            )
    if not data:
        return None
    layout = _layout(
        title,
        height=300,
        barmode="group",
        yaxis={"tickformat": ".0%", "gridcolor": "#e5e7eb", "title": {"text": "step conversion"}},
    )
    return {"data": data, "layout": layout}


def reach_bars(r: ReachResult, *, title: str | None = None) -> Figure | None:
    """Users reached and active users per period (suppressed periods left out)."""
    rows = sorted(
        (x for x in r.rows if not x.suppressed and x.users is not None),
        key=lambda x: x.period_start,
    )
    if not rows:
        return None
    x = [row.period_start.isoformat() for row in rows]
    data = [
        {
            "type": "bar",
            "name": "users reached",
            "x": x,
            "y": [row.users for row in rows],
            "marker": {"color": "#bfdbfe"},
        },
        {
            "type": "bar",
            "name": "active users",
            "x": x,
            "y": [row.active_users for row in rows],
            "marker": {"color": ACCENT},
        },
    ]
    layout = _layout(
        title,
        height=280,
        barmode="overlay",
        xaxis={"type": "date"},
        yaxis={"gridcolor": "#e5e7eb", "title": {"text": "users"}},
    )
    return {"data": data, "layout": layout}


def campaign_arm_bars(rep: CampaignReport, *, title: str | None = None) -> Figure | None:
    """Each metric's mean per arm with its 95% interval (one group per metric)."""
    an = rep.analysis
    kinds = {m.metric: m.kind for m in an.metrics}
    metrics = [m for m in kinds if kinds[m] == "binary"] or list(kinds)
    arms = sorted({a.arm for a in an.arms}, key=lambda x: (x != an.settings.control, x))
    data = []
    for i, arm in enumerate(arms):
        rows = [a for a in an.arms if a.arm == arm and a.metric in metrics and a.mean is not None]
        if not rows:
            continue
        data.append(
            {
                "type": "bar",
                "name": arm,
                "x": [a.metric for a in rows],
                "y": [round(a.mean or 0.0, 6) for a in rows],
                "marker": {"color": GREY if arm == an.settings.control else PALETTE[i]},
                "error_y": {
                    "type": "data",
                    "array": [round((a.ci_high or a.mean or 0) - (a.mean or 0), 6) for a in rows],
                    "arrayminus": [
                        round((a.mean or 0) - (a.ci_low or a.mean or 0), 6) for a in rows
                    ],
                },
                "hovertemplate": "%{x}: %{y:.2%}<extra>" + arm + "</extra>",
            }
        )
    if not data:
        return None
    layout = _layout(
        title,
        height=300,
        barmode="group",
        yaxis={"tickformat": ".1%", "gridcolor": "#e5e7eb", "title": {"text": "rate per user"}},
    )
    return {"data": data, "layout": layout}


def campaign_segment_bars(
    rep: CampaignReport, *, metric: str, dimension: str, title: str | None = None
) -> Figure | None:
    """Absolute lift (treatment − control) per segment of one dimension, with intervals;
    significant segments (after the report's correction) in colour."""
    rows = [
        t
        for t in rep.analysis.segments
        if t.metric == metric
        and t.dimension == dimension
        and not t.suppressed
        and t.lift is not None
    ]
    if not rows:
        return None
    order = {b: i for i, b in enumerate(AGE_ORDER)}
    rows.sort(key=lambda t: (order.get(t.segment, len(order)), t.segment, t.arm))
    arms = sorted({t.arm for t in rows})
    x = [t.segment if len(arms) == 1 else f"{t.segment} ({t.arm})" for t in rows]
    trace = {
        "type": "bar",
        "x": x,
        "y": [round(t.lift or 0.0, 6) for t in rows],
        "marker": {"color": [UP if t.significant else GREY for t in rows]},
        "error_y": {
            "type": "data",
            "array": [round((t.ci_high or t.lift or 0) - (t.lift or 0), 6) for t in rows],
            "arrayminus": [round((t.lift or 0) - (t.ci_low or t.lift or 0), 6) for t in rows],
        },
        "hovertemplate": "%{x}: %{y:+.2%}<extra></extra>",
    }
    layout = _layout(
        title,
        height=300,
        showlegend=False,
        xaxis={"type": "category"},
        yaxis={
            "tickformat": "+.0%",
            "gridcolor": "#e5e7eb",
            "title": {"text": f"lift in {metric} (points)"},
            "zerolinecolor": "#6b7280",
        },
    )
    return {"data": [trace], "layout": layout}


def count_bars(
    rows: Sequence[tuple[str, float]],
    *,
    title: str | None = None,
    x_title: str = "",
    colour: str = ACCENT,
) -> Figure | None:
    """Plain horizontal bars (largest on top): mentions per item, ratings per player."""
    rows = [r for r in rows if r[1] is not None]
    if not rows:
        return None
    rows = sorted(rows, key=lambda r: r[1])
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": [r[1] for r in rows],
        "y": [_short(r[0], 40) for r in rows],
        "marker": {"color": colour},
        "hovertemplate": "%{y}: %{x:,}<extra></extra>",
    }
    layout = _layout(
        title,
        height=max(180, 60 + 24 * len(rows)),
        showlegend=False,
        xaxis={"title": {"text": x_title}, "gridcolor": "#e5e7eb"},
        yaxis={"automargin": True},
    )
    return {"data": [trace], "layout": layout}


def breakdown_bars(result: BreakdownResult, labels: Mapping[str, str]) -> Figure | None:
    """Users per value (largest on top), the previous period's beside them when compared. Each
    bar carries its raw value (`customdata`), so a click can drill down to it."""
    rows = [r for r in result.rows if r.users is not None][:20][::-1]
    if not rows:
        return None
    names = [_short(labels.get(r.value, r.value), 40) for r in rows]
    values = [r.value for r in rows]
    traces: list[dict[str, Any]] = []
    if result.previous_from is not None:
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": "previous period",
                "x": [r.previous_users for r in rows],
                "y": names,
                "customdata": values,
                "marker": {"color": GREY},
                "hovertemplate": "%{y}: %{x:,}<extra></extra>",
            }
        )
    traces.append(
        {
            "type": "bar",
            "orientation": "h",
            "name": "users",
            "x": [r.users for r in rows],
            "y": names,
            "customdata": values,
            "marker": {"color": ACCENT},
            "hovertemplate": "%{y}: %{x:,}<extra></extra>",
        }
    )
    layout = _layout(
        None,
        height=max(200, 60 + (36 if len(traces) > 1 else 24) * len(rows)),
        showlegend=len(traces) > 1,
        barmode="group",
        xaxis={"title": {"text": "users"}, "gridcolor": "#e5e7eb"},
        yaxis={"automargin": True},
    )
    return {"data": traces, "layout": layout}


def step_funnel_bars(
    result: StepFunnelResult, labels: Mapping[str, str] | None = None
) -> Figure | None:
    """Users at each chosen step, with the conversion from the previous one on each bar."""
    rows = [r for r in result.rows if r.users is not None]
    if not rows:
        return None
    words = labels or {}

    def name(i: int) -> str:
        step = result.step_specs[i - 1]
        text = "/".join(words.get(t, t) for t in step.event_types)
        if step.item_kinds:
            text += " · " + "/".join(words.get(k, k) for k in step.item_kinds)
        return f"{i}. {text}"

    rates = [r.rate_from_previous for r in rows]
    trace = {
        "type": "bar",
        "x": [name(r.step) for r in rows],
        "y": [r.users for r in rows],
        "text": ["" if x is None else f"{x:.1%}" for x in rates],
        "textposition": "outside",
        "marker": {"color": ACCENT},
        "hovertemplate": "%{x}: %{y:,}<extra></extra>",
    }
    layout = _layout(
        None,
        height=320,
        showlegend=False,
        yaxis={"title": {"text": "users"}, "gridcolor": "#e5e7eb"},
        xaxis={"automargin": True},
    )
    return {"data": [trace], "layout": layout}


def stickiness_bars(result: StickinessResult) -> Figure | None:
    rows = [r for r in result.rows if r.share is not None]
    if not rows:
        return None
    trace = {
        "type": "bar",
        "x": [str(r.active_days) for r in rows],
        "y": [round(r.share or 0.0, 5) for r in rows],
        "marker": {"color": ACCENT},
        "hovertemplate": "%{x}: %{y:.1%}<extra></extra>",
    }
    layout = _layout(
        None,
        height=280,
        showlegend=False,
        xaxis={"title": {"text": "days active in a week"}, "type": "category"},
        yaxis={"title": {"text": "share of user-weeks"}, "tickformat": ".0%"},
    )
    return {"data": [trace], "layout": layout}


def leaderboard_chart(
    rows: Sequence[tuple[str, float, float]], *, title: str | None = None
) -> Figure | None:
    """Players (best first) at the rating that ranks them, the conservative μ − 2σ (a dot), with
    a line to μ + 2σ and the mean μ marked on it: the dots fall in the board's order, so the
    chart and the table agree. Rows are (name, rating μ, sd σ)."""
    if not rows:
        return None
    ordered = list(reversed(rows))
    # dots, not bars: a rating has no zero, so a bar's length would mean nothing
    trace = {
        "type": "scatter",
        "mode": "markers",
        "name": "conservative rating (μ − 2σ)",
        "x": [round(r[1] - 2 * r[2], 1) for r in ordered],
        "y": [r[0] for r in ordered],
        "marker": {"color": ACCENT, "size": 9},
        "error_x": {
            "type": "data",
            "symmetric": False,
            "array": [round(4 * r[2], 1) for r in ordered],
            "arrayminus": [0 for _ in ordered],
        },
        "hovertemplate": "%{y}: %{x:.0f}<extra></extra>",
    }
    mean = {
        "type": "scatter",
        "mode": "markers",
        "name": "mean rating μ",
        "x": [round(r[1], 1) for r in ordered],
        "y": [r[0] for r in ordered],
        "marker": {"color": GREY, "size": 7, "symbol": "line-ns-open"},
        "hovertemplate": "%{y}: μ %{x:.0f}<extra></extra>",
    }
    lo = min(r[1] - 2 * r[2] for r in rows)
    hi = max(r[1] + 2 * r[2] for r in rows)
    pad = (hi - lo) * 0.1 + 1
    layout = _layout(
        title,
        height=max(200, 60 + 24 * len(rows)),
        showlegend=False,
        xaxis={
            "title": {"text": "conservative rating μ − 2σ (dot) to μ + 2σ"},
            "range": [lo - pad, hi + pad],
            "gridcolor": "#e5e7eb",
        },
        yaxis={"automargin": True, "type": "category"},
    )
    return {"data": [trace, mean], "layout": layout}


def weekly_lines(
    series: Sequence[tuple[str, Sequence[tuple[str, float | None]]]],
    *,
    title: str | None = None,
    y_title: str = "",
    percent: bool = False,
) -> Figure | None:
    """Lines over periods: series are (name, [(iso day, value or None)]); None breaks a line."""
    data: list[dict[str, Any]] = []
    for i, (name, pts) in enumerate(series):
        if not any(v is not None for _, v in pts):
            continue
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _short(name, 40),
                "x": [d for d, _ in pts],
                "y": [None if v is None else round(v, 6) for _, v in pts],
                "line": {"color": PALETTE[i % len(PALETTE)], "width": 2},
                "marker": {"size": 4},
                "connectgaps": False,
            }
        )
    if not data:
        return None
    yaxis: dict[str, Any] = {"title": {"text": y_title}, "gridcolor": "#e5e7eb"}
    if percent:
        yaxis["tickformat"] = ".0%"
    layout = _layout(title, height=320, xaxis={"type": "date"}, yaxis=yaxis)
    if sum(len(t["x"]) for t in data) <= 2 * len(data):  # a point or two: markers stand out
        for t in data:
            t["marker"] = {"size": 8}
    return {"data": data, "layout": layout}


def growth_bars(f: FashionTrendsResult, *, limit: int = 15, lang: str = "") -> Figure | None:
    """The significantly moving values (any source) with their growth interval, fastest on top.
    Labels are bilingual by default (the reports), in one language with `lang` (en or zh)."""
    # the significant movers (Mann–Kendall, BH-adjusted), as `fashion trends` calls them
    rows = [
        r
        for r in f.rows
        if not r.suppressed and r.growth.rate is not None and r.trend and r.trend.significant
    ]
    rows = sorted(rows, key=lambda r: r.growth.rate or 0.0, reverse=True)[:limit][::-1]
    if not rows:
        return None
    if lang == "zh":
        label = [
            f"{ZH.get(r.attribute, r.attribute)}：{r.label_zh or r.label}"
            + ("" if r.source == "catalogue" else f"（{ZH.get(r.source, r.source)}）")
            for r in rows
        ]
    else:
        label = [
            f"{r.attribute}: {r.label}"
            + (f" · {r.label_zh}" if r.label_zh and lang != "en" else "")
            + ("" if r.source == "catalogue" else f" ({r.source})")
            for r in rows
        ]
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": [round(r.growth.rate or 0.0, 5) for r in rows],
        "y": [_short(x, 40) for x in label],
        "marker": {"color": [UP if (r.growth.rate or 0) > 0 else DOWN for r in rows]},
        "error_x": {
            "type": "data",
            "array": [round((r.growth.high or r.growth.rate or 0) - (r.growth.rate or 0), 5)
                      for r in rows],
            "arrayminus": [round((r.growth.rate or 0) - (r.growth.low or r.growth.rate or 0), 5)
                           for r in rows],
        },
        "hovertemplate": "%{y}: %{x:+.1%} per " + f.period + "<extra></extra>",
    }  # fmt: skip
    layout = _layout(
        None,
        height=max(200, 60 + 24 * len(rows)),
        showlegend=False,
        xaxis={"title": {"text": f"growth per {f.period}"}, "tickformat": "+.0%"},
        yaxis={"automargin": True},
    )
    return {"data": [trace], "layout": layout}


# ---------------------------------------------------------------------------- one per result


def chart(result: object, labels: Mapping[str, str] | None = None, lang: str = "") -> Figure | None:
    """The chart of a released result, by its type: what the reports embed and the API serves
    (`Accept: application/vnd.plotly.v1+json`) to the dashboard. None: nothing to draw (every
    cell suppressed), or a result type that has no chart."""
    labels = labels or {}
    match result:
        case PreferencesResult():
            return preference_bars(result, labels)
        case [PreferenceRow(), *_]:
            return preference_bars([r for r in result if isinstance(r, PreferenceRow)], labels)
        case TrendsResult():
            rows = [r for r in result.rows if not r.suppressed and r.points][:8]
            return trend_lines([(labels.get(r.value, r.value), r) for r in rows], forecast=True)
        case AudienceResult():
            return audience_bars(result)
        case BreakdownResult():
            return breakdown_bars(result, labels)
        case StepFunnelResult():
            return step_funnel_bars(result, labels)
        case StickinessResult():
            return stickiness_bars(result)
        case PathsResult():
            went = [r for r in result.rows if r.users is not None][:15]
            return count_bars(
                [(f"{labels.get(r.next_type, r.next_type)} · "
                  f"{labels.get(r.next_kind, r.next_kind)}", r.users or 0) for r in went],
                x_title="users",
            )  # fmt: skip
        case FunnelResult():
            return funnel_bars(result)
        case ReachResult():
            return reach_bars(result)
        case CampaignReport():
            return campaign_arm_bars(result)
        case FashionTrendsResult():
            return growth_bars(result, lang=lang)
        case MentionsResult():
            # other partners' items fold into one row, which would dwarf a partner's own bars
            shown = [
                m
                for m in result.rows
                if not m.suppressed and m.posts and not m.item_id.startswith("(")
            ][:15]
            return count_bars(
                [(labels.get(m.item_id) or m.title_en or m.title_zh or m.item_id, m.posts or 0)
                 for m in shown],
                x_title="posts naming the item",
            )  # fmt: skip
        case [StandingRow(), *_]:
            board = [r for r in result if isinstance(r, StandingRow)][:20]
            return leaderboard_chart([(f"{r.rank}. {r.name}", r.rating, r.sd) for r in board])
        case CheckResult():
            return count_bars(
                [
                    ("missing Chinese text", len(result.missing)),
                    ("inconsistent terms", len(result.inconsistencies)),
                    ("too long", len(result.too_long)),
                ],
                x_title="findings",
            )
        case ItemSentiment():
            series = []
            for item in dict.fromkeys(c.item_id for c in result.cells):
                cells = sorted(
                    (c for c in result.cells if c.item_id == item), key=lambda c: c.period_start
                )
                pts = [(c.period_start.isoformat(), c.negative_share) for c in cells]
                series.append((labels.get(item, item), pts))
            return weekly_lines(series[:6], y_title="negative share of posts", percent=True)
    return None


ZH: dict[str, str] = {
    "lift (×, 1 = same as baseline)": "提升度（×，1 = 与基准相同）",
    "share of engagement": "互动份额",
    "share": "份额",
    "age band": "年龄段",
    "this item": "该条目",
    "all engagement": "全部互动",
    "step conversion": "分步转化率",
    "users reached": "触达用户",
    "active users": "活跃用户",
    "users": "用户数",
    "rate per user": "人均转化率",
    "posts naming the item": "提及该条目的帖子",
    "negative share of posts": "负面帖子占比",
    "growth per day": "每日增长",
    "growth per week": "每周增长",
    "growth per month": "每月增长",
    "baseline": "基准",
    "previous period": "上一周期",
    "similarity": "相似度",
    "category": "品类",
    "colour": "颜色",
    "pattern": "图案",
    "style": "风格",
    "material": "材质",
    "posts": "帖子",
    "images": "图片",
    "days active in a week": "每周活跃天数",
    "share of user-weeks": "用户周占比",
    "rating (± 2 sd)": "评分（± 2 标准差）",
    "conservative rating μ − 2σ (dot) to μ + 2σ": "保守评分 μ − 2σ（圆点）至 μ + 2σ",
    "conservative rating (μ − 2σ)": "保守评分（μ − 2σ）",
    "mean rating μ": "平均评分 μ",
    "missing Chinese text": "缺少中文文本",
    "inconsistent terms": "术语不一致",
    "too long": "文本过长",
    "findings": "问题数",
}
"""The words the charts print, in Chinese: axis titles and trace names."""


def _say(text: str, words: Mapping[str, str]) -> str:
    """A category label in the other language: whole, or step by step ("view → engage")."""
    if text in words:
        return words[text]
    if " → " in text:
        return " → ".join(words.get(part, part) for part in text.split(" → "))
    return text


def translate(figure: Figure, lang: str, labels: Mapping[str, str] | None = None) -> Figure:
    """`figure` with its axis titles, trace names and category labels in `lang` ("en" leaves
    it as is)."""
    if lang != "zh":
        return figure
    words = {**ZH, **(labels or {})}
    out: Figure = json.loads(json.dumps(figure))
    for trace in out.get("data", []):
        if isinstance(trace.get("name"), str):
            trace["name"] = words.get(trace["name"], trace["name"])
        for axis in ("x", "y"):  # category labels
            values = trace.get(axis)
            if isinstance(values, list):
                trace[axis] = [_say(v, words) if isinstance(v, str) else v for v in values]
    dated = any(
        isinstance(t.get("x"), list)
        and t["x"]
        and isinstance(t["x"][0], str)
        and re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", t["x"][0])
        for t in out.get("data", [])
    )
    if dated:  # Plotly names months in English ("Mar 2026"): numbers read in any language
        layout = out.setdefault("layout", {})
        layout.setdefault("xaxis", {})["tickformat"] = "%Y-%m-%d"
    for axis in ("xaxis", "yaxis"):
        title = out.get("layout", {}).get(axis, {}).get("title")
        if isinstance(title, dict) and isinstance(title.get("text"), str):
            title["text"] = words.get(title["text"], title["text"])
    return out


__all__ = [
    "CONFIG",
    "ZH",
    "breakdown_bars",
    "chart",
    "growth_bars",
    "translate",
    "FONT_FAMILY",
    "Figure",
    "audience_bars",
    "campaign_arm_bars",
    "campaign_segment_bars",
    "chart_html",
    "count_bars",
    "funnel_bars",
    "leaderboard_chart",
    "lift_bars",
    "plotly_js",
    "plotly_js_path",
    "preference_bars",
    "reach_bars",
    "to_js",
    "trend_lines",
    "weekly_lines",
]
