"""Cached answers sent again without the framework.

A dashboard's repeat views and a partner's polling ask the same questions of the same data
many times. The result cache (`AppState.cached`) already keeps the analysis, but each request
still pays FastAPI's routing, dependency and parameter handling, most of a cached answer's time
under load (one worker saturated at ~1,900 cached answers a second). This middleware keeps the
bytes of such answers and sends them again at once when

- the same partner, with a key of the same scope, asks for the same path and query with the
  same `Accept` and `Accept-Language` (exports, a table as CSV or a chart saved as an image, are
  always answered in full);
- the key is still live (checked on every request: a revoked key gets its 401 at once) and
  within its rate limit (else the full path answers with the 429);
- what the answer was computed from has not changed: the route marked its answer as keepable
  and said what it depends on (`_deps.keep_answer`), e.g. the versions of the tables it reads
  and the segment catalogue, each checked again on every request.

Only 200 answers of routes that call `keep_answer` are kept; everything else (errors, POSTs,
routes with live figures such as `/status`) always takes the full path. The audit log still
records every request: this middleware sits inside `AuditMiddleware`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from culturebridge.api._deps import MARKS, AppState, Caller, Check, Marks, export_format, key_in

MAX_BODY = 1 << 20  # answers larger than this (rare exports of whole tables) are not kept
MAX_BYTES = 64 << 20  # all kept answers together: the least recently sent go first


@dataclass(frozen=True)
class _Answer:
    headers: list[tuple[bytes, bytes]]
    body: bytes
    checks: list[Check]


class AnswerCache:
    """ASGI middleware: see the module's docstring. `hits` counts answers sent from here."""

    def __init__(self, app: ASGIApp, state: AppState, prefix: str, entries: int) -> None:
        self.app = app
        self.state = state
        self.prefix = prefix
        self.entries = entries
        self._answers: OrderedDict[Hashable, _Answer] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        state.answers = self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.entries <= 0
            or scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith(self.prefix)
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        accept = headers.get(b"accept", b"")
        cookie = headers.get(b"cookie")
        key = key_in(
            headers.get(b"authorization", b"").decode("latin-1"),
            headers.get(b"x-api-key", b"").decode("latin-1"),
            cookie_parser(cookie.decode("latin-1")) if cookie else {},
        )
        record = self.state.keys.verify(key)
        if record is None or record.scope == "capture" or export_format(headers):
            await self.app(scope, receive, send)  # refusals and exports: the full path
            return
        name = (
            record.partner,
            record.scope,
            scope["path"],
            scope.get("query_string", b""),
            accept,
            headers.get(b"accept-language", b""),
        )
        answer = self._answers.get(name)
        if answer is not None:
            if all(check() == value for check, value in answer.checks):
                if self.state.limiter.take(record.key_id, record.rate_limit) == 0:
                    self._answers.move_to_end(name)
                    scope.setdefault("state", {})["caller"] = Caller(
                        key_id=record.key_id, partner=record.partner, scope=record.scope
                    )
                    self.hits += 1
                    await send(
                        {"type": "http.response.start", "status": 200, "headers": answer.headers}
                    )
                    await send({"type": "http.response.body", "body": answer.body})
                    return
            else:
                self._drop(name)  # the data changed: computed afresh below
        await self._answer_and_keep(name, scope, receive, send)

    async def _answer_and_keep(
        self, name: Hashable, scope: Scope, receive: Receive, send: Send
    ) -> None:
        marks = Marks()
        token = MARKS.set(marks)
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0

        async def watch(message: Message) -> None:
            nonlocal start, size
            if message["type"] == "http.response.start":
                start = message
                if not marks.checks:  # the route has answered without marking: not kept
                    size = MAX_BODY + 1
            elif message["type"] == "http.response.body" and size <= MAX_BODY:
                body = message.get("body", b"")
                chunks.append(body)
                size += len(body)
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            MARKS.reset(token)
        if start is None or start["status"] != 200 or not marks.checks or size > MAX_BODY:
            return
        kept = list(start.get("headers", []))
        if any(k.lower() == b"set-cookie" for k, _ in kept):
            return
        self._drop(name)
        answer = _Answer(headers=kept, body=b"".join(chunks), checks=marks.checks)
        self._answers[name] = answer
        self._bytes += len(answer.body)
        while len(self._answers) > self.entries or self._bytes > MAX_BYTES:
            self._drop(next(iter(self._answers)))

    def _drop(self, name: Hashable) -> None:
        gone = self._answers.pop(name, None)
        if gone is not None:
            self._bytes -= len(gone.body)
