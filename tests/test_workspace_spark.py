"""One workspace, two engines: the same Ibis expressions give the same answers on DuckDB and on
Spark (local mode). Spark starts once for the module (it takes 10-20 s)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from culturebridge.config import get_settings
from culturebridge.ingest import ingest
from culturebridge.query import connect
from culturebridge.schema import TABLES
from culturebridge.workspace import Workspace

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def _write_inputs(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    types = ["view", "play", "rate", "purchase"]
    (folder / "events.csv").write_text(
        "user_id,item_id,ts,type,value,channel\n"
        + "".join(
            f"user{i % 37},item{i % 11},2023-{1 + i % 12:02d}-{1 + i % 28:02d}T"
            f"{i % 24:02d}:{i % 60:02d}:00+08:00,{types[i % 4 if i % 5 else 2]},"
            f"{(i % 7) * 0.5},{'app' if i % 3 else ''}\n"
            for i in range(2000)
        ),
        encoding="utf-8",
    )
    (folder / "users.csv").write_text(
        "user_id,birth_year,gender,city_tier\n"
        + "".join(
            f"user{i},{1980 + i % 25},{['female', 'male'][i % 2]},{1 + i % 4}\n" for i in range(37)
        ),
        encoding="utf-8",
    )
    (folder / "items.jsonl").write_text(
        "".join(
            f'{{"item_id": "item{i}", "kind": "film", "title_en": "Film {i}", '
            f'"genres": ["drama", "g{i % 3}"], "attributes": {{"colour": "c{i % 2}"}}, '
            f'"release_date": "2019-0{1 + i % 9}-01", "price": {i}.5}}\n'
            for i in range(11)
        ),
        encoding="utf-8",
    )
    (folder / "posts.csv").write_text(
        "post_id,ts,user_id,text,likes\n"
        + "".join(
            f"p{i},2023-05-{1 + i % 28:02d} 12:00:00,user{i % 37},\u597d\u770b{i},{i % 9}\n"
            for i in range(300)
        ),
        encoding="utf-8",
    )
    (folder / "matches.jsonl").write_text(
        "".join(
            f'{{"ts": "2022-03-0{1 + i % 9} 18:00:00", "game": "LoL", '
            f'"teams": [["p{i}", "p{i + 1}"], ["p{i + 2}"]], '
            f'"ranks": [{1 + i % 2}, {2 - i % 2}]}}\n'
            for i in range(50)
        ),
        encoding="utf-8",
    )
    return {
        "events": folder / "events.csv",
        "users": folder / "users.csv",
        "items": folder / "items.jsonl",
        "posts": folder / "posts.csv",
        "matches": folder / "matches.jsonl",
    }


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if os.environ.get("CI"):  # CI must run the parity check, never skip it
        import pyspark  # noqa: F401

        assert shutil.which("java"), "Spark needs Java 17 on PATH in CI"
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java: no `java` on PATH")
    folder = tmp_path_factory.mktemp("parity")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CULTUREBRIDGE_SPARK__MASTER", "local[2]")
        get_settings.cache_clear()
        ws = Workspace.create(folder / "ws")
        for table, path in _write_inputs(folder / "in").items():
            r = ingest(ws, table, [path])
            assert r.accepted == r.read, (table, r.to_dict())
        spark = connect(ws, "spark")
        duck = connect(ws, "duckdb")
        try:
            yield {"ws": ws, "duckdb": duck, "spark": spark}
        finally:
            duck.disconnect()
            spark._session.stop()
            get_settings.cache_clear()


def frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False
    )


def test_spark_runs_locally(engines: dict[str, Any]) -> None:
    session = engines["spark"]._session
    assert session.sparkContext.master == "local[2]"


@pytest.mark.parametrize("table", list(TABLES))
def test_same_row_counts(engines: dict[str, Any], table: str) -> None:
    duck = engines["duckdb"].table(table).count().execute()
    spark = engines["spark"].table(table).count().execute()
    assert duck == spark == engines["ws"].manifest().tables[table].rows


def test_same_events_per_type(engines: dict[str, Any]) -> None:
    def expr(con: Any) -> Any:
        e = con.table("events")
        return e.group_by("type").aggregate(n=e.count(), total=e.value.sum()).order_by("type")

    duck = expr(engines["duckdb"]).execute()
    spark = expr(engines["spark"]).execute()
    frames_equal(duck, spark)
    assert duck["n"].sum() == 2000
    assert set(duck["type"]) == {"view", "play", "rate", "purchase"}


def test_same_times_in_utc(engines: dict[str, Any]) -> None:
    """Timestamps are naive UTC in the lake; neither engine may shift them by a zone."""

    def expr(con: Any) -> Any:
        e = con.table("events")
        return e.aggregate(lo=e.ts.min(), hi=e.ts.max(), users=e.user_id.nunique())

    duck = expr(engines["duckdb"]).execute()
    spark = expr(engines["spark"]).execute()
    frames_equal(duck, spark)
    # the earliest row: 2023-01-01T00:00:00+08:00 is 2022-12-31 16:00 UTC
    assert duck.loc[0, "lo"].to_pydatetime() == datetime(2022, 12, 31, 16, 0)


def test_same_nested_values(engines: dict[str, Any]) -> None:
    def expr(con: Any) -> Any:
        items = con.table("items")
        m = items.mutate(n_genres=items.genres.length(), colour=items.attributes["colour"])
        return (
            m.group_by("colour")
            .aggregate(n=m.count(), genres=m.n_genres.sum(), price=m.price.sum())
            .order_by("colour")
        )

    frames_equal(expr(engines["duckdb"]).execute(), expr(engines["spark"]).execute())

    def teams(con: Any) -> Any:
        m = con.table("matches")
        return m.aggregate(n=m.count(), teams=m.teams.length().sum(), ranks=m.ranks.length().sum())

    frames_equal(teams(engines["duckdb"]).execute(), teams(engines["spark"]).execute())


def test_same_join(engines: dict[str, Any]) -> None:
    def expr(con: Any) -> Any:
        e, u = con.table("events"), con.table("users")
        j = e.join(u, "user_id")
        return j.group_by("gender").aggregate(n=j.count()).order_by("gender")

    duck = expr(engines["duckdb"]).execute()
    frames_equal(duck, expr(engines["spark"]).execute())
    assert duck["n"].sum() == 2000
