"""Fashion trends per segment: which attribute values a segment over-indexes on, and which move.

For every value of the fashion attributes (category, colour, pattern, style), from up to three
sources, the segment's share, its lift against a baseline and the weekly (or daily, monthly)
share series with a trend test and a growth rate:

- `catalogue`: the catalogue's item attributes joined to events on fashion items, weighted by
  event type exactly as `analytics.preferences` weights them;
- `posts`: attribute values named in posts (the text tagger reads them), counted per post by the
  post author's segment and period: one post, one mention of each value it names;
- `images` (or any name): extra item attributes given as a table (item_id, attribute, value),
  such as the colours and patterns an image tagger saw in product photos, joined to events like
  the catalogue's attributes.

Shares are within an attribute: a value's part of the segment's engagement with fashion items
that have a value of that attribute (a colour's share is among coloured fashion items, never
among all items). Everything reuses the analytics layer: `preference_sums` and `finish` give
shares, user-clustered intervals, BH-adjusted p-values and shrunk lifts; `trend_sums` gives the
period × value grid; Mann–Kendall with Sen's slope decides direction and significance as the
`trends` command does. What is added here is the growth rate: a log-linear (quasi-Poisson)
fit of the value's engagement against the attribute's, so "+4.5%/week" compounds to the
last-to-first ratio, (1 + g)^(periods − 1), with a 95% interval.

All sources go to the engine together: one query for the preference sums, one for the period
grid (plus, for posts, one to read the texts that the tagger reads in Python). Every figure then
passes the privacy guard as the analytics results do: cells describing fewer than k users are
blanked, with complementary suppression within a breakdown whose shares sum to one.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field

from culturebridge.analytics import (
    BLANKED,
    DEFAULT_WEIGHTS,
    ForecastPoint,
    Growth,
    PreferenceRow,
    PrefsConfig,
    TrendPoint,
    TrendRow,
    finish,
    log_linear_growth,
    preference_sums,
    split_sums,
    trend_sums,
)
from culturebridge.errors import UserError
from culturebridge.privacy import GuardReport
from culturebridge.query import (
    ALL,
    PERIOD_UNITS,
    Analysis,
    Period,
    Scope,
    midnight,
    next_period,
    period_starts,
    segment_label,
    truncate_period,
)
from culturebridge.stats import benjamini_hochberg, forecast, is_emerging, mann_kendall_many
from culturebridge.workspace import TextCache, Workspace

Direction = Literal["rising", "falling", "flat"]

CATALOGUE = "catalogue"
POSTS = "posts"
IMAGES = "images"
SOURCES: tuple[str, ...] = (CATALOGUE, POSTS, IMAGES)
"""The sources `fashion_trends` knows, in the order results list them."""
ATTRIBUTES: tuple[str, ...] = ("category", "colour", "pattern", "style")
REST = "rest"
"""The other baseline: every user outside the segment (as the demo's planted lifts are); the
default is `all`, as for `prefs`."""

POST_WEIGHTS: dict[str, float] = {"view": 1.0}
"""Posts enter the engine as one "view" event each, so every post counts once."""

MEASURES = {
    CATALOGUE: "weighted engagement share among fashion items with a value (event-type weights)",
    POSTS: "share of the group's posts naming a value of the attribute that name this value",
    IMAGES: "weighted engagement share among fashion items with an image-derived value",
}


class TextTagger(Protocol):
    """What the posts source needs from a tagger: attribute -> canonical values in a text."""

    def attributes(self, text: str) -> dict[str, list[str]]: ...


class FashionTrendsConfig(BaseModel):
    """Weights, test levels and trend settings of `fashion_trends`."""

    model_config = ConfigDict(frozen=True)

    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    """Event-type weights of the catalogue and image sources (posts count one each)."""
    prior_users: float = Field(default=20.0, ge=0)
    """Shrinkage of the lift towards 1, as in `PrefsConfig`."""
    alpha: float = Field(default=0.05, gt=0, lt=1)
    """False-discovery rate of both tests (Benjamini–Hochberg within a source × attribute)."""
    min_periods: int = Field(default=4, ge=3)
    horizon: int = Field(default=0, ge=0, le=52)
    """Periods forecast for each value with a significant trend (0, the default: none; a
    damped-trend fit costs about as much as the engine pass, so the report asks only for the
    few series it draws, through `with_forecast`)."""
    level: float = Field(default=0.8, gt=0, lt=1)
    near_zero: float = Field(default=0.01, gt=0, lt=1)

    def prefs(self) -> PrefsConfig:
        return PrefsConfig(weights=self.weights, prior_users=self.prior_users, alpha=self.alpha)


class FashionTrendRow(BaseModel):
    """One attribute value from one source: preference against the baseline and trend."""

    source: str
    attribute: str
    value: str
    label: str
    """The value as a reader says it: "guochao style", "Beige", "checked pattern"."""
    label_zh: str | None = None
    preference: PreferenceRow
    """Share, lift (with interval, BH p) over the whole range, guarded."""
    trend: TrendRow | None
    """The segment's share per period and its Mann–Kendall trend (None: no engagement)."""
    growth: Growth
    suppressed: bool
    """The preference figures are blanked: fewer than k users behind them (or a complementary
    suppression). The trend passed the guard on its own (`trend.suppressed`)."""
    sentence: str | None = None
    """A headline for a notable row: "18–24s in tier-1 cities: Beige ×2.5, rising +4.1%/week"."""

    @property
    def direction(self) -> Direction:
        return self.trend.direction if self.trend is not None else "flat"

    @property
    def over_indexed(self) -> bool:
        p = self.preference
        return bool(p.significant and p.lift is not None and p.lift > 1)

    @property
    def notable(self) -> bool:
        """Over-indexed, or significantly rising or falling."""
        return not self.suppressed and (self.over_indexed or self.direction != "flat")


class AttributeGroup(BaseModel):
    """The population of one source × attribute breakdown (shares within it sum to one)."""

    source: str
    attribute: str
    values: int
    segment_users: int | None
    """Segment users with engagement (or posts) on the attribute (None: fewer than k)."""
    baseline_users: int | None


class PrivacyNote(BaseModel):
    what: str
    report: GuardReport


class FashionTrendsResult(BaseModel):
    """Per source × attribute × value: preference against the baseline, and trend over time."""

    analysis: str = "fashion_trends"
    segment: str
    segment_definition: str
    segment_label: str
    baseline: str
    baseline_definition: str
    period: Period
    periods: list[date]
    sources: list[str]
    """The sources computed, in order."""
    skipped: list[str] = Field(default_factory=list)
    """Sources asked for but left out, each with the reason."""
    measures: dict[str, str]
    weights: dict[str, float]
    alpha: float
    scope: Scope
    groups: list[AttributeGroup]
    rows: list[FashionTrendRow]
    privacy: list[PrivacyNote]
    sql: list[str] = Field(default_factory=list)

    def select(
        self, *, source: str | None = None, attribute: str | None = None
    ) -> list[FashionTrendRow]:
        return [
            r
            for r in self.rows
            if (source is None or r.source == source)
            and (attribute is None or r.attribute == attribute)
        ]

    def row(
        self, value: str, *, attribute: str | None = None, source: str = CATALOGUE
    ) -> FashionTrendRow:
        """The row of `value` (KeyError when absent)."""
        for r in self.select(source=source, attribute=attribute):
            if r.value == value:
                return r
        raise KeyError(f"{source}/{attribute or '*'}/{value}")

    def rising(self, source: str | None = None) -> list[FashionTrendRow]:
        """Significantly rising values, fastest first."""
        rows = [r for r in self.select(source=source) if r.direction == "rising"]
        return sorted(rows, key=lambda r: -(r.growth.rate or 0.0))

    def falling(self, source: str | None = None) -> list[FashionTrendRow]:
        """Significantly falling values, fastest first."""
        rows = [r for r in self.select(source=source) if r.direction == "falling"]
        return sorted(rows, key=lambda r: r.growth.rate or 0.0)

    def top_preferences(self, n: int = 10, source: str | None = None) -> list[FashionTrendRow]:
        """The strongest significant over-indexed values (by shrunk lift), best first."""
        rows = [r for r in self.select(source=source) if r.over_indexed]
        rows.sort(key=lambda r: -(r.preference.lift_shrunk or 0.0))
        return rows[:n]

    def highlights(self) -> list[str]:
        """The sentences of the notable rows: over-indexed first, then movers."""
        rows = [r for r in self.rows if r.notable and r.sentence]
        rows.sort(
            key=lambda r: (
                SOURCES.index(r.source) if r.source in SOURCES else len(SOURCES),
                not r.over_indexed,
                -(r.preference.lift_shrunk or 0.0) if r.over_indexed else 0.0,
                -abs(r.growth.rate or 0.0),
            )
        )
        return [r.sentence for r in rows if r.sentence]


# ---------------------------------------------------------------------------- labels


def value_label(attribute: str, value: str) -> tuple[str, str | None]:
    """(English label, Chinese label or None) of an attribute value."""
    key = attribute.removeprefix("image_")
    zh = _zh_names().get((key, value))
    if attribute.startswith("image_"):
        return f"{value} ({key} in images)", zh
    if key == "style":
        return f"{value} style", zh
    if key == "pattern":
        return f"{value} pattern", zh
    return value, zh


@functools.cache
def _zh_names() -> dict[tuple[str, str], str]:
    """(attribute, value) -> Chinese name: the palette's colours, then the fashion lexicon's."""
    from culturebridge.fashion._lexicon import DEFAULT_LEXICON
    from culturebridge.fashion._palette import PALETTE

    names = {("colour", c.name_en): c.name_zh for c in PALETTE}
    for (attribute, value), v in DEFAULT_LEXICON.values.items():
        zh = v.value_zh
        if zh and zh != value:
            names.setdefault((attribute, value), zh)
    return names


def per_period(rate: float, period: str) -> str:
    """+0.043 as "+4.3%/week" (a true minus sign for falls)."""
    return f"{rate:+.1%}/{period}".replace("-", "−")


def _sentence(who: str, row: FashionTrendRow, period: str) -> str | None:
    p = row.preference
    moving = row.direction != "flat" and row.growth.rate is not None
    if row.suppressed or not (p.significant or moving):
        return None
    parts = []
    if p.significant and p.lift is not None:
        parts.append(f"{row.label} ×{p.lift:.1f}")
    if moving:
        assert row.growth.rate is not None
        change = f"{row.direction} {per_period(row.growth.rate, period)}"
        parts.append(change if parts else f"{row.label} {change}")
    elif row.trend is not None:
        parts.append("steady")
    where = "" if row.source == CATALOGUE else f" (in {row.source})"
    return f"{who}: {', '.join(parts)}{where}"


# ---------------------------------------------------------------------------- engine inputs


@dataclass(frozen=True)
class _Dim:
    """One breakdown: where its engagement comes from and which items (or posts) carry values."""

    source: str
    attribute: str
    events: ir.Table
    dim: ir.Table
    single_valued: bool
    weights: Mapping[str, float]


def fashion_items(a: Analysis) -> ir.Table:
    items = a.items()
    return items.filter(items.kind == "fashion")


def _catalogue_dims(
    a: Analysis, attributes: Sequence[str], weights: Mapping[str, float]
) -> list[_Dim]:
    items = fashion_items(a)
    out = []
    for key in attributes:
        t = items.select("item_id", value=items.attributes.get(key))
        t = t.filter(t.value.notnull() & (t.value != "")).distinct()
        out.append(_Dim(CATALOGUE, key, a.events(), t, True, weights))
    return out


def _table_dims(
    table: pa.Table, source: str, weights: Mapping[str, float], events: ir.Table
) -> list[_Dim]:
    """Breakdowns of a (item_id, attribute, value) table: one per attribute, in the engine."""
    missing = {"item_id", "attribute", "value"} - set(table.column_names)
    if missing:
        raise UserError(
            f"{source} attributes need columns item_id, attribute, value; missing "
            + ", ".join(sorted(missing))
        )
    table = table.select(["item_id", "attribute", "value"]).cast(
        pa.schema([("item_id", pa.string()), ("attribute", pa.string()), ("value", pa.string())])
    )
    rows = [
        r
        for r in table.to_pylist()
        if r["item_id"] and r["attribute"] and r["value"] is not None and r["value"] != ""
    ]
    per_key: dict[str, dict[str, set[str]]] = {}
    for r in rows:
        per_key.setdefault(r["attribute"], {}).setdefault(r["item_id"], set()).add(r["value"])
    if not per_key:
        return []
    clean = pa.Table.from_pylist(
        [dict(r) for r in {(r["item_id"], r["attribute"], r["value"]): r for r in rows}.values()],
        schema=table.schema,
    )
    mem = ibis.memtable(clean)
    out = []
    for key in sorted(per_key):
        single = all(len(v) == 1 for v in per_key[key].values())
        t = mem.filter(mem.attribute == key).select("item_id", "value")
        out.append(_Dim(source, key, events, t, single, weights))
    return out


def _posts(a: Analysis) -> ir.Table:
    """Posts with an author, inside the analysis period (whole UTC days)."""
    p = a.con.table("posts")
    p = p.filter(p.user_id.notnull())
    if a.period_from is not None:
        p = p.filter(p.ts >= midnight(a.period_from))
    if a.period_to is not None:
        p = p.filter(p.ts < midnight(a.period_to + timedelta(days=1)))
    return p


def tag_posts(
    a: Analysis, tagger: TextTagger, attributes: Iterable[str], *, cache_as: str | None = None
) -> pa.Table:
    """(item_id = post_id, attribute, value) for the attribute values each post names.

    Texts are read once and each distinct text tagged once (posts repeat phrases a lot); the
    tags then go back to the engine, where they meet the authors' segments. With `cache_as`
    (the tagger's version), tags are kept per text in the workspace's `cache/text_tags.npz`, so
    a text is tagged once across runs (`warm_post_tags` fills it at ingest).
    """
    wanted = set(attributes)
    posts = a.run(_posts(a).select("post_id", "text"))
    pids, texts = posts["post_id"].to_pylist(), posts["text"].to_pylist()
    distinct = list(dict.fromkeys(t for p, t in zip(pids, texts, strict=True) if t and p))
    seen = dict(zip(distinct, _tags_of(a.ws.root, tagger, distinct, cache_as), strict=True))
    ids: list[str] = []
    keys: list[str] = []
    values: list[str] = []
    for pid, text in zip(pids, texts, strict=True):
        if not text or pid is None:
            continue
        for key, found in seen[text].items():
            if key not in wanted:
                continue
            for v in dict.fromkeys(found):
                ids.append(pid)
                keys.append(key)
                values.append(v)
    return pa.table(
        {
            "item_id": pa.array(ids, pa.string()),
            "attribute": pa.array(keys, pa.string()),
            "value": pa.array(values, pa.string()),
        }
    )


TEXT_TAGS_CACHE = Path("cache") / "text_tags.npz"


def _tags_of(
    root: Path,
    tagger: TextTagger,
    texts: list[str],
    cache_as: str | None,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, list[str]]]:
    def tag(batch: list[str]) -> list[bytes]:
        return [json.dumps(tagger.attributes(t), ensure_ascii=False).encode() for t in batch]

    if cache_as is None:
        return [tagger.attributes(t) for t in texts]
    cache = TextCache(root / TEXT_TAGS_CACHE, cache_as, tag)
    found = cache(texts, batch=512, progress=progress)
    cache.save()
    return [json.loads(b) for b in found]


