"""A campaign report: the experiment analysis of a workspace campaign or of any export file.

Workspace: the campaign's assigned users with conversion, visit and revenue from assignment to
the campaign end, CUPED on the same metrics over the weeks before assignment, segments by age
band, gender, city tier and platform, cells below the privacy threshold k suppressed. File: any
per-unit export (one row a customer), its arm column, metric columns, optional pre-period
columns and segment columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field

from culturebridge.campaign._ab import ExperimentReport, analyse
from culturebridge.campaign._workspace import (
    CONTROL_NAMES,
    DEFAULT_PRE_DAYS,
    METRICS,
    SEGMENT_DIMENSIONS,
    campaign_frame,
)
from culturebridge.errors import UserError
from culturebridge.privacy import PRIMARY, GuardReport
from culturebridge.query import Analysis
from culturebridge.stats import benjamini_hochberg, holm

Correction = Literal["holm", "bh"]


class CampaignReport(BaseModel):
    """What `campaign report` prints: the campaign (or file), its window and the analysis."""

    model_config = ConfigDict(frozen=True)

    source: str
    campaign_id: str | None
    name: str | None
    partner_id: str | None
    start: datetime | None
    end: datetime | None
    units: int
    dropped: dict[str, int]
    """Units of arms left out of the analysis, by arm."""
    pre_days: int | None
    analysis: ExperimentReport
    privacy: list[GuardReport] = Field(default_factory=list)
    """What the guard did to the arms and the segment tests (empty for a file's report: a
    user's own file, not the warehouse)."""


def _control_of(arms: Sequence[str], control: str | None) -> str:
    if control is not None:
        if control not in arms:
            raise UserError(f"no arm {control!r} (arms: {', '.join(arms)})")
        return control
    named = [a for a in arms if a.lower() in CONTROL_NAMES]
    if len(named) != 1:
        raise UserError(f"say which arm is the control with --control (arms: {', '.join(arms)})")
    return named[0]


def _run(**kwargs: object) -> ExperimentReport:
    try:
        return analyse(**kwargs)  # type: ignore[arg-type]
    except ValueError as exc:
        raise UserError(str(exc)) from None


def report_workspace(
    a: Analysis,
    campaign_id: str,
    *,
    control: str | None = None,
    metrics: Sequence[str] = METRICS,
    dimensions: Sequence[str] = SEGMENT_DIMENSIONS,
    pre_days: int = DEFAULT_PRE_DAYS,
    cuped: bool = True,
    sequential: bool = False,
    correction: Correction = "holm",
    alpha: float = 0.05,
) -> CampaignReport:
    """Analyse a workspace campaign (every arm against the control)."""
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise UserError(f"unknown metric {unknown[0]!r}; choose from {', '.join(METRICS)}")
    bad = [d for d in dimensions if d not in SEGMENT_DIMENSIONS]
    if bad:
        raise UserError(f"unknown segment {bad[0]!r}; choose from {', '.join(SEGMENT_DIMENSIONS)}")
    if a.noised:
        raise UserError(
            "campaign analysis is not available with differential privacy on (its intervals "
            "need exact arm sizes); the platform's analysts can run it with k-anonymity only"
        )
    frame = campaign_frame(a, campaign_id, pre_days=pre_days)
    ctrl = _control_of(frame.info.arms, control)
    result = _run(
        arms=frame.arm,
        metrics={m: frame.metrics[m] for m in metrics},
        control=ctrl,
        pre={m: frame.pre[m] for m in metrics} if cuped else None,
        segments={d: frame.segments[d] for d in dimensions} or None,
        alpha=alpha,
        correction=correction,
        sequential=sequential,
    )
    arms = _release_arms(a, frame.arm)
    result, segments = _release_segments(a, result, correction=correction, alpha=alpha)
    info = frame.info
    return CampaignReport(
        source=a.where,
        campaign_id=info.campaign_id,
        name=info.name,
        partner_id=info.partner_id,
        start=info.start,
        end=info.end,
        units=frame.n,
        dropped={},
        pre_days=pre_days if cuped else None,
        analysis=result,
        privacy=[arms, segments],
    )


def _release_arms(a: Analysis, arm: Any) -> GuardReport:
    """The arms' figures describe each arm's units: an arm below k gets no report at all."""
    names, counts = np.unique(np.asarray(arm), return_counts=True)
    table = pa.table({"arm": names.tolist(), "users": counts.astype(np.int64)})
    released = a.release(table, what="campaign arms")
    small = [r["arm"] for r in released.to_pylist() if r["suppressed"]]
    if small:
        raise UserError(
            f"campaign arm(s) {', '.join(small)} have fewer than k={a.policy.k} users: "
            "their figures cannot be published"
        )
    return released.report


_FIGURES = ["control_mean", "arm_mean", "lift", "ci_low", "ci_high", "p_value"]


def _release_segments(
    a: Analysis, result: ExperimentReport, *, correction: Correction, alpha: float
) -> tuple[ExperimentReport, GuardReport]:
    """The segment tests as they may leave: through the guard (a cell with fewer than k units
    in either arm is blanked, and, since a dimension's cells add up to the published arm
    totals, one more beside a lone suppressed cell), then the multiple-testing adjustment
    again over the tests still shown."""
    tests = result.segments
    shown = [i for i, t in enumerate(tests) if not t.suppressed]
    table = pa.Table.from_pylist(
        [
            {
                "i": i,
                "metric": tests[i].metric,
                "arm": tests[i].arm,
                "dimension": tests[i].dimension,
                "n_control": tests[i].n_control,
                "n_arm": tests[i].n_arm,
            }
            for i in shown
        ],
        schema=pa.schema(
            [
                ("i", pa.int64()),
                ("metric", pa.string()),
                ("arm", pa.string()),
                ("dimension", pa.string()),
                ("n_control", pa.int64()),
                ("n_arm", pa.int64()),
            ]
        ),
    )
    released = a.release(
        table,
        users=["n_control", "n_arm"],
        partition_by=["metric", "arm", "dimension"],
        what=f"campaign segment tests ({len(shown)} cells)",
    )
    hidden = {r["i"]: r["suppression"] for r in released.to_pylist() if r["suppressed"]}
    out = list(tests)
    for i, why in hidden.items():
        blank = dict.fromkeys(["n_control", "n_arm", "p_adjusted", "significant", *_FIGURES])
        reason = "fewer than k units in an arm (privacy)" if why == PRIMARY else why
        out[i] = tests[i].model_copy(update={**blank, "suppressed": True, "reason": reason})
    adjust = holm if correction == "holm" else benjamini_hochberg
    for metric in {t.metric for t in out}:
        family = [
            i
            for i, t in enumerate(out)
            if t.metric == metric and not t.suppressed and t.p_value is not None
        ]
        family = [i for i in family if np.isfinite(float(out[i].p_value or 0.0))]
        p_adj = adjust(np.array([float(out[i].p_value or 0.0) for i in family]))
        for i, p in zip(family, p_adj, strict=True):
            out[i] = out[i].model_copy(
                update={"p_adjusted": float(p), "significant": bool(p < alpha)}
            )
    settings = result.settings.model_copy(update={"min_cell": a.policy.k})
    return result.model_copy(update={"segments": out, "settings": settings}), released.report


def report_file(
    path: Path,
    *,
    arm_col: str,
    control: str | None,
    metrics: Sequence[str],
    pre: Mapping[str, str] | None = None,
    dimensions: Sequence[str] = (),
    arms: Sequence[str] | None = None,
    expected: Mapping[str, float] | None = None,
    sequential: bool = False,
    correction: Correction = "holm",
    alpha: float = 0.05,
    min_cell: int = 0,
) -> CampaignReport:
    """Analyse a per-unit export: one row a unit, `arm_col` its arm, `metrics` numeric columns.

    `arms` keeps only those arms (the rest are counted as dropped); `pre` maps a metric to its
    pre-period column for CUPED."""
    try:
        df = pd.read_csv(path, dtype={arm_col: str}, keep_default_na=True)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise UserError(f"{path}: cannot read: {exc}") from None
    pre = dict(pre or {})
    needed = [arm_col, *metrics, *pre.values(), *dimensions]
    missing = [c for c in dict.fromkeys(needed) if c not in df.columns]
    if missing:
        raise UserError(f"{path}: no column {missing[0]!r} (columns: {', '.join(df.columns)})")
    if not metrics:
        raise UserError("give at least one metric column with --metrics")
    arm = df[arm_col].fillna("").astype(str).to_numpy()
    dropped: dict[str, int] = {}
    if arms is not None:
        keep = np.isin(arm, list(arms))
        values, counts = np.unique(arm[~keep], return_counts=True)
        dropped = {str(v): int(c) for v, c in zip(values, counts, strict=True)}
        df, arm = df[keep], arm[keep]
    if len(df) == 0:
        raise UserError(f"{path}: no rows left to analyse")
    ctrl = _control_of(sorted(set(arm)), control)

    def numeric(col: str) -> np.ndarray:
        values = pd.to_numeric(df[col], errors="coerce")
        bad = int(values.isna().sum() - df[col].isna().sum())
        if bad:
            raise UserError(f"{path}: column {col!r} has {bad} values that are not numbers")
        return values.to_numpy(dtype=np.float64)

    unknown_pre = [m for m in pre if m not in metrics]
    if unknown_pre:
        raise UserError(f"--pre {unknown_pre[0]}=...: {unknown_pre[0]!r} is not one of --metrics")
    result = _run(
        arms=arm,
        metrics={m: numeric(m) for m in metrics},
        control=ctrl,
        pre={m: numeric(c) for m, c in pre.items()} or None,
        segments={d: df[d].fillna("unknown").astype(str).to_numpy() for d in dimensions} or None,
        expected=expected,
        alpha=alpha,
        correction=correction,
        sequential=sequential,
        min_cell=min_cell,
    )
    return CampaignReport(
        source=str(path),
        campaign_id=None,
        name=None,
        partner_id=None,
        start=None,
        end=None,
        units=len(df),
        dropped=dropped,
        pre_days=None,
        analysis=result,
    )
