"""The partner report: what matters to one partner, and how it was computed, in ONE HTML file.

This module computes; `_partner_html` draws and writes. `build_partner_report` runs the same
library functions the CLI commands run (the overview scan, `item_audience`, `preferences`,
`trends`, `fashion_trends`, `item_mentions`, `item_sentiment`, `campaign report`, `localise
check`, the e-sports leaderboard), all inside one `Analysis` scoped to the partner, and returns
a typed `PartnerReport`. `partner_report_html` only formats it: charts are Plotly.js specs drawn
by `_charts` with the bundle inlined, so the file opens offline with nothing fetched;
`write_partner_report` writes it atomically, optionally prints it to PDF with headless
Chromium, and appends the export to the workspace's audit log.

Scope: partner `platform` is the platform's own analysts (every partner's items); any other
partner sees item-level figures only for its own items, every other item folded into
"(other partners)" exactly as the CLI's `--partner` does. Which sections a partner gets follows
its sector (fashion trends for fashion partners, leaderboards of its own games for games and
e-sports partners); a section with nothing to show is omitted with a one-line reason, never
drawn empty.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from functools import partial
from typing import Any, Literal, TypeVar

import ibis
import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from culturebridge import __version__
from culturebridge.analytics import (
    AudienceResult,
    PreferencesResult,
    TrendRow,
    TrendsConfig,
    TrendsResult,
    item_audience,
    preferences,
    trends,
)
from culturebridge.campaign import CampaignReport
from culturebridge.errors import UserError
from culturebridge.esports import StandingRow
from culturebridge.fashion import FashionTrendsResult, fashion_trends
from culturebridge.localise import CheckResult, check_workspace
from culturebridge.privacy import PLATFORM
from culturebridge.query import OTHER_PARTNERS, Analysis, Scope, describe_segment
from culturebridge.reports._overview import Overview, _with_forecast, build_overview
from culturebridge.social import (
    ItemSentiment,
    MentionsResult,
    default_model,
    item_mentions,
    item_sentiment,
)
from culturebridge.workspace import Workspace

SectionKey = Literal[
    "findings",
    "catalogue",
    "audiences",
    "preferences",
    "trends",
    "fashion",
    "social",
    "campaigns",
    "localisation",
    "esports",
]

SECTION_TITLES: dict[SectionKey, tuple[str, str]] = {
    "findings": ("Headline findings", "主要发现"),
    "catalogue": ("Your titles on the platform", "平台上的作品"),
    "audiences": ("Who watches your top titles", "热门作品的受众"),
    "preferences": ("What key audiences prefer", "重点人群的偏好"),
    "trends": ("How engagement is moving", "参与度趋势"),
    "fashion": ("Fashion trends and your products", "时尚趋势与产品"),
    "social": ("Social listening", "社交聆听"),
    "campaigns": ("Campaigns: did they work, and for whom", "营销活动效果"),
    "localisation": ("Localisation QA", "本地化质检"),
    "esports": ("E-sports leaderboards", "电竞排行榜"),
}

SECTOR_SEGMENTS: dict[str, tuple[str, ...]] = {
    "broadcaster": ("gen_z", "young_adults"),
    "production": ("gen_z", "young_adults"),
    "fashion": ("gen_z_tier1", "gen_z"),
    "tourism": ("young_adults", "adults_35_44"),
    "games": ("teens", "gen_z"),
    "university": ("teens", "gen_z"),
    "esports": ("teens", "gen_z"),
}
"""The audiences each sector asks about first (the overview scans all the built-ins)."""
DEFAULT_SEGMENTS = ("gen_z", "young_adults")
FASHION_SEGMENT = "gen_z_tier1"
ESPORTS_SECTORS = frozenset({"esports", "university", "games"})
"""Sectors whose partners get leaderboards (of their own games only); the platform gets all."""
TOP_ITEMS = 3
"""Items whose audience is profiled."""
TREND_LINES = 6
LEADERBOARD_TOP = 10
SEGMENTS_LISTED = 5
"""Significant campaign segments listed per metric (the charts show every segment)."""


class ItemInfo(BaseModel):
    """An item as the report names it: both titles, never only the id."""

    item_id: str
    kind: str | None
    title_en: str | None
    title_zh: str | None
    users: int | None = None
    """Engaged users over the period (None: suppressed or not measured)."""
    attributes: dict[str, str] = Field(default_factory=dict)
    genres: list[str] = Field(default_factory=list)

    @property
    def label(self) -> str:
        return self.name("en")

    def name(self, lang: str) -> str:
        """Both titles, the reader's language first: "Thames Detectives (泰晤士神探)"."""
        first, second = (
            (self.title_zh, self.title_en) if lang == "zh" else (self.title_en, self.title_zh)
        )
        if first and second and first != second:
            return f"{first} ({second})"
        return first or second or self.item_id


