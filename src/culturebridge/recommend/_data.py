"""Interactions: who engaged with what, as index arrays over two id vocabularies.

Every model, split and metric works on `Interactions`. It comes from a plain CSV
(`user_id,item_id[,ts][,value]`, so users can bring their own) or from a workspace, where
events are weighted by type and decayed by age. The user vocabulary may hold users with no
interactions at all (a workspace's new sign-ups): they are known, have a segment, and get
segment-popular recommendations.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from pydantic import BaseModel, Field

from culturebridge.config import Backend
from culturebridge.errors import UserError

if TYPE_CHECKING:
    from ibis.backends import BaseBackend

    from culturebridge.workspace import Workspace

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float32]
StrArray = npt.NDArray[np.str_]

RECOMMEND_WEIGHTS: dict[str, float] = {
    "purchase": 4.0,
    "favourite": 3.0,
    "share": 3.0,
    "like": 2.5,
    "comment": 2.5,
    "rate": 2.0,
    "play": 1.5,
    "view": 1.0,
    "click": 0.5,
    "impression": 0.0,
}
"""How much one event of each type says about interest. An impression says nothing (the
platform chose to show it), so it is left out; a purchase says most."""

AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("15-17", 15, 17),
    ("18-24", 18, 24),
    ("25-34", 25, 34),
    ("35-44", 35, 44),
    ("45-54", 45, 54),
    ("55+", 55, 200),
)
"""The segment a workspace user's popularity fallback uses: their age band."""

NO_SEGMENT = ""


class WorkspaceSource(BaseModel):
    """How a workspace's events become interaction strengths."""

    weights: dict[str, float] = Field(default_factory=lambda: dict(RECOMMEND_WEIGHTS))
    half_life_days: float | None = Field(default=90.0, gt=0)
    """An event loses half its weight every this many days before the latest event (None: no
    decay), so that last season's tastes count less than this week's."""


@dataclass(frozen=True)
class Interactions:
    """Interactions as parallel arrays over `user_ids` x `item_ids` (indexes, not ids).

    `ts` is seconds since the epoch (float64, NaN when unknown) or None when the source had no
    times at all. `user_segments`, when known, names each user's segment (`NO_SEGMENT` for
    none); the popular fallback uses it.
    """

    user_ids: StrArray
    item_ids: StrArray
    user: IntArray
    item: IntArray
    value: FloatArray
    ts: npt.NDArray[np.float64] | None = None
    user_segments: StrArray | None = None
    item_features: FloatArray | None = None
    """Content features per item (n_items x d, float32, rows L2-normalised) for content-based
    and hybrid models; None when the source has no catalogue."""

    def __post_init__(self) -> None:
        n = len(self.user)
        if (
            len(self.item) != n
            or len(self.value) != n
            or (self.ts is not None and len(self.ts) != n)
        ):
            raise ValueError("user, item, value and ts must have the same length")

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def __len__(self) -> int:
        return len(self.user)

    def matrix(self, *, binary: bool = False) -> sp.csr_matrix:
        """Users x items CSR (float32); repeated pairs are summed (or set to 1 with `binary`)."""
        data = np.ones(len(self.user), np.float32) if binary else self.value
        m = sp.csr_matrix(
            (data, (self.user, self.item)), shape=(self.n_users, self.n_items), dtype=np.float32
        )
        m.sum_duplicates()
        if binary:
            m.data[:] = 1.0
        m.sort_indices()
        return m

    def subset(self, mask: npt.NDArray[np.bool_]) -> Interactions:
        """The rows where `mask` holds, over the same vocabularies."""
        return replace(
            self,
            user=self.user[mask],
            item=self.item[mask],
            value=self.value[mask],
            ts=None if self.ts is None else self.ts[mask],
        )

    def to_frame(self) -> pd.DataFrame:
        """Back to ids: `user_id, item_id, value[, ts]` (ts as seconds since the epoch)."""
        df = pd.DataFrame(
            {
                "user_id": self.user_ids[self.user],
                "item_id": self.item_ids[self.item],
                "value": self.value,
            }
        )
        if self.ts is not None:
            df["ts"] = self.ts
        return df


def _vocab(values: pd.Series) -> tuple[StrArray, IntArray]:
    codes, uniques = pd.factorize(values, sort=False)
    return np.asarray(uniques, dtype=np.str_), codes.astype(np.int32)


