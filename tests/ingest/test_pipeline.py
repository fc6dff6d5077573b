"""The pipeline: conserved counts, duplicates, several files, rejects, and wrong input."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from culturebridge.errors import UserError
from culturebridge.ingest import Mapping, _pipeline, ingest
from culturebridge.workspace import Workspace
from tests.conftest import IngestBytes
from tests.helpers import assert_conserved, lake_rows, rejects_of, warehouse_counts

EVENTS = (
    b"user_id,item_id,ts,type,value\n"
    b"a,i1,2020-01-01 10:00:00,rate,4\n"  # 2
    b"a,i1,2020-01-01 10:00:00,rate,4.0\n"  # 3: same event as line 2
    b"b,i1,2020-01-02 10:00:00,zap,5\n"  # 4: rejected
    b"b,i2,2020-01-03 10:00:00,play,1.5\n"  # 5
)


def test_counts_are_conserved_and_duplicates_found(
    ws: Workspace, ingest_bytes: IngestBytes
) -> None:
    r = ingest_bytes("events", "e.csv", EVENTS)
    assert_conserved(r)
    assert (r.read, r.accepted, r.rejected, r.duplicates) == (4, 2, 1, 1)
    assert ws.manifest().tables["events"].rows == 2
    assert warehouse_counts(ws)["events"] == 2
    ids = [row["event_id"] for row in lake_rows(ws, "events")]
    assert len(set(ids)) == 2 and all(i.startswith("h") for i in ids)


def test_duplicates_are_found_however_many_rows_an_ingest_holds(
    ws: Workspace, ingest_bytes: IngestBytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # past HASHES_IN_MEMORY rows, dedupe reads the staged keys back instead of keeping hashes
    monkeypatch.setattr(_pipeline, "HASHES_IN_MEMORY", 2)
    r = ingest_bytes("events", "e.csv", EVENTS)
    assert (r.read, r.accepted, r.rejected, r.duplicates) == (4, 2, 1, 1)
    again = ingest_bytes("events", "e.csv", EVENTS)
    assert (again.accepted, again.duplicates) == (0, 3)


def test_the_same_file_twice_adds_nothing(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    first = ingest_bytes("events", "e.csv", EVENTS)
    second = ingest_bytes("events", "e.csv", EVENTS)
    assert_conserved(second)
    assert second.accepted == 0
    assert second.rejected == first.rejected
    assert second.duplicates == second.read - second.rejected
    assert ws.manifest().tables["events"].rows == 2
    assert ws.manifest().ingests[-1].lake_files == []
    assert warehouse_counts(ws)["events"] == 2


def test_explicit_ids_deduplicate_on_the_key(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    data = b"post_id,ts,text\np1,2020-01-01,first\np1,2020-01-02,second\np2,2020-01-01,x\n"
    r = ingest_bytes("posts", "p.csv", data)
    assert (r.accepted, r.duplicates) == (2, 1)
    texts = {row["post_id"]: row["text"] for row in lake_rows(ws, "posts")}
    assert texts == {"p1": "first", "p2": "x"}  # the first occurrence wins


def test_several_files_in_one_ingest(ws: Workspace, tmp_path: Path) -> None:
    one = tmp_path / "one.csv"
    two = tmp_path / "two.jsonl"
    one.write_bytes(b"post_id,ts,text\np1,2020-01-01,a\np2,2020-01-01,\n")
    two.write_bytes(
        b'{"post_id": "p1", "ts": "2020-01-01", "text": "again"}\n'
        b'{"post_id": "p3", "ts": "2020-01-01", "text": "c"}\n'
    )
    r = ingest(ws, "posts", [one, two])
    assert_conserved(r)
    per_file = [(f.read, f.accepted, f.rejected, f.duplicates) for f in r.files]
    assert per_file == [(2, 1, 1, 0), (2, 1, 0, 1)]
    assert [f.format for f in r.files] == ["csv", "jsonl"]
    (rej,) = rejects_of(ws, r)
    assert rej["file"] == str(one)
    assert ws.manifest().version == 1, "one commit for the whole ingest"


def test_a_bad_file_among_good_ones_changes_nothing(ws: Workspace, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_bytes(b"post_id,ts,text\np1,2020-01-01,a\n")
    before = ws.manifest_path.read_bytes()
    with pytest.raises(UserError, match="file not found"):
        ingest(ws, "posts", [good, tmp_path / "missing.csv"])
    assert ws.manifest_path.read_bytes() == before


def test_mapping_for_another_table_is_refused(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b"post_id,ts,text\np1,2020-01-01,a\n")
    with pytest.raises(UserError, match="the mapping is for table 'events', not 'posts'"):
        ingest(ws, "posts", [path], mapping=Mapping(table="events"))
    with pytest.raises(UserError, match="no input files"):
        ingest(ws, "posts", [])


def test_mapping_naming_missing_source_columns(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b"id,when,body\np1,2020-01-01,a\n")
    mapping = Mapping.model_validate(
        {"columns": {"text": {"column": "review"}, "ts": {"column": "when"}}}
    )
    with pytest.raises(UserError) as exc:
        ingest(ws, "posts", [path], mapping=mapping)
    assert "mapping names source columns that are not in the file: review" in str(exc.value)
    assert "(the file has: id, when, body)" in str(exc.value)
    bad_target = Mapping.model_validate({"columns": {"colour": {"column": "body"}}})
    with pytest.raises(UserError, match="does not have: colour"):
        ingest(ws, "posts", [path], mapping=bad_target)


def test_rejects_are_private_and_complete(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    r = ingest_bytes("events", "e.csv", EVENTS)
    assert r.rejects_file is not None
    path = ws.root / r.rejects_file
    assert path.parent == ws.rejects_dir
    assert stat.S_IMODE(ws.rejects_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = path.read_text(encoding="utf-8").split("\n")[:-1]
    assert len(lines) == r.rejected
    for text in lines:
        rec = json.loads(text)
        assert set(rec) == {"file", "line", "raw", "reason"}
        assert rec["file"].endswith("e.csv")
    rec = json.loads(lines[0])
    assert (rec["line"], rec["raw"]) == (4, "b,i1,2020-01-02 10:00:00,zap,5")
    assert rec["reason"].startswith("type must be one of")
    assert ws.manifest().ingests[-1].rejects_file == r.rejects_file
    assert ws.status()["rejected_total"] == 1


def test_no_rejects_file_when_nothing_is_rejected(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    r = ingest_bytes("events", "e.csv", b"user_id,item_id,ts,type\na,i,2020-01-01,view\n")
    assert r.rejects_file is None
    assert list(ws.rejects_dir.iterdir()) == []


def test_an_all_rejected_file_commits_no_lake_file(
    ws: Workspace, ingest_bytes: IngestBytes
) -> None:
    r = ingest_bytes("events", "e.csv", b"user_id,item_id,ts,type\na,i,2020-01-01,zap\n")
    assert (r.read, r.accepted, r.rejected) == (1, 0, 1)
    assert ws.manifest().tables["events"].files == []
    assert warehouse_counts(ws)["events"] == 0


def test_progress_is_reported(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(EVENTS)
    stages: list[tuple[str, int, int]] = []
    ingest(ws, "events", [path], progress=lambda s, d, t: stages.append((s, d, t)))
    names = [s for s, _, _ in stages]
    assert names[0] == "read" and "dedupe" in names and names[-1] == "commit"
    assert stages[-1][1:] == (1, 1)


def test_result_to_dict(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    d = ingest_bytes("events", "e.csv", EVENTS).to_dict()
    assert {k: d[k] for k in ("read", "accepted", "rejected", "duplicates")} == {
        "read": 4,
        "accepted": 2,
        "rejected": 1,
        "duplicates": 1,
    }
    assert d["table"] == "events"
    assert d["files"][0]["encoding"] == "utf-8"
    json.dumps(d)


def test_ingest_record_times(ws: Workspace, tmp_path: Path) -> None:
    """The manifest says when an ingest started and when it finished, `duration_s` apart."""
    path = tmp_path / "e.csv"
    path.write_text(
        "user_id,item_id,ts,type\n"
        + "".join(f"u{i},i{i % 50},2020-01-01 00:00:{i % 60:02d},view\n" for i in range(50_000)),
        encoding="utf-8",
    )
    ingest(ws, "events", [path])
    (rec,) = ws.manifest().ingests
    assert rec.duration_s > 0
    elapsed = (rec.finished - rec.started).total_seconds()
    assert elapsed == pytest.approx(rec.duration_s, rel=0.5, abs=0.05)


def test_a_jsonl_key_first_seen_late_is_kept(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    """A key that first appears on line 1,501 of a JSON-lines file is read like any other."""
    lines = [
        {"user_id": f"u{i}", "item_id": "i1", "ts": "2020-01-01T10:00:00Z", "type": "play"}
        for i in range(1500)
    ]
    lines.append(
        {"user_id": "late", "item_id": "i1", "ts": "2020-01-02T10:00:00Z", "type": "rate",
         "value": 4.5, "channel": "web"}
    )  # fmt: skip
    data = "".join(json.dumps(x) + "\n" for x in lines).encode()
    r = ingest_bytes("events", "e.jsonl", data)
    assert_conserved(r)
    assert (r.read, r.accepted, r.rejected) == (1501, 1501, 0)
    rated = lake_rows(ws, "events", "WHERE type = 'rate'")
    assert len(rated) == 1 and rated[0]["value"] == 4.5 and rated[0]["channel"] == "web"
