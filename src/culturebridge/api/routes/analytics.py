"""The audience analyses: preferences, trends, breakdowns, the funnel, reach, retention and an
item's audience.

Each route opens an `Analysis` in the caller's partner scope and runs the function the matching
CLI command runs (`prefs`, `trends`, `breakdown`, `funnel`, `reach`, `retention`, `audience`),
so the rows are the same typed rows the CLI prints with `--json`, through the same privacy
guard. Finished results are cached per data version, partner and parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date
from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Path, Query
from starlette.concurrency import run_in_threadpool

from culturebridge.analytics import (
    AudienceResult,
    BreakdownResult,
    FunnelResult,
    PathsResult,
    PreferenceRow,
    PreferencesResult,
    ReachResult,
    RetentionResult,
    StepFunnelResult,
    StickinessResult,
    TrendsConfig,
    TrendsResult,
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
from culturebridge.api._catalogue import visible_item
from culturebridge.api._deps import AppState, Caller, CallerDep, StateDep
from culturebridge.api._models import CHART_RESPONSE, Rows, published
from culturebridge.errors import UserError
from culturebridge.privacy import Released

router = APIRouter(tags=["analytics"])

SegmentName = Annotated[
    str,
    Query(
        min_length=1,
        max_length=64,
        description="A segment name (see GET /segments), or `all` for every user.",
    ),
]
Dimension = Annotated[
    str,
    Query(
        min_length=1,
        max_length=100,
        description="kind, genre, partner, item or attributes.KEY (e.g. attributes.style).",
    ),
]
PeriodFrom = Annotated[
    date | None, Query(description="First day analysed (inclusive), YYYY-MM-DD.")
]
PeriodTo = Annotated[date | None, Query(description="Last day analysed (inclusive), YYYY-MM-DD.")]
Top = Annotated[int, Query(ge=1, le=1000, description="Rows to return (best first).")]
Kind = Annotated[
    str | None,
    Query(max_length=40, description="Only items of this kind (e.g. genres of films: kind=film)."),
]

_FIRST_YEAR, _LAST_YEAR = 1900, 2999
T = TypeVar("T")


async def cached_now(
    state: AppState, caller: Caller, name: str, params: Hashable, compute: Callable[[], T]
) -> T:
    """`state.cached`, answered on the event loop when the result is cached (a dashboard's
    repeat views), computed in a worker thread when it is not: an analysis blocks for seconds."""
    found, value = state.peek(caller, name, params)
    if found:
        result: T = value
        return result
    return await run_in_threadpool(state.cached, caller, name, params, compute)


def checked_period(period_from: date | None, period_to: date | None) -> dict[str, date | None]:
    """The period as `Analysis.open` takes it; days outside 1900-2999 are a 400, not an
    overflow deep in the query."""
    for name, d in (("period_from", period_from), ("period_to", period_to)):
        if d is not None and not _FIRST_YEAR <= d.year <= _LAST_YEAR:
            raise UserError(f"{name} {d} is outside {_FIRST_YEAR}-{_LAST_YEAR}")
    return {"period_from": period_from, "period_to": period_to}


@router.get(
    "/preferences",
    response_model=Rows[PreferenceRow],
    summary="What a segment engages with more (or less) than its baseline",
    responses=CHART_RESPONSE,
)
@published
async def get_preferences(
    state: StateDep,
    caller: CallerDep,
    segment: SegmentName,
    by: Dimension,
    vs: Annotated[
        str, Query(min_length=1, max_length=64, description="Baseline: `all` or a segment.")
    ] = "all",
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
    top: Top = 30,
    kind: Kind = None,
) -> Released[Rows[PreferenceRow]]:
    """Each value of the dimension: the segment's share of weighted engagement, the baseline's,
    the lift with a user-clustered 95% interval and a BH-adjusted p-value (`prefs --json`),
    ordered by shrunk lift, suppressed cells last. `count` is the number of rows before `top`.
    A partner's key sees its own items (by=item or partner); the rest are `(other partners)`."""
    period = checked_period(period_from, period_to)

    def compute() -> Released[PreferencesResult]:
        with state.analysis(caller, **period) as a:
            return a.publish(preferences(a, segment=segment, by=by, vs=vs, kind=kind or None))

    key = (segment, by, vs, period_from, period_to, kind)
    out = await cached_now(state, caller, "preferences", key, compute)
    return out.map(
        lambda r: Rows[PreferenceRow](data=r.rows[:top], count=len(r.rows), scope=r.scope)
    )


