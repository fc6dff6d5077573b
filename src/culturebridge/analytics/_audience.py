"""Engagement results: reach and frequency, funnels, retention and an item's audience.

The engine work lives in `_engagement`; this module runs it for one `Analysis` (segment,
period, partner scope), passes every table through the guard and returns typed results that
the CLI prints, the API serialises and the reports draw.
"""

from __future__ import annotations

from datetime import date

import ibis
import pyarrow as pa
from pydantic import BaseModel, Field

from culturebridge.analytics._engagement import (
    activity,
    audience_sums,
    finish_audience,
    finish_funnel,
    finish_retention,
    funnel_sums,
    retention_sums,
)
from culturebridge.analytics._prefs import DEFAULT_WEIGHTS
from culturebridge.errors import UserError
from culturebridge.privacy import GuardReport
from culturebridge.query import ALL, Analysis, Period, Scope


def no_dp(
    a: Analysis, what: str, why: str = "its rates come from event counts, not user counts"
) -> None:
    """Refuse, with one line, an analysis whose figures cannot be noised."""
    if a.noised:
        raise UserError(
            f"{what} is not available with differential privacy ({why}); run it without "
            "--epsilon: k-anonymity still applies"
        )


# ---------------------------------------------------------------------------- reach


class ReachRow(BaseModel):
    period_start: date
    users: int | None
    """Reach: distinct users with any event in the period."""
    active_users: int | None
    """Distinct users who did more than see or click something."""
    impressions: int | None
    events: int | None
    frequency: float | None
    """Events per reached user."""
    suppressed: bool = False
    suppression: str | None = None


class ReachResult(BaseModel):
    analysis: str = "reach"
    segment: str
    segment_definition: str
    period: Period
    scope: Scope
    rows: list[ReachRow]
    privacy: GuardReport
    sql: list[str] = Field(default_factory=list)


def reach(a: Analysis, *, segment: str = ALL, period: Period = "week") -> ReachResult:
    """Reach, frequency and active users per period for a segment."""
    members = None if segment == ALL else a.members(segment)
    a.check_segment(segment)
    table = a.run(activity(a.events(), members=members, period=period))
    volumes = ["impressions", "events", "frequency"]
    guarded = a.release(
        table,
        users=["users", "active_users"],
        blank=volumes,
        what=f"reach {segment} per {period}",
        # a user counts once per period in each of the two user counts
        sensitivity=2 * max(table.num_rows, 1),
    )
    out = guarded.table
    if a.noised:
        # DP publishes the two (noised) user counts only: volumes would need their own
        # contribution bounds, so they are withheld
        for c in volumes:
            field = out.schema.field(c)
            out = out.set_column(
                out.schema.get_field_index(c), c, pa.nulls(out.num_rows).cast(field.type)
            )
    return ReachResult(
        segment=segment,
        segment_definition=a.describe(segment),
        period=period,
        scope=a.scope(),
        rows=[ReachRow.model_validate(r) for r in out.to_pylist()],
        privacy=guarded.report,
        sql=list(a.sql),
    )


# ---------------------------------------------------------------------------- funnel


class FunnelRow(BaseModel):
    group: str
    """`segment` or `baseline`."""
    kind: str
    stage: str
    journeys: int | None
    users: int | None
    rate_from_previous: float | None
    rate_from_previous_ci_low: float | None
    rate_from_previous_ci_high: float | None
    rate_from_first: float | None
    """Conversion from impression: journeys reaching the stage over journeys started."""
    rate_from_first_ci_low: float | None
    rate_from_first_ci_high: float | None
    suppressed: bool = False
    suppression: str | None = None


class FunnelResult(BaseModel):
    analysis: str = "funnel"
    segment: str
    segment_definition: str
    baseline: str
    stages: list[str]
    scope: Scope
    rows: list[FunnelRow]
    privacy: GuardReport
    sql: list[str] = Field(default_factory=list)


FUNNEL_FIGURES = (
    "journeys",
    "rate_from_previous",
    "rate_from_previous_ci_low",
    "rate_from_previous_ci_high",
    "rate_from_first",
    "rate_from_first_ci_low",
    "rate_from_first_ci_high",
)


def funnel(
    a: Analysis, *, segment: str = ALL, vs: str | None = ALL, by_kind: bool = True
) -> FunnelResult:
    """Impression → view → engage → purchase per item kind, for a segment and its baseline.

    A journey starts at an impression of an item; it reaches a stage when it holds an event of
    that stage and reached every earlier one. Rates carry user-clustered 95% intervals.
    `vs=None` leaves the baseline out.
    """
    no_dp(a, "the funnel")
    a.check_segment(segment)
    if vs is not None:
        a.check_segment(vs)
    parts = [a.members(segment).mutate(grp=ibis.literal("segment"))]
    if vs is not None and vs != segment:
        parts.append(a.members(vs).mutate(grp=ibis.literal("baseline")))
    groups = ibis.union(*parts) if len(parts) > 1 else parts[0]
    sums = a.run(funnel_sums(a.events(), a.items(), groups=groups, by_kind=by_kind))
    table = finish_funnel(sums)
    table = table.rename_columns(["group" if c == "grp" else c for c in table.column_names])
    guarded = a.release(table, blank=FUNNEL_FIGURES, what=f"funnel {segment}")
    rows = [FunnelRow.model_validate(r) for r in guarded.to_pylist()]
    rows.sort(key=lambda r: r.group != "segment")  # stable: the segment first, stages in order
    return FunnelResult(
        segment=segment,
        segment_definition=a.describe(segment),
        baseline=vs if vs is not None and vs != segment else "",
        stages=["impression", "view", "engage", "purchase"],
        scope=a.scope(),
        rows=rows,
        privacy=guarded.report,
        sql=list(a.sql),
    )