def warm_post_tags(ws: Workspace, progress: Callable[[int, int], None] | None = None) -> int:
    """Tag every post text the default tagger has not seen yet and keep the tags (run after
    an ingest of posts, so that the first `fashion trends` does not pay for it); how many
    texts there are."""
    from culturebridge.fashion._text import tagger_version

    with Analysis.open(ws, backend="duckdb") as a:  # a small read: never worth a Spark session
        posts = a.run(_posts(a).select("text"))
    distinct = list(dict.fromkeys(t for t in posts["text"].to_pylist() if t))
    _tags_of(ws.root, default_text_tagger(), distinct, tagger_version(), progress)
    return len(distinct)


def _post_events(a: Analysis) -> ir.Table:
    p = _posts(a)
    return p.select("user_id", "ts", item_id=p.post_id, type=ibis.literal("view"))


def default_text_tagger() -> TextTagger:
    """The fashion text tagger (`culturebridge.fashion._text`), built once per process."""
    from culturebridge.fashion._text import default_tagger

    return default_tagger()


# ---------------------------------------------------------------------------- engine queries


_PREF_COLUMNS = ("source", "attribute", "value", "grp", "s1", "s2", "s3", "users", "part")
_TREND_COLUMNS = ("source", "attribute", "period_start", "value", "s1", "users", "part")


