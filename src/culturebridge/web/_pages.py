"""The dashboard's routes: server-rendered page shells, the login cookie and static assets.

Pages carry no data: each page's script fetches the REST API with the `cb_key` cookie, so the
key's partner scope and the privacy guard apply to the dashboard exactly as to any API client.
The server only checks that a visitor has a valid key (else it sends them to `/login`) and
picks the language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from culturebridge.reports import plotly_js_path
from culturebridge.web._i18n import (
    DEFAULT_LANG,
    HTML_LANG,
    Lang,
    catalogue,
    normalise,
    translate,
)

HERE = Path(__file__).parent
# A page has settled when every visible chart container has a state other than "loading"
# (drawn, empty or a message): a script for a browser's wait_for_function (tests, benchmarks).
SETTLED = """() => {
  const visible = (n) => n.closest('[hidden]') === null;
  const nodes = [...document.querySelectorAll('[data-state], .chart')].filter(visible);
  return document.readyState === 'complete'
    && nodes.every((n) => n.dataset.state && n.dataset.state !== 'loading');
}"""

COOKIE = "cb_key"
"""The key a user logged in with (HttpOnly, SameSite=Strict); the API reads it too."""


class _Keys(Protocol):
    def verify(self, key: str | None) -> object | None: ...


class _State(Protocol):
    """What the pages need of the server's state (`api.AppState`): a way to check a key."""

    @property
    def keys(self) -> _Keys: ...


LANG_COOKIE = "lang"
KEY_COOKIE_AGE = 60 * 60 * 12
"""How long a dashboard sign-in lasts (seconds); the key itself is checked on every request."""


CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # Plotly injects its own <style> rules and sets inline styles on the SVG it draws
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

PAGES: list[tuple[str, str, str]] = [
    # (path, template / script name, nav key)
    ("/", "overview", "nav.overview"),
    ("/explore", "explore", "nav.explore"),
    ("/journeys", "journeys", "nav.journeys"),
    ("/audiences", "audiences", "nav.audiences"),
    ("/trends", "trends", "nav.trends"),
    ("/fashion", "fashion", "nav.fashion"),
    ("/recommendations", "recommendations", "nav.recommendations"),
    ("/social", "social", "nav.social"),
    ("/campaigns", "campaigns", "nav.campaigns"),
    ("/esports", "esports", "nav.esports"),
    ("/localise", "localise", "nav.localise"),
]

templates = Jinja2Templates(directory=HERE / "templates")


def page_lang(request: Request) -> tuple[Lang, bool]:
    """The page's language (query `?lang=` first, then the cookie) and whether the query set it."""
    asked = normalise(request.query_params.get("lang"))
    if asked is not None:
        return asked, True
    return normalise(request.cookies.get(LANG_COOKIE)) or DEFAULT_LANG, False


def signed_in(request: Request) -> bool:
    state: _State = request.app.state.cb
    return state.keys.verify(request.cookies.get(COOKIE)) is not None


def secure(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    return response


def render(request: Request, name: str, lang: Lang, set_lang: bool, **extra: Any) -> Response:
    context = {
        "lang": lang,
        "html_lang": HTML_LANG[lang],
        "other_lang": "zh" if lang == "en" else "en",
        "t": lambda key: translate(key, lang),
        "messages": catalogue(lang),
        "pages": PAGES,
        "page": name,
        **extra,
    }
    response = templates.TemplateResponse(request, f"{name}.html", context)
    if set_lang:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=60 * 60 * 24 * 365, samesite="strict", httponly=True
        )
    return secure(response)


def _page_route(name: str) -> Any:
    def page(request: Request) -> Response:
        lang, set_lang = page_lang(request)
        if not signed_in(request):
            target = request.url.path
            response = RedirectResponse(f"/login?next={quote(target, safe='/')}", 303)
            if set_lang:
                response.set_cookie(LANG_COOKIE, lang, samesite="strict", httponly=True)
            return response
        return render(request, name, lang, set_lang)

    page.__name__ = f"page_{name}"
    return page


def _safe_next(target: str | None) -> str:
    """Only a path on this site (`/x`, not `//evil.example` or a full URL) may follow sign-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    for path, name, _ in PAGES:
        router.add_api_route(path, _page_route(name), methods=["GET"], response_class=HTMLResponse)

    @router.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/") -> Response:
        lang, set_lang = page_lang(request)
        return render(request, "login", lang, set_lang, next=_safe_next(next), error=None)

    @router.post("/login", response_class=HTMLResponse)
    def login(
        request: Request, key: str = Form(default=""), next: str = Form(default="/")
    ) -> Response:
        lang, _ = page_lang(request)
        key = key.strip()
        state: _State = request.app.state.cb
        # the same check `GET /api/v1/whoami` makes on the key
        if not key or state.keys.verify(key) is None:
            error = "login.missing" if not key else "login.error"
            response = render(request, "login", lang, False, next=_safe_next(next), error=error)
            response.status_code = 401
            return response
        response = RedirectResponse(_safe_next(next), 303)
        response.set_cookie(
            COOKIE,
            key,
            max_age=KEY_COOKIE_AGE,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        return secure(response)

    @router.get("/logout")
    def logout() -> Response:
        response = RedirectResponse("/login", 303)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        return secure(response)

    @router.get("/favicon.ico")
    def favicon() -> Response:
        return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")

    @router.get("/static/vendor/plotly.min.js")
    def plotly_bundle() -> Response:
        return FileResponse(
            plotly_js_path(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    return router


def register(app: FastAPI) -> None:
    """Mount the dashboard's pages and static assets on `app`."""
    app.include_router(build_router())
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
