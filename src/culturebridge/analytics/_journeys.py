"""What people do over time: a funnel of steps the analyst chooses, with a conversion window;
paths (what people do next after an event); stickiness (on how many days of a week people come
back) with daily, weekly and monthly active users.

These are user-level questions, as product analytics tools ask them: a user converts at a step
when, after doing every earlier step in order, they do this one within the window that opens at
their first step. The item funnel (`funnel`) follows single items through fixed stages instead.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from pydantic import BaseModel, Field

from culturebridge.analytics._audience import no_dp
from culturebridge.analytics._engagement import UNKNOWN
from culturebridge.errors import UserError
from culturebridge.privacy import GuardReport
from culturebridge.query import ALL, Analysis, Scope
from culturebridge.schema import EVENT_TYPES, ITEM_KINDS

_Z95 = 1.959963984540054
MAX_STEPS = 8
_EXACT = "its figures need exact user counts"


class Step(BaseModel):
    """A funnel step: any event of `event_types`, optionally only on items of `item_kinds`."""

    event_types: list[str] = Field(min_length=1)
    item_kinds: list[str] | None = None

    def describe(self) -> str:
        text = " or ".join(self.event_types)
        return text + (f" on {' or '.join(self.item_kinds)}" if self.item_kinds else "")


def parse_step(text: str) -> Step:
    """`TYPES[:KINDS]`, e.g. `view`, `play:game` or `purchase:fashion,tourism`."""
    types_text, _, kinds_text = text.strip().partition(":")
    types = [t.strip() for t in types_text.split(",") if t.strip()]
    kinds = [k.strip() for k in kinds_text.split(",") if k.strip()] or None
    bad = [t for t in types if t not in EVENT_TYPES]
    if not types or bad:
        raise UserError(
            f"step {text!r}: unknown event type {bad[0] if bad else '(none)'!r} "
            f"(use {', '.join(EVENT_TYPES)}, optionally :KIND, e.g. play:game)"
        )
    bad = [k for k in kinds or () if k not in ITEM_KINDS]
    if bad:
        raise UserError(f"step {text!r}: unknown kind {bad[0]!r} (use {', '.join(ITEM_KINDS)})")
    return Step(event_types=types, item_kinds=kinds)


def _wilson(x: int, n: int) -> tuple[float | None, float | None]:
    if n <= 0:
        return None, None
    p = x / n
    denom = 1 + _Z95**2 / n
    centre = (p + _Z95**2 / (2 * n)) / denom
    half = _Z95 * math.sqrt(p * (1 - p) / n + _Z95**2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _step_events(a: Analysis, step: Step, events: ir.Table) -> ir.Table:
    e = events.filter(events.type.isin(step.event_types))
    if step.item_kinds:
        items = a.items()
        e = e.semi_join(items.filter(items.kind.isin(step.item_kinds)).select("item_id"), "item_id")
    return e


# ---------------------------------------------------------------------------- custom funnel


class StepRow(BaseModel):
    step: int
    """1 for the first step."""
    definition: str
    users: int | None
    """Users who did this step after every earlier one, within the window of their first."""
    rate_from_previous: float | None
    rate_from_previous_ci_low: float | None
    rate_from_previous_ci_high: float | None
    rate_from_first: float | None
    median_hours_from_previous: float | None
    suppressed: bool = False
    suppression: str | None = None


class StepFunnelResult(BaseModel):
    analysis: str = "step_funnel"
    segment: str
    segment_definition: str
    steps: list[str]
    step_specs: list[Step]
    window_days: int
    method: str
    scope: Scope
    rows: list[StepRow]
    privacy: GuardReport
    sql: list[str] = Field(default_factory=list)


def step_funnel(
    a: Analysis, *, steps: list[Step], window_days: int = 7, segment: str = ALL
) -> StepFunnelResult:
    """Users who did step 1 in the period, and of them those who then did step 2, 3, ... in
    order, each within `window_days` of their first step 1 (user-level, like PostHog's and
    Amplitude's funnels). Conversion rates carry Wilson 95% intervals."""
    no_dp(a, "the funnel of steps", _EXACT)
    if not 2 <= len(steps) <= MAX_STEPS:
        raise UserError(f"a funnel needs 2 to {MAX_STEPS} steps, not {len(steps)}")
    if not 1 <= window_days <= 365:
        raise UserError(f"the conversion window must be 1 to 365 days, not {window_days}")
    a.check_segment(segment)
    events = a.events()
    if segment != ALL:
        events = events.semi_join(a.members(segment), "user_id")
    window = ibis.interval(days=window_days)
    first = _step_events(a, steps[0], events)
    reached = first.group_by("user_id").aggregate(t0=first.ts.min())
    reached = reached.mutate(t=reached.t0)
    parts = [reached.aggregate(users=reached.count(), hours=ibis.null("float64"))]
    parts[0] = parts[0].mutate(step=ibis.literal(1))
    for i, step in enumerate(steps[1:], start=2):
        ev = _step_events(a, step, a.con.table("events"))  # may fall after the period's end
        ev = ev.select(uid="user_id", ts="ts")
        j = reached.join(ev, reached.user_id == ev.uid)
        j = j.filter((j.ts > j.t) & (j.ts <= j.t0 + window))
        nxt = j.group_by(["user_id", "t0", "t"]).aggregate(t_next=j.ts.min())
        gap = (nxt.t_next.epoch_seconds() - nxt.t.epoch_seconds()) / 3600.0
        nxt = nxt.mutate(gap=gap)
        parts.append(
            nxt.aggregate(users=nxt.count(), hours=nxt.gap.approx_median().cast("float64")).mutate(
                step=ibis.literal(i)
            )
        )
        reached = nxt.select("user_id", "t0", t=nxt.t_next)
    table = a.run(ibis.union(*parts).order_by("step"))
    by_step = {int(r["step"]): r for r in table.to_pylist()}
    raw = pa.table(
        {
            "step": list(range(1, len(steps) + 1)),
            "users": [int(by_step.get(i, {}).get("users") or 0) for i in range(1, len(steps) + 1)],
        }
    )
    guarded = a.release(raw, what=f"step funnel {segment}", sensitivity=len(steps))
    rows: list[StepRow] = []
    shown = guarded.to_pylist()
    first_users = shown[0]["users"]
    for i, r in enumerate(shown):
        prev = shown[i - 1]["users"] if i else None
        users = r["users"]
        rate = lo = hi = from_first = None
        if i and users is not None and prev:
            rate = users / prev
            lo, hi = _wilson(users, prev)
        if i and users is not None and first_users:
            from_first = users / first_users
        hours = by_step.get(i + 1, {}).get("hours") if users is not None and i else None
        rows.append(
            StepRow(
                step=i + 1,
                definition=steps[i].describe(),
                users=users,
                rate_from_previous=rate,
                rate_from_previous_ci_low=lo,
                rate_from_previous_ci_high=hi,
                rate_from_first=from_first,
                median_hours_from_previous=None if hours is None else round(float(hours), 2),
                suppressed=r["suppressed"],
                suppression=r["suppression"],
            )
        )
    return StepFunnelResult(
        segment=segment,
        segment_definition=a.describe(segment),
        steps=[s.describe() for s in steps],
        step_specs=steps,
        window_days=window_days,
        method=(
            f"users with step 1 in the period; a user converts at a step when they do it after "
            f"every earlier step, in order, within {window_days} days of their first step 1"
        ),
        scope=a.scope(),
        rows=rows,
        privacy=guarded.report,
        sql=list(a.sql),
    )


# ---------------------------------------------------------------------------- paths


class PathRow(BaseModel):
    next_type: str
    next_kind: str
    users: int | None
    """Distinct users whose next event after the starting one was this."""
    share_of_users: float | None
    suppressed: bool = False
    suppression: str | None = None


class PathsResult(BaseModel):
    analysis: str = "paths"
    segment: str
    start: str
    within_hours: int
    users: int | None
    """Users with a starting event in the period."""
    no_next_users: int | None
    """Of them, users with no next event within the window."""
    method: str
    scope: Scope
    rows: list[PathRow]
    privacy: GuardReport
    sql: list[str] = Field(default_factory=list)


def paths(a: Analysis, *, start: Step, within_hours: int = 24, segment: str = ALL) -> PathsResult:
    """What people do next: for each user's events matching `start` in the period, the event
    that follows it (by the same user, within `within_hours`), as event type × item kind;
    a user counts once per (type, kind) they went on to."""
    no_dp(a, "paths", _EXACT)
    if not 1 <= within_hours <= 24 * 90:
        raise UserError(f"the window must be 1 to {24 * 90} hours, not {within_hours}")
    a.check_segment(segment)
    events = a.events()
    if segment != ALL:
        events = events.semi_join(a.members(segment), "user_id")
    items = a.items().select(iid="item_id", kind=ibis._.kind.cast("string"))
    ev = events.left_join(items, events.item_id == items.iid).select(
        "user_id", "ts", "type", "item_id", kind=ibis.coalesce(ibis._.kind, ibis.literal(UNKNOWN))
    )
    is_start = ev.type.isin(start.event_types)
    if start.item_kinds:
        is_start = is_start & ev.kind.isin(start.item_kinds)
    win = ibis.window(group_by=ev.user_id, order_by=[ev.ts, ev.type, ev.item_id])
    ev = ev.mutate(
        start=is_start,
        next_type=ev.type.lead().over(win),
        next_kind=ev.kind.lead().over(win),
        next_ts=ev.ts.lead().over(win),
    )
    st = ev.filter(ev.start)
    limit = ibis.interval(hours=within_hours)
    went = st.filter(st.next_ts.notnull() & (st.next_ts <= st.ts + limit))
    sums = went.group_by(["next_type", "next_kind"]).aggregate(users=went.user_id.nunique())
    totals = st.aggregate(users=st.user_id.nunique())
    onward = went.aggregate(users=went.user_id.nunique())
    table = a.run(sums.order_by(ibis.desc("users")))
    total = int(a.run(totals).to_pylist()[0]["users"] or 0)
    if total == 0:
        raise UserError(f"no {start.describe()} event in the period: nothing follows it")
    moved = int(a.run(onward).to_pylist()[0]["users"] or 0)
    guarded = a.release(
        table, what=f"paths after {start.describe()}", sensitivity=max(table.num_rows, 1)
    )
    rows = [
        PathRow(
            next_type=r["next_type"],
            next_kind=r["next_kind"],
            users=r["users"],
            share_of_users=r["users"] / total if r["users"] is not None and total else None,
            suppressed=r["suppressed"],
            suppression=r["suppression"],
        )
        for r in guarded.to_pylist()
    ]
    rows.sort(key=lambda r: (r.suppressed, -(r.users or 0), r.next_type, r.next_kind))
    return PathsResult(
        segment=segment,
        start=start.describe(),
        within_hours=within_hours,
        users=a.policy.shown(total),
        no_next_users=a.policy.shown(total - moved),
        method=(
            "per user, the event right after each starting event (same user, within the "
            "window); a user counts once per next step they took, so shares can sum past 100%"
        ),
        scope=a.scope(),
        rows=rows,
        privacy=guarded.report,
        sql=list(a.sql),
    )


# ---------------------------------------------------------------------------- stickiness


class StickinessRow(BaseModel):
    active_days: int
    """Days active in a week (1 to 7)."""
    users: int | None
    """User-weeks with exactly this many active days."""
    share: float | None
    suppressed: bool = False
    suppression: str | None = None


class StickinessResult(BaseModel):
    analysis: str = "stickiness"
    segment: str
    as_of: date
    """The last day with events: DAU, WAU and MAU end on it."""
    dau: int | None
    wau: int | None
    mau: int | None
    dau_mau: float | None
    """Average daily active users over the 30 days to `as_of`, over MAU (30 days)."""
    method: str
    scope: Scope
    rows: list[StickinessRow]
    privacy: GuardReport
    sql: list[str] = Field(default_factory=list)


def stickiness(a: Analysis, *, segment: str = ALL) -> StickinessResult:
    """How often people come back: for every user-week (Monday to Sunday) with an event in the
    period, the number of days with an event; and DAU, WAU, MAU and DAU/MAU at the last day."""
    no_dp(a, "stickiness", _EXACT)
    a.check_segment(segment)
    span = a.span()
    if span is None:
        raise UserError("no events in the period: nothing to measure")
    last = span[1]
    events = a.events()
    if segment != ALL:
        events = events.semi_join(a.members(segment), "user_id")
    days = events.select("user_id", day=events.ts.date()).distinct()
    week = days.day.truncate("W")
    per_week = days.group_by(["user_id", week.name("week")]).aggregate(n=days.count())
    counts = per_week.group_by("n").aggregate(users=per_week.count())
    table = a.run(counts.order_by("n"))
    by_n = {int(r["n"]): int(r["users"]) for r in table.to_pylist()}
    raw = pa.table(
        {"active_days": list(range(1, 8)), "users": [by_n.get(n, 0) for n in range(1, 8)]}
    )
    guarded = a.release(raw, what=f"stickiness {segment}", partition_by=[], sensitivity=1)
    total = sum(by_n.values())

    def active(since: date) -> ir.Table:
        d = days.filter((days.day >= since) & (days.day <= last))
        return d.aggregate(users=d.user_id.nunique(), user_days=d.count())

    tiles = a.run(
        ibis.union(
            active(last).mutate(w=ibis.literal(1)),
            active(last - timedelta(days=6)).mutate(w=ibis.literal(7)),
            active(last - timedelta(days=29)).mutate(w=ibis.literal(30)),
        )
    ).to_pylist()
    got = {int(r["w"]): r for r in tiles}
    dau, wau, mau = (int(got[w]["users"] or 0) for w in (1, 7, 30))
    average_dau = int(got[30]["user_days"] or 0) / 30
    shown = a.policy.shown
    return StickinessResult(
        segment=segment,
        as_of=last,
        dau=shown(dau),
        wau=shown(wau),
        mau=shown(mau),
        dau_mau=average_dau / mau if shown(mau) else None,
        method=(
            "user-weeks (Monday to Sunday) by the number of days with an event; DAU, WAU and MAU "
            "are users active on the last day, in the last 7 and in the last 30 days; DAU/MAU is "
            "the average daily active users of those 30 days over MAU"
        ),
        scope=a.scope(),
        rows=[
            StickinessRow(
                active_days=r["active_days"],
                users=r["users"],
                share=r["users"] / total if r["users"] is not None and total else None,
                suppressed=r["suppressed"],
                suppression=r["suppression"],
            )
            for r in guarded.to_pylist()
        ],
        privacy=guarded.report,
        sql=list(a.sql),
    )


__all__ = [
    "PathRow",
    "PathsResult",
    "Step",
    "StepFunnelResult",
    "StepRow",
    "StickinessResult",
    "StickinessRow",
    "parse_step",
    "paths",
    "step_funnel",
    "stickiness",
]
