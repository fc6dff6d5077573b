"""The demo universe at its default size (what `make demo` builds), shared by the analytics tests.

Built once per session: 20,000 users and 1,000,000 events take a few seconds to generate and
ingest. A second workspace holds the same events with the users' demographics shuffled among
users: every demographic segment is then a random sample, so any "preference" found is false.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from culturebridge.config import get_settings
from culturebridge.demo import DemoConfig, DemoResult, generate
from culturebridge.ingest import ingest
from culturebridge.schema import TABLES
from culturebridge.workspace import Workspace

DEMOGRAPHICS = ("birth_year", "gender", "province", "city_tier", "platform")


@dataclass(frozen=True)
class Demo:
    ws: Workspace
    truth: dict[str, Any]


def _ingest_all(ws: Workspace, files: dict[str, list[Path]]) -> None:
    for table in TABLES:
        if files.get(table):
            ingest(ws, table, files[table])


@pytest.fixture(scope="session")
def demo_source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoResult]:
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("CULTUREBRIDGE_")}
    get_settings.cache_clear()  # default ingest batches: this is a million rows
    try:
        yield generate(tmp_path_factory.mktemp("demo-src"), DemoConfig())
    finally:
        os.environ.update(saved)
        get_settings.cache_clear()


@pytest.fixture(scope="session")
def demo(demo_source: DemoResult, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("CULTUREBRIDGE_")}
    get_settings.cache_clear()
    try:
        ws = Workspace.create(tmp_path_factory.mktemp("demo") / "ws")
        _ingest_all(ws, demo_source.files)
    finally:
        os.environ.update(saved)
        get_settings.cache_clear()
    truth = json.loads(json.dumps(demo_source.truth, default=str))
    return Demo(ws=ws, truth=truth)


@pytest.fixture(scope="session")
def shuffled(demo_source: DemoResult, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The demo's events with user demographics permuted (jointly, so each row stays a
    plausible person) among users."""
    root = tmp_path_factory.mktemp("shuffled")
    files = dict(demo_source.files)
    users = pa.concat_tables([_read(p) for p in files["users"]])
    perm = np.random.default_rng(2026).permutation(users.num_rows)
    for col in DEMOGRAPHICS:
        i = users.schema.get_field_index(col)
        users = users.set_column(i, col, users[col].take(pa.array(perm)))
    out = root / "users.parquet"
    pq.write_table(users, out)
    files["users"] = [out]
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("CULTUREBRIDGE_")}
    get_settings.cache_clear()
    try:
        ws = Workspace.create(root / "ws")
        _ingest_all(ws, files)
    finally:
        os.environ.update(saved)
        get_settings.cache_clear()
    return ws


def _read(path: Path) -> pa.Table:
    if path.suffix == ".parquet":
        return pq.read_table(path)
    from pyarrow import csv

    return csv.read_csv(path)