@router.get(
    "/trends",
    response_model=TrendsResult,
    summary="Each value's share per period: rising, falling and emerging values, forecasts",
    responses=CHART_RESPONSE,
)
@published
async def get_trends(
    state: StateDep,
    caller: CallerDep,
    by: Dimension,
    segment: SegmentName = "all",
    period: Annotated[
        Literal["day", "week", "month"], Query(description="Period length (weeks start Monday).")
    ] = "week",
    horizon: Annotated[int, Query(ge=0, le=52, description="Periods to forecast.")] = 4,
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
    top: Top = 1000,
    kind: Kind = None,
) -> Released[TrendsResult]:
    """The typed result of `trends` (its rows are what `trends --json` prints): Mann-Kendall
    with Sen's slope, BH-adjusted; a damped-trend forecast with 80% intervals. `top` keeps the
    first rows."""
    checked = checked_period(period_from, period_to)

    def compute() -> Released[TrendsResult]:
        with state.analysis(caller, **checked) as a:
            result = trends(
                a,
                segment=segment,
                by=by,
                period=period,
                config=TrendsConfig(horizon=horizon),
                kind=kind or None,
            )
            return a.publish(result)

    key = (by, segment, period, horizon, period_from, period_to, kind)
    out = await cached_now(state, caller, "trends", key, compute)
    return out.map(lambda r: r.model_copy(update={"rows": r.rows[:top]}))


@router.get(
    "/funnel",
    response_model=FunnelResult,
    summary="Impression → view → engage → purchase, with conversion rates",
    responses=CHART_RESPONSE,
)
@published
async def get_funnel(
    state: StateDep,
    caller: CallerDep,
    segment: SegmentName = "all",
    vs: Annotated[
        str,
        Query(
            min_length=1,
            max_length=64,
            description="Baseline shown beside it: `all`, a segment or `none`.",
        ),
    ] = "all",
    all_kinds: Annotated[
        bool, Query(description="One funnel over every item kind together.")
    ] = False,
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
) -> Released[FunnelResult]:
    """The typed result of `funnel` (rows as `funnel --json` prints them): per item kind,
    journeys and users at each stage, with user-clustered 95% intervals."""
    checked = checked_period(period_from, period_to)
    baseline = None if vs == "none" else vs

    def compute() -> Released[FunnelResult]:
        with state.analysis(caller, **checked) as a:
            return a.publish(funnel(a, segment=segment, vs=baseline, by_kind=not all_kinds))

    key = (segment, vs, all_kinds, period_from, period_to)
    return await cached_now(state, caller, "funnel", key, compute)


@router.get(
    "/funnel/steps",
    response_model=StepFunnelResult,
    summary="A funnel of chosen steps with a conversion window",
    responses=CHART_RESPONSE,
)
@published
async def get_step_funnel(
    state: StateDep,
    caller: CallerDep,
    step: Annotated[
        list[str],
        Query(
            min_length=2,
            max_length=8,
            description="The steps in order, each TYPES[:KINDS] (e.g. step=view&step=purchase:"
            "fashion).",
        ),
    ],
    window_days: Annotated[int, Query(ge=1, le=365, description="Conversion window (days).")] = 7,
    segment: SegmentName = "all",
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
) -> Released[StepFunnelResult]:
    """The typed result of `funnel --step ...`: users with the first step in the period and of
    them those who did each next step in order within the window of their first step, with
    Wilson 95% intervals and the median time between steps."""
    checked = checked_period(period_from, period_to)
    steps = [parse_step(x) for x in step]

    def compute() -> Released[StepFunnelResult]:
        with state.analysis(caller, **checked) as a:
            return a.publish(step_funnel(a, steps=steps, window_days=window_days, segment=segment))

    key = (tuple(step), window_days, segment, period_from, period_to)
    return await cached_now(state, caller, "step_funnel", key, compute)


@router.get(
    "/paths",
    response_model=PathsResult,
    summary="What people do next after an event",
    responses=CHART_RESPONSE,
)
@published
async def get_paths(
    state: StateDep,
    caller: CallerDep,
    after: Annotated[
        str, Query(min_length=1, max_length=200, description="The start, TYPES[:KINDS].")
    ],
    within_hours: Annotated[int, Query(ge=1, le=2160, description="Window (hours).")] = 24,
    segment: SegmentName = "all",
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
    top: Top = 50,
) -> Released[PathsResult]:
    """The typed result of `paths`: per next event type and item kind, the users who went on
    to it within the window after an event matching `after`."""
    checked = checked_period(period_from, period_to)
    start = parse_step(after)

    def compute() -> Released[PathsResult]:
        with state.analysis(caller, **checked) as a:
            return a.publish(paths(a, start=start, within_hours=within_hours, segment=segment))

    key = (after, within_hours, segment, period_from, period_to)
    out = await cached_now(state, caller, "paths", key, compute)
    return out.map(lambda r: r.model_copy(update={"rows": r.rows[:top]}))


@router.get(
    "/stickiness",
    response_model=StickinessResult,
    summary="Days active per week; DAU, WAU, MAU and DAU/MAU",
    responses=CHART_RESPONSE,
)
@published
async def get_stickiness(
    state: StateDep,
    caller: CallerDep,
    segment: SegmentName = "all",
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
) -> Released[StickinessResult]:
    """The typed result of `stickiness`."""
    checked = checked_period(period_from, period_to)

    def compute() -> Released[StickinessResult]:
        with state.analysis(caller, **checked) as a:
            return a.publish(stickiness(a, segment=segment))

    key = (segment, period_from, period_to)
    return await cached_now(state, caller, "stickiness", key, compute)


