"""Ingest throughput: rows/s and peak memory from Parquet and from CSV, validation and
pseudonymisation included (the full `culturebridge ingest` command, in a fresh process).

    .venv/bin/python benchmarks/ingest.py --rows 5000000 [--record]

Goals on the 2-core reference machine: >= 1,000,000 rows/s from Parquet, >= 500,000 from CSV.
`--record` appends the figures to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
CLI = str(Path(sys.executable).with_name("culturebridge"))


def make_events(n: int, users: int, seed: int) -> pa.Table:
    """Realistic event rows: raw user ids that need pseudonymising, ids, timestamps, types."""
    rng = np.random.default_rng(seed)

    def ids(prefix: str, values: np.ndarray) -> pa.Array:
        return pc.binary_join_element_wise(prefix, pc.cast(pa.array(values), pa.string()), "")

    types = np.array(["impression", "view", "play", "like", "share", "purchase"])
    return pa.table(
        {
            "event_id": ids("e", np.arange(n)),
            "ts": pa.array(
                (1_767_225_600 + rng.integers(0, 180 * 86_400, n)) * 1_000_000, pa.timestamp("us")
            ),
            "user_id": ids("wx_", rng.zipf(1.3, n) % users),
            "item_id": ids("item", rng.zipf(1.5, n) % 5_000),
            "type": pa.array(types[rng.integers(0, len(types), n)]),
            "value": pa.array(np.round(rng.random(n) * 100, 2)),
            "channel": pa.array(np.array(["app", "web", "mini_program"])[rng.integers(0, 3, n)]),
        }
    )


def run(workspace: Path, path: Path) -> dict[str, float]:
    """One `culturebridge ingest` in a fresh process into a fresh workspace."""
    shutil.rmtree(workspace, ignore_errors=True)
    subprocess.run([CLI, "init", str(workspace)], check=True, capture_output=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    out = subprocess.run(
        [CLI, "ingest", str(workspace), "--table", "events", str(path), "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    peak_kb = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    result = json.loads(out.stdout)
    assert result["read"] == result["accepted"] + result["rejected"] + result["duplicates"]
    return {
        "rows": result["read"],
        "wall_s": wall,
        "rows_per_s": result["read"] / wall,
        "ingest_rows_per_s": result["read"] / result["duration_s"],
        "peak_mib": peak_kb / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="runs per format; the median counts")
    parser.add_argument("--record", action="store_true", help="append to benchmarks/RESULTS.md")
    args = parser.parse_args()
    lines = []
    with tempfile.TemporaryDirectory(prefix="cb-bench-") as tmp:
        root = Path(tmp)
        table = make_events(args.rows, args.users, args.seed)
        pq.write_table(table, root / "events.parquet", compression="zstd")
        pacsv.write_csv(table, root / "events.csv")
        del table
        for fmt in ("parquet", "csv"):
            path = root / f"events.{fmt}"
            runs = sorted(
                (run(root / f"ws-{fmt}", path) for _ in range(args.repeat)),
                key=lambda r: r["wall_s"],
            )
            r = runs[len(runs) // 2]  # the median run
            size = os.path.getsize(path) / 2**20
            line = (
                f"| ingest events from {fmt} ({size:,.0f} MiB) | {r['rows']:,.0f} rows | "
                f"{r['wall_s']:.1f} s | **{r['rows_per_s']:,.0f} rows/s** "
                f"({r['ingest_rows_per_s']:,.0f} excluding process start) | "
                f"{r['peak_mib']:,.0f} MiB peak RSS |"
            )
            print(line)
            lines.append(line)
    if args.record:
        header = (
            f"\n### ingest — {date.today()} — {platform.machine()}, {os.cpu_count()} cores — "
            f"`python benchmarks/ingest.py --rows {args.rows}`\n\n"
            "| what | size | wall (median) | throughput (whole command) | memory |\n"
            "|---|---|---|---|---|\n"
        )
        with (HERE / "RESULTS.md").open("a", encoding="utf-8") as fh:
            fh.write(header + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
