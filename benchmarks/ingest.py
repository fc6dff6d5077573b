"""Ingest throughput: rows/s, CPU seconds and peak memory from Parquet and from CSV, validation
and pseudonymisation included (the full `culturebridge ingest` command, in a fresh process),
side by side with DuckDB's own reader loading the same file into a table (also a fresh process),
interleaved run by run.

    .venv/bin/python benchmarks/ingest.py --rows 5000000 --users 200000 [--record]

The events look like a platform's: `--users` distinct raw user ids (every one of them appears:
activity is Zipf-like with exponent 0.8 over the users, so a few are very active and most
have a handful of events), 5,000 items with a steeper skew, six event types, three channels,
180 days of timestamps, unique event ids. The distinct count is printed: an id column that
repeats a few thousand values hides the cost of pseudonymising.

Goals on the 2-core reference machine: >= 1,000,000 rows/s from Parquet, >= 500,000 from CSV,
within 2x of DuckDB's reader. `--record` appends the figures to benchmarks/RESULTS.md.
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


def _skewed(rng: np.random.Generator, n: int, k: int, s: float) -> np.ndarray:
    """n draws from k ids with Zipf-like weights 1/rank^s, ranks shuffled over the ids."""
    weights = 1.0 / np.arange(1, k + 1, dtype=float) ** s
    ids = rng.permutation(k)
    return ids[rng.choice(k, size=n, p=weights / weights.sum())]


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
            "user_id": ids("wx_", _skewed(rng, n, users, 0.8)),
            "item_id": ids("item", _skewed(rng, n, 5_000, 1.1)),
            "type": pa.array(types[rng.integers(0, len(types), n)]),
            "value": pa.array(np.round(rng.random(n) * 100, 2)),
            "channel": pa.array(np.array(["app", "web", "mini_program"])[rng.integers(0, 3, n)]),
        }
    )


def _child(cmd: list[str]) -> tuple[float, float, float, str]:
    """(wall s, CPU s, max RSS MiB, stdout) of a fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)}: {err.decode(errors='replace')[-500:]}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.decode()


def run(workspace: Path, path: Path) -> dict[str, float]:
    """One `culturebridge ingest` in a fresh process into a fresh workspace."""
    shutil.rmtree(workspace, ignore_errors=True)
    subprocess.run([CLI, "init", str(workspace)], check=True, capture_output=True)
    cpu0 = _cpu_children()
    wall, _, _, out = _child(
        [CLI, "ingest", str(workspace), "--table", "events", str(path), "--json"]
    )
    cpu = _cpu_children() - cpu0
    result = json.loads(out)
    assert result["read"] == result["accepted"] + result["rejected"] + result["duplicates"]
    return {
        "rows": result["read"],
        "wall_s": wall,
        "cpu_s": cpu,
        "rows_per_s": result["read"] / wall,
        "ingest_rows_per_s": result["read"] / result["duration_s"],
    }


def reference(folder: Path, path: Path, fmt: str) -> dict[str, float]:
    """DuckDB's own reader loading the file into a table of a database file, fresh process."""
    db = folder / "ref.duckdb"
    db.unlink(missing_ok=True)
    reader = "read_parquet" if fmt == "parquet" else "read_csv"
    code = (
        f"import duckdb; con = duckdb.connect({str(db)!r}); "
        "con.execute('SET enable_progress_bar = false'); "
        f"con.execute(\"CREATE TABLE events AS SELECT * FROM {reader}('{path}')\"); "
        "print(con.execute('SELECT count(*) FROM events').fetchone()[0])"
    )
    cpu0 = _cpu_children()
    wall, _, _, out = _child([sys.executable, "-c", code])
    return {"rows": int(out), "wall_s": wall, "cpu_s": _cpu_children() - cpu0}


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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
        distinct = pc.count_distinct(table["user_id"]).as_py()
        print(f"{args.rows:,} events, {distinct:,} distinct users")
        pq.write_table(table, root / "events.parquet", compression="zstd")
        pacsv.write_csv(table, root / "events.csv")
        del table
        ours: dict[str, list[dict[str, float]]] = {"parquet": [], "csv": []}
        ref: dict[str, list[dict[str, float]]] = {"parquet": [], "csv": []}
        for _ in range(args.repeat):  # interleaved: a busy neighbour slows both alike
            for fmt in ("parquet", "csv"):
                path = root / f"events.{fmt}"
                ours[fmt].append(run(root / f"ws-{fmt}", path))
                ref[fmt].append(reference(root, path, fmt))
        for fmt in ("parquet", "csv"):
            size = os.path.getsize(root / f"events.{fmt}") / 2**20
            r = sorted(ours[fmt], key=lambda x: x["wall_s"])[args.repeat // 2]
            d = sorted(ref[fmt], key=lambda x: x["wall_s"])[args.repeat // 2]
            # each round's pair ran back to back: their ratios give the interval
            pairs = [o["wall_s"] / x["wall_s"] for o, x in zip(ours[fmt], ref[fmt], strict=True)]
            rates = [o["rows_per_s"] for o in ours[fmt]]
            line = (
                f"| ingest events from {fmt} ({size:,.0f} MiB, {distinct:,} users) | "
                f"{r['wall_s']:.1f} s, {r['cpu_s']:.1f} CPU-s | **{r['rows_per_s']:,.0f} rows/s** "
                f"({r['ingest_rows_per_s']:,.0f} excluding process start) | DuckDB "
                f"`{'read_parquet' if fmt == 'parquet' else 'read_csv'}` into a table: "
                f"{d['wall_s']:.1f} s, {d['cpu_s']:.1f} CPU-s, {args.rows / d['wall_s']:,.0f} "
                f"rows/s | {r['wall_s'] / d['wall_s']:.2f}× "
                f"[{min(pairs):.2f}–{max(pairs):.2f} over {args.repeat} rounds] "
                f"(CPU {r['cpu_s'] / d['cpu_s']:.2f}×); rows/s "
                f"{min(rates):,.0f}–{max(rates):,.0f} |"
            )
            print(line)
            lines.append(line)
    if args.record:
        header = (
            f"\n### ingest — {date.today()} — {platform.machine()}, {os.cpu_count()} cores — "
            f"`python benchmarks/ingest.py --rows {args.rows} --users {args.users}`\n\n"
            "| what | culturebridge (median) | throughput (whole command) | reference (median) "
            "| ratio |\n"
            "|---|---|---|---|---|\n"
        )
        with (HERE / "RESULTS.md").open("a", encoding="utf-8") as fh:
            fh.write(header + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
