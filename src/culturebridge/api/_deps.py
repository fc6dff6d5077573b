"""What every route shares: the workspace, the caller behind the key, rate limits, the audit
log and a result cache. Routes declare what they need with the `Annotated` aliases below
(`CallerDep`, `AdminDep`, `StateDep`), as in FastAPI's full-stack template.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request, status

from culturebridge.api._keys import KeyRecord, KeyStore
from culturebridge.config import ApiSettings, get_settings
from culturebridge.ingest import CaptureLog, Committer
from culturebridge.privacy import PLATFORM, AuditLog, item_scope, sees
from culturebridge.query import SEGMENTS_FILE, Analysis
from culturebridge.web import COOKIE
from culturebridge.workspace import Workspace

log = logging.getLogger(__name__)

T = TypeVar("T")


CAPTURE_PATH = "/api/v1/capture"

Check = tuple[Callable[[], Hashable], Hashable]
"""(what to look up again, the value it had when an answer was computed)."""


@dataclass
class Marks:
    """What the answer being computed depends on (see `keep_answer`)."""

    checks: list[Check] = field(default_factory=list)


MARKS: ContextVar[Marks | None] = ContextVar("cb_answer_marks", default=None)


def keep_answer(check: Callable[[], Hashable], value: Hashable) -> None:
    """Called by a route while it answers: its answer may be sent again as it is (by
    `_answers.AnswerCache`) for as long as `check()` still returns `value`, and whatever else it
    marked still holds. A route that never calls this is always answered in full."""
    marks = MARKS.get()
    if marks is not None:  # the same object in a worker thread's copy of the context
        marks.checks.append((check, value))


@dataclass(frozen=True)
class Caller:
    """Who is asking: the key's id, its partner and scope."""

    key_id: str
    partner: str
    scope: str

    @property
    def item_scope(self) -> str | None:
        """The partner whose items this caller sees in detail (None: every partner)."""
        return item_scope(self.partner)

    def sees(self, owner: str | None) -> bool:
        """Whether item-level results about an item owned by `owner` may go to this caller."""
        return sees(self.partner, owner)


class RateLimiter:
    """A token bucket per key: `burst` at once, refilled at the key's rate per minute."""

    def __init__(self, burst: int) -> None:
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key_id: str, per_minute: int) -> float:
        """0 when the request may go ahead, else the seconds until it may."""
        rate = per_minute / 60.0
        capacity = float(max(self.burst, 1))
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key_id, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * rate)
            if tokens >= 1.0:
                self._buckets[key_id] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key_id] = (tokens, now)
            return (1.0 - tokens) / rate


class ResultCache:
    """Finished results by (data version, caller's partner, request); an ingest bumps the
    version, so nothing stale is served. Bounded, least recently used first out.

    Single flight: while a result is being computed, identical requests wait for that one
    computation instead of starting their own (20 identical cold requests compute once); a
    computation that fails fails only its own request, and the next one tries again."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._flights: dict[Hashable, threading.Event] = {}
        self.computed = 0
        """Computations run (for tests and the load benchmark: hits and waits do not count)."""

    def peek(self, key: Hashable) -> tuple[bool, Any]:
        """(True, the result) when it is cached; (False, None) otherwise. Never waits."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return True, self._data[key]
        return False, None

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        if self.entries <= 0:
            return compute()
        while True:
            with self._lock:
                if key in self._data:
                    self._data.move_to_end(key)
                    hit: T = self._data[key]
                    return hit
                flight = self._flights.get(key)
                if flight is None:
                    flight = self._flights[key] = threading.Event()
                    break  # this request computes
            flight.wait()  # another request computes it: wait, then read the cache again
            with self._lock:
                if key in self._data:
                    continue
            return compute()  # the other one failed (or its result was evicted): our own
        try:
            value = compute()
            with self._lock:
                self.computed += 1
                self._data[key] = value
                while len(self._data) > self.entries:
                    self._data.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._flights.pop(key, None)
            flight.set()


_AUDIENCE = ("users", "items", "events", "partners")
READS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        (
            "preferences",
            "trends",
            "funnel",
            "step_funnel",
            "paths",
            "stickiness",
            "reach",
            "retention",
            "breakdown",
            "audience",
            "segments",
            "segment_preview",
            "fashion.item_preferences",
        ),
        _AUDIENCE,
    ),
    **dict.fromkeys(
        ("fashion.trends", "social.mentions", "social.item_sentiment", "alert_terms"),
        (*_AUDIENCE, "posts"),
    ),
    **dict.fromkeys(("campaigns", "campaign_report"), (*_AUDIENCE, "campaigns", "assignments")),
}
"""The tables each cached route reads: an ingest into another table keeps its cached results
(posts arriving leave `preferences` cached; events arriving refresh it). A route not named
here depends on every table."""