def _union(
    dims: Sequence[_Dim], sums: Callable[[_Dim], ir.Table], columns: Sequence[str]
) -> ir.Table:
    """One query: each dimension's sums, tagged with its source and attribute, stacked."""
    parts = [
        sums(d)
        .mutate(
            source=ibis.literal(d.source, type="string"),
            attribute=ibis.literal(d.attribute, type="string"),
        )
        .select(*columns)
        for d in dims
    ]
    return parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)


def _preference_query(
    dims: Sequence[_Dim], segment: ir.Table, baseline: ir.Table | None
) -> ir.Table:
    return _union(
        dims,
        lambda d: preference_sums(
            d.events,
            d.dim,
            segment=segment,
            baseline=baseline,
            weights=d.weights,
            single_valued=d.single_valued,
        ),
        _PREF_COLUMNS,
    )


def _trend_query(dims: Sequence[_Dim], members: ir.Table, unit: str) -> ir.Table:
    return _union(
        dims,
        lambda d: trend_sums(
            d.events,
            d.dim,
            members=members,
            unit=unit,
            weights=d.weights,
            single_valued=d.single_valued,
        ),
        _TREND_COLUMNS,
    )


# ---------------------------------------------------------------------------- the analysis


def fashion_trends(
    a: Analysis,
    *,
    segment: str,
    period: Period = "week",
    vs: str = ALL,
    attributes: Sequence[str] = ATTRIBUTES,
    sources: Sequence[str] = SOURCES,
    item_attributes: pa.Table | None = None,
    item_attributes_source: str = IMAGES,
    tagger: TextTagger | None = None,
    unavailable: Mapping[str, str] | None = None,
    config: FashionTrendsConfig | None = None,
) -> FashionTrendsResult:
    """The segment's fashion preferences and trends, value by value, from each source.

    `vs` is the baseline of the lift: `all` (everyone, segment included: the default, as for
    `prefs`, so that one question gets one answer everywhere), `rest` (everyone outside the
    segment) or a segment name. `item_attributes` (item_id, attribute,
    value) adds a source named `item_attributes_source` (default "images") when that name is
    among `sources`; `tagger` reads posts (default: the fashion text tagger). A source that
    cannot be computed is listed in `skipped` with the reason, not an error; `unavailable`
    names sources the caller already knows to be missing, with its reason.
    """
    config = config or FashionTrendsConfig()
    if period not in PERIOD_UNITS:
        raise UserError(f"--period must be day, week or month, not {period!r}")
    if a.noised:
        raise UserError(
            "fashion trends publishes weighted shares and does not support differential "
            "privacy (--epsilon / privacy.epsilon) yet; use `prefs` or `trends` with --epsilon"
        )
    known_sources = {*SOURCES, item_attributes_source}
    unknown = [s for s in sources if s not in known_sources]
    if unknown:
        raise UserError(
            f"unknown source(s) {', '.join(unknown)} (use {', '.join(sorted(known_sources))})"
        )
    if not attributes:
        raise UserError("name at least one fashion attribute")
    a.check_segment(segment)
    if segment == ALL and vs == REST:
        vs = ALL  # nobody is outside "all": its shares are published, its lifts are 1
    if vs not in (REST, ALL):
        a.check_segment(vs)
    if vs == segment and segment != ALL:
        raise UserError(f"--segment and --vs are the same ({segment!r}): nothing to compare")
    n_fashion = fashion_items(a).count().execute()
    if not n_fashion:
        raise UserError(
            "no fashion items in the workspace: ingest items with kind = 'fashion' first"
        )

    order = list(dict.fromkeys(sources))
    skipped: list[str] = []
    dims: list[_Dim] = []
    for source in order:
        if unavailable and source in unavailable:
            skipped.append(f"{source}: {unavailable[source]}")
        elif source == CATALOGUE:
            dims += _catalogue_dims(a, attributes, config.weights)
        elif source == POSTS:
            dims += _posts_dims(a, attributes, tagger, skipped)
        elif source == item_attributes_source:
            if item_attributes is None or item_attributes.num_rows == 0:
                skipped.append(f"{source}: no item attributes from {source} in this workspace")
                continue
            fashion_ids = a.run(fashion_items(a).select("item_id"))["item_id"].to_pylist()
            keep = pc.is_in(
                item_attributes["item_id"].cast(pa.string()),
                value_set=pa.array(fashion_ids, pa.string()),
            )
            table = item_attributes.filter(keep)
            found = _table_dims(table, source, config.weights, a.events())
            if not found:
                skipped.append(f"{source}: none of its attributes is on a fashion item")
            dims += found
    if not dims:
        raise UserError("no source left to analyse: " + "; ".join(skipped))

    seg_members = a.members(segment)
    base_members = None if vs in (REST, ALL) else a.members(vs)
    pref_rows = a.run(_preference_query(dims, seg_members, base_members)).to_pylist()
    trend_rows = a.run(_trend_query(dims, seg_members, PERIOD_UNITS[period])).to_pylist()
    computed = [s for s in order if any(d.source == s for d in dims)]
    who = segment_label(segment, a.segments) if segment != ALL else "all users"
    return _assemble(
        a,
        segment=segment,
        who=who,
        vs=vs,
        period=period,
        dims=dims,
        sources=computed,
        skipped=skipped,
        pref_rows=pref_rows,
        trend_rows=trend_rows,
        config=config,
    )


