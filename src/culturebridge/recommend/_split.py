"""Train/test splits for offline evaluation, as pure functions over `Interactions`.

Every split keeps the input's vocabularies, so a user or item row means the same thing in
train, test and the model, and a metric can index one with the other. Test pairs whose item
has no training interaction are dropped (and counted): no collaborative model can rank an
item it never saw, so keeping them would only lower every model's recall by the same amount
and hide the differences between models. Rows are split as given: a repeated (user, item)
pair is two rows and may land on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from culturebridge.errors import UserError
from culturebridge.recommend._data import Interactions

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Split:
    """A train set and a test set over the same vocabularies as the data they came from."""

    train: Interactions
    test: Interactions
    dropped_items: int = 0
    """Test rows left out because their item has no training interaction."""


# ---------------------------------------------------------------------- helpers


def _check_args(data: Interactions, frac: float, min_interactions: int | None = None) -> None:
    if len(data) == 0:
        raise UserError("no interactions to split")
    if not 0.0 < frac < 1.0:
        raise UserError(f"test fraction must be between 0 and 1 (exclusive), got {frac}")
    if min_interactions is not None and min_interactions < 1:
        raise UserError(f"min_interactions must be at least 1, got {min_interactions}")


def _finite_ts(data: Interactions, split: str) -> npt.NDArray[np.float64]:
    """The times a temporal split needs; a UserError naming the way out when they are absent."""
    if data.ts is None:
        raise UserError(f"{split} needs timestamps (a ts column); without them use random_split")
    nan = int(np.isnan(data.ts).sum())
    if nan:
        raise UserError(
            f"{split} needs a timestamp on every interaction, {nan} have none; "
            "fill them in or use random_split"
        )
    return data.ts


def _per_user_tail(
    user: npt.NDArray[np.int32],
    order: npt.NDArray[np.intp],
    n_users: int,
    frac: float,
    min_interactions: int,
) -> BoolArray:
    """True for the rows that go to test: per user, the last round(frac * n) rows in `order`.

    `order` lists every row grouped by user (ascending), each user's rows in the order the
    split ranks them (oldest first, or shuffled). A user gets at least one test row and keeps
    at least one training row (a user with nothing in train is a cold-start case, which this
    evaluation does not measure); users with fewer than `min_interactions` rows stay in train.
    Rounding is half up, so 2.5 rows is 3 (Python's `round` would give 2).
    """
    counts = np.bincount(user, minlength=n_users)
    wanted = np.floor(frac * counts + 0.5).astype(np.int64)
    n_test = np.minimum(np.maximum(wanted, 1), counts - 1)
    n_test[counts < min_interactions] = 0
    grouped = user[order]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(len(order)) - starts[grouped]
    mask = np.zeros(len(user), dtype=bool)
    mask[order] = rank >= counts[grouped] - n_test[grouped]
    return mask


def _make_split(data: Interactions, test_mask: BoolArray) -> Split:
    """Train and test from a row mask, dropping test rows whose item never appears in train."""
    train_mask = ~test_mask
    in_train = np.bincount(data.item[train_mask], minlength=data.n_items) > 0
    keep = test_mask & in_train[data.item]
    dropped = int(test_mask.sum() - keep.sum())
    return Split(data.subset(train_mask), data.subset(keep), dropped)


# ---------------------------------------------------------------------- splits


def user_temporal_split(
    data: Interactions, frac: float = 0.2, *, min_interactions: int = 5
) -> Split:
    """Each user's latest round(frac * n) interactions (at least one) go to test.

    This is the split closest to deployment for a per-user question ("what will this user
    want next?"): the model sees each user's past and is asked about their future. Rows are
    ordered by ts with ties in input order, so equal times split deterministically. Users with
    fewer than `min_interactions` rows stay entirely in train: a one-item history says too
    little to score a model on, but still helps train it.
    """
    _check_args(data, frac, min_interactions)
    ts = _finite_ts(data, "user_temporal_split")
    order = np.lexsort((np.arange(len(data)), ts, data.user))
    return _make_split(data, _per_user_tail(data.user, order, data.n_users, frac, min_interactions))


def global_temporal_split(
    data: Interactions, frac: float = 0.2, *, at: float | None = None
) -> Split:
    """Everything at or after one point in time goes to test.

    The strictest split: no training row is later than any test row, so nothing leaks from
    the future (a popularity trend, a new release). `at` is seconds since the epoch; by default
    the (1 - frac) quantile of the times, so about `frac` of the rows are tested (more where
    many rows share the cut time). A cut outside the data is a UserError naming its range.
    """
    if at is None:
        _check_args(data, frac)
    elif len(data) == 0:
        raise UserError("no interactions to split")
    ts = _finite_ts(data, "global_temporal_split")
    cut = float(np.quantile(ts, 1.0 - frac)) if at is None else float(at)
    test_mask = ts >= cut
    if test_mask.all() or not test_mask.any():
        side = "train" if test_mask.all() else "test"
        raise UserError(
            f"split time {cut:.0f} leaves {side} empty; the data runs from "
            f"{ts.min():.0f} to {ts.max():.0f} (seconds since the epoch)"
        )
    return _make_split(data, test_mask)


def random_split(
    data: Interactions,
    frac: float = 0.2,
    *,
    min_interactions: int = 5,
    rng: np.random.Generator | int | None = 0,
) -> Split:
    """A seeded random round(frac * n) of each user's interactions (at least one) go to test.

    For data without times. It is optimistic (the model may train on a user's later tastes
    and be tested on earlier ones), so prefer a temporal split when `ts` is known. The same
    seed (`rng` an int, None meaning 0) gives the same split; users with fewer than
    `min_interactions` rows stay entirely in train.
    """
    _check_args(data, frac, min_interactions)
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng or 0)
    key = gen.random(len(data))
    order = np.lexsort((key, data.user))
    return _make_split(data, _per_user_tail(data.user, order, data.n_users, frac, min_interactions))


# ---------------------------------------------------------------------- a given test set


def _ids(column: pd.Series) -> pd.Index:
    """Ids as the CSV reader keeps them: text, surrounding spaces stripped."""
    return pd.Index(column.astype(str).str.strip())


def align_test(
    train: Interactions, test_frame: pd.DataFrame
) -> tuple[Interactions, dict[str, int]]:
    """A separate test file's rows (`user_id, item_id[, ts][, value]`) over train's vocabularies.

    A user's test rows can only be scored if the model knows the user, and an item can only
    be ranked by a collaborative model if somebody touched it in training. Rows failing either
    are dropped and counted, each once: `unknown_users` (user not in train) first, then
    `unknown_items` (item not in train's vocabulary or without a training interaction).
    """
    missing = [c for c in ("user_id", "item_id") if c not in test_frame.columns]
    if missing:
        raise UserError(f"test data lacks column(s) {', '.join(missing)}")
    users = pd.Index(train.user_ids).get_indexer(_ids(test_frame["user_id"]))
    items = pd.Index(train.item_ids).get_indexer(_ids(test_frame["item_id"]))
    has_history = np.bincount(train.item, minlength=train.n_items) > 0
    known_user = users >= 0
    known_item = (items >= 0) & has_history[np.maximum(items, 0)]
    keep = known_user & known_item
    counts = {
        "unknown_users": int((~known_user).sum()),
        "unknown_items": int((known_user & ~known_item).sum()),
    }
    n = int(keep.sum())
    value = (
        pd.to_numeric(test_frame["value"], errors="coerce").to_numpy(np.float32)[keep]
        if "value" in test_frame.columns
        else np.ones(n, dtype=np.float32)
    )
    ts = (
        pd.to_numeric(test_frame["ts"], errors="coerce").to_numpy(np.float64)[keep]
        if "ts" in test_frame.columns
        else None
    )
    test = Interactions(
        user_ids=train.user_ids,
        item_ids=train.item_ids,
        user=users[keep].astype(np.int32),
        item=items[keep].astype(np.int32),
        value=value,
        ts=ts,
        user_segments=train.user_segments,
        item_features=train.item_features,
    )
    return test, counts
