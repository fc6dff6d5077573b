"""Shared fixtures: deterministic seeds, small ingest batches, workspaces and the real data."""

from __future__ import annotations

import json
import os
import random
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from culturebridge.config import get_settings
from culturebridge.demo import DemoConfig, DemoResult, generate
from culturebridge.demo._images import ITEM_IMAGE_DIR
from culturebridge.ingest import IngestResult, Mapping, ingest
from culturebridge.schema import TABLES
from culturebridge.workspace import Workspace
from tests.helpers import SMALL_BATCH_ROWS, set_batch_rows

DATA_DIR = Path(__file__).parents[1].parent / "shared" / "data"
"""The real public data beside the project (`../shared/data`); a fresh clone does not have it."""


@pytest.fixture(autouse=True)
def _deterministic(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Seed the global generators, use small ingest batches, fill no caches after an ingest,
    and keep the caller's CULTUREBRIDGE_ settings out of the tests (monkeypatch undoes the
    environment afterwards; the settings cache is cleared on both sides)."""
    random.seed(1234)
    np.random.seed(1234)
    for name in list(os.environ):
        if name.startswith("CULTUREBRIDGE_"):
            monkeypatch.delenv(name)
    set_batch_rows(monkeypatch, SMALL_BATCH_ROWS)
    # the caches an ingest fills (post tags, embeddings) cost seconds per demo-sized ingest:
    # tests that are about them turn them back on
    monkeypatch.setenv("CULTUREBRIDGE_INGEST__WARM_CACHES", "false")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


HEAVY = (
    "tests/privacy/test_attacks.py",
    "tests/reports/test_partner_report.py",
    "tests/web/test_dashboard.py",
    "tests/web/test_explore.py",
    "tests/api/test_fuzz.py",
    "tests/api/test_security.py",
    "tests/api/test_routes_a.py",
    "tests/api/test_routes_b.py",
    "tests/api/test_explore.py",
    "tests/api/test_capture.py",
    "tests/analytics/test_truth.py",
    "tests/test_workspace_spark.py",
    "tests/campaign/test_uplift.py",
    "tests/analytics/test_engagement.py",
    "tests/recommend/test_spark.py",
    "tests/social/test_topics.py",
    "tests/test_cli.py",
    "tests/ingest/test_crash.py",
)
"""The slowest files (half a minute to a few minutes each), run first, slowest first:
pytest-xdist hands out whole files, and one of these left to the end keeps a core busy while
the other idles."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slowest files first (see `HEAVY`); tests marked `realdata` skip, with the reason,
    where `../shared/data` is absent (a fresh clone); CI has it."""
    rank = {name: i for i, name in enumerate(HEAVY)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
    if DATA_DIR.is_dir():
        return
    skip = pytest.mark.skip(reason=f"real data not available: {DATA_DIR} is absent")
    for item in items:
        if "realdata" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def data_dir() -> Path:
    """`../shared/data`, or a skip with the reason."""
    if not DATA_DIR.is_dir():
        pytest.skip(f"real data not available: {DATA_DIR} is absent")
    return DATA_DIR


@pytest.fixture
def real_file(data_dir: Path) -> Callable[[str], Path]:
    """`real_file("movielens-100k/u.data")`: a file under `../shared/data`, or a skip with the
    reason when that file is not there."""

    def find(relative: str) -> Path:
        path = data_dir / relative
        if not path.is_file():
            pytest.skip(f"real data not available: {path} is absent")
        return path

    return find


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A fresh, empty workspace."""
    return Workspace.create(tmp_path / "ws")


IngestBytes = Callable[..., IngestResult]


@pytest.fixture
def ingest_bytes(ws: Workspace, tmp_path: Path) -> IngestBytes:
    """`run(table, name, data, mapping=..., **kw)`: write `data` to a file called `name` (in a
    folder of its own) and ingest it into `table` of the `ws` workspace. `mapping` may be a
    Mapping or the text of a TOML mapping file."""
    counter = iter(range(1_000_000))

    def run(
        table: str,
        name: str,
        data: bytes,
        *,
        mapping: Mapping | str | None = None,
        **kw: Any,
    ) -> IngestResult:
        folder = tmp_path / f"in{next(counter)}"
        folder.mkdir()
        path = folder / name
        path.write_bytes(data)
        if isinstance(mapping, str):  # TOML text, loaded as the CLI loads a mapping file
            toml = folder / "mapping.toml"
            toml.write_text(mapping, encoding="utf-8")
            mapping = Mapping.load(toml)
        return ingest(ws, table, [path], mapping=mapping, **kw)

    return run


# ---------------------------------------------------------------------- the demo universe
# At its default size (what `make demo` builds), built once per session and shared by the
# analytics and recommendation tests: 20,000 users and 1,000,000 events take a few seconds.


@dataclass(frozen=True)
class Demo:
    ws: Workspace
    truth: dict[str, Any]


def ingest_all(ws: Workspace, files: dict[str, list[Path]]) -> None:
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
        ingest_all(ws, demo_source.files)
        images = demo_source.files["items"][0].parents[1] / ITEM_IMAGE_DIR
        if images.is_dir():  # as `culturebridge demo` does: image_uri is relative to the root
            shutil.copytree(images, ws.root / ITEM_IMAGE_DIR)
    finally:
        os.environ.update(saved)
        get_settings.cache_clear()
    truth = json.loads(json.dumps(demo_source.truth, default=str))
    return Demo(ws=ws, truth=truth)


# ---------------------------------------------------------------------- the browser
# Debian's Chromium, driven by Playwright (never `playwright install`): one headless browser for
# the session, shared by the dashboard and report tests (Playwright's sync API allows one
# driver per thread).

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Headless Chromium; a skip saying why where it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
