"""Did the campaign work? The analysis of a randomised experiment over per-unit arrays.

`analyse` takes one arm label and one value per metric for every unit and answers, in one typed
report: was the randomisation healthy (the sample-ratio-mismatch check comes first, because a
broken split makes every lift below it untrustworthy), how each arm did (binary metrics get a
Wilson interval, which stays inside [0, 1] and keeps its coverage at small rates), how each arm
differs from control (absolute lift with a Welch / unpooled-normal interval, relative lift by the
delta method), how much a pre-period covariate sharpens that (CUPED), what survives looking at
many segments at once (Holm or Benjamini-Hochberg over the segment family), and, for a team that
watches the dashboard daily, intervals that stay valid however often it is looked at (mSPRT).

Everything is computed from group sums (`np.bincount`), so ten million units cost a few passes
over the arrays and no Python loop over units. Nothing here touches an engine or a workspace.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator
from scipy import stats

from culturebridge.stats import benjamini_hochberg, holm, wilson_interval

__all__ = [
    "MSPRT_EFFECT_SD",
    "AnalysisSettings",
    "ArmMetric",
    "Comparison",
    "Cuped",
    "ExperimentReport",
    "MetricInfo",
    "SegmentTest",
    "Sequential",
    "SrmResult",
    "analyse",
    "msprt_interval",
    "msprt_pvalue",
    "srm_check",
]

MSPRT_EFFECT_SD = 0.1
"""The mSPRT mixing standard deviation, in units of the metric's per-unit standard deviation:
tau = 0.1 sd puts the prior on effects of the size campaigns actually move (a few hundredths to
a few tenths of a standard deviation), where the test is most powerful."""

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.intp]]


# ------------------------------------------------------------------------------ result types


class _Result(BaseModel):
    """Frozen, and never holding NaN or infinity: a figure that cannot be computed is None, so
    `model_dump(mode="json")` is always valid JSON (a NaN would not be)."""

    model_config = ConfigDict(frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _finite(cls, value: Any) -> Any:
        if isinstance(value, float | np.floating) and not math.isfinite(float(value)):
            return None
        if isinstance(value, np.generic):
            return value.item()
        return value


class SrmResult(_Result):
    """Sample-ratio-mismatch check: a chi-square goodness-of-fit test of the arm counts against
    the planned shares. A flag means the split itself is broken (a bucketing bug, a redirect that
    loses users) and the lifts should not be trusted until it is explained."""

    observed: dict[str, int]
    expected: dict[str, float]
    chi2: float
    df: int
    p_value: float
    threshold: float
    flagged: bool
    message: str


class MetricInfo(_Result):
    """How a metric was read: binary (every value 0 or 1) or continuous, and how many units had
    a value (NaN units are left out of that metric only)."""

    metric: str
    kind: Literal["binary", "continuous"]
    units_used: int
    units_missing: int
    cuped: bool


class ArmMetric(_Result):
    """One arm's figures for one metric: units with a value, mean, its standard error and a
    confidence interval (Wilson for a binary metric, Student t for a continuous one)."""

    arm: str
    metric: str
    n: int
    mean: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None


class Cuped(_Result):
    """The lift after CUPED: each unit's metric less theta times its centred pre-period
    covariate. Same expectation (randomisation makes the covariate balanced), smaller variance
    when the covariate predicts the metric; `variance_reduction` = 1 - var(adjusted lift) /
    var(lift)."""

    covariate_missing: int
    theta: float
    lift: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    variance_reduction: float | None


class Sequential(_Result):
    """Always-valid inference for the absolute lift (mixture SPRT with a normal mixture of
    variance `tau2`): the interval covers, and the p-value stays above alpha under the null, with
    probability 1 - alpha simultaneously over every look, so peeking daily is safe. The price is
    a wider interval than the fixed-horizon one."""

    tau2: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None


class Comparison(_Result):
    """One arm against control on one metric."""

    arm: str
    metric: str
    n_control: int
    n_arm: int
    control_mean: float | None
    arm_mean: float | None
    lift: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    relative_lift: float | None
    relative_ci_low: float | None
    relative_ci_high: float | None
    cuped: Cuped | None = None
    sequential: Sequential | None = None


class SegmentTest(_Result):
    """One arm against control on one metric within one segment. `p_adjusted` controls the
    family of every non-suppressed segment test of the metric (all dimensions, values and arms);
    a suppressed cell (fewer than `min_cell` units in either arm) shows no figures at all, so
    small groups cannot be singled out, and takes no part in the family."""

    dimension: str
    segment: str
    arm: str
    metric: str
    n_control: int | None
    n_arm: int | None
    control_mean: float | None
    arm_mean: float | None
    lift: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_adjusted: float | None
    significant: bool | None
    suppressed: bool
    reason: str | None


class AnalysisSettings(_Result):
    """The settings a report was computed with, so a stored report explains itself."""

    control: str
    alpha: float
    correction: Literal["holm", "bh"]
    sequential: bool
    min_cell: int
    srm_threshold: float
    expected: dict[str, float]
    msprt_effect_sd: float


class ExperimentReport(_Result):
    """The whole analysis: settings, SRM check, metric kinds, per-arm figures, comparisons with
    control and segment tests. Look-ups by key: `arm`, `comparison`, `segment`."""

    settings: AnalysisSettings
    srm: SrmResult
    metrics: list[MetricInfo]
    arms: list[ArmMetric]
    comparisons: list[Comparison]
    segments: list[SegmentTest]

    def arm(self, arm: str, metric: str) -> ArmMetric:
        """The figures of `arm` on `metric`."""
        for a in self.arms:
            if a.arm == arm and a.metric == metric:
                return a
        raise KeyError((arm, metric))

    def comparison(self, arm: str, metric: str) -> Comparison:
        """`arm` against control on `metric`."""
        for c in self.comparisons:
            if c.arm == arm and c.metric == metric:
                return c
        raise KeyError((arm, metric))

    def segment(self, dimension: str, segment: str, arm: str, metric: str) -> SegmentTest:
        """The test of `arm` against control on `metric` within one segment."""
        for s in self.segments:
            if (s.dimension, s.segment, s.arm, s.metric) == (dimension, segment, arm, metric):
                return s
        raise KeyError((dimension, segment, arm, metric))


# ------------------------------------------------------------------------------ pure helpers


def msprt_pvalue(estimate: Any, variance: Any, *, tau2: Any) -> FloatArray:
    """Always-valid p-value of a normal mixture SPRT (Johari et al., "Always valid inference",
    2017) for H0: effect = 0, given the effect estimate, its variance and the mixing variance.
    p = min(1, 1/Lambda) with Lambda = sqrt(V/(V+tau2)) exp(tau2 d^2 / (2V(V+tau2))); Lambda is
    a nonnegative martingale under H0, so by Ville's inequality P(any look has p <= alpha) <=
    alpha: unlike a fixed-horizon p-value it may be checked after every batch of data."""
    d = np.asarray(estimate, dtype=np.float64)
    v = np.asarray(variance, dtype=np.float64)
    t2 = np.asarray(tau2, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_lambda = 0.5 * np.log(v / (v + t2)) + t2 * d * d / (2.0 * v * (v + t2))
        return np.minimum(1.0, np.exp(-log_lambda))


def msprt_interval(
    estimate: Any, variance: Any, *, tau2: Any, alpha: float = 0.05
) -> tuple[FloatArray, FloatArray]:
    """Always-valid (1 - alpha) confidence interval: the effects theta0 the mSPRT of H0: effect =
    theta0 has not rejected, estimate +- sqrt(V(V+tau2)/tau2 * (2 log(1/alpha) + log((V+tau2)/V))).
    It is always wider than the fixed-horizon z interval (the half-width squared over V is at
    least 2 log(1/alpha) > z^2), the price of being valid at every look."""
    d = np.asarray(estimate, dtype=np.float64)
    v = np.asarray(variance, dtype=np.float64)
    t2 = np.asarray(tau2, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = np.sqrt(v * (v + t2) / t2 * (2.0 * math.log(1.0 / alpha) + np.log((v + t2) / v)))
    return d - half, d + half


def srm_check(
    counts: Mapping[str, int],
    expected: Mapping[str, float] | None = None,
    threshold: float = 0.001,
) -> SrmResult:
    """Sample-ratio-mismatch test: chi-square goodness of fit of the arm counts against the
    planned shares (`expected`, normalised to sum to 1; default equal). The threshold is strict
    (0.001) because the check runs on every experiment and a false alarm stops a launch, while a
    real mismatch in a large experiment gives p-values far below it. An arm planned but absent
    counts 0 units, which is itself a mismatch."""
    if not counts:
        raise ValueError("srm_check: no arms given")
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"srm_check: threshold must be in (0, 1), got {threshold}")
    if any(int(c) < 0 for c in counts.values()):
        raise ValueError("srm_check: counts must be nonnegative")
    shares = _shares(list(counts), expected)
    observed = {a: int(counts.get(a, 0)) for a in shares}
    total = sum(observed.values())
    if len(observed) < 2:
        raise ValueError("srm_check: needs at least two arms")
    if total == 0:
        raise ValueError("srm_check: no units in any arm")
    exp_counts = {a: total * shares[a] for a in shares}
    obs = np.array([observed[a] for a in shares], dtype=np.float64)
    exp = np.array([exp_counts[a] for a in shares])
    chi2 = float(np.sum((obs - exp) ** 2 / exp))
    df = len(obs) - 1
    p = float(stats.chi2.sf(chi2, df))
    flagged = p < threshold
    split = ", ".join(f"{a} {observed[a]:,} (expected {exp_counts[a]:,.0f})" for a in shares)
    shown = f"p = {p:.3g}" if p >= 1e-300 else "p < 1e-300"
    if flagged:
        message = (
            f"Sample ratio mismatch: {shown} < {threshold:g}; {split}. "
            "Find the cause before trusting the lifts."
        )
    else:
        message = f"No sample ratio mismatch ({shown}); {split}."
    return SrmResult(
        observed=observed,
        expected=exp_counts,
        chi2=chi2,
        df=df,
        p_value=p,
        threshold=threshold,
        flagged=flagged,
        message=message,
    )


def _shares(arms: Sequence[str], expected: Mapping[str, float] | None) -> dict[str, float]:
    """Planned shares over the observed arms and any planned-only arm, normalised to 1."""
    if expected is None:
        return {a: 1.0 / len(arms) for a in arms}
    unknown = [a for a in arms if a not in expected]
    if unknown:
        raise ValueError(f"expected shares missing for arm(s) {sorted(unknown)}")
    values = {str(a): float(s) for a, s in expected.items()}
    if any(not math.isfinite(s) or s <= 0.0 for s in values.values()):
        raise ValueError("expected shares must be positive and finite")
    total = sum(values.values())
    return {a: s / total for a, s in values.items()}


# ------------------------------------------------------------------------------ group sums


def _codes(labels: Any, what: str) -> tuple[IntArray, list[str]]:
    """Integer codes 0..k-1 for `labels`, with the labels (as strings) in sorted order, so the
    result does not depend on which label happens to come first. Missing labels get -1."""
    codes, uniques = pd.factorize(np.asarray(labels), sort=False)
    names = [str(u) for u in uniques]
    if len(set(names)) != len(names):
        raise ValueError(f"{what}: labels {names} collide once written as text")
    order = np.argsort(np.array(names, dtype=object), kind="stable")
    remap = np.empty(len(names), dtype=np.intp)
    remap[order] = np.arange(len(names))
    out = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1).astype(np.intp)
    return out, [names[i] for i in order]


def _group_moments(
    codes: IntArray, y: FloatArray, size: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Count, mean and sum of squared deviations of `y` per group, two-pass (a one-pass sum of
    squares loses precision on revenue-sized values)."""
    n = np.bincount(codes, minlength=size).astype(np.float64)
    s = np.bincount(codes, weights=y, minlength=size)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = s / n
    dev = y - mean[codes]
    ss = np.asarray(np.bincount(codes, weights=dev * dev, minlength=size), dtype=np.float64)
    return n, mean, ss


