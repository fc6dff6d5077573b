"""Trends: how a segment's preferences move, period by period.

For each value of a dimension, its share of the segment's weighted engagement in every period
(the same measure as preferences, so the two agree), then per value: a Mann–Kendall test with
Sen's slope (robust to outliers and to the non-normal noise of shares), Benjamini–Hochberg
across values, an "emerging" flag for values that grow from near nothing, and a short damped
trend forecast with intervals.

The engine returns one small table (period × value sums); the statistics run here in numpy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Literal

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from culturebridge.analytics._prefs import DEFAULT_WEIGHTS, weight_expr
from culturebridge.errors import UserError
from culturebridge.privacy import GuardReport
from culturebridge.query import (
    ALL,
    PERIOD_UNITS,
    Analysis,
    Period,
    Scope,
    next_period,
    period_starts,
    truncate_period,
)
from culturebridge.stats import benjamini_hochberg, forecast, is_emerging, mann_kendall_many

Direction = Literal["rising", "falling", "flat"]


class TrendsConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    alpha: float = Field(default=0.05, gt=0, lt=1)
    horizon: int = Field(default=4, ge=0, le=52)
    """Periods to forecast."""
    level: float = Field(default=0.8, gt=0, lt=1)
    """Forecast interval coverage."""
    near_zero: float = Field(default=0.01, gt=0, lt=1)
    """A share below this in the first third of the periods counts as "near zero"."""
    min_periods: int = Field(default=4, ge=3)


class TrendPoint(BaseModel):
    period_start: date
    share: float | None
    users: int | None
    suppressed: bool = False


class ForecastPoint(BaseModel):
    period_start: date
    share: float
    low: float
    high: float


class Growth(BaseModel):
    """Log-linear growth of a value's share: share_t ∝ (1 + rate)^t."""

    rate: float | None
    """Growth per period: +0.045 = "+4.5%/week"."""
    low: float | None
    high: float | None
    """The 95% interval of `rate` (quasi-Poisson: the spread of the periods around the fit)."""
    ratio: float | None
    """Fitted last-period share over the first: (1 + rate)^(periods − 1)."""
    p_value: float | None


class TrendRow(BaseModel):
    value: str
    direction: Direction
    significant: bool
    emerging: bool
    slope: float | None
    """Sen's slope: change in share per period (absolute, e.g. 0.004 = +0.4 points)."""
    slope_low: float | None
    slope_high: float | None
    relative_change: float | None
    """Sen's slope over the value's mean share (the test's robust effect size)."""
    growth_rate: float | None = None
    """Growth per period, log-linear (the figure every surface shows as "+4.1%/week": the same
    as `fashion trends`' growth): (1 + rate)^(periods − 1) is the last share over the first."""
    growth_low: float | None = None
    growth_high: float | None = None
    """The 95% interval of `growth_rate`."""
    tau: float | None
    p_value: float | None
    p_adj: float | None
    first_share: float | None
    last_share: float | None
    users: int | None
    """Distinct segment users who engaged with the value over the whole range."""
    suppressed: bool = False
    suppression: str | None = None
    points: list[TrendPoint]
    forecast: list[ForecastPoint] = Field(default_factory=list)
    forecast_method: str | None = None


class TrendsResult(BaseModel):
    analysis: str = "trends"
    segment: str
    segment_definition: str
    dimension: str
    period: Period
    periods: list[date]
    scope: Scope
    rows: list[TrendRow]
    privacy: GuardReport
    """The guard's report on the per-period cells (period × value)."""
    value_privacy: GuardReport
    """The guard's report on the per-value summaries."""
    sql: list[str] = Field(default_factory=list)

    def rising(self) -> list[TrendRow]:
        return [r for r in self.rows if r.significant and r.direction == "rising"]

    def falling(self) -> list[TrendRow]:
        return [r for r in self.rows if r.significant and r.direction == "falling"]