class Leaderboard(BaseModel):
    game: str
    matches: int
    model: str
    standings: list[StandingRow]


class LocaliseFindings(BaseModel):
    """`localise check` restricted to the partner's items."""

    items: int
    missing: list[dict[str, Any]]
    inconsistencies: list[dict[str, Any]]
    too_long: list[dict[str, Any]]
    limits: dict[str, int]


class PartnerReport(BaseModel):
    """Everything one partner's report shows, computed once; `partner_report_html` draws it."""

    workspace: str
    partner: str
    """The partner id, or `platform`."""
    name_en: str
    name_zh: str | None
    sector: str
    generated_at: datetime
    version: str = __version__
    scope: Scope
    sections: list[SectionKey]
    """Sections shown, in order."""
    omitted: dict[SectionKey, str] = Field(default_factory=dict)
    """Sections left out, with the one-line reason."""
    items: list[ItemInfo]
    """The partner's items (every item for the platform), most engaged first."""
    items_privacy: str = ""
    """The guard's note on the engaged-user counts per item."""
    key_segments: dict[str, str]
    """Segment name -> definition, for the segments this report compares."""
    segments_zh: dict[str, str] = Field(default_factory=dict)
    """The same definitions in Chinese."""
    overview: Overview | None = None
    audiences: list[AudienceResult] = Field(default_factory=list)
    preferences: list[PreferencesResult] = Field(default_factory=list)
    item_trends: TrendsResult | None = None
    fashion: FashionTrendsResult | None = None
    mentions: MentionsResult | None = None
    sentiment: ItemSentiment | None = None
    """Weekly sentiment per item, with the alerts (as `social alerts`)."""
    sentiment_monthly: ItemSentiment | None = None
    """The same per month: weekly cells of one item are mostly below k authors."""
    localise: LocaliseFindings | None = None
    leaderboards: list[Leaderboard] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)
    elapsed_s: float = 0.0

    @property
    def campaigns(self) -> list[CampaignReport]:
        return self.overview.campaigns if self.overview is not None else []

    def title_of(self, item_id: str, lang: str = "en") -> str:
        info = next((i for i in self.items if i.item_id == item_id), None)
        return info.name(lang) if info is not None else item_id


Progress = Callable[[str], None]
T = TypeVar("T")


# ---------------------------------------------------------------------------- build


def _partner_row(a: Analysis, partner: str) -> dict[str, Any]:
    t = a.con.table("partners")
    rows = a.run(t.filter(t.partner_id == partner)).to_pylist()
    if not rows:
        raise UserError(f"unknown partner {partner!r}: not in the workspace's partners table")
    return dict(rows[0])


def _items(a: Analysis) -> list[ItemInfo]:
    t = a.items()
    if a.partner is not None:
        t = t.filter(t.partner_id == a.partner)
    rows = a.run(
        t.select("item_id", "kind", "title_en", "title_zh", "attributes", "genres").order_by(
            "item_id"
        )
    ).to_pylist()
    out = []
    for r in rows:
        attrs = r.get("attributes") or {}
        if isinstance(attrs, list):  # a map arrives from Arrow as (key, value) pairs
            attrs = dict(attrs)
        out.append(
            ItemInfo(
                item_id=r["item_id"],
                kind=r["kind"],
                title_en=r["title_en"],
                title_zh=r["title_zh"],
                attributes={str(k): str(v) for k, v in attrs.items() if v is not None},
                genres=[str(g) for g in r.get("genres") or []],
            )
        )
    return out