def _group_coprod(
    codes: IntArray, x: FloatArray, mx: FloatArray, y: FloatArray, my: FloatArray, size: int
) -> FloatArray:
    """Per-group sum of (x - group mean of x)(y - group mean of y), given those means."""
    prod = (x - mx[codes]) * (y - my[codes])
    return np.asarray(np.bincount(codes, weights=prod, minlength=size), dtype=np.float64)


def _unit_var(n: FloatArray, ss: FloatArray, binary: bool) -> FloatArray:
    """Per-unit variance: p(1 - p) = ss / n for a binary metric (the unpooled normal test), the
    sample variance ss / (n - 1) for a continuous one."""
    ddof = 0.0 if binary else 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > ddof, ss / (n - ddof), np.nan)


def _diff(
    mt: FloatArray,
    vt: FloatArray,
    nt: FloatArray,
    mc: FloatArray,
    vc: FloatArray,
    nc: FloatArray,
    alpha: float,
    binary: bool,
) -> dict[str, FloatArray]:
    """Difference of two independent means with its interval and two-sided p-value (vectorised).
    Binary: unpooled normal (Wald) for the difference. Continuous: Welch t with Satterthwaite
    degrees of freedom, which does not assume equal variances (a campaign usually changes the
    spread of revenue, not only its mean). Relative lift mt/mc - 1 by the delta method on the
    ratio of independent means, with the same critical value; undefined when mc = 0."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        a, b = vt / nt, vc / nc
        var = a + b
        se = np.sqrt(var)
        lift = mt - mc
        if binary:
            q = np.full_like(lift, float(stats.norm.ppf(1.0 - alpha / 2.0)))
            tail = 2.0 * stats.norm.sf(np.abs(lift / se))
        else:
            df = var * var / (a * a / (nt - 1.0) + b * b / (nc - 1.0))
            df = np.where(var > 0, df, np.inf)
            q = stats.t.ppf(1.0 - alpha / 2.0, df)
            tail = 2.0 * stats.t.sf(np.abs(lift / se), df)
        # a zero-variance pair (all zeros in both arms of a small cell): no evidence of a
        # difference when the means agree, certainty when they do not
        p = np.where(se > 0, tail, np.where(lift == 0, 1.0, 0.0))
        p = np.where(np.isfinite(lift) & np.isfinite(se), p, np.nan)
        rel = mt / mc - 1.0
        rel_se = np.sqrt(a / mc**2 + mt**2 * b / mc**4)
        rel = np.where(mc != 0, rel, np.nan)
    return {
        "lift": lift,
        "se": se,
        "var": var,
        "q": q,
        "lo": lift - q * se,
        "hi": lift + q * se,
        "p": p,
        "rel": rel,
        "rel_lo": rel - q * rel_se,
        "rel_hi": rel + q * rel_se,
    }


# ------------------------------------------------------------------------------ the analysis


def _per_unit(name: str, values: Any, n_units: int, what: str) -> FloatArray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or arr.shape[0] != n_units:
        raise ValueError(
            f"{what} {name!r} has {arr.shape[0] if arr.ndim else 0} values for {n_units} units"
        )
    if np.isinf(arr).any():
        raise ValueError(f"{what} {name!r} holds infinite values")
    return arr


def analyse(
    arms: Sequence[str] | np.ndarray,
    metrics: Mapping[str, np.ndarray],
    *,
    control: str,
    pre: Mapping[str, np.ndarray] | None = None,
    segments: Mapping[str, np.ndarray] | None = None,
    expected: Mapping[str, float] | None = None,
    alpha: float = 0.05,
    correction: Literal["holm", "bh"] = "holm",
    sequential: bool = False,
    min_cell: int = 0,
    srm_threshold: float = 0.001,
) -> ExperimentReport:
    """Analyse a randomised experiment: one arm label per unit in `arms`, one value per unit in
    each of `metrics` (NaN = no value; that unit is left out of that metric only), every arm
    compared with `control`. `pre` gives a metric's pre-period covariate for CUPED, `segments` a
    label per unit for each dimension to test within, `expected` the planned allocation shares
    (default equal). See the module docstring for the methods; the result is a frozen,
    JSON-serialisable `ExperimentReport`."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if correction not in ("holm", "bh"):
        raise ValueError(f"correction must be 'holm' or 'bh', got {correction!r}")
    if min_cell < 0:
        raise ValueError(f"min_cell must be >= 0, got {min_cell}")
    arm_codes, arm_names = _codes(arms, "arms")
    n_units = arm_codes.shape[0]
    if n_units == 0:
        raise ValueError("no units")
    if (arm_codes < 0).any():
        raise ValueError("arms: every unit needs an arm label (found missing labels)")
    if control not in arm_names:
        raise ValueError(f"control arm {control!r} not among the arms {arm_names}")
    if len(arm_names) < 2:
        raise ValueError(f"a single arm ({arm_names[0]!r}): nothing to compare")
    if not metrics:
        raise ValueError("no metrics given")
    pre = pre or {}
    segments = segments or {}
    unknown = sorted(set(pre) - set(metrics))
    if unknown:
        raise ValueError(f"pre-period covariates for unknown metric(s) {unknown}")

    k = len(arm_names)
    c = arm_names.index(control)
    others = [i for i in range(k) if i != c]

    counts = np.bincount(arm_codes, minlength=k)
    srm = srm_check({a: int(counts[i]) for i, a in enumerate(arm_names)}, expected, srm_threshold)

    seg_codes: list[tuple[str, IntArray, list[str]]] = []
    for dim, labels in segments.items():
        codes, names = _codes(labels, f"segment {dim!r}")
        if codes.shape[0] != n_units:
            raise ValueError(f"segment {dim!r} has {codes.shape[0]} labels for {n_units} units")
        seg_codes.append((str(dim), codes, names))

    infos: list[MetricInfo] = []
    arm_rows: list[ArmMetric] = []
    comparisons: list[Comparison] = []
    segment_rows: list[SegmentTest] = []
    for metric, raw in metrics.items():
        metric = str(metric)
        y_all = _per_unit(metric, raw, n_units, "metric")
        valid = ~np.isnan(y_all)
        used = int(valid.sum())
        if used == 0:
            raise ValueError(f"metric {metric!r} is NaN for every unit")
        y = y_all[valid]
        codes = arm_codes[valid]
        binary = bool(np.all((y == 0.0) | (y == 1.0)))
        infos.append(
            MetricInfo(
                metric=metric,
                kind="binary" if binary else "continuous",
                units_used=used,
                units_missing=n_units - used,
                cuped=metric in pre,
            )
        )

        n, mean, ss = _group_moments(codes, y, k)
        var = _unit_var(n, ss, binary)
        with np.errstate(divide="ignore", invalid="ignore"):
            se = np.sqrt(var / n)
            if binary:
                lo, hi = wilson_interval(mean * n, n, alpha)
            else:
                q = stats.t.ppf(1.0 - alpha / 2.0, n - 1.0)
                lo, hi = mean - q * se, mean + q * se
        for i, a in enumerate(arm_names):
            arm_rows.append(
                ArmMetric(
                    arm=a, metric=metric, n=int(n[i]), mean=mean[i], se=se[i],
                    ci_low=lo[i], ci_high=hi[i],
                )
            )  # fmt: skip

        t_idx = np.array(others)
        d = _diff(
            mean[t_idx], var[t_idx], n[t_idx],
            np.full(len(others), mean[c]), np.full(len(others), var[c]),
            np.full(len(others), n[c]), alpha, binary,
        )  # fmt: skip

        cuped = _cuped(
            pre.get(metric), metric, valid, codes, y, (n, mean, ss), c, others, alpha, binary
        )
        seq = _sequential(d, n[t_idx] + n[c], ss[t_idx] + ss[c], alpha) if sequential else None
        for j, i in enumerate(others):
            comparisons.append(
                Comparison(
                    arm=arm_names[i],
                    metric=metric,
                    n_control=int(n[c]),
                    n_arm=int(n[i]),
                    control_mean=mean[c],
                    arm_mean=mean[i],
                    lift=d["lift"][j],
                    se=d["se"][j],
                    ci_low=d["lo"][j],
                    ci_high=d["hi"][j],
                    p_value=d["p"][j],
                    relative_lift=d["rel"][j],
                    relative_ci_low=d["rel_lo"][j],
                    relative_ci_high=d["rel_hi"][j],
                    cuped=cuped[j] if cuped is not None else None,
                    sequential=seq[j] if seq is not None else None,
                )
            )

        segment_rows.extend(
            _segment_tests(
                metric, valid, y, codes, seg_codes, arm_names, c, others, alpha, binary,
                min_cell, correction,
            )
        )  # fmt: skip

    settings = AnalysisSettings(
        control=control,
        alpha=alpha,
        correction=correction,
        sequential=sequential,
        min_cell=min_cell,
        srm_threshold=srm_threshold,
        expected={a: e / n_units for a, e in srm.expected.items()},
        msprt_effect_sd=MSPRT_EFFECT_SD,
    )  # fmt: skip
    return ExperimentReport(
        settings=settings,
        srm=srm,
        metrics=infos,
        arms=arm_rows,
        comparisons=comparisons,
        segments=segment_rows,
    )


