"""The FastAPI application: the REST API under `/api/v1` and the dashboard on the same app.

`create_app(DIR)` serves one workspace. Every route needs a key (401 without one), admin routes
need an admin key (403), every key has a rate limit (429), and every response that carried
data is written to the audit log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from culturebridge.api._deps import AppState, audit_entry
from culturebridge.config import ApiSettings
from culturebridge.errors import UserError

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
        yield
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

    @app.middleware("http")
    async def audit(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        start = time.perf_counter()
        response = await call_next(request)
        if request.url.path.startswith(API_PREFIX) and response.status_code < 400:
            entry = audit_entry(
                request, response.status_code, (time.perf_counter() - start) * 1000
            )
            if entry is not None:
                state.audit.write(entry)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    return app
