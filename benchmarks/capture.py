"""Streaming capture on loopback: events/s and latency per 1,000-event batch, and the commit lag.

    python benchmarks/capture.py [--seconds 10] [--connections 4] [--batch 1000]

Starts `culturebridge serve` on a fresh workspace (a capture key with a rate limit that does not
interfere), then posts pre-built batches of events (unique `event_id`s; 200,000 distinct users
drawn with Zipf-like skew, 350 items) over keep-alive HTTP/1.1 connections, each sending its
next batch when the last is answered (closed loop). An answer means the batch is fsync'd.

Reference, in the same run: the same bodies appended to a file with one fsync each, in this
process (the cost of durability alone). Then it waits until every answered event is committed
to the lake (validated, pseudonymised, deduplicated) and reports that lag. Server CPU seconds
come from /proc. Writes benchmarks/results/capture.md.
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
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "capture.md"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bodies(n: int, size: int, seed: int = 7) -> list[bytes]:
    rng = np.random.default_rng(seed)
    users = np.minimum(rng.zipf(1.3, n * size), 200_000)
    items = rng.integers(0, 350, n * size)
    types = rng.choice(
        ["view", "play", "like", "share", "purchase"], n * size, p=[0.5, 0.3, 0.1, 0.05, 0.05]
    )
    secs = rng.integers(0, 86_400 * 30, n * size)
    out = []
    for b in range(n):
        batch = []
        for j in range(b * size, (b + 1) * size):
            s = int(secs[j])
            day, hour, minute = 1 + s // 86_400, s // 3600 % 24, s // 60 % 60
            batch.append(
                {
                    "event_id": f"ev{seed}-{j}",
                    "user_id": f"wx_{int(users[j]):07d}",
                    "item_id": f"doc_{int(items[j]):04d}",
                    "type": str(types[j]),
                    "ts": f"2026-11-{day:02d}T{hour:02d}:{minute:02d}:00",
                    "channel": "app",
                }
            )
        out.append(json.dumps(batch).encode())
    return out


async def drive(port: int, key: str, payloads: list[bytes], conns: int, seconds: float):
    lat: list[float] = []
    sent = 0
    next_i = 0
    end = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal next_i, sent
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.perf_counter() < end and next_i < len(payloads):
            body = payloads[next_i]
            next_i += 1
            start = time.perf_counter()
            writer.write(
                b"POST /api/v1/capture HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + key.encode()
                + b"\r\nContent-Type: application/json\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            if head[9:12] != b"200":
                raise SystemExit(f"capture answered {head[:40]!r}")
            lat.append(time.perf_counter() - start)
            sent += 1
        writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(conns)))
    return np.array(lat), sent, time.perf_counter() - t0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fsync_reference(payloads: list[bytes], folder: Path) -> tuple[float, float]:
    """Seconds and CPU seconds to append and fsync each body, one after another."""
    path = folder / "ref.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    t0, c0 = time.perf_counter(), time.process_time()
    for body in payloads:
        lines = [json.dumps(e, separators=(",", ":")).encode() + b"\n" for e in json.loads(body)]
        os.write(fd, b"".join(lines))
        os.fsync(fd)
    os.close(fd)
    return time.perf_counter() - t0, time.process_time() - c0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument(
        "--no-commit", action="store_true", help="measure answers only: no commit while sending"
    )
    args = parser.parse_args(argv)
    cli = BIN / "culturebridge"
    payloads = bodies(int(args.seconds * 120), args.batch)
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        subprocess.run([cli, "init", ws], check=True, capture_output=True)
        key = json.loads(
            subprocess.run(
                [
                    cli,
                    "keys",
                    "create",
                    ws,
                    "--partner",
                    "platform",
                    "--scope",
                    "capture",
                    "--rate-limit",
                    "100000000",
                    "--json",
                ],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )["key"]
        port = free_port()
        env = {
            **os.environ,
            "CULTUREBRIDGE_API__AUDIT": "false",
            "CULTUREBRIDGE_API__CAPTURE_COMMIT_SECONDS": "3600" if args.no_commit else "5",
            "CULTUREBRIDGE_API__CAPTURE_COMMIT_EVENTS": "1000000000"
            if args.no_commit
            else "200000",
        }
        server = subprocess.Popen(
            [cli, "serve", ws, "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}/api/v1/capture"

        def state() -> dict[str, object]:
            req = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
            with urllib.request.urlopen(req, timeout=30) as r:
                result: dict[str, object] = json.loads(r.read())
                return result

        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    state()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise SystemExit("server did not start") from None
                    time.sleep(0.1)
            c0 = cpu_seconds(server.pid)
            lat, sent, elapsed = asyncio.run(
                drive(port, key, payloads, args.connections, args.seconds)
            )
            c1 = cpu_seconds(server.pid)
            events = sent * args.batch
            t_done = time.perf_counter()
            while not args.no_commit and state()["committed"] != events:
                time.sleep(0.2)
            lag = time.perf_counter() - t_done
            c2 = cpu_seconds(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=60)
        ref_s, ref_cpu = fsync_reference(payloads[:sent], Path(tmp))
    ms = lat * 1000
    row = {
        "events_per_s": events / elapsed,
        "batches": sent,
        "p50": float(np.percentile(ms, 50)),
        "p99": float(np.percentile(ms, 99)),
        "server_cpu_capture": c1 - c0,
        "server_cpu_commit": c2 - c1,
        "commit_lag_s": lag,
        "ref_events_per_s": events / ref_s,
        "ref_cpu": ref_cpu,
    }
    lines = [
        "# Streaming capture (benchmarks/capture.py)",
        "",
        f"{date.today()}, {platform.node()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; `python benchmarks/capture.py --seconds {args.seconds:g} "
        f"--connections {args.connections} --batch {args.batch}`.",
        "",
        "| what | events/s | p50 ms | p99 ms | CPU s |",
        "|---|---|---|---|---|",
        f"| POST /api/v1/capture, {args.connections} keep-alive connections, "
        f"{args.batch:,}-event batches ({sent} batches) | {row['events_per_s']:,.0f} | "
        f"{row['p50']:.1f} | {row['p99']:.1f} | {row['server_cpu_capture']:.1f} (server) |",
        f"| reference: the same bodies appended and fsync'd in one process | "
        f"{row['ref_events_per_s']:,.0f} | | | {row['ref_cpu']:.1f} |",
        f"| commit of the {events:,} answered events to the lake, after the last answer | "
        f"{events / max(lag, 1e-9):,.0f} | | | – (a process of the server's own) |",
        "",
        f"Commit lag after the last answer: {lag:.1f} s (commits every 5 s here; default 10 s).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
