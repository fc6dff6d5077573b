"""Uplift metrics as pure functions: Qini and uplift curves, their normalised areas, uplift@k.

The conventions follow scikit-uplift's `sklift.metrics` so that figures are comparable with
published ones: customers are ranked by predicted uplift, highest first; a curve has one point
per *distinct* score (tied customers enter together, so the order of ties never matters) and
starts at (0, 0). The Qini curve at n customers is

    Q(n) = Y_t(n) - Y_c(n) * N_t(n) / N_c(n)

(responders among the treated less the control responders rescaled to the treated count); the
uplift curve is (Y_t/N_t - Y_c/N_c) * n. `qini_auc` is the area between the model's Qini curve
and the straight line to its end point, divided by the same area for the perfect ranking
(treated responders first, control responders last), as `qini_auc_score`; `auuc` does the
same for the uplift curve with `perfect_uplift_curve`'s ranking. Every function takes `y`
(outcomes), `uplift` (scores) and `treatment` (0/1 or bool) and leaves them unchanged.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def _check(y: npt.ArrayLike, uplift: npt.ArrayLike, treatment: npt.ArrayLike) -> tuple[Array, ...]:
    ya = np.asarray(y, dtype=np.float64)
    ua = np.asarray(uplift, dtype=np.float64)
    ta = np.asarray(treatment)
    if not (ya.ndim == ua.ndim == ta.ndim == 1):
        raise ValueError("y, uplift and treatment must be one-dimensional")
    if not (len(ya) == len(ua) == len(ta)):
        raise ValueError(
            f"y, uplift and treatment differ in length ({len(ya)}, {len(ua)}, {len(ta)})"
        )
    if not np.all(np.isfinite(ua)) or not np.all(np.isfinite(ya)):
        raise ValueError("y and uplift must be finite (no NaN or infinity)")
    tf = ta.astype(np.float64)
    if not np.all((tf == 0.0) | (tf == 1.0)):
        raise ValueError("treatment must be 0/1 or boolean")
    return ya, ua, tf


def _cumulative(y: Array, uplift: Array, t: Array) -> tuple[Array, Array, Array, Array, Array]:
    """Ranks by descending score and sums at the end of each run of tied scores: n, treated
    count, control count, treated outcome sum, control outcome sum (each starting at 0)."""
    order = np.argsort(-uplift, kind="mergesort")
    ys, ts, us = y[order], t[order], uplift[order]
    ends = np.r_[np.flatnonzero(np.diff(us)), len(us) - 1] if len(us) else np.array([], int)
    n = (ends + 1).astype(np.float64)
    n_t = np.cumsum(ts)[ends]
    y_t = np.cumsum(ys * ts)[ends]
    y_c = np.cumsum(ys * (1.0 - ts))[ends]
    z = np.zeros(1)
    return (
        np.r_[z, n],
        np.r_[z, n_t],
        np.r_[z, n - n_t],
        np.r_[z, y_t],
        np.r_[z, y_c],
    )


def _ratio(a: Array, b: Array) -> Array:
    return np.divide(a, b, out=np.zeros_like(a), where=b != 0)


def qini_curve(
    y: npt.ArrayLike, uplift: npt.ArrayLike, treatment: npt.ArrayLike
) -> tuple[Array, Array]:
    """Points (number targeted, Qini value) of the Qini curve, from (0, 0)."""
    n, n_t, n_c, y_t, y_c = _cumulative(*_check(y, uplift, treatment))
    return n, y_t - y_c * _ratio(n_t, n_c)


def uplift_curve(
    y: npt.ArrayLike, uplift: npt.ArrayLike, treatment: npt.ArrayLike
) -> tuple[Array, Array]:
    """Points (number targeted, cumulative uplift) of the uplift curve, from (0, 0)."""
    n, n_t, n_c, y_t, y_c = _cumulative(*_check(y, uplift, treatment))
    return n, (_ratio(y_t, n_t) - _ratio(y_c, n_c)) * n


def _area(x: Array, v: Array) -> float:
    return float(np.trapezoid(v, x))


def _normalised(actual: tuple[Array, Array], perfect: tuple[Array, Array]) -> float:
    """Area above the straight line to the curve's end, over the same for the perfect curve;
    NaN when the perfect curve has no area above that line (nothing to rank)."""
    xp, vp = perfect
    base = 0.5 * float(xp[-1]) * float(vp[-1])
    best = _area(*perfect) - base
    if best == 0.0 or not math.isfinite(best):
        return math.nan
    return (_area(*actual) - base) / best


def qini_auc(
    y: npt.ArrayLike,
    uplift: npt.ArrayLike,
    treatment: npt.ArrayLike,
    *,
    negative_effect: bool = True,
) -> float:
    """Normalised area between the Qini curve and the random line (scikit-uplift's
    `qini_auc_score`): 1 for the perfect ranking, about 0 for a random one, negative for a
    ranking worse than random. With `negative_effect=False` the perfect curve targets only the
    net responders and stops there, as scikit-uplift's."""
    ya, ua, ta = _check(y, uplift, treatment)
    if negative_effect:
        perfect = qini_curve(ya, ya * ta - ya * (1.0 - ta), ta)
    else:
        n_t, n_c = ta.sum(), (1.0 - ta).sum()
        gain = float(
            (ya * ta).sum() - n_t * _ratio(np.array([(ya * (1 - ta)).sum()]), np.array([n_c]))[0]
        )
        perfect = (np.array([0.0, gain, float(len(ya))]), np.array([0.0, gain, gain]))
    return _normalised(qini_curve(ya, ua, ta), perfect)


def auuc(y: npt.ArrayLike, uplift: npt.ArrayLike, treatment: npt.ArrayLike) -> float:
    """Normalised area under the uplift curve (scikit-uplift's `uplift_auc_score`)."""
    ya, ua, ta = _check(y, uplift, treatment)
    control_responders = np.sum((ya == 1) & (ta == 0))
    treated_non = np.sum((ya == 0) & (ta == 1))
    summand = ya if control_responders > treated_non else ta
    perfect = uplift_curve(ya, 2.0 * (ya == ta) + summand, ta)
    return _normalised(uplift_curve(ya, ua, ta), perfect)


def uplift_at_k(
    y: npt.ArrayLike, uplift: npt.ArrayLike, treatment: npt.ArrayLike, k: float = 0.3
) -> float:
    """Treated mean outcome less control mean outcome among the top `k` (a share in (0, 1), or
    a count when an int) of everyone ranked by score: scikit-uplift's "overall" strategy. Ties
    at the cut are taken in input order, so the answer is deterministic. NaN when the top holds
    no treated or no control customer."""
    ya, ua, ta = _check(y, uplift, treatment)
    n = len(ya)
    if isinstance(k, int | np.integer) and not isinstance(k, bool):
        if not 0 < k < n:
            raise ValueError(f"k={k} must be in 1..{n - 1}")
        size = int(k)
    else:
        if not 0.0 < float(k) < 1.0:
            raise ValueError(f"k={k} must be a share in (0, 1) or a count")
        size = int(n * float(k))
    top = np.argsort(-ua, kind="mergesort")[:size]
    yt, tt = ya[top], ta[top]
    if not tt.any() or tt.all():
        return math.nan
    return float(yt[tt == 1].mean() - yt[tt == 0].mean())