@dataclass
class AppState:
    """One server's view of one workspace."""

    ws: Workspace
    settings: ApiSettings
    keys: KeyStore
    limiter: RateLimiter
    audit: AuditLog
    cache: ResultCache
    extras: dict[str, Any] = field(default_factory=dict)
    """Long-lived objects routes load once (a recommendation model, the catalogue)."""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _version: tuple[Any, tuple[int, dict[str, int]]] | None = None
    capture: CaptureLog | None = None
    committer: Committer | None = None
    capture_error: str | None = "capture starts with the server"
    answers: Any = None
    """The app's `_answers.AnswerCache` (its `hits` count answers sent again as they were)."""

    def start_capture(self) -> None:
        """Open the workspace's capture log (committing what a crash left) and its committer."""
        if not self.settings.capture:
            self.capture_error = "capture is off (CULTUREBRIDGE_API__CAPTURE=false)"
            return
        try:
            self.capture = CaptureLog(self.ws)
        except OSError as exc:  # the folder cannot be written: said by the capture route
            self.capture_error = f"the capture log cannot be opened: {exc}"
            return
        self.capture_error = None
        if self.capture.pending():  # a crash left segments: commit them now
            self.ensure_committer()

    def ensure_committer(self) -> Committer | None:
        """The committer, started with the first captured batch (a server that never captures
        never starts the process)."""
        if self.capture is None:
            return None
        with self._lock:
            if self.committer is None:
                self.committer = Committer(
                    self.capture,
                    self.settings.capture_commit_seconds,
                    self.settings.capture_commit_events,
                )
            return self.committer

    def warm(self, table: str) -> threading.Thread | None:
        """Fill the caches that an ingest of `table` feeds (post tags, item embeddings), in a
        background thread: the ingest's answer does not wait, and the first question after it
        finds them ready (or computes what is still missing itself)."""
        from culturebridge.caches import WARMERS, warm_caches

        if table not in WARMERS or not get_settings().ingest.warm_caches:
            return None

        def run() -> None:
            try:
                warm_caches(self.ws, [table])
            except Exception as exc:  # only a cache: never a crash of the server's thread
                log.warning("caches after an ingest of %s not filled: %s", table, exc)

        thread = threading.Thread(target=run, name=f"warm-{table}", daemon=True)
        thread.start()
        return thread

    def stop_capture(self) -> None:
        if self.committer is not None:
            self.committer.stop()
        if self.capture is not None:
            self.capture.close()

    @classmethod
    def open(cls, root: Path, settings: ApiSettings | None = None) -> AppState:
        ws = Workspace.open(root)
        s = settings or get_settings().api
        return cls(
            ws=ws,
            settings=s,
            keys=KeyStore(ws),
            limiter=RateLimiter(s.burst),
            audit=AuditLog(ws.root, s.audit),
            cache=ResultCache(s.cache_entries),
        )

    def _manifest_state(self) -> tuple[int, dict[str, int]]:
        """(the manifest's version, a stamp of each table's committed files). The manifest is
        re-read only when its file changed (a commit replaces it), not on every request."""
        path = self.ws.manifest_path
        try:
            st = path.stat()
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            stamp = None
        with self._lock:
            if stamp is not None and self._version is not None and self._version[0] == stamp:
                return self._version[1]
        manifest = self.ws.manifest()
        files = {t: hash(tuple(state.files)) for t, state in manifest.tables.items()}
        with self._lock:
            self._version = (stamp, (manifest.version, files))
        return manifest.version, files

    def version(self) -> int:
        """The workspace's version: one more with every commit (what `status` shows)."""
        return self._manifest_state()[0]

    def data_version(self, tables: Iterable[str] | None = None) -> Hashable:
        """What the committed data of `tables` (default: every table) is: it changes when an
        ingest adds files to one of them, not when one adds nothing (all rows rejected or
        duplicates) or adds to another table, so such an ingest keeps those cached results."""
        files = self._manifest_state()[1]
        chosen = sorted(files) if tables is None else tables
        return tuple((t, files.get(t)) for t in chosen)

    def segments_stamp(self) -> tuple[int, int, int] | None:
        """When `segments.toml` last changed (a saved segment changes what names mean)."""
        try:
            st = (self.ws.root / SEGMENTS_FILE).stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _key(self, caller: Caller, name: str, params: Hashable) -> Hashable:
        tables = READS.get(name)
        version = self.data_version(tables)
        segments = self.segments_stamp()
        if tables is not None:  # a result of the data and segments alone: its bytes may be kept
            keep_answer(
                lambda: (self.data_version(tables), self.segments_stamp()), (version, segments)
            )
        return (version, segments, caller.partner, name, params)

    def cached(self, caller: Caller, name: str, params: Hashable, compute: Callable[[], T]) -> T:
        """`compute()` once per version of the data it reads (`READS`), segment catalogue,
        caller partner, route and parameters (identical requests in flight wait for the one
        computation)."""
        return self.cache.get_or_compute(self._key(caller, name, params), compute)

    def peek(self, caller: Caller, name: str, params: Hashable) -> tuple[bool, Any]:
        """The cached result of `cached(...)` if there is one, without computing or waiting
        (for answers on the event loop)."""
        return self.cache.peek(self._key(caller, name, params))

    def once(self, name: str, load: Callable[[], T], version: Hashable = None) -> T:
        """A long-lived object, loaded on first use (and again when `version` changes)."""
        with self._lock:
            hit = self.extras.get(name)
            if hit is not None and hit[0] == version:
                value: T = hit[1]
                return value
        value = load()
        with self._lock:
            self.extras[name] = (version, value)
        return value

    @contextmanager
    def analysis(self, caller: Caller, **kw: Any) -> Iterator[Analysis]:
        """An analysis in the caller's partner scope (item-level figures for its items only)."""
        kw.setdefault("label", self.ws.config.name)
        with Analysis.open(self.ws, partner=caller.item_scope, **kw) as a:
            yield a


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.cb
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def presented_key(request: Request) -> str | None:
    """The key from `Authorization: Bearer …`, `X-API-Key`, or the dashboard's cookie."""
    return key_in(
        request.headers.get("authorization", ""),
        request.headers.get("x-api-key", ""),
        request.cookies,
    )