def open_report_analysis(ws: Workspace, partner: str) -> AbstractContextManager[Analysis]:
    """`Analysis.open` for a report's partner (`platform`: no partner scope)."""
    return Analysis.open(ws, partner=None if partner == PLATFORM else partner)


def build_partner_report(
    a: Analysis,
    *,
    n: int = 8,
    progress: Progress | None = None,
) -> PartnerReport:
    """Run every analysis the partner's report needs, within `a`'s partner scope."""
    started = time.perf_counter()
    say = progress or (lambda what: None)
    timings: dict[str, float] = {}
    omitted: dict[SectionKey, str] = {}

    def timed(name: str, fn: Callable[[], T]) -> T:
        say(name)
        t0 = time.perf_counter()
        try:
            return fn()
        finally:
            timings[name] = round(time.perf_counter() - t0, 2)

    pid, name_en, sector = PLATFORM, "Platform analysts", PLATFORM
    name_zh: str | None = "平台分析团队"
    if a.partner is not None:
        row = _partner_row(a, a.partner)
        pid, name_en, name_zh = a.partner, str(row["name_en"] or a.partner), row.get("name_zh")
        sector = str(row.get("sector") or "")
    items = _items(a)
    kinds = {i.kind for i in items}
    if a.partner is not None and not items:
        omitted["catalogue"] = "the partner has no items in the workspace"

    overview = timed("headline findings", lambda: build_overview(a, n=n))

    # items by engaged users: the item trend rows carry guarded user counts
    # a partner without items (or the platform) gets the market by kind, not item lines
    dim = "item" if a.partner is not None and items else "kind"
    item_trends: TrendsResult | None = None
    try:
        item_trends = timed("weekly trends", lambda: _drawn_trends(a, dim))
    except UserError as exc:
        omitted["trends"] = f"weekly trends not computed: {exc}"
    users, items_privacy = _item_users(a, [i.item_id for i in items])
    for i in items:
        i.users = users.get(i.item_id)
    items.sort(key=lambda i: (-(i.users or 0), i.item_id))

    audiences: list[AudienceResult] = []
    top = [i for i in items if i.users][:TOP_ITEMS]
    for i in top:
        audiences.append(
            timed(f"audience of {i.item_id}", partial(item_audience, a, item_id=i.item_id))
        )
    if not top:
        omitted["audiences"] = (
            "none of the items has enough engaged users to profile (k)"
            if items
            else "the partner has no items in the workspace"
        )

    segs = [s for s in SECTOR_SEGMENTS.get(sector, DEFAULT_SEGMENTS) if s in a.segments]
    prefs: list[PreferencesResult] = []
    # a fashion partner's attributes are the fashion section's; genres are everyone else's
    if a.partner is None or not items:
        pref_dims = ["kind", "genre"]
    else:
        pref_dims = ["item"] if sector == "fashion" else ["item", "genre"]
    for s in segs:
        for d in pref_dims:
            try:
                prefs.append(
                    timed(f"preferences {s} by {d}", partial(preferences, a, segment=s, by=d))
                )
            except UserError as exc:
                omitted.setdefault("preferences", f"{s} by {d}: {exc}")
    if not segs:
        omitted["preferences"] = "the workspace defines none of the key segments"

    fashion: FashionTrendsResult | None = None
    if sector == "fashion" or (a.partner is None and "fashion" in kinds):
        seg = FASHION_SEGMENT if FASHION_SEGMENT in a.segments else (segs[0] if segs else None)
        if seg is None:
            omitted["fashion"] = "no segment to compare"
        else:
            try:
                fashion = timed(
                    "fashion trends",
                    lambda: fashion_trends(a, segment=seg, sources=("catalogue", "posts")),
                )
            except UserError as exc:
                omitted["fashion"] = f"fashion trends not computed: {exc}"
    else:
        omitted["fashion"] = f"not a fashion partner (sector {sector or 'unknown'})"

    mentions: MentionsResult | None = None
    sentiment: ItemSentiment | None = None
    monthly: ItemSentiment | None = None
    if not items:
        omitted["social"] = "the partner has no items to listen for"
    else:
        try:
            mentions = timed("social mentions", lambda: item_mentions(a)[0])
            scorer = _memo_scorer()  # the monthly pass reuses the weekly pass's scores
            sentiment = timed(
                "social sentiment", lambda: item_sentiment(a, period="week", scorer=scorer)
            )
            monthly = timed(
                "monthly sentiment", lambda: item_sentiment(a, period="month", scorer=scorer)
            )
        except UserError as exc:
            omitted["social"] = f"social listening not computed: {exc}"
    if mentions is not None and not any(
        r.item_id != OTHER_PARTNERS and r.posts for r in mentions.rows
    ):
        omitted["social"] = "no post in the period names one of the items (or too few to publish)"

    if not overview.campaigns:
        omitted["campaigns"] = "no randomised campaign (with assignments) in scope" + (
            f"; {'; '.join(s for s in overview.skipped if s.startswith('campaign'))}"
            if any(s.startswith("campaign") for s in overview.skipped)
            else ""
        )

    localise = timed("localisation check", lambda: _localise(a.ws, {i.item_id for i in items}))
    if localise is None:
        omitted["localisation"] = "no item to check"

    leaderboards: list[Leaderboard] = []
    if a.partner is None or sector in ESPORTS_SECTORS or "esports_event" in kinds:
        # a game's name is its publisher's title: a partner sees the boards of the games its own
        # titles name (its games, or the tournaments it runs of them), no other partner's
        own = (
            None if a.partner is None else [t for i in items for t in (i.title_en, i.title_zh) if t]
        )
        try:
            leaderboards = timed("e-sports leaderboards", lambda: _leaderboards(a.ws, own))
        except UserError as exc:
            omitted["esports"] = f"no leaderboard: {exc}"
        if not leaderboards and own is not None:
            omitted.setdefault(
                "esports", "no match in the workspace is of a game the partner's titles name"
            )
    else:
        omitted["esports"] = "leaderboards are for the platform and e-sports partners"

    sections: list[SectionKey] = ["findings"]
    if items:
        sections.append("catalogue")
    if audiences:
        sections.append("audiences")
    if any(has_rows(p) for p in prefs):
        sections.append("preferences")
    else:
        omitted.setdefault("preferences", "no preference could be published (k)")
    if (item_trends is not None and item_trends.rows) or overview.trend_series:
        sections.append("trends")
        omitted.pop("trends", None)
    if fashion is not None and fashion.rows:
        sections.append("fashion")
    elif fashion is not None:
        omitted["fashion"] = "no fashion value could be published for the segment (k)"
    if "social" not in omitted and mentions is not None:
        sections.append("social")
    if overview.campaigns:
        sections.append("campaigns")
    if localise is not None:
        sections.append("localisation")
    if leaderboards:
        sections.append("esports")
    elif "esports" not in omitted:
        omitted["esports"] = "no player has enough matches for a leaderboard"
    for s in sections:
        omitted.pop(s, None)

    return PartnerReport(
        workspace=a.ws.config.name,
        partner=pid,
        name_en=name_en,
        name_zh=name_zh,
        sector=sector,
        generated_at=datetime.now(UTC).replace(microsecond=0),
        scope=a.scope(),
        sections=sections,
        omitted={k: omitted[k] for k in SECTION_TITLES if k in omitted},
        items=items,
        items_privacy=items_privacy,
        key_segments={s: a.describe(s) for s in segs},
        segments_zh={s: describe_segment(s, a.segments, "zh") for s in segs},
        overview=overview,
        audiences=audiences,
        preferences=prefs,
        item_trends=item_trends,
        fashion=fashion,
        mentions=mentions,
        sentiment=sentiment,
        sentiment_monthly=monthly,
        localise=localise,
        leaderboards=leaderboards,
        timings=timings,
        elapsed_s=round(time.perf_counter() - started, 2),
    )


