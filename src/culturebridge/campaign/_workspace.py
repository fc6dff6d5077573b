"""A campaign's users and outcomes, read from a workspace in one engine query.

A campaign (the `campaigns` table) has arms (the `assignments` table: user, arm, when assigned).
Its outcomes come from `events`, per assigned user, counted from the moment of assignment (or the
campaign start where an assignment has no time) to the campaign end (or the end of the data):

- `conversion`: 1 if the user made a purchase, else 0;
- `visit`: 1 if the user viewed, played or engaged with anything (impressions and clicks do not
  count: being shown a push is not a visit);
- `revenue`: the sum of the purchases' values.

A campaign owned by a partner counts only events on that partner's items (a tourism board's
campaign converts on trips, not on films). The same three metrics over the `pre_days` before
assignment are the pre-period covariates CUPED uses. Segment dimensions come from `users`
(age band at the analysis reference date, gender, city tier, platform), and features for uplift
modelling add the user's whole-history behaviour before the campaign start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from culturebridge.analytics import ENGAGE_TYPES, VIEW_TYPES, age_band
from culturebridge.errors import UserError
from culturebridge.query import Analysis

METRICS = ("conversion", "visit", "revenue")
"""Outcome metrics per assigned user, in report order."""
UNITS = {"revenue": "CNY per user"}
"""What a workspace metric's means and lifts are in (purchase values are amounts paid, in the
catalogue's currency: CNY, as `items.price`)."""
SEGMENT_DIMENSIONS = ("age_band", "gender", "city_tier", "platform")
VISIT_TYPES = (*VIEW_TYPES, *ENGAGE_TYPES, "purchase")
DEFAULT_PRE_DAYS = 28
UNKNOWN = "unknown"
CONTROL_NAMES = ("control", "holdout", "hold-out", "hold_out")
"""Arm names taken for the control when none is named."""


@dataclass(frozen=True)
class CampaignInfo:
    """One row of `campaigns`, and the outcome window the analysis used."""

    campaign_id: str
    name: str
    partner_id: str | None
    start: datetime | None
    end: datetime | None
    arms: list[str]


@dataclass(frozen=True)
class CampaignFrame:
    """Per assigned user (sorted by user id): arm, outcomes, pre-period outcomes, segments."""

    info: CampaignInfo
    user_id: list[str]
    arm: npt.NDArray[np.str_]
    metrics: dict[str, npt.NDArray[np.float64]]
    pre: dict[str, npt.NDArray[np.float64]]
    segments: dict[str, npt.NDArray[np.str_]]
    pre_days: int

    @property
    def n(self) -> int:
        return len(self.user_id)


def campaign_info(a: Analysis, campaign_id: str) -> CampaignInfo:
    """The campaign's row and arms; a UserError naming the known campaigns when it is absent."""
    rows = a.run(a.con.table("campaigns").filter(ibis._.campaign_id == campaign_id)).to_pylist()
    if not rows:
        known = a.run(a.con.table("campaigns").select("campaign_id").order_by("campaign_id"))
        names = ", ".join(known.column("campaign_id").to_pylist()) or "none"
        raise UserError(f"no campaign {campaign_id!r} (campaigns: {names})")
    row = rows[0]
    asg = a.con.table("assignments").filter(ibis._.campaign_id == campaign_id)
    arms = a.run(asg.select("arm").distinct().order_by("arm")).column("arm").to_pylist()
    if not arms:
        raise UserError(f"campaign {campaign_id!r} has no assignments")
    return CampaignInfo(
        campaign_id, row["name"], row.get("partner_id"), row.get("start"), row.get("end"), arms
    )


def _counted_events(a: Analysis, info: CampaignInfo) -> ir.Table:
    """Events that can count for the campaign: on its partner's items when it has a partner."""
    e = a.con.table("events")
    if info.partner_id:
        items = a.con.table("items").filter(ibis._.partner_id == info.partner_id)
        e = e.semi_join(items, e.item_id == items.item_id)
    return e.select("user_id", "ts", "type", "value")


def _outcomes(
    e: ir.Table, start: ir.TimestampValue, end: ir.TimestampValue | None, prefix: str
) -> dict[str, Any]:
    inside = (e.ts >= start) if end is None else ((e.ts >= start) & (e.ts < end))
    purchase = inside & (e.type == "purchase")
    visit = inside & e.type.isin(VISIT_TYPES)
    return {
        f"{prefix}conversion": ibis.cases((purchase, 1), else_=0).max(),
        f"{prefix}visit": ibis.cases((visit, 1), else_=0).max(),
        f"{prefix}revenue": ibis.cases((purchase, e.value.fill_null(0.0)), else_=0.0).sum(),
    }


