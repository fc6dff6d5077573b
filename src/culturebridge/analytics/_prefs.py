"""Preferences: what a segment engages with more (or less) than its baseline.

The heavy part is one Ibis expression (so it runs unchanged on DuckDB and Spark): weighted
engagement per user and value, reduced to a handful of sums per value and group. The small
result (one row per value) is finished here with numpy: shares, lift, user-clustered
confidence intervals, Benjamini–Hochberg adjusted p-values and shrinkage.

Why user-clustered: one heavy user's hundred plays are not a hundred independent votes. Each
share is a ratio of per-user sums, R = Σ w_uv / Σ w_u, whose variance is estimated by
linearisation with users as clusters: n/(n-1) · Σ_u (w_uv - R·w_u)² / W². The sums that needs
(Σ w_uv, Σ w_uv², Σ w_uv·w_u, Σ w_u, Σ w_u²) are computed in the engine, so no per-user data
leaves it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from culturebridge.errors import UserError
from culturebridge.privacy import GuardReport
from culturebridge.query import ALL, Analysis, Scope
from culturebridge.schema import EVENT_TYPES
from culturebridge.stats import benjamini_hochberg, normal_two_sided

DEFAULT_WEIGHTS: dict[str, float] = {
    "purchase": 5.0,
    "share": 4.0,
    "favourite": 3.0,
    "like": 3.0,
    "comment": 3.0,
    "rate": 2.0,
    "play": 1.0,
    "view": 1.0,
    "click": 0.5,
    "impression": 0.1,
}


class PrefsConfig(BaseModel):
    """How engagement is weighted and how hard small cells are shrunk."""

    model_config = ConfigDict(frozen=True)

    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    prior_users: float = Field(default=20.0, ge=0)
    """Shrinkage strength: a value's share is pulled to the baseline as if this many average
    segment users had engaged exactly like the baseline."""
    alpha: float = Field(default=0.05, gt=0, lt=1)
    """False-discovery rate for `significant` (Benjamini–Hochberg)."""

    def model_post_init(self, __context: Any) -> None:
        unknown = [t for t in self.weights if t not in EVENT_TYPES]
        if unknown:
            raise UserError(f"unknown event type(s) in weights: {', '.join(unknown)}")


class PreferenceRow(BaseModel):
    value: str
    segment_share: float | None
    baseline_share: float | None
    lift: float | None
    lift_shrunk: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_adj: float | None
    significant: bool
    users: int | None
    """Segment users who engaged with the value (the cell's size for the privacy guard)."""
    baseline_users: int | None
    suppressed: bool = False
    suppression: str | None = None


RATING_SCALE = 5.0
"""Stars of a full rating: a `rate` event's weight is its type weight × stars / 5."""


def weight_expr(events: ir.Table, weights: Mapping[str, float]) -> ir.FloatingValue:
    """Each event's engagement weight (0 for types without a positive one); a rating weighs
    by its stars."""
    unknown = [t for t in weights if t not in EVENT_TYPES]
    if unknown:
        raise UserError(f"unknown event type(s) in weights: {', '.join(unknown)}")
    positive = {t: float(w) for t, w in weights.items() if w > 0}
    if not positive:
        raise UserError("weights give no event type a positive weight")
    cases: list[tuple[Any, Any]] = []
    for t, w in positive.items():
        if t == "rate" and "value" in events.columns:
            # a rating counts by its stars: a 5★ fully, a 1★ a fifth (a 5-point scale, as the
            # demo's and MovieLens'); a rating without a value counts fully
            stars = events.value.clip(lower=0.0, upper=RATING_SCALE) / RATING_SCALE
            cases.append((events.type == t, w * ibis.coalesce(stars, ibis.literal(1.0))))
        else:
            cases.append((events.type == t, ibis.literal(w)))
    return ibis.cases(*cases, else_=0.0)


def preference_sums(
    events: ir.Table,
    dim: ir.Table,
    *,
    segment: ir.Table,
    baseline: ir.Table | None,
    weights: Mapping[str, float],
    single_valued: bool = False,
) -> ir.Table:
    """The engine-side part, as one query: sums per value and group, and totals per group.

    `dim` maps item_id to the dimension's values. Groups: "seg" (segment users) and "other"
    (baseline users outside the segment; everyone else when `baseline` is None). `segment` and
    `baseline` are tables with a `user_id` column. Only users with weighted engagement on an
    item that has a value count (the dimension's population).

    Rows with `part = "cell"` hold (value, grp, s1, s2, s3, users); rows with `part = "total"`
    hold (grp, w, q, n) in (s1, s2, users). One query rather than two lets the engine compute the
    shared (user, value) sums once. Group membership is a left join, not an `IN` subquery, and
    with `single_valued` (each item has at most one value) a user's total comes from those sums
    rather than from a second pass over the events.
    """
    weighted = events.select("user_id", "item_id", w=weight_expr(events, weights))
    weighted = weighted.filter(weighted.w > 0)
    uv = weighted.join(dim, "item_id").group_by(["user_id", "value"]).aggregate(w_uv=ibis._.w.sum())
    if single_valued:
        per_user = uv.group_by("user_id").aggregate(w_u=uv.w_uv.sum())
    else:
        with_value = weighted.semi_join(dim.select("item_id").distinct(), "item_id")
        per_user = with_value.group_by("user_id").aggregate(w_u=with_value.w.sum())
    seg_flag = segment.select("user_id").distinct().mutate(in_seg=ibis.literal(1))
    per_user = per_user.left_join(seg_flag, "user_id").drop("user_id_right")
    if baseline is None:
        in_base: ir.BooleanValue = ibis.literal(True)
    else:
        base_flag = baseline.select("user_id").distinct().mutate(in_base=ibis.literal(1))
        per_user = per_user.left_join(base_flag, "user_id").drop("user_id_right")
        in_base = per_user.in_base.notnull()
    grp = ibis.cases(
        (per_user.in_seg.notnull(), "seg"), (in_base, "other"), else_=ibis.null("string")
    )
    per_user = per_user.select("user_id", "w_u", grp=grp)
    per_user = per_user.filter(per_user.grp.notnull())
    uvu = uv.join(per_user, "user_id")
    sums = uvu.group_by(["value", "grp"]).aggregate(
        s1=uvu.w_uv.sum().cast("float64"),
        s2=(uvu.w_uv * uvu.w_uv).sum().cast("float64"),
        s3=(uvu.w_uv * uvu.w_u).sum().cast("float64"),
        # one row per (user, value): a row count is the distinct-user count, without its cost
        users=uvu.count(),
    )
    totals = per_user.group_by("grp").aggregate(
        s1=per_user.w_u.sum().cast("float64"),
        s2=(per_user.w_u * per_user.w_u).sum().cast("float64"),
        users=per_user.count(),
    )
    return ibis.union(
        sums.mutate(part=ibis.literal("cell")),
        totals.select(
            "grp",
            "s1",
            "s2",
            "users",
            value=ibis.null("string"),
            s3=ibis.literal(0.0, type="float64"),
            part=ibis.literal("total"),
        ).select("value", "grp", "s1", "s2", "s3", "users", "part"),
        distinct=False,
    )


def split_sums(both: pa.Table) -> tuple[pa.Table, pa.Table]:
    """`preference_sums`' one table as the (sums, totals) pair that `finish` reads."""
    rows = both.to_pylist()
    cells = [
        {k: r[k] for k in ("value", "grp", "s1", "s2", "s3", "users")}
        for r in rows
        if r["part"] == "cell"
    ]
    totals = [
        {"grp": r["grp"], "w": r["s1"], "q": r["s2"], "n": r["users"]}
        for r in rows
        if r["part"] == "total"
    ]
    sums_schema = pa.schema(
        [
            ("value", pa.string()),
            ("grp", pa.string()),
            ("s1", pa.float64()),
            ("s2", pa.float64()),
            ("s3", pa.float64()),
            ("users", pa.int64()),
        ]
    )
    totals_schema = pa.schema(
        [("grp", pa.string()), ("w", pa.float64()), ("q", pa.float64()), ("n", pa.int64())]
    )
    return (
        pa.Table.from_pylist(cells, schema=sums_schema),
        pa.Table.from_pylist(totals, schema=totals_schema),
    )


def _ratio_var(
    s1: np.ndarray, s2: np.ndarray, s3: np.ndarray, w: float, q: float, n: float
) -> tuple[np.ndarray, np.ndarray]:
    """User-clustered variance of R = s1 / w (see the module docstring)."""
    if w <= 0 or n < 2:
        return np.full_like(s1, np.nan), np.full_like(s1, np.nan)
    r = s1 / w
    var = n / (n - 1) * (s2 - 2 * r * s3 + r * r * q) / (w * w)
    return r, np.maximum(var, 0.0)


def finish(
    sums: pa.Table, totals: pa.Table, *, config: PrefsConfig, baseline_is_all: bool
) -> pa.Table:
    """Shares, lift, intervals, adjusted p-values and shrinkage from the engine's sums."""
    tot = {r["grp"]: r for r in totals.to_pylist()}
    seg_t = tot.get("seg", {"w": 0.0, "q": 0.0, "n": 0})
    oth_t = tot.get("other", {"w": 0.0, "q": 0.0, "n": 0})
    rows: dict[str, dict[str, Any]] = {}
    for r in sums.to_pylist():
        rows.setdefault(r["value"], {"seg": None, "other": None})[r["grp"]] = r
    values = sorted(rows)
    zero = {"s1": 0.0, "s2": 0.0, "s3": 0.0, "users": 0}

    def arr(grp: str, key: str) -> np.ndarray:
        return np.array([float((rows[v][grp] or zero)[key]) for v in values])

    s_seg = {k: arr("seg", k) for k in ("s1", "s2", "s3", "users")}
    s_oth = {k: arr("other", k) for k in ("s1", "s2", "s3", "users")}
    r_seg, v_seg = _ratio_var(
        s_seg["s1"], s_seg["s2"], s_seg["s3"], seg_t["w"], seg_t["q"], seg_t["n"]
    )
    r_oth, v_oth = _ratio_var(
        s_oth["s1"], s_oth["s2"], s_oth["s3"], oth_t["w"], oth_t["q"], oth_t["n"]
    )
    if baseline_is_all:
        all_w, all_q, all_n = (
            seg_t["w"] + oth_t["w"],
            seg_t["q"] + oth_t["q"],
            seg_t["n"] + oth_t["n"],
        )
        r_base, v_base = _ratio_var(
            s_seg["s1"] + s_oth["s1"],
            s_seg["s2"] + s_oth["s2"],
            s_seg["s3"] + s_oth["s3"],
            all_w,
            all_q,
            all_n,
        )
    else:
        r_base, v_base = r_oth, v_oth
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = r_seg / r_base
        se_log = np.sqrt(v_seg / r_seg**2 + v_base / r_base**2)
        ci_low = np.exp(np.log(lift) - 1.959964 * se_log)
        ci_high = np.exp(np.log(lift) + 1.959964 * se_log)
        z = (r_seg - r_oth) / np.sqrt(v_seg + v_oth)
        p = normal_two_sided(z)
        mean_w = seg_t["w"] / seg_t["n"] if seg_t["n"] else 0.0
        m = config.prior_users * mean_w
        shrunk = (s_seg["s1"] + m * r_base) / (seg_t["w"] + m) if seg_t["w"] + m > 0 else r_seg
        lift_shrunk = shrunk / r_base
    return _figures(
        values,
        r_seg,
        r_base,
        lift,
        lift_shrunk,
        ci_low,
        ci_high,
        p,
        alpha=config.alpha,
        users=pa.array([int(x) for x in s_seg["users"]], pa.int64()),
        baseline_users=pa.array(
            [
                int(x)
                for x in (s_seg["users"] + s_oth["users"] if baseline_is_all else s_oth["users"])
            ],
            pa.int64(),
        ),
    )


def _figures(
    values: Any,
    r_seg: np.ndarray,
    r_base: np.ndarray,
    lift: np.ndarray,
    lift_shrunk: np.ndarray,
    ci_low: np.ndarray,
    ci_high: np.ndarray,
    p: np.ndarray,
    *,
    alpha: float,
    users: Any,
    baseline_users: Any,
) -> pa.Table:
    """The per-value table, BH-adjusted and ordered by shrunk lift (the list a reader sees)."""
    p_adj = benjamini_hochberg(p)

    def clean(a: np.ndarray) -> list[float | None]:
        return [float(x) if np.isfinite(x) else None for x in a]

    table = pa.table(
        {
            "value": values,
            "segment_share": clean(r_seg),
            "baseline_share": clean(r_base),
            "lift": clean(lift),
            "lift_shrunk": clean(lift_shrunk),
            "ci_low": clean(ci_low),
            "ci_high": clean(ci_high),
            "p_value": clean(p),
            "p_adj": clean(p_adj),
            "significant": [bool(x < alpha) if np.isfinite(x) else False for x in p_adj],
            "users": users,
            "baseline_users": baseline_users,
        }
    )
    order = np.argsort(-np.nan_to_num(lift_shrunk.astype(float), nan=-1.0))
    return table.take(pa.array(order))


def finish_reach(
    sums: pa.Table, totals: pa.Table, *, config: PrefsConfig, baseline_is_all: bool
) -> tuple[pa.Table, list[int]]:
    """DP mode's figures, from user counts only: a value's share is the share of the group's
    engaged users who engaged with it (reach), so every published number derives from counts
    that the guard noises. Returns the table (counts not yet noised) and the count columns."""
    tot = {r["grp"]: int(r["n"]) for r in totals.to_pylist()}
    rows: dict[str, dict[str, int]] = {}
    for r in sums.to_pylist():
        rows.setdefault(r["value"], {"seg": 0, "other": 0})[r["grp"]] = int(r["users"])
    values = sorted(rows)
    seg_n = tot.get("seg", 0)
    base_n = seg_n + tot.get("other", 0) if baseline_is_all else tot.get("other", 0)
    table = pa.table(
        {
            "value": values,
            "users": pa.array([rows[v]["seg"] for v in values], pa.int64()),
            "baseline_users": pa.array(
                [rows[v]["other"] + (rows[v]["seg"] if baseline_is_all else 0) for v in values],
                pa.int64(),
            ),
        }
    )
    return table, [seg_n, base_n]


def reach_figures(
    table: pa.Table, seg_n: int, base_n: int, *, config: PrefsConfig, prior: float
) -> pa.Table:
    """Shares, lift, Wald intervals on the log lift and BH p-values from (noisy) counts."""
    u = np.array(table["users"].to_pylist(), dtype=float)
    b = np.array(table["baseline_users"].to_pylist(), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        r_seg = np.minimum(u / seg_n, 1.0) if seg_n else np.full_like(u, np.nan)
        r_base = np.minimum(b / base_n, 1.0) if base_n else np.full_like(b, np.nan)
        lift = r_seg / r_base
        v_seg = r_seg * (1 - r_seg) / max(seg_n, 1)
        v_base = r_base * (1 - r_base) / max(base_n, 1)
        se_log = np.sqrt(v_seg / r_seg**2 + v_base / r_base**2)
        ci_low = np.exp(np.log(lift) - 1.959964 * se_log)
        ci_high = np.exp(np.log(lift) + 1.959964 * se_log)
        p = normal_two_sided((r_seg - r_base) / np.sqrt(v_seg + v_base))
        lift_shrunk = ((u + prior * r_base) / (seg_n + prior)) / r_base
    return _figures(
        table["value"],
        r_seg,
        r_base,
        lift,
        lift_shrunk,
        ci_low,
        ci_high,
        p,
        alpha=config.alpha,
        users=table["users"],
        baseline_users=table["baseline_users"],
    )


BLANKED = (
    "segment_share",
    "baseline_share",
    "lift",
    "lift_shrunk",
    "ci_low",
    "ci_high",
    "p_value",
    "p_adj",
)


class PreferencesResult(BaseModel):
    """What a segment over- and under-indexes on along one dimension, against a baseline."""

    analysis: str = "preferences"
    segment: str
    segment_definition: str
    baseline: str
    baseline_definition: str
    dimension: str
    measure: str
    """How a value's share is measured: weighted engagement, or reach in DP mode."""
    weights: dict[str, float]
    segment_users: int | None
    """Segment users with weighted engagement on items that have a value (None if < k)."""
    baseline_users: int | None
    scope: Scope
    rows: list[PreferenceRow]
    privacy: GuardReport
    sql: list[str] = Field(default_factory=list)

    def top(self, n: int = 3, *, over: bool = True) -> list[PreferenceRow]:
        """The strongest significant over- (or under-) indexed values, best first."""
        rows = [r for r in self.rows if r.significant and r.lift is not None]
        rows = (
            [r for r in rows if (r.lift or 0) > 1]
            if over
            else [r for r in rows if (r.lift or 0) < 1]
        )
        rows.sort(key=lambda r: r.lift_shrunk or 0.0, reverse=over)
        return rows[:n]


def preferences(
    a: Analysis,
    *,
    segment: str,
    by: str,
    vs: str = ALL,
    config: PrefsConfig | None = None,
    kind: str | None = None,
) -> PreferencesResult:
    """The segment's preferences along `by` against `vs` (`all` users, or another segment);
    with `kind`, among items of that kind only (genres of films, say).

    Runs as one engine query (two small results) on the analysis' backend; the per-value table
    is guarded before it is returned: cells where the segment's or the baseline's engaged users
    number fewer than k are blanked, with complementary suppression because shares sum to one.
    """
    config = config or PrefsConfig()
    if segment == vs:
        raise UserError(f"--segment and --vs are the same ({segment!r}): nothing to compare")
    seg_users = a.members(segment)
    base_users = None if vs == ALL else a.members(vs)
    both = preference_sums(
        a.events(),
        a.dimension(by, kind),
        segment=seg_users,
        baseline=base_users,
        weights=config.weights,
        single_valued=a.single_valued(by),
    )
    sums_t, totals_t = split_sums(a.run(both))
    baseline_is_all = vs == ALL
    tot = {r["grp"]: int(r["n"]) for r in totals_t.to_pylist()}
    seg_n = tot.get("seg", 0)
    base_n = seg_n + tot.get("other", 0) if baseline_is_all else tot.get("other", 0)
    if a.noised:
        counts, _ = finish_reach(sums_t, totals_t, config=config, baseline_is_all=baseline_is_all)
        # one user counts in at most every value of both columns and in both totals
        noisy, (seg_n, base_n), info = a.noise(
            counts,
            ["users", "baseline_users"],
            what=f"preferences {segment} vs {vs} by {by}",
            sensitivity=2 * counts.num_rows + 2,
            totals=[seg_n, base_n],
        )
        table = reach_figures(noisy, seg_n, base_n, config=config, prior=config.prior_users)
        measure = "reach: share of the group's engaged users who engaged with the value (DP)"
    else:
        info = None
        table = finish(sums_t, totals_t, config=config, baseline_is_all=baseline_is_all)
        measure = WEIGHTED_MEASURE
    if not a.single_valued(by):
        measure += (
            "; an item with several values (two genres) counts in each, so shares may sum past 100%"
        )
    if kind is not None:
        measure += f"; {kind} items only"
    return _result(
        a,
        segment=segment,
        vs=vs,
        by=by,
        table=table,
        seg_n=seg_n,
        base_n=base_n,
        config=config,
        measure=measure,
        noise_info=info,
    )


WEIGHTED_MEASURE = "weighted engagement share (event-type weights)"


def _result(
    a: Analysis,
    *,
    segment: str,
    vs: str,
    by: str,
    table: pa.Table,
    seg_n: int,
    base_n: int,
    config: PrefsConfig,
    measure: str = WEIGHTED_MEASURE,
    noise_info: dict[str, Any] | None = None,
) -> PreferencesResult:
    """Guard a finished per-value table and wrap it as the typed result."""
    guarded = a.release(
        table,
        users=["users", "baseline_users"],
        blank=BLANKED,
        partition_by=[],
        what=f"preferences {segment} vs {vs} by {by}",
        noise_info=noise_info,
    )
    rows = [
        PreferenceRow.model_validate({**r, "significant": r["significant"] and not r["suppressed"]})
        for r in guarded.to_pylist()
    ]
    rows.sort(key=lambda r: r.suppressed)  # stable: suppressed cells last, order kept
    return PreferencesResult(
        segment=segment,
        segment_definition=a.describe(segment),
        baseline=vs,
        baseline_definition=a.describe(vs),
        dimension=by,
        measure=measure,
        weights=dict(config.weights),
        segment_users=a.policy.shown(seg_n),
        baseline_users=a.policy.shown(base_n),
        scope=a.scope(),
        rows=rows,
        privacy=guarded.report,
        sql=list(a.sql),
    )


_EVERYONE = "\x00all"  # the all-users group of the batched query; never a segment name


def preferences_many(
    a: Analysis,
    segments: Sequence[str],
    dimensions: Sequence[str],
    *,
    config: PrefsConfig | None = None,
) -> list[PreferencesResult]:
    """`preferences(a, segment=s, by=d, vs="all")` for every (s, d), in one engine query.

    Against everyone, the "other" group of a segment is "all minus the segment", so the sums
    per (segment, dimension, value) plus one all-users row per (dimension, value) hold every
    figure `finish` needs. The per-user weights never leave the engine, as in `preferences`.
    Pairs whose dimension has no values are left out.
    """
    config = config or PrefsConfig()
    for s in segments:
        a.check_segment(s)
    members = ibis.union(
        *(a.members(s).select("user_id").mutate(segment=ibis.literal(s)) for s in segments),
        distinct=False,
    )
    events = a.events()
    weighted = events.select("user_id", "item_id", w=weight_expr(events, config.weights))
    weighted = weighted.filter(weighted.w > 0)
    dims = ibis.union(
        *(a.dimension(d).mutate(dimension=ibis.literal(d)) for d in dimensions), distinct=False
    )
    j = weighted.join(dims, "item_id")
    uv = j.group_by(["dimension", "user_id", "value"]).aggregate(w_uv=j.w.sum())
    ji = weighted.join(dims.select("dimension", "item_id").distinct(), "item_id")
    per_user = ji.group_by(["dimension", "user_id"]).aggregate(w_u=ji.w.sum())
    everyone = per_user.select("user_id").distinct().mutate(segment=ibis.literal(_EVERYONE))
    groups = ibis.union(members, everyone, distinct=False)
    # uv has one row per (dimension, user, value) and groups one per (segment, user): a count
    # of rows is the count of distinct users, without the cost of a distinct count
    x = uv.join(per_user, ["dimension", "user_id"]).join(groups, "user_id")
    sums = x.group_by(["segment", "dimension", "value"]).aggregate(
        s1=x.w_uv.sum(), s2=(x.w_uv * x.w_uv).sum(), s3=(x.w_uv * x.w_u).sum(), users=x.count()
    )
    t = per_user.join(groups, "user_id")
    totals = t.group_by(["segment", "dimension"]).aggregate(
        w=t.w_u.sum(), q=(t.w_u * t.w_u).sum(), n=t.count()
    )
    # one query for both: the engine then computes the per-user weights once
    both = ibis.union(
        sums.mutate(part=ibis.literal("cell")),
        totals.select(
            "segment",
            "dimension",
            value=ibis.null("string"),
            s1=totals.w,
            s2=totals.q,
            s3=ibis.literal(0.0, type="float64"),
            users=totals.n,
            part=ibis.literal("total"),
        ),
        distinct=False,
    )
    cells: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    tots: dict[tuple[str, str], dict[str, Any]] = {}
    for r in a.run(both).to_pylist():
        key = (r["segment"], r["dimension"])
        if r["part"] == "total":
            tots[key] = {"w": r["s1"], "q": r["s2"], "n": r["users"]}
        else:
            cells.setdefault(key, {})[r["value"]] = r
    out: list[PreferencesResult] = []
    for d in dimensions:
        everyone_cells = cells.get((_EVERYONE, d), {})
        everyone_tot = tots.get((_EVERYONE, d))
        if not everyone_cells or everyone_tot is None:
            continue
        for s in segments:
            out.append(
                _finish_vs_all(
                    a,
                    s,
                    d,
                    cells.get((s, d), {}),
                    everyone_cells,
                    tots.get((s, d)),
                    everyone_tot,
                    config,
                )
            )
    return out


_SUMS = ("s1", "s2", "s3")


def _finish_vs_all(
    a: Analysis,
    segment: str,
    dimension: str,
    seg_cells: Mapping[str, Mapping[str, Any]],
    all_cells: Mapping[str, Mapping[str, Any]],
    seg_tot: Mapping[str, Any] | None,
    all_tot: Mapping[str, Any],
    config: PrefsConfig,
) -> PreferencesResult:
    """One pair's result, finished and guarded as `analytics.preferences` does it."""
    rows: list[dict[str, Any]] = []
    for value, whole in all_cells.items():
        part = seg_cells.get(value)
        seg_users = int(part["users"]) if part else 0
        if part:
            rows.append({"value": value, "grp": "seg", **{k: float(part[k]) for k in _SUMS}})
            rows[-1]["users"] = seg_users
        other_users = int(whole["users"]) - seg_users
        if other_users > 0:
            rest = {k: float(whole[k]) - (float(part[k]) if part else 0.0) for k in _SUMS}
            rows.append({"value": value, "grp": "other", **rest, "users": other_users})
    sums = pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("value", pa.string()),
                ("grp", pa.string()),
                ("s1", pa.float64()),
                ("s2", pa.float64()),
                ("s3", pa.float64()),
                ("users", pa.int64()),
            ]
        ),
    )
    st = seg_tot or {"w": 0.0, "q": 0.0, "n": 0}
    seg_n = int(st["n"])
    totals = pa.Table.from_pylist(
        [
            {"grp": "seg", "w": float(st["w"]), "q": float(st["q"]), "n": seg_n},
            {
                "grp": "other",
                "w": float(all_tot["w"]) - float(st["w"]),
                "q": float(all_tot["q"]) - float(st["q"]),
                "n": int(all_tot["n"]) - seg_n,
            },
        ]
    )
    table = finish(sums, totals, config=config, baseline_is_all=True)
    return _result(
        a,
        segment=segment,
        vs=ALL,
        by=dimension,
        table=table,
        seg_n=seg_n,
        base_n=int(all_tot["n"]),
        config=config,
    )
