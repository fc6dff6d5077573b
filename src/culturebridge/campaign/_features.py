"""Any tabular campaign export as a numeric matrix: learned on the training file, applied to the
file being scored, so both matrices have the same columns in the same order.

A column is numeric when every non-empty value parses as a number (booleans and the words
true/false count as 1/0); it passes through, and where the training file has missing values the
training median fills them and a `<col>=missing` indicator column records where. Any other column
is categorical: one-hot, with levels seen in fewer than 20 rows or under 1% of the training rows,
and levels the training file never had, folded into `<col>=other` (empty text is its own level,
`<col>=(missing)`, when frequent enough). A numeric column's unparseable values in the scored
file are treated as missing, never as an error, so scoring never fails on a stray value.
"""

from __future__ import annotations

from typing import Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

_TRUE = {"true", "t", "yes", "y"}
_FALSE = {"false", "f", "no", "n"}
MISSING_LEVEL = "(missing)"
OTHER_LEVEL = "other"


class EncoderConfig(BaseModel):
    """When a categorical level is too rare to get its own column."""

    model_config = ConfigDict(frozen=True)
    min_count: int = Field(20, ge=1)
    """Levels seen in fewer training rows than this go to `other`."""
    min_share: float = Field(0.01, ge=0.0, lt=1.0)
    """Levels seen in under this share of the training rows go to `other`."""


def _as_number(col: pd.Series) -> pd.Series | None:
    """The column as float64 (NaN for missing), or None when it is not numeric."""
    if pd.api.types.is_bool_dtype(col.dtype) or pd.api.types.is_numeric_dtype(col.dtype):
        return pd.Series(np.asarray(col, dtype=np.float64), index=col.index)
    text = col.astype("string").str.strip()
    text = text.mask(text == "")
    lowered = text.str.lower()
    if lowered.dropna().isin(_TRUE | _FALSE).all() and lowered.notna().any():
        return lowered.map(lambda v: np.nan if pd.isna(v) else float(v in _TRUE)).astype(float)
    parsed = pd.to_numeric(text, errors="coerce")
    if bool((parsed.isna() & text.notna()).any()):
        return None
    return parsed.astype(np.float64)


def _as_number_lenient(col: pd.Series) -> npt.NDArray[np.float64]:
    """For the scored file: numbers where they parse, NaN elsewhere."""
    if pd.api.types.is_bool_dtype(col.dtype) or pd.api.types.is_numeric_dtype(col.dtype):
        return np.asarray(col, dtype=np.float64)
    text = col.astype("string").str.strip()
    lowered = text.str.lower()
    out = pd.to_numeric(text.mask(text == ""), errors="coerce").astype(np.float64)
    out = out.mask(lowered.isin(_TRUE), 1.0).mask(lowered.isin(_FALSE), 0.0)
    return np.asarray(out, dtype=np.float64)


def _as_level(col: pd.Series) -> npt.NDArray[np.object_]:
    text = col.astype("string").fillna("")
    return np.asarray(text.mask(text.str.strip() == "", MISSING_LEVEL), dtype=object)


class Encoder:
    """`Encoder().fit(train)` learns the columns; `transform(frame)` gives a float64 matrix
    whose columns are named by `columns`. Neither mutates the frame it is given."""

    def __init__(self, config: EncoderConfig | None = None) -> None:
        self.config = config or EncoderConfig()
        self.columns: list[str] = []
        self.numeric: dict[str, tuple[float, bool]] = {}
        """Numeric column -> (training median, has a missing indicator)."""
        self.levels: dict[str, list[str]] = {}
        """Categorical column -> its kept levels, in column order."""
        self.inputs: list[str] = []

    def fit(self, frame: pd.DataFrame) -> Self:
        if frame.shape[1] == 0:
            raise ValueError("no feature columns to encode")
        n = len(frame)
        floor = max(self.config.min_count, self.config.min_share * n)
        self.inputs = [str(c) for c in frame.columns]
        self.numeric, self.levels, self.columns = {}, {}, []
        for name in self.inputs:
            values = _as_number(frame[name])
            if values is not None:
                missing = bool(values.isna().any())
                median = float(values.median()) if values.notna().any() else 0.0
                self.numeric[name] = (median, missing)
                self.columns.append(name)
                if missing:
                    self.columns.append(f"{name}=missing")
                continue
            counts = pd.Series(_as_level(frame[name])).value_counts(sort=False)
            kept = sorted(str(lv) for lv, c in counts.items() if c >= floor)
            self.levels[name] = kept
            self.columns += [f"{name}={lv}" for lv in kept] + [f"{name}={OTHER_LEVEL}"]
        return self

    def transform(self, frame: pd.DataFrame) -> npt.NDArray[np.float64]:
        if not self.inputs:
            raise ValueError("the encoder is not fitted")
        absent = [c for c in self.inputs if c not in frame.columns]
        if absent:
            raise ValueError(f"missing feature column(s): {', '.join(absent)}")
        blocks: list[npt.NDArray[np.float64]] = []
        for name in self.inputs:
            if name in self.numeric:
                median, indicator = self.numeric[name]
                x = _as_number_lenient(frame[name])
                gone = np.isnan(x)
                blocks.append(np.where(gone, median, x)[:, None])
                if indicator:
                    blocks.append(gone.astype(np.float64)[:, None])
                continue
            kept = self.levels[name]
            index = {lv: i for i, lv in enumerate(kept)}
            codes = np.array([index.get(v, len(kept)) for v in _as_level(frame[name])], dtype=int)
            onehot = np.zeros((len(frame), len(kept) + 1))
            onehot[np.arange(len(frame)), codes] = 1.0
            blocks.append(onehot)
        if not blocks:
            return np.zeros((len(frame), 0))
        return np.hstack(blocks)

    def fit_transform(self, frame: pd.DataFrame) -> npt.NDArray[np.float64]:
        return self.fit(frame).transform(frame)


def encode(
    train: pd.DataFrame, score: pd.DataFrame, config: EncoderConfig | None = None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], list[str]]:
    """Both matrices and the column names, learned on `train`."""
    enc = Encoder(config).fit(train)
    return enc.transform(train), enc.transform(score), list(enc.columns)
