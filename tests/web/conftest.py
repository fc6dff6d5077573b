"""A real dashboard: uvicorn serving the session's demo workspace on a loopback port, and Debian's
Chromium driven headless by Playwright (never a downloaded browser)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from culturebridge.api import create_app
from culturebridge.web import SETTLED
from tests.api.conftest import Served, served

__all__ = ["served"]  # re-exposed: the session's demo workspace with keys by name

ARTEFACTS = Path(__file__).parents[2] / "test-artefacts" / "dashboard"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def dashboard(served: Served) -> Iterator[str]:
    """The base URL of a uvicorn server for the demo workspace (stopped with `should_exit`)."""
    port = free_port()
    config = uvicorn.Config(
        create_app(served.ws.root), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the dashboard server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Problems:
    """What went wrong in a page: console errors, uncaught exceptions, failed requests."""

    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        return self.console + self.errors + self.failed

    def clear(self) -> None:
        self.console.clear()
        self.errors.clear()
        self.failed.clear()


@dataclass
class Browse:
    """One signed-in browser context and page, with its problems recorded."""

    base: str
    page: Any
    problems: Problems

    def goto(self, path: str) -> None:
        """Open `path` once the current page has finished (leaving earlier would abort its
        requests, which would read as failures of the next page)."""
        if self.page.url.startswith(self.base):
            settle_page(self)
        self.page.goto(self.base + path, wait_until="load")


def open_page(chromium: Any, base: str) -> tuple[Any, Browse]:
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    page = context.new_page()
    problems = Problems()
    page.on(
        "console",
        lambda m: problems.console.append(f"{m.type}: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.errors.append(str(e)))
    page.on("requestfailed", lambda r: problems.failed.append(f"{r.url}: {r.failure}"))
    page.on(
        "response",
        lambda r: problems.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    return context, Browse(base=base, page=page, problems=problems)


SETTLE_MS = 150_000
"""The first visit computes results (fashion trends take ~25 s on two busy cores); later ones
are cached by the server."""

UNSETTLED = """() => [...document.querySelectorAll('[data-state], .chart')]
  .filter((n) => n.closest('[hidden]') === null && n.dataset.state !== 'drawn')
  .map((n) => [n.id, n.dataset.state || null, n.innerText.slice(0, 120)])"""


def settle_page(browse: Browse) -> None:
    """Wait until the page's scripts have finished (so leaving it aborts no request)."""
    try:
        browse.page.wait_for_function(SETTLED, timeout=SETTLE_MS)
    except Exception as exc:  # say which container never finished, and what it shows
        left = browse.page.evaluate(UNSETTLED)
        raise AssertionError(f"{browse.page.url}: not settled: {left}; {browse.problems}") from exc


def login(browse: Browse, key: str) -> None:
    browse.goto("/login")
    browse.page.fill("#key", key)
    browse.page.click("button[type=submit]")
    browse.page.wait_for_url(browse.base + "/")
    settle_page(browse)


@pytest.fixture(scope="module")
def artefacts() -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS
