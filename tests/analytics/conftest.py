"""The analytics tests' own fixture (the shared `demo` universe is in tests/conftest.py).

A second workspace holds the same events with the users' demographics shuffled among
users: every demographic segment is then a random sample, so any "preference" found is false.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from culturebridge.config import get_settings
from culturebridge.demo import DemoResult
from culturebridge.workspace import Workspace
from tests.conftest import ingest_all

DEMOGRAPHICS = ("birth_year", "gender", "province", "city_tier", "platform")


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
        ingest_all(ws, files)
    finally:
        os.environ.update(saved)
        get_settings.cache_clear()
    return ws


def _read(path: Path) -> pa.Table:
    if path.suffix == ".parquet":
        return pq.read_table(path)
    from pyarrow import csv

    return csv.read_csv(path)
