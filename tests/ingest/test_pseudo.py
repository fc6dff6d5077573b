"""Pseudonymisation: raw user ids never reach the workspace; pseudonyms are keyed hashes."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from culturebridge.ingest import ingest
from culturebridge.privacy import Pseudonymiser
from culturebridge.query import connect
from culturebridge.workspace import Workspace
from tests.helpers import assert_conserved, lake_rows

N_USERS = 300


def raw_id(i: int) -> str:
    # distinctive enough that finding it anywhere cannot be a coincidence
    return f"rawuser-{i:06d}-zq"


def expected_pseudonym(secret: str, raw: str) -> str:
    """Independent statement of the scheme: 'u' + first 32 hex digits of HMAC-SHA256."""
    return "u" + hmac.new(secret.encode(), raw.encode(), hashlib.sha256).hexdigest()[:32]


def test_pseudonymiser_is_keyed_hmac() -> None:
    p = Pseudonymiser("k" * 64)
    assert p.one("alice") == expected_pseudonym("k" * 64, "alice")
    assert p.one("alice") != Pseudonymiser("j" * 64).one("alice")
    assert len(p.one("alice")) == 33
    values = pa.array(["alice", None, "bob", "alice", "\u5f20\u4e09"])
    out = p.apply(values).to_pylist()
    assert out == [
        p.one("alice"),
        None,
        p.one("bob"),
        p.one("alice"),
        p.one("\u5f20\u4e09"),
    ]
    chunked = pa.chunked_array([["alice"], ["bob", None]])
    assert p.apply(chunked).to_pylist() == [p.one("alice"), p.one("bob"), None]


def _write_sources(folder: Path) -> list[tuple[str, Path]]:
    folder.mkdir()
    users = folder / "users.csv"
    users.write_text(
        "user_id,birth_year,gender,province\n"
        + "".join(f"{raw_id(i)},{1980 + i % 30},female,Zhejiang\n" for i in range(N_USERS)),
        encoding="utf-8",
    )
    events = folder / "events.jsonl"
    events.write_text(
        "".join(
            json.dumps(
                {
                    "user_id": raw_id(i % N_USERS),
                    "item_id": f"item-{i % 17}",
                    "ts": f"2021-03-{1 + i % 28:02d} 12:00:{i % 60:02d}",
                    "type": "view",
                    "value": i % 5,
                }
            )
            + "\n"
            for i in range(3 * N_USERS)
        ),
        encoding="utf-8",
    )
    posts = folder / "posts.parquet"
    pq.write_table(
        pa.table(
            {
                "post_id": [f"p{i}" for i in range(N_USERS)],
                "ts": ["2021-05-01 08:00:00"] * N_USERS,
                "user_id": [raw_id(i) for i in range(N_USERS)],
                "text": ["\u597d\u770b"] * N_USERS,
            }
        ),
        posts,
    )
    assignments = folder / "assignments.csv"
    assignments.write_text(
        "campaign_id,user_id,arm\n"
        + "".join(f"c1,{raw_id(i)},{('control', 'treatment')[i % 2]}\n" for i in range(N_USERS)),
        encoding="utf-8",
    )
    return [("users", users), ("events", events), ("posts", posts), ("assignments", assignments)]


def test_no_raw_user_id_anywhere_in_the_workspace(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    for table, path in _write_sources(tmp_path / "src"):
        r = ingest(ws, table, [path])
        assert_conserved(r)
        # every row valid: rejects/ keeps raw text of rejected rows by design, so this test
        # makes sure there are none rather than excluding that folder from the scan
        assert r.rejected == 0 and r.accepted == r.read, (table, r.to_dict())
    assert list(ws.rejects_dir.iterdir()) == []
    ws.status()
    connect(ws).table("events").count().execute()  # whatever readers write, too

    needles = [raw_id(i).encode() for i in range(N_USERS)] + [b"rawuser-"]
    files = [p for p in ws.root.rglob("*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in files)
    assert ws.warehouse_path in files and ws.manifest_path in files
    for path in files:
        blob = path.read_bytes()
        for needle in needles:
            assert needle not in blob, f"raw id {needle!r} found in {path}"

    # Compression could hide a leak from a byte scan: read the stored values back, too.
    for path in files:
        if path.suffix == ".parquet":
            text = json.dumps(pq.read_table(path).to_pylist(), default=str)
            assert "rawuser-" not in text, path
            assert b"rawuser-" not in str(pq.ParquetFile(path).metadata.to_dict()).encode()
    con = duckdb.connect(str(ws.warehouse_path), read_only=True)
    for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() UNION ALL "
        "SELECT view_name FROM duckdb_views() WHERE NOT internal"
    ).fetchall():
        dump = json.dumps(con.execute(f'SELECT * FROM "{name}"').fetchall(), default=str)
        assert "rawuser-" not in dump, name
    con.close()

    # The pseudonym is HMAC-SHA256 under the workspace secret, the same in every table.
    secret = ws.config.secret
    expected = {expected_pseudonym(secret, raw_id(i)) for i in range(N_USERS)}
    for table in ("users", "events", "posts", "assignments"):
        got = {row["user_id"] for row in lake_rows(ws, table)}
        assert got == expected, table


def test_pseudonyms_differ_between_workspaces(tmp_path: Path) -> None:
    src = tmp_path / "u.csv"
    src.write_text("user_id\nrawuser-000001-zq\n", encoding="utf-8")
    got = []
    for name in ("a", "b"):
        ws = Workspace.create(tmp_path / name)
        ingest(ws, "users", [src])
        (row,) = lake_rows(ws, "users")
        assert row["user_id"] == expected_pseudonym(ws.config.secret, "rawuser-000001-zq")
        got.append(row["user_id"])
    assert got[0] != got[1]


def test_ids_are_trimmed_before_hashing(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    src = tmp_path / "u.csv"
    src.write_text("user_id,birth_year\n  rawuser-000001-zq  ,1990\n", encoding="utf-8")
    ingest(ws, "users", [src])
    (row,) = lake_rows(ws, "users")
    assert row["user_id"] == expected_pseudonym(ws.config.secret, "rawuser-000001-zq")
