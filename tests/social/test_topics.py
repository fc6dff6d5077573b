"""Keywords, bursts and topics: planted bursts are found, flat noise raises none, and on the demo
the planted week of negative posts shows up as bursting title and complaint terms."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from culturebridge.query import Analysis
from culturebridge.social._topics import (
    TopicsConfig,
    bursts,
    ctfidf,
    social_topics,
)


def test_ctfidf_prefers_a_term_concentrated_in_one_class() -> None:
    counts = np.array([[10.0, 10.0, 0.0], [10.0, 10.0, 9.0], [10.0, 10.0, 0.0]])
    sizes = np.array([100.0, 100.0, 100.0])
    s = ctfidf(counts, sizes)
    assert s[1, 2] > s[1, 0]  # the term only period 1 uses beats the everywhere term
    assert s[0, 0] == pytest.approx(s[2, 0])


def test_bursts_find_a_planted_burst_and_nothing_in_flat_noise() -> None:
    rng = np.random.default_rng(3)
    periods, terms = 20, 60
    sizes = np.full(periods, 1000.0)
    rates = rng.uniform(0.01, 0.1, size=terms)
    counts = rng.poisson(rates[None, :] * sizes[:, None]).astype(float)
    cfg = TopicsConfig()
    assert bursts(counts, sizes, cfg) == []  # 1,080 tests of pure noise: no false alarm

    planted = counts.copy()
    planted[14, 7] = rates[7] * 1000 * 4 + 20  # four times the usual, and then some
    planted[17, 59] = 0
    new_term = np.zeros((periods, 1))
    new_term[18, 0] = 25  # a word nobody used before
    grid = np.hstack([planted, new_term])
    found = {(t, j): new for t, j, _, _, _, new in bursts(grid, sizes, cfg)}
    assert (14, 7) in found and not found[(14, 7)]
    assert found.get((18, terms)) is True
    assert set(found) <= {(14, 7), (18, terms), (15, 7), (16, 7)}


def test_bursts_need_history_and_enough_posts() -> None:
    sizes = np.full(5, 100.0)
    counts = np.zeros((5, 2))
    counts[1, 0] = 50  # inside the warm-up: history only
    counts[3, 1] = 3  # below min_count
    assert bursts(counts, sizes, TopicsConfig(warmup=2, min_count=10)) == []


def _keywords(text: str) -> list[str]:
    import jieba

    return [w for w in jieba.lcut(text) if len(w) > 1 and any(c.isalnum() for c in w)]


@pytest.mark.slow
def test_demo_spike_week_bursts_name_the_title_and_the_complaints(demo) -> None:  # type: ignore[no-untyped-def]
    spike = demo.truth["sentiment_spike"]
    week = date.fromisoformat(spike["week_start"])
    with Analysis.open(demo.ws) as a:
        result = social_topics(
            a, segment=None, period="week", config=TopicsConfig(sample=300, topics=5)
        )
    in_week = {b.term for b in result.bursts if b.period_start == week}
    assert spike["title_zh"] in in_week  # the user dictionary keeps the title whole
    complaints = {m for m in spike["negative_markers"] if not m.startswith("[")}
    words = {w for m in complaints for w in _keywords(m)}
    assert len(in_week & words) >= 3
    # keywords: at most the asked number per period, each above the privacy threshold
    for start in result.periods:
        rows = result.keywords_for(start)
        assert len(rows) <= TopicsConfig().keywords
        assert all(r.authors >= a.policy.k for r in rows)
        assert [r.rank for r in rows] == list(range(1, len(rows) + 1))
    # topics: readable labels, sizes that add up to the posts with text
    assert 2 <= len(result.topics) <= 5
    assert all(t.label and len(t.series) == len(result.periods) for t in result.topics)
    assert sum(t.posts for t in result.topics) <= result.posts
    assert sum(t.share for t in result.topics) == pytest.approx(1.0, abs=0.02)
