"""`campaign uplift`: learn who responds because of a campaign from a past experiment's export,
and score another file with it.

    culturebridge campaign uplift --train TRAIN.csv --score SCORE.csv --treatment-col COL
        --treatment-value VALUE [--treatment-value VALUE ...] [--control-value VALUE]
        --outcome-col COL [--features a,b,c] [--exclude x,y] [--model NAME]
        [--cost C [--cost C ...]] [--evaluate] --output SCORES.csv [--json]

Every row of SCORE.csv is written, its columns and text unchanged and in the same order, with an
`uplift` column added (the estimated change in the outcome if treated; rank by it). Arms are
matched on the CSV text: rows whose treatment is neither a treatment nor the control value
(other arms of the experiment) are left out of training and counted; without --control-value,
every row that is not treated is a control.

With several --treatment-value options the arms are modelled at once (`MultiArmUplift`: one
model per arm against the shared control) and each row also gets `uplift:<arm>` per arm and
`best_arm`: the arm with the largest estimated gain net of its --cost, or the control value
("none" without one) when no arm is expected to gain more than it costs; `uplift` is then the
chosen arm's net gain (0 for none). --evaluate values that policy on the training file by
2-fold cross-fitting (doubly robust, the arms' shares as their known probabilities: the
experiment must have been randomised) next to sending everyone one arm, each arm's own model
and nobody, with 95 % intervals.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer

from culturebridge.campaign import (
    MODELS,
    NONE,
    SHARED,
    Encoder,
    MultiArmConfig,
    MultiArmUplift,
    PolicyReport,
    best_arms,
    cross_fit_values,
)
from culturebridge.cli._common import err_console, handle_errors, print_json
from culturebridge.errors import UserError

UPLIFT_COLUMN = "uplift"
BEST_ARM_COLUMN = "best_arm"


def _arm_counts(arms: list[str], code: np.ndarray) -> str:
    if len(arms) == 1:
        return f"{int((code == 1).sum()):,} treated"
    return ", ".join(f"{int((code == i).sum()):,} {a}" for i, a in enumerate(arms, start=1))


def _evaluate(
    X: np.ndarray,
    code: np.ndarray,
    y: np.ndarray,
    config: MultiArmConfig,
    costs: list[float],
    path: Path,
) -> PolicyReport:
    try:
        return cross_fit_values(X, code, y, config=config, cost=costs, rng=0)
    except ValueError as exc:
        raise UserError(f"{path}: cannot evaluate the policy: {exc}") from None


def _policy_name(name: str, arms: list[str], none_label: str) -> str:
    """`PolicyReport`'s names with arm codes spelled as the arms' text."""
    if name == "model":
        return "best arm per person"
    if name == "nobody":
        return f"everyone {none_label}"
    head, _, tail = name.partition(" ")
    if head == "everyone":
        return f"everyone {arms[int(tail) - 1]}"
    return f"{arms[int(head) - 1]} where its model gains"


def _report_dict(report: PolicyReport, arms: list[str], none_label: str) -> dict[str, Any]:
    return {
        "policies": {
            _policy_name(n, arms, none_label): e.as_dict() for n, e in report.values.items()
        },
        "best_single": _policy_name(report.best_single, arms, none_label),
        "gain_over_best_single": report.gain_over_best_single.as_dict(),
    }


def _read(path: Path, role: str) -> pd.DataFrame:
    """The CSV as text, exactly as written (no NA parsing, no type guessing)."""
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8-sig"
        )
    except FileNotFoundError:
        raise UserError(f"{path}: {role} file not found") from None
    except pd.errors.EmptyDataError:
        raise UserError(f"{path}: empty file") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"{path}: cannot read as CSV: {first}") from None
    if frame.empty:
        raise UserError(f"{path}: no rows")
    return frame


def _names(text: str | None) -> list[str]:
    return [n.strip() for n in (text or "").split(",") if n.strip()]


def _need(frame: pd.DataFrame, path: Path, columns: list[str]) -> None:
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise UserError(
            f"{path}: missing column{'s' if len(absent) > 1 else ''} "
            f"{', '.join(repr(c) for c in absent)}"
        )


def _outcome(values: pd.Series, path: Path, col: str) -> np.ndarray:
    text = values.str.strip()
    parsed = pd.to_numeric(text.mask(text == ""), errors="coerce")
    bad = parsed.isna() | ~np.isfinite(parsed.to_numpy(dtype=float, na_value=np.nan))
    if bool(bad.any()):
        first = int(np.flatnonzero(bad.to_numpy())[0])
        row = int(values.index[first]) + 2  # 1-based, after the header line
        raise UserError(
            f"{path}: outcome column {col!r} is not numeric (line {row}: {values.iloc[first]!r})"
        )
    return parsed.to_numpy(dtype=np.float64)


@handle_errors
def uplift_cmd(
    train: Annotated[
        Path, typer.Option("--train", help="Past experiment: features, arm and outcome per row.")
    ],
    score: Annotated[Path, typer.Option("--score", help="Rows to score (same feature columns).")],
    treatment_col: Annotated[
        str, typer.Option("--treatment-col", help="Column naming each row's arm.")
    ],
    treatment_value: Annotated[
        list[str],
        typer.Option(
            "--treatment-value",
            metavar="VALUE",
            help="Text of the treated arm in that column; repeat it for several arms at once.",
        ),
    ],
    outcome_col: Annotated[
        str, typer.Option("--outcome-col", help="Numeric outcome column (0/1 or amounts).")
    ],
    output: Annotated[
        Path, typer.Option("--output", help="CSV to write: SCORE.csv's rows plus `uplift`.")
    ],
    control_value: Annotated[
        str | None,
        typer.Option(
            "--control-value",
            help="Text of the control arm; default: every row that is not treated.",
        ),
    ] = None,
    features: Annotated[
        str | None,
        typer.Option(
            "--features",
            help="Comma-separated feature columns; default: all but the arm, the outcome and "
            "--exclude.",
        ),
    ] = None,
    exclude: Annotated[
        str | None, typer.Option("--exclude", help="Comma-separated columns not to use.")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help=f"Uplift model: {', '.join(sorted(MODELS))}; default culturebridge. With "
            f"several arms also {SHARED} (one model of every arm); by default the one of "
            f"{SHARED}, culturebridge and t-learner whose policy is worth most on inner folds "
            "of the training file.",
        ),
    ] = None,
    cost: Annotated[
        list[float] | None,
        typer.Option(
            "--cost",
            metavar="C",
            help="Cost of sending an arm, in outcome units: once for every arm or once per "
            "--treatment-value; an arm is only chosen where its gain exceeds its cost.",
        ),
    ] = None,
    evaluate: Annotated[
        bool,
        typer.Option(
            "--evaluate",
            help="Value the best-arm policy by 2-fold cross-fitting on the training file "
            "(a randomised experiment is assumed), with 95 % intervals.",
        ),
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Fit an uplift model on an experiment and write every scored row with its uplift; with
    several treatment values, also each row's best arm."""
    arms = list(treatment_value)
    known = sorted([*MODELS, SHARED]) if len(arms) > 1 else sorted(MODELS)
    if model is not None and model not in known:
        raise UserError(f"unknown model {model!r}; choose one of {', '.join(known)}")
    if len(set(arms)) < len(arms):
        raise UserError("--treatment-value names the same arm twice")
    if control_value is not None and control_value in arms:
        raise UserError(f"{control_value!r} is both a treatment and the control value")
    costs = list(cost or [0.0])
    if len(costs) not in (1, len(arms)):
        raise UserError(
            f"--cost given {len(costs)} times; give it once or once per --treatment-value "
            f"({len(arms)})"
        )
    if not all(np.isfinite(costs)):
        raise UserError("--cost must be a finite number")
    multi = len(arms) > 1
    train_df = _read(train, "training")
    score_df = _read(score, "score")
    added = [UPLIFT_COLUMN]
    if multi:
        added += [f"{UPLIFT_COLUMN}:{a}" for a in arms] + [BEST_ARM_COLUMN]
    for name in added:
        if name in score_df.columns:
            raise UserError(f"{score}: already has an {name!r} column")
    _need(train_df, train, [treatment_col, outcome_col])
    if treatment_col == outcome_col:
        raise UserError("--treatment-col and --outcome-col name the same column")
    excluded = _names(exclude)
    _need(train_df, train, excluded)
    special = {treatment_col, outcome_col}
    if features is not None:
        chosen = _names(features)
        clash = [c for c in chosen if c in special]
        if clash:
            raise UserError(f"--features includes {clash[0]!r}, the arm or the outcome column")
        chosen = [c for c in chosen if c not in excluded]
    else:
        chosen = [c for c in train_df.columns if c not in special and c not in excluded]
    if not chosen:
        raise UserError("no feature columns left to learn from")
    _need(train_df, train, chosen)
    _need(score_df, score, chosen)

    arm = train_df[treatment_col]
    codes = np.zeros(len(arm), dtype=np.intp)
    for i, value in enumerate(arms, start=1):
        codes[(arm == value).to_numpy()] = i
    treated = codes > 0
    control = (arm == control_value).to_numpy() if control_value is not None else ~treated
    others = int((~treated & ~control).sum())
    for i, value in enumerate(arms, start=1):
        if not (codes == i).any():
            raise UserError(f"{train}: no treated rows ({treatment_col} = {value!r})")
    if not control.any():
        what = (
            f"{treatment_col} = {control_value!r}" if control_value is not None else "all treated"
        )
        raise UserError(f"{train}: no control rows ({what})")
    kept = treated | control
    rows = train_df.loc[kept]
    y = _outcome(rows[outcome_col], train, outcome_col)
    t = treated[kept]
    code = codes[kept]

    note = f"; {others:,} rows of other arms left out" if others else ""
    err_console.print(
        f"training on {int(kept.sum()):,} rows of {train} ({_arm_counts(arms, code)}, "
        f"{int((~t).sum()):,} control){note}; {len(chosen)} feature columns",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    encoder = Encoder().fit(rows[chosen])
    X_train = encoder.transform(rows[chosen])
    X_score = encoder.transform(score_df[chosen])
    started = time.perf_counter()
    report: PolicyReport | None = None
    none_label = control_value if control_value is not None else "none"
    config = MultiArmConfig() if model is None else MultiArmConfig(models=(model,))
    model_name = model or "culturebridge"
    with err_console.status(f"fitting {model_name} ...", spinner="dots"):
        if multi:
            multi_model = MultiArmUplift(config).fit(X_train, code, y, cost=costs, rng=0)
            model_name = multi_model.chosen
            effects = multi_model.predict(X_score)
            choice = best_arms(effects, costs)
            net = effects - np.broadcast_to(np.asarray(costs, dtype=np.float64), (len(arms),))
            uplift = np.where(choice == NONE, 0.0, net[np.arange(len(choice)), choice - 1])
            extra = [
                [*(f"{float(v):.6g}" for v in row), none_label if c == NONE else arms[c - 1]]
                for row, c in zip(effects, choice, strict=True)
            ]
        else:
            fitted = MODELS[model_name]().fit(X_train, t, y, rng=0)
            uplift = fitted.predict(X_score)
            extra = [[] for _ in range(len(score_df))]
        if evaluate:
            report = _evaluate(X_train, code, y, config, costs, train)
    fit_s = time.perf_counter() - started

    try:
        with output.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow([*score_df.columns, *added[1:], UPLIFT_COLUMN])
            rows_out = zip(score_df.itertuples(index=False), extra, uplift, strict=True)
            for text, more, u in rows_out:
                w.writerow([*text, *more, f"{float(u):.6g}"])
    except OSError as exc:
        raise UserError(f"{output}: cannot write: {exc}") from None

    summary: dict[str, object] = {
        "model": model_name,
        "train_rows": int(kept.sum()),
        "treated": int(t.sum()),
        "control": int((~t).sum()),
        "other_arm_rows": others,
        "features": chosen,
        "encoded_columns": len(encoder.columns),
        "scored": len(score_df),
        "uplift_mean": float(np.mean(uplift)),
        "seconds": round(fit_s, 3),
        "output": str(output),
    }
    if multi:
        summary["arms"] = {a: int((code == i).sum()) for i, a in enumerate(arms, start=1)}
        summary["best_arm_shares"] = {
            (none_label if c == NONE else arms[c - 1]): float(np.mean(choice == c))
            for c in range(len(arms) + 1)
        }
    if report is not None:
        summary["policy_value"] = _report_dict(report, arms, none_label)
    if json_out:
        print_json(summary)
        return
    err_console.print(
        f"{len(score_df):,} rows scored with {model_name} -> {output} "
        f"({len(encoder.columns)} encoded columns, {fit_s:.1f} s)",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    if report is not None:
        values = _report_dict(report, arms, none_label)
        for name, est in values["policies"].items():
            err_console.print(
                f"  {name:32s} {est['value']:.4g} per person "
                f"(95 % {est['low']:.4g} to {est['high']:.4g})",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
        g = values["gain_over_best_single"]
        err_console.print(
            f"best-arm policy over {values['best_single']}: {g['value']:+.4g} "
            f"(95 % {g['low']:+.4g} to {g['high']:+.4g})",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
