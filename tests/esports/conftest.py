"""What the e-sports tests share: a match builder and every model as a fixture."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from culturebridge.esports import MODELS, Match, RatingModel

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def m(i: int, teams: list[list[str]], ranks: list[int], **meta: object) -> Match:
    """Match `m{i}` on day `i` after T0."""
    return Match(
        f"m{i}", T0 + timedelta(days=i), tuple(tuple(t) for t in teams), tuple(ranks), meta=meta
    )


@pytest.fixture(params=sorted(MODELS))
def make(request: pytest.FixtureRequest) -> Callable[[], RatingModel]:
    """Each model's factory in turn."""
    return MODELS[request.param]
