"""Matches grouped by game, and the rating model each game gets: shared by the `esports`
commands and the API's e-sports routes. The culturebridge model is tuned to a game's own
earliest matches when asked (chronological validation), the result cached in the workspace."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from culturebridge.errors import UserError
from culturebridge.esports._matches import Match
from culturebridge.esports._models import MODELS, Bridge, BridgeConfig, RatingModel

TUNING_CACHE = Path("cache") / "esports_tuning.json"


@dataclass(frozen=True)
class Games:
    """Matches by game, each in time order, and where tuned hyperparameters are cached."""

    groups: dict[str, list[Match]]
    cache: Path | None = None


def check_model(name: str) -> None:
    if name not in MODELS:
        raise UserError(f"unknown model {name!r}; choose one of {', '.join(sorted(MODELS))}")


def model_for(name: str, games: Games, game: str, *, tune: bool) -> RatingModel:
    """A fresh model for `game`: the culturebridge one tuned to these matches when asked."""
    check_model(name)
    if name != "culturebridge" or not tune:
        return MODELS[name]()
    from culturebridge.esports._uses import LADDER_GRID, tune_bridge

    matches = games.groups[game]
    key = json.dumps(
        [game, len(matches), matches[-1].match_id, matches[-1].ts.isoformat(),
         LADDER_GRID, BridgeConfig().model_dump()],
        sort_keys=True,
    )  # fmt: skip
    cached = _read_cache(games.cache)
    params = cached.get(key)
    if params is None:
        params = tune_bridge(matches).params
        if games.cache is not None:
            _write_cache(games.cache, {**cached, key: params})
    return Bridge(BridgeConfig(**params))


def _read_cache(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # a damaged cache is rebuilt, never trusted
    return data if isinstance(data, dict) else {}


def _write_cache(path: Path, data: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a read-only workspace still gets its answer, only slower next time


def game_of(groups: dict[str, list[Match]], names: Iterable[str], *, team: bool = False) -> str:
    """The one game to use for a question about `names` (players, or team tags): the only
    game, else the game in which the most of them have played (a UserError when none or a tie
    leaves it open)."""
    if len(groups) == 1:
        return next(iter(groups))
    wanted = set(names)
    counts = {}
    for g, ms in groups.items():
        if team:
            seen = {t for m in ms for t in (m.meta.get("team_tags") or ()) if t in wanted}
        else:
            seen = {p for m in ms for t in m.teams for p in t if p in wanted}
        counts[g] = len(seen)
    best = max(counts.values())
    top = [g for g, c in counts.items() if c == best]
    if best == 0 or len(top) > 1:
        raise UserError(
            f"say which game with --game: the matches hold {', '.join(repr(g) for g in groups)}"
        )
    return top[0]
