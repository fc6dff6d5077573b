"""Engagement: activity over time, the conversion funnel, weekly retention and item audiences.

Same split as `_prefs`: the heavy part is an Ibis expression that runs unchanged on DuckDB and
Spark and reduces the events to a small table of counts and sums; the `finish_*` functions
turn that small table (a `pa.Table`) into rates and intervals with numpy. Nothing per user
leaves the engine: what the intervals need (Σa, Σa², Σab, Σb, Σb², number of users) is summed
there.

The callers apply period filters, partner scope and privacy; the functions here take tables
that are already filtered. Every output row that describes users carries a distinct-user count
`users`, on which the privacy guard suppresses small cells later (nothing is suppressed here).

Intervals are user-clustered: one heavy user's hundred journeys are not a hundred independent
trials. A rate R = Σ_u a_u / Σ_u b_u gets the linearised (delta method) variance
n/(n-1) · Σ_u (a_u - R·b_u)² / (Σ b)², via `_prefs._ratio_var`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from statistics import NormalDist
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from culturebridge.analytics._prefs import (
    DEFAULT_WEIGHTS,
    _ratio_var,
    weight_expr,
)
from culturebridge.errors import UserError
from culturebridge.query import PERIOD_UNITS, Period
from culturebridge.stats import benjamini_hochberg, normal_two_sided, wilson_interval

PASSIVE_TYPES = ("impression", "click")
"""Event types that do not make a user active: being shown something, or only clicking it."""

STAGES = ("impression", "view", "engage", "purchase")
"""Funnel stages, in order."""
VIEW_TYPES = ("view", "play")
ENGAGE_TYPES = ("like", "favourite", "share", "comment", "rate")

AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("15-17", 15, 17),
    ("18-24", 18, 24),
    ("25-34", 25, 34),
    ("35-44", 35, 44),
    ("45-54", 45, 54),
    ("55+", 55, None),
)
UNDER_AGE_BAND = "<15"
UNKNOWN = "unknown"
AUDIENCE_DIMENSIONS = ("age_band", "city_tier", "province", "platform", "gender")

_Z95 = 1.959963984540054
_SECONDS_PER_WEEK = 7 * 24 * 3600


def _restrict(events: ir.Table, members: ir.Table | None) -> ir.Table:
    """Events of `members` only (a table with a user_id column); everyone when None."""
    if members is None:
        return events
    return events.semi_join(members.select("user_id").distinct(), "user_id")


def _flag(cond: ir.BooleanValue) -> ir.IntegerValue:
    """1/0 for a condition: summable the same way on every backend (no boolean sums)."""
    return ibis.cases((cond, 1), else_=0)


def _clean(a: np.ndarray) -> list[float | None]:
    """Floats for Arrow, with NaN and infinities as nulls (undefined, not a number to show)."""
    return [float(x) if np.isfinite(x) else None for x in a]


# ---------------------------------------------------------------------------------- activity


def activity(
    events: ir.Table, *, members: ir.Table | None = None, period: Period = "week"
) -> ir.Table:
    """Reach, volume and engaged users per day, week (starting Monday) or month.

    Columns: `period_start` (date), `users` (distinct users with any event: the reach),
    `impressions`, `events`, `frequency` (events per reached user) and `active_users` (distinct
    users with at least one event other than an impression or a click: reach counts people who
    were shown something, active users those who did something with it). `members` (a table
    with a user_id column) restricts to a segment; None is everyone.
    """
    if period not in PERIOD_UNITS:
        raise UserError(f"unknown period {period!r} (use day, week or month)")
    ev = _restrict(events, members)
    ev = ev.select(
        "user_id",
        period_start=ev.ts.truncate(PERIOD_UNITS[period]).cast("date"),
        imp=_flag(ev.type == "impression"),
        engaged=~ev.type.isin(PASSIVE_TYPES),
    )
    agg = ev.group_by("period_start").aggregate(
        users=ev.user_id.nunique(),
        impressions=ev.imp.sum(),
        events=ev.count(),
        active_users=ev.user_id.nunique(where=ev.engaged),
    )
    agg = agg.select(
        "period_start",
        "users",
        "impressions",
        "events",
        frequency=agg.events.cast("float64") / agg.users.cast("float64"),
        active_users="active_users",
    )
    return agg.order_by("period_start")


# ---------------------------------------------------------------------------------- funnel


def journeys(events: ir.Table) -> ir.Table:
    """One row per journey: (user_id, item_id, journey) and the deepest stage it reached.

    Per user and item in time order, every impression starts a new journey: the journey number
    is the running count of impressions up to and including the row. Events before a user's
    first impression of an item belong to no journey and are dropped. At equal timestamps an
    impression sorts first, so an event logged in the same instant as an impression belongs to
    the journey that impression starts; the window is a ROWS frame, so two impressions in the
    same instant still make two journeys (a RANGE frame would give both the same number).

    A journey reaches a stage if it holds an event of that stage and reached every earlier one
    (a purchase without an engagement does not reach `purchase`). `reached` is the stage index
    (0 = impression .. 3 = purchase).
    """
    ev = events.select(
        "user_id",
        "item_id",
        "ts",
        imp=_flag(events.type == "impression"),
        v=_flag(events.type.isin(VIEW_TYPES)),
        e=_flag(events.type.isin(ENGAGE_TYPES)),
        p=_flag(events.type == "purchase"),
    )
    win = ibis.window(
        group_by=[ev.user_id, ev.item_id],
        order_by=[ev.ts, ibis.desc(ev.imp)],
        rows=(None, 0),
    )
    ev = ev.mutate(journey=ev.imp.sum().over(win))
    ev = ev.filter(ev.journey >= 1)
    j = ev.group_by(["user_id", "item_id", "journey"]).aggregate(
        v=ev.v.max(), e=ev.e.max(), p=ev.p.max()
    )
    reached = j.v + j.v * j.e + j.v * j.e * j.p
    return j.select("user_id", "item_id", "journey", reached=reached)


def _nth(index: ir.IntegerValue, values: Sequence[Any]) -> Any:
    """values[index] as a CASE expression (the last value is the fallback)."""
    return ibis.cases(*((index == i, v) for i, v in enumerate(values[:-1])), else_=values[-1])


def funnel_sums(
    events: ir.Table,
    items: ir.Table,
    *,
    groups: ir.Table | None = None,
    by_kind: bool = True,
) -> ir.Table:
    """Per (grp, kind, stage): journeys and the per-user sums for clustered intervals.

    `groups` (user_id, grp) assigns users to groups, e.g. "seg" and "other"; users in no group
    are left out (a user in two groups counts in both). None puts everyone in group "all".
    With `by_kind=False` every row has kind "all"; items missing from `items` have kind
    "unknown".

    With a_u = user u's journeys reaching the stage, b_u those reaching the previous stage (the
    stage itself for impressions) and f_u those reaching the first stage: `journeys` = Σa,
    `prev_journeys` = Σb, `first_journeys` = Σf, `a2` = Σa², `ab` = Σab, `b2` = Σb², `af` =
    Σaf, `f2` = Σf², `base_users` = users with any journey in the cell (the clusters), `users` =
    distinct users who reached the stage, `stage_index` 0..3 and `stage`.
    """
    j = journeys(events)
    if by_kind:
        kinds = items.select("item_id", kind=items.kind.cast("string")).distinct()
        j = j.left_join(kinds, "item_id").select(
            "user_id",
            "reached",
            kind=ibis.coalesce(ibis._.kind, ibis.literal(UNKNOWN)),
        )
    else:
        j = j.select("user_id", "reached", kind=ibis.literal("all"))
    # reduce to one row per (kind, user) before the groups join: the join then touches users,
    # not journeys (a user in two groups still counts in both)
    per_user = j.group_by(["kind", "user_id"]).aggregate(
        c0=j.count(),
        c1=_flag(j.reached >= 1).sum(),
        c2=_flag(j.reached >= 2).sum(),
        c3=_flag(j.reached >= 3).sum(),
    )
    if groups is None:
        per_user = per_user.mutate(grp=ibis.literal("all"))
    else:
        g = groups.select("user_id", grp=groups.grp.cast("string")).distinct()
        per_user = per_user.join(g, "user_id")
    # one row per user and stage, without a union (which Spark would compute four times)
    long = per_user.mutate(
        stage_index=ibis.literal(list(range(len(STAGES))), type="array<int64>").unnest()
    )
    c = [long.c0, long.c1, long.c2, long.c3]
    long = long.select(
        "grp",
        "kind",
        "stage_index",
        a=_nth(long.stage_index, c).cast("float64"),
        b=_nth(long.stage_index, [c[0], *c[:-1]]).cast("float64"),
        f=long.c0.cast("float64"),
    )
    sums = long.group_by(["grp", "kind", "stage_index"]).aggregate(
        journeys=long.a.sum(),
        prev_journeys=long.b.sum(),
        first_journeys=long.f.sum(),
        a2=(long.a * long.a).sum(),
        ab=(long.a * long.b).sum(),
        b2=(long.b * long.b).sum(),
        af=(long.a * long.f).sum(),
        f2=(long.f * long.f).sum(),
        users=_flag(long.a > 0).sum(),
        base_users=long.count(),
    )
    sums = sums.mutate(
        journeys=sums.journeys.cast("int64"),
        prev_journeys=sums.prev_journeys.cast("int64"),
        first_journeys=sums.first_journeys.cast("int64"),
        stage=_nth(sums.stage_index, list(STAGES)),
    )
    return sums.order_by(["grp", "kind", "stage_index"])


def _clustered_rate(
    s1: float, s2: float, s3: float, w: float, q: float, n: float, z: float
) -> tuple[float, float, float]:
    """(rate, ci_low, ci_high) of Σa/Σb from the per-user sums, clipped to [0, 1]."""
    r, var = _ratio_var(np.array([s1]), np.array([s2]), np.array([s3]), w, q, n)
    rate = s1 / w if w > 0 else math.nan
    half = z * math.sqrt(float(var[0])) if np.isfinite(var[0]) else math.nan
    if not np.isfinite(r[0]):
        return rate, math.nan, math.nan
    return rate, max(0.0, rate - half), min(1.0, rate + half)


def finish_funnel(sums: pa.Table, *, level: float = 0.95) -> pa.Table:
    """Conversion rates with user-clustered intervals from `funnel_sums`' table.

    Columns: grp, kind, stage, journeys, users, rate_from_previous (journeys reaching the stage
    over those reaching the previous one; 1 for impressions), rate_from_first (over
    impressions), each with `_ci_low`/`_ci_high` at `level` (delta method, clipped to [0, 1];
    null where fewer than two users make the interval undefined). Rows are in (grp, kind,
    stage) order.
    """
    if not 0 < level < 1:
        raise UserError(f"confidence level must be between 0 and 1, not {level}")
    z = NormalDist().inv_cdf(0.5 + level / 2)
    rows = sorted(sums.to_pylist(), key=lambda r: (r["grp"], r["kind"], int(r["stage_index"])))
    out: dict[str, list[Any]] = {
        k: []
        for k in (
            "grp",
            "kind",
            "stage",
            "journeys",
            "users",
            "rate_from_previous",
            "rate_from_previous_ci_low",
            "rate_from_previous_ci_high",
            "rate_from_first",
            "rate_from_first_ci_low",
            "rate_from_first_ci_high",
        )
    }
    for r in rows:
        a, n = float(r["journeys"]), float(r["base_users"])
        prev = _clustered_rate(
            a, float(r["a2"]), float(r["ab"]), float(r["prev_journeys"]), float(r["b2"]), n, z
        )
        first = _clustered_rate(
            a, float(r["a2"]), float(r["af"]), float(r["first_journeys"]), float(r["f2"]), n, z
        )
        out["grp"].append(r["grp"])
        out["kind"].append(r["kind"])
        out["stage"].append(STAGES[int(r["stage_index"])])
        out["journeys"].append(int(r["journeys"]))
        out["users"].append(int(r["users"]))
        for name, (rate, lo, hi) in (("rate_from_previous", prev), ("rate_from_first", first)):
            vals = _clean(np.array([rate, lo, hi]))
            out[name].append(vals[0])
            out[f"{name}_ci_low"].append(vals[1])
            out[f"{name}_ci_high"].append(vals[2])
    text = {"grp", "kind", "stage"}
    counts = {"journeys", "users"}
    return pa.table(
        {
            k: pa.array(
                v, type=pa.string() if k in text else pa.int64() if k in counts else pa.float64()
            )
            for k, v in out.items()
        }
    )


# ---------------------------------------------------------------------------------- retention


def retention_sums(
    events: ir.Table, *, members: ir.Table | None = None, weeks: int = 8
) -> ir.Table:
    """Weekly cohorts and how many of each come back, week by week.

    A user's cohort is the week (Monday 00:00 UTC) of their first event in `events` (so in the
    caller's period: a user seen before it is "new" on their first event inside it). For each
    cohort and `week_offset` w = 0..`weeks`, `users` counts cohort users with any event in week
    cohort + w; `cohort_users` is the cohort's size. Weeks with no returning user have no row
    (`finish_retention` fills them in). Columns: cohort_week (date), week_offset, users,
    cohort_users.
    """
    if weeks < 0:
        raise UserError(f"weeks must be 0 or more, not {weeks}")
    ev = _restrict(events, members)
    uw = ev.select("user_id", week=ev.ts.truncate("W")).distinct()
    first = uw.group_by("user_id").aggregate(cohort=uw.week.min())
    x = uw.join(first, "user_id")
    # whole weeks between two Mondays: exact in epoch seconds (UTC has no DST), on any backend
    diff = x.week.epoch_seconds() - x.cohort.epoch_seconds()
    x = x.mutate(week_offset=(diff / _SECONDS_PER_WEEK).round().cast("int64"))
    x = x.filter(x.week_offset <= weeks)
    active = x.group_by(["cohort", "week_offset"]).aggregate(users=x.user_id.nunique())
    sizes = first.group_by("cohort").aggregate(cohort_users=first.user_id.count())
    out = active.join(sizes, "cohort").select(
        cohort_week=ibis._.cohort.cast("date"),
        week_offset=ibis._.week_offset,
        users=ibis._.users,
        cohort_users=ibis._.cohort_users,
    )
    return out.order_by(["cohort_week", "week_offset"])


def finish_retention(t: pa.Table, *, weeks: int | None = None) -> pa.Table:
    """Retention rates with Wilson 95% intervals; the weeks nobody came back filled with 0.

    A (cohort, offset) missing from `t` is a week in which no cohort user was active, as long
    as that week is observed (not after the last week with any activity, and offset ≤ `weeks`,
    by default the largest offset in `t`); later weeks are unknown, not zero, and stay out.
    Adds `rate` = users / cohort_users, `ci_low` and `ci_high`.
    """
    rows = t.to_pylist()
    if rows:
        max_off = weeks if weeks is not None else max(int(r["week_offset"]) for r in rows)
        last = max(
            r["cohort_week"].toordinal() + 7 * int(r["week_offset"]) for r in rows
        )  # the last observed week (every active user belongs to some cohort)
        sizes = {r["cohort_week"]: int(r["cohort_users"]) for r in rows}
        seen = {(r["cohort_week"], int(r["week_offset"])): int(r["users"]) for r in rows}
        for c in sizes:
            for w in range(max_off + 1):
                if c.toordinal() + 7 * w <= last and (c, w) not in seen:
                    seen[(c, w)] = 0
        keys = sorted(seen)
        cohort = [c for c, _ in keys]
        offset = [w for _, w in keys]
        users = np.array([seen[k] for k in keys], dtype=np.int64)
        n = np.array([sizes[c] for c in cohort], dtype=np.int64)
    else:
        cohort, offset = [], []
        users = n = np.zeros(0, dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = users / n
    lo, hi = wilson_interval(users, n)
    return pa.table(
        {
            "cohort_week": pa.array(cohort, type=pa.date32()),
            "week_offset": pa.array(offset, type=pa.int64()),
            "users": pa.array(users, type=pa.int64()),
            "cohort_users": pa.array(n, type=pa.int64()),
            "rate": pa.array(_clean(rate), type=pa.float64()),
            "ci_low": pa.array(_clean(lo), type=pa.float64()),
            "ci_high": pa.array(_clean(hi), type=pa.float64()),
        }
    )


# ---------------------------------------------------------------------------------- audience


def age_band(age: ir.IntegerValue) -> ir.StringValue:
    """The reporting age band of an age: 15-17 .. 55+, "<15" below, "unknown" when null."""
    cases: list[tuple[Any, str]] = [(age.isnull(), UNKNOWN), (age < 15, UNDER_AGE_BAND)]
    cases += [(age <= hi, label) for label, _, hi in AGE_BANDS if hi is not None]
    return ibis.cases(*cases, else_=AGE_BANDS[-1][0])


def _missing(value: ir.Value) -> ir.StringValue:
    """A dimension value as a string, with null and empty as "unknown" (still a cell)."""
    s = value.cast("string")
    return ibis.cases((s.isnull() | (s == ""), UNKNOWN), else_=s)


def audience_sums(
    events: ir.Table,
    users: ir.Table,
    *,
    item_id: str,
    ref_year: int,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
) -> ir.Table:
    """Who engages with one item, against everyone's engagement, per audience cell.

    Per user u: w_ui = weighted engagement with the item, w_u = weighted engagement with
    anything (`weights` per event type; types weighted 0 or not listed are ignored). Per
    (dimension, value) for the dimensions age_band (age = ref_year - birth_year), city_tier,
    province, platform and gender (missing values in "unknown", as are users absent from
    `users`): `item_w` = Σ w_ui, `item_w2` = Σ w_ui², `users` = distinct users engaging with the
    item in the cell, and the same over all items: `base_w`, `base_w2`, `base_users`. Each
    dimension partitions the users, so its totals are the sums over its cells
    (`finish_audience` uses that; each per-user share numerator is a_u = w_ui in the cell and
    denominator b_u = w_ui, so Σab = Σa²).
    """
    w = weight_expr(events, weights)
    ev = events.select("user_id", "item_id", w=w)
    ev = ev.filter(ev.w > 0)
    per_user = ev.group_by("user_id").aggregate(
        w_item=ibis.cases((ev.item_id == item_id, ev.w), else_=0.0).sum(),
        w_all=ev.w.sum(),
    )
    u = users.select(
        "user_id",
        age_band=age_band(ibis.literal(ref_year) - users.birth_year),
        city_tier=_missing(users.city_tier),
        province=_missing(users.province),
        platform=_missing(users.platform),
        gender=_missing(users.gender),
    )
    pu = per_user.left_join(u, per_user.user_id == u.user_id).select(
        "w_item",
        "w_all",
        *[ibis.coalesce(ibis._[d], ibis.literal(UNKNOWN)).name(d) for d in AUDIENCE_DIMENSIONS],
    )
    # one row per user and dimension, without a union (which Spark would compute five times)
    long = pu.mutate(
        d=ibis.literal(list(range(len(AUDIENCE_DIMENSIONS))), type="array<int64>").unnest()
    )
    long = long.select(
        "w_item",
        "w_all",
        dimension=_nth(long.d, list(AUDIENCE_DIMENSIONS)),
        value=_nth(long.d, [long[d] for d in AUDIENCE_DIMENSIONS]),
    )
    sums = long.group_by(["dimension", "value"]).aggregate(
        item_w=long.w_item.sum(),
        item_w2=(long.w_item * long.w_item).sum(),
        users=_flag(long.w_item > 0).sum(),
        base_w=long.w_all.sum(),
        base_w2=(long.w_all * long.w_all).sum(),
        base_users=long.count(),
    )
    return sums.order_by(["dimension", "value"])


def finish_audience(sums: pa.Table) -> pa.Table:
    """Item share, base share and lift per audience cell, with user-clustered intervals.

    Per (dimension, value): `item_share` = the cell's share of the item's weighted engagement,
    `base_share` = the same over all items, `lift` = item_share / base_share with a 95% interval
    (`ci_low`, `ci_high`; delta method on the log scale, treating the two shares as independent
    as `_prefs.finish` does: the item is a small part of the base), `p_value` (two-sided z test
    of item_share = base_share), `p_adj` (Benjamini–Hochberg within the dimension) and `users`.
    Sorted by dimension, then lift descending (undefined lifts last).
    """
    rows = sums.to_pylist()
    by_dim: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_dim.setdefault(r["dimension"], []).append(r)
    parts: list[pa.Table] = []
    for dim in sorted(by_dim):
        cells = by_dim[dim]

        def col(key: str, cells: list[dict[str, Any]] = cells) -> np.ndarray:
            return np.array([float(c[key] or 0.0) for c in cells])

        item_w, item_w2, base_w, base_w2 = (
            col("item_w"),
            col("item_w2"),
            col("base_w"),
            col("base_w2"),
        )
        users = np.array([int(c["users"] or 0) for c in cells], dtype=np.int64)
        base_users = col("base_users")
        r_i, v_i = _ratio_var(
            item_w, item_w2, item_w2, item_w.sum(), item_w2.sum(), float(users.sum())
        )
        r_b, v_b = _ratio_var(
            base_w, base_w2, base_w2, base_w.sum(), base_w2.sum(), float(base_users.sum())
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            lift = r_i / r_b
            se_log = np.sqrt(v_i / r_i**2 + v_b / r_b**2)
            ci_low = np.exp(np.log(lift) - _Z95 * se_log)
            ci_high = np.exp(np.log(lift) + _Z95 * se_log)
            zstat = (r_i - r_b) / np.sqrt(v_i + v_b)
        p = normal_two_sided(zstat)
        p_adj = benjamini_hochberg(p)
        order = np.argsort(-np.nan_to_num(lift, nan=-np.inf), kind="stable")
        part = pa.table(
            {
                "dimension": pa.array([dim] * len(cells), type=pa.string()),
                "value": pa.array([c["value"] for c in cells], type=pa.string()),
                "item_share": pa.array(_clean(r_i), type=pa.float64()),
                "base_share": pa.array(_clean(r_b), type=pa.float64()),
                "lift": pa.array(_clean(lift), type=pa.float64()),
                "ci_low": pa.array(_clean(ci_low), type=pa.float64()),
                "ci_high": pa.array(_clean(ci_high), type=pa.float64()),
                "p_value": pa.array(_clean(p), type=pa.float64()),
                "p_adj": pa.array(_clean(p_adj), type=pa.float64()),
                "users": pa.array(users, type=pa.int64()),
            }
        )
        parts.append(part.take(pa.array(order)))
    if not parts:
        return pa.table(
            {
                "dimension": pa.array([], pa.string()),
                "value": pa.array([], pa.string()),
                **{
                    k: pa.array([], pa.float64())
                    for k in (
                        "item_share",
                        "base_share",
                        "lift",
                        "ci_low",
                        "ci_high",
                        "p_value",
                        "p_adj",
                    )
                },
                "users": pa.array([], pa.int64()),
            }
        )
    return pa.concat_tables(parts)
