"""Top-k ranking metrics as pure numpy functions over a whole batch of users at once.

Conventions, shared by every function here:

* `recs` is an int [U, n] array of item rows, best first, -1 padding a short list (what
  `Recommender.recommend` returns). Only the first `k` columns count; a list shorter than `k`
  counts as padded. An item repeated in a row counts once, at its best rank, so a faulty list
  cannot score above 1.
* `truth` is a scipy sparse users x items matrix of the test set: row u holds the relevant
  items of `recs` row u (the evaluated users, in the same order); any stored entry is relevant
  (binary relevance), whatever its value. A matrix rather than a list of arrays, so that
  looking up U x k hits is one vectorised `searchsorted`, not a Python loop over users.
* Accuracy metrics return one float64 value per user in [0, 1]; a user with no relevant
  items scores 0 (`evaluate` never passes such users: they say nothing about a model).
  Beyond-accuracy metrics (novelty, popularity) return NaN for a user with an empty list.

Definitions follow LensKit and the usual literature; see each function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

HEAD_SHARE = 0.2
"""The short head: this share of the catalogue, most popular first (the Pareto 20%)."""


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")


def _top(recs: npt.ArrayLike, k: int) -> npt.NDArray[np.int64]:
    """The first `k` columns of `recs` as int64, padded with -1 to exactly `k` columns."""
    _check_k(k)
    arr = np.asarray(recs, dtype=np.int64)
    if arr.ndim != 2:
        raise ValueError(f"recs must be a 2-D array of item rows, got shape {arr.shape}")
    arr = arr[:, :k]
    if arr.shape[1] < k:
        arr = np.pad(arr, ((0, 0), (0, k - arr.shape[1])), constant_values=-1)
    return arr


def _first_occurrence(top: npt.NDArray[np.int64]) -> BoolArray:
    """True where a row's item is valid (>= 0) and not already listed earlier in that row."""
    order = np.argsort(top, axis=1, kind="stable")
    ranked = np.take_along_axis(top, order, axis=1)
    repeat = np.zeros_like(top, dtype=bool)
    np.put_along_axis(
        repeat, order[:, 1:], (ranked[:, 1:] == ranked[:, :-1]) & (ranked[:, 1:] >= 0), axis=1
    )
    return np.asarray((top >= 0) & ~repeat, dtype=np.bool_)


def _truth_counts(truth: sp.spmatrix | sp.sparray) -> tuple[sp.csr_matrix, npt.NDArray[np.int64]]:
    """`truth` in canonical CSR (sorted, no duplicate entries) and its relevant items per user."""
    t = sp.csr_matrix(truth, copy=True)
    t.sum_duplicates()
    return t, np.diff(t.indptr).astype(np.int64)


def hits(recs: npt.ArrayLike, truth: sp.spmatrix | sp.sparray, k: int) -> BoolArray:
    """[U, k] booleans: is the item at each rank of each user's list relevant to that user?

    Every (user, item) pair is encoded as user * n_items + item; CSR in canonical form stores
    these keys sorted, so one `searchsorted` answers all U x k look-ups at once.
    """
    top = _top(recs, k)
    t, _ = _truth_counts(truth)
    n_users, n_items = t.shape
    if top.shape[0] != n_users:
        raise ValueError(f"recs has {top.shape[0]} rows but truth has {n_users}")
    if (top >= n_items).any():
        raise ValueError(f"recs holds item rows beyond the {n_items} items of truth")
    rows = np.repeat(np.arange(n_users, dtype=np.int64), np.diff(t.indptr))
    keys = rows * n_items + t.indices.astype(np.int64)
    query = np.arange(n_users, dtype=np.int64)[:, None] * n_items + top
    pos = np.minimum(np.searchsorted(keys, query), max(len(keys) - 1, 0))
    found = keys[pos] == query if len(keys) else np.zeros(top.shape, dtype=bool)
    return found & _first_occurrence(top)


def _discounts(k: int) -> FloatArray:
    """1 / log2(rank + 1) for ranks 1..k."""
    return 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))


def _ideal(truth: sp.spmatrix | sp.sparray, k: int) -> npt.NDArray[np.int64]:
    """How many hits a perfect top-k list would have: min(|truth|, k) per user."""
    _, counts = _truth_counts(truth)
    return np.minimum(counts, k)


def _ratio(num: FloatArray, den: npt.NDArray[np.int64]) -> FloatArray:
    """num / den, with 0 where den is 0 (a user with nothing relevant)."""
    out = np.zeros(len(num), dtype=np.float64)
    np.divide(num, den, out=out, where=den > 0)
    return out


def ndcg(recs: npt.ArrayLike, truth: sp.spmatrix | sp.sparray, k: int) -> FloatArray:
    """NDCG@k with binary relevance: DCG = sum over hits of 1 / log2(rank + 1), divided by the
    DCG of a perfect list, which puts min(|truth|, k) hits at ranks 1, 2, ...

    It rewards a hit more the higher it is ranked, which is what a user scanning a short
    list experiences; the ideal is capped at k so that a user with 50 relevant items can
    still score 1 with a full top-10.
    """
    h = hits(recs, truth, k)
    disc = _discounts(k)
    dcg = h @ disc
    ideal = np.concatenate([[0.0], np.cumsum(disc)])[_ideal(truth, k)]
    out = np.zeros(len(dcg), dtype=np.float64)
    np.divide(dcg, ideal, out=out, where=ideal > 0)
    return out


