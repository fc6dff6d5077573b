"""Intervals and tail probabilities for proportions and normal statistics."""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def wilson_interval(successes: Any, n: Any, alpha: float = 0.05) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval for a proportion (vectorised). Chosen over the Wald interval because
    it never leaves [0, 1] and keeps near-nominal coverage for rare events and small cells,
    where Wald collapses to a zero-width interval at 0 successes. n = 0 gives NaN."""
    s = np.asarray(successes, dtype=np.float64)
    m = np.asarray(n, dtype=np.float64)
    z = NormalDist().inv_cdf(1.0 - alpha / 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = s / m
        denom = 1.0 + z * z / m
        centre = (p + z * z / (2.0 * m)) / denom
        half = z * np.sqrt(p * (1.0 - p) / m + z * z / (4.0 * m * m)) / denom
    # exact at the ends (0 of n, n of n), where rounding would leave a hair off 0 or 1
    lo = np.where(s == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    hi = np.where(s == m, 1.0, np.clip(centre + half, 0.0, 1.0))
    return lo, hi


def normal_two_sided(z: Any) -> FloatArray:
    """Two-sided tail probability of standard normal statistics (NaN where z is not finite)."""
    values = np.asarray(z, dtype=np.float64)
    return np.array(
        [math.erfc(abs(v) / math.sqrt(2)) if np.isfinite(v) else np.nan for v in values.ravel()]
    ).reshape(values.shape)
