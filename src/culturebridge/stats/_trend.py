"""Small, pure statistics for trends: is a value's share moving, how fast, and where next.

The trends analysis reduces engagement to one short series per value (a share per period, a few
dozen periods at most) and needs, for each, an answer to three questions:

- *Is it moving at all?* The Mann–Kendall test: rank-based, so one viral week or a skewed share
  distribution does not fake a trend, and it needs no assumption of linearity or normality.
- *How fast?* The Theil–Sen slope (median of pairwise slopes) with Gilbert's rank-based 95%
  interval, the natural companion of Mann–Kendall: the same pairs, equally robust to outliers.
- *Where next?* A damped Holt (ETS A,Ad,N) forecast with prediction intervals; damping keeps a
  short burst from being extrapolated into an ever-growing straight line.

Plus the "emerging" rule (near zero early, clearly up late), which a trend test alone does not
capture: a value going from 0.1% to 3% is newsworthy in a way a 30% -> 32% drift is not.

Everything here is numpy on small arrays, with no I/O and no Ibis; statsmodels is imported only
inside `forecast` because importing it takes about a second. The multiple-testing correction is
`culturebridge.stats.benjamini_hochberg`, shared with every other analysis.

Missing values: NaN (and ±inf) periods are dropped; the remaining points keep their positions
(so slopes stay "per period" even with gaps).
"""

from __future__ import annotations

import contextlib
import functools
import math
import warnings
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, NamedTuple, cast

import numpy as np

__all__ = [
    "Forecast",
    "MannKendall",
    "SenSlope",
    "TrendArrays",
    "emerging_many",
    "forecast",
    "is_emerging",
    "mann_kendall",
    "mann_kendall_many",
    "sen_slope",
]

_Z975 = NormalDist().inv_cdf(0.975)
MIN_ETS_POINTS = 6
"""Shorter series use the naive fallback: ETS A,Ad,N has five parameters to estimate."""
NAIVE_WINDOW = 4
"""The naive forecast is the mean of the last this-many points."""


@dataclass(frozen=True)
class MannKendall:
    """Mann–Kendall trend test for one series.

    `s` is Σ_{i<j} sign(y_j - y_i); `var_s` its variance under "no trend" with the correction
    for tied values; `z` the continuity-corrected normal score; `p_value` two-sided; `tau` is
    Kendall's tau-a against time, S / (n(n-1)/2), so +1 is strictly increasing; `n` counts the
    finite points used. `z` and `p_value` are NaN when n < 3 (no test is meaningful).
    """

    s: float
    var_s: float
    z: float
    p_value: float
    tau: float
    n: int


@dataclass(frozen=True)
class SenSlope:
    """Theil–Sen slope (per unit of x, i.e. per period by default) with a 95% interval.

    `intercept` is median(y - slope·x), so the line passes through the "middle" of the points
    rather than through (median x, median y). `low`/`high` are NaN when n < 3; everything is
    NaN when there are fewer than two points with distinct x.
    """

    slope: float
    intercept: float
    low: float
    high: float


class TrendArrays(NamedTuple):
    """Row-wise results of `mann_kendall_many`, one entry per row of the input matrix."""

    s: np.ndarray
    z: np.ndarray
    p_value: np.ndarray
    tau: np.ndarray
    slope: np.ndarray
    slope_low: np.ndarray
    slope_high: np.ndarray


@dataclass(frozen=True, eq=False)
class Forecast:
    """Point forecast and prediction interval for the next `len(mean)` periods.

    `method` is "ets-damped" (statsmodels ETS, additive error, additive damped trend, no
    season), "naive-mean" (the fallback) or "none" (empty input: all values NaN). `level` is the
    interval's nominal coverage. All three arrays are clipped at 0 because they forecast shares,
    which cannot be negative; clipping keeps low ≤ mean ≤ high.
    """

    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    method: str
    level: float


# --------------------------------------------------------------------------------------------
# Mann–Kendall and Theil–Sen
# --------------------------------------------------------------------------------------------


