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


def test_a_matches_ingest_learns_each_games_settings_once_for_every_question(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from culturebridge.esports import TUNING_CACHE, read_matches, settings_for
    from culturebridge.ingest import ingest

    ws = Workspace.create(tmp_path / "ws")
    src = tmp_path / "matches.jsonl"
    src.write_text(
        "".join(
            f'{{"ts": "2022-03-0{1 + i % 9} 18:00:00", "game": "{("Duel", "LoL")[i % 2]}", '
            f'"teams": [["p{i % 7}"], ["p{(i + 3) % 7}"]], "ranks": [{1 + i % 2}, {2 - i % 2}]}}\n'
            for i in range(40)
        ),
        encoding="utf-8",
    )
    assert ingest(ws, "matches", [src]).accepted == 40
    monkeypatch.setenv("CULTUREBRIDGE_INGEST__WARM_CACHES", "true")
    get_settings.cache_clear()
    steps: list[tuple[str, int, int]] = []
    done = caches.warm_caches(ws, ["matches"], lambda *a: steps.append(a))
    assert done == [caches.Warmed("e-sports settings", 2)]
    assert steps == [("e-sports settings", 1, 2), ("e-sports settings", 2, 2)]
    cached = (ws.root / TUNING_CACHE).read_text(encoding="utf-8")
    # the same settings every question then reads, without learning them again
    monkeypatch.setattr("culturebridge.esports._games.learn_settings", None)
    for game, load in read_matches(ws).items():
        assert settings_for("culturebridge", load.matches, game, ws.root / TUNING_CACHE)
    assert (ws.root / TUNING_CACHE).read_text(encoding="utf-8") == cached


def test_no_matches_is_a_skipped_cache_not_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace.create(tmp_path / "ws")
    monkeypatch.setenv("CULTUREBRIDGE_INGEST__WARM_CACHES", "true")
    get_settings.cache_clear()
    (done,) = caches.warm_caches(ws, ["matches"])
    assert done.entries == 0 and done.skipped and "no matches" in done.skipped
