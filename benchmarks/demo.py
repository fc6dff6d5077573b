"""Benchmark the demo generator: events per second and peak memory.

    python benchmarks/demo.py --events 10000000
    python benchmarks/demo.py --events 100000000 --users 200000

Generates into a temporary folder (deleted afterwards unless --keep), prints the throughput, the
peak resident memory of the process (ru_maxrss) and a markdown row for benchmarks/RESULTS.md.
The generator's own threads count towards the process, so the figure is the whole job's peak.
CPU time is printed too: on a shared machine wall-clock throughput depends on the neighbours,
events per CPU-second does not.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from culturebridge.demo import DemoConfig, generate


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _cpu_seconds() -> float:
    """User + system CPU time of this process (all its threads): a load-independent cost."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--chunk-events", type=int, default=2_000_000)
    parser.add_argument("--out", type=Path, default=None, help="folder (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args(argv)

    config = DemoConfig(
        users=args.users, events=args.events, seed=args.seed, chunk_events=args.chunk_events
    )
    out = args.out or Path(tempfile.mkdtemp(prefix="culturebridge-demo-bench-"))
    stage_times: dict[str, float] = {}
    started = time.perf_counter()
    cpu_start = _cpu_seconds()

    def progress(stage: str, done: int, total: int) -> None:
        if done >= total:
            stage_times[stage] = time.perf_counter() - started

    try:
        result = generate(out, config, progress=progress)
        elapsed = time.perf_counter() - started
        events_done = stage_times.get("events", elapsed)
        size = sum(p.stat().st_size for files in result.files.values() for p in files)
    finally:
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
    cpu = _cpu_seconds() - cpu_start
    events_s = stage_times.get("events", elapsed) - stage_times.get("campaigns", 0.0)
    peak = _peak_rss_mib()
    rate = args.events / elapsed
    print(f"events:        {args.events:,} (users {args.users:,}, chunk {args.chunk_events:,})")
    print(
        f"total time:    {elapsed:.2f} s  (event stage {events_s:.2f} s, done at "
        f"{events_done:.2f} s)"
    )
    print(
        f"throughput:    {rate:,.0f} events/s overall, {args.events / events_s:,.0f} events/s "
        "in the event stage"
    )
    print(
        f"cpu time:      {cpu:.2f} s user+system ({args.events / cpu:,.0f} events per CPU-second; "
        f"{cpu / elapsed:.2f} cores busy on average)"
    )
    print(f"peak memory:   {peak:,.0f} MiB (ru_maxrss)")
    print(f"written:       {size / 2**20:,.1f} MiB of Parquet")
    cmd = "python benchmarks/demo.py " + " ".join(argv if argv is not None else sys.argv[1:])
    print()
    print("| date | machine | command | events | events/s | peak RSS |")
    print(
        f"| {date.today()} | {_cores()} cores, {platform.machine()}, Python "
        f"{platform.python_version()} | `{cmd.strip()}` | {args.events:,} | {rate:,.0f} | "
        f"{peak:,.0f} MiB |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
