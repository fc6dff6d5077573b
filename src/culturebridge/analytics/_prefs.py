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

import math
from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from culturebridge.errors import UserError
from culturebridge.schema import EVENT_TYPES

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
ITEM_FIELDS = {"kind": "kind", "partner": "partner_id", "item": "item_id"}
LIST_FIELDS = {"genre": "genres", "genres": "genres"}


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
    suppressed: bool = False
    suppression: str | None = None


def dimension_table(items: ir.Table, dimension: str) -> ir.Table:
    """(item_id, value) for a dimension: an item field, `genre`, or `attributes.KEY`."""
    if dimension in ITEM_FIELDS:
        col = items[ITEM_FIELDS[dimension]].cast("string")
        t = items.select("item_id", value=col)
    elif dimension in LIST_FIELDS:
        t = items.select("item_id", value=items[LIST_FIELDS[dimension]].unnest())
    elif dimension.startswith("attributes."):
        key = dimension.removeprefix("attributes.")
        if not key:
            raise UserError("attributes.KEY needs a key, e.g. attributes.colour")
        t = items.select("item_id", value=items.attributes.get(key))
    else:
        known = ", ".join([*ITEM_FIELDS, "genre", "attributes.KEY"])
        raise UserError(f"unknown dimension {dimension!r} (use one of {known})")
    return t.filter(t.value.notnull() & (t.value != "")).distinct()


def _weight(events: ir.Table, weights: dict[str, float]) -> ir.Value:
    case = ibis.cases(*((events.type == t, float(w)) for t, w in weights.items()), else_=0.0)
    return case


def preference_sums(
    con: Any,
    *,
    segment: ir.Table,
    baseline: ir.Table | None,
    dimension: str,
    config: PrefsConfig,
    period_from: date | None = None,
    period_to: date | None = None,
) -> tuple[ir.Table, ir.Table]:
    """The engine-side part: (sums per value and group, totals per group).

    Groups: "seg" (segment users) and "other" (baseline users outside the segment; everyone
    else when `baseline` is None). `segment` and `baseline` are tables with a `user_id` column.
    """
    events = con.table("events")
    items = con.table("items")
    if period_from is not None:
        events = events.filter(events.ts >= ibis.timestamp(str(period_from)))
    if period_to is not None:
        events = events.filter(events.ts < ibis.timestamp(str(period_to)) + ibis.interval(days=1))
    dim = dimension_table(items, dimension)
    weighted = events.select("user_id", "item_id", w=_weight(events, config.weights))
    weighted = weighted.filter(weighted.w > 0)
    with_value = weighted.semi_join(dim.select("item_id").distinct(), "item_id")
    per_user = with_value.group_by("user_id").aggregate(w_u=with_value.w.sum())
    seg_ids = segment.select("user_id").distinct()
    in_seg = per_user.user_id.isin(seg_ids.user_id)
    if baseline is None:
        in_base = ibis.literal(True)
    else:
        in_base = per_user.user_id.isin(baseline.select("user_id").distinct().user_id)
    per_user = per_user.mutate(
        grp=ibis.cases((in_seg, "seg"), (in_base, "other"), else_=ibis.null("string"))
    )
    per_user = per_user.filter(per_user.grp.notnull())
    uv = weighted.join(dim, "item_id").group_by(["user_id", "value"]).aggregate(w_uv=ibis._.w.sum())
    uvu = uv.join(per_user, "user_id")
    sums = uvu.group_by(["value", "grp"]).aggregate(
        s1=uvu.w_uv.sum(),
        s2=(uvu.w_uv * uvu.w_uv).sum(),
        s3=(uvu.w_uv * uvu.w_u).sum(),
        users=uvu.user_id.nunique(),
    )
    totals = per_user.group_by("grp").aggregate(
        w=per_user.w_u.sum(), q=(per_user.w_u * per_user.w_u).sum(), n=per_user.user_id.count()
    )
    return sums, totals


def _ratio_var(
    s1: np.ndarray, s2: np.ndarray, s3: np.ndarray, w: float, q: float, n: float
) -> tuple[np.ndarray, np.ndarray]:
    """User-clustered variance of R = s1 / w (see the module docstring)."""
    if w <= 0 or n < 2:
        return np.full_like(s1, np.nan), np.full_like(s1, np.nan)
    r = s1 / w
    var = n / (n - 1) * (s2 - 2 * r * s3 + r * r * q) / (w * w)
    return r, np.maximum(var, 0.0)


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (NaN stays NaN)."""
    out = np.full_like(p, np.nan, dtype=float)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return out
    pv = p[ok]
    order = np.argsort(pv)
    ranked = pv[order] * m / np.arange(1, m + 1)
    adj = np.minimum.accumulate(ranked[::-1])[::-1]
    res = np.empty(m)
    res[order] = np.minimum(adj, 1.0)
    out[ok] = res
    return out


def _norm_sf2(z: np.ndarray) -> np.ndarray:
    """Two-sided normal tail probability."""
    return np.array([math.erfc(abs(v) / math.sqrt(2)) if np.isfinite(v) else np.nan for v in z])


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
        p = _norm_sf2(z)
        mean_w = seg_t["w"] / seg_t["n"] if seg_t["n"] else 0.0
        m = config.prior_users * mean_w
        shrunk = (s_seg["s1"] + m * r_base) / (seg_t["w"] + m) if seg_t["w"] + m > 0 else r_seg
        lift_shrunk = shrunk / r_base
    p_adj = bh_adjust(p)

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
            "significant": [bool(x < config.alpha) if np.isfinite(x) else False for x in p_adj],
            "users": pa.array([int(x) for x in s_seg["users"]], pa.int64()),
        }
    )
    order = np.argsort(-np.nan_to_num(np.array(clean(lift_shrunk), dtype=float), nan=-1.0))
    return table.take(pa.array(order))