def key_in(authorization: str, api_key: str, cookies: Mapping[str, str]) -> str | None:
    """The key a request presents, from its headers' values ("" when absent)."""
    if authorization:
        scheme, _, value = authorization.partition(" ")
        return value.strip() if scheme.lower() == "bearer" else None
    return api_key or cookies.get(COOKIE)


async def get_caller(request: Request, state: StateDep) -> Caller:
    """The caller behind the request's key: 401 without a valid key, 429 over its rate.

    Async on purpose: it only reads memory and `stat`s the key store, and a plain `def`
    dependency costs a hop to a worker thread, most of a cached request's time under load."""
    record: KeyRecord | None = state.keys.verify(presented_key(request))
    if record is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing or invalid API key: send `Authorization: Bearer <key>`",
            headers={"WWW-Authenticate": "Bearer"},
        )
    caller = Caller(key_id=record.key_id, partner=record.partner, scope=record.scope)
    request.state.caller = caller  # known from here on, so a refusal is audited with it
    if caller.scope == "capture" and not request.url.path.startswith(CAPTURE_PATH):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"key {caller.key_id} has scope capture: it may only send events to {CAPTURE_PATH}",
        )
    wait = state.limiter.take(record.key_id, record.rate_limit)
    if wait > 0:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"rate limit of {record.rate_limit} requests a minute reached for key {record.key_id}",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


async def get_capturer(caller: CallerDep) -> Caller:
    """A capture key, or the platform's admin key: who may stream events."""
    if caller.scope == "capture" or (caller.scope == "admin" and caller.partner == PLATFORM):
        return caller
    raise HTTPException(
        status.HTTP_403_FORBIDDEN,
        f"key {caller.key_id} may not capture: that needs a capture key or the platform's "
        "admin key",
    )


CapturerDep = Annotated[Caller, Depends(get_capturer)]


async def get_admin(caller: CallerDep) -> Caller:
    if caller.scope != "admin":
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"key {caller.key_id} has scope read; this needs admin"
        )
    return caller


AdminDep = Annotated[Caller, Depends(get_admin)]


def not_visible(what: str) -> HTTPException:
    """404 for an item, campaign or other object outside the caller's partner scope: the same
    answer as for one that does not exist, so a key cannot probe another partner's ids."""
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no {what} visible to this key")


def audit_entry(
    caller: Caller | None,
    *,
    method: str,
    path: str,
    query: str,
    status_code: int,
    elapsed_ms: float,
    client: str | None = None,
    export: str | None = None,
) -> dict[str, Any]:
    """One line of the API's audit log: who (key, partner; none for a request without a valid
    key, then the client address), what (method, path, query), the outcome and how long it
    took."""
    return {
        "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "channel": "api",
        "key_id": caller.key_id if caller else None,
        "partner": caller.partner if caller else None,
        "client": client,
        "method": method,
        "path": path,
        "query": query,
        "status": status_code,
        "ms": round(elapsed_ms, 2),
        "export": export,
    }


def export_format(headers: Mapping[bytes, bytes]) -> str | None:
    """What a request exports, for the audit log: `csv` (a table as CSV), `png` (a chart the
    dashboard saves as an image: it asks for the chart with `X-Export: png`), else None."""
    if b"text/csv" in headers.get(b"accept", b""):
        return "csv"
    if headers.get(b"x-export", b"").strip().lower() == b"png":
        return "png"
    return None
