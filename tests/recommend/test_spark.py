"""Scale-out: a workspace read through Spark gives the same interactions as through DuckDB, and
ALS trains in Spark MLlib behind the same contract."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import numpy as np
import pytest

from culturebridge.config import get_settings
from culturebridge.recommend import Interactions, from_workspace, make_model
from tests.conftest import Demo
from tests.recommend.test_contract import BLOCK, SEEN, block_of_item, checkerboard

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module", autouse=True)
def local_spark() -> Iterator[None]:
    """Spark in local[2] for this module, stopped afterwards so later modules start their own."""
    if os.environ.get("CI"):  # CI must run the Spark path, never skip it
        import pyspark  # noqa: F401
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java: no `java` on PATH")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CULTUREBRIDGE_SPARK__MASTER", "local[2]")
        get_settings.cache_clear()
        try:
            yield
        finally:
            from pyspark.sql import SparkSession

            active = SparkSession.getActiveSession()
            if active is not None:
                active.stop()
            get_settings.cache_clear()


def test_spark_als_keeps_the_contract() -> None:
    data: Interactions = checkerboard()
    model = make_model("spark-als", {"embedding_size": 2, "epochs": 10, "reg": 0.1}).fit(data)
    recs = model.recommend(np.arange(data.n_users, dtype=np.int32), BLOCK - SEEN)
    user_blocks = np.array([0 if u.startswith("u0") else 1 for u in data.user_ids])
    hits = block_of_item(data, recs.items) == user_blocks[:, None]
    assert hits.mean() > 0.95


def test_spark_reads_the_same_interactions_and_trains_als(demo: Demo) -> None:
    duck = from_workspace(demo.ws, backend="duckdb")
    spark = from_workspace(demo.ws, backend="spark")
    np.testing.assert_array_equal(duck.user_ids, spark.user_ids)
    np.testing.assert_array_equal(duck.item_ids, spark.item_ids)
    a = duck.matrix().tocoo()
    b = spark.matrix().tocoo()
    np.testing.assert_array_equal(a.row, b.row)
    np.testing.assert_array_equal(a.col, b.col)
    np.testing.assert_allclose(a.data, b.data, rtol=1e-5)
    model = make_model("spark-als", {"embedding_size": 16, "epochs": 5}).fit(spark)
    users = np.arange(200, dtype=np.int32)
    recs = model.recommend(users, 10)
    seen = spark.matrix(binary=True)[users]
    for u in range(len(users)):
        assert not set(recs.items[u].tolist()) & set(seen[u].indices.tolist())
    # the factors are learned, not left at zero: a popular item scores above an unseen-by-all one
    assert np.abs(model.item_factors).sum() > 0