# ---------------------------------------------------------------------------- retention


class RetentionRow(BaseModel):
    cohort_week: date
    week_offset: int
    users: int | None
    cohort_users: int | None
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: bool = False
    suppression: str | None = None


class RetentionResult(BaseModel):
    analysis: str = "retention"
    segment: str
    segment_definition: str
    weeks: int
    scope: Scope
    rows: list[RetentionRow]
    privacy: GuardReport
    sql: list[str] = Field(default_factory=list)


def retention(a: Analysis, *, segment: str = ALL, weeks: int = 8) -> RetentionResult:
    """Weekly cohorts (first event's week) and the share active again w weeks later."""
    if not 1 <= weeks <= 52:
        raise UserError(f"--weeks must be between 1 and 52, not {weeks}")
    a.check_segment(segment)
    members = None if segment == ALL else a.members(segment)
    sums = a.run(retention_sums(a.events(), members=members, weeks=weeks))
    what = f"retention {segment}"
    if a.noised:
        noisy, _, info = a.noise(
            sums,
            ["users", "cohort_users"],
            what=what,
            sensitivity=2 * (weeks + 1),
        )
        table = finish_retention(noisy, weeks=weeks)
        guarded = a.release(
            table,
            users=["users", "cohort_users"],
            blank=["rate", "ci_low", "ci_high"],
            what=what,
            noise_info=info,
        )
    else:
        table = finish_retention(sums, weeks=weeks)
        guarded = a.release(
            table, users=["users", "cohort_users"], blank=["rate", "ci_low", "ci_high"], what=what
        )
    return RetentionResult(
        segment=segment,
        segment_definition=a.describe(segment),
        weeks=weeks,
        scope=a.scope(),
        rows=[RetentionRow.model_validate(r) for r in guarded.to_pylist()],
        privacy=guarded.report,
        sql=list(a.sql),
    )


# ---------------------------------------------------------------------------- audience


class AudienceRow(BaseModel):
    dimension: str
    value: str
    item_share: float | None
    """Share of the item's weighted engagement that comes from this cell."""
    base_share: float | None
    """Share of all weighted engagement (every item) from this cell."""
    lift: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_adj: float | None
    users: int | None
    """Distinct users in the cell who engaged with the item."""
    suppressed: bool = False
    suppression: str | None = None


class AudienceResult(BaseModel):
    analysis: str = "audience"
    item_id: str
    partner_id: str | None
    item_users: int | None
    scope: Scope
    rows: list[AudienceRow]
    privacy: GuardReport
    sql: list[str] = Field(default_factory=list)

    def top(self, dimension: str) -> AudienceRow | None:
        rows = [r for r in self.rows if r.dimension == dimension and r.lift is not None and r.p_adj]
        significant = [r for r in rows if (r.p_adj or 1) < 0.05 and (r.lift or 0) > 1]
        return max(significant, key=lambda r: r.lift or 0, default=None)


AUDIENCE_FIGURES = ("item_share", "base_share", "lift", "ci_low", "ci_high", "p_value", "p_adj")


def item_audience(a: Analysis, *, item_id: str) -> AudienceResult:
    """Who engages with an item (age band, tier, province, platform, gender) against the base."""
    no_dp(a, "the audience profile")
    owner = a.item_partner(item_id)
    sums = a.run(
        audience_sums(
            a.events(),
            a.con.table("users"),
            item_id=item_id,
            ref_year=a.ref.year,
            weights=DEFAULT_WEIGHTS,
        )
    )
    table = finish_audience(sums)
    # item shares within a dimension sum to one: protect a lone suppressed cell
    guarded = a.release(
        table, blank=AUDIENCE_FIGURES, partition_by=["dimension"], what=f"audience {item_id}"
    )
    item_users = _item_users(table)
    return AudienceResult(
        item_id=item_id,
        partner_id=owner,
        item_users=a.policy.shown(item_users),
        scope=a.scope(),
        rows=[AudienceRow.model_validate(r) for r in guarded.to_pylist()],
        privacy=guarded.report,
        sql=list(a.sql),
    )


def _item_users(table: pa.Table) -> int | None:
    """Users engaging with the item: the sum over one dimension's (disjoint) cells."""
    rows = [r for r in table.to_pylist() if r["dimension"] == "age_band"]
    return sum(int(r["users"] or 0) for r in rows) if rows else 0


__all__ = [
    "AudienceResult",
    "AudienceRow",
    "FunnelResult",
    "FunnelRow",
    "ReachResult",
    "ReachRow",
    "RetentionResult",
    "RetentionRow",
    "funnel",
    "item_audience",
    "reach",
    "retention",
]
