"""Streaming capture: events that a platform sends as they happen, kept durably in an append log
and committed to the lake in micro-batches through the same path as files.

Layout, under `DIR/capture/` (0700: it holds raw, not yet pseudonymised rows)::

    current.jsonl            the segment being appended to: one JSON object per line
    sealed-<ns>.jsonl        segments waiting for their commit, oldest first
    .lock                    one capturing process per workspace

`append` returns only after the batch is written and fsync'd: an answered batch survives a
crash. A commit seals the current segment and ingests each sealed one (validation,
pseudonymisation, deduplication by `event_id`, the atomic manifest switch), then deletes it.
A crash at any point loses nothing answered: a segment is deleted only after its commit, and a
segment committed twice adds nothing (its events are duplicates by key). A batch cut short by
a crash mid-write was never answered; its partial last line is rejected, like a file cut short.
A client that retries a batch whose answer it did not see sends the same `event_id`s: the
retry is a duplicate, never a second copy.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from culturebridge.errors import UserError
from culturebridge.ingest._pipeline import IngestResult, ingest
from culturebridge.workspace import Workspace

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


def encode_batch(events: Any) -> list[bytes]:
    """The log lines of a request's events (a list of JSON objects, or `{"events": [...]}`);
    a UserError for anything else. ASCII-escaped, so that any string survives the round trip
    (a lone surrogate reaches validation, which rejects its row)."""
    if isinstance(events, dict) and set(events) == {"events"}:
        events = events["events"]
    if not isinstance(events, list):
        raise UserError('the body must be a JSON list of events, or {"events": [...]}')
    if len(events) > MAX_BATCH:
        raise UserError(f"{len(events):,} events in one batch; send at most {MAX_BATCH:,}")
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
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            raise UserError(
                f"another process captures into {ws.root}: one capturing server per workspace"
            ) from None
        self._lock = threading.Lock()  # appends and seals
        self._commit_lock = threading.Lock()
        self._fd: int | None = None
        self._buffered = 0
        self._totals = {"committed": 0, "rejected": 0, "duplicates": 0}
        self._last_commit: str | None = None
        self._seal_current()  # a segment left by a crash: commit it before anything new

    @property
    def current(self) -> Path:
        return self.dir / "current.jsonl"

    def append(self, lines: list[bytes]) -> int:
        """Write a batch's lines and fsync them; returns the events buffered since the last
        seal. Only after this returns may the batch be answered."""
        data = b"".join(lines)
        with self._lock:
            if self._fd is None:
                self._fd = os.open(self.current, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            view = memoryview(data)
            while view:
                n = os.write(self._fd, view)
                view = view[n:]
            os.fsync(self._fd)
            self._buffered += len(lines)
            return self._buffered

    def _seal_current(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self.current.exists():
            if self.current.stat().st_size:
                os.replace(self.current, self.dir / f"sealed-{time.time_ns():020d}.jsonl")
            else:
                self.current.unlink()
            _fsync_dir(self.dir)
        self._buffered = 0

    def seal(self) -> None:
        """Close the current segment; the next append starts a new one."""
        with self._lock:
            self._seal_current()

    def pending(self) -> list[Path]:
        return sorted(self.dir.glob("sealed-*.jsonl"))

    def commit(self, progress: Callable[[str], None] | None = None) -> list[IngestResult]:
        """Seal, then ingest every sealed segment, oldest first, deleting each once committed."""
        with self._commit_lock:
            self.seal()
            results = []
            for path in self.pending():
                result = ingest(self.ws, TABLE, [path], format="jsonl", encoding="utf-8")
                path.unlink()
                _fsync_dir(self.dir)
                results.append(result)
                self._totals["committed"] += result.accepted
                self._totals["rejected"] += result.rejected
                self._totals["duplicates"] += result.duplicates
                self._last_commit = result.ingest_id
                if progress is not None:
                    progress(f"capture: committed {result.accepted:,} events ({path.name})")
            return results

    def status(self) -> CaptureStatus:
        with self._lock:
            buffered = self._buffered
        return CaptureStatus(
            buffered=buffered,
            pending_segments=len(self.pending()),
            committed=self._totals["committed"],
            rejected=self._totals["rejected"],
            duplicates=self._totals["duplicates"],
            last_commit=self._last_commit,
        )

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
        os.close(self._lock_fd)


class Committer:
    """Commits a capture log every `seconds`, or as soon as `events` are buffered, on a thread
    of its own; `stop` commits what is left."""

    def __init__(self, log: CaptureLog, seconds: float, events: int) -> None:
        self.log = log
        self.seconds = seconds
        self.events = events
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, name="cb-capture", daemon=True)
        self._thread.start()

    def nudge(self, buffered: int) -> None:
        if buffered >= self.events:
            self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.seconds)
            self._wake.clear()
            self._commit_once()

    def _commit_once(self) -> None:
        try:
            self.log.commit()
            self.error = None
        except Exception as exc:  # kept and shown by the status route; the log keeps the data
            self.error = f"{type(exc).__name__}: {exc}"

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join()
        self._commit_once()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
