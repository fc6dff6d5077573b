"""Crash safety: an ingest killed at any point leaves the workspace exactly as it was, and the
next run completes it with nothing counted twice.

The ingest runs in a real subprocess (the installed `culturebridge` console script) and is killed
with SIGKILL: no handler, no cleanup, as in a power cut or the OOM killer.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from culturebridge.query import connect
from culturebridge.workspace import Workspace
from tests.helpers import CLI, warehouse_counts

pytestmark = pytest.mark.slow

N_ROWS = 2_000_000
BAD_EVERY = 250_000  # rows 0, 250000, ... carry an unknown event type: 8 rejects
N_BAD = N_ROWS // BAD_EVERY


def write_events_csv(path: Path, n: int, *, seed: int) -> None:
    """`n` distinct, valid events (except every BAD_EVERY-th row), about 50 bytes a row."""
    rng = np.random.default_rng(seed)
    idx = pa.array(np.arange(n))
    types = np.array(["play", "view", "rate", "click"])[rng.integers(0, 4, n)]
    types[::BAD_EVERY] = "zap"
    table = pa.table(
        {
            "user_id": pc.binary_join_element_wise(
                "rawuser-", pc.cast(pa.array(rng.integers(0, 50_000, n)), pa.string()), ""
            ),
            "item_id": pc.cast(pa.array(rng.integers(0, 5_000, n)), pa.string()),
            # one second apart: every row is a different event
            "ts": pc.cast(pc.add(idx, 1_500_000_000), pa.timestamp("s")),
            "type": pa.array(types),
            "value": pa.array(rng.integers(1, 6, n).astype(np.float64)),
        }
    )
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none"))


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CULTUREBRIDGE_")}
    env["CULTUREBRIDGE_INGEST__BATCH_ROWS"] = "200000"
    env.update(extra)
    return env


def start_ingest(ws: Path, path: Path, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(CLI), "ingest", str(ws), str(path), "--table", "events", "--json"],
        env=cli_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def snapshot(ws: Workspace) -> dict[str, Any]:
    """Everything a reader can see."""
    m = ws.manifest()
    status = ws.status()
    status.pop("workspace")
    con = connect(ws)
    ibis_count = con.table("events").count().execute()
    con.disconnect()
    return {
        "manifest_bytes": ws.manifest_path.read_bytes(),
        "listed_files": {t: list(s.files) for t, s in m.tables.items()},
        "status": status,
        "warehouse": warehouse_counts(ws),
        "ibis_events": ibis_count,
    }


def lake_files_on_disk(ws: Workspace) -> set[str]:
    return {str(p.relative_to(ws.root)) for p in ws.lake.glob("*/*.parquet")}


def test_killed_ingest_changes_nothing_and_a_rerun_completes(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    ws = Workspace.create(root)
    small = tmp_path / "small.csv"
    small.write_text(
        "user_id,item_id,ts,type,value\n"
        + "".join(
            f"base-{i},i{i % 7},2015-01-01 00:{i // 60:02d}:{i % 60:02d},view,1\n"
            for i in range(1000)
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        [str(CLI), "ingest", str(root), str(small), "--table", "events", "--json"],
        env=cli_env(),
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert json.loads(done.stdout)["accepted"] == 1000
    before = snapshot(ws)
    assert before["warehouse"]["events"] == 1000

    big = tmp_path / "big.csv"
    write_events_csv(big, N_ROWS, seed=1)
    assert big.stat().st_size > 80_000_000

    # 1. Killed mid-way: once the ingest has staged its first batch.
    proc = start_ingest(root, big)
    deadline = time.monotonic() + 60
    try:
        while not any(ws.staging_dir.glob("*/*.parquet")):  # a staged batch
            assert proc.poll() is None, proc.communicate()[1].decode()
            assert time.monotonic() < deadline, "the ingest never started staging"
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"
    assert ws.staging_dir.exists()  # it really was part-way through
    assert snapshot(ws) == before
    assert lake_files_on_disk(ws) == set(before["listed_files"]["events"])

    # 2. Killed at the last moment: new lake files and the rejects file are in place, only the
    # manifest switch is missing. Readers still see nothing new.
    proc = start_ingest(root, big, CULTUREBRIDGE_TEST_CRASH_AT="before-commit")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL, err.decode()
    orphans = lake_files_on_disk(ws) - set(before["listed_files"]["events"])
    assert orphans, "the crash point is after the new files were moved into the lake"
    assert list(ws.rejects_dir.iterdir()), "and after the rejects file was moved"
    assert snapshot(ws) == before

    # 3. Run again: it completes, exactly as one clean ingest would have.
    proc = start_ingest(root, big)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    result = json.loads(out)
    assert (result["read"], result["accepted"], result["rejected"], result["duplicates"]) == (
        N_ROWS,
        N_ROWS - N_BAD,
        N_BAD,
        0,
    )
    after = ws.manifest()
    assert after.version == ws.manifest().version == before["status"]["version"] + 1
    assert after.tables["events"].rows == 1000 + N_ROWS - N_BAD
    assert warehouse_counts(ws)["events"] == 1000 + N_ROWS - N_BAD
    assert ws.status()["tables"]["events"]["rows"] == 1000 + N_ROWS - N_BAD
    # the debris of both crashes is gone; only committed files remain
    assert lake_files_on_disk(ws) == set(after.tables["events"].files)
    assert not orphans & lake_files_on_disk(ws)
    assert [p.name for p in ws.rejects_dir.iterdir()] == [Path(result["rejects_file"]).name]
    assert not ws.staging_dir.exists() or not any(ws.staging_dir.iterdir())
    con = connect(ws)
    events = con.table("events")
    assert events.event_id.nunique().execute() == 1000 + N_ROWS - N_BAD
    con.disconnect()
