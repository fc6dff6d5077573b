"""Load-test the REST API on loopback: latency and throughput at 100 concurrent connections.

    python benchmarks/api.py                                # uses ./demo-workspace (make demo)
    python benchmarks/api.py --workspace DIR --duration 20 --rate 500

Starts `culturebridge serve` in its own process (one uvicorn worker unless --workers), creates
a platform key with a rate limit high enough not to interfere, then drives two requests from
this process with an asyncio HTTP/1.1 keep-alive client over 100 connections:

- recommendation: `GET /api/v1/recommendations/similar/{item}?n=10`, the item cycling over the
  catalogue;
- preference: `GET /api/v1/preferences?segment=S&by=D`, cycling over segments and dimensions
  (after the first request of each, answered from the server's result cache, as a dashboard
  reader's repeat views are).

Three measures per request:
0. first answers: every distinct request once, one at a time, on a fresh server (model loads
   and uncached analyses included);
1. open loop at a fixed rate (`--rate`, default 500 requests/s): request i is due at t0 + i/rate
   and its latency runs from when it was due, so a stalled server is charged for the queue it
   builds (no coordinated omission);
2. closed loop: 100 connections each sending its next request as soon as the last is answered;
   the throughput is the server's capacity, the latency the queueing it implies.
Writes benchmarks/results/api.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np

from culturebridge.query import connect

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "api.md"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(*args: object) -> str:
    out = subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True)
    return out.stdout


def wait_ready(url: str, key: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            req = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
            with urllib.request.urlopen(req, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server not ready at {url} after {timeout:.0f} s")


class Conn:
    """One keep-alive HTTP/1.1 connection (just enough protocol for the benchmark)."""

    def __init__(self, host: str, port: int, key: str) -> None:
        self.host, self.port, self.key = host, port, key
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Authorization: Bearer {self.key}\r\n\r\n".encode()
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        if length:
            await self.reader.readexactly(length)
        return status


async def open_loop(
    host: str, port: int, key: str, paths: Callable[[int], str], rate: float, seconds: float
) -> tuple[np.ndarray, int, float]:
    """Requests due at a fixed rate over 100 connections; latency from the due time."""
    n = int(rate * seconds)
    conns = [Conn(host, port, key) for _ in range(100)]
    latencies = np.full(n, np.nan)
    errors = 0
    next_i = 0
    t0 = time.perf_counter() + 0.2

    async def worker(c: Conn) -> None:
        nonlocal next_i, errors
        while True:
            i = next_i
            if i >= n:
                return
            next_i += 1
            due = t0 + i / rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            status = await c.get(paths(i))
            latencies[i] = time.perf_counter() - due
            if status != 200:
                errors += 1

    await asyncio.gather(*(worker(c) for c in conns))
    elapsed = time.perf_counter() - t0
    return latencies, errors, elapsed


async def closed_loop(
    host: str, port: int, key: str, paths: Callable[[int], str], seconds: float
) -> tuple[np.ndarray, int, float]:
    conns = [Conn(host, port, key) for _ in range(100)]
    lat: list[float] = []
    errors = 0
    counter = 0
    t0 = time.perf_counter()
    end = t0 + seconds

    async def worker(c: Conn) -> None:
        nonlocal counter, errors
        while time.perf_counter() < end:
            i = counter
            counter += 1
            start = time.perf_counter()
            status = await c.get(paths(i))
            lat.append(time.perf_counter() - start)
            if status != 200:
                errors += 1

    await asyncio.gather(*(worker(c) for c in conns))
    return np.array(lat), errors, time.perf_counter() - t0


def summary(
    name: str, mode: str, lat: np.ndarray, errors: int, elapsed: float
) -> dict[str, object]:
    ms = lat[~np.isnan(lat)] * 1000
    return {
        "request": name,
        "mode": mode,
        "requests": int(ms.size),
        "errors": errors,
        "rps": ms.size / elapsed,
        "p50": float(np.percentile(ms, 50)),
        "p90": float(np.percentile(ms, 90)),
        "p99": float(np.percentile(ms, 99)),
        "max": float(ms.max()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=ROOT / "demo-workspace")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per measurement")
    parser.add_argument("--rate", type=float, default=500.0, help="open-loop requests/s")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)

    ws = args.workspace.resolve()
    cli = BIN / "culturebridge"
    if not (ws / "workspace.toml").exists():
        raise SystemExit(f"{ws} is not a workspace: run `make demo` first, or pass --workspace")
    if not (ws / "models" / "default").exists():
        run(cli, "recommend", "fit", "--workspace", ws, "--out", ws / "models" / "default")
    key = json.loads(
        run(
            cli,
            "keys",
            "create",
            ws,
            "--partner",
            "platform",
            "--rate-limit",
            "100000000",
            "--label",
            "benchmarks/api.py",
            "--json",
        )
    )
    port = free_port()
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(
        [str(cli), "serve", str(ws), "--port", str(port), "--workers", str(args.workers)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "CULTUREBRIDGE_API__RATE_LIMIT": "100000000"},
    )
    results: list[dict[str, object]] = []
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(f"{base}/api/v1/status", key["key"])
        items = _items(ws)
        segments = ["gen_z", "young_adults", "gen_z_tier1", "tier1"]
        dims = ["kind", "genre", "attributes.style"]
        prefs = [f"/api/v1/preferences?segment={s}&by={d}" for s in segments for d in dims]
        recs = [f"/api/v1/recommendations/similar/{i}?n=10" for i in items]
        loads = {
            "recommendation": lambda i: recs[i % len(recs)],
            "preference": lambda i: prefs[i % len(prefs)],
        }
        for name, paths in loads.items():
            # warm up: every distinct request once (a preference's first answer is computed)
            warm = [paths(i) for i in range(len(recs) if name == "recommendation" else len(prefs))]
            first = np.array(asyncio.run(_warm(port, key["key"], warm)))
            results.append(summary(name, "first answer, one at a time", first, 0, first.sum()))
            lat, err, el = asyncio.run(
                open_loop("127.0.0.1", port, key["key"], paths, args.rate, args.duration)
            )
            results.append(summary(name, f"open loop, {args.rate:g}/s", lat, err, el))
            lat, err, el = asyncio.run(
                closed_loop("127.0.0.1", port, key["key"], paths, args.duration)
            )
            results.append(summary(name, "closed loop", lat, err, el))
            for r in results[-3:]:
                print(
                    f"{r['request']:<15} {r['mode']:<20} {r['requests']:>7,} req "
                    f"{r['rps']:>8,.0f}/s  p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms  "
                    f"errors {r['errors']}",
                    flush=True,
                )
    finally:
        server.terminate()
        server.wait(timeout=30)
        run(cli, "keys", "revoke", ws, key["key_id"])
    if not args.no_write:
        _write(results, args)
    return 0


async def _warm(port: int, key: str, paths: list[str]) -> list[float]:
    """Each distinct request once, one at a time; returns each first answer's latency (s)."""
    c = Conn("127.0.0.1", port, key)
    took = []
    for p in paths:
        start = time.perf_counter()
        status = await c.get(p)
        took.append(time.perf_counter() - start)
        if status != 200:
            raise SystemExit(f"warm-up request {p} answered {status}")
    return took


def _items(ws: Path) -> list[str]:
    """Every item in the catalogue (the platform key sees them all)."""
    from culturebridge.workspace import Workspace

    con = connect(Workspace.open(ws))
    try:
        return [str(i) for i in con.table("items").item_id.to_pyarrow().to_pylist()]
    finally:
        con.disconnect()


def _write(results: list[dict[str, object]], args: argparse.Namespace) -> None:
    lines = [
        f"{date.today().isoformat()}, `python benchmarks/api.py`, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; server: "
        f"`culturebridge serve` with {args.workers} uvicorn worker(s) on loopback; client: this "
        "script (asyncio, HTTP/1.1 keep-alive), 100 connections, on the same machine; "
        f"{args.duration:g} s per measurement.",
        "",
        "| request | mode | requests | requests/s | p50 ms | p90 ms | p99 ms | max ms | errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['request']} | {r['mode']} | {r['requests']:,} | {r['rps']:,.0f} | "
            f"{r['p50']:.1f} | {r['p90']:.1f} | {r['p99']:.1f} | {r['max']:.1f} | {r['errors']} |"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    raise SystemExit(main())