def trend_sums(
    events: ir.Table,
    dim: ir.Table,
    *,
    members: ir.Table,
    unit: str,
    weights: Mapping[str, float],
    single_valued: bool = False,
) -> ir.Table:
    """Engine side, as one query: weighted sums and users per (period, value), per period and
    per value, told apart by `part` ("cell", "period", "value").

    Everything comes from one (period, value, user) aggregation, which the engine computes
    once; with `single_valued` (each item has at most one value) the period totals are sums
    over it too, otherwise they take a second pass over the events of items with a value (a
    multi-valued item's event counts once in the total, once in each of its values).
    """
    w = events.select("user_id", "item_id", "ts", w=weight_expr(events, weights))
    w = w.filter(w.w > 0).semi_join(members, "user_id")
    w = w.mutate(period_start=w.ts.truncate(unit).date())
    j = w.join(dim, "item_id")
    puv = j.group_by(["period_start", "value", "user_id"]).aggregate(s=j.w.sum())
    cells = puv.group_by(["period_start", "value"]).aggregate(
        s1=puv.s.sum().cast("float64"), users=puv.count()
    )
    if single_valued:
        totals = puv.group_by("period_start").aggregate(
            s1=puv.s.sum().cast("float64"), users=puv.user_id.nunique()
        )
    else:
        wv = w.semi_join(dim.select("item_id").distinct(), "item_id")
        totals = wv.group_by("period_start").aggregate(
            s1=wv.w.sum().cast("float64"), users=wv.user_id.nunique()
        )
    per_value = puv.group_by("value").aggregate(users=puv.user_id.nunique())
    columns = ("period_start", "value", "s1", "users", "part")
    return ibis.union(
        cells.mutate(part=ibis.literal("cell")).select(*columns),
        totals.mutate(value=ibis.null("string"), part=ibis.literal("period")).select(*columns),
        per_value.mutate(
            period_start=ibis.null("date"),
            s1=ibis.literal(0.0, type="float64"),
            part=ibis.literal("value"),
        ).select(*columns),
        distinct=False,
    )


