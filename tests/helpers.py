"""Helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from culturebridge.config import get_settings
from culturebridge.ingest import IngestResult, Mapping
from culturebridge.workspace import Workspace

REPO_ROOT = Path(__file__).resolve().parents[1]
MAPPINGS_DIR = REPO_ROOT / "examples" / "mappings"
CLI = Path(sys.executable).parent / "culturebridge"
"""The console script installed in the same environment as the interpreter running the tests."""


def report_content(text: str) -> str:
    """A self-contained HTML report without its inlined Plotly.js bundle (library code, not
    report content), checked to be there exactly once."""
    from culturebridge.reports import plotly_js

    assert text.count(plotly_js()) == 1, "the Plotly.js bundle should be inlined once"
    return text.replace(plotly_js(), "")


SMALL_BATCH_ROWS = 1000
"""Small enough that a file of a few thousand rows crosses several batches (and CSV parser blocks,
whose size follows the batch size), so the code that stitches batches together is exercised."""


def set_batch_rows(monkeypatch: pytest.MonkeyPatch, rows: int) -> None:
    """Change the ingest batch size for one test (settings are cached: clear the cache)."""
    monkeypatch.setenv("CULTUREBRIDGE_INGEST__BATCH_ROWS", str(rows))
    # the smallest parser block, so that small test files still span several blocks
    monkeypatch.setenv("CULTUREBRIDGE_INGEST__CSV_BLOCK_BYTES", str(1 << 16))
    get_settings.cache_clear()


def load_mapping(name: str) -> Mapping:
    """One of the shipped mappings in examples/mappings/."""
    return Mapping.load(MAPPINGS_DIR / f"{name}.toml")


def assert_conserved(result: IngestResult) -> None:
    """read = accepted + rejected + duplicates, for the ingest and for every one of its files."""
    assert result.read == result.accepted + result.rejected + result.duplicates
    for f in result.files:
        assert f.read == f.accepted + f.rejected + f.duplicates, f


def rejects_of(ws: Workspace, result: IngestResult) -> list[dict[str, Any]]:
    """The rejects file of an ingest, parsed (empty when nothing was rejected)."""
    if result.rejects_file is None:
        return []
    text = (ws.root / result.rejects_file).read_text(encoding="utf-8")
    # split on "\n" only: a raw text may hold U+0085 or U+2028, which str.splitlines() breaks on
    return [json.loads(line) for line in text.split("\n") if line]


def lake_rows(ws: Workspace, table: str, where: str = "") -> list[dict[str, Any]]:
    """Committed rows of `table`, read straight from the lake files that the manifest lists."""
    files = ws.files(table)
    if not files:
        return []
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        listing = ", ".join(f"'{p}'" for p in files)
        rel = con.sql(f"SELECT * FROM read_parquet([{listing}]) {where}")
        cols = rel.columns
        return [dict(zip(cols, row, strict=True)) for row in rel.fetchall()]
    finally:
        con.close()


def warehouse_counts(ws: Workspace) -> dict[str, int]:
    """Row counts per table through the DuckDB warehouse file, as any reader would see them."""
    con = duckdb.connect(str(ws.warehouse_path), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT view_name FROM duckdb_views() WHERE NOT internal"
            ).fetchall()
        ]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()
