"""Engagement analytics: activity, funnel, retention and item audiences, with known answers.

Tiny hand-made event tables pin down the definitions (journeys, Monday weeks, cohorts, cells);
a small demo universe checks that the planted funnel odds and the older-skewing documentary
come out; pandas re-derives the same numbers independently; and, marked `spark`, every engine
function gives the same table on Spark as on DuckDB.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from culturebridge.analytics._engagement import (
    activity,
    age_band,
    audience_sums,
    finish_audience,
    finish_funnel,
    finish_retention,
    funnel_sums,
    retention_sums,
)
from culturebridge.config import get_settings
from culturebridge.demo import DemoConfig, generate
from culturebridge.errors import UserError
from culturebridge.ingest import ingest
from culturebridge.query import connect
from culturebridge.schema import TABLES
from culturebridge.stats import wilson_interval
from culturebridge.workspace import Workspace

Z95 = 1.959963984540054


@pytest.fixture(scope="module")
def duck() -> Iterator[Any]:
    """An in-memory DuckDB connection (UTC) that runs the expressions over memtables."""
    con = ibis.duckdb.connect()
    con.raw_sql("SET TimeZone = 'UTC'")
    yield con
    con.disconnect()


def events_table(rows: list[tuple[str, str, datetime, str]]) -> ir.Table:
    df = pd.DataFrame(rows, columns=["user_id", "item_id", "ts", "type"])
    df["ts"] = df["ts"].astype("datetime64[us]")
    return ibis.memtable(df)


def run(con: Any, expr: ir.Table) -> pa.Table:
    return con.to_pyarrow(expr)


def clustered(a: list[float], b: list[float]) -> tuple[float, float, float]:
    """(R, low, high) of R = Σa/Σb with users as clusters, written out independently."""
    av, bv = np.array(a, float), np.array(b, float)
    n = len(av)
    r = av.sum() / bv.sum()
    var = n / (n - 1) * ((av - r * bv) ** 2).sum() / bv.sum() ** 2
    half = Z95 * math.sqrt(var)
    return r, max(0.0, r - half), min(1.0, r + half)


# --- funnel: journeys on a hand-made table ------------------------------------------------------

T0 = datetime(2024, 1, 1, 10)  # a Monday


def _t(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


FUNNEL_ROWS = [
    # u1 on A (film): a view before the first impression (no journey), then two journeys: the
    # first goes all the way, the second buys without engaging (reaches view only)
    ("u1", "A", _t(0), "view"),
    ("u1", "A", _t(1), "impression"),
    ("u1", "A", _t(2), "click"),
    ("u1", "A", _t(3), "play"),
    ("u1", "A", _t(4), "like"),
    ("u1", "A", _t(5), "purchase"),
    ("u1", "A", _t(6), "impression"),
    ("u1", "A", _t(7), "view"),
    ("u1", "A", _t(8), "purchase"),
    # u1 on B (game): an impression only
    ("u1", "B", _t(1), "impression"),
    # u2 on A: an engagement without a view (reaches impression only), then two impressions in
    # the same instant (two journeys) with a play in that instant too (it joins the second)
    ("u2", "A", _t(1), "impression"),
    ("u2", "A", _t(2), "like"),
    ("u2", "A", _t(3), "impression"),
    ("u2", "A", _t(3), "play"),
    ("u2", "A", _t(3), "impression"),
    # u3: a purchase of A never shown (ignored); a full journey on B
    ("u3", "A", _t(1), "purchase"),
    ("u3", "B", _t(1), "impression"),
    ("u3", "B", _t(2), "play"),
    ("u3", "B", _t(3), "share"),
    ("u3", "B", _t(4), "purchase"),
]
ITEMS = pd.DataFrame({"item_id": ["A", "B"], "kind": ["film", "game"]})


def _by_key(t: pa.Table, *keys: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(r[k] for k in keys): r for r in t.to_pylist()}


def test_funnel_counts_journeys_by_kind(duck: Any) -> None:
    sums = run(duck, funnel_sums(events_table(FUNNEL_ROWS), ibis.memtable(ITEMS)))
    out = finish_funnel(sums)
    assert out.column("stage").to_pylist() == ["impression", "view", "engage", "purchase"] * 2
    got = {
        (r["kind"], r["stage"]): (r["journeys"], r["users"])
        for r in out.to_pylist()
        if r["grp"] == "all"
    }
    # film: J1 (u1, purchase), J2 (u1, view), J4, J5 (u2, impression), J6 (u2, view)
    # game: J3 (u1, impression), J7 (u3, purchase)
    assert got == {
        ("film", "impression"): (5, 2),
        ("film", "view"): (3, 2),
        ("film", "engage"): (1, 1),
        ("film", "purchase"): (1, 1),
        ("game", "impression"): (2, 2),
        ("game", "view"): (1, 1),
        ("game", "engage"): (1, 1),
        ("game", "purchase"): (1, 1),
    }
    film = _by_key(out, "kind", "stage")
    assert film[("film", "view")]["rate_from_first"] == pytest.approx(3 / 5)
    assert film[("film", "engage")]["rate_from_previous"] == pytest.approx(1 / 3)
    assert film[("film", "purchase")]["rate_from_previous"] == pytest.approx(1.0)
    imp = film[("film", "impression")]
    assert imp["rate_from_previous"] == imp["rate_from_first"] == 1.0
    assert imp["rate_from_first_ci_low"] == imp["rate_from_first_ci_high"] == 1.0
    # the raw sums: per user film journeys (u1, u2) reaching view (2, 1) and impression (2, 3)
    raw = _by_key(sums, "kind", "stage")[("film", "view")]
    assert (raw["journeys"], raw["first_journeys"], raw["prev_journeys"]) == (3, 5, 5)
    assert (raw["a2"], raw["af"], raw["f2"], raw["base_users"]) == (5, 7, 13, 2)


def test_funnel_intervals_are_user_clustered(duck: Any) -> None:
    sums = run(duck, funnel_sums(events_table(FUNNEL_ROWS), ibis.memtable(ITEMS), by_kind=False))
    out = _by_key(finish_funnel(sums), "kind", "stage")
    # per user (u1, u2, u3): journeys reaching impression (3, 3, 1), view (2, 1, 1),
    # engage (1, 0, 1), purchase (1, 0, 1)
    view = out[("all", "view")]
    assert (view["journeys"], view["users"]) == (4, 3)
    r, lo, hi = clustered([2, 1, 1], [3, 3, 1])
    assert r == pytest.approx(4 / 7)
    assert (view["rate_from_first"], view["rate_from_first_ci_low"]) == pytest.approx((r, lo))
    assert view["rate_from_first_ci_high"] == pytest.approx(hi)
    engage = out[("all", "engage")]
    r, lo, hi = clustered([1, 0, 1], [2, 1, 1])
    assert engage["rate_from_previous"] == pytest.approx(r) == 0.5
    assert engage["rate_from_previous_ci_low"] == pytest.approx(lo)
    assert engage["rate_from_previous_ci_high"] == pytest.approx(hi)
    assert 0.0 < lo < 0.5 < hi < 1.0
    wide = finish_funnel(sums, level=0.99).to_pylist()[1]
    assert wide["rate_from_first_ci_low"] < view["rate_from_first_ci_low"]
    with pytest.raises(UserError, match="confidence level"):
        finish_funnel(sums, level=95)


def test_funnel_groups(duck: Any) -> None:
    groups = ibis.memtable(pd.DataFrame({"user_id": ["u1", "u2"], "grp": ["seg", "other"]}))
    sums = run(duck, funnel_sums(events_table(FUNNEL_ROWS), ibis.memtable(ITEMS), groups=groups))
    got = {
        (r["grp"], r["kind"], r["stage"]): r["journeys"] for r in finish_funnel(sums).to_pylist()
    }
    # u3 is in no group and is left out; u2 has no game journey, so no ("other", "game") rows
    assert got == {
        ("other", "film", "impression"): 3,
        ("other", "film", "view"): 1,
        ("other", "film", "engage"): 0,
        ("other", "film", "purchase"): 0,
        ("seg", "film", "impression"): 2,
        ("seg", "film", "view"): 2,
        ("seg", "film", "engage"): 1,
        ("seg", "film", "purchase"): 1,
        ("seg", "game", "impression"): 1,
        ("seg", "game", "view"): 0,
        ("seg", "game", "engage"): 0,
        ("seg", "game", "purchase"): 0,
    }


# --- activity and retention on a hand-made table -------------------------------------------------

W0 = datetime(2024, 1, 1)  # Monday
ACTIVITY_ROWS = [
    ("u1", "A", W0 + timedelta(hours=10), "impression"),  # week 0
    ("u1", "A", datetime(2024, 1, 9, 12), "play"),  # week 1
    ("u1", "A", datetime(2024, 1, 22, 8), "like"),  # week 3
    ("u2", "B", datetime(2024, 1, 2, 9), "click"),  # week 0
    ("u2", "B", datetime(2024, 1, 7, 23, 59, 59), "view"),  # Sunday: still week 0
    ("u2", "B", datetime(2024, 1, 15, 9), "impression"),  # week 2
    ("u3", "A", datetime(2024, 1, 8, 0, 0, 0), "impression"),  # Monday 00:00: week 1
    ("u3", "A", datetime(2024, 1, 24, 18), "purchase"),  # week 3
    ("u4", "B", datetime(2024, 1, 17, 7), "impression"),  # week 2
]


def test_activity_per_week_starts_on_monday(duck: Any) -> None:
    out = run(duck, activity(events_table(ACTIVITY_ROWS), period="week")).to_pylist()
    assert [r["period_start"] for r in out] == [
        date(2024, 1, 1),
        date(2024, 1, 8),
        date(2024, 1, 15),
        date(2024, 1, 22),
    ]
    got = [(r["users"], r["impressions"], r["events"], r["active_users"]) for r in out]
    assert got == [(2, 1, 3, 1), (2, 1, 2, 1), (2, 2, 2, 0), (2, 0, 2, 2)]
    assert [r["frequency"] for r in out] == pytest.approx([1.5, 1.0, 1.0, 1.0])


def test_activity_per_day_and_month_and_members(duck: Any) -> None:
    ev = events_table(ACTIVITY_ROWS)
    month = run(duck, activity(ev, period="month")).to_pylist()
    assert [(r["period_start"], r["users"], r["events"], r["active_users"]) for r in month] == [
        (date(2024, 1, 1), 4, 9, 3)
    ]
    day = {r["period_start"]: r for r in run(duck, activity(ev, period="day")).to_pylist()}
    assert len(day) == 9
    assert day[date(2024, 1, 7)]["active_users"] == 1
    members = ibis.memtable(pd.DataFrame({"user_id": ["u2", "u4", "nobody"]}))
    seg = run(duck, activity(ev, members=members, period="week")).to_pylist()
    got = [(r["period_start"], r["users"], r["impressions"], r["events"]) for r in seg]
    assert got == [(date(2024, 1, 1), 1, 0, 2), (date(2024, 1, 15), 2, 2, 2)]
    with pytest.raises(UserError, match="unknown period"):
        activity(ev, period="year")  # type: ignore[arg-type]


def test_retention_cohorts(duck: Any) -> None:
    sums = run(duck, retention_sums(events_table(ACTIVITY_ROWS)))
    got = {
        (r["cohort_week"], r["week_offset"]): (r["users"], r["cohort_users"])
        for r in sums.to_pylist()
    }
    c0, c1, c2 = date(2024, 1, 1), date(2024, 1, 8), date(2024, 1, 15)
    # cohorts: week 0 {u1, u2}, week 1 {u3}, week 2 {u4}
    assert got == {
        (c0, 0): (2, 2),
        (c0, 1): (1, 2),
        (c0, 2): (1, 2),
        (c0, 3): (1, 2),
        (c1, 0): (1, 1),
        (c1, 2): (1, 1),
        (c2, 0): (1, 1),
    }
    out = finish_retention(sums).to_pylist()
    filled = {(r["cohort_week"], r["week_offset"]): r for r in out}
    # weeks nobody came back are 0 where observed (up to the last active week, 22 January) ...
    assert filled[(c1, 1)]["users"] == 0 and filled[(c2, 1)]["users"] == 0
    assert filled[(c1, 1)]["rate"] == 0.0 and filled[(c1, 1)]["ci_low"] == 0.0
    # ... and absent after it
    assert (c1, 3) not in filled and (c2, 2) not in filled
    assert len(out) == 9
    r = filled[(c0, 1)]
    assert r["rate"] == 0.5
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((0.09453, 0.90547), abs=1e-5)
    # fewer weeks: offsets beyond `weeks` are cut in the engine
    short = run(duck, retention_sums(events_table(ACTIVITY_ROWS), weeks=1)).to_pylist()
    assert max(r["week_offset"] for r in short) == 1
    members = ibis.memtable(pd.DataFrame({"user_id": ["u1", "u3"]}))
    seg = run(duck, retention_sums(events_table(ACTIVITY_ROWS), members=members)).to_pylist()
    assert {(r["cohort_week"], r["week_offset"]): r["users"] for r in seg} == {
        (c0, 0): 1,
        (c0, 1): 1,
        (c0, 3): 1,
        (c1, 0): 1,
        (c1, 2): 1,
    }


def test_wilson_known_values() -> None:
    lo, hi = wilson_interval(np.array([0, 1, 5, 3]), np.array([1, 2, 5, 0]))
    assert lo[0] == 0.0 and hi[0] == pytest.approx(0.79346, abs=1e-5)
    assert (lo[1], hi[1]) == pytest.approx((0.09453, 0.90547), abs=1e-5)
    assert lo[2] == pytest.approx(0.56552, abs=1e-5) and hi[2] == 1.0
    assert np.isnan(lo[3]) and np.isnan(hi[3])
    empty = finish_retention(retention_sums(events_table(ACTIVITY_ROWS)).to_pyarrow().slice(0, 0))
    assert empty.num_rows == 0 and "ci_high" in empty.column_names


# --- audience on a hand-made table ---------------------------------------------------------------


def test_age_bands(duck: Any) -> None:
    ages = [None, 10, 15, 17, 18, 24, 25, 34, 35, 44, 45, 54, 55, 90]
    t = ibis.memtable(pd.DataFrame({"age": pd.array(ages, dtype="Int64")}))
    got = run(duck, t.select(band=age_band(t.age))).column("band").to_pylist()
    assert got == [
        "unknown",
        "<15",
        "15-17",
        "15-17",
        "18-24",
        "18-24",
        "25-34",
        "25-34",
        "35-44",
        "35-44",
        "45-54",
        "45-54",
        "55+",
        "55+",
    ]


AUDIENCE_USERS = pd.DataFrame(
    {
        "user_id": ["a", "b", "c", "d"],
        "birth_year": pd.array([1970, 2000, None, 1960], dtype="Int64"),
        "gender": ["female", "male", None, "female"],
        "province": ["Beijing", "Sichuan", "", "Beijing"],
        "city_tier": pd.array([1, 2, None, 1], dtype="Int64"),
        "platform": ["ios", "android", "web", "tv"],
    }
)
AUDIENCE_ROWS = [
    ("a", "X", T0, "play"),  # 1
    ("a", "X", T0, "like"),  # 3
    ("a", "Y", T0, "play"),  # 1 (base only)
    ("b", "X", T0, "play"),  # 1
    ("b", "X", T0, "impression"),  # weight 0: ignored
    ("b", "Y", T0, "like"),  # 3 (base only)
    ("c", "Y", T0, "like"),  # 3 (base only)
    ("e", "X", T0, "play"),  # 1, from a user missing from `users`
]


def test_audience_shares_and_lift(duck: Any) -> None:
    weights = {"play": 1.0, "like": 3.0, "impression": 0.0}
    expr = audience_sums(
        events_table(AUDIENCE_ROWS),
        ibis.memtable(AUDIENCE_USERS),
        item_id="X",
        ref_year=2024,
        weights=weights,
    )
    out = finish_audience(run(duck, expr))
    rows = _by_key(out, "dimension", "value")
    # item: a 4, b 1, e 1 (total 6); base: a 5, b 4, c 3, e 1 (total 13)
    older = rows[("age_band", "45-54")]
    assert (older["item_share"], older["base_share"]) == pytest.approx((4 / 6, 5 / 13))
    assert older["lift"] == pytest.approx((4 / 6) / (5 / 13))
    assert older["users"] == 1
    unknown = rows[("age_band", "unknown")]  # c (no birth year) and e (not in users)
    assert (unknown["item_share"], unknown["base_share"], unknown["users"]) == pytest.approx(
        (1 / 6, 4 / 13, 1)
    )
    assert rows[("age_band", "18-24")]["item_share"] == pytest.approx(1 / 6)
    assert ("age_band", "55+") not in rows  # d has no weighted event
    assert {v for d, v in rows if d == "city_tier"} == {"1", "2", "unknown"}
    assert rows[("province", "unknown")]["base_share"] == pytest.approx(4 / 13)  # "" and e
    assert rows[("gender", "female")]["item_share"] == pytest.approx(4 / 6)
    assert sorted({d for d, _ in rows}) == out.column("dimension").unique().to_pylist()
    for dim in ("age_band", "city_tier", "gender", "platform", "province"):
        sub = [r for r in out.to_pylist() if r["dimension"] == dim]
        assert sum(r["item_share"] for r in sub) == pytest.approx(1.0)
        lifts = [r["lift"] for r in sub]
        assert lifts == sorted(lifts, reverse=True)
    with pytest.raises(UserError, match="unknown event type"):
        audience_sums(
            events_table(AUDIENCE_ROWS),
            ibis.memtable(AUDIENCE_USERS),
            item_id="X",
            ref_year=2024,
            weights={"watch": 1.0},
        )


# --- the demo universe: planted funnel odds and the older audience --------------------------------


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("engagement")
    result = generate(root / "src", DemoConfig(users=4000, events=200_000, seed=4))
    ws = Workspace.create(root / "ws")
    for table in TABLES:
        if result.files.get(table):
            ingest(ws, table, result.files[table])
    con = connect(ws)
    return {"ws": ws, "con": con, "truth": result.truth}


def test_demo_funnel_recovers_planted_odds(small_demo: dict[str, Any]) -> None:
    con, truth = small_demo["con"], small_demo["truth"]
    events = con.table("events")
    # The campaign module withholds organic trip purchases from assigned users and gives them
    # journeys that buy without engaging; the planted funnel odds hold for everyone else.
    events = events.anti_join(con.table("assignments").select("user_id"), "user_id")
    out = finish_funnel(funnel_sums(events, con.table("items")).to_pyarrow(), level=0.999)
    rows = _by_key(out, "kind", "stage")
    keys = {
        "view": "view_or_play_given_impression",
        "engage": "engage_given_impression",
        "purchase": "purchase_given_impression",
    }
    # 21 comparisons: each at the 99.9% level, so one miss by chance is unlikely
    for kind, planted in truth["funnel"].items():
        for stage, key in keys.items():
            r = rows[(kind, stage)]
            assert r["rate_from_first_ci_low"] <= planted[key] <= r["rate_from_first_ci_high"], (
                kind,
                stage,
                planted[key],
                r,
            )
        assert rows[(kind, "view")]["rate_from_previous"] == pytest.approx(
            planted["view_or_play_given_impression"], rel=0.1
        )


def test_demo_older_audience_item(small_demo: dict[str, Any]) -> None:
    con, truth = small_demo["con"], small_demo["truth"]
    older = truth["older_audience_item"]
    expr = audience_sums(
        con.table("events"),
        con.table("users"),
        item_id=older["item_id"],
        ref_year=int(truth["reference_date"][:4]),
    )
    rows = _by_key(finish_audience(expr.to_pyarrow()), "dimension", "value")
    for band in ("45-54", "55+"):
        r = rows[("age_band", band)]
        assert r["lift"] > 2 and r["ci_low"] > 1 and r["p_adj"] < 0.001, r
    share = rows[("age_band", "45-54")]["item_share"] + rows[("age_band", "55+")]["item_share"]
    assert share == pytest.approx(older["expected_share_of_item_events_from_band"], abs=0.05)
    for band in ("15-17", "18-24", "25-34"):
        r = rows[("age_band", band)]
        assert r["lift"] < 1 and r["ci_high"] < 1, r
    assert all(r["users"] >= 0 for r in rows.values())


def _pandas_events(con: Any) -> pd.DataFrame:
    df = con.table("events").select("user_id", "item_id", "ts", "type").to_pandas()
    df["ts"] = pd.to_datetime(df["ts"])
    return df


def test_demo_matches_pandas(small_demo: dict[str, Any]) -> None:
    """The engine's answers, re-derived row by row in pandas."""
    con = small_demo["con"]
    df = _pandas_events(con)
    # activity per week
    week = df["ts"].dt.normalize() - pd.to_timedelta(df["ts"].dt.weekday, unit="D")
    df["week"] = week.dt.date
    engaged = ~df["type"].isin(["impression", "click"])
    want = pd.DataFrame(
        {
            "users": df.groupby("week")["user_id"].nunique(),
            "impressions": (df["type"] == "impression").groupby(df["week"]).sum(),
            "events": df.groupby("week").size(),
            "active_users": df[engaged].groupby("week")["user_id"].nunique(),
        }
    ).reset_index(names="period_start")
    got = activity(con.table("events"), period="week").to_pyarrow().to_pylist()
    assert [{k: r[k] for k in want.columns} for r in got] == want.to_dict("records")
    assert [r["frequency"] for r in got] == pytest.approx((want.events / want.users).tolist())

    # funnel: journeys per kind and stage
    kinds = con.table("items").select("item_id", "kind").to_pandas()
    j = df.assign(imp=(df["type"] == "impression").astype(int))
    j = j.sort_values(["user_id", "item_id", "ts", "imp"], ascending=[True, True, True, False])
    j["journey"] = j.groupby(["user_id", "item_id"])["imp"].cumsum()
    j = j[j["journey"] > 0]
    flags = j.assign(
        v=j["type"].isin(["view", "play"]),
        e=j["type"].isin(["like", "favourite", "share", "comment", "rate"]),
        p=j["type"] == "purchase",
    )
    per = flags.groupby(["user_id", "item_id", "journey"])[["v", "e", "p"]].max().reset_index()
    per["reached"] = per["v"] * (1 + per["e"] * (1 + per["p"]))
    per = per.merge(kinds, on="item_id")
    want_f = {}
    for (kind, stage), sub in (
        per.assign(key=1)
        .merge(pd.DataFrame({"key": 1, "stage_index": range(4)}), on="key")
        .groupby(["kind", "stage_index"])
    ):
        hit = sub[sub["reached"] >= stage]
        want_f[(kind, stage)] = (len(hit), hit["user_id"].nunique())
    sums = funnel_sums(con.table("events"), con.table("items")).to_pyarrow().to_pylist()
    got_f = {(r["kind"], r["stage_index"]): (r["journeys"], r["users"]) for r in sums}
    assert got_f == want_f

    # retention
    first = df.groupby("user_id")["week"].min().rename("cohort")
    uw = df[["user_id", "week"]].drop_duplicates().join(first, on="user_id")
    uw["off"] = (pd.to_datetime(uw["week"]) - pd.to_datetime(uw["cohort"])).dt.days // 7
    uw = uw[uw["off"] <= 8]
    want_r = uw.groupby(["cohort", "off"])["user_id"].nunique().to_dict()
    sizes = first.value_counts().to_dict()
    got_r = retention_sums(con.table("events")).to_pyarrow().to_pylist()
    assert {(r["cohort_week"], r["week_offset"]): r["users"] for r in got_r} == want_r
    assert all(r["cohort_users"] == sizes[r["cohort_week"]] for r in got_r)


