"""Whole-process start-up and a whole `prefs` command, against DuckDB scripts, interleaved.

    .venv/bin/python benchmarks/startup.py --workspace /tmp/bench1m/ws [--rounds 7]

Pairs, each run as a fresh process, round by round (so a busy neighbour slows both alike):

- `culturebridge --help` against `python -c "import duckdb"` (the least any DuckDB tool pays);
- `culturebridge prefs WS --segment gen_z_tier1 --by attributes.style --json` against a Python
  script that imports duckdb and runs the hand-written SQL of `benchmarks/analytics.py` for the
  same question over the same lake files, printing the rows as JSON.

Reports the median wall time, CPU seconds (user + system of the child) and peak memory (max
RSS) per command, and the ratios. Writes benchmarks/results/startup.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from analytics import Lake, hand_sql  # noqa: E402
from culturebridge.workspace import Workspace  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "startup.md"
BIN = Path(sys.executable).parent


TIME = Path("/usr/bin/time")


def measure(cmd: list[str]) -> tuple[float, float, float]:
    """(wall s, CPU s, max RSS MiB) of one run of `cmd` as a fresh process. The memory comes
    from GNU time, whose own child is exec'd clean: a child forked from this process would
    count this process's pages as its own peak."""
    with tempfile.NamedTemporaryFile("r") as out:
        prefix = [str(TIME), "-f", "%M", "-o", out.name] if TIME.exists() else []
        t0 = time.perf_counter()
        proc = subprocess.Popen(prefix + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, rusage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} exited with {proc.returncode}")
        text = out.read().strip()
    rss = int(text.splitlines()[-1]) / 1024 if prefix and text else float("nan")
    return wall, rusage.ru_utime + rusage.ru_stime, rss


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    ws = Workspace.open(args.workspace)
    events = ws.manifest().tables["events"].rows
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "prefs_duckdb.py"
        script.write_text(
            "import json, duckdb\n"
            "con = duckdb.connect()\n"
            f"rel = con.sql({hand_sql('prefs', Lake.of(ws))!r})\n"
            "cols = rel.columns\n"
            "print(json.dumps([dict(zip(cols, r)) for r in rel.fetchall()], default=str))\n",
            encoding="utf-8",
        )
        cli = str(BIN / "culturebridge")
        pairs = {
            "help": ([cli, "--help"], [sys.executable, "-c", "import duckdb"]),
            "prefs": (
                [
                    cli,
                    "prefs",
                    str(ws.root),
                    "--segment",
                    "gen_z_tier1",
                    "--by",
                    "attributes.style",
                    "--json",
                ],
                [sys.executable, str(script)],
            ),
        }
        runs: dict[tuple[str, int], list[tuple[float, float, float]]] = {}
        for ours, ref in pairs.values():  # warm the page cache once
            measure(ours)
            measure(ref)
        for _ in range(args.rounds):
            for name, (ours, ref) in pairs.items():
                runs.setdefault((name, 0), []).append(measure(ours))
                runs.setdefault((name, 1), []).append(measure(ref))

    def med(name: str, which: int, k: int) -> float:
        return statistics.median(r[k] for r in runs[(name, which)])

    def ratios(name: str, k: int) -> str:
        """The round-by-round ratio's range (each round's pair ran side by side)."""
        r = [a[k] / b[k] for a, b in zip(runs[(name, 0)], runs[(name, 1)], strict=True)]
        return f"{min(r):.1f}–{max(r):.1f}"

    lines = [
        "# Start-up and a whole command (benchmarks/startup.py)",
        "",
        f"{date.today()}, {platform.node()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; `python benchmarks/startup.py --workspace "
        f"{args.workspace} --rounds {args.rounds}` ({events:,} events); medians of "
        f"{args.rounds} interleaved rounds, each a fresh process.",
        "",
        "| command | wall s | CPU s | max RSS MiB | reference | wall s | CPU s | max RSS MiB "
        "| ratio (wall, CPU), median [range over rounds] |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    labels = {
        "help": ("`culturebridge --help`", '`python -c "import duckdb"`'),
        "prefs": ("`culturebridge prefs … --json`", "a DuckDB script, the same SQL figures"),
    }
    for name in pairs:
        a = [med(name, 0, k) for k in range(3)]
        b = [med(name, 1, k) for k in range(3)]
        lines.append(
            f"| {labels[name][0]} | {a[0]:.2f} | {a[1]:.2f} | {a[2]:.0f} | {labels[name][1]} | "
            f"{b[0]:.2f} | {b[1]:.2f} | {b[2]:.0f} | {a[0] / b[0]:.1f}× [{ratios(name, 0)}], "
            f"{a[1] / b[1]:.1f}× [{ratios(name, 1)}] |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