def _sequential(
    d: dict[str, FloatArray], n_pair: FloatArray, ss_pair: FloatArray, alpha: float
) -> list[Sequential]:
    """mSPRT figures for each comparison. tau2 = (MSPRT_EFFECT_SD * sd)^2 with sd the per-unit
    standard deviation pooled over the two arms: tying the mixture to the metric's own scale
    makes one default work for conversion rates and revenue alike."""
    with np.errstate(divide="ignore", invalid="ignore"):
        tau2 = MSPRT_EFFECT_SD**2 * ss_pair / n_pair
    lo, hi = msprt_interval(d["lift"], d["var"], tau2=tau2, alpha=alpha)
    p = msprt_pvalue(d["lift"], d["var"], tau2=tau2)
    return [
        Sequential(tau2=tau2[j], ci_low=lo[j], ci_high=hi[j], p_value=p[j])
        for j in range(tau2.size)
    ]


def _cuped(
    raw: np.ndarray | None,
    metric: str,
    valid: np.ndarray,
    codes: IntArray,
    y: FloatArray,
    moments: tuple[FloatArray, FloatArray, FloatArray],
    c: int,
    others: list[int],
    alpha: float,
    binary: bool,
) -> list[Cuped] | None:
    """CUPED (Deng et al. 2013) for each arm against control. theta is the pooled within-arm
    regression slope of the metric on the covariate over the two arms compared (within-arm, so
    the treatment effect does not leak into it); the adjusted lift is the raw lift less theta
    times the difference of the arms' covariate means, with the within-arm variance of
    y - theta x. A unit without a covariate value gets the covariate mean (an adjustment of 0):
    with randomisation this keeps the estimate unbiased and every unit in it."""
    if raw is None:
        return None
    x_all = _per_unit(metric, raw, valid.shape[0], "pre-period covariate for")
    missing = np.isnan(x_all)
    if missing.all():
        raise ValueError(f"pre-period covariate for {metric!r} is NaN for every unit")
    x_all = np.where(missing, float(np.nanmean(x_all)), x_all)
    x = x_all[valid]
    n, my, ssy = moments
    _, mx, ssx = _group_moments(codes, x, n.size)
    sxy = _group_coprod(codes, x, mx, y, my, n.size)
    out: list[Cuped] = []
    for i in others:
        sx = ssx[i] + ssx[c]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            theta = float((sxy[i] + sxy[c]) / sx)
            if not (sx > 0 and math.isfinite(theta)):
                theta = 0.0  # a covariate without spread cannot adjust anything
            ss_adj = np.maximum(ssy - 2.0 * theta * sxy + theta * theta * ssx, 0.0)
        v_adj = _unit_var(n, ss_adj, binary)
        v_raw = _unit_var(n, ssy, binary)
        m_adj = my - theta * (mx - mx[c])
        d = _diff(m_adj[[i]], v_adj[[i]], n[[i]], m_adj[[c]], v_adj[[c]], n[[c]], alpha, binary)
        raw_var = v_raw[i] / n[i] + v_raw[c] / n[c]
        reduction = 1.0 - d["var"][0] / raw_var if raw_var > 0 else float("nan")
        out.append(
            Cuped(
                covariate_missing=int(missing.sum()),
                theta=theta,
                lift=d["lift"][0],
                se=d["se"][0],
                ci_low=d["lo"][0],
                ci_high=d["hi"][0],
                p_value=d["p"][0],
                variance_reduction=reduction,
            )
        )
    return out