def from_frame(
    df: pd.DataFrame,
    *,
    user_ids: StrArray | None = None,
    item_ids: StrArray | None = None,
    user_segments: StrArray | None = None,
) -> Interactions:
    """Interactions from a frame with `user_id`, `item_id` and optional `ts` (seconds since the
    epoch) and `value` (default 1). Given vocabularies are kept (and extended by new ids)."""
    users = df["user_id"].astype(str)
    items = df["item_id"].astype(str)
    if user_ids is None:
        uids, u = _vocab(users)
    else:
        uids, u = _extend(user_ids, users)
    if item_ids is None:
        iids, i = _vocab(items)
    else:
        iids, i = _extend(item_ids, items)
    value = (
        df["value"].to_numpy(np.float32) if "value" in df else np.ones(len(df), dtype=np.float32)
    )
    ts = df["ts"].to_numpy(np.float64) if "ts" in df else None
    if user_segments is not None and len(user_segments) < len(uids):
        pad = np.full(len(uids) - len(user_segments), NO_SEGMENT, dtype=np.str_)
        user_segments = np.concatenate([user_segments, pad])
    return Interactions(uids, iids, u, i, value, ts, user_segments)


def _extend(vocab: StrArray, values: pd.Series) -> tuple[StrArray, IntArray]:
    index = pd.Index(vocab)
    codes = index.get_indexer(pd.Index(values))
    missing = codes < 0
    if missing.any():
        extra, extra_codes = _vocab(values[missing])
        codes[missing] = extra_codes + len(vocab)
        vocab = np.concatenate([vocab, extra])
    return vocab, codes.astype(np.int32)


# ---------------------------------------------------------------------- CSV


