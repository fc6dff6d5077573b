"""`campaign uplift`: learn who responds because of a campaign from a past experiment's export,
and score another file with it.

    culturebridge campaign uplift --train TRAIN.csv --score SCORE.csv --treatment-col COL
        --treatment-value VALUE [--control-value VALUE] --outcome-col COL [--features a,b,c]
        [--exclude x,y] [--model NAME] --output SCORES.csv [--json]

Every row of SCORE.csv is written, its columns and text unchanged and in the same order, with an
`uplift` column added (the estimated change in the outcome if treated; rank by it). Arms are
matched on the CSV text: rows whose treatment is neither the treatment nor the control value
(other arms of the experiment) are left out of training and counted; without --control-value,
every row that is not treated is a control.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer

from culturebridge.campaign import MODELS, Encoder
from culturebridge.cli._common import err_console, handle_errors, print_json
from culturebridge.errors import UserError

UPLIFT_COLUMN = "uplift"


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
        str, typer.Option("--treatment-value", help="Text of the treated arm in that column.")
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
        str, typer.Option("--model", help=f"Uplift model: {', '.join(sorted(MODELS))}.")
    ] = "culturebridge",
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Fit an uplift model on an experiment and write every scored row with its uplift."""
    if model not in MODELS:
        raise UserError(f"unknown model {model!r}; choose one of {', '.join(sorted(MODELS))}")
    train_df = _read(train, "training")
    score_df = _read(score, "score")
    if UPLIFT_COLUMN in score_df.columns:
        raise UserError(f"{score}: already has an {UPLIFT_COLUMN!r} column")
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
    treated = (arm == treatment_value).to_numpy()
    control = (arm == control_value).to_numpy() if control_value is not None else ~treated
    others = int((~treated & ~control).sum())
    if not treated.any():
        raise UserError(f"{train}: no treated rows ({treatment_col} = {treatment_value!r})")
    if not control.any():
        what = (
            f"{treatment_col} = {control_value!r}" if control_value is not None else "all treated"
        )
        raise UserError(f"{train}: no control rows ({what})")
    kept = treated | control
    rows = train_df.loc[kept]
    y = _outcome(rows[outcome_col], train, outcome_col)
    t = treated[kept]

    note = f"; {others:,} rows of other arms left out" if others else ""
    err_console.print(
        f"training on {int(kept.sum()):,} rows of {train} ({int(t.sum()):,} treated, "
        f"{int((~t).sum()):,} control){note}; {len(chosen)} feature columns",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    encoder = Encoder().fit(rows[chosen])
    X_train = encoder.transform(rows[chosen])
    X_score = encoder.transform(score_df[chosen])
    started = time.perf_counter()
    with err_console.status(f"fitting {model} ...", spinner="dots"):
        fitted = MODELS[model]().fit(X_train, t, y, rng=0)
        uplift = fitted.predict(X_score)
    fit_s = time.perf_counter() - started

    try:
        with output.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow([*score_df.columns, UPLIFT_COLUMN])
            for values, u in zip(score_df.itertuples(index=False), uplift, strict=True):
                w.writerow([*values, f"{float(u):.6g}"])
    except OSError as exc:
        raise UserError(f"{output}: cannot write: {exc}") from None

    summary = {
        "model": model,
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
    if json_out:
        print_json(summary)
        return
    err_console.print(
        f"{len(score_df):,} rows scored with {model} -> {output} "
        f"({len(encoder.columns)} encoded columns, {fit_s:.1f} s)",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
