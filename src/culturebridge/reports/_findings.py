"""The strongest findings of a workspace: what a reader should learn first, in one sentence each.

A finding is a typed record (`Finding`) that the CLI prints, the API serialises and the HTML
overview embeds. `scan` produces them from the ordinary analyses: it compares a default set of
demographic segments with every user along the item dimensions the workspace has, runs weekly
trends per dimension, and keeps what is both significant and large enough to matter:

- preference: a segment over-indexes on a value (BH-adjusted p < alpha, lower 95% bound above 1,
  lift at least `min_lift`), joined with the value's weekly trend when that is significant too;
- trend: a value's share of all users' engagement rises or falls (Mann–Kendall, BH-adjusted);
- audience: the item whose audience is most skewed towards one segment (by its title);
- funnel: the strongest segment converts impressions into purchases at a different rate.

Why a batched engine pass: a scan asks dozens of segment × dimension questions, each of which
alone re-reads and re-weights every event. `analytics.preferences_many` computes the same
per-value sums for every pair in one engine query, then finishes and guards each pair exactly as
`preferences` does (same statistics, same privacy guard), so a scan of the 1M event demo takes
seconds rather than a minute.

Strength, the sort key, is in natural-log units so that kinds compare: log of the lower 95%
bound of a lift (a conservative effect size), or |relative weekly change| × (weeks − 1) for a
trend (about the log of the last-to-first ratio).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, ConfigDict, Field

from culturebridge.analytics import (
    AudienceResult,
    FunnelResult,
    PreferenceRow,
    PreferencesResult,
    PrefsConfig,
    TrendRow,
    TrendsConfig,
    TrendsResult,
    funnel,
    item_audience,
    preferences_many,
    trends,
)
from culturebridge.errors import UserError
from culturebridge.query import ALL, OTHER_PARTNERS, Analysis, ItemTitle, segment_label

FindingKind = Literal["preference", "trend", "audience", "funnel", "catalogue"]

DEFAULT_SEGMENTS: tuple[str, ...] = (
    "teens",
    "gen_z",
    "young_adults",
    "adults_35_44",
    "older_45_plus",
    "tier1",
    "tier2",
    "tier3_4",
    "gen_z_tier1",
    "young_adults_tier2",
)
"""The demographic built-ins: who a partner usually asks about first. Missing ones are skipped."""

DEFAULT_DIMENSIONS: tuple[str, ...] = (
    "kind",
    "genre",
    "attributes.style",
    "attributes.colour",
    "attributes.pattern",
    "item",
)
"""Dimensions scanned by default; one without any value in the workspace is skipped."""

_EVERYONE = "\x00all"
"""Label of the all-users group in the batched query: no segment name can take it."""

KIND_PLURALS = {
    "film": "films",
    "series": "series",
    "documentary": "documentaries",
    "game": "games",
    "fashion": "fashion items",
    "tourism": "tourism offers",
    "esports_event": "e-sports events",
}
KIND_SINGULAR = {"esports_event": "e-sports event", "fashion": "fashion item"}


class FindingsConfig(BaseModel):
    """What counts as a finding, and how many of each sort the ranked list may hold."""

    model_config = ConfigDict(frozen=True)

    alpha: float = Field(default=0.05, gt=0, lt=1)
    """False-discovery rate (Benjamini–Hochberg) for preferences and trends."""
    min_lift: float = Field(default=1.25, ge=1)
    """A significant lift smaller than this is true but not worth a headline."""
    overlap: float = Field(default=0.5, gt=0, le=1)
    """Two segments are "the same audience" when their intersection is at least this share of
    the smaller one; a (dimension, value) is reported once per distinct audience."""
    max_per_segment: int = Field(default=2, ge=1)
    """Diversity: a segment takes at most this many of the top places (the rest follow)."""
    max_items: int = Field(default=1, ge=0)
    """Item-level (audience) findings kept: the most skewed item stands for the rest (items
    are many, and the next ones mostly repeat a segment's attribute preferences)."""
    max_trends: int = Field(default=2, ge=0)
    """Trend findings kept: the strongest rising and the strongest falling value first, then
    the next strongest. Every significant trend is still drawn and listed in the report."""
    funnel: bool = True
    """Compare the leading segment's funnel with everyone's (one more engine query)."""


class Finding(BaseModel):
    """One insight in one English sentence, with the figures behind it."""

    kind: FindingKind
    headline: str
    segment: str
    """Segment name (`all` for trends over every user)."""
    segment_label: str
    """The segment in words, e.g. "18–24s in tier-1 cities"."""
    dimension: str
    value: str
    label: str
    """The value in words (an item's English title, "guochao style")."""
    title_zh: str | None = None
    """An item's Chinese title, when it has one."""
    lift: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    relative_change: float | None = None
    """Sen's slope over the mean share, per week (the trend test's effect size, for ranking)."""
    growth: float | None = None
    """Growth per week, log-linear (+0.04 = rising 4% a week): the figure the headline, the CLI's
    `trends`, `fashion trends` and the dashboard all show."""
    direction: Literal["rising", "falling", "flat"] | None = None
    p_adj: float | None = None
    users: int | None = None
    strength: float
    """Sortable score in log units; higher is stronger."""
    about_partner: bool = False
    """About the report's partner: its items, or a kind, genre or attribute value they carry
    (a partner's report leads with these)."""


@dataclass
class FindingsScan:
    """Everything a scan computed: the ranked findings and the results behind them, so that a
    report can draw them without asking the engine again."""

    findings: list[Finding]
    preferences: list[PreferencesResult]
    trends: list[TrendsResult]
    audiences: list[AudienceResult] = field(default_factory=list)
    funnel: FunnelResult | None = None
    titles: dict[str, ItemTitle] = field(default_factory=dict)
    segment_labels: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    """What could not be computed, and why (e.g. too few weeks for trends)."""

    def preference(self, segment: str, dimension: str) -> PreferencesResult | None:
        return next(
            (p for p in self.preferences if p.segment == segment and p.dimension == dimension),
            None,
        )

    def trend(self, dimension: str) -> TrendsResult | None:
        return next((t for t in self.trends if t.dimension == dimension), None)


# ---------------------------------------------------------------------------- public


def strongest_findings(
    a: Analysis,
    *,
    segments: Sequence[str] | None = None,
    dimensions: Sequence[str] | None = None,
    n: int = 8,
    config: FindingsConfig | None = None,
) -> list[Finding]:
    """The `n` strongest findings of the workspace behind `a`, strongest first."""
    return scan(a, segments=segments, dimensions=dimensions, config=config).findings[:n]


def scan(
    a: Analysis,
    *,
    segments: Sequence[str] | None = None,
    dimensions: Sequence[str] | None = None,
    config: FindingsConfig | None = None,
) -> FindingsScan:
    """Run the analyses a first look needs, once each, and rank what they found.

    `segments` defaults to the demographic built-ins the workspace defines; `dimensions` to
    kind, genre, style, colour, pattern and item. Differential privacy is refused: a scan makes
    dozens of releases, each of which would be charged to the budget.
    """
    config = config or FindingsConfig()
    if a.noised:
        raise UserError(
            "the overview scans dozens of segment × dimension cuts and is not available with "
            "differential privacy (each cut would spend budget); run `prefs` or `trends` for "
            "the cuts you need, or unset privacy.epsilon"
        )
    if segments is None:
        names = [s for s in DEFAULT_SEGMENTS if s in a.segments]
    else:
        for s in segments:
            a.check_segment(s)
        names = list(dict.fromkeys(s for s in segments if s != ALL))
    dims = list(dict.fromkeys(dimensions if dimensions is not None else DEFAULT_DIMENSIONS))
    for d in dims:
        a.dimension(d)  # a clear error for an unknown dimension, before any work
    if not names:
        raise UserError("no segments to scan: name at least one segment")
    labels = {s: segment_label(s, a.segments) for s in [ALL, *names]}

    prefs_cfg = PrefsConfig(alpha=config.alpha)
    members = _memberships(a, names)
    prefs = preferences_many(a, names, dims, config=prefs_cfg)
    present = [d for d in dims if any(p.dimension == d for p in prefs)]
    skipped = [f"{d}: no values in the workspace" for d in dims if d not in present]

    trend_results: list[TrendsResult] = []
    for d in present:
        if d in ("item", "partner"):
            continue  # hundreds of series: the item-level story is the skewed audience
        try:
            trend_results.append(
                trends(a, by=d, period="week", config=TrendsConfig(horizon=0, alpha=config.alpha))
            )
        except UserError as exc:
            skipped.append(f"trends by {d}: {exc}")
            break  # the same range for every dimension: the others would fail alike

    item_ids = {
        r.value
        for p in prefs
        if p.dimension == "item"
        for r in p.rows
        if r.significant and r.value != OTHER_PARTNERS
    }
    titles = _titles(a, item_ids)
    overlap = _overlaps(a, members, names)
    out = FindingsScan(
        findings=[],
        preferences=prefs,
        trends=trend_results,
        titles=titles,
        segment_labels=labels,
        skipped=skipped,
    )
    findings = _rank(_candidates(out, config, overlap), config, overlap)

    lead = next((f for f in findings if f.kind == "preference"), None)
    if config.funnel and lead is not None:
        out.funnel = funnel(a, segment=lead.segment, vs=ALL, by_kind=False)
        extra = _funnel_finding(out.funnel, labels[lead.segment])
        if extra is not None:
            findings = _rank([*findings, extra], config, overlap)
    item = next((f for f in findings if f.kind == "audience"), None)
    if item is not None:
        out.audiences.append(item_audience(a, item_id=item.value))
    out.findings = findings
    return out


# ---------------------------------------------------------------------------- words


def value_label(dimension: str, value: str, titles: Mapping[str, ItemTitle]) -> tuple[str, bool]:
    """(the value in words, whether the phrase is plural) for a headline."""
    if dimension == "kind":
        return KIND_PLURALS.get(value, f"{value} items"), True
    if dimension in ("genre", "genres"):
        return f"the {value} genre", False
    if dimension == "partner":
        return f"partner {value}'s items", True
    if dimension == "item":
        t = titles.get(value)
        if t is None:
            return f"item {value}", False
        kind = KIND_SINGULAR.get(t.kind or "", t.kind or "item")
        zh = f" ({t.title_zh})" if t.title_zh and t.title_zh != t.name else ""
        return f"the {kind} “{t.name}”{zh}", False
    key = dimension.removeprefix("attributes.")
    if key == "style":
        return f"{value} style", False
    if key in ("colour", "color"):
        return f"the colour {value}", False
    if key == "pattern":
        return f"{value} patterns", True
    return f"{key} {value}", False


def _dimension_noun(dimension: str) -> str:
    if dimension == "kind":
        return "all engagement"
    if dimension in ("genre", "genres"):
        return "engagement by genre"
    return f"engagement by {dimension.removeprefix('attributes.')}"


def per_week(rc: float) -> str:
    """+0.043 as "+4.3%/week" (with a true minus sign for falls)."""
    return f"{rc:+.1%}/week".replace("-", "−")


def _times(x: float) -> str:
    return f"×{x:.1f}"


def _ci(lo: float | None, hi: float | None) -> str:
    return "" if lo is None or hi is None else f" (95% CI {lo:.1f}–{hi:.1f})"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------------------- engine


def _memberships(a: Analysis, names: Sequence[str]) -> ir.Table:
    """(user_id, segment) for every scanned segment: one table, so one pass serves them all."""
    parts = [
        a.members(s).select("user_id").distinct().mutate(segment=ibis.literal(s)) for s in names
    ]
    return ibis.union(*parts, distinct=False)


def _overlaps(a: Analysis, members: ir.Table, names: Sequence[str]) -> dict[tuple[str, str], float]:
    """|A ∩ B| / min(|A|, |B|) for every pair of scanned segments (1 for a segment and itself).

    Used only to decide whether two findings describe the same audience; the counts stay here.
    """
    other = members.view()
    pairs = members.join(other, members.user_id == other.user_id)
    pairs = pairs.group_by([members.segment.name("a"), other.segment.name("b")]).aggregate(
        n=ibis._.count()
    )
    counts = {(r["a"], r["b"]): int(r["n"]) for r in a.run(pairs).to_pylist()}
    out: dict[tuple[str, str], float] = {}
    for s in names:
        for t in names:
            small = min(counts.get((s, s), 0), counts.get((t, t), 0))
            out[(s, t)] = counts.get((s, t), 0) / small if small else 0.0
    return out


def _titles(a: Analysis, item_ids: Iterable[str]) -> dict[str, ItemTitle]:
    ids = sorted(set(item_ids))
    if not ids:
        return {}
    items = a.items()
    rows = a.run(
        items.filter(items.item_id.isin(ids)).select("item_id", "title_en", "title_zh", "kind")
    ).to_pylist()
    return {str(r["item_id"]): ItemTitle.of(r) for r in rows}


# ---------------------------------------------------------------------------- ranking


def _same_audience(overlap: Mapping[tuple[str, str], float], s: str, t: str, cut: float) -> bool:
    if s == t or ALL in (s, t):
        return True
    return overlap.get((s, t), 0.0) >= cut


def _value_key(dimension: str, value: str) -> tuple[str, str]:
    """Genre tags often repeat an attribute ("guochao" is both): one key for both."""
    if dimension in ("item", "kind", "partner"):
        return dimension, value
    return "value", value.casefold()


def _candidates(
    scan: FindingsScan, config: FindingsConfig, overlap: Mapping[tuple[str, str], float]
) -> list[Finding]:
    labels, titles = scan.segment_labels, scan.titles
    trend_rows: dict[tuple[str, str], tuple[TrendRow, int]] = {}
    for t in scan.trends:
        for row in t.rows:
            if row.significant and not row.suppressed and row.relative_change is not None:
                trend_rows[(t.dimension, row.value)] = (row, len(t.periods))
    attribute_values = {
        (p.segment, r.value.casefold())
        for p in scan.preferences
        if p.dimension.startswith("attributes.")
        for r in p.rows
        if _qualifies(r, config)
    }
    prefs: list[Finding] = []
    items: list[Finding] = []
    for p in scan.preferences:
        qualifying = [r for r in p.rows if _qualifies(r, config)]
        if p.dimension == "item":
            qualifying = sorted(qualifying, key=lambda r: r.ci_low or 0.0, reverse=True)[:1]
        for r in qualifying:
            if p.dimension in ("genre", "genres") and (p.segment, r.value.casefold()) in (
                attribute_values
            ):
                continue  # the attribute says the same, over the items that carry it
            trend = trend_rows.get((p.dimension, r.value))
            f = _preference_finding(p, r, labels[p.segment], titles, trend[0] if trend else None)
            (items if p.dimension == "item" else prefs).append(f)
    kept = _dedupe(prefs, overlap, config.overlap)
    kept_items = _dedupe(items, overlap, config.overlap)[: config.max_items]
    attribute_trends = {
        row.value.casefold()
        for (d, _), (row, _) in trend_rows.items()
        if d.startswith("attributes.")
    }
    trend_findings = [
        trend_finding(d, row, weeks, titles)
        for (d, v), (row, weeks) in trend_rows.items()
        if not (d in ("genre", "genres") and v.casefold() in attribute_trends)
    ]
    trend_findings = _pick_trends(_dedupe(trend_findings, overlap, config.overlap), config)
    return [*kept, *kept_items, *trend_findings]


def _pick_trends(findings: Sequence[Finding], config: FindingsConfig) -> list[Finding]:
    """The strongest rising and the strongest falling value first, then by strength."""
    ranked = sorted(findings, key=lambda f: f.strength, reverse=True)
    lead = [
        f
        for f in (
            next((f for f in ranked if f.direction == "rising"), None),
            next((f for f in ranked if f.direction == "falling"), None),
        )
        if f is not None
    ]
    rest = [f for f in ranked if f not in lead]
    return sorted([*lead, *rest][: config.max_trends], key=lambda f: f.strength, reverse=True)


def _qualifies(r: PreferenceRow, config: FindingsConfig) -> bool:
    return (
        r.significant
        and not r.suppressed
        and r.value != OTHER_PARTNERS
        and r.lift is not None
        and r.ci_low is not None
        and r.ci_low > 1
        and r.lift >= config.min_lift
        and r.p_adj is not None
        and r.p_adj < config.alpha
    )


def _dedupe(
    findings: Sequence[Finding], overlap: Mapping[tuple[str, str], float], cut: float
) -> list[Finding]:
    """Strongest first; a finding on a value already reported for an overlapping audience goes."""
    kept: list[Finding] = []
    for f in sorted(findings, key=lambda f: f.strength, reverse=True):
        key = _value_key(f.dimension, f.value)
        if any(
            _value_key(k.dimension, k.value) == key
            and _same_audience(overlap, k.segment, f.segment, cut)
            for k in kept
        ):
            continue
        kept.append(f)
    return kept


def _rank(
    findings: Sequence[Finding], config: FindingsConfig, overlap: Mapping[tuple[str, str], float]
) -> list[Finding]:
    """Strongest first, except that no audience takes more than `max_per_segment` preference
    places ahead of another audience's finding (its further preferences follow the rest): an
    overview should show different audiences, and one segment with many strong values would
    otherwise fill the list."""
    ordered = sorted(findings, key=lambda f: f.strength, reverse=True)
    first: list[Finding] = []
    later: list[Finding] = []
    for f in ordered:
        if f.kind != "preference":
            first.append(f)
            continue
        taken = sum(
            1
            for k in first
            if k.kind == "preference"
            and _same_audience(overlap, k.segment, f.segment, config.overlap)
        )
        if taken >= config.max_per_segment:
            later.append(f)
        else:
            first.append(f)
    return [*first, *later]


def _preference_finding(
    p: PreferencesResult,
    r: PreferenceRow,
    seg_label: str,
    titles: Mapping[str, ItemTitle],
    trend: TrendRow | None,
) -> Finding:
    assert r.lift is not None and r.ci_low is not None
    label, _ = value_label(p.dimension, r.value, titles)
    base = "all users" if p.baseline == ALL else p.baseline
    headline = (
        f"{_cap(seg_label)} over-index on {label} {_times(r.lift)} against {base}"
        f"{_ci(r.ci_low, r.ci_high)}"
    )
    strength = math.log(r.ci_low)
    rc: float | None = None
    direction: Literal["rising", "falling", "flat"] | None = None
    if trend is not None:
        row = trend
        rc, direction = row.relative_change, row.direction
        g = row.growth_rate if row.growth_rate is not None else rc
        if g is not None:
            headline += f", {row.direction} {per_week(g)} overall"
    title = titles.get(r.value) if p.dimension == "item" else None
    return Finding(
        kind="audience" if p.dimension == "item" else "preference",
        headline=headline,
        segment=p.segment,
        segment_label=seg_label,
        dimension=p.dimension,
        value=r.value,
        label=title.name if title else label,
        title_zh=title.title_zh if title else None,
        lift=r.lift,
        ci_low=r.ci_low,
        ci_high=r.ci_high,
        relative_change=rc,
        direction=direction,
        p_adj=r.p_adj,
        users=r.users,
        strength=strength,
    )


def trend_finding(
    dimension: str, row: TrendRow, weeks: int, titles: Mapping[str, ItemTitle]
) -> Finding:
    assert row.relative_change is not None
    label, plural = value_label(dimension, row.value, titles)
    verb = "are" if plural else "is"
    what = "emerging, " if row.emerging else ""
    span = ""
    if row.first_share is not None and row.last_share is not None:
        span = (
            f" ({row.first_share:.0%} → {row.last_share:.0%} of {_dimension_noun(dimension)} "
            f"over {weeks} weeks)"
        )
    g = row.growth_rate if row.growth_rate is not None else row.relative_change
    headline = f"{_cap(label)} {verb} {what}{row.direction} {per_week(g)}{span}"
    return Finding(
        kind="trend",
        headline=headline,
        segment=ALL,
        segment_label="all users",
        dimension=dimension,
        value=row.value,
        label=label,
        relative_change=row.relative_change,
        growth=g,
        direction=row.direction,
        p_adj=row.p_adj,
        users=row.users,
        strength=abs(row.relative_change) * max(weeks - 1, 1),
    )


def _funnel_finding(f: FunnelResult, seg_label: str) -> Finding | None:
    """The segment's impression-to-purchase rate against everyone's, when the 95% intervals
    do not overlap (a conservative test of a difference)."""
    rows = {(r.group, r.stage): r for r in f.rows if not r.suppressed}
    s, b = rows.get(("segment", "purchase")), rows.get(("baseline", "purchase"))
    if s is None or b is None:
        return None
    if None in (
        s.rate_from_first,
        b.rate_from_first,
        s.rate_from_first_ci_low,
        b.rate_from_first_ci_high,
    ):
        return None
    assert s.rate_from_first is not None and b.rate_from_first is not None
    assert s.rate_from_first_ci_low is not None and s.rate_from_first_ci_high is not None
    assert b.rate_from_first_ci_low is not None and b.rate_from_first_ci_high is not None
    if not (s.rate_from_first > 0 and b.rate_from_first > 0):
        return None
    apart = (
        s.rate_from_first_ci_low > b.rate_from_first_ci_high
        or s.rate_from_first_ci_high < b.rate_from_first_ci_low
    )
    if not apart:
        return None
    ratio = s.rate_from_first / b.rate_from_first
    how = "more" if ratio > 1 else "less"
    headline = (
        f"{_cap(seg_label)} turn impressions into purchases {how} often than all users "
        f"({s.rate_from_first:.2%} vs {b.rate_from_first:.2%}, {_times(ratio)})"
    )
    return Finding(
        kind="funnel",
        headline=headline,
        segment=f.segment,
        segment_label=seg_label,
        dimension="funnel",
        value="purchase",
        label="impression → purchase",
        lift=ratio,
        users=s.users,
        strength=abs(math.log(ratio)),
    )


def headline_zh(f: Finding, segment: str) -> str:
    """The finding's headline in Chinese, from its figures; `segment` is the segment as a
    Chinese reader knows it (its definition)."""
    from culturebridge.localise import value_name

    name = value_name(f.value, "zh")
    if f.dimension == "item":
        label = f"《{f.title_zh or f.label}》"
    elif f.dimension == "kind":
        label = f"{name}类内容"
    elif f.dimension in ("genre", "genres"):
        label = f"{name}题材"
    elif f.dimension == "attributes.style":
        label = f"{name}风格"
    else:
        label = name
    moving = {"rising": "上升", "falling": "下降", "flat": "平稳"}
    if f.kind in ("preference", "audience") and f.lift is not None:
        text = f"{segment}更偏好{label}：提升度 ×{f.lift:.2f}（对比全体用户"
        if f.ci_low is not None and f.ci_high is not None:
            text += f"，95% 置信区间 {f.ci_low:.2f}–{f.ci_high:.2f}"
        text += "）"
        if f.direction and f.growth is not None:
            text += f"，整体每周{moving[f.direction]} {f.growth:+.1%}"
        return text
    if f.kind == "trend" and f.direction:
        g = f.growth if f.growth is not None else f.relative_change
        return f"{label}{moving[f.direction]}" + (f"，每周 {g:+.1%}" if g is not None else "")
    if f.kind == "funnel" and f.lift is not None:
        more = "高于" if f.lift > 1 else "低于"
        return f"{segment}从曝光到购买的转化率{more}全体用户（×{f.lift:.2f}）"
    if f.kind == "catalogue" and f.users is not None:
        return f"{label}是您参与用户最多的条目：{f.users:,} 位用户"
    return f.headline


__all__ = [
    "headline_zh",
    "DEFAULT_DIMENSIONS",
    "DEFAULT_SEGMENTS",
    "Finding",
    "FindingKind",
    "FindingsConfig",
    "FindingsScan",
    "ItemTitle",
    "scan",
    "segment_label",
    "strongest_findings",
    "value_label",
]
