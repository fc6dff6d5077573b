"""Where the e-sports commands read matches from, and the options they share.

A workspace DIR (default: the current directory when it is one) or `--matches FILE.jsonl`; the
matches are grouped by game (the table's `game` column, or a JSONL match's meta "game") because
each game is rated on its own scale.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer

from culturebridge.cli._common import err_console
from culturebridge.errors import UserError
from culturebridge.esports import AUTO, MODELS, TUNING_CACHE, Games, Match, RatingModel, read_jsonl

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
    str,
    typer.Option(
        "--model",
        help=f"Rating model: {', '.join([AUTO, *sorted(MODELS)])} ({AUTO}: the family that "
        "predicts the earliest 30% of the matches best).",
    ),
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
        help="Learn the model's settings (skill change, newcomer uncertainty, inactivity, home "
        "or side advantage, margins, team terms) from the earliest 30% of each game's matches "
        "(chronological validation; cached per data version in a workspace's cache/); "
        "--no-tune keeps the defaults. Openskill's models always run with their defaults.",
    ),
]


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
    from culturebridge.esports import read_matches
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


def game_model(model: str, games: Games, game: str, *, tune: bool) -> RatingModel:
    """`model_for`, saying on stderr what settings the game got (learned, or the defaults and
    why: a history too short to learn from is named as such)."""
    from culturebridge.esports import build_model, settings_for

    settings = settings_for(model, games.groups[game], game, games.cache, tune=tune)
    err_console.print(
        f"{game or '(no game)'}: settings: {settings.describe()}",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    return build_model(settings)


def split_names(value: str, option: str) -> list[str]:
    names = [p.strip() for p in value.split(",")]
    if not value.strip() or any(not p for p in names):
        raise UserError(f"{option}: give comma-separated player names, e.g. {option} Nova,Lin_7")
    return names
