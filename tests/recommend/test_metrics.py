"""Ranking metrics: hand-computed values, and the invariants every ranking metric must keep."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from culturebridge.recommend._metrics import (
    average_precision,
    coverage,
    hit_rate,
    hits,
    ndcg,
    novelty,
    popularity_bias,
    recall,
)

ACCURACY = (ndcg, recall, hit_rate, average_precision)


def truth_csr(lists: Sequence[Sequence[int]], n_items: int) -> sp.csr_matrix:
    """Relevant item rows per user as the users x items matrix the metrics take."""
    rows = [u for u, items in enumerate(lists) for _ in items]
    cols = [i for items in lists for i in items]
    return sp.csr_matrix(
        (np.ones(len(cols), np.float32), (rows, cols)), shape=(len(lists), n_items)
    )


def recs_array(lists: Sequence[Sequence[int]], width: int) -> npt.NDArray[np.int32]:
    out = np.full((len(lists), width), -1, np.int32)
    for u, items in enumerate(lists):
        out[u, : len(items)] = items
    return out


# ---------------------------------------------------------------------- known values


def test_known_values_one_user() -> None:
    # hits at ranks 1 and 3 of 3, two relevant items
    recs = recs_array([[0, 5, 2]], 3)
    truth = truth_csr([[2, 0]], 6)
    idcg = 1.0 + 1.0 / math.log2(3)
    assert ndcg(recs, truth, 3)[0] == pytest.approx((1.0 + 1.0 / math.log2(4)) / idcg)
    assert recall(recs, truth, 3)[0] == pytest.approx(1.0)
    assert hit_rate(recs, truth, 3)[0] == 1.0
    assert average_precision(recs, truth, 3)[0] == pytest.approx((1.0 + 2.0 / 3.0) / 2.0)
    # at k=2 only the first hit counts, and a perfect top-2 would hold both
    assert ndcg(recs, truth, 2)[0] == pytest.approx(1.0 / idcg)
    assert recall(recs, truth, 2)[0] == pytest.approx(0.5)
    assert average_precision(recs, truth, 2)[0] == pytest.approx(0.5)


def test_ideal_is_capped_at_k() -> None:
    """A user with more relevant items than k can still score 1 with a full top-k."""
    recs = recs_array([[3, 1]], 2)
    truth = truth_csr([[0, 1, 2, 3, 4]], 5)
    for metric in ACCURACY:
        assert metric(recs, truth, 2)[0] == pytest.approx(1.0)


def test_several_users_at_once() -> None:
    recs = recs_array([[1, 0], [2, 3], [], [4]], 3)
    truth = truth_csr([[0], [4], [1], [4]], 5)
    np.testing.assert_allclose(ndcg(recs, truth, 3), [1 / math.log2(3), 0.0, 0.0, 1.0])
    np.testing.assert_allclose(recall(recs, truth, 3), [1.0, 0.0, 0.0, 1.0])
    np.testing.assert_allclose(hit_rate(recs, truth, 3), [1.0, 0.0, 0.0, 1.0])
    np.testing.assert_allclose(average_precision(recs, truth, 3), [0.5, 0.0, 0.0, 1.0])


def test_repeated_item_counts_once() -> None:
    recs = recs_array([[0, 0, 0]], 3)
    truth = truth_csr([[0, 1]], 2)
    assert hits(recs, truth, 3).tolist() == [[True, False, False]]
    assert ndcg(recs, truth, 3)[0] == pytest.approx(1.0 / (1.0 + 1.0 / math.log2(3)))
    assert recall(recs, truth, 3)[0] == pytest.approx(0.5)


def test_empty_truth_scores_zero() -> None:
    recs = recs_array([[0, 1]], 2)
    truth = truth_csr([[]], 3)
    for metric in ACCURACY:
        assert metric(recs, truth, 2)[0] == 0.0


def test_duplicate_truth_entries_are_one_item() -> None:
    truth = sp.csr_matrix(
        (np.ones(3, np.float32), ([0, 0, 0], [1, 1, 2])), shape=(1, 3)
    )  # item 1 twice: |truth| = 2
    assert recall(recs_array([[1]], 1), truth, 2)[0] == pytest.approx(0.5)


def test_bad_input_is_an_error() -> None:
    truth = truth_csr([[0]], 2)
    with pytest.raises(ValueError, match="beyond"):
        ndcg(recs_array([[2]], 1), truth, 1)
    with pytest.raises(ValueError, match="rows"):
        ndcg(recs_array([[0], [1]], 1), truth, 1)
    with pytest.raises(ValueError, match="k must"):
        ndcg(recs_array([[0]], 1), truth, 0)


def test_coverage() -> None:
    recs = recs_array([[0, 1, 4], [1, 2], []], 3)
    assert coverage(recs, 10, 3) == pytest.approx(0.4)
    assert coverage(recs, 10, 1) == pytest.approx(0.2)
    assert coverage(np.full((2, 3), -1), 10, 3) == 0.0


def test_novelty_in_bits() -> None:
    popularity = np.array([8, 4, 1, 0])  # of 8 training users
    recs = recs_array([[0, 1], [2, 3], []], 2)
    out = novelty(recs, popularity, 8, 2)
    assert out[0] == pytest.approx((0.0 + 1.0) / 2)
    assert out[1] == pytest.approx(3.0)  # an unseen item counts as seen by one user
    assert np.isnan(out[2])


def test_popularity_bias() -> None:
    popularity = np.array([50, 10, 10, 5, 1, 0, 0, 0, 0, 0])  # head: the top 2 (items 0, 1)
    recs = recs_array([[0, 1, 2, 3], [4, 5], [1], []], 4)
    bias = popularity_bias(recs, popularity, 4)
    np.testing.assert_allclose(bias.arp[:3], [75 / 4, 0.5, 10.0])
    np.testing.assert_allclose(bias.head_share[:3], [0.5, 0.0, 1.0])
    assert np.isnan(bias.arp[3]) and np.isnan(bias.head_share[3])
    # ties at the head's edge go to the lower item row, as top_n breaks them
    tied = popularity_bias(recs_array([[1], [2]], 1), popularity, 1)
    assert tied.head_share.tolist() == [1.0, 0.0]


# ---------------------------------------------------------------------- invariants


@st.composite
def rankings(draw: st.DrawFn) -> tuple[npt.NDArray[np.int32], list[set[int]], int, int]:
    """Recs (distinct items per row, -1 padded), non-empty truth sets, n_items and k."""
    n_items = draw(st.integers(1, 12))
    n_users = draw(st.integers(1, 5))
    width = draw(st.integers(1, 8))
    recs = np.full((n_users, width), -1, np.int32)
    truth: list[set[int]] = []
    for u in range(n_users):
        perm = draw(st.permutations(range(n_items)))
        length = draw(st.integers(0, min(width, n_items)))
        recs[u, :length] = perm[:length]
        truth.append(draw(st.sets(st.integers(0, n_items - 1), min_size=1)))
    return recs, truth, n_items, draw(st.integers(1, 10))


@settings(max_examples=100, deadline=None)
@given(rankings())
def test_accuracy_metrics_lie_in_unit_interval(
    case: tuple[npt.NDArray[np.int32], list[set[int]], int, int],
) -> None:
    recs, truth, n_items, k = case
    t = truth_csr([sorted(s) for s in truth], n_items)
    for metric in ACCURACY:
        values = metric(recs, t, k)
        assert values.shape == (len(recs),)
        assert ((values >= 0.0) & (values <= 1.0 + 1e-12)).all(), metric.__name__
    assert 0.0 <= coverage(recs, n_items, k) <= 1.0
    pop = np.arange(n_items, dtype=np.float64)
    head = popularity_bias(recs, pop, k).head_share
    assert ((head[~np.isnan(head)] >= 0.0) & (head[~np.isnan(head)] <= 1.0)).all()


@settings(max_examples=100, deadline=None)
@given(rankings())
def test_perfect_list_scores_one(
    case: tuple[npt.NDArray[np.int32], list[set[int]], int, int],
) -> None:
    _, truth, n_items, k = case
    lists = [sorted(s) + sorted(set(range(n_items)) - s) for s in truth]
    recs = recs_array(lists, n_items)
    t = truth_csr([sorted(s) for s in truth], n_items)
    for metric in ACCURACY:
        np.testing.assert_allclose(metric(recs, t, k), 1.0, err_msg=metric.__name__)


@settings(max_examples=100, deadline=None)
@given(rankings())
def test_all_miss_or_empty_list_scores_zero(
    case: tuple[npt.NDArray[np.int32], list[set[int]], int, int],
) -> None:
    _, truth, n_items, k = case
    t = truth_csr([sorted(s) for s in truth], n_items)
    misses = recs_array([sorted(set(range(n_items)) - s) for s in truth], n_items)
    empty = np.full((len(truth), 3), -1, np.int32)
    for metric in ACCURACY:
        assert (metric(misses, t, k) == 0.0).all(), metric.__name__
        assert (metric(empty, t, k) == 0.0).all(), metric.__name__


@settings(max_examples=100, deadline=None)
@given(rankings(), st.integers(1, 6))
def test_ndcg_is_invariant_to_padding(
    case: tuple[npt.NDArray[np.int32], list[set[int]], int, int], extra: int
) -> None:
    recs, truth, n_items, k = case
    t = truth_csr([sorted(s) for s in truth], n_items)
    padded = np.pad(recs, ((0, 0), (0, extra)), constant_values=-1)
    np.testing.assert_array_equal(ndcg(recs, t, k), ndcg(padded, t, k))


@settings(max_examples=150, deadline=None)
@given(rankings(), st.data())
def test_moving_a_hit_earlier_never_lowers_ndcg(
    case: tuple[npt.NDArray[np.int32], list[set[int]], int, int], data: st.DataObject
) -> None:
    recs, truth, n_items, k = case
    t = truth_csr([sorted(s) for s in truth], n_items)
    width = recs.shape[1]
    i = data.draw(st.integers(0, width - 1))
    j = data.draw(st.integers(0, width - 1))
    i, j = min(i, j), max(i, j)
    h = hits(recs, t, width)
    swap = h[:, j] & ~h[:, i]  # a hit at j moves up to i; a miss (or padding) moves down
    moved = recs.copy()
    moved[swap, i], moved[swap, j] = recs[swap, j], recs[swap, i]
    before, after = ndcg(recs, t, k), ndcg(moved, t, k)
    assert (after >= before - 1e-12).all()
    # and putting every hit first (keeping their order) is at least as good as any swap
    first = np.take_along_axis(recs, np.argsort(~h, axis=1, kind="stable"), axis=1)
    assert (ndcg(first, t, k) >= after - 1e-12).all()