def _parse_ts(raw: pd.Series) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Seconds since the epoch from numbers (seconds) or ISO-8601 text; NaN and a bad flag
    where a non-empty cell parses as neither."""
    text = raw.fillna("").astype(str).str.strip()
    empty = text == ""
    numeric = pd.to_numeric(text.where(~empty), errors="coerce")
    out = np.array(numeric.to_numpy(np.float64), copy=True)
    need = ~empty.to_numpy() & np.isnan(out)
    if need.any():
        parsed = pd.to_datetime(text[need], errors="coerce", utc=True, format="ISO8601")
        secs = (parsed - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(np.float64)
        out[need] = secs
    bad = ~empty.to_numpy() & np.isnan(out)
    return out, bad


@dataclass(frozen=True)
class CsvRead:
    """A CSV read: the interactions plus the accounting (read = accepted + rejected)."""

    data: Interactions
    rows_read: int
    rejected: pd.DataFrame
    """Rejected rows with their 1-based line number and a reason."""


def read_interactions_csv(path: Path, *, strict: bool = False) -> CsvRead:
    """Read `user_id,item_id[,ts][,value]` (header required, extra columns ignored).

    Rows with an empty id, a value that is not a finite number or a ts that is neither a
    number nor an ISO-8601 time are rejected with a reason (or, with `strict`, are an error).
    A file that is missing, empty, not CSV or lacks the two id columns is a UserError.
    """
    if not path.exists():
        raise UserError(f"{path}: no such interactions file")
    if path.is_dir():
        raise UserError(f"{path}: is a directory, expected an interactions CSV")
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh), None)
    except UnicodeDecodeError:
        raise UserError(
            f"{path}: not UTF-8 text; expected a CSV user_id,item_id[,ts][,value]"
        ) from None
    if not header:
        raise UserError(f"{path}: empty file; expected a header user_id,item_id[,ts][,value]")
    cols = [c.strip().lower() for c in header]
    missing = [c for c in ("user_id", "item_id") if c not in cols]
    if missing:
        raise UserError(
            f"{path}: missing column(s) {', '.join(missing)} in header {','.join(header)!r}; "
            "expected user_id,item_id[,ts][,value]"
        )
    try:
        raw = pd.read_csv(
            path, dtype=str, keep_default_na=False, skipinitialspace=True, on_bad_lines="error"
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise UserError(f"{path}: malformed CSV: {str(exc).splitlines()[0]}") from None
    raw.columns = [c.strip().lower() for c in raw.columns]
    n = len(raw)
    if n == 0:
        raise UserError(f"{path}: no interactions after the header")
    reasons = np.full(n, "", dtype=object)
    user = raw["user_id"].str.strip()
    item = raw["item_id"].str.strip()
    reasons[(user == "").to_numpy()] = "empty user_id"
    reasons[((item == "") & (reasons == "")).to_numpy()] = "empty item_id"
    value = np.ones(n, dtype=np.float64)
    if "value" in raw:
        v = raw["value"].str.strip()
        given = (v != "").to_numpy()
        parsed = pd.to_numeric(v.where(v != ""), errors="coerce").to_numpy(np.float64)
        bad = given & ~np.isfinite(parsed)
        reasons[bad & (reasons == "")] = "value is not a finite number"
        value = np.where(given & np.isfinite(parsed), parsed, 1.0)
    ts: npt.NDArray[np.float64] | None = None
    if "ts" in raw:
        ts, bad_ts = _parse_ts(raw["ts"])
        reasons[bad_ts & (reasons == "")] = "ts is neither epoch seconds nor ISO-8601"
    rejected_mask = reasons != ""
    rejected = raw[rejected_mask].copy()
    rejected.insert(0, "line", np.nonzero(rejected_mask)[0] + 2)
    rejected["reason"] = reasons[rejected_mask]
    if strict and len(rejected):
        first = rejected.iloc[0]
        raise UserError(f"{path}: line {first['line']}: {first['reason']}")
    keep = ~rejected_mask
    if not keep.any():
        raise UserError(f"{path}: every row was rejected (first: {rejected.iloc[0]['reason']})")
    frame = pd.DataFrame({"user_id": user[keep], "item_id": item[keep], "value": value[keep]})
    if ts is not None:
        frame["ts"] = ts[keep]
    return CsvRead(from_frame(frame), n, rejected)


def write_interactions_csv(data: Interactions, path: Path) -> None:
    df = data.to_frame()
    cols = ["user_id", "item_id"] + (["ts"] if data.ts is not None else []) + ["value"]
    df[cols].to_csv(path, index=False)


# ---------------------------------------------------------------------- workspace


def age_band(age: float | None) -> str:
    if age is None or (isinstance(age, float) and math.isnan(age)):
        return NO_SEGMENT
    for name, lo, hi in AGE_BANDS:
        if lo <= age <= hi:
            return name
    return NO_SEGMENT


def from_workspace(
    ws: Workspace,
    source: WorkspaceSource | None = None,
    *,
    until: date | datetime | None = None,
    con: BaseBackend | None = None,
    features: bool = False,
    backend: Backend | None = None,
) -> Interactions:
    """A workspace's events as interactions: one row per (user, item), weighted by event type
    and decayed by age; events at or after `until` are left out (a temporal split point).

    Every user in the users table is in the vocabulary, with their age band as segment, so
    that a user without events still gets segment-popular recommendations. With `features`,
    every catalogue item's content features (bilingual text embedding plus attributes) come
    along, so content-based and hybrid models can rank items nobody has touched yet.
    """
    from culturebridge.query import connect, reference_date

    source = source or WorkspaceSource()
    unknown = sorted(set(source.weights) - set(RECOMMEND_WEIGHTS))
    if unknown:
        raise UserError(f"unknown event type(s) in weights: {', '.join(unknown)}")
    own = con is None
    chosen = backend or ws.config.backend
    con = con if con is not None else connect(ws, chosen)
    try:
        ref = reference_date(con)
        cut = (
            datetime.combine(until, time())
            if isinstance(until, date) and not isinstance(until, datetime)
            else until
        )
        events = con.table("events")
        if cut is not None:
            events = events.filter(events.ts < cut)
        import ibis

        weight = ibis.cases(
            *[(events.type == t, w) for t, w in source.weights.items() if w > 0], else_=0.0
        )
        events = events.filter(weight > 0).mutate(w=weight)
        anchor = datetime.combine(ref, time()) if cut is None else cut
        if source.half_life_days is not None:
            age_s = ibis.literal(anchor).epoch_seconds().cast(
                "float64"
            ) - events.ts.epoch_seconds().cast("float64")
            decay = (age_s.cast("float64") / 86400.0 / source.half_life_days * -math.log(2)).exp()
            events = events.mutate(w=events.w * decay)
        pairs = (
            events.group_by(["user_id", "item_id"])
            .aggregate(value=events.w.sum(), ts=events.ts.max().epoch_seconds().cast("float64"))
            .order_by(["user_id", "item_id"])
            .to_pyarrow()
            .to_pandas()
        )
        users = con.table("users").select("user_id", "birth_year").to_pyarrow().to_pandas()
        items = con.table("items").select("item_id").order_by("item_id").to_pyarrow()
        item_ids = np.asarray(items.column("item_id").to_pylist(), dtype=np.str_)
        feats = None
        if features:
            from culturebridge.recommend._features import item_features_from_workspace

            feats = item_features_from_workspace(ws, con, item_ids)
    finally:
        if own and chosen == "duckdb":
            con.disconnect()
    users = users.sort_values("user_id", kind="stable")
    ages = ref.year - users["birth_year"].astype("float64")
    segments = np.asarray([age_band(a) for a in ages.tolist()], dtype=np.str_)
    data = from_frame(
        pairs,
        user_ids=np.asarray(users["user_id"].tolist(), dtype=np.str_),
        item_ids=item_ids,
        user_segments=segments,
    )
    if feats is not None and data.n_items != len(item_ids):
        raise UserError("events name items that are not in the items table; ingest the items")
    return replace(data, item_features=feats)
