"""Experiment analysis: known answers on planted data, coverage by simulation, invariants of the
multiple-comparison helpers, and the Hillstrom e-mail experiment."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from scipy import stats
from statsmodels.stats.multitest import multipletests

from culturebridge.campaign._ab import (
    analyse,
    msprt_interval,
    msprt_pvalue,
    srm_check,
)
from culturebridge.stats import benjamini_hochberg, holm, wilson_interval


def _two_arms(
    rng: np.random.Generator, n: int, p_control: float, p_treat: float
) -> tuple[np.ndarray, np.ndarray]:
    arms = np.repeat(np.array(["control", "treat"]), n)
    rate = np.where(arms == "control", p_control, p_treat)
    return arms, (rng.random(2 * n) < rate).astype(np.float64)


# ------------------------------------------------------------------------------ planted lifts


def test_planted_conversion_lift() -> None:
    rng = np.random.default_rng(7)
    arms, conv = _two_arms(rng, 20_000, 0.10, 0.12)
    report = analyse(arms, {"conversion": conv}, control="control")
    c = report.comparison("treat", "conversion")
    assert c.lift is not None and c.ci_low is not None and c.ci_high is not None
    assert abs(c.lift - 0.02) < 0.008
    assert c.ci_low < c.lift < c.ci_high
    assert c.ci_low < 0.02 < c.ci_high
    assert c.p_value is not None and c.p_value < 0.01
    assert c.relative_ci_low is not None and c.relative_ci_high is not None
    assert c.relative_ci_low < 0.20 < c.relative_ci_high
    assert report.metrics[0].kind == "binary"
    for arm, rate in (("control", 0.10), ("treat", 0.12)):
        a = report.arm(arm, "conversion")
        assert a.n == 20_000
        assert a.ci_low is not None and a.ci_high is not None
        assert a.ci_low < rate < a.ci_high


def test_aa_interval_coverage() -> None:
    rng = np.random.default_rng(11)
    covered = 0
    for _ in range(200):
        arms, conv = _two_arms(rng, 2_000, 0.10, 0.10)
        c = analyse(arms, {"conversion": conv}, control="control").comparison("treat", "conversion")
        assert c.ci_low is not None and c.ci_high is not None
        covered += c.ci_low <= 0.0 <= c.ci_high
    assert 0.90 <= covered / 200 <= 0.99


def test_continuous_metric_matches_welch_t_test() -> None:
    rng = np.random.default_rng(3)
    control = rng.gamma(2.0, 10.0, 3_000)
    treat = rng.gamma(2.0, 11.0, 2_000)
    arms = np.array(["a"] * 3_000 + ["b"] * 2_000)
    report = analyse(arms, {"revenue": np.concatenate([control, treat])}, control="a")
    c = report.comparison("b", "revenue")
    welch = stats.ttest_ind(treat, control, equal_var=False)
    assert c.p_value == pytest.approx(float(welch.pvalue), rel=1e-6)
    assert c.lift == pytest.approx(treat.mean() - control.mean())
    ci = welch.confidence_interval(0.95)
    assert (c.ci_low, c.ci_high) == pytest.approx((float(ci.low), float(ci.high)), rel=1e-6)
    assert report.metrics[0].kind == "continuous"
    a = report.arm("a", "revenue")
    assert a.se == pytest.approx(stats.sem(control))


def test_nan_units_left_out_of_that_metric_only() -> None:
    rng = np.random.default_rng(5)
    arms, conv = _two_arms(rng, 1_000, 0.2, 0.3)
    revenue = rng.normal(10.0, 2.0, 2_000)
    revenue[::4] = np.nan
    report = analyse(arms, {"conversion": conv, "revenue": revenue}, control="control")
    info = {m.metric: m for m in report.metrics}
    assert (info["conversion"].units_used, info["conversion"].units_missing) == (2_000, 0)
    assert (info["revenue"].units_used, info["revenue"].units_missing) == (1_500, 500)
    keep = ~np.isnan(revenue)
    alone = analyse(arms[keep], {"revenue": revenue[keep]}, control="control")
    assert report.comparison("treat", "revenue") == alone.comparison("treat", "revenue")
    assert report.arm("control", "conversion").n == 1_000


def test_report_is_frozen_json_and_deterministic() -> None:
    rng = np.random.default_rng(9)
    arms = np.array(["c", "t", "u"] * 400)
    y = rng.normal(0.0, 1.0, arms.size)
    seg = np.where(np.arange(arms.size) < 6, "tiny", "big")  # a cell of 2 units per arm
    kw = {
        "control": "c",
        "pre": {"y": y + rng.normal(0.0, 1.0, arms.size)},
        "segments": {"size": seg},
        "sequential": True,
    }
    report = analyse(arms, {"y": y}, **kw)  # type: ignore[arg-type]
    dumped = report.model_dump(mode="json")
    text = json.dumps(dumped, allow_nan=False)
    assert json.dumps(analyse(arms, {"y": y}, **kw).model_dump(mode="json")) == text  # type: ignore[arg-type]
    assert dumped["settings"] == {
        "control": "c",
        "alpha": 0.05,
        "correction": "holm",
        "sequential": True,
        "min_cell": 0,
        "srm_threshold": 0.001,
        "expected": pytest.approx({"c": 1 / 3, "t": 1 / 3, "u": 1 / 3}),
        "msprt_effect_sd": 0.1,
    }
    with pytest.raises(ValidationError):
        report.srm.flagged = True  # type: ignore[misc]


def test_undefined_figures_are_none_not_nan() -> None:
    arms = np.array(["c", "c", "t"])
    report = analyse(arms, {"y": np.array([1.0, 2.0, 5.0])}, control="c")
    t = report.arm("t", "y")
    assert t.n == 1 and t.mean == 5.0 and t.se is None and t.ci_low is None
    c = report.comparison("t", "y")
    assert c.lift == 3.5 and c.se is None and c.p_value is None
    json.dumps(report.model_dump(mode="json"), allow_nan=False)


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"metrics": {"y": np.zeros(3)}}, "3 values for 4 units"),
        ({"control": "z"}, "control arm 'z' not among"),
        ({"arms": np.array(["a"] * 4)}, "single arm"),
        ({"metrics": {"y": np.full(4, np.nan)}}, "NaN for every unit"),
        ({"pre": {"other": np.zeros(4)}}, "unknown metric"),
        ({"segments": {"d": np.array(["x", "y"])}}, "2 labels for 4 units"),
        ({"metrics": {}}, "no metrics"),
        ({"alpha": 1.5}, "alpha"),
        ({"expected": {"a": 0.5}}, "expected shares missing"),
        ({"metrics": {"y": np.array([1.0, np.inf, 0.0, 1.0])}}, "infinite"),
    ],
)
def test_bad_input_raises(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {
        "arms": np.array(["a", "a", "b", "b"]),
        "metrics": {"y": np.array([0.0, 1.0, 1.0, 1.0])},
        "control": "a",
    }
    args.update(kwargs)
    arms, metrics = args.pop("arms"), args.pop("metrics")
    with pytest.raises(ValueError, match=match):
        analyse(arms, metrics, **args)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ CUPED


def test_cuped_strong_covariate_reduces_variance() -> None:
    rng = np.random.default_rng(21)
    n = 10_000
    arms = np.repeat(np.array(["c", "t"]), n)
    pre = rng.gamma(2.0, 20.0, 2 * n)
    y = 0.9 * pre + rng.normal(0.0, 8.0, 2 * n) + np.where(arms == "t", 2.0, 0.0)
    c = analyse(arms, {"rev": y}, control="c", pre={"rev": pre}).comparison("t", "rev")
    assert c.cuped is not None and c.cuped.lift is not None and c.lift is not None
    assert c.se is not None and c.cuped.se is not None
    assert abs(c.cuped.lift - c.lift) < 3.0 * c.se
    assert abs(c.cuped.lift - 2.0) < 3.0 * c.cuped.se
    assert c.cuped.variance_reduction is not None and c.cuped.variance_reduction > 0.5
    assert c.cuped.theta == pytest.approx(0.9, abs=0.02)
    assert c.cuped.ci_high is not None and c.cuped.ci_low is not None
    assert c.ci_high is not None and c.ci_low is not None
    assert c.cuped.ci_high - c.cuped.ci_low < c.ci_high - c.ci_low


def test_cuped_useless_covariate_changes_nothing() -> None:
    rng = np.random.default_rng(22)
    n = 10_000
    arms = np.repeat(np.array(["c", "t"]), n)
    y = rng.normal(10.0, 3.0, 2 * n)
    noise = rng.normal(0.0, 1.0, 2 * n)
    noise[::10] = np.nan  # a unit without a covariate value still counts (adjusted by 0)
    c = analyse(arms, {"y": y}, control="c", pre={"y": noise}).comparison("t", "y")
    assert c.cuped is not None and c.cuped.variance_reduction is not None
    assert abs(c.cuped.variance_reduction) < 0.01
    assert c.cuped.covariate_missing == 2 * n // 10
    assert c.cuped.lift == pytest.approx(c.lift, abs=0.05)


# ------------------------------------------------------------------------------ SRM


def test_srm_flags_a_broken_split() -> None:
    assert srm_check({"a": 10_000, "b": 10_500}, {"a": 0.5, "b": 0.5}).flagged
    ok = srm_check({"a": 10_000, "b": 10_050}, None)
    assert not ok.flagged and ok.p_value > 0.5
    assert ok.expected == {"a": 10_025.0, "b": 10_025.0}
    assert "No sample ratio mismatch" in ok.message


def test_srm_three_arms_unequal_plan() -> None:
    counts = {"control": 5_020, "a": 2_480, "b": 2_500}
    plan = {"control": 2.0, "a": 1.0, "b": 1.0}  # shares are normalised
    planned = srm_check(counts, plan)
    assert not planned.flagged and planned.df == 2
    chi2 = stats.chisquare([5_020, 2_480, 2_500], [5_000, 2_500, 2_500])
    assert planned.chi2 == pytest.approx(float(chi2.statistic))
    assert planned.p_value == pytest.approx(float(chi2.pvalue))
    assert srm_check(counts, None).flagged  # against an equal split it is a gross mismatch
    arms = np.repeat(np.array(list(counts)), list(counts.values()))
    y = np.zeros(arms.size)
    assert not analyse(arms, {"y": y}, control="control", expected=plan).srm.flagged
    # an arm that was planned but never received a unit is itself a mismatch
    lost = srm_check({"control": 5_000, "a": 2_500}, plan)
    assert lost.flagged and lost.observed["b"] == 0


# ------------------------------------------------------------------------------ segments


def _segment_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = 4_000  # per arm and segment
    seg = np.repeat(np.array([f"s{i}" for i in range(5)]), 2 * n)
    arms = np.tile(np.repeat(np.array(["control", "treat"]), n), 5)
    rate = np.where((seg == "s2") & (arms == "treat"), 0.16, 0.10)
    return arms, seg, (rng.random(arms.size) < rate).astype(np.float64)


@pytest.mark.parametrize("correction", ["holm", "bh"])
def test_uplift_in_one_segment_only(correction: str) -> None:
    arms, seg, conv = _segment_data(np.random.default_rng(31))
    report = analyse(
        arms,
        {"conv": conv},
        control="control",
        segments={"band": seg},
        correction=correction,  # type: ignore[arg-type]
    )
    rows = {s.segment: s for s in report.segments}
    assert len(rows) == 5
    assert rows["s2"].significant is True
    assert rows["s2"].lift == pytest.approx(0.06, abs=0.02)
    for name in ("s0", "s1", "s3", "s4"):
        assert rows[name].significant is False
    for r in rows.values():
        assert r.p_adjusted is not None and r.p_value is not None
        assert r.p_adjusted >= r.p_value
    raw = [rows[f"s{i}"].p_value for i in range(5)]
    method = "holm" if correction == "holm" else "fdr_bh"
    expect = multipletests(raw, method=method)[1]
    assert [rows[f"s{i}"].p_adjusted for i in range(5)] == pytest.approx(list(expect))


def test_small_cells_are_suppressed_and_left_out_of_the_family() -> None:
    rng = np.random.default_rng(41)
    arms, seg, conv = _segment_data(rng)
    seg = seg.astype(object)
    seg[:30] = "rare"  # 30 control units
    seg[4_000:4_030] = "rare"  # and 30 treated ones
    report = analyse(arms, {"conv": conv}, control="control", segments={"band": seg}, min_cell=50)
    rare = report.segment("band", "rare", "treat", "conv")
    assert rare.suppressed and rare.reason is not None and "50" in rare.reason
    assert rare.n_control is None and rare.lift is None and rare.p_value is None
    assert rare.p_adjusted is None and rare.significant is None
    tested = [s for s in report.segments if not s.suppressed]
    assert len(tested) == 5
    smallest = min(tested, key=lambda s: s.p_value or 1.0)
    assert smallest.p_adjusted == pytest.approx(min(1.0, 5 * (smallest.p_value or 1.0)))


# ------------------------------------------------------------------------------ sequential


def test_always_valid_interval_contains_the_fixed_one() -> None:
    rng = np.random.default_rng(51)
    arms, conv = _two_arms(rng, 20_000, 0.10, 0.12)
    c = analyse(arms, {"conv": conv}, control="control", sequential=True).comparison(
        "treat", "conv"
    )
    s = c.sequential
    assert s is not None and s.ci_low is not None and s.ci_high is not None
    assert c.ci_low is not None and c.ci_high is not None and c.p_value is not None
    assert s.ci_low < c.ci_low < c.ci_high < s.ci_high
    assert s.p_value is not None and s.p_value >= c.p_value
    assert s.tau2 == pytest.approx((0.1 * np.sqrt(0.11 * 0.89)) ** 2, rel=0.1)


def test_peeking_keeps_the_always_valid_error_rate() -> None:
    rng = np.random.default_rng(61)
    looks = np.linspace(400, 4_000, 10).astype(int)
    fixed_hits = seq_hits = 0
    for _ in range(100):
        n = 4_000
        arms = np.tile(np.array(["control", "treat"]), n)
        conv = (rng.random(2 * n) < 0.1).astype(np.float64)
        fixed = seq = False
        for m in looks:
            c = analyse(arms[: 2 * m], {"c": conv[: 2 * m]}, control="control", sequential=True)
            cmp = c.comparison("treat", "c")
            assert cmp.p_value is not None and cmp.sequential is not None
            assert cmp.sequential.p_value is not None
            fixed |= cmp.p_value < 0.05
            seq |= cmp.sequential.p_value < 0.05
        fixed_hits += fixed
        seq_hits += seq
    assert seq_hits / 100 <= 0.05
    assert fixed_hits / 100 > 0.10


# ------------------------------------------------------------------------------ helpers


def test_helpers_known_values() -> None:
    p = [0.01, 0.04, 0.03, 0.005]
    assert holm(p) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert benjamini_hochberg(p) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert holm([]).size == 0 and benjamini_hochberg([]).size == 0
    lo, hi = wilson_interval(0, 20)
    assert float(lo) == 0.0 and 0.1 < float(hi) < 0.2  # Wald would give [0, 0]
    lo, hi = wilson_interval(np.array([81]), np.array([263]))
    assert (float(lo[0]), float(hi[0])) == pytest.approx((0.2553, 0.3662), abs=1e-4)
    assert float(msprt_pvalue(0.0, 1.0, tau2=1.0)) == 1.0


p_values = st.lists(st.floats(0.0, 1.0), min_size=1, max_size=40)


@given(p_values)
@settings(max_examples=200, deadline=None)
def test_holm_and_bh_invariants(p: list[float]) -> None:
    raw = np.array(p)
    h, b = holm(raw), benjamini_hochberg(raw)
    assert np.all(h >= raw - 1e-15) and np.all(h <= 1.0)
    assert np.all(b >= raw - 1e-15) and np.all(b <= 1.0)
    assert np.all(b <= h + 1e-12)
    order = np.argsort(raw, kind="stable")
    assert np.all(np.diff(h[order]) >= -1e-15)
    assert np.all(np.diff(b[order]) >= -1e-15)


@given(st.integers(0, 500), st.integers(1, 500), st.floats(0.001, 0.5))
@settings(max_examples=200, deadline=None)
def test_wilson_interval_is_a_proper_interval(k: int, extra: int, alpha: float) -> None:
    n = k + extra
    lo, hi = wilson_interval(k, n, alpha)
    assert 0.0 <= float(lo) <= k / n + 1e-12 <= float(hi) + 1e-12 <= 1.0 + 1e-12


@given(
    st.floats(-10.0, 10.0),
    st.floats(1e-6, 10.0),
    st.floats(1e-6, 10.0),
    st.floats(0.001, 0.5),
)
@settings(max_examples=200, deadline=None)
def test_msprt_interval_is_wider_than_the_fixed_one(
    d: float, var: float, tau2: float, alpha: float
) -> None:
    lo, hi = msprt_interval(d, var, tau2=tau2, alpha=alpha)
    half = float(stats.norm.ppf(1 - alpha / 2)) * np.sqrt(var)
    assert float(lo) < d - half and float(hi) > d + half
    # the interval and the p-value agree: 0 is outside exactly when p < alpha
    p = float(msprt_pvalue(d, var, tau2=tau2))
    if abs(p - alpha) > 1e-9:
        assert (p < alpha) == (not float(lo) <= 0.0 <= float(hi))


# ------------------------------------------------------------------------------ Hillstrom


@pytest.fixture
def hillstrom(real_file: Callable[[str], Path]) -> pd.DataFrame:
    return pd.read_csv(real_file("marketing/hillstrom.csv"))


@pytest.mark.realdata
def test_hillstrom_womens_email_visit_lift(hillstrom: pd.DataFrame) -> None:
    assert not analyse(
        hillstrom["segment"].to_numpy(), {"visit": hillstrom["visit"].to_numpy()},
        control="No E-Mail",
    ).srm.flagged  # fmt: skip
    df = hillstrom[hillstrom["segment"] != "Mens E-Mail"]
    report = analyse(
        df["segment"].to_numpy(), {"visit": df["visit"].to_numpy()}, control="No E-Mail"
    )
    c = report.comparison("Womens E-Mail", "visit")
    assert c.arm_mean == pytest.approx(0.1514, abs=5e-4)
    assert c.control_mean == pytest.approx(0.1062, abs=5e-4)
    assert c.lift == pytest.approx(0.0452, abs=5e-4)
    assert c.ci_low is not None and c.ci_high is not None and c.lift is not None
    assert 0.0 < c.ci_low < c.lift < c.ci_high
    assert 0.005 < (c.ci_high - c.ci_low) / 2 < 0.008


@pytest.mark.realdata
def test_hillstrom_srm(hillstrom: pd.DataFrame) -> None:
    arms = hillstrom["segment"].to_numpy()
    equal = {"No E-Mail": 1.0, "Mens E-Mail": 1.0, "Womens E-Mail": 1.0}
    real = analyse(
        arms, {"visit": hillstrom["visit"].to_numpy()}, control="No E-Mail", expected=equal
    )
    assert not real.srm.flagged and real.srm.p_value > 0.1
    control_rows = np.flatnonzero(arms == "No E-Mail")
    drop = np.zeros(arms.size, dtype=bool)
    drop[control_rows[::2]] = True
    skewed = hillstrom[~drop]
    broken = analyse(
        skewed["segment"].to_numpy(), {"visit": skewed["visit"].to_numpy()},
        control="No E-Mail", expected=equal,
    )  # fmt: skip
    assert broken.srm.flagged and "Sample ratio mismatch" in broken.srm.message


@pytest.mark.realdata
def test_hillstrom_cuped_spend_with_history(hillstrom: pd.DataFrame) -> None:
    df = hillstrom[hillstrom["segment"] != "Mens E-Mail"]
    report = analyse(
        df["segment"].to_numpy(), {"spend": df["spend"].to_numpy()}, control="No E-Mail",
        pre={"spend": df["history"].to_numpy()}, sequential=True,
    )  # fmt: skip
    c = report.comparison("Womens E-Mail", "spend")
    assert c.cuped is not None and c.cuped.variance_reduction is not None
    assert c.cuped.variance_reduction >= 0.0
    assert report.metrics[0].kind == "continuous"


@given(
    st.lists(st.sampled_from(["c", "t", "u"]), min_size=2, max_size=30),
    st.data(),
    st.booleans(),
)
@settings(max_examples=100, deadline=None)
def test_messy_small_inputs_give_valid_json(
    labels: list[str], data: st.DataObject, flag: bool
) -> None:
    if "c" not in labels or len(set(labels)) < 2:
        return
    n = len(labels)
    values = st.one_of(st.just(float("nan")), st.sampled_from([0.0, 1.0]), st.floats(-5, 5))
    y = np.array(data.draw(st.lists(values, min_size=n, max_size=n)))
    if np.isnan(y).all():
        return
    x = np.array(data.draw(st.lists(values, min_size=n, max_size=n)))
    if np.isnan(x).all():
        x[0] = 0.0
    seg = np.array(data.draw(st.lists(st.sampled_from(["p", "q"]), min_size=n, max_size=n)))
    report = analyse(
        np.array(labels), {"y": y}, control="c", pre={"y": x}, segments={"d": seg},
        sequential=flag, min_cell=2 if flag else 0,
    )  # fmt: skip
    json.dumps(report.model_dump(mode="json"), allow_nan=False)
    assert len(report.comparisons) == len(set(labels)) - 1