def _drawn_trends(a: Analysis, dim: str) -> TrendsResult:
    """`trends` by `dim`, with forecasts only for the lines the report draws: a damped-trend
    fit per series costs more than the engine pass, and a partner has dozens of items."""
    t = trends(a, by=dim, period="week", config=TrendsConfig(horizon=0))
    drawn = {r.value for r in top_rows(t)}
    rows = [_with_forecast(r, t) if r.value in drawn else r for r in t.rows]
    return t.model_copy(update={"rows": rows})


def top_rows(t: TrendsResult) -> list[TrendRow]:
    """The series a report draws: the most engaged values (other partners' fold left out)."""
    rows = [x for x in t.rows if x.value != OTHER_PARTNERS and not x.suppressed]
    return sorted(rows, key=lambda x: (-(x.users or 0), x.value))[:TREND_LINES]


def _memo_scorer() -> Callable[[Sequence[str]], npt.NDArray[np.float64]]:
    """The packaged sentiment model's scorer, remembering each text's score."""
    model = default_model()
    seen: dict[str, float] = {}

    def score(texts: Sequence[str]) -> npt.NDArray[np.float64]:
        todo = [t for t in dict.fromkeys(texts) if t not in seen]
        if todo:
            probs = np.asarray(model.predict_proba(todo), dtype=np.float64)
            seen.update(zip(todo, probs.tolist(), strict=True))
        return np.array([seen[t] for t in texts], dtype=np.float64)

    return score


