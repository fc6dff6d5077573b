"""Where the e-sports commands read matches from, and the options they share.

A workspace DIR (default: the current directory when it is one) or `--matches FILE.jsonl`; the
matches are grouped by game (the table's `game` column, or a JSONL match's meta "game") because
each game is rated on its own scale.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from culturebridge.cli._common import err_console
from culturebridge.errors import UserError
from culturebridge.esports import MODELS, Bridge, BridgeConfig, Match, RatingModel, read_jsonl

DirArg = Annotated[
    Path | None,
    typer.Argument(
        help="Workspace whose matches table is rated (default: the current directory).",
        metavar="DIR",
        show_default=False,
    ),
]
MatchesOpt = Annotated[
    Path | None,
    typer.Option("--matches", help="Rate this JSONL file of matches instead of a workspace."),
]
ModelOpt = Annotated[
    str, typer.Option("--model", help=f"Rating model: {', '.join(sorted(MODELS))}.")
]
GameOpt = Annotated[
    str | None,
    typer.Option("--game", "-g", help="Only this game (each game is rated apart)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
TuneOpt = Annotated[
    bool,
    typer.Option(
        "--tune/--no-tune",
        help="Choose the culturebridge model's player hyperparameters on the earliest 30% of "
        "each game's matches (chronological validation; cached in a workspace's cache/).",
    ),
]
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


def _report(where: str, problems: Iterable[tuple[int, str]]) -> None:
    for line, reason in problems:
        err_console.print(
            f"{where}:{line}: skipped: {reason}", highlight=False, markup=False, soft_wrap=True
        )


def load_games(directory: Path | None, matches: Path | None, game: str | None) -> Games:
    """Matches by game, each in time order; problems reported on stderr."""
    if directory is not None and matches is not None:
        raise UserError("give a workspace DIR or --matches FILE.jsonl, not both")
    if matches is not None:
        load = read_jsonl(matches)
        _report(str(matches), load.problems)
        groups: dict[str, list[Match]] = {}
        for m in load.matches:
            groups.setdefault(str(m.meta.get("game") or ""), []).append(m)
        if not groups:
            raise UserError(f"{matches}: no valid matches")
        if game is not None:
            if game not in groups:
                names = ", ".join(repr(g) for g in sorted(groups))
                raise UserError(f"no matches of game {game!r} in {matches}; it has {names}")
            groups = {game: groups[game]}
        return Games(dict(sorted(groups.items())))
    from culturebridge.esports._workspace import read_matches
    from culturebridge.workspace import Workspace

    root = directory if directory is not None else Path.cwd()
    if directory is None and not (root / "workspace.toml").exists():
        raise UserError(
            "give a workspace DIR or --matches FILE.jsonl (the current directory is not a "
            "workspace)"
        )
    ws = Workspace.open(root)
    loads = read_matches(ws, game)
    for g, load in loads.items():
        _report(f"{root}: matches{f' ({g})' if g else ''} row", load.problems)
    groups = {g: load.matches for g, load in loads.items() if load.matches}
    if not groups:
        raise UserError(f"{root}: no valid matches")
    return Games(groups, ws.root / TUNING_CACHE)


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


def split_names(value: str, option: str) -> list[str]:
    names = [p.strip() for p in value.split(",")]
    if not value.strip() or any(not p for p in names):
        raise UserError(f"{option}: give comma-separated player names, e.g. {option} Nova,Lin_7")
    return names