def _segment_tests(
    metric: str,
    valid: np.ndarray,
    y: FloatArray,
    codes: IntArray,
    seg_codes: list[tuple[str, IntArray, list[str]]],
    arm_names: list[str],
    c: int,
    others: list[int],
    alpha: float,
    binary: bool,
    min_cell: int,
    correction: Literal["holm", "bh"],
) -> list[SegmentTest]:
    """Every (dimension, segment value, arm) test of `metric`, then one multiple-comparison
    adjustment over all of them that are not suppressed."""
    k = len(arm_names)
    rows: list[dict[str, Any]] = []
    for dim, s_all, names in seg_codes:
        s = s_all[valid]
        keep = s >= 0  # a unit without a label for this dimension takes no part in it
        g = len(names)
        cell = s[keep] * k + codes[keep]
        n, mean, ss = _group_moments(cell, y[keep], g * k)
        n, mean, ss = n.reshape(g, k), mean.reshape(g, k), ss.reshape(g, k)
        var = _unit_var(n.ravel(), ss.ravel(), binary).reshape(g, k)
        for i in others:
            d = _diff(mean[:, i], var[:, i], n[:, i], mean[:, c], var[:, c], n[:, c], alpha, binary)
            for v in range(g):
                nc_, nt_ = int(n[v, c]), int(n[v, i])
                short = arm_names[c] if nc_ <= nt_ else arm_names[i]
                reason = None
                if min(nc_, nt_) == 0:
                    reason = f"no units in {short}"
                elif min(nc_, nt_) < min_cell:
                    reason = f"fewer than min_cell={min_cell} units in {short} (privacy)"
                elif not binary and min(nc_, nt_) < 2:
                    reason = f"a single unit in {short}: no variance"
                row: dict[str, Any] = {
                    "dimension": dim, "segment": names[v], "arm": arm_names[i],
                    "metric": metric, "suppressed": reason is not None, "reason": reason,
                }  # fmt: skip
                if reason is None:
                    row.update(
                        n_control=nc_, n_arm=nt_, control_mean=mean[v, c], arm_mean=mean[v, i],
                        lift=d["lift"][v], ci_low=d["lo"][v], ci_high=d["hi"][v],
                        p_value=d["p"][v],
                    )  # fmt: skip
                rows.append(row)
    tested = [j for j, r in enumerate(rows) if not r["suppressed"] and r["p_value"] is not None]
    tested = [j for j in tested if math.isfinite(float(rows[j]["p_value"]))]
    raw_p = np.array([float(rows[j]["p_value"]) for j in tested])
    adjusted = holm(raw_p) if correction == "holm" else benjamini_hochberg(raw_p)
    for j, p_adj in zip(tested, adjusted, strict=True):
        rows[j]["p_adjusted"] = float(p_adj)
        rows[j]["significant"] = bool(p_adj < alpha)
    empty = dict.fromkeys(SegmentTest.model_fields, None)
    return [SegmentTest(**{**empty, **r}) for r in rows]
