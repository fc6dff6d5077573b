"""Streaming capture: events that a platform sends as they happen, kept durably in an append log
and committed to the lake in micro-batches through the same path as files.

Layout, under `DIR/capture/` (0700: it holds raw, not yet pseudonymised rows)::

    current.jsonl            the segment being appended to: one JSON object per line
    sealed-<ns>.jsonl        segments waiting for their commit, oldest first
    failed-<ns>.jsonl        a segment with nothing ingestable (kept for a person to look at)
    committed.json           what the commits did: events committed, rejected, duplicates
    .lock                    appends and seals, one at a time across processes
    .commit.lock             one committer at a time

`append` returns only after the batch is written and fsync'd: an answered batch survives a
crash. The server seals the current segment every few seconds; a committer process of its own
ingests each sealed one (validation, pseudonymisation, deduplication by `event_id`, the atomic
manifest switch), then deletes it, so that commits never stall the server's answers.
A crash at any point loses nothing answered: a segment is deleted only after its commit, and a
segment committed twice adds nothing (its events are duplicates by key). A batch cut short by
a crash mid-write was never answered; its partial last line is rejected, like a file cut short.
A client that retries a batch whose answer it did not see sends the same `event_id`s: the
retry is a duplicate, never a second copy.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from culturebridge.errors import UserError
from culturebridge.ingest._pipeline import IngestResult, ingest
from culturebridge.workspace import Workspace, fsync_dir

TABLE = "events"
MAX_BATCH = 10_000
"""Events one request may carry."""


@dataclass
class CaptureStatus:
    buffered: int
    """Events answered since the last seal, not yet committed."""
    pending_segments: int
    """Sealed segments waiting for their commit."""
    committed: int
    """Events accepted into the lake by this process's commits."""
    rejected: int
    duplicates: int
    last_commit: str | None


class BatchTooLarge(UserError):
    """More events in one request than `MAX_BATCH`."""


def encode_batch(events: Any) -> list[bytes]:
    """The log lines of a request's events (a list of JSON objects, or `{"events": [...]}`);
    a UserError for anything else. ASCII-escaped, so that any string survives the round trip
    (a lone surrogate reaches validation, which rejects its row)."""
    if isinstance(events, dict) and set(events) == {"events"}:
        events = events["events"]
    if not isinstance(events, list):
        raise UserError('the body must be a JSON list of events, or {"events": [...]}')
    if len(events) > MAX_BATCH:
        raise BatchTooLarge(f"{len(events):,} events in one batch; send at most {MAX_BATCH:,}")
    lines = []
    for i, event in enumerate(events):
        if not isinstance(event, dict):
            raise UserError(f"event {i} is not a JSON object")
        lines.append(json.dumps(event, separators=(",", ":")).encode() + b"\n")
    return lines


class CaptureLog:
    """The append log of one workspace (see the module docstring). Thread-safe."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.dir = ws.root / "capture"
        self.dir.mkdir(mode=0o700, exist_ok=True)
        os.chmod(self.dir, 0o700)
        self._lock_fd = os.open(self.dir / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        self._lock = threading.Lock()  # this process's appends and seals
        self._buffered = 0
        self.seal()  # a segment left by a crash: commit it before anything new

    @property
    def current(self) -> Path:
        return self.dir / "current.jsonl"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """This thread, and this process among the others capturing into the workspace (the
        workers of one server, or several servers): appends and seals never interleave."""
        with self._lock:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def append(self, lines: list[bytes]) -> int:
        """Write a batch's lines and fsync them; returns the events this process has buffered
        since its last seal. Only after this returns may the batch be answered. The segment is
        opened for each batch, so a batch never lands in a segment another process sealed."""
        data = b"".join(lines)
        with self._locked():
            fd = os.open(self.current, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                view = memoryview(data)
                while view:
                    n = os.write(fd, view)
                    view = view[n:]
                os.fsync(fd)
            finally:
                os.close(fd)
            self._buffered += len(lines)
            return self._buffered

    def seal(self) -> None:
        """Close the current segment; the next append starts a new one."""
        with self._locked():
            if self.current.exists():
                if self.current.stat().st_size:
                    name = f"sealed-{time.time_ns():020d}-{os.getpid()}.jsonl"
                    os.replace(self.current, self.dir / name)
                else:
                    self.current.unlink()
                fsync_dir(self.dir)
            self._buffered = 0

    def pending(self) -> list[Path]:
        return sorted(self.dir.glob("sealed-*.jsonl"))

    def commit(self) -> list[IngestResult]:
        """Seal, then commit every sealed segment (here, on this thread)."""
        self.seal()
        return commit_segments(self.ws)

    def status(self) -> CaptureStatus:
        with self._lock:
            buffered = self._buffered
        done = read_totals(self.ws)
        return CaptureStatus(
            buffered=buffered,
            pending_segments=len(self.pending()),
            committed=int(done.get("committed", 0)),
            rejected=int(done.get("rejected", 0)),
            duplicates=int(done.get("duplicates", 0)),
            last_commit=done.get("last_commit"),
        )

    def close(self) -> None:
        with self._lock:
            os.close(self._lock_fd)


def read_totals(ws: Workspace) -> dict[str, Any]:
    """What the commits of this workspace's capture log have done so far (all processes)."""
    try:
        data: dict[str, Any] = json.loads((ws.root / "capture" / "committed.json").read_bytes())
        return data
    except (OSError, ValueError):
        return {}