def campaign_frame(
    a: Analysis, campaign_id: str, *, pre_days: int = DEFAULT_PRE_DAYS
) -> CampaignFrame:
    """Every assigned user of the campaign with arm, outcomes, pre-period outcomes, segments."""
    if pre_days < 1:
        raise UserError(f"--pre-days must be at least 1, not {pre_days}")
    info = campaign_info(a, campaign_id)
    asg = a.con.table("assignments").filter(ibis._.campaign_id == campaign_id)
    start_lit = ibis.literal(info.start, type="timestamp") if info.start else None
    if start_lit is not None:
        asg = asg.mutate(at=asg.ts.fill_null(start_lit))
    else:
        asg = asg.mutate(at=asg.ts)
    missing = a.run(asg.filter(asg.at.isnull()).count().as_table()).to_pylist()[0]
    if next(iter(missing.values())):
        raise UserError(
            f"campaign {campaign_id!r}: some assignments have no time and the campaign no start; "
            "outcomes cannot be counted from assignment"
        )
    asg = asg.select("user_id", "arm", "at")
    e = _counted_events(a, info)
    j = asg.join(e, asg.user_id == e.user_id, how="left").select(
        asg.user_id, asg.arm, asg.at, e.ts, e.type, e.value
    )
    end = ibis.literal(info.end, type="timestamp") if info.end else None
    pre_start = j.at - ibis.interval(days=pre_days)
    post = _outcomes(j, j.at, end, "")
    before = _outcomes(j, pre_start, j.at, "pre_")
    per_user = j.group_by(["user_id", "arm"]).aggregate(**post, **before)
    u = a.con.table("users")
    age = ibis.literal(a.ref.year) - u.birth_year
    users = u.select(
        "user_id",
        age_band=age_band(age),
        gender=u.gender.fill_null(UNKNOWN),
        city_tier=u.city_tier.cast("string").fill_null(UNKNOWN),
        platform=u.platform.fill_null(UNKNOWN),
    )
    full = per_user.left_join(users, per_user.user_id == users.user_id).select(
        per_user,
        *[users[d] for d in SEGMENT_DIMENSIONS],
    )
    table = a.run(full.order_by("user_id"))
    return _frame(info, table, pre_days)


def _frame(info: CampaignInfo, table: pa.Table, pre_days: int) -> CampaignFrame:
    def num(name: str) -> npt.NDArray[np.float64]:
        return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.float64)

    def text(name: str) -> npt.NDArray[np.str_]:
        values = table.column(name).to_pylist()
        return np.asarray([UNKNOWN if v is None else str(v) for v in values])

    return CampaignFrame(
        info=info,
        user_id=[str(x) for x in table.column("user_id").to_pylist()],
        arm=text("arm"),
        metrics={m: np.nan_to_num(num(m)) for m in METRICS},
        pre={m: np.nan_to_num(num(f"pre_{m}")) for m in METRICS},
        segments={d: text(d) for d in SEGMENT_DIMENSIONS},
        pre_days=pre_days,
    )


# ------------------------------------------------------------------------- features for uplift

FEATURE_WINDOW_DAYS = 90


def user_features(
    a: Analysis, *, as_of: datetime, partner_id: str | None = None, days: int = FEATURE_WINDOW_DAYS
) -> pa.Table:
    """Per user (every row of `users`, sorted by id): demographics and behaviour in the `days`
    before `as_of` (events, active days, views, engagements, purchases, spend; on the partner's
    items and overall), the features uplift models and lookalikes use. Ids stay pseudonymous."""
    u = a.con.table("users")
    e = a.con.table("events")
    since = ibis.literal(as_of - timedelta(days=days), type="timestamp")
    until = ibis.literal(as_of, type="timestamp")
    e = e.filter((e.ts >= since) & (e.ts < until))
    if partner_id:
        mine = a.con.table("items").filter(ibis._.partner_id == partner_id).select("item_id")
        e = e.left_join(mine.mutate(own=ibis.literal(1)), e.item_id == mine.item_id).select(
            e.user_id, e.ts, e.type, e.value, own=ibis._.own.fill_null(0)
        )
    else:
        e = e.select("user_id", "ts", "type", "value", own=ibis.literal(0))
    views = e.type.isin(VIEW_TYPES)
    engages = e.type.isin(ENGAGE_TYPES)
    buys = e.type == "purchase"
    behaviour = e.group_by("user_id").aggregate(
        events=e.count(),
        active_days=e.ts.date().nunique(),
        views=ibis.cases((views, 1), else_=0).sum(),
        engagements=ibis.cases((engages, 1), else_=0).sum(),
        purchases=ibis.cases((buys, 1), else_=0).sum(),
        spend=ibis.cases((buys, e.value.fill_null(0.0)), else_=0.0).sum(),
        partner_events=e.own.sum(),
        partner_purchases=ibis.cases((buys & (e.own == 1), 1), else_=0).sum(),
        last_seen_days=(until.epoch_seconds() - e.ts.max().epoch_seconds()) / 86400.0,
    )
    signup_days = until.date().delta(u.signup_date, unit="day")
    base = u.select(
        "user_id",
        age=ibis.literal(a.ref.year) - u.birth_year,
        gender=u.gender,
        city_tier=u.city_tier.cast("string"),
        platform=u.platform,
        tenure_days=signup_days,
    )
    full = base.left_join(behaviour, base.user_id == behaviour.user_id).select(
        base, *[behaviour[c] for c in behaviour.columns if c != "user_id"]
    )
    counts = ("events", "active_days", "views", "engagements", "purchases", "spend",
              "partner_events", "partner_purchases")  # fmt: skip
    full = full.mutate(**{c: full[c].fill_null(0) for c in counts})
    return a.run(full.order_by("user_id"))
