"""Vectorised discrete sampling: many categorical distributions, drawn from in O(1) per draw.

The event generator draws an item for every journey from a distribution that depends on the
user's segment and the week (hundreds of rows of a few hundred items each), and a user for every
journey from millions of activity weights. `np.searchsorted` over a cumulative table costs a
binary search per draw (slow on random queries); Walker's alias method needs a sequential build
per row. A guide table (Chen and Asau's "indexed search") is built with one vectorised
`searchsorted` per row and answers a draw with one lookup plus, rarely, a step or two.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class GuideTable:
    """Samplers for the rows of a weight matrix `(rows, n)`; row r draws j with p ∝ w[r, j].

    Zero weights are never drawn. `cells` guide cells per category keep the expected number of
    forward steps after the guided jump below one.
    """

    def __init__(self, weights: npt.ArrayLike, *, cells: int = 2) -> None:
        w = np.atleast_2d(np.asarray(weights, dtype=np.float64))
        if w.ndim != 2 or w.shape[1] == 0:
            raise ValueError("weights must be a non-empty (rows, n) matrix")
        if (w < 0).any() or not np.isfinite(w).all():
            raise ValueError("weights must be finite and non-negative")
        totals = w.sum(axis=1)
        if (totals <= 0).any():
            raise ValueError("every row needs a positive total weight")
        self.rows, self.n = w.shape
        cdf = np.cumsum(w, axis=1) / totals[:, None]
        cdf[:, -1] = 1.0  # exact, so that u < 1 always stops inside the row
        self.k = cells * self.n
        grid = np.arange(self.k, dtype=np.float64) / self.k
        # the guide holds flat positions into `_cdf`, so a draw needs no row arithmetic later;
        # 32-bit where they fit, which halves the table for millions of users
        index = np.int32 if self.rows * self.n < 2**31 - 1 else np.int64
        guide = np.empty((self.rows, self.k), dtype=index)
        for r in range(self.rows):
            guide[r] = np.searchsorted(cdf[r], grid, side="right") + r * self.n
        self._cdf = cdf.ravel()
        self._guide = guide.ravel()

    def probabilities(self) -> FloatArray:
        """The normalised distribution of every row, `(rows, n)`."""
        cdf = self._cdf.reshape(self.rows, self.n)
        return np.diff(cdf, axis=1, prepend=0.0)

    def sample(self, u: FloatArray, rows: npt.NDArray[np.integer] | None = None) -> IntArray:
        """Category index per uniform `u` in [0, 1), drawn from row `rows[i]` (row 0 if None)."""
        cell = np.minimum((u * self.k).astype(np.int64), self.k - 1)
        if rows is not None:
            cell += rows.astype(np.int64) * self.k
        pos = self._guide[cell].astype(np.int64)
        # the smallest position with cdf > u: step forward where the guide cell was not enough
        todo = np.flatnonzero(self._cdf[pos] <= u)
        while todo.size:
            pos[todo] += 1
            todo = todo[self._cdf[pos[todo]] <= u[todo]]
        if rows is None:
            return np.asarray(pos, dtype=np.int64)
        return np.asarray(pos - rows.astype(np.int64) * self.n, dtype=np.int64)


def sorted_uniforms(rng: np.random.Generator, n: int, lo: float, hi: float) -> FloatArray:
    """`n` sorted uniform draws on [lo, hi) without a sort: normalised exponential spacings."""
    if n == 0:
        return np.empty(0, dtype=np.float64)
    gaps = rng.standard_exponential(n + 1)
    c = np.cumsum(gaps)
    return np.asarray(lo + (hi - lo) * (c[:-1] / c[-1]), dtype=np.float64)


def categorical_by_row(
    rng: np.random.Generator, probs: FloatArray, rows: npt.NDArray[np.integer]
) -> npt.NDArray[np.int8]:
    """One draw per element from a small table of distributions `probs[rows[i]]` (few columns).

    For tables with a handful of categories a comparison against the cumulative row beats any
    indexed search.
    """
    cdf = np.cumsum(probs, axis=1)
    cdf[:, -1] = 1.0 + 1e-12
    u = rng.random(len(rows))
    out = np.zeros(len(rows), dtype=np.int8)
    for j in range(probs.shape[1] - 1):
        out += u >= cdf[:, j][rows]
    return out
