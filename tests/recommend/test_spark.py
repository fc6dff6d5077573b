"""Scale-out: a workspace read through Spark gives the same interactions as through DuckDB, and
ALS trains in Spark MLlib behind the same contract."""

from __future__ import annotations

import numpy as np
import pytest

from culturebridge.recommend import from_workspace, make_model
from tests.conftest import Demo

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def test_spark_reads_the_same_interactions_and_trains_als(demo: Demo) -> None:
    pytest.importorskip("pyspark")
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
