"""How far stated probabilities are from what happened: expected calibration error."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def calibration_error(confidence: npt.ArrayLike, outcome: npt.ArrayLike, bins: int = 10) -> float:
    """Expected calibration error: over `bins` equal-width bins of `confidence`, the gap between
    the bin's mean confidence and its mean `outcome` (1 right or happened, 0 not), weighted by the
    bin's share of the answers. NaN for no answers.

    The same number serves a classifier's top-label confidence against correctness and a binary
    model's P(positive) against the label."""
    conf = np.asarray(confidence, dtype=np.float64)
    happened = np.asarray(outcome, dtype=np.float64)
    if len(conf) == 0:
        return float("nan")
    which = np.minimum((conf * bins).astype(np.int64), bins - 1)
    total = 0.0
    for b in range(bins):
        m = which == b
        if m.any():
            total += m.mean() * abs(happened[m].mean() - conf[m].mean())
    return float(total)