@router.get(
    "/audiences/{item_id}",
    response_model=AudienceResult,
    summary="Who engages with an item, against everyone",
    responses={**CHART_RESPONSE, 404: {"description": "No such item visible to this key"}},
)
@published
def get_audience(
    state: StateDep,
    caller: CallerDep,
    item_id: Annotated[str, Path(min_length=1, max_length=200, description="An item id.")],
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
) -> Released[AudienceResult]:
    """The typed result of `audience --item`: age bands, city tiers, provinces, platforms and
    genders, each cell's share of the item's weighted engagement against its share of all
    engagement. A partner's key asks about its own items only (404 for any other)."""
    visible_item(state, caller, item_id)
    checked = checked_period(period_from, period_to)

    def compute() -> Released[AudienceResult]:
        with state.analysis(caller, **checked) as a:
            return a.publish(item_audience(a, item_id=item_id))

    return state.cached(caller, "audience", (item_id, period_from, period_to), compute)


@router.get(
    "/reach",
    response_model=ReachResult,
    summary="Reach, active users and frequency per period",
    responses=CHART_RESPONSE,
)
@published
async def get_reach(
    state: StateDep,
    caller: CallerDep,
    segment: SegmentName = "all",
    period: Annotated[
        Literal["day", "week", "month"], Query(description="Period length (weeks start Monday).")
    ] = "week",
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
) -> Released[ReachResult]:
    """The typed result of `reach`: users with any event, active users (who did more than see
    or click) and events per reached user, per period."""
    checked = checked_period(period_from, period_to)

    def compute() -> Released[ReachResult]:
        with state.analysis(caller, **checked) as a:
            return a.publish(reach(a, segment=segment, period=period))

    key = (segment, period, period_from, period_to)
    return await cached_now(state, caller, "reach", key, compute)


@router.get(
    "/retention",
    response_model=RetentionResult,
    summary="Weekly cohorts and the share active again week by week",
    responses=CHART_RESPONSE,
)
@published
async def get_retention(
    state: StateDep,
    caller: CallerDep,
    segment: SegmentName = "all",
    weeks: Annotated[int, Query(ge=1, le=52, description="Weeks followed.")] = 8,
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
) -> Released[RetentionResult]:
    """The typed result of `retention`: each weekly cohort (the week of a user's first event in
    range) and the share active again 1, 2, ... weeks later, with Wilson 95% intervals."""
    checked = checked_period(period_from, period_to)

    def compute() -> Released[RetentionResult]:
        with state.analysis(caller, **checked) as a:
            return a.publish(retention(a, segment=segment, weeks=weeks))

    key = (segment, weeks, period_from, period_to)
    return await cached_now(state, caller, "retention", key, compute)


@router.get(
    "/breakdown",
    response_model=BreakdownResult,
    summary="Users and events per value of any dimension, against the previous period",
    responses=CHART_RESPONSE,
)
@published
async def get_breakdown(
    state: StateDep,
    caller: CallerDep,
    by: Annotated[
        str,
        Query(
            min_length=1,
            max_length=100,
            description="kind, genre, partner, item, attributes.KEY, channel, type, age_band, "
            "city_tier, province, platform or gender.",
        ),
    ],
    segment: SegmentName = "all",
    kind: Annotated[
        str | None, Query(max_length=40, description="Only events on items of this kind.")
    ] = None,
    items_of: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Only events on this partner's items (a partner's key: its own id only).",
        ),
    ] = None,
    types: Annotated[
        str | None,
        Query(max_length=200, description="Only these event types, comma-separated."),
    ] = None,
    compare: Annotated[
        Literal["none", "previous"],
        Query(description="`previous`: also the period of equal length just before."),
    ] = "none",
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
    top: Top = 1000,
) -> Released[BreakdownResult]:
    """The typed result of `breakdown` (its rows are what `breakdown --json` prints): per value,
    distinct users with an event on it, their share of the users with any event, events, and
    with `compare=previous` the previous period's users and the relative change. Each period is
    guarded on its own; item values of other partners are `(other partners)` for a partner."""
    checked = checked_period(period_from, period_to)
    event_types = [t.strip() for t in types.split(",") if t.strip()] if types else None

    def compute() -> Released[BreakdownResult]:
        with state.analysis(caller, **checked) as a:
            result = breakdown(
                a,
                by=by,
                segment=segment,
                kind=kind or None,
                items_of=items_of or None,
                event_types=event_types,
                compare=compare,
            )
            return a.publish(result)

    key = (by, segment, kind, items_of, types, compare, period_from, period_to)
    out = await cached_now(state, caller, "breakdown", key, compute)
    return out.map(lambda r: r.model_copy(update={"rows": r.rows[:top]}))
