"""The uplift metrics: known answers, agreement with scikit-uplift, and their invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from culturebridge.campaign._qini import auuc, qini_auc, qini_curve, uplift_at_k, uplift_curve


def _planted(n: int = 4000, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Treatment lifts the response from 0.2 to 0.6 only where x > 0: the true uplift."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t = rng.random(n) < 0.5
    true = np.where(x > 0, 0.4, 0.0)
    y = (rng.random(n) < 0.2 + true * t).astype(float)
    return y, true, t


def test_qini_curve_by_hand() -> None:
    y = np.array([1, 0, 1, 0], dtype=float)
    t = np.array([1, 1, 0, 0])
    n, q = qini_curve(y, np.array([4.0, 3.0, 2.0, 1.0]), t)
    np.testing.assert_array_equal(n, [0, 1, 2, 3, 4])
    # after 3: treated responders 1, control responders 1 rescaled by 2 treated / 1 control
    np.testing.assert_allclose(q, [0.0, 1.0, 1.0, -1.0, 0.0])
    n_u, u = uplift_curve(y, np.array([4.0, 3.0, 2.0, 1.0]), t)
    np.testing.assert_allclose(u, [0.0, 1.0, 1.0, -1.5, 0.0])


def test_true_uplift_beats_random_and_its_reverse() -> None:
    y, true, t = _planted()
    rng = np.random.default_rng(1)
    good = qini_auc(y, true + rng.normal(0, 1e-3, len(y)), t)
    random = qini_auc(y, rng.random(len(y)), t)
    assert good > 0.15
    assert abs(random) < 0.1
    assert qini_auc(y, -true, t) < 0 < good
    assert auuc(y, true, t) > auuc(y, rng.random(len(y)), t)
    assert uplift_at_k(y, true + rng.normal(0, 1e-3, len(y)), t, k=0.3) == pytest.approx(
        0.4, abs=0.08
    )


def test_the_perfect_ranking_scores_one() -> None:
    y, _, t = _planted(500)
    assert qini_auc(y, y * t - y * (1 - t), t) == pytest.approx(1.0)


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_matches_scikit_uplift() -> None:
    metrics = pytest.importorskip("sklift.metrics")
    rng = np.random.default_rng(3)
    y, true, t = _planted(3000, seed=3)
    score = true + rng.normal(0, 0.3, len(y))
    ti = t.astype(int)
    assert qini_auc(y, score, t) == pytest.approx(metrics.qini_auc_score(y, score, ti))
    assert qini_auc(y, score, t, negative_effect=False) == pytest.approx(
        metrics.qini_auc_score(y, score, ti, negative_effect=False)
    )
    assert auuc(y, score, t) == pytest.approx(metrics.uplift_auc_score(y, score, ti))
    assert uplift_at_k(y, score, t, 0.3) == pytest.approx(
        metrics.uplift_at_k(y, score, ti, strategy="overall", k=0.3)
    )
    n, q = qini_curve(y, score, t)
    n_ref, q_ref = metrics.qini_curve(y, score, ti)
    np.testing.assert_allclose(n, n_ref)
    np.testing.assert_allclose(q, q_ref)


def test_inputs_are_checked_and_left_alone() -> None:
    y, true, t = _planted(200)
    before = (y.copy(), true.copy(), t.copy())
    qini_auc(y, true, t)
    uplift_at_k(y, true, t)
    for a, b in zip(before, (y, true, t), strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="length"):
        qini_auc(y[:-1], true, t)
    with pytest.raises(ValueError, match="treatment"):
        qini_auc(y, true, np.full(len(y), 2))
    with pytest.raises(ValueError, match="finite"):
        qini_auc(y, np.full(len(y), np.nan), t)
    with pytest.raises(ValueError, match="k="):
        uplift_at_k(y, true, t, k=1.5)


def test_nothing_to_rank_gives_nan() -> None:
    y = np.zeros(10)
    t = np.arange(10) % 2
    assert math.isnan(qini_auc(y, np.arange(10.0), t))


# ------------------------------------------------------------------------------ invariants

cases = st.integers(min_value=8, max_value=60).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
        st.lists(st.integers(-5, 5), min_size=n, max_size=n),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
    )
)


@settings(max_examples=60, deadline=None)
@given(cases, st.integers(-1000, 1000))
def test_a_constant_shift_changes_nothing(case: tuple[list[int], ...], shift: int) -> None:
    y, s, t = (np.array(v, dtype=float) for v in case)
    a, b = qini_auc(y, s, t), qini_auc(y, s + shift, t)
    assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b)
    np.testing.assert_allclose(qini_curve(y, s, t)[1], qini_curve(y, s + shift, t)[1])
    u, v = uplift_at_k(y, s, t, 0.5), uplift_at_k(y, s + shift, t, 0.5)
    assert (math.isnan(u) and math.isnan(v)) or u == pytest.approx(v)


@settings(max_examples=60, deadline=None)
@given(cases, st.randoms(use_true_random=False))
def test_ties_are_handled_the_same_whatever_the_row_order(
    case: tuple[list[int], ...], random: object
) -> None:
    y, s, t = (np.array(v, dtype=float) for v in case)
    perm = np.random.default_rng(abs(hash(random)) % 2**32).permutation(len(y))
    a, b = qini_auc(y, s, t), qini_auc(y[perm], s[perm], t[perm])
    assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b)
    np.testing.assert_allclose(qini_curve(y, s, t)[1], qini_curve(y[perm], s[perm], t[perm])[1])


@settings(max_examples=60, deadline=None)
@given(cases)
def test_the_qini_curve_ends_at_the_overall_gain(case: tuple[list[int], ...]) -> None:
    y, s, t = (np.array(v, dtype=float) for v in case)
    n, q = qini_curve(y, s, t)
    assert n[0] == 0 and q[0] == 0 and n[-1] == len(y)
    assert np.all(np.diff(n) > 0)
    n_t, n_c = t.sum(), (1 - t).sum()
    gain = (y * t).sum() - ((y * (1 - t)).sum() * n_t / n_c if n_c else 0.0)
    assert q[-1] == pytest.approx(gain)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000))
def test_a_perfect_ranking_beats_a_random_one_on_planted_data(seed: int) -> None:
    y, true, t = _planted(600, seed=seed)
    rng = np.random.default_rng(seed)
    assert qini_auc(y, y * t - y * (1 - t), t) >= qini_auc(y, rng.random(len(y)), t)
