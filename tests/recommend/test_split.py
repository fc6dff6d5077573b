"""Splits: the invariants every split keeps, and hand-built cases with known answers."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from culturebridge.errors import UserError
from culturebridge.recommend import Interactions, from_frame
from culturebridge.recommend._split import (
    Split,
    align_test,
    global_temporal_split,
    random_split,
    user_temporal_split,
)

Row = tuple[int, int, float, float]


def random_data(seed: int, n_users: int = 30, n_items: int = 15, n_rows: int = 400) -> Interactions:
    """Users with 1 to ~30 rows, repeated pairs, tied times, some items seen once."""
    gen = np.random.default_rng(seed)
    user = gen.integers(0, n_users, n_rows)
    item = np.minimum(gen.geometric(0.15, n_rows) - 1, n_items - 1)
    df = pd.DataFrame(
        {
            "user_id": [f"u{u:02d}" for u in user],
            "item_id": [f"i{i:02d}" for i in item],
            "value": gen.integers(1, 5, n_rows).astype(np.float32),
            "ts": gen.integers(0, 50, n_rows).astype(np.float64),
        }
    )
    return from_frame(df)


def rows(data: Interactions) -> Counter[Row]:
    assert data.ts is not None
    return Counter(
        zip(
            data.user.tolist(),
            data.item.tolist(),
            data.value.tolist(),
            data.ts.tolist(),
            strict=True,
        )
    )


def check_invariants(data: Interactions, split: Split, min_interactions: int | None) -> None:
    """Same vocabularies; train + test + dropped = input; dropped items never in train."""
    for part in (split.train, split.test):
        assert part.user_ids is data.user_ids and part.item_ids is data.item_ids
    whole, train, test = rows(data), rows(split.train), rows(split.test)
    assert train + test <= whole
    dropped = whole - train - test
    assert dropped.total() == split.dropped_items
    train_items = set(split.train.item.tolist())
    assert not {item for _, item, _, _ in dropped} & train_items
    assert set(split.test.item.tolist()) <= train_items
    if min_interactions is not None:
        counts = np.bincount(data.user, minlength=data.n_users)
        tested = set(split.test.user.tolist()) | {u for u, _, _, _ in dropped}
        assert all(counts[u] >= min_interactions for u in tested)
        # each eligible user sends round-half-up(frac * n), clipped to [1, n - 1], to test
        per_user = Counter(split.test.user.tolist()) + Counter(
            u for u, _, _, _ in dropped.elements()
        )
        for u, n in enumerate(counts.tolist()):
            want = 0 if n < min_interactions else min(max(int(0.2 * n + 0.5), 1), n - 1)
            assert per_user[u] == want


def tiny(ts: list[float] | None, users: list[str], items: list[str]) -> Interactions:
    df = pd.DataFrame({"user_id": users, "item_id": items})
    if ts is not None:
        df["ts"] = ts
    return from_frame(df)


# ---------------------------------------------------------------------- user temporal


@pytest.mark.parametrize("seed", range(5))
def test_user_temporal_invariants(seed: int) -> None:
    data = random_data(seed)
    split = user_temporal_split(data, 0.2, min_interactions=5)
    check_invariants(data, split, 5)
    assert split.train.ts is not None and split.test.ts is not None
    for u in np.unique(split.test.user):
        assert (
            split.test.ts[split.test.user == u].min() >= split.train.ts[split.train.user == u].max()
        )


def test_user_temporal_known_answer() -> None:
    # u0 has 5 rows (last 1 to test), u1 has 10 (last 2), u2 has 3 (too few: all train)
    users = ["u0"] * 5 + ["u1"] * 10 + ["u2"] * 3
    items = (
        ["a", "b", "c", "d", "a"] + ["a", "b", "c", "d", "a", "b", "c", "d", "a", "b"] + list("abc")
    )
    ts = [5.0, 1.0, 2.0, 3.0, 4.0] + [float(t) for t in range(10, 0, -1)] + [1.0, 2.0, 3.0]
    data = tiny(ts, users, items)
    split = user_temporal_split(data, 0.2, min_interactions=5)
    test = split.test.to_frame()
    assert test[["user_id", "item_id", "ts"]].values.tolist() == [
        ["u0", "a", 5.0],
        ["u1", "a", 10.0],
        ["u1", "b", 9.0],
    ]
    assert split.dropped_items == 0


def test_user_temporal_ties_keep_input_order() -> None:
    data = tiny([7.0] * 6, ["u"] * 6, list("abcabd"))
    split = user_temporal_split(data, 0.5, min_interactions=1)
    assert split.test.item_ids[split.test.item].tolist() == ["a", "b"]
    assert split.dropped_items == 1  # the last row, d, is nowhere in train


def test_user_temporal_drops_items_new_in_test() -> None:
    # item z only ever appears as u's latest interaction: nobody trained on it
    data = tiny([1, 2, 3, 4, 5], ["u"] * 5, list("abcdz"))
    split = user_temporal_split(data, 0.2, min_interactions=5)
    assert len(split.test) == 0 and split.dropped_items == 1
    assert len(split.train) == 4


def test_user_temporal_needs_times() -> None:
    with pytest.raises(UserError, match="random_split"):
        user_temporal_split(tiny(None, ["u"], ["a"]))
    with pytest.raises(UserError, match="1 have none.*random_split"):
        user_temporal_split(tiny([1.0, float("nan")], ["u", "u"], ["a", "b"]))


@pytest.mark.parametrize("frac", [0.0, 1.0, -0.1, 2.0])
def test_fraction_out_of_range(frac: float) -> None:
    data = random_data(0)
    for split in (user_temporal_split, random_split):
        with pytest.raises(UserError, match="fraction"):
            split(data, frac)


# ---------------------------------------------------------------------- global temporal


@pytest.mark.parametrize("seed", range(3))
def test_global_temporal_invariants(seed: int) -> None:
    data = random_data(seed)
    split = global_temporal_split(data, 0.2)
    check_invariants(data, split, None)
    assert split.train.ts is not None and split.test.ts is not None
    assert split.test.ts.min() > split.train.ts.max()
    tested = len(split.test) + split.dropped_items
    assert 0.15 * len(data) <= tested <= 0.3 * len(data)  # ties at the cut move it a little


def test_global_temporal_at() -> None:
    data = tiny([1, 2, 3, 4, 5, 6], ["u", "v"] * 3, ["a", "b", "a", "b", "a", "c"])
    split = global_temporal_split(data, at=5)
    assert split.train.ts is not None and split.test.ts is not None
    assert split.train.ts.tolist() == [1, 2, 3, 4]
    assert split.test.ts.tolist() == [5]  # the row at 6 is item c, new in test
    assert split.dropped_items == 1


def test_global_temporal_cut_outside_data() -> None:
    data = tiny([1, 2, 3], ["u"] * 3, list("abc"))
    with pytest.raises(UserError, match="leaves test empty.*runs from 1 to 3"):
        global_temporal_split(data, at=10)
    with pytest.raises(UserError, match="leaves train empty"):
        global_temporal_split(data, at=0)
    with pytest.raises(UserError, match="random_split"):
        global_temporal_split(replace(data, ts=None))


# ---------------------------------------------------------------------- random


@pytest.mark.parametrize("seed", range(5))
def test_random_invariants(seed: int) -> None:
    data = random_data(seed)
    check_invariants(data, random_split(data, 0.2, min_interactions=5, rng=seed), 5)


def test_random_same_seed_same_split() -> None:
    data = random_data(1)
    a, b = random_split(data, rng=7), random_split(data, rng=7)
    np.testing.assert_array_equal(a.test.user, b.test.user)
    np.testing.assert_array_equal(a.test.item, b.test.item)
    assert a.test.ts is not None and b.test.ts is not None
    np.testing.assert_array_equal(a.test.ts, b.test.ts)
    c = random_split(data, rng=np.random.default_rng(8))
    assert rows(a.test) != rows(c.test)
    assert rows(random_split(data).test) == rows(random_split(data, rng=0).test)


def test_random_works_without_times() -> None:
    data = replace(random_data(2), ts=None)
    split = random_split(data, min_interactions=3)
    assert split.train.ts is None and len(split.test) > 0


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 10_000),
    st.floats(0.05, 0.95),
    st.integers(1, 8),
)
def test_split_invariants_hold_for_any_data(seed: int, frac: float, min_interactions: int) -> None:
    data = random_data(seed, n_users=8, n_items=6, n_rows=60)
    for split in (
        user_temporal_split(data, frac, min_interactions=min_interactions),
        random_split(data, frac, min_interactions=min_interactions, rng=seed),
    ):
        whole, train, test = rows(data), rows(split.train), rows(split.test)
        assert train + test <= whole
        assert (whole - train - test).total() == split.dropped_items
        counts = np.bincount(data.user, minlength=data.n_users)
        assert (counts[split.test.user] >= min_interactions).all()
        # every user keeps at least one training row
        assert set(data.user.tolist()) == set(split.train.user.tolist())


# ---------------------------------------------------------------------- a given test file


def test_align_test() -> None:
    train = tiny([1, 2, 3], ["u", "v", "v"], ["a", "b", "c"])
    frame = pd.DataFrame(
        {
            "user_id": ["v", "u", "nobody", "u", " v ", "nobody"],
            "item_id": ["a", "zzz", "a", "c", "b", "zzz"],
            "ts": [10.0, 11.0, 12.0, 13.0, 14.0, 15.0],
        }
    )
    test, counts = align_test(train, frame)
    assert counts == {"unknown_users": 2, "unknown_items": 1}
    assert test.user_ids is train.user_ids and test.item_ids is train.item_ids
    assert test.to_frame()[["user_id", "item_id", "ts", "value"]].values.tolist() == [
        ["v", "a", 10.0, 1.0],
        ["u", "c", 13.0, 1.0],
        ["v", "b", 14.0, 1.0],
    ]


def test_align_test_item_without_training_rows() -> None:
    """An item in train's vocabulary (a workspace catalogue) that nobody touched is unknown."""
    train = replace(tiny(None, ["u"], ["a"]), item_ids=np.array(["a", "b"], dtype=np.str_))
    test, counts = align_test(train, pd.DataFrame({"user_id": ["u", "u"], "item_id": ["a", "b"]}))
    assert counts == {"unknown_users": 0, "unknown_items": 1}
    assert test.item.tolist() == [0] and test.ts is None


def test_align_test_needs_id_columns() -> None:
    with pytest.raises(UserError, match="item_id"):
        align_test(tiny(None, ["u"], ["a"]), pd.DataFrame({"user_id": ["u"]}))
