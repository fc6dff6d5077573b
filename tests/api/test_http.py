"""`culturebridge serve` over real HTTP: a server process on a loopback port, as users run it."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import Served


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, key: str | None = None) -> tuple[int, dict[str, object]]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"} if key else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture(scope="module")
def server(served: Served) -> Iterator[str]:
    port = _free_port()
    cli = Path(sys.executable).parent / "culturebridge"
    proc = subprocess.Popen(
        [str(cli), "serve", str(served.ws.root), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"{base}/api/v1/status")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read() if proc.stdout else ""
                    raise AssertionError(f"server did not start: {out}") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_served_api_answers_over_http(server: str, served: Served) -> None:
    code, body = _get(f"{server}/api/v1/status")
    assert code == 401 and "API key" in str(body["detail"])
    code, body = _get(f"{server}/api/v1/whoami", served.keys["britannia"])
    assert code == 200 and body["partner"] == "p_britannia"
    code, body = _get(f"{server}/api/v1/status", served.keys["platform"])
    assert code == 200
    rows = {t["table"]: t["rows"] for t in body["tables"]}  # type: ignore[union-attr]
    assert rows["events"] > 0 and rows["items"] > 0


def test_the_spec_is_served(server: str, served: Served) -> None:
    with urllib.request.urlopen(f"{server}/api/v1/openapi.json", timeout=30) as r:
        spec = json.loads(r.read())
    assert spec["info"]["title"] == "culturebridge"
    assert "/api/v1/status" in spec["paths"]
