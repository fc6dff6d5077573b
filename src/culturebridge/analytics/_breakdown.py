"""Breakdown: how many users (and events) each value of any dimension reached in a period, with
the same figures for the period just before it.

The analyst's first question ("who did what, by channel / age band / genre, this month against
last month") asked of the canonical tables: a dimension of the item (kind, genre, partner, item,
attributes.KEY), of the event (channel, type) or of the user (age band, city tier, province,
platform, gender). One definition serves every surface: a cell's `users` are the distinct users
with at least one counted event on that value in the period; `share_of_users` divides by the
distinct users with any counted event in it. Item and event dimensions overlap (a user who
watched a film and played a game counts in both), so their shares may sum past 100 %; user
dimensions partition the users, and their total is protected by complementary suppression.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, Field

from culturebridge.analytics._engagement import UNKNOWN, _missing, age_band
from culturebridge.errors import UserError
from culturebridge.privacy import Guarded, GuardReport
from culturebridge.query import ALL, Analysis, Scope, midnight
from culturebridge.schema import EVENT_TYPES, ITEM_KINDS

EVENT_DIMENSIONS = {"channel": "channel", "type": "type"}
USER_DIMENSIONS = ("age_band", "city_tier", "province", "platform", "gender")
ITEM_DIMENSIONS = ("kind", "genre", "partner", "item")
BREAKDOWN_DIMENSIONS = (*ITEM_DIMENSIONS, "attributes.KEY", *EVENT_DIMENSIONS, *USER_DIMENSIONS)
"""Every dimension `breakdown` takes (attributes.KEY with a key, e.g. attributes.style)."""

Compare = Literal["none", "previous"]


class BreakdownRow(BaseModel):
    value: str
    users: int | None
    """Distinct users with at least one counted event on this value in the period."""
    events: int | None
    share_of_users: float | None
    """`users` over the distinct users with any counted event in the period."""
    previous_users: int | None = None
    previous_events: int | None = None
    change: float | None = None
    """Relative change of `users` against the previous period (0.25 = 25 % more users)."""
    suppressed: bool = False
    suppression: str | None = None
    previous_suppressed: bool = False


class BreakdownResult(BaseModel):
    analysis: str = "breakdown"
    dimension: str
    segment: str
    segment_definition: str
    kind: str | None
    """Only events on items of this kind (so `genre` reads as genres within one kind)."""
    items_of: str | None
    """Only events on this partner's items."""
    event_types: list[str]
    period_from: date | None
    period_to: date | None
    previous_from: date | None
    previous_to: date | None
    total_users: int | None
    previous_total_users: int | None
    partition: bool
    """Whether each user falls in exactly one value (user dimensions): shares then sum to 1."""
    method: str
    scope: Scope
    rows: list[BreakdownRow]
    privacy: GuardReport
    previous_privacy: GuardReport | None = None
    sql: list[str] = Field(default_factory=list)


def _values(a: Analysis, events: ir.Table, dimension: str) -> ir.Table:
    """(user_id, cur, value) per counted event: the value of `dimension` the event falls in."""
    if dimension in EVENT_DIMENSIONS:
        return events.select("user_id", "cur", value=_missing(events[EVENT_DIMENSIONS[dimension]]))
    if dimension in USER_DIMENSIONS:
        u = a.con.table("users")
        if dimension == "age_band":
            col = age_band(ibis.literal(a.ref.year) - u.birth_year)
        else:
            col = _missing(u[dimension])
        cells = u.select(uid="user_id", v=col)
        joined = events.left_join(cells, events.user_id == cells.uid)
        return joined.select("user_id", "cur", value=ibis.coalesce(joined.v, ibis.literal(UNKNOWN)))
    values = a.dimension(dimension)  # item dimensions: partner-scoped, clear error if unknown
    joined = events.join(values, events.item_id == values.item_id)
    return joined.select(joined.user_id, joined.cur, joined.value)