def has_rows(p: PreferencesResult) -> bool:
    return any(r.lift is not None and not r.suppressed for r in p.rows)


def _item_users(a: Analysis, item_ids: Sequence[str]) -> tuple[dict[str, int | None], str]:
    """Engaged users per item, guarded (a count below k is None), and the guard's note. Used
    to rank the items and shown in the catalogue table."""
    if not item_ids:
        return {}, "no items"
    e = a.events()
    e = e.filter(e.item_id.isin(list(item_ids)))
    t = a.run(
        e.group_by("item_id").aggregate(users=e.user_id.nunique()).order_by(ibis.desc("users"))
    )
    guarded = a.release(t, users=["users"], what="engaged users per item")
    users = {
        str(r["item_id"]): (int(r["users"]) if r["users"] is not None else None)
        for r in guarded.table.to_pylist()
    }
    return users, guarded.report.note()


def _localise(ws: Workspace, item_ids: set[str]) -> LocaliseFindings | None:
    if not item_ids:
        return None
    res: CheckResult = check_workspace(ws)

    def mine(rows: Sequence[BaseModel]) -> list[dict[str, Any]]:
        return [r.model_dump(mode="json") for r in rows if getattr(r, "item_id", None) in item_ids]

    return LocaliseFindings(
        items=len(item_ids),
        missing=mine(res.missing),
        inconsistencies=mine(res.inconsistencies),
        too_long=mine(res.too_long),
        limits={k: int(v) for k, v in res.limits.model_dump().items()},
    )


def _leaderboards(ws: Workspace, titles: Sequence[str] | None = None) -> list[Leaderboard]:
    """`esports leaderboard` per game (when `titles` are given, only the games one of them
    names): the culturebridge rating model (default settings) run online over the workspace's
    matches, players with 10+ matches, by rating − 2 sd."""
    from culturebridge.esports import PLAYER, Bridge, leaderboard, rate, read_matches

    out = []
    for game, load in read_matches(ws).items():
        named = titles is None or any(game and game.casefold() in t.casefold() for t in titles)
        if not load.matches or not named:
            continue
        rated = rate(Bridge(), load.matches)
        rows = leaderboard(rated, kind=PLAYER, min_matches=10, top=LEADERBOARD_TOP)
        if rows:
            out.append(
                Leaderboard(
                    game=game or "(no game)",
                    matches=len(load.matches),
                    model="culturebridge (Bridge, default settings)",
                    standings=[StandingRow.of(game, s) for s in rows],
                )
            )
    return out


__all__ = [
    "PLATFORM",
    "ItemInfo",
    "Leaderboard",
    "LocaliseFindings",
    "PartnerReport",
    "build_partner_report",
    "has_rows",
    "top_rows",
    "open_report_analysis",
]