def test_degenerate_inputs() -> None:
    """A cell without journeys has no rates (null, not NaN or an error) and keeps its `users`
    (0: the privacy guard, not this module, drops it); no sums give an empty profile."""
    fun = finish_funnel(
        pa.table(
            {
                "grp": ["all"],
                "kind": ["film"],
                "stage_index": [0],
                "journeys": [0],
                "prev_journeys": [0],
                "first_journeys": [0],
                "a2": [0.0],
                "ab": [0.0],
                "b2": [0.0],
                "af": [0.0],
                "f2": [0.0],
                "users": [0],
                "base_users": [1],
            }
        )
    )
    assert fun.column("users").to_pylist() == [0]
    assert fun.column("rate_from_first").to_pylist() == [None]
    assert finish_audience(pa.table({"dimension": pa.array([], pa.string())})).num_rows == 0


# --- Spark: the same tables as DuckDB ------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_ws(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("engagement-tiny")
    result = generate(root / "src", DemoConfig(users=300, events=8000, seed=3))
    ws = Workspace.create(root / "ws")
    for table in TABLES:
        if result.files.get(table):
            ingest(ws, table, result.files[table])
    return {"ws": ws, "truth": result.truth}


@pytest.fixture(scope="module")
def spark_con(tiny_ws: dict[str, Any]) -> Iterator[Any]:
    if os.environ.get("CI"):  # CI must run the parity check, never skip it
        import pyspark  # noqa: F401

        assert shutil.which("java"), "Spark needs Java 17 on PATH in CI"
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java: no `java` on PATH")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CULTUREBRIDGE_SPARK__MASTER", "local[2]")
        get_settings.cache_clear()
        con = connect(tiny_ws["ws"], "spark")
        try:
            yield con
        finally:
            con._session.stop()
            get_settings.cache_clear()