def _posts_dims(
    a: Analysis, attributes: Sequence[str], tagger: TextTagger | None, skipped: list[str]
) -> list[_Dim]:
    if tagger is None:
        from culturebridge.fashion._text import tagger_version

        tags = tag_posts(a, default_text_tagger(), attributes, cache_as=tagger_version())
    else:
        tags = tag_posts(a, tagger, attributes)
    if tags.num_rows == 0:
        skipped.append("posts: no post in range names a fashion attribute value")
        return []
    dims = _table_dims(tags, POSTS, POST_WEIGHTS, _post_events(a))
    rank = {k: i for i, k in enumerate(attributes)}
    return sorted(dims, key=lambda d: rank.get(d.attribute, len(rank)))


_PREF_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("attribute", pa.string()),
        ("value", pa.string()),
        ("segment_share", pa.float64()),
        ("baseline_share", pa.float64()),
        ("lift", pa.float64()),
        ("lift_shrunk", pa.float64()),
        ("ci_low", pa.float64()),
        ("ci_high", pa.float64()),
        ("p_value", pa.float64()),
        ("p_adj", pa.float64()),
        ("significant", pa.bool_()),
        ("users", pa.int64()),
        ("baseline_users", pa.int64()),
    ]
)
_STAT_COLUMNS = (
    "slope",
    "slope_low",
    "slope_high",
    "relative_change",
    "tau",
    "p_value",
    "p_adj",
    "first_share",
    "last_share",
    "growth",
    "growth_low",
    "growth_high",
    "growth_ratio",
    "growth_p",
)
_VALUE_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("attribute", pa.string()),
        ("value", pa.string()),
        ("direction", pa.string()),
        ("significant", pa.bool_()),
        ("emerging", pa.bool_()),
        *((c, pa.float64()) for c in _STAT_COLUMNS),
        ("users", pa.int64()),
    ]
)