def breakdown(
    a: Analysis,
    *,
    by: str,
    segment: str = ALL,
    kind: str | None = None,
    items_of: str | None = None,
    event_types: list[str] | None = None,
    compare: Compare = "none",
) -> BreakdownResult:
    """Users and events per value of `by` in the analysis' period, for a segment, optionally only
    on one kind's or one partner's (`items_of`) items and only for some event types; with
    `compare="previous"` the same for the period of equal length just before (each period
    guarded on its own)."""
    a.check_segment(segment)
    if not (by in BREAKDOWN_DIMENSIONS or by.startswith("attributes.")) or by == "attributes.KEY":
        raise UserError(f"unknown dimension {by!r} (use one of {', '.join(BREAKDOWN_DIMENSIONS)})")
    if kind is not None and kind not in ITEM_KINDS:
        raise UserError(f"unknown kind {kind!r} (use one of {', '.join(ITEM_KINDS)})")
    types = list(dict.fromkeys(event_types or EVENT_TYPES))
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        raise UserError(
            f"unknown event type(s) {', '.join(unknown)} (use {', '.join(EVENT_TYPES)})"
        )
    if items_of is not None and a.partner is not None and items_of != a.partner:
        raise UserError(
            f"partner {a.partner!r} may break down its own items only, not {items_of!r}'s"
        )
    span = a.span()
    first, last = span if span is not None else (a.period_from, a.period_to)
    prev: tuple[date, date] | None = None
    if compare == "previous":
        if first is None or last is None:
            raise UserError("nothing to compare: the workspace has no events in the period")
        days = (last - first).days + 1
        prev = (first - timedelta(days=days), first - timedelta(days=1))

    e = a.con.table("events")
    lo = prev[0] if prev is not None else first
    if lo is not None:
        e = e.filter(e.ts >= midnight(lo))
    if last is not None:
        e = e.filter(e.ts < midnight(last + timedelta(days=1)))
    e = e.filter(e.type.isin(types))
    if segment != ALL:
        e = e.semi_join(a.members(segment), "user_id")
    items = a.items()
    if kind is not None:
        e = e.semi_join(items.filter(items.kind == kind).select("item_id"), "item_id")
    if items_of is not None:
        e = e.semi_join(items.filter(items.partner_id == items_of).select("item_id"), "item_id")
    current = ibis.literal(True) if first is None else e.ts >= midnight(first)
    e = e.select("user_id", "item_id", "channel", "type", cur=current)

    cells = _values(a, e, by)
    sums = cells.group_by(["cur", "value"]).aggregate(
        users=cells.user_id.nunique(), events=cells.count()
    )
    totals = e.group_by("cur").aggregate(users=e.user_id.nunique())
    table = a.run(sums.order_by([ibis.desc("users"), "value"]))
    total = {bool(r["cur"]): int(r["users"]) for r in a.run(totals).to_pylist()}

    partition = by in USER_DIMENSIONS
    part: list[str] | None = [] if partition else None
    label = f"breakdown {by} {segment}"
    now = _guarded(a, table, True, label, part)
    rows = [
        BreakdownRow(
            value=r["value"],
            users=r["users"],
            events=r["events"],
            share_of_users=(
                r["users"] / total[True] if r["users"] is not None and not a.noised else None
            ),
            suppressed=r["suppressed"],
            suppression=r["suppression"],
        )
        for r in now.to_pylist()
    ]
    # shown cells by users, then the hidden ones by name: their place must not hint at a size
    rows.sort(key=lambda r: (r.suppressed, -(r.users or 0), r.value))
    before = None
    if prev is not None:
        before = _guarded(a, table, False, label + " previous", part)
        earlier = {r["value"]: r for r in before.to_pylist()}
        for row in rows:
            p = earlier.get(row.value)
            if p is None:  # no user at all before: a new value, nothing to hide
                row.previous_users, row.previous_events = 0, 0
                continue
            row.previous_users, row.previous_events = p["users"], p["events"]
            row.previous_suppressed = p["suppressed"]
            if row.users is not None and p["users"]:
                row.change = row.users / p["users"] - 1
    prev_total = total.get(False, 0) if prev is not None else None
    return BreakdownResult(
        dimension=by,
        segment=segment,
        segment_definition=a.describe(segment),
        kind=kind,
        items_of=items_of,
        event_types=types,
        period_from=first,
        period_to=last,
        previous_from=prev[0] if prev else None,
        previous_to=prev[1] if prev else None,
        # with noise on, the totals would be exact counts: left out (shares are of noisy cells)
        total_users=None if a.noised else a.policy.shown(total.get(True, 0)),
        previous_total_users=(
            None if prev_total is None or a.noised else a.policy.shown(prev_total)
        ),
        partition=partition,
        method=(
            "distinct users with at least one counted event on the value in the period, over "
            "the distinct users with any counted event"
            + ("; each user falls in one value" if partition else "; a user may count in several")
        ),
        scope=a.scope(),
        rows=rows,
        privacy=now.report,
        previous_privacy=before.report if before is not None else None,
        sql=list(a.sql),
    )


def _guarded(
    a: Analysis, table: pa.Table, current: bool, what: str, partition_by: list[str] | None
) -> Guarded:
    mask = pc.equal(table["cur"], pa.scalar(current))
    part = table.filter(mask).drop_columns(["cur"])
    out = a.release(
        part,
        blank=["events"],
        partition_by=partition_by,
        what=what,
        sensitivity=max(part.num_rows, 1),
    )
    if a.noised:  # DP publishes the noised user counts only: event volumes are withheld
        blank = pa.nulls(out.table.num_rows, pa.int64())
        t = out.table.set_column(out.table.schema.get_field_index("events"), "events", blank)
        return out.model_copy(update={"table": t})
    return out


__all__ = [
    "BREAKDOWN_DIMENSIONS",
    "BreakdownResult",
    "BreakdownRow",
    "breakdown",
]