def _clean(y: np.ndarray, x: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Finite points of `y` and their x (default: the position in the original series)."""
    yv = np.asarray(y, dtype=float).ravel()
    xv = np.arange(yv.size, dtype=float) if x is None else np.asarray(x, dtype=float).ravel()
    if xv.shape != yv.shape:
        raise ValueError(f"x has {xv.size} points but y has {yv.size}")
    ok = np.isfinite(yv) & np.isfinite(xv)
    return yv[ok], xv[ok]


def _var_s(y: np.ndarray) -> float:
    """Variance of S under H0, corrected for ties: [n(n-1)(2n+5) - Σ t(t-1)(2t+5)] / 18."""
    n = y.size
    _, counts = np.unique(y, return_counts=True)
    t = counts[counts > 1].astype(float)
    return float((n * (n - 1) * (2 * n + 5) - np.sum(t * (t - 1) * (2 * t + 5))) / 18.0)


def _mk_from(y: np.ndarray, dy: np.ndarray) -> MannKendall:
    """Mann–Kendall from the pairwise differences y_j - y_i (i < j) already computed."""
    n = int(y.size)
    s = float(np.sign(dy).sum())
    var_s = _var_s(y)
    pairs = n * (n - 1) / 2
    tau = s / pairs if pairs > 0 else math.nan
    if n < 3:
        return MannKendall(s=s, var_s=var_s, z=math.nan, p_value=math.nan, tau=tau, n=n)
    if s > 0:
        z = (s - 1) / math.sqrt(var_s)
    elif s < 0:
        z = (s + 1) / math.sqrt(var_s)
    else:
        # also the all-tied case (var_s == 0), where S is necessarily 0: no evidence of a trend
        z = 0.0
    p = math.erfc(abs(z) / math.sqrt(2.0))
    return MannKendall(s=s, var_s=var_s, z=z, p_value=p, tau=tau, n=n)


def _sen_from(
    y: np.ndarray, x: np.ndarray, dy: np.ndarray, dx: np.ndarray, var_s: float
) -> SenSlope:
    """Theil–Sen slope and Gilbert's interval from the pairwise differences."""
    ok = dx != 0
    slopes = np.sort(dy[ok] / dx[ok])
    n_slopes = slopes.size
    if n_slopes == 0:
        return SenSlope(slope=math.nan, intercept=math.nan, low=math.nan, high=math.nan)
    slope = float(np.median(slopes))
    intercept = float(np.median(y - slope * x))
    if y.size < 3:
        return SenSlope(slope=slope, intercept=intercept, low=math.nan, high=math.nan)
    # Gilbert (1987) §16.5: C = z_{0.975}·sqrt(Var S); the limits are the M1-th and
    # (M2+1)-th smallest slopes (1-based), M1 = (N' - C)/2, M2 = (N' + C)/2, rounded to the
    # nearest order statistic and clamped to the available ones (as scipy.stats.theilslopes).
    c = _Z975 * math.sqrt(max(var_s, 0.0))
    lo_rank = int(np.round((n_slopes - c) / 2.0))
    hi_rank = int(np.round((n_slopes + c) / 2.0)) + 1
    lo_idx = min(max(lo_rank - 1, 0), n_slopes - 1)
    hi_idx = min(max(hi_rank - 1, 0), n_slopes - 1)
    return SenSlope(
        slope=slope, intercept=intercept, low=float(slopes[lo_idx]), high=float(slopes[hi_idx])
    )


def _pairwise(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """y_j - y_i and x_j - x_i for every pair i < j (O(n²) memory; series are short)."""
    i, j = np.triu_indices(y.size, k=1)
    return y[j] - y[i], x[j] - x[i]


def mann_kendall(y: np.ndarray) -> MannKendall:
    """Mann–Kendall test for a monotonic trend in `y` (in time order; NaNs dropped).

    Why Mann–Kendall rather than a regression t-test: it only uses the order of the values, so a
    single spike or a skewed distribution of shares neither creates nor hides a trend, and the
    null distribution does not depend on the data being normal. The variance is corrected for
    tied values (common for shares that sit at exactly 0), z carries the usual continuity
    correction (S∓1) and the p-value is two-sided from the normal approximation.
    """
    yv, xv = _clean(y)
    dy, _ = _pairwise(yv, xv)
    return _mk_from(yv, dy)


def sen_slope(y: np.ndarray, x: np.ndarray | None = None) -> SenSlope:
    """Theil–Sen slope of `y` against `x` (default: period index), with a 95% interval.

    Why Theil–Sen: the median of all pairwise slopes ignores up to ~29% of wild points, so one
    campaign week does not tilt the estimated growth rate, and it pairs naturally with
    Mann–Kendall (same pairs, same variance for the interval). Pairs with equal x are skipped.
    The interval is Gilbert's (1987) rank-based one using the tie-corrected Var(S) of y; it is
    NaN for fewer than three points.
    """
    yv, xv = _clean(y, x)
    dy, dx = _pairwise(yv, xv)
    return _sen_from(yv, xv, dy, dx, _var_s(yv))


def mann_kendall_many(matrix: np.ndarray) -> TrendArrays:
    """`mann_kendall` and `sen_slope` for every row of a (values × periods) matrix.

    Each row is treated as its own series (NaNs dropped per row, x = column index), so rows may
    have different gaps. The pairwise differences are computed once per row and shared by both
    statistics; a loop over rows is fine for the tens to hundreds of values a trends report has.
    Returns arrays in row order: s, z, p_value, tau, slope, slope_low, slope_high.
    """
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2:
        raise ValueError(f"expected a 2-D (values × periods) matrix, got {m.ndim}-D")
    rows = m.shape[0]
    out = np.full((7, rows), np.nan)
    for r in range(rows):
        yv, xv = _clean(m[r])
        dy, dx = _pairwise(yv, xv)
        mk = _mk_from(yv, dy)
        ss = _sen_from(yv, xv, dy, dx, mk.var_s)
        out[:, r] = (mk.s, mk.z, mk.p_value, mk.tau, ss.slope, ss.low, ss.high)
    return TrendArrays(*(out[k].copy() for k in range(7)))


# --------------------------------------------------------------------------------------------
# Emerging values
# --------------------------------------------------------------------------------------------


def emerging_many(
    matrix: np.ndarray, *, near_zero: float, growth: float = 3.0, head: int | None = None
) -> np.ndarray:
    """Row-wise `is_emerging` for a (values × periods) matrix of shares; one bool per row.

    The rule, with n periods (columns):

    - head = `head` if given, else max(2, n // 3): the first `head` periods;
    - tail = max(2, n // 3): the last `tail` periods;
    - if head + tail > n the series is too short to tell and the answer is False;
    - with h = mean share over the head and t = mean share over the tail (NaNs ignored; a part
      with no finite value gives False), the value is emerging when
      h < near_zero  and  t > near_zero  and  t ≥ growth · h.

    Why this rule: a trend test flags any steady drift, while "emerging" means *new*: almost
    absent at the start and clearly present at the end. Using means over a third of the
    series (at least two periods each) keeps a single noisy period from deciding it, and the
    ratio condition stops a value hovering just around the threshold from qualifying.
    """
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2:
        raise ValueError(f"expected a 2-D (values × periods) matrix, got {m.ndim}-D")
    if head is not None and head < 1:
        raise ValueError("head must be at least 1")
    n = m.shape[1]
    h_len = head if head is not None else max(2, n // 3)
    t_len = max(2, n // 3)
    result = np.zeros(m.shape[0], dtype=bool)
    if h_len + t_len > n or m.shape[0] == 0:
        return result
    first, last = m[:, :h_len], m[:, n - t_len :]
    have = np.isfinite(first).any(axis=1) & np.isfinite(last).any(axis=1)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # nanmean of an all-NaN row
        h = np.nanmean(first, axis=1)
        t = np.nanmean(last, axis=1)
        result[:] = have & (h < near_zero) & (t > near_zero) & (t >= growth * h)
    return result


def is_emerging(
    share: np.ndarray, *, near_zero: float, growth: float = 3.0, head: int | None = None
) -> bool:
    """Whether one share series is "emerging": near zero early, clearly up late.

    See `emerging_many` for the exact rule (head/tail lengths, thresholds, NaN handling).
    """
    row = np.asarray(share, dtype=float).reshape(1, -1)
    return bool(emerging_many(row, near_zero=near_zero, growth=growth, head=head)[0])


# --------------------------------------------------------------------------------------------
# Forecast
# --------------------------------------------------------------------------------------------


def _naive(y: np.ndarray, horizon: int, z: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean of the last few points, ± z·sd(series)·sqrt(h): honest about knowing little."""
    center = float(np.mean(y[-NAIVE_WINDOW:]))
    sd = float(np.std(y, ddof=1)) if y.size > 1 else 0.0
    half = z * sd * np.sqrt(np.arange(1, horizon + 1, dtype=float))
    mean = np.full(horizon, center)
    return mean, mean - half, mean + half


def _ets(
    y: np.ndarray, horizon: int, level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Damped-trend ETS forecast, or None when statsmodels is missing or the fit fails."""
    try:
        import pandas as pd
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    except ImportError:
        return None
    # A pandas Series (RangeIndex) rather than an ndarray: statsmodels 0.15's
    # ETSResults.get_prediction fails on ndarray endog ('ndarray' has no attribute 'index').
    endog = pd.Series(y, index=pd.RangeIndex(y.size))
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            # Convergence and log(0) warnings are expected on short or flat series; the
            # finiteness check below is what decides whether the result is usable.
            warnings.simplefilter("ignore")
            model = ETSModel(endog, error="add", trend="add", damped_trend=True, seasonal=None)
            fit = model.fit(disp=False)
            # "exact" (analytic) intervals exist for A,Ad,N: deterministic, no simulation.
            pred = fit.get_prediction(start=y.size, end=y.size + horizon - 1, method="exact")
            frame = pred.summary_frame(alpha=1.0 - level)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        return None
    mean = frame["mean"].to_numpy(dtype=float)
    low = frame["pi_lower"].to_numpy(dtype=float)
    high = frame["pi_upper"].to_numpy(dtype=float)
    if mean.shape != (horizon,) or not (
        np.isfinite(mean).all() and np.isfinite(low).all() and np.isfinite(high).all()
    ):
        return None
    return mean, low, high


@functools.cache
def _blas() -> Any:
    """threadpoolctl's controller of the loaded BLAS libraries (scanning them once costs ms)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """BLAS on one thread for small numeric work (a forecast's few hundred flops): OpenBLAS
    otherwise wakes a thread per core, and on a machine where DuckDB's threads are busy the
    fight turns a 0.25 s forecast into 3 s."""
    return cast(contextlib.AbstractContextManager[Any], _blas().limit(limits=1, user_api="blas"))


def forecast(y: np.ndarray, *, horizon: int, level: float = 0.8) -> Forecast:
    """Forecast the next `horizon` periods of a share series, with `level` prediction intervals.

    Why damped Holt (ETS with additive error, additive damped trend, no season): trend series
    here are short and noisy, and an undamped trend extrapolates any recent burst forever; the
    damped trend flattens out, which is the robust default in the forecasting literature. Why
    ETS in statsmodels: it gives analytic (not simulated) prediction intervals for this model,
    so the output is deterministic.

    Fallback ("naive-mean"): with fewer than `MIN_ETS_POINTS` finite points, or when the fit
    raises or yields non-finite values, the forecast is the mean of the last min(n, 4) points
    with interval ± z·sd(series)·sqrt(h) (sd = 0 for a single point), z the normal quantile for
    `level`. An empty series gives NaNs with method "none".

    Shares cannot be negative, so mean, low and high are clipped at 0 (which keeps
    low ≤ mean ≤ high). NaN periods are dropped before fitting.
    """
    if horizon < 1:
        raise ValueError("horizon must be at least 1")
    if not 0.0 < level < 1.0:
        raise ValueError("level must be strictly between 0 and 1")
    yv, _ = _clean(y)
    if yv.size == 0:
        nan = np.full(horizon, np.nan)
        return Forecast(mean=nan, low=nan.copy(), high=nan.copy(), method="none", level=level)
    result = None
    if yv.size >= MIN_ETS_POINTS:
        with one_blas_thread():
            result = _ets(yv, horizon, level)
    method = "ets-damped"
    if result is None:
        method = "naive-mean"
        result = _naive(yv, horizon, NormalDist().inv_cdf(0.5 + level / 2.0))
    mean, low, high = (np.clip(a, 0.0, None) for a in result)
    return Forecast(mean=mean, low=low, high=high, method=method, level=level)
