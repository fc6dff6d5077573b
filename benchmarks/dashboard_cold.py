"""Issue 20, item 7: how long each dashboard page takes the first time a partner opens it.

A fresh `culturebridge serve` (a whole process, real HTTP) on a fresh copy of the demo workspace
per round and state; Debian's Chromium (Playwright, headless) signs in with a partner's read key
and opens every page once, in the navigation's order; a page counts as ready when every chart
and table on it has settled (drawn, empty or a message), as the dashboard tests wait for it.
Nothing is cached by the server when a page is first opened. Two states, interleaved:

- "after ingest": the workspace as `culturebridge demo` leaves it (post tags, topic and item
  embeddings and image tags filled at ingest);
- "no caches": the same copy with `cache/` removed (what the first visitor paid before);
- "second visit": after the first visit "after ingest", the same partner signs in again and
  opens every page again on the same server (its answers cached: issue 20 item 3's warm page).

    python benchmarks/dashboard_cold.py [--rounds 2] [--workspace DIR] [--partner p_albion]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

from culturebridge.api import KeyStore
from culturebridge.web import PAGES, SETTLED
from culturebridge.workspace import Workspace

EXE = str(Path(sys.executable).with_name("culturebridge"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(ws: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [EXE, "serve", str(ws), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/login", timeout=2).read()
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start")


def visit(browser: object, base: str, key: str) -> dict[str, float]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#key", key)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    times: dict[str, float] = {}
    for path, name, _ in PAGES:
        t = time.perf_counter()
        if path != "/":  # the overview was opened by signing in: time it from there
            page.goto(base + path)
        page.wait_for_function(SETTLED, timeout=600_000)
        times[name] = time.perf_counter() - t
    context.close()
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workspace", type=Path)
    ap.add_argument("--partner", default="p_albion")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cb-pages-"))
    results: dict[str, dict[str, list[float]]] = {}
    try:
        source = args.workspace
        if source is None:
            source = tmp / "demo"
            subprocess.run(
                [EXE, "demo", str(source), "--json"], check=True, stdout=subprocess.DEVNULL
            )
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
            )
            for r in range(args.rounds):
                for state in ("after ingest", "no caches"):
                    ws = tmp / f"ws-{r}-{state.replace(' ', '-')}"
                    shutil.copytree(source, ws, ignore=shutil.ignore_patterns(".lock", "audit"))
                    if state == "no caches":
                        shutil.rmtree(ws / "cache", ignore_errors=True)
                    key = (
                        KeyStore(Workspace.open(ws)).create(partner=args.partner, scope="read").key
                    )
                    proc, base = serve(ws)
                    try:
                        for name, s in visit(browser, base, key).items():
                            results.setdefault(state, {}).setdefault(name, []).append(s)
                        if state == "after ingest":  # the same pages again: answers cached
                            for name, s in visit(browser, base, key).items():
                                results.setdefault("second visit", {}).setdefault(name, []).append(
                                    s
                                )
                    finally:
                        proc.terminate()
                        proc.wait(timeout=30)
                    shutil.rmtree(ws, ignore_errors=True)
            browser.close()
        print(f"each page opened by {args.partner}, seconds (min-max over {args.rounds} rounds)")
        states = ("after ingest", "no caches", "second visit")
        print(f"{'page':<16}" + "".join(f"{s:>16}" for s in states))
        for _, name, _ in PAGES:
            cells = []
            for state in states:
                xs = results[state][name]
                cells.append(f"{min(xs):>7.2f}-{max(xs):<7.2f}")
            print(f"{name:<16}" + "".join(f"{c:>16}" for c in cells))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
