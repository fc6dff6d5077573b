"""Workspaces: layout, permissions, the manifest switch, garbage collection and the query layer."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tomllib
from pathlib import Path

import numpy as np
import pytest

from culturebridge.config import WorkspaceConfig
from culturebridge.errors import UserError
from culturebridge.query import connect
from culturebridge.schema import TABLES
from culturebridge.workspace import Manifest, TextCache, Workspace
from tests.conftest import IngestBytes
from tests.helpers import warehouse_counts

EVENTS = (
    b"user_id,item_id,ts,type,value\n"
    b"a,i1,2020-01-01 10:00:00,rate,4\n"
    b"b,i1,2020-01-02 10:00:00,rate,5\n"
    b"b,i2,2020-01-03 10:00:00,play,1.5\n"
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_create_lays_out_a_workspace(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "new" / "ws")
    root = tmp_path / "new" / "ws"
    assert ws.root == root.resolve()
    assert (root / "workspace.toml").is_file()
    assert (root / "warehouse.duckdb").is_file()
    assert (root / "lake" / "_manifest.json").is_file()
    for sub in ("lake", "models", "reports", "rejects"):
        assert (root / sub).is_dir()
    for t in TABLES:
        assert (root / "lake" / t).is_dir()
    assert mode(root / "workspace.toml") == 0o600
    assert mode(root / "rejects") == 0o700
    m = ws.manifest()
    assert m.version == 0
    assert set(m.tables) == set(TABLES)
    assert all(s.rows == 0 and s.files == [] for s in m.tables.values())
    assert warehouse_counts(ws) == {t: 0 for t in TABLES}


def test_config_defaults_and_secret(tmp_path: Path) -> None:
    Workspace.create(tmp_path / "ws", name="bbc-docs")
    raw = tomllib.loads((tmp_path / "ws" / "workspace.toml").read_text(encoding="utf-8"))
    assert raw["name"] == "bbc-docs"
    assert raw["backend"] == "duckdb"
    assert raw["privacy"]["k"] == 10
    assert re.fullmatch(r"[0-9a-f]{64}", raw["secret"])
    other = Workspace.create(tmp_path / "ws2")
    assert other.config.secret != raw["secret"], "every workspace gets its own secret"
    assert other.config.name == "ws2"


def test_secret_is_not_in_repr(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    assert ws.config.secret not in repr(ws.config)


def test_create_refuses_an_existing_workspace(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    with pytest.raises(UserError, match="already a culturebridge workspace"):
        Workspace.create(tmp_path / "ws")
    again = Workspace.create(tmp_path / "ws", exist_ok=True)
    assert again.config.secret == ws.config.secret


def test_create_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(UserError, match="not a directory"):
        Workspace.create(tmp_path / "f")


def test_open_errors_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="workspace not found"):
        Workspace.open(tmp_path / "missing")
    (tmp_path / "plain").mkdir()
    with pytest.raises(UserError, match="is not a culturebridge workspace"):
        Workspace.open(tmp_path / "plain")
    ws = Workspace.create(tmp_path / "ws")
    ws.manifest_path.unlink()
    with pytest.raises(UserError, match="damaged"):
        Workspace.open(tmp_path / "ws")


def test_bad_workspace_toml_is_a_user_error(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    toml = ws.root / "workspace.toml"
    toml.write_text("name = [", encoding="utf-8")
    with pytest.raises(UserError, match="invalid TOML"):
        Workspace.open(ws.root)
    toml.write_text('name = "x"\nsecret = "short"\n', encoding="utf-8")
    with pytest.raises(UserError, match="secret"):
        Workspace.open(ws.root)


def test_unreadable_manifest_is_a_user_error(ws: Workspace) -> None:
    ws.manifest_path.write_text("{not json", encoding="utf-8")
    with pytest.raises(UserError, match="unreadable manifest"):
        ws.manifest()


def test_config_write_is_private_from_the_first_byte(tmp_path: Path) -> None:
    cfg = WorkspaceConfig.new("x")
    old = os.umask(0o000)
    try:
        cfg.write(tmp_path / "workspace.toml")
    finally:
        os.umask(old)
    assert mode(tmp_path / "workspace.toml") == 0o600
    assert WorkspaceConfig.read(tmp_path / "workspace.toml").secret == cfg.secret


def test_ingest_commits_and_status_reports(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    r = ingest_bytes("events", "e.csv", EVENTS)
    assert (r.read, r.accepted, r.rejected, r.duplicates) == (3, 3, 0, 0)
    m = ws.manifest()
    assert m.version == 1
    assert m.tables["events"].rows == 3
    assert len(m.tables["events"].files) == 1
    (rec,) = m.ingests
    assert rec.ingest_id == r.ingest_id
    assert rec.lake_files == m.tables["events"].files
    assert rec.files[0].sha256 and rec.files[0].bytes == len(EVENTS)
    st = ws.status()
    assert st["version"] == 1
    assert st["tables"]["events"]["rows"] == 3
    assert st["tables"]["events"]["files"] == 1
    assert st["tables"]["events"]["from"] == "2020-01-01T10:00:00"
    assert st["tables"]["events"]["to"] == "2020-01-03T10:00:00"
    assert st["tables"]["users"] == {"rows": 0, "files": 0}
    assert st["ingests"][0]["read"] == 3
    assert warehouse_counts(ws)["events"] == 3
    assert not ws.staging_dir.exists() or not any(ws.staging_dir.iterdir())


def test_ibis_connection_reads_the_committed_rows(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    ingest_bytes("events", "e.csv", EVENTS)
    con = connect(ws)
    events = con.table("events")
    assert events.count().execute() == 3
    by_type = events.group_by("type").aggregate(n=events.count()).order_by("type").execute()
    assert by_type.to_dict("list") == {"type": ["play", "rate"], "n": [1, 2]}
    assert con.table("users").count().execute() == 0


def test_a_moved_workspace_points_its_views_at_its_new_place(
    ws: Workspace, ingest_bytes: IngestBytes, tmp_path: Path
) -> None:
    ingest_bytes("events", "e.csv", EVENTS)
    moved = tmp_path / "moved"
    shutil.copytree(ws.root, moved)
    shutil.rmtree(ws.root)
    other = Workspace.open(moved)
    assert connect(other).table("events").count().execute() == 3
    assert warehouse_counts(other)["events"] == 3


def test_write_lock_admits_one_writer(ws: Workspace) -> None:
    with ws.write_lock():
        with pytest.raises(UserError, match="another culturebridge process is writing"):
            with Workspace.open(ws.root).write_lock():
                pass
    with ws.write_lock():  # released again
        pass


def test_garbage_collection_removes_only_uncommitted_files(
    ws: Workspace, ingest_bytes: IngestBytes
) -> None:
    r = ingest_bytes(
        "events", "e.csv", EVENTS + b"c,i3,2020-01-04 10:00:00,nope,1\n"
    )  # one reject, so a rejects file is committed too
    committed = [ws.root / f for f in ws.manifest().tables["events"].files]
    assert r.rejects_file is not None
    stray_lake = ws.lake / "events" / "crashed-0000.parquet"
    stray_lake.write_bytes(b"PAR1")
    stray_reject = ws.rejects_dir / "crashed.jsonl"
    stray_reject.write_text("{}\n")
    (ws.staging_dir / "crashed").mkdir(parents=True)
    ws.collect_garbage()
    assert not stray_lake.exists()
    assert not stray_reject.exists()
    assert not ws.staging_dir.exists()
    assert all(p.exists() for p in committed)
    assert (ws.root / r.rejects_file).exists()


def test_manifest_roundtrip_and_version(ws: Workspace) -> None:
    m = ws.manifest()
    assert Manifest.model_validate_json(ws.manifest_path.read_bytes()) == m
    with ws.write_lock():
        ws.commit(m)
    assert ws.manifest().version == 1
    assert not ws.manifest_path.with_suffix(".json.tmp").exists()


def test_the_text_cache_computes_each_text_once(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return np.array([[float(len(t)), 1.0] for t in texts], dtype=np.float32)

    path = tmp_path / "cache" / "emb.npz"
    cache = TextCache(path, "model-1", embed)
    first = cache(["好看", "太贵了", "好看"])
    assert calls == [["好看", "太贵了"]]  # a repeated text is computed once
    assert first.tolist() == [[2.0, 1.0], [3.0, 1.0], [2.0, 1.0]]
    cache.save()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    seen: list[tuple[int, int]] = []
    again = TextCache(path, "model-1", embed)
    assert again(
        ["太贵了", "new"], batch=1, progress=lambda d, n: seen.append((d, n))
    ).tolist() == [
        [3.0, 1.0],
        [3.0, 1.0],
    ]
    assert calls[-1] == ["new"] and seen == [(0, 1), (1, 1)]  # only the new text, with progress
    again.save()
    assert TextCache(path, "model-1", embed).size == 3
    assert TextCache(path, "model-2", embed).size == 0  # made by another model: ignored
    path.write_bytes(b"not an npz")
    assert TextCache(path, "model-1", embed).size == 0  # unreadable: only a cache


def test_the_text_cache_keeps_bytes(tmp_path: Path) -> None:
    def tag(texts: list[str]) -> list[bytes]:
        return [json.dumps({"colour": [t]}).encode() for t in texts]

    cache = TextCache(tmp_path / "tags.npz", "tagger-1", tag)
    cache(["red", "navy blue"])
    cache.save()
    got = TextCache(tmp_path / "tags.npz", "tagger-1", tag)(["navy blue"])
    assert json.loads(got[0]) == {"colour": ["navy blue"]}


def test_the_text_cache_keeps_keys_that_end_in_a_nul_byte(tmp_path: Path) -> None:
    texts = [f"text {i}" for i in range(2000)]  # about 8 keys end in a NUL byte
    assert any(TextCache.key(t).endswith(b"\0") for t in texts)
    cache = TextCache(tmp_path / "c.npz", "m", lambda ts: [[1.0] for _ in ts])
    cache(texts)
    cache.save()
    calls: list[int] = []
    again = TextCache(
        tmp_path / "c.npz", "m", lambda ts: calls.append(len(ts)) or [[1.0]] * len(ts)
    )
    again(texts)
    assert calls == []
