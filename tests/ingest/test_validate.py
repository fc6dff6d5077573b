"""Validation: typed values and reasons, with known answers for the awkward cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from culturebridge.schema import EVENT_TYPES
from culturebridge.workspace import Workspace
from tests.conftest import IngestBytes
from tests.helpers import assert_conserved, lake_rows, rejects_of

EVENTS_HEADER = b"user_id,item_id,ts,type,value\n"


def reasons_by_line(ws: Workspace, result: object) -> dict[int, str]:
    return {r["line"]: r["reason"] for r in rejects_of(ws, result)}  # type: ignore[arg-type]


def test_integers_accept_whole_decimals_only(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    r = ingest_bytes(
        "users",
        "u.csv",
        b"user_id,birth_year,city_tier\n"
        b"a,1990,1.5\n"
        b"b,1990,3.0\n"
        b"c,1990.0,2\n"
        b"d, 1991 ,\n"
        b"e,1990,x\n"
        b"f,1990,+4\n",
    )
    assert_conserved(r)
    assert (r.read, r.accepted, r.rejected) == (6, 4, 2)
    reasons = reasons_by_line(ws, r)
    assert reasons == {
        2: "invalid int64 for city_tier: 1.5",
        6: "invalid int64 for city_tier: x",
    }
    rows = sorted((x["birth_year"], x["city_tier"] or 0) for x in lake_rows(ws, "users"))
    assert rows == [(1990, 2), (1990, 3), (1990, 4), (1991, 0)]


def test_non_finite_floats_are_rejected(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    r = ingest_bytes(
        "events",
        "e.csv",
        EVENTS_HEADER + b"a,i,2020-01-01,rate,NaN\n"
        b"b,i,2020-01-01,rate,inf\n"
        b"c,i,2020-01-01,rate,-Infinity\n"
        b"d,i,2020-01-01,rate,2.5\n",
    )
    assert (r.read, r.accepted, r.rejected) == (4, 1, 3)
    assert reasons_by_line(ws, r) == {
        2: "invalid float64 for value: NaN",
        3: "invalid float64 for value: inf",
        4: "invalid float64 for value: -Infinity",
    }
    assert [row["value"] for row in lake_rows(ws, "events")] == [2.5]


def test_value_range(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    r = ingest_bytes(
        "events",
        "e.csv",
        EVENTS_HEADER + b"a,i,2020-01-01,purchase,1e9\n"
        b"b,i,2020-01-01,purchase,1e12\n"
        b"c,i,2020-01-01,purchase,-1e12\n",
    )
    assert (r.accepted, r.rejected) == (1, 2)
    assert reasons_by_line(ws, r) == {
        3: "value above maximum 1e+09: 1000000000000.0",
        4: "value below minimum -1e+09: -1000000000000.0",
    }


def test_timestamps(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    now = datetime.now(UTC)
    soon = (now + timedelta(hours=12)).strftime("%Y-%m-%d %H:%M:%S")
    future = (now + timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
    r = ingest_bytes(
        "events",
        "e.csv",
        EVENTS_HEADER + b"a,i1,2020-01-01T10:00:00+08:00,rate,1\n"
        b"a,i2,2020-01-01T10:00:00Z,rate,1\n"
        b"a,i3,2020-01-01,rate,1\n"
        + f"a,i4,{soon},rate,1\n".encode()
        + f"a,i5,{future},rate,1\n".encode()
        + b"a,i6,1969-07-20 20:17:40,rate,1\n"
        b"a,i7,2020-02-30 00:00:00,rate,1\n"
        b"a,i8,yesterday,rate,1\n",
    )
    assert_conserved(r)
    assert (r.read, r.accepted, r.rejected) == (8, 4, 4)
    reasons = reasons_by_line(ws, r)
    assert reasons[6] == f"ts is in the future: {future}"
    assert reasons[7] == (
        "ts before 2000-01-01 (the earliest plausible time; set `earliest` for older data): "
        "1969-07-20 20:17:40"
    )
    assert reasons[8] == "invalid timestamp for ts: 2020-02-30 00:00:00"
    assert reasons[9] == "invalid timestamp for ts: yesterday"
    ts = {row["item_id"]: row["ts"] for row in lake_rows(ws, "events")}
    assert ts["i1"] == datetime(2020, 1, 1, 2, 0, 0)  # +08:00 converted to UTC
    assert ts["i2"] == datetime(2020, 1, 1, 10, 0, 0)
    assert ts["i3"] == datetime(2020, 1, 1, 0, 0, 0)
    assert "i4" in ts  # within the tolerance for clock skew


def test_enum_violation_names_the_allowed_values(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    r = ingest_bytes("events", "e.csv", EVENTS_HEADER + b"a,i,2020-01-01,Rate,1\n")
    assert reasons_by_line(ws, r) == {2: f"type must be one of {'|'.join(EVENT_TYPES)}, not Rate"}


def test_all_reasons_of_a_row_are_listed(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    r = ingest_bytes("events", "e.csv", EVENTS_HEADER + b",i,someday,zap,abc\n")
    (reason,) = reasons_by_line(ws, r).values()
    parts = reason.split("; ")
    assert "invalid timestamp for ts: someday" in parts
    assert "missing required user_id" in parts
    assert "invalid float64 for value: abc" in parts
    assert any(p.startswith("type must be one of") for p in parts)


def test_text_limits_and_require_any(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    long_title = "x" * 501
    r = ingest_bytes(
        "items",
        "items.csv",
        b"item_id,kind,title_en,title_zh,price\n"
        b"i1,film,Ok,,1\n"
        b"i2,film,,\xe7\x89\x87,2\n"
        b"i3,film,,,3\n" + f"i4,film,{long_title},,4\n".encode() + b"i5,film,Cheap,,-1\n"
        b"i6,podcast,Pod,,1\n",
    )
    assert_conserved(r)
    assert reasons_by_line(ws, r) == {
        4: "needs one of title_en or title_zh",
        5: "title_en longer than 500 characters",
        6: "price below minimum 0: -1.0",
        7: "kind must be one of film|series|documentary|game|fashion|tourism|esports_event, "
        "not podcast",
    }
    assert sorted(row["item_id"] for row in lake_rows(ws, "items")) == ["i1", "i2"]


def test_lists_maps_and_dates(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    r = ingest_bytes(
        "items",
        "items.csv",
        b"item_id,kind,title_en,genres,attributes,release_date\n"
        b'i1,film,A,drama| comedy ,"{""colour"": ""red""}",2001-02-03\n'
        b'i2,film,B,"[""a"", ""b""]",,2001-02-03 10:00:00\n'
        b"i3,film,C,,not json,2001-02-03\n"
        b"i4,film,D,,,03/02/2001\n",
    )
    assert_conserved(r)
    assert reasons_by_line(ws, r) == {
        4: "invalid map<string,string> for attributes: not json",
        5: "invalid date for release_date: 03/02/2001",
    }
    rows = {row["item_id"]: row for row in lake_rows(ws, "items")}
    assert rows["i1"]["genres"] == ["drama", "comedy"]
    assert rows["i1"]["attributes"] == {"colour": "red"}
    assert rows["i1"]["release_date"] == date(2001, 2, 3)
    assert rows["i2"]["genres"] == ["a", "b"]
    assert rows["i2"]["release_date"] == date(2001, 2, 3)


def test_matches_need_two_teams_and_a_rank_each(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    r = ingest_bytes(
        "matches",
        "m.jsonl",
        b'{"ts": "2020-01-01", "teams": [["a", "b"], ["c"]], "ranks": [1, 2]}\n'
        b'{"ts": "2020-01-01", "teams": [["a", "b"]], "ranks": [1]}\n'
        b'{"ts": "2020-01-01", "teams": [["a"], []], "ranks": [1, 2]}\n'
        b'{"ts": "2020-01-01", "teams": [["a"], ["b"]], "ranks": [1]}\n',
    )
    assert_conserved(r)
    assert reasons_by_line(ws, r) == {
        2: "teams needs at least two non-empty teams",
        3: "teams needs at least two non-empty teams",
        4: "ranks must give one rank per team",
    }
    (row,) = lake_rows(ws, "matches")
    assert row["teams"] == [["a", "b"], ["c"]]
    assert row["ranks"] == [1, 2]
    assert row["match_id"].startswith("h")


def test_mapping_conversions(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    mapping = """
table = "events"
[source]
format = "csv"
null_values = ["N/A"]
[columns]
user_id = { column = "who", prefix = "src:" }
item_id = "what"
ts = { column = "when_ms", convert = "unix_millis" }
value = "amount"
type = { column = "kind", values = { P = "purchase", V = "view" } }
[constants]
channel = "app"
"""
    r = ingest_bytes(
        "events",
        "e.csv",
        b"who,what,when_ms,amount,kind,ignored\n"
        b"u1,i1,1577872800000,9.5,P,x\n"
        b"u2,i1,1577872800000,N/A,V,x\n"
        b"u3,i1,1577872800000,1,Z,x\n",
        mapping=mapping,
    )
    assert_conserved(r)
    assert (r.accepted, r.rejected) == (2, 1)
    assert list(r.ignored_columns.values()) == [["ignored"]]
    rows = sorted(lake_rows(ws, "events"), key=lambda row: row["type"])
    assert [(x["type"], x["value"], x["channel"]) for x in rows] == [
        ("purchase", 9.5, "app"),
        ("view", None, "app"),
    ]
    assert all(x["ts"] == datetime(2020, 1, 1, 10, 0) for x in rows)


def test_age_and_strptime_conversions(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    mapping = """
[source]
format = "csv"
delimiter = "|"
header = false
columns = ["id", "age"]
[columns]
user_id = "id"
birth_year = { column = "age", convert = "age_to_birth_year", reference_date = 1998-04-22 }
"""
    r = ingest_bytes("users", "u", b"1|24\n2|abc\n3|\n", mapping=mapping)
    assert_conserved(r)
    assert reasons_by_line(ws, r) == {2: "invalid int64 for birth_year: abc"}
    years = sorted(row["birth_year"] or 0 for row in lake_rows(ws, "users"))
    assert years == [0, 1974]  # user 3 has no age, so no birth year


def test_absurd_unix_times_are_rejected_not_fatal(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    """A number of seconds far outside any timestamp's range is a bad value in one row: it must
    not abort the whole file with a conversion error."""
    mapping = """
