"""Trend statistics: known answers, an independent reference implementation, and calibration."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from culturebridge.stats import (
    emerging_many,
    forecast,
    is_emerging,
    mann_kendall,
    mann_kendall_many,
    sen_slope,
)


def reference_mk(y: list[float]) -> tuple[float, float, float, float]:
    """Textbook Mann–Kendall with plain loops: S, tie-corrected Var(S), z, two-sided p."""
    n = len(y)
    s = 0.0
    for i in range(n - 1):
        for j in range(i + 1, n):
            s += (y[j] > y[i]) - (y[j] < y[i])
    groups: dict[float, int] = {}
    for v in y:
        groups[v] = groups.get(v, 0) + 1
    ties = sum(t * (t - 1) * (2 * t + 5) for t in groups.values())
    var = (n * (n - 1) * (2 * n + 5) - ties) / 18
    z = (s - 1) / math.sqrt(var) if s > 0 else (s + 1) / math.sqrt(var) if s < 0 else 0.0
    return s, var, z, 2 * stats.norm.sf(abs(z))


# ------------------------------------------------------------------ Mann–Kendall


@pytest.mark.parametrize("n", [3, 10, 26])
def test_mk_strictly_increasing(n: int) -> None:
    mk = mann_kendall(np.arange(n, dtype=float) ** 1.5)
    assert mk.s == n * (n - 1) / 2
    assert mk.tau == 1.0
    assert mk.n == n
    assert mk.var_s == pytest.approx(n * (n - 1) * (2 * n + 5) / 18)
    if n >= 10:
        assert mk.p_value < 0.001


def test_mk_strictly_decreasing_is_the_mirror() -> None:
    up = mann_kendall(np.arange(12.0))
    down = mann_kendall(-np.arange(12.0))
    assert down.s == -up.s == -66
    assert down.tau == -1.0
    assert down.z == pytest.approx(-up.z)
    assert down.p_value == pytest.approx(up.p_value) and down.p_value < 0.001


def test_mk_constant_series() -> None:
    mk = mann_kendall(np.full(10, 0.05))
    assert mk.s == 0 and mk.z == 0 and mk.p_value == 1.0 and mk.tau == 0
    assert mk.var_s == 0  # all one tie group


def test_mk_short_series_has_no_test() -> None:
    mk = mann_kendall(np.array([1.0, 2.0]))
    assert mk.s == 1 and mk.n == 2
    assert math.isnan(mk.z) and math.isnan(mk.p_value)


def test_mk_drops_nans() -> None:
    mk = mann_kendall(np.array([1.0, np.nan, 2.0, 3.0, np.nan, 4.0]))
    assert mk.n == 4 and mk.s == 6 and mk.tau == 1.0


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_mk_matches_reference_loops_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 40))
    # small integer alphabet -> plenty of ties; a little drift so S is not always ~0
    y = (rng.integers(0, 5, n) + np.arange(n) * rng.uniform(-0.2, 0.2)).round(0)
    s, var, z, p = reference_mk(y.tolist())
    mk = mann_kendall(y)
    assert mk.s == s
    assert mk.var_s == pytest.approx(var)
    assert mk.z == pytest.approx(z)
    assert mk.p_value == pytest.approx(p)
    assert mk.tau == pytest.approx(s / (n * (n - 1) / 2))


def test_mk_white_noise_false_positive_rate() -> None:
    rng = np.random.default_rng(2024)
    p = mann_kendall_many(rng.normal(size=(200, 26))).p_value
    rate = float(np.mean(p < 0.05))
    assert 0.01 <= rate <= 0.12


# ------------------------------------------------------------------ Theil–Sen


def test_sen_exact_line() -> None:
    x = np.arange(15.0)
    ss = sen_slope(2 * x + 1)
    assert ss.slope == pytest.approx(2.0)
    assert ss.intercept == pytest.approx(1.0)
    assert ss.low == pytest.approx(2.0) and ss.high == pytest.approx(2.0)


def test_sen_explicit_x() -> None:
    x = np.array([0.0, 2.0, 3.0, 7.0, 10.0])
    ss = sen_slope(-0.5 * x + 4, x)
    assert ss.slope == pytest.approx(-0.5) and ss.intercept == pytest.approx(4.0)


def test_sen_ignores_one_huge_outlier() -> None:
    x = np.arange(20.0)
    y = 3 * x - 2
    y[7] = 1e6
    ss = sen_slope(y)
    assert ss.slope == pytest.approx(3.0)
    assert ss.intercept == pytest.approx(-2.0)


def test_sen_interval_covers_truth_and_matches_scipy() -> None:
    rng = np.random.default_rng(7)
    x = np.arange(30.0)
    y = 0.4 * x + 5 + rng.normal(0, 2, x.size)
    ss = sen_slope(y)
    assert ss.low < 0.4 < ss.high
    assert ss.low <= ss.slope <= ss.high
    ref = stats.theilslopes(y, x, alpha=0.95)
    assert ss.slope == pytest.approx(ref.slope)
    assert (ss.low, ss.high) == pytest.approx((ref.low_slope, ref.high_slope))


def test_many_matches_single_calls_row_by_row() -> None:
    rng = np.random.default_rng(3)
    m = rng.normal(size=(6, 12)) + np.linspace(0, 2, 12)
    m[2, 4] = np.nan
    res = mann_kendall_many(m)
    for r in range(m.shape[0]):
        mk, ss = mann_kendall(m[r]), sen_slope(m[r])
        assert res.s[r] == mk.s and res.z[r] == mk.z and res.p_value[r] == mk.p_value
        assert res.tau[r] == mk.tau
        assert (res.slope[r], res.slope_low[r], res.slope_high[r]) == (ss.slope, ss.low, ss.high)


# ------------------------------------------------------------------ emerging


def test_emerging_rule() -> None:
    growing = np.geomspace(0.001, 0.05, 12)
    assert is_emerging(growing, near_zero=0.005)
    assert not is_emerging(np.full(12, 0.05), near_zero=0.005)
    assert not is_emerging(growing[::-1], near_zero=0.005)
    # near zero throughout: growing x3 but never above the threshold
    assert not is_emerging(np.geomspace(0.0001, 0.004, 12), near_zero=0.005)
    # too short to have a head and a tail
    assert not is_emerging(np.array([0.0, 0.0, 0.1]), near_zero=0.005)
    rows = emerging_many(np.vstack([growing, np.full(12, 0.05)]), near_zero=0.005)
    assert rows.tolist() == [True, False]


def test_emerging_head_and_growth() -> None:
    y = np.array([0.0, 0.0, 0.0, 0.004, 0.004, 0.02, 0.03, 0.04, 0.05])
    assert is_emerging(y, near_zero=0.005)
    # a longer head pulls in the 0.004s: still near zero, still emerging
    assert is_emerging(y, near_zero=0.005, head=5)
    assert not is_emerging(y, near_zero=0.005, growth=1e9, head=5)


# ------------------------------------------------------------------ forecast


def test_forecast_continues_a_clean_trend() -> None:
    y = 0.02 + 0.01 * np.arange(20.0)
    fc = forecast(y, horizon=5)
    assert fc.method == "ets-damped" and fc.level == 0.8
    assert fc.mean.shape == fc.low.shape == fc.high.shape == (5,)
    assert fc.mean[0] == pytest.approx(0.22, rel=0.05)
    assert np.all(np.diff(fc.mean) > 0)  # still going up (damped, not flat)


def test_forecast_intervals_are_well_formed() -> None:
    rng = np.random.default_rng(11)
    y = 0.05 + 0.002 * np.arange(26.0) + rng.normal(0, 0.004, 26)
    fc = forecast(y, horizon=6, level=0.9)
    assert fc.method == "ets-damped"
    assert np.all(fc.low <= fc.mean) and np.all(fc.mean <= fc.high)
    assert np.all(fc.low < fc.high)
    assert np.all(np.diff(fc.high - fc.low) >= -1e-12)
    assert np.all(fc.low >= 0) and np.all(fc.mean >= 0)
    narrower = forecast(y, horizon=6, level=0.5)
    assert np.all(narrower.high - narrower.low < fc.high - fc.low)


def test_forecast_clips_falling_shares_at_zero() -> None:
    fc = forecast(np.linspace(0.3, 0.01, 12), horizon=4)
    assert np.all(fc.low >= 0) and np.all(fc.mean >= 0) and np.all(fc.high >= 0)
    assert np.all(fc.low <= fc.mean) and np.all(fc.mean <= fc.high)


def test_forecast_naive_fallback_for_short_series() -> None:
    y = np.array([0.1, 0.2, 0.3])
    fc = forecast(y, horizon=3)
    assert fc.method == "naive-mean"
    assert np.allclose(fc.mean, 0.2)
    half = stats.norm.ppf(0.9) * np.std(y, ddof=1) * np.sqrt([1.0, 2.0, 3.0])
    assert np.allclose(fc.high - fc.mean, half)
    assert np.allclose(fc.low, np.maximum(fc.mean - half, 0))  # step 3 clipped at 0
    assert fc.low[2] == 0
    one = forecast(np.array([0.07]), horizon=2)
    assert one.method == "naive-mean"
    for arr in (one.mean, one.low, one.high):
        assert np.allclose(arr, 0.07)
    empty = forecast(np.array([np.nan]), horizon=2)
    assert empty.method == "none" and np.isnan(empty.mean).all()


def test_forecast_falls_back_when_the_fit_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    def broken(*args: object, **kwargs: object) -> None:
        raise np.linalg.LinAlgError("singular")

    monkeypatch.setattr(ETSModel, "fit", broken)
    y = 0.02 + 0.01 * np.arange(20.0)
    fc = forecast(y, horizon=2)
    assert fc.method == "naive-mean"
    assert np.allclose(fc.mean, y[-4:].mean())


def test_forecast_is_deterministic() -> None:
    rng = np.random.default_rng(5)
    y = np.abs(0.1 + np.cumsum(rng.normal(0, 0.01, 24)))
    a, b = forecast(y, horizon=4), forecast(y.copy(), horizon=4)
    assert a.method == b.method == "ets-damped"
    for name in ("mean", "low", "high"):
        assert np.array_equal(getattr(a, name), getattr(b, name))


def test_forecast_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        forecast(np.arange(10.0), horizon=0)
    with pytest.raises(ValueError):
        forecast(np.arange(10.0), horizon=2, level=1.0)