def trends(
    a: Analysis,
    *,
    segment: str = ALL,
    by: str,
    period: Period = "week",
    config: TrendsConfig | None = None,
    kind: str | None = None,
) -> TrendsResult:
    """Every value's share per period in the segment, with trend tests and a short forecast;
    with `kind`, among items of that kind only."""
    config = config or TrendsConfig()
    if period not in PERIOD_UNITS:
        raise UserError(f"--period must be day, week or month, not {period!r}")
    both = a.run(
        trend_sums(
            a.events(),
            a.dimension(by, kind),
            members=a.members(segment),
            unit=PERIOD_UNITS[period],
            weights=config.weights,
            single_valued=a.single_valued(by),
        )
    ).to_pylist()
    cells = [r for r in both if r["part"] == "cell"]
    totals = {
        r["period_start"]: {"w": r["s1"], "users": r["users"]}
        for r in both
        if r["part"] == "period"
    }
    value_users = {r["value"]: int(r["users"]) for r in both if r["part"] == "value"}
    # the grid spans the whole range of events in the period, not just the segment's: a
    # segment quiet for some weeks has zero shares there, not a shorter series
    span = a.span()
    periods = []
    if totals and span is not None:
        first = truncate_period(span[0], period)
        periods = period_starts(first, truncate_period(span[1], period), period)
    if len(periods) < config.min_periods and cells:
        raise UserError(
            f"only {len(periods)} {period}(s) of data in range: trends need at least "
            f"{config.min_periods}; use a shorter --period or a longer range"
        )
    values = sorted(value_users)
    vi = {v: i for i, v in enumerate(values)}
    pi = {p: i for i, p in enumerate(periods)}
    s1 = np.zeros((len(values), len(periods)))
    users = np.zeros((len(values), len(periods)), dtype=np.int64)
    for r in cells:
        s1[vi[r["value"]], pi[r["period_start"]]] = r["s1"]
        users[vi[r["value"]], pi[r["period_start"]]] = r["users"]
    tot_w = np.array([float(totals[p]["w"]) if p in totals else 0.0 for p in periods])
    tot_users = [int(totals[p]["users"]) if p in totals else 0 for p in periods]
    what = f"trends {segment} by {by} per {period}"
    info = None
    if a.noised:
        # DP: every published figure derives from noisy user counts (reach shares); a user
        # counts in at most every cell of the grid, every period total and every value total
        grid = pa.table({"users": pa.array(users.ravel(), pa.int64())})
        sensitivity = len(values) * len(periods) + len(periods) + len(values)
        noisy, extra, info = a.noise(
            grid,
            ["users"],
            what=what,
            sensitivity=sensitivity,
            totals=[*tot_users, *(value_users[v] for v in values)],
        )
        users = np.array(noisy["users"].to_pylist(), dtype=np.int64).reshape(users.shape)
        tot_users = extra[: len(periods)]
        value_users = {v: extra[len(periods) + i] for i, v in enumerate(values)}
        s1 = users.astype(float)
        tot_w = np.array(tot_users, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(tot_w > 0, np.minimum(s1 / tot_w, 1.0), np.nan)

    # per-period cells through the guard: shares in a period sum to one, so a lone suppressed
    # cell is protected by suppressing a second one in the same period
    cell_table = pa.table(
        {
            "period_start": pa.array([p for _ in values for p in periods], pa.date32()),
            "value": [v for v in values for _ in periods],
            "share": [None if not np.isfinite(x) else float(x) for x in share.ravel()],
            "users": pa.array(users.ravel(), pa.int64()),
        }
    )
    guarded_cells = a.release(
        cell_table, blank=["share"], partition_by=["period_start"], what=what, noise_info=info
    )
    cells_out = guarded_cells.table.to_pylist()

    stats = mann_kendall_many(np.nan_to_num(share, nan=0.0)) if values else None
    p_adj = benjamini_hochberg(stats[2]) if stats is not None else np.array([])
    summary_rows = []
    for i, v in enumerate(values):
        assert stats is not None
        s, _z, p, tau, slope, lo, hi = (float(x[i]) for x in stats)
        growth = log_linear_growth(s1[i], tot_w)
        series = np.nan_to_num(share[i], nan=0.0)
        mean = float(series.mean()) if len(series) else 0.0
        sig = bool(np.isfinite(p_adj[i]) and p_adj[i] < config.alpha)
        direction: Direction = "flat"
        if sig:
            direction = "rising" if s > 0 else "falling"
        summary_rows.append(
            {
                "value": v,
                "direction": direction,
                "significant": sig,
                "emerging": bool(sig and s > 0 and is_emerging(series, near_zero=config.near_zero)),
                "slope": slope,
                "slope_low": lo,
                "slope_high": hi,
                "relative_change": slope / mean if mean > 0 else None,
                "growth_rate": growth.rate,
                "growth_low": growth.low,
                "growth_high": growth.high,
                "tau": tau,
                "p_value": p,
                "p_adj": float(p_adj[i]),
                "first_share": float(series[0]),
                "last_share": float(series[-1]),
                "users": value_users[v],
            }
        )
    value_table = pa.Table.from_pylist(
        summary_rows,
        schema=pa.schema(
            [
                ("value", pa.string()),
                ("direction", pa.string()),
                ("significant", pa.bool_()),
                ("emerging", pa.bool_()),
                ("slope", pa.float64()),
                ("slope_low", pa.float64()),
                ("slope_high", pa.float64()),
                ("relative_change", pa.float64()),
                ("growth_rate", pa.float64()),
                ("growth_low", pa.float64()),
                ("growth_high", pa.float64()),
                ("tau", pa.float64()),
                ("p_value", pa.float64()),
                ("p_adj", pa.float64()),
                ("first_share", pa.float64()),
                ("last_share", pa.float64()),
                ("users", pa.int64()),
            ]
        ),
    )
    stat_cols = [
        "slope",
        "slope_low",
        "slope_high",
        "relative_change",
        "growth_rate",
        "growth_low",
        "growth_high",
        "tau",
        "p_value",
        "p_adj",
        "first_share",
        "last_share",
    ]
    guarded_values = a.release(value_table, blank=stat_cols, what=what, noise_info=info)

    points: dict[str, list[TrendPoint]] = {v: [] for v in values}
    for c in cells_out:
        points[c["value"]].append(
            TrendPoint(
                period_start=c["period_start"],
                share=c["share"],
                users=c["users"],
                suppressed=c["suppressed"],
            )
        )
    rows: list[TrendRow] = []
    for r in guarded_values.to_pylist():
        v = r["value"]
        pts = sorted(points[v], key=lambda p: p.period_start)
        fc: list[ForecastPoint] = []
        method = None
        if not r["suppressed"] and config.horizon and not any(p.suppressed for p in pts):
            # rounded: the fit's optimum is flat enough that the last bits of a float sum
            # (which differ between engines) would move it; 10 digits are far below noise
            history = np.round(np.array([p.share or 0.0 for p in pts]), 10)
            f = forecast(history, horizon=config.horizon, level=config.level)
            method = f.method
            fc = [
                ForecastPoint(
                    period_start=next_period(periods[-1], period, h + 1),
                    share=float(f.mean[h]),
                    low=float(f.low[h]),
                    high=float(f.high[h]),
                )
                for h in range(config.horizon)
            ]
        if r["suppressed"]:
            r.update(direction="flat", significant=False, emerging=False)
        rows.append(
            TrendRow.model_validate({**r, "points": pts, "forecast": fc, "forecast_method": method})
        )
    order = {"rising": 0, "falling": 1, "flat": 2}
    rows.sort(
        key=lambda r: (r.suppressed, order[r.direction], r.p_adj if r.p_adj is not None else 1.0)
    )
    return TrendsResult(
        segment=segment,
        segment_definition=a.describe(segment),
        dimension=by,
        period=period,
        periods=periods,
        scope=a.scope(),
        rows=rows,
        privacy=guarded_cells.report,
        value_privacy=guarded_values.report,
        sql=list(a.sql),
    )


# ---------------------------------------------------------------------------- growth


def log_linear_growth(y: np.ndarray, total: np.ndarray) -> Growth:
    """Growth of y_t / total_t per period: quasi-Poisson log E[y_t] = log total_t + a + b·t.

    Why this model: a trend in a share is multiplicative (a style that triples over a season
    grows by a fixed percentage a week, whatever its starting share), and a log-linear rate is
    what "+4%/week" means: (1 + g)^(n − 1) is the ratio of the last period's share to the first.
    Fitting the counts with their totals as offset, rather than log shares, keeps empty periods
    (log 0) and gives each period the weight of its volume. The interval uses the spread of
    the periods around the fit (quasi-Poisson dispersion, t with n − 2 degrees of freedom), so
    it holds for weighted sums and for the extra-Poisson noise of user behaviour alike.
    """
    from scipy.stats import t as student_t

    empty = Growth(rate=None, low=None, high=None, ratio=None, p_value=None)
    yv = np.asarray(y, dtype=float)
    tv = np.asarray(total, dtype=float)
    ok = (tv > 0) & np.isfinite(yv)
    n = int(ok.sum())
    if n < 3 or yv[ok].sum() <= 0:
        return empty
    x = np.arange(yv.size, dtype=float)[ok]
    x = x - x.mean()
    yy, offset = yv[ok], np.log(tv[ok])
    design = np.column_stack([np.ones(n), x])
    beta = np.array([math.log(yy.sum() / tv[ok].sum()), 0.0])
    with np.errstate(all="ignore"):
        for _ in range(100):
            mu = np.exp(offset + design @ beta)
            z = design @ beta + (yy - mu) / mu
            xtw = design.T * mu
            try:
                new = np.linalg.solve(xtw @ design, xtw @ z)
            except np.linalg.LinAlgError:
                return empty
            if not np.all(np.isfinite(new)):
                return empty
            done = np.max(np.abs(new - beta)) < 1e-10
            beta = new
            if done:
                break
        mu = np.exp(offset + design @ beta)
        phi = float(np.sum((yy - mu) ** 2 / mu) / (n - 2))
        try:
            cov = phi * np.linalg.inv((design.T * mu) @ design)
        except np.linalg.LinAlgError:
            return empty
    b = float(beta[1])
    se = math.sqrt(cov[1, 1]) if cov[1, 1] > 0 else 0.0
    if not math.isfinite(b) or abs(b) * max(yv.size - 1, 1) > 50:
        return empty  # a share from (near) nothing: no finite growth rate describes it
    span = yv.size - 1
    if se <= 0 or not math.isfinite(se):
        return Growth(
            rate=math.expm1(b), low=None, high=None, ratio=math.exp(b * span), p_value=None
        )
    q = float(student_t.ppf(0.975, n - 2))
    p = float(2 * student_t.sf(abs(b / se), n - 2))
    return Growth(
        rate=math.expm1(b),
        low=math.expm1(b - q * se) if b - q * se < 50 else None,
        high=math.expm1(b + q * se) if b + q * se < 50 else None,
        ratio=math.exp(b * span),
        p_value=p,
    )


__all__ = [
    "ForecastPoint",
    "Growth",
    "TrendPoint",
    "TrendRow",
    "TrendsConfig",
    "TrendsResult",
    "log_linear_growth",
    "trends",
]
