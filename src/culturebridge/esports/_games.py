"""Matches grouped by game, and the rating model each game gets: shared by the `esports`
commands and the API's e-sports routes. By default a game's model learns its settings from the
game's own earliest matches (chronological validation, `learn_settings`), the result cached in
the workspace per data version."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from culturebridge.errors import UserError
from culturebridge.esports._auto import AUTO, FAMILIES, Settings, learn_settings
from culturebridge.esports._matches import Match
from culturebridge.esports._models import MODELS, RatingModel

TUNING_CACHE = Path("cache") / "esports_tuning.json"
RATING_MODEL = "culturebridge"
"""The model that rates a workspace's games for the API and the dashboard (it also rates team
tags); an ingest of matches learns its settings ahead of their first question."""
SETTINGS_VERSION = 2
"""Part of every cache key: bumped when what `learn_settings` searches changes."""


@dataclass(frozen=True)
class Games:
    """Matches by game, each in time order, and where tuned hyperparameters are cached."""

    groups: dict[str, list[Match]]
    cache: Path | None = None


def check_model(name: str) -> None:
    if name not in MODELS and name != AUTO:
        choices = ", ".join([AUTO, *sorted(MODELS)])
        raise UserError(f"unknown model {name!r}; choose one of {choices}")


def settings_for(
    name: str,
    matches: Sequence[Match],
    game: str = "",
    cache: Path | None = None,
    *,
    tune: bool = True,
) -> Settings:
    """The settings `name` gets for these matches: learned from their earliest 30% (chosen among
    the families for "auto"), cached per data version; the family's defaults with `tune` off,
    or for a model that is not tuned (openskill's, which are peers)."""
    check_model(name)
    family = FAMILIES[0] if name == AUTO else name
    if not tune:
        return Settings(family, {}, note="--no-tune")
    if family not in FAMILIES:
        return Settings(family, {}, note="a peer, run with its package's defaults")
    families = FAMILIES if name == AUTO else (name,)
    key = json.dumps(
        [SETTINGS_VERSION, game, len(matches), matches[-1].match_id if matches else "",
         matches[-1].ts.isoformat() if matches else "", list(families)],
        sort_keys=True,
    )  # fmt: skip
    cached = _read_cache(cache)
    got = cached.get(key)
    if isinstance(got, dict):
        try:
            return Settings.from_json(got)
        except (KeyError, TypeError, ValueError):
            pass  # a damaged entry is learned again
    settings = learn_settings(matches, families=families)
    if cache is not None:
        _write_cache(cache, {**cached, key: settings.to_json()})
    return settings


def model_for(name: str, games: Games, game: str, *, tune: bool) -> RatingModel:
    """A fresh model for `game`: its settings learned from the game's own earliest matches
    unless `tune` is off (see `settings_for`)."""
    return build_model(settings_for(name, games.groups[game], game, games.cache, tune=tune))


def build_model(settings: Settings) -> RatingModel:
    """A fresh model with these settings (a peer that is never tuned: its defaults)."""
    if settings.family not in FAMILIES:
        return MODELS[settings.family]()
    return settings.build()


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
