"""`POST /api/v1/capture`: batches durable once answered, idempotent by `event_id`, validated and
pseudonymised on the same path as files, and nothing answered is lost when the server is
killed with SIGKILL at random moments (20 times, over real HTTP)."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from culturebridge.api import KeyStore, create_app
from culturebridge.config import ApiSettings
from culturebridge.ingest._capture import CaptureLog
from culturebridge.workspace import Workspace
from tests.api.test_http import _free_port
from tests.helpers import lake_rows

ROOT = Path(__file__).resolve().parents[2]


def event(eid: str, user: str = "u1", type_: str = "play") -> dict[str, Any]:
    return {
        "event_id": eid,
        "user_id": user,
        "item_id": "i1",
        "type": type_,
        "ts": "2024-05-01T10:00:00",
        "channel": "app",
    }


@pytest.fixture
def capture_ws(tmp_path: Path) -> tuple[Workspace, dict[str, str]]:
    ws = Workspace.create(tmp_path / "ws")
    store = KeyStore(ws)
    keys = {
        "capture": store.create(partner="platform", scope="capture", rate_limit=10**6).key,
        "admin": store.create(partner="platform", scope="admin").key,
        "read": store.create(partner="platform", scope="read").key,
    }
    return ws, keys


@pytest.fixture
def client(capture_ws: tuple[Workspace, dict[str, str]]) -> Iterator[TestClient]:
    ws, _ = capture_ws
    settings = ApiSettings(capture_commit_seconds=0.2, audit=False)
    with TestClient(create_app(ws.root, settings=settings)) as c:
        yield c


def post(client: TestClient, key: str, body: Any) -> Any:
    return client.post(
        "/api/v1/capture", content=json.dumps(body), headers={"Authorization": f"Bearer {key}"}
    )


def test_a_batch_is_durable_when_answered_and_a_retry_adds_nothing(
    client: TestClient, capture_ws: tuple[Workspace, dict[str, str]]
) -> None:
    ws, keys = capture_ws
    batch = [event("e1"), event("e2", user="u2"), event("e3", type_="zap")]
    r = post(client, keys["capture"], batch)
    assert r.status_code == 200, r.text
    assert r.json() == {"received": 3, "buffered": 3}
    # answered means on disk: the log (or a segment sealed since) holds the three lines
    logged = b"".join(p.read_bytes() for p in sorted((ws.root / "capture").glob("*.jsonl")))
    assert [json.loads(x)["event_id"] for x in logged.splitlines()][:3] == ["e1", "e2", "e3"]
    # the client did not see the answer and sends the batch again, then another
    assert post(client, keys["capture"], batch).status_code == 200
    assert post(client, keys["admin"], {"events": [event("e4")]}).status_code == 200
    auth = {"Authorization": f"Bearer {keys['capture']}"}
    deadline = time.monotonic() + 60
    while True:  # the committer process commits within a few tenths of a second
        status = client.get("/api/v1/capture", headers=auth).json()
        if status["committed"] == 3 and status["buffered"] == status["pending_segments"] == 0:
            break
        assert time.monotonic() < deadline, status
        time.sleep(0.05)
    assert status["problem"] is None
    # e1 and e2 twice (the retry is a duplicate), e3 rejected each time it came, e4 once,
    # however the seals cut the stream into commits
    records = ws.manifest().ingests
    totals = [sum(getattr(r, k) for r in records) for k in ("read", "accepted", "rejected")]
    assert totals + [sum(r.duplicates for r in records)] == [7, 3, 2, 2]
    assert (status["rejected"], status["duplicates"]) == (2, 2)
    rows = lake_rows(ws, "events")
    assert sorted(r["event_id"] for r in rows) == ["e1", "e2", "e4"]
    # pseudonymised on the way in, as a file's rows are
    secret = ws.config.secret.encode()
    u1 = "u" + hmac.new(secret, b"u1", hashlib.sha256).hexdigest()[:32]
    assert {r["user_id"] for r in rows if r["event_id"] == "e1"} == {u1}
    reasons = [
        x["reason"]
        for r in records
        if r.rejects_file
        for x in (json.loads(line) for line in (ws.root / r.rejects_file).read_text().splitlines())
    ]
    assert len(reasons) == 2 and all(x.startswith("type must be one of") for x in reasons)


def test_what_capture_refuses(
    client: TestClient, capture_ws: tuple[Workspace, dict[str, str]]
) -> None:
    _, keys = capture_ws
    cases = [
        (keys["capture"], b"{not json", 400, "invalid JSON"),
        (keys["capture"], b'{"x": 1}', 400, "the body must be a JSON list"),
        (keys["capture"], b"[1, 2]", 400, "event 0 is not a JSON object"),
        (keys["capture"], json.dumps([event(str(i)) for i in range(10_001)]).encode(), 413, ""),
        (keys["read"], b"[]", 403, "may not capture"),
    ]
    for key, body, code, text in cases:  # (a second capturing server is fine: see below)
        r = client.post("/api/v1/capture", content=body, headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == code, (body[:20], r.text)
        assert text in r.json()["detail"]
    # a capture key does nothing but capture
    r = client.get("/api/v1/status", headers={"Authorization": f"Bearer {keys['capture']}"})
    assert r.status_code == 403 and "scope capture" in r.json()["detail"]


def test_a_segment_cut_by_a_crash_keeps_every_whole_line(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    log = CaptureLog(ws)
    log.append([json.dumps(event(f"e{i}")).encode() + b"\n" for i in range(5)])
    log.close()
    with (ws.root / "capture" / "current.jsonl").open("ab") as fh:  # a write the crash cut
        fh.write(json.dumps(event("e9")).encode()[:30])
    log = CaptureLog(ws)  # a restart seals what it finds, and commits it first
    (r,) = log.commit()
    log.close()
    assert (r.read, r.accepted, r.rejected) == (6, 5, 1)
    assert sorted(x["event_id"] for x in lake_rows(ws, "events")) == [f"e{i}" for i in range(5)]


def test_several_processes_capture_into_one_workspace(tmp_path: Path) -> None:
    """The workers of one server (or several servers) share the log: a batch never lands in a
    segment another one sealed, and every answered batch is committed once."""
    ws = Workspace.create(tmp_path / "ws")
    one, two = CaptureLog(ws), CaptureLog(ws)
    line = lambda i: json.dumps(event(f"e{i}")).encode() + b"\n"  # noqa: E731
    one.append([line(0), line(1)])
    two.append([line(2)])
    one.seal()  # the segment holds both processes' batches
    two.append([line(3)])  # a new segment, not the sealed one
    results = two.commit()
    assert sum(r.accepted for r in results) == 4
    assert sorted(x["event_id"] for x in lake_rows(ws, "events")) == [f"e{i}" for i in range(4)]
    one.close()
    two.close()


# --------------------------------------------------------------------------- SIGKILL, 20 times


class Zygote:
    """Forks `culturebridge serve` processes on demand (see tests/api/_zygote.py)."""

    def __init__(self, root: Path, port: int) -> None:
        env = {
            **os.environ,
            "CULTUREBRIDGE_API__CAPTURE_COMMIT_SECONDS": "0.3",
            "CULTUREBRIDGE_API__AUDIT": "false",
            "OPENBLAS_NUM_THREADS": "1",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.api._zygote", str(root), str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        self.base = f"http://127.0.0.1:{port}"

    def start(self, key: str) -> int:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write("start\n")
        self.proc.stdin.flush()
        pid = int(self.proc.stdout.readline())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                state = call(self.base, key, None)
                if state.get("running"):
                    return pid
            except (OSError, http.client.HTTPException):
                time.sleep(0.02)
        raise AssertionError("the server did not start")

    def close(self) -> None:
        assert self.proc.stdin
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def call(base: str, key: str, body: bytes | None) -> dict[str, Any]:
    req = urllib.request.Request(
        base + "/api/v1/capture",
        data=body,
        method="POST" if body is not None else "GET",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        result: dict[str, Any] = json.loads(r.read())
        return result


def test_nothing_answered_is_lost_when_the_server_is_killed_20_times(
    capture_ws: tuple[Workspace, dict[str, str]],
) -> None:
    ws, keys = capture_ws
    key = keys["capture"]
    rng = random.Random(20)
    zygote = Zygote(ws.root, _free_port())
    acked: set[str] = set()
    sent: set[str] = set()
    batch_no, size = 0, 100
    try:
        for _ in range(20):
            pid = zygote.start(key)
            killer = threading.Timer(rng.uniform(0.05, 0.6), os.kill, (pid, signal.SIGKILL))
            killer.start()
            while True:  # send until the server dies under us; then retry the same batch
                time.sleep(0.01)  # a steady stream, not a flood: commits happen between kills
                ids = [f"b{batch_no}-{j}" for j in range(size)]
                body = json.dumps([event(i, user=f"u{batch_no % 50}") for i in ids]).encode()
                sent.update(ids)
                try:
                    call(zygote.base, key, body)
                except (OSError, http.client.HTTPException):
                    break  # refused, reset or cut mid-answer: not answered, so not counted
                acked.update(ids)
                batch_no += 1
            killer.join()
        # a last, orderly run commits everything that was answered before it stops
        pid = zygote.start(key)
        os.kill(pid, signal.SIGTERM)
    finally:
        zygote.close()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # the server commits what is left, then exits
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    ids = [r["event_id"] for r in lake_rows(ws, "events")]
    assert batch_no > 20, "the servers took too few batches for the test to mean anything"
    assert len(ids) == len(set(ids)), "an event reached the lake twice"
    assert acked <= set(ids), f"{len(acked - set(ids))} answered events were lost"
    assert set(ids) <= sent
    assert not list((ws.root / "capture").glob("sealed-*.jsonl"))
    m = ws.manifest()
    assert m.tables["events"].rows == len(ids)
    assert len(m.ingests) >= 3, "commits should land between the kills, not only at the end"
