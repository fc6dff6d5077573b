"""The caches an ingest fills: what runs after which table, and a failure that never fails the
ingest."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from culturebridge import caches
from culturebridge.config import get_settings
from culturebridge.workspace import Workspace


def test_a_cache_that_cannot_be_filled_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace.create(tmp_path / "ws")
    seen: list[tuple[str, int, int]] = []

    def fine(ws: Workspace, step: Callable[[int, int], None]) -> int:
        step(2, 2)
        return 2

    def broken(ws: Workspace, step: Callable[[int, int], None]) -> int:
        raise RuntimeError("model file damaged\nsecond line")

    monkeypatch.setattr(caches, "WARMERS", {"posts": (("a", fine), ("b", broken))})
    assert caches.warm_caches(ws, ["posts"]) == []  # off in the tests (conftest)
    monkeypatch.setenv("CULTUREBRIDGE_INGEST__WARM_CACHES", "true")
    get_settings.cache_clear()
    done = caches.warm_caches(ws, ["posts", "events", "posts"], lambda *a: seen.append(a))
    assert done == [
        caches.Warmed("a", 2),
        caches.Warmed("b", 0, "not filled (model file damaged)"),
    ]
    assert seen == [("a", 2, 2)]
    assert caches.warm_caches(ws, ["events"]) == []  # nothing is derived from events
