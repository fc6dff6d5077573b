"""Each ingest's data-quality report, and rows that name unknown items or users: known answers
on small files whose every figure is counted by hand."""

from __future__ import annotations

from datetime import datetime

import pytest

from culturebridge.ingest._quality import reason_kinds
from culturebridge.schema import EVENT_TYPES
from culturebridge.workspace import Workspace
from tests.conftest import IngestBytes
from tests.helpers import assert_conserved, rejects_of

EVENTS = b"user_id,item_id,type,ts,channel\n"


def events(rows: list[tuple[str, str, str, str]]) -> bytes:
    return EVENTS + b"".join(f"{u},{i},play,{ts},{ch}\n".encode() for u, i, ts, ch in rows)


@pytest.fixture
def catalogue(ws: Workspace, ingest_bytes: IngestBytes) -> Workspace:
    ingest_bytes("items", "items.csv", b"item_id,kind,title_en\ni1,film,A\ni2,game,B\n")
    ingest_bytes("users", "users.csv", b"user_id,gender\nu1,female\nu2,male\n")
    return ws


def test_reason_kinds_drop_the_quoted_values() -> None:
    assert reason_kinds("invalid timestamp for ts: 88582; missing required item_id") == [
        "invalid timestamp for ts",
        "missing required item_id",
    ]
    assert reason_kinds(
        "ts before 2000-01-01 (the earliest plausible time; set `earliest` for older data): "
        "1969-07-20 20:17:40"
    ) == ["ts before 2000-01-01 (the earliest plausible time; set `earliest` for older data)"]
    assert reason_kinds("type must be one of play|rate, not zap") == [
        "type must be one of play|rate"
    ]


def test_unknown_items_and_users_are_flagged_by_default(
    catalogue: Workspace, ingest_bytes: IngestBytes
) -> None:
    data = events(
        [
            ("u1", "i1", "2024-01-01", "app"),
            ("u1", "i9", "2024-01-02", "app"),
            ("u7", "i2", "2024-01-03", "app"),
            ("u8", "i8", "2024-01-04", "app"),
        ]
    )
    r = ingest_bytes("events", "e.csv", data)
    assert (r.accepted, r.rejected) == (4, 0)
    assert r.quality is not None
    assert r.quality.unknown_refs == {"item_id→items": 2, "user_id→users": 2}
    # item ids are shown; user ids are personal (and pseudonymised): only counted
    assert r.quality.unknown_examples == {"item_id→items": ["i9", "i8"]}
    assert (
        "references: 2 rows have a item_id that items does not hold (accepted and flagged)"
        in r.quality.warnings
    )


def test_unknown_references_are_rejected_when_the_workspace_says_so(
    catalogue: Workspace, ingest_bytes: IngestBytes
) -> None:
    catalogue.config.ingest.unknown_refs = "reject"
    data = events(
        [
            ("u1", "i1", "2024-01-01", "app"),
            ("u1", "i9", "2024-01-02", "app"),
            ("u7", "i2", "2024-01-03", "app"),
        ]
    )
    r = ingest_bytes("events", "e.csv", data)
    assert_conserved(r)
    assert (r.accepted, r.rejected) == (1, 2)
    reasons = {x["line"]: x["reason"] for x in rejects_of(catalogue, r)}
    assert reasons == {3: "item_id is not in items: i9", 4: "user_id is not in users"}
    assert r.quality is not None
    assert r.quality.rejects_by_reason == {
        "item_id is not in items": 1,
        "user_id is not in users": 1,
    }


def test_references_are_not_checked_against_an_empty_table(
    ws: Workspace, ingest_bytes: IngestBytes
) -> None:
    r = ingest_bytes("events", "e.csv", events([("u1", "i9", "2024-01-01", "app")]))
    assert r.quality is not None and r.quality.unknown_refs == {}


def test_the_report_compares_an_ingest_with_the_table_and_its_history(
    ws: Workspace, ingest_bytes: IngestBytes
) -> None:
    def day(d: int, n: int, channel: str = "app", month: int = 3) -> bytes:
        return events(
            [
                (f"u{d}_{j}", "i1", f"2024-{month:02d}-{d:02d}T{j % 24:02d}:00:00", channel)
                for j in range(n)
            ]
        )

    for d in (1, 2, 3):  # three ordinary days of 20 rows
        r = ingest_bytes("events", f"d{d}.csv", day(d, 20))
        assert r.quality is not None and r.quality.warnings == []
    q0 = r.quality
    assert (q0.rows_from, q0.rows_to) == (datetime(2024, 3, 3, 0), datetime(2024, 3, 3, 19))
    assert q0.table_from_before == datetime(2024, 3, 1, 0)
    assert q0.table_to_after == datetime(2024, 3, 3, 19)

    # a day with ten times the volume, a new channel, rows from long before, and bad rows
    body = (
        day(4, 200, channel="douyin")
        + day(5, 5, month=1)[len(EVENTS) :]
        + (b"u9,i1,play,88582,app\nu9,i1,zap,2024-03-04,app\n")
    )
    r = ingest_bytes("events", "d4.csv", body)
    q = r.quality
    assert q is not None
    assert (r.read, r.accepted, r.rejected) == (207, 205, 2)
    assert q.accepted_before == 20.0 and q.reject_rate_before == 0.0
    assert q.rejects_by_reason == {
        "invalid timestamp for ts": 1,
        "type must be one of " + "|".join(EVENT_TYPES): 1,
    }
    assert q.new_values == {"channel": ["douyin"]}
    assert (q.table_from_before, q.table_from_after) == (
        datetime(2024, 3, 1, 0),
        datetime(2024, 1, 5, 0),
    )
    assert q.warnings == [
        "volume: 205 rows accepted, against 20 usually (the median of the last 3 ingests of "
        "events)",
        "time range: rows go back to 2024-01-05, before anything events held (from 2024-03-01)",
        "new values of channel: douyin",
    ]
    # the table's range and the report live in the manifest: status shows them
    st = ws.status()
    assert st["tables"]["events"]["from"] == "2024-01-05T00:00:00"
    assert st["ingests"][-1]["quality"]["warnings"] == q.warnings


def test_a_jump_in_the_reject_rate_is_a_warning(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    good = events([(f"u{j}", "i1", f"2024-03-01T{j:02d}:00:00", "app") for j in range(20)])
    ingest_bytes("events", "a.csv", good)
    bad = good.replace(b"2024-03-01T0", b"2024-03-02T0").replace(b"play", b"zap", 5)
    r = ingest_bytes("events", "b.csv", bad)
    assert r.quality is not None
    assert r.quality.warnings == ["rejects: 25.0% of rows rejected, against 0.0% usually"]