def _write_totals(ws: Workspace, totals: dict[str, Any]) -> None:
    path = ws.root / "capture" / "committed.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(totals), encoding="utf-8")
    os.replace(tmp, path)


def commit_segments(ws: Workspace) -> list[IngestResult]:
    """Ingest every sealed segment of the workspace's capture log, oldest first, deleting each
    once committed. One committer at a time (a lock file): a committer left running by a
    killed server finishes before a new one starts."""
    folder = ws.root / "capture"
    fd = os.open(folder / ".commit.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        results = []
        for path in sorted(folder.glob("sealed-*.jsonl")):
            totals = read_totals(ws)
            try:
                result = ingest(ws, TABLE, [path], format="jsonl", encoding="utf-8")
            except UserError as exc:
                # nothing ingestable (a segment holding only a line a crash cut): kept aside
                # for a person to look at, never retried forever nor silently dropped
                os.replace(path, folder / path.name.replace("sealed-", "failed-"))
                totals["failed_segments"] = int(totals.get("failed_segments", 0)) + 1
                totals["error"] = f"{path.name}: {exc}"
                _write_totals(ws, totals)
                continue
            else:
                results.append(result)
                for name in ("accepted", "rejected", "duplicates"):
                    key = "committed" if name == "accepted" else name
                    totals[key] = int(totals.get(key, 0)) + getattr(result, name)
                totals["last_commit"] = result.ingest_id
            totals["error"] = None
            _write_totals(ws, totals)
            path.unlink()
            fsync_dir(folder)
        return results
    except Exception as exc:
        totals = read_totals(ws)
        totals["error"] = f"{type(exc).__name__}: {exc}"
        _write_totals(ws, totals)
        raise
    finally:
        os.close(fd)


def _committer_main(root: str, poll: float, stop: Any, parent: int) -> None:
    """The committer process: commits sealed segments as they appear, until told to stop (then
    once more) or until its server is gone (a killed server's successor takes over)."""
    ws = Workspace.open(Path(root))
    while True:
        stopping = stop.wait(poll)
        try:
            commit_segments(ws)
        except Exception:  # recorded in committed.json by commit_segments; tried again
            pass
        if stopping or os.getppid() != parent:
            return


class Committer:
    """Seals the capture log every `seconds` (or once `events` wait) on a thread, and commits
    the sealed segments in a process of its own, so that an ingest's CPU work never holds the
    server's interpreter while batches arrive. `stop` commits what is left."""

    def __init__(self, log: CaptureLog, seconds: float, events: int) -> None:
        import multiprocessing

        self.log = log
        self.seconds = seconds
        self.events = events
        self._wake = threading.Event()
        self._stop = threading.Event()
        ctx = multiprocessing.get_context("spawn")
        self._proc_stop = ctx.Event()
        self._proc = ctx.Process(
            target=_committer_main,
            args=(str(log.ws.root), min(seconds, 0.25), self._proc_stop, os.getpid()),
            name="cb-capture-commit",
            daemon=True,
        )
        self._proc.start()
        self._thread = threading.Thread(target=self._run, name="cb-capture-seal", daemon=True)
        self._thread.start()

    @property
    def error(self) -> str | None:
        error = read_totals(self.log.ws).get("error")
        if not self._proc.is_alive() and not self._stop.is_set():
            return f"the committer process stopped ({self._proc.exitcode})"
        return str(error) if error else None

    def nudge(self, buffered: int) -> None:
        if buffered >= self.events:
            self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.seconds)
            self._wake.clear()
            self.log.seal()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join()
        self.log.seal()
        self._proc_stop.set()
        self._proc.join()