earliest = 1995-01-01
[source]
format = "tsv"
header = false
columns = ["user", "item", "rating", "unix_time"]
[columns]
user_id = "user"
item_id = "item"
value = "rating"
ts = { column = "unix_time", convert = "unix_seconds" }
[constants]
type = "rate"
"""
    data = (
        b"1\t2\t3\t881250949\n"
        b"1\t3\t3\t99999999999999999999\n"
        b"1\t4\t3\t-99999999999999\n"
        b"1\t5\t3\t1e300\n"
        b"1\t6\t3\tabc\n"
    )
    r = ingest_bytes("events", "u.data", data, mapping=mapping)
    assert_conserved(r)
    assert (r.read, r.accepted, r.rejected) == (5, 1, 4)
    reasons = reasons_by_line(ws, r)
    assert reasons[2] == "invalid timestamp for ts: 99999999999999999999"
    assert set(reasons) == {2, 3, 4, 5}
    (row,) = lake_rows(ws, "events")
    assert row["ts"] == datetime(1997, 12, 4, 15, 55, 49)


def test_absurd_ages_are_rejected_not_fatal(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    mapping = """
[source]
format = "csv"
delimiter = "|"
header = false
columns = ["id", "age"]
[columns]
user_id = "id"
birth_year = { column = "age", convert = "age_to_birth_year", reference_date = 1998-04-22 }
"""
    data = b"1|24\n2|-9223372036854775807\n3|99999999999999999999\n4|9223372036854775807\n"
    r = ingest_bytes("users", "u.user", data, mapping=mapping)
    assert_conserved(r)
    assert (r.read, r.accepted, r.rejected) == (4, 1, 3)
    assert set(reasons_by_line(ws, r)) == {2, 3, 4}


def test_normalisation_does_not_depend_on_the_rest_of_the_batch(
    ws: Workspace, ingest_bytes: IngestBytes
) -> None:
    """The same raw value is stored the same way (and the same user gets the same pseudonym)
    whether or not another row of its batch holds undecodable bytes in that column."""
    row = "2020-01-01,alice\t,a\ufeffb\t".encode()
    clean = b"post_id,ts,user_id,text\np1," + row + b"\n"
    dirty = b"post_id,ts,user_id,text\np2," + row + b"\np3,2020-01-01,\xff,\xff\n"
    ingest_bytes("posts", "clean.csv", clean, encoding="utf-8")
    r = ingest_bytes("posts", "dirty.csv", dirty, encoding="utf-8")
    assert (r.accepted, r.rejected) == (1, 1)
    rows = {x["post_id"]: (x["user_id"], x["text"]) for x in lake_rows(ws, "posts")}
    assert rows["p1"] == rows["p2"]
