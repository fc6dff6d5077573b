"""One code path: preferences, trends and funnels give the same answers on DuckDB and on Spark
(local mode) over the same workspace: identical counts, rates equal to 1e-9.

Runs in CI (it fails there, rather than skips, when Spark cannot start)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from culturebridge.analytics import funnel, preferences, preferences_many, retention, trends
from culturebridge.config import get_settings
from culturebridge.demo import DemoConfig, generate
from culturebridge.ingest import ingest
from culturebridge.query import Analysis
from culturebridge.schema import TABLES
from culturebridge.workspace import Workspace

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    if os.environ.get("CI"):  # CI must run the parity check, never skip it
        import pyspark  # noqa: F401

        assert shutil.which("java"), "Spark needs Java 17 on PATH in CI"
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java: no `java` on PATH")
    root = tmp_path_factory.mktemp("parity")
    result = generate(root / "src", DemoConfig(users=3000, events=120_000, seed=5))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CULTUREBRIDGE_SPARK__MASTER", "local[2]")
        get_settings.cache_clear()
        ws = Workspace.create(root / "ws")
        for table in TABLES:
            if result.files.get(table):
                ingest(ws, table, result.files[table])
        try:
            yield ws
        finally:
            from pyspark.sql import SparkSession

            session = SparkSession.getActiveSession()
            if session is not None:
                session.stop()
            get_settings.cache_clear()


def same(duck: Any, spark: Any, path: str = "") -> None:
    """Equal structures: ints and strings exactly, floats to 1e-9 (relative or absolute)."""
    if isinstance(duck, dict):
        assert duck.keys() == spark.keys(), path
        for k in duck:
            same(duck[k], spark[k], f"{path}.{k}")
    elif isinstance(duck, list):
        assert len(duck) == len(spark), path
        for i, (a, b) in enumerate(zip(duck, spark, strict=True)):
            same(a, b, f"{path}[{i}]")
    elif isinstance(duck, float) and isinstance(spark, float):
        assert duck == pytest.approx(spark, rel=1e-9, abs=1e-12), path
    else:
        assert duck == spark, path


def both(ws: Workspace, run: Any, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    out = []
    for backend in ("duckdb", "spark"):
        with Analysis.open(ws, backend=backend, **kwargs) as a:  # type: ignore[arg-type]
            out.append(run(a).model_dump(mode="json", exclude={"scope", "sql"}))
    return out[0], out[1]


@pytest.mark.parametrize(
    ("segment", "by", "vs"),
    [
        ("gen_z", "genre", "all"),
        ("gen_z_tier1", "attributes.style", "all"),
        ("young_adults", "kind", "older_45_plus"),
        ("gamers_30d", "item", "all"),
    ],
)
def test_preferences_match(ws: Workspace, segment: str, by: str, vs: str) -> None:
    duck, spark = both(ws, lambda a: preferences(a, segment=segment, by=by, vs=vs))
    same(duck, spark)
    assert duck["rows"] and any(r["users"] for r in duck["rows"])


def test_partner_scoped_preferences_match(ws: Workspace) -> None:
    duck, spark = both(
        ws, lambda a: preferences(a, segment="gen_z", by="item"), partner="p_britannia"
    )
    same(duck, spark)


@pytest.mark.parametrize("period", ["week", "month"])
def test_trends_match(ws: Workspace, period: str) -> None:
    duck, spark = both(ws, lambda a: trends(a, by="attributes.pattern", period=period))
    same(duck, spark)
    assert len(duck["periods"]) >= 6


@pytest.mark.parametrize(("segment", "vs"), [("gen_z", "all"), ("young_adults_tier2", None)])
def test_funnels_match(ws: Workspace, segment: str, vs: str | None) -> None:
    duck, spark = both(ws, lambda a: funnel(a, segment=segment, vs=vs))
    same(duck, spark)
    assert {r["stage"] for r in duck["rows"]} == {"impression", "view", "engage", "purchase"}


def test_retention_matches(ws: Workspace) -> None:
    duck, spark = both(ws, lambda a: retention(a, segment="gen_z", weeks=4))
    same(duck, spark)


def test_batched_preferences_match(ws: Workspace) -> None:
    out = []
    for backend in ("duckdb", "spark"):
        with Analysis.open(ws, backend=backend) as a:  # type: ignore[arg-type]
            results = preferences_many(a, ["gen_z", "tier1"], ["kind", "attributes.style"])
            out.append([r.model_dump(mode="json", exclude={"scope", "sql"}) for r in results])
    same(out[0], out[1])
    assert len(out[0]) == 4
