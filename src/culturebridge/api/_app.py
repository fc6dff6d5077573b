"""The FastAPI application: the REST API under `/api/v1` and the dashboard on the same app.

`create_app(DIR)` serves one workspace. Every route needs a key (401 without one), admin routes
need an admin key (403), every key has a rate limit (429), and every request, refused ones
included, is written to the audit log.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from culturebridge.api._answers import AnswerCache
from culturebridge.api._deps import AppState, audit_entry, export_format
from culturebridge.api._models import NEGOTIATED
from culturebridge.config import ApiSettings
from culturebridge.errors import UserError
from culturebridge.privacy import AuditLog

API_PREFIX = "/api/v1"
log = logging.getLogger("culturebridge.api")


def create_app(root: Path | str, *, settings: ApiSettings | None = None) -> FastAPI:
    """The app for the workspace at `root` (a UserError when it is not a workspace)."""
    from culturebridge import __version__
    from culturebridge.api.routes import ROUTERS
    from culturebridge.web import register as register_web

    state = AppState.open(Path(root), settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.start_capture()
        yield
        state.stop_capture()  # commits what was captured
        state.audit.close()

    app = FastAPI(
        title="culturebridge",
        version=__version__,
        summary="Audience intelligence for cross-border creative content.",
        description=(
            "Every route needs an API key (`Authorization: Bearer <key>`; create one with "
            "`culturebridge keys create DIR --partner P --scope read`). A key sees "
            "platform-wide aggregates and its own partner's item-level results only; results "
            "pass the privacy guard (no cell below k users)."
        ),
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.cb = state
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    register_web(app)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        # ASCII-escaped: the errors echo the input, which may hold a lone surrogate that
        # UTF-8 cannot encode (the default handler would then fail with a 500)
        body = json.dumps({"detail": jsonable_encoder(exc.errors())}, ensure_ascii=True)
        return Response(body, status_code=422, media_type="application/json")

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"detail": f"internal error ({type(exc).__name__}); see the server log"},
            status_code=500,
        )

    # inside the audit: every request is audited, answered in full or sent again
    app.add_middleware(
        AnswerCache, state=state, prefix=API_PREFIX, entries=state.settings.cache_entries
    )
    app.add_middleware(AuditMiddleware, audit=state.audit)
    return app


class AuditMiddleware:
    """Writes every API request, refused ones (401, 403, 404, 429) included, to the audit log,
    and adds `X-Content-Type-Options: nosniff` to every response. Plain ASGI rather than
    `@app.middleware("http")`, which would copy each response through an extra task."""

    def __init__(self, app: ASGIApp, audit: AuditLog) -> None:
        self.app = app
        self.audit = audit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status_code = 500
        headers = dict(scope.get("headers") or [])
        app = scope.get("app")
        NEGOTIATED.set(
            (
                headers.get(b"accept", b"").decode("latin-1"),
                headers.get(b"accept-language", b"").decode("latin-1"),
                getattr(getattr(app, "state", None), "cb", None),
            )
        )

        async def send_with_header(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                MutableHeaders(scope=message).setdefault("X-Content-Type-Options", "nosniff")
            await send(message)

        await self.app(scope, receive, send_with_header)
        if scope["path"].startswith(API_PREFIX):
            client = scope.get("client")
            self.audit.write(
                audit_entry(
                    scope.get("state", {}).get("caller"),
                    client=client[0] if client else None,
                    method=scope["method"],
                    path=scope["path"],
                    query=scope.get("query_string", b"").decode("latin-1"),
                    status_code=status_code,
                    elapsed_ms=(time.perf_counter() - start) * 1000,
                    export=export_format(headers),
                )
            )