def _all_exprs(con: Any, truth: dict[str, Any]) -> dict[str, ir.Table]:
    ev, items, users = con.table("events"), con.table("items"), con.table("users")
    members = users.filter(users.city_tier <= 2).select("user_id")
    groups = users.select("user_id", grp=ibis.cases((users.city_tier == 1, "seg"), else_="other"))
    return {
        "activity_week": activity(ev, period="week"),
        "activity_month": activity(ev, members=members, period="month"),
        "funnel": funnel_sums(ev, items, groups=groups),
        "funnel_all": funnel_sums(ev, items, by_kind=False),
        "retention": retention_sums(ev, members=members, weeks=4),
        "audience": audience_sums(
            ev,
            users,
            item_id=truth["older_audience_item"]["item_id"],
            ref_year=int(truth["reference_date"][:4]),
        ),
    }


@pytest.mark.spark
@pytest.mark.slow
def test_same_tables_on_spark(tiny_ws: dict[str, Any], spark_con: Any) -> None:
    duck_con = connect(tiny_ws["ws"], "duckdb")
    try:
        duck = _all_exprs(duck_con, tiny_ws["truth"])
        spark = _all_exprs(spark_con, tiny_ws["truth"])
        for name, expr in duck.items():
            a = expr.to_pyarrow().to_pandas()
            b = spark[name].to_pyarrow().to_pandas()
            assert len(a) > 0, name
            pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=name)
    finally:
        duck_con.disconnect()