def recall(recs: npt.ArrayLike, truth: sp.spmatrix | sp.sparray, k: int) -> FloatArray:
    """Recall@k: hits in the top k / min(|truth|, k).

    Capping the denominator at k (as LensKit's recall does) makes 1 reachable for every user,
    so users with long test histories do not drag the mean down for a reason no model could
    fix.
    """
    h = hits(recs, truth, k)
    return _ratio(h.sum(axis=1).astype(np.float64), _ideal(truth, k))


def hit_rate(recs: npt.ArrayLike, truth: sp.spmatrix | sp.sparray, k: int) -> FloatArray:
    """HR@k: 1 if any of the top k is relevant, else 0 (the share of users served at all)."""
    return np.asarray(hits(recs, truth, k).any(axis=1), dtype=np.float64)


def average_precision(recs: npt.ArrayLike, truth: sp.spmatrix | sp.sparray, k: int) -> FloatArray:
    """AP@k (its mean over users is MAP@k): the sum of precision@i at each rank i holding a
    hit, divided by min(|truth|, k), so a perfect list scores 1 and early hits weigh more."""
    h = hits(recs, truth, k)
    precision = np.cumsum(h, axis=1) / np.arange(1, k + 1, dtype=np.float64)
    return _ratio((precision * h).sum(axis=1), _ideal(truth, k))


def coverage(recs: npt.ArrayLike, n_items: int, k: int) -> float:
    """Catalogue coverage@k: the share of the `n_items` items in at least one user's top k.

    A model that shows everyone the same ten items scores 10 / n_items however accurate it
    is; partners with a long catalogue care whether it gets seen at all.
    """
    top = _top(recs, k)
    if n_items <= 0:
        return 0.0
    shown = np.zeros(n_items, dtype=bool)
    shown[top[(top >= 0) & (top < n_items)]] = True
    return float(shown.mean())


def _mean_over_list(top: npt.NDArray[np.int64], per_item: FloatArray) -> FloatArray:
    """Per user, the mean of `per_item` over the distinct items of their list; NaN if empty."""
    valid = _first_occurrence(top)
    vals = np.where(valid, per_item[np.where(valid, top, 0)], 0.0)
    count = valid.sum(axis=1)
    out = np.full(len(top), np.nan, dtype=np.float64)
    np.divide(vals.sum(axis=1), count, out=out, where=count > 0)
    return out


def novelty(recs: npt.ArrayLike, popularity: npt.ArrayLike, n_users: int, k: int) -> FloatArray:
    """Mean self-information, in bits, of each user's top-k items: -log2(pop_i / n_users).

    `popularity` is how many training users interacted with each item, `n_users` how many
    training users there are. An item everybody saw carries 0 bits (showing it tells the user
    nothing new); one seen by a single user of 1024 carries 10. Items nobody saw in training
    are counted as seen by one user, so the value stays finite: the range is
    [0, log2(n_users)].
    """
    top = _top(recs, k)
    pop = np.asarray(popularity, dtype=np.float64)
    if (top >= len(pop)).any():
        raise ValueError(f"recs holds item rows beyond the {len(pop)} items of popularity")
    users = max(int(n_users), 1)
    info = -np.log2(np.clip(pop, 1.0, users) / users)
    return _mean_over_list(top, info)


@dataclass(frozen=True)
class PopularityBias:
    """How far a model leans towards what is already popular, per user (NaN: empty list)."""

    arp: FloatArray
    """Average recommendation popularity (Abdollahpouri et al. 2019): the mean training
    popularity (users who interacted) of the items in the user's top k."""
    head_share: FloatArray
    """Share of the user's top k from the short head: the `HEAD_SHARE` (20%) most popular items
    of the catalogue (ties by lower item row, as `top_n` breaks them)."""


def popularity_bias(recs: npt.ArrayLike, popularity: npt.ArrayLike, k: int) -> PopularityBias:
    """ARP and short-head share of each user's top k (see `PopularityBias`).

    ARP is the standard single number, in the training data's own units (compare it with the
    catalogue's mean popularity); the short-head share is the same lean as a fraction, so it
    reads alike on any data set ("95% of recommendations are blockbusters").
    """
    top = _top(recs, k)
    pop = np.asarray(popularity, dtype=np.float64)
    n_items = len(pop)
    if (top >= n_items).any():
        raise ValueError(f"recs holds item rows beyond the {n_items} items of popularity")
    head = np.zeros(n_items, dtype=np.float64)
    n_head = math.ceil(HEAD_SHARE * n_items)
    head[np.lexsort((np.arange(n_items), -pop))[:n_head]] = 1.0
    return PopularityBias(arp=_mean_over_list(top, pop), head_share=_mean_over_list(top, head))