def _group_rows(
    rows: Iterable[dict[str, Any]],
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault((r["source"], r["attribute"]), []).append(r)
    return out


def _assemble(
    a: Analysis,
    *,
    segment: str,
    who: str,
    vs: str,
    period: Period,
    dims: Sequence[_Dim],
    sources: list[str],
    skipped: list[str],
    pref_rows: list[dict[str, Any]],
    trend_rows: list[dict[str, Any]],
    config: FashionTrendsConfig,
) -> FashionTrendsResult:
    keys = [(d.source, d.attribute) for d in dims]
    baseline_is_all = vs == ALL
    prefs_by = _group_rows(pref_rows)
    trends_by = _group_rows(trend_rows)

    # ---- preferences: finished per breakdown, guarded per source
    finished: list[pa.Table] = []
    groups: list[AttributeGroup] = []
    for key in keys:
        both = prefs_by.get(key, [])
        sums, totals = split_sums(
            pa.Table.from_pylist(
                [{k: r[k] for k in _PREF_COLUMNS[2:]} for r in both],
                schema=pa.schema(
                    [
                        ("value", pa.string()),
                        ("grp", pa.string()),
                        ("s1", pa.float64()),
                        ("s2", pa.float64()),
                        ("s3", pa.float64()),
                        ("users", pa.int64()),
                        ("part", pa.string()),
                    ]
                ),
            )
        )
        table = finish(sums, totals, config=config.prefs(), baseline_is_all=baseline_is_all)
        table = table.append_column(
            "source", pa.array([key[0]] * table.num_rows, pa.string())
        ).append_column("attribute", pa.array([key[1]] * table.num_rows, pa.string()))
        finished.append(table.select(_PREF_SCHEMA.names).cast(_PREF_SCHEMA))
        tot = {r["grp"]: int(r["n"]) for r in totals.to_pylist()}
        seg_n = tot.get("seg", 0)
        base_n = seg_n + tot.get("other", 0) if baseline_is_all else tot.get("other", 0)
        groups.append(
            AttributeGroup(
                source=key[0],
                attribute=key[1],
                values=table.num_rows,
                segment_users=a.policy.shown(seg_n),
                baseline_users=a.policy.shown(base_n),
            )
        )
    privacy: list[PrivacyNote] = []
    prefs_out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for source in sources:
        part = [t for t, (s, _) in zip(finished, keys, strict=True) if s == source]
        table = pa.concat_tables(part) if part else _PREF_SCHEMA.empty_table()
        guarded = a.release(
            table,
            users=["users", "baseline_users"],
            blank=BLANKED,
            partition_by=["source", "attribute"],
            what=f"fashion preferences {segment} vs {vs} ({source})",
        )
        privacy.append(PrivacyNote(what=f"{source} preferences", report=guarded.report))
        for r in guarded.to_pylist():
            prefs_out[(r["source"], r["attribute"], r["value"])] = r

    # ---- trends: the period grid, the tests, the growth
    span = a.span()
    seen = [r["period_start"] for r in trend_rows if r["period_start"] is not None]
    periods: list[date] = []
    if span is not None or seen:
        lo = min([*([truncate_period(span[0], period)] if span else []), *seen])
        hi = max([*([truncate_period(span[1], period)] if span else []), *seen])
        periods = period_starts(lo, hi, period)
    has_cells = any(r["part"] == "cell" for r in trend_rows)
    if len(periods) < config.min_periods and has_cells:
        raise UserError(
            f"only {len(periods)} {period}(s) of data in range: trends need at least "
            f"{config.min_periods}; use a shorter --period or a longer range"
        )
    pi = {p: i for i, p in enumerate(periods)}
    cell_records: list[dict[str, Any]] = []
    value_records: list[dict[str, Any]] = []
    series: dict[tuple[str, str, str], np.ndarray] = {}
    for key in keys:
        rows = trends_by.get(key, [])
        value_users = {r["value"]: int(r["users"]) for r in rows if r["part"] == "value"}
        values = sorted(value_users)
        if not values:
            continue
        vi = {v: i for i, v in enumerate(values)}
        s1 = np.zeros((len(values), len(periods)))
        users = np.zeros((len(values), len(periods)), dtype=np.int64)
        tot_w = np.zeros(len(periods))
        for r in rows:
            if r["part"] == "cell":
                s1[vi[r["value"]], pi[r["period_start"]]] = r["s1"]
                users[vi[r["value"]], pi[r["period_start"]]] = r["users"]
            elif r["part"] == "period":
                tot_w[pi[r["period_start"]]] = r["s1"]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(tot_w > 0, np.minimum(s1 / tot_w, 1.0), np.nan)
        for i, v in enumerate(values):
            for j, p in enumerate(periods):
                x = share[i, j]
                cell_records.append(
                    {
                        "source": key[0],
                        "attribute": key[1],
                        "period_start": p,
                        "value": v,
                        "share": float(x) if np.isfinite(x) else None,
                        "users": int(users[i, j]),
                    }
                )
        filled = np.nan_to_num(share, nan=0.0)
        stats = mann_kendall_many(filled)
        p_adj = benjamini_hochberg(stats.p_value)
        for i, v in enumerate(values):
            row_series = filled[i]
            series[(key[0], key[1], v)] = row_series
            mean = float(row_series.mean()) if row_series.size else 0.0
            sig = bool(np.isfinite(p_adj[i]) and p_adj[i] < config.alpha)
            direction = "flat"
            if sig:
                direction = "rising" if stats.s[i] > 0 else "falling"
            g = log_linear_growth(s1[i], tot_w)
            slope = float(stats.slope[i])
            value_records.append(
                {
                    "source": key[0],
                    "attribute": key[1],
                    "value": v,
                    "direction": direction,
                    "significant": sig,
                    "emerging": bool(
                        sig
                        and stats.s[i] > 0
                        and is_emerging(row_series, near_zero=config.near_zero)
                    ),
                    "slope": slope,
                    "slope_low": float(stats.slope_low[i]),
                    "slope_high": float(stats.slope_high[i]),
                    "relative_change": slope / mean if mean > 0 else None,
                    "tau": float(stats.tau[i]),
                    "p_value": float(stats.p_value[i]),
                    "p_adj": float(p_adj[i]),
                    "first_share": float(row_series[0]) if row_series.size else None,
                    "last_share": float(row_series[-1]) if row_series.size else None,
                    "growth": g.rate,
                    "growth_low": g.low,
                    "growth_high": g.high,
                    "growth_ratio": g.ratio,
                    "growth_p": g.p_value,
                    "users": value_users[v],
                }
            )
    cells_schema = pa.schema(
        [
            ("source", pa.string()),
            ("attribute", pa.string()),
            ("period_start", pa.date32()),
            ("value", pa.string()),
            ("share", pa.float64()),
            ("users", pa.int64()),
        ]
    )
    points: dict[tuple[str, str, str], list[TrendPoint]] = {}
    trend_out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for source in sources:
        cells = pa.Table.from_pylist(
            [c for c in cell_records if c["source"] == source], schema=cells_schema
        )
        what = f"fashion trends {segment} per {period} ({source})"
        guarded_cells = a.release(
            cells,
            blank=["share"],
            partition_by=["source", "attribute", "period_start"],
            what=what,
        )
        privacy.append(PrivacyNote(what=f"{source} trend cells", report=guarded_cells.report))
        for c in guarded_cells.to_pylist():
            points.setdefault((c["source"], c["attribute"], c["value"]), []).append(
                TrendPoint(
                    period_start=c["period_start"],
                    share=c["share"],
                    users=c["users"],
                    suppressed=c["suppressed"],
                )
            )
        summaries = pa.Table.from_pylist(
            [r for r in value_records if r["source"] == source], schema=_VALUE_SCHEMA
        )
        guarded_values = a.release(summaries, blank=list(_STAT_COLUMNS), what=what)
        privacy.append(PrivacyNote(what=f"{source} trend values", report=guarded_values.report))
        for r in guarded_values.to_pylist():
            trend_out[(r["source"], r["attribute"], r["value"])] = r

    # ---- one row per value, preference and trend together
    out_rows: list[FashionTrendRow] = []
    for key in keys:
        in_group = [k for k in prefs_out if k[:2] == key]
        for k in in_group:
            pref = prefs_out[k]
            pref_row = PreferenceRow.model_validate(
                {
                    **{c: pref[c] for c in pref if c not in ("source", "attribute")},
                    "significant": bool(pref["significant"]) and not pref["suppressed"],
                }
            )
            summary = trend_out.get(k)
            trend_row = None
            growth = Growth(rate=None, low=None, high=None, ratio=None, p_value=None)
            if summary is not None:
                trend_row, growth = _trend_row(
                    summary, sorted(points.get(k, []), key=lambda p: p.period_start)
                )
                if trend_row.significant and config.horizon:
                    trend_row = with_forecast(
                        trend_row, periods, period, horizon=config.horizon, level=config.level
                    )
            label, zh = value_label(k[1], k[2])
            row = FashionTrendRow(
                source=k[0],
                attribute=k[1],
                value=k[2],
                label=label,
                label_zh=zh,
                preference=pref_row,
                trend=trend_row,
                growth=growth,
                suppressed=bool(pref["suppressed"]),
            )
            row.sentence = _sentence(who, row, period)
            out_rows.append(row)
    rank = {key: i for i, key in enumerate(keys)}
    out_rows.sort(
        key=lambda r: (
            rank[(r.source, r.attribute)],
            r.suppressed,
            -(r.preference.lift_shrunk if r.preference.lift_shrunk is not None else -1.0),
            r.value,
        )
    )
    return FashionTrendsResult(
        segment=segment,
        segment_definition=a.describe(segment),
        segment_label=who,
        baseline=vs,
        baseline_definition=("every user outside the segment" if vs == REST else a.describe(vs)),
        period=period,
        periods=periods,
        sources=sources,
        skipped=skipped,
        measures={s: MEASURES.get(s, MEASURES[IMAGES]) for s in sources},
        weights=dict(config.weights),
        alpha=config.alpha,
        scope=a.scope(),
        groups=groups,
        rows=out_rows,
        privacy=privacy,
        sql=list(a.sql),
    )


def _trend_row(summary: dict[str, Any], pts: list[TrendPoint]) -> tuple[TrendRow, Growth]:
    fields = {k: v for k, v in summary.items() if k not in ("source", "attribute")}
    growth = Growth(
        rate=fields.pop("growth"),
        low=fields.pop("growth_low"),
        high=fields.pop("growth_high"),
        ratio=fields.pop("growth_ratio"),
        p_value=fields.pop("growth_p"),
    )
    if fields["suppressed"]:
        fields.update(direction="flat", significant=False, emerging=False)
    return TrendRow.model_validate({**fields, "points": pts}), growth


def with_forecast(
    row: TrendRow,
    periods: Sequence[date],
    period: Period,
    *,
    horizon: int = 4,
    level: float = 0.8,
) -> TrendRow:
    """The row with the damped-trend forecast `analytics.trends` attaches (same model; shares
    rounded the same way). Unchanged when a period is suppressed: a forecast would rest on
    figures the guard withheld."""
    if not periods or horizon < 1 or row.forecast or any(p.suppressed for p in row.points):
        return row
    history = np.round(np.array([p.share or 0.0 for p in row.points]), 12)
    f = forecast(history, horizon=horizon, level=level)
    fc = [
        ForecastPoint(
            period_start=next_period(periods[-1], period, h + 1),
            share=float(f.mean[h]),
            low=float(f.low[h]),
            high=float(f.high[h]),
        )
        for h in range(horizon)
    ]
    return row.model_copy(update={"forecast": fc, "forecast_method": f.method})


__all__ = [
    "ATTRIBUTES",
    "AttributeGroup",
    "FashionTrendRow",
    "FashionTrendsConfig",
    "FashionTrendsResult",
    "Growth",
    "PrivacyNote",
    "REST",
    "SOURCES",
    "TextTagger",
    "default_text_tagger",
    "fashion_trends",
    "log_linear_growth",
    "per_period",
    "tag_posts",
    "value_label",
    "warm_post_tags",
    "with_forecast",
]
