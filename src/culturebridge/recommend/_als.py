"""Implicit-feedback ALS (Hu, Koren & Volinsky 2008) through the `implicit` library, and the
same model trained by Spark MLlib when the data lives in Spark.

Confidence is 1 + alpha * value; both trainers yield user and item factor matrices, so scoring,
saving and loading are shared.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import Field

from culturebridge.recommend._base import ModelConfig, Recommender, register
from culturebridge.recommend._data import Interactions


class ALSConfig(ModelConfig):
    embedding_size: int = Field(default=64, ge=1)
    reg: float = Field(default=0.05, ge=0)
    alpha: float = Field(default=2.0, gt=0)
    """Confidence slope: an interaction of value v counts as 1 + alpha * v observations."""
    epochs: int = Field(default=15, ge=1)
    binary: bool = True
    """Treat every interaction as value 1 (the strength only as confidence when False)."""


class _Factors(Recommender):
    """A model whose scores are user_factors @ item_factors.T."""

    def __init__(self, config: ModelConfig | None = None, **params: Any) -> None:
        super().__init__(config, **params)
        self.user_factors = np.zeros((0, 0), np.float32)
        self.item_factors = np.zeros((0, 0), np.float32)

    def _scores(self, rows: npt.NDArray[np.int32]) -> npt.NDArray[np.float32]:
        # float64 products rounded to float32: BLAS sums in a batch-size-dependent order, and
        # the rounding makes a user's scores the same whichever batch they are scored in
        u = self.user_factors[rows].astype(np.float64)
        return (u @ self.item_factors.T.astype(np.float64)).astype(np.float32)

    def _item_vectors(self) -> npt.NDArray[np.float32]:
        return self.item_factors

    def _arrays(self) -> dict[str, np.ndarray]:
        return {"user_factors": self.user_factors, "item_factors": self.item_factors}

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.user_factors = arrays["user_factors"]
        self.item_factors = arrays["item_factors"]


@register
class ImplicitALS(_Factors):
    """iALS by `implicit` (conjugate-gradient solver, multithreaded, deterministic per seed)."""

    name = "ials"
    Config = ALSConfig
    config: ALSConfig

    def _fit(self, data: Interactions, rng: np.random.Generator) -> None:
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        c = self.config
        x = data.matrix(binary=c.binary)
        with threadpool_limits(1, "blas"):  # implicit parallelises over users itself
            model = AlternatingLeastSquares(
                factors=c.embedding_size,
                regularization=c.reg,
                alpha=c.alpha,
                iterations=c.epochs,
                random_state=int(rng.integers(2**31 - 1)),
            )
            model.fit(x, show_progress=False)
        self.user_factors = np.ascontiguousarray(model.user_factors, dtype=np.float32)
        self.item_factors = np.ascontiguousarray(model.item_factors, dtype=np.float32)


@register
class SparkALS(_Factors):
    """Implicit ALS trained by Spark MLlib (`pyspark.ml.recommendation.ALS`, implicitPrefs),
    for data that lives in Spark; the factors come back to numpy, so it is served, saved and
    evaluated like every other model."""

    name = "spark-als"
    Config = ALSConfig
    config: ALSConfig

    def _fit(self, data: Interactions, rng: np.random.Generator) -> None:
        try:
            from pyspark.ml.recommendation import ALS
            from pyspark.sql import SparkSession
        except ImportError:
            from culturebridge.errors import UserError

            raise UserError("spark-als needs PySpark: pip install 'culturebridge[spark]'") from None
        import pandas as pd

        c = self.config
        x = data.matrix(binary=c.binary).tocoo()
        from culturebridge.config import get_settings

        spark = SparkSession.getActiveSession() or (
            SparkSession.builder.master(get_settings().spark.master or "local[*]")
            .appName("culturebridge-recommend")
            .config("spark.ui.enabled", "false")
            .getOrCreate()
        )
        frame = pd.DataFrame(
            {"u": x.row.astype(np.int32), "i": x.col.astype(np.int32), "v": x.data}
        )
        df = spark.createDataFrame(frame)
        als = ALS(
            rank=c.embedding_size,
            maxIter=c.epochs,
            regParam=c.reg,
            alpha=c.alpha,
            implicitPrefs=True,
            userCol="u",
            itemCol="i",
            ratingCol="v",
            seed=int(rng.integers(2**31 - 1)),
            coldStartStrategy="drop",
        )
        fitted = als.fit(df)
        self.user_factors = _collect(fitted.userFactors, data.n_users, c.embedding_size)
        self.item_factors = _collect(fitted.itemFactors, data.n_items, c.embedding_size)


def _collect(factors: Any, n: int, dim: int) -> npt.NDArray[np.float32]:
    """MLlib's (id, features) rows as a dense matrix; ids it never saw stay zero."""
    pdf = factors.toPandas()
    out = np.zeros((n, dim), np.float32)
    if len(pdf):
        out[pdf["id"].to_numpy()] = np.stack(pdf["features"].to_numpy()).astype(np.float32)
    return out
