"""Issue 20, item 7: the slow first answers on the demo, as whole processes.

Each command runs in a fresh process on a fresh copy of the demo workspace, in two states,
interleaved round by round:

- "after ingest": the workspace as `culturebridge demo` (or `ingest`) leaves it, with the post
  tags, item text embeddings and item image tags that an ingest now fills;
- "no caches": the same copy with `cache/` removed, which is what the first question paid
  before the caches were filled at ingest (and still pays where an ingest left them empty).

No result cache is involved: every run computes its answer. Usage:

    python benchmarks/cold_answers.py [--rounds 2] [--workspace DIR]

Without --workspace a demo workspace is built first (`culturebridge demo`, 1M events).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXE = str(Path(sys.executable).with_name("culturebridge"))
SPEC = str(Path(__file__).resolve().parents[1] / "examples" / "proposed_title.toml")


def commands(ws: Path) -> dict[str, list[str]]:
    image = sorted((ws / "images" / "items").iterdir())[0]
    return {
        "recommend audience": ["recommend", "audience", str(ws), "--spec", SPEC, "--json"],
        "fashion similar": ["fashion", "similar", "--image", str(image), "--workspace", str(ws)],
        "fashion trends": ["fashion", "trends", str(ws), "--segment", "gen_z_tier1", "--json"],
        "social topics": ["social", "topics", str(ws), "--json"],
    }


def run(args: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run([EXE, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workspace", type=Path)
    ap.add_argument("--only", nargs="*", help="command names to run (default: all)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cb-cold-"))
    try:
        source = args.workspace
        if source is None:
            source = tmp / "demo"
            t = time.perf_counter()
            subprocess.run(
                [EXE, "demo", str(source), "--json"], check=True, stdout=subprocess.DEVNULL
            )
            print(f"demo built (with its caches) in {time.perf_counter() - t:.1f} s")
        names = args.only or list(commands(source))
        results: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for r in range(args.rounds):
            for name in names:
                for state in ("after ingest", "no caches"):
                    ws = tmp / f"ws-{r}-{state.replace(' ', '-')}"
                    shutil.rmtree(ws, ignore_errors=True)
                    shutil.copytree(source, ws, ignore=shutil.ignore_patterns(".lock"))
                    if state == "no caches":
                        shutil.rmtree(ws / "cache", ignore_errors=True)
                    results.setdefault((name, state), []).append(run(commands(ws)[name]))
        print(f"{'command':<20} {'state':<13} {'wall s (min-max)':>18} {'CPU s (min-max)':>17}")
        for name in names:
            for state in ("after ingest", "no caches"):
                xs = results[(name, state)]
                w = [x[0] for x in xs]
                c = [x[1] for x in xs]
                print(
                    f"{name:<20} {state:<13} {min(w):>8.1f}-{max(w):<8.1f} "
                    f"{min(c):>8.1f}-{max(c):<8.1f}"
                )
        print(f"rounds {args.rounds}, {os.cpu_count()} cores, interleaved; BLAS threads as shipped")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
