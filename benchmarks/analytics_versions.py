"""The same analytics, two versions of culturebridge: does a change cost in-process time?

    git worktree add /tmp/cb-before <commit>
    .venv/bin/python benchmarks/analytics_versions.py --before /tmp/cb-before/src \\
        --workspace /tmp/bench10m --rounds 5

Each round runs, in a fresh child process per version (alternating which goes first), the
three questions of `benchmarks/analytics.py` through the public functions: preferences
(gen_z_tier1 vs all by attributes.style), a weekly trend (all users by attributes.style) and a
funnel (gen_z vs all). Inside a child, each question runs once to warm up, then `--repeat`
times; the child reports the median wall time and the CPU seconds (user + system, all threads)
of those runs. Process start and imports are not timed: this compares in-process work only.
The parent prints per-question medians over rounds, and the after/before ratio of each round
(its median and range), since on a shared 2-core machine only ratios of interleaved runs mean
much. BLAS threads are limited to one (`threadpoolctl`) in both, as the analyses do.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, os, resource, statistics, sys, time
from threadpoolctl import threadpool_limits
from culturebridge.workspace import Workspace
try:
    from culturebridge.query import Analysis
except ImportError:  # before culturebridge.query existed
    from culturebridge.analytics import Analysis
from culturebridge.analytics import funnel, preferences, trends

ws = Workspace.open(sys.argv[1])
repeat = int(sys.argv[2])
questions = {
    "prefs": lambda a: preferences(a, segment="gen_z_tier1", by="attributes.style"),
    "trends": lambda a: trends(a, segment="all", by="attributes.style", period="week"),
    "funnel": lambda a: funnel(a, segment="gen_z", vs="all"),
}

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

out = {}
with threadpool_limits(1):
    for name, ask in questions.items():
        walls, cpus = [], []
        for i in range(repeat + 1):
            c0, t0 = cpu(), time.perf_counter()
            with Analysis.open(ws) as a:
                ask(a)
            if i:  # the first run warms up
                walls.append(time.perf_counter() - t0)
                cpus.append(cpu() - c0)
        out[name] = {"wall": statistics.median(walls), "cpu": statistics.median(cpus)}
print(json.dumps(out))
"""


def run(src: Path, workspace: Path, repeat: int) -> dict[str, dict[str, float]]:
    env = {**os.environ, "PYTHONPATH": str(src), "OMP_WAIT_POLICY": "passive"}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(workspace), str(repeat)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"child for {src} failed:\n{proc.stderr[-2000:]}")
    result: dict[str, dict[str, float]] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", type=Path, required=True, help="src/ of the earlier version")
    ap.add_argument("--after", type=Path, default=ROOT / "src", help="src/ of this version")
    ap.add_argument("--workspace", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rows: dict[str, list[dict[str, dict[str, float]]]] = {"before": [], "after": []}
    for r in range(args.rounds):
        order = ["before", "after"] if r % 2 == 0 else ["after", "before"]
        for which in order:
            src = args.before if which == "before" else args.after
            rows[which].append(run(src, args.workspace, args.repeat))
            print(f"round {r + 1}/{args.rounds} {which}: {rows[which][-1]}", file=sys.stderr)
    print(
        f"## analytics, before vs after — {date.today()} — {platform.machine()}, "
        f"{os.cpu_count()} cores — `python benchmarks/analytics_versions.py --before "
        f"{args.before} --workspace {args.workspace} --rounds {args.rounds} "
        f"--repeat {args.repeat}`\n"
    )
    print("| question | before wall | after wall | after/before wall (median, range) | "
          "before CPU | after CPU | after/before CPU (median, range) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for q in ("prefs", "trends", "funnel"):
        bw = [x[q]["wall"] for x in rows["before"]]
        aw = [x[q]["wall"] for x in rows["after"]]
        bc = [x[q]["cpu"] for x in rows["before"]]
        ac = [x[q]["cpu"] for x in rows["after"]]
        rw = [a / b for a, b in zip(aw, bw, strict=True)]
        rc = [a / b for a, b in zip(ac, bc, strict=True)]
        print(
            f"| {q} | {statistics.median(bw):.2f} s | {statistics.median(aw):.2f} s | "
            f"{statistics.median(rw):.3f} ({min(rw):.3f}–{max(rw):.3f}) | "
            f"{statistics.median(bc):.2f} s | {statistics.median(ac):.2f} s | "
            f"{statistics.median(rc):.3f} ({min(rc):.3f}–{max(rc):.3f}) |"
        )


if __name__ == "__main__":
    main()
