"""`esports odds` and `esports balance`: future pairings under the current ratings.

`odds --team A,B --team C,D` gives each team's chance to win and the chance of a draw;
`balance --players P1,...,Pn --teams K` splits a pool into K teams as even as the model can make
them (greedy by rating, then swaps) and reports the predicted win chances of the split. Players
with no matches yet are rated as newcomers, and said so.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table as RichTable

from culturebridge.cli._common import console, err_console, handle_errors, print_json, running
from culturebridge.cli._esports_source import (
    DirArg,
    GameOpt,
    JsonOpt,
    MatchesOpt,
    ModelOpt,
    TuneOpt,
    game_model,
    load_games,
    split_names,
)
from culturebridge.errors import UserError
from culturebridge.esports import (
    Odds,
    Rated,
    balance,
    check_model,
    game_of,
    odds,
    rate,
)


def _rated_for(
    directory: Any,
    matches: Any,
    game: str | None,
    model: str,
    names: list[str],
    *,
    tune: bool,
    quiet: bool,
) -> tuple[str, Rated]:
    check_model(model)
    games = load_games(directory, matches, game)
    g = game_of(games.groups, names)
    r = running(
        lambda: rate(game_model(model, games, g, tune=tune), games.groups[g]),
        "rating matches",
        quiet,
    )
    for name, close in r.newcomers(names).items():
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        err_console.print(
            f"note: no matches yet for {name}: rated as a newcomer{hint}",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
    return g, r


def _odds_json(o: Odds) -> dict[str, Any]:
    return {
        "teams": [list(t) for t in o.teams],
        "win": [round(p, 4) for p in o.win],
        "draw": round(o.draw, 4),
    }


@handle_errors
def odds_cmd(
    team: Annotated[
        list[str],
        typer.Option("--team", help="A team as comma-separated players; give two or more."),
    ],
    directory: DirArg = None,
    matches: MatchesOpt = None,
    model: ModelOpt = "culturebridge",
    game: GameOpt = None,
    tune: TuneOpt = True,
    json_out: JsonOpt = False,
) -> None:
    """Win and draw chances of a future pairing under the current ratings."""
    teams = [split_names(t, "--team") for t in team]
    if len(teams) < 2:
        raise UserError("give at least two --team options")
    names = [p for t in teams for p in t]
    g, r = _rated_for(directory, matches, game, model, names, tune=tune, quiet=json_out)
    try:
        o = odds(r.model, teams)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if json_out:
        print_json({"game": g, "model": r.model.name, **_odds_json(o)})
        return
    table = RichTable("team", "players", "rating (mean)", "win", box=box.SIMPLE_HEAD)
    for i, (t, p) in enumerate(zip(o.teams, o.win, strict=True)):
        mean = sum(r.model.rating(n).mean for n in t) / len(t)
        table.add_row(str(i + 1), ", ".join(t), f"{mean:.0f}", f"{p:.1%}")
    table.caption = f"draw {o.draw:.1%} ({r.model.name}, {g or 'no game'})"
    console.print(table)


@handle_errors
def balance_cmd(
    players: Annotated[str, typer.Option("--players", help="The pool, comma-separated: P1,P2,...")],
    teams: Annotated[int, typer.Option("--teams", min=2, help="How many teams.")] = 2,
    directory: DirArg = None,
    matches: MatchesOpt = None,
    model: ModelOpt = "culturebridge",
    game: GameOpt = None,
    tune: TuneOpt = True,
    json_out: JsonOpt = False,
) -> None:
    """Split a pool of players into balanced teams and report the split's win chances.

    Greedy (strongest first, each to the weakest team with room), then local search: the swap of
    two players (or, when none helps, of two pairs) that most evens the predicted win chances,
    until none helps. Team sizes differ by at most one.
    """
    names = split_names(players, "--players")
    g, r = _rated_for(directory, matches, game, model, names, tune=tune, quiet=json_out)
    try:
        split = balance(r.model, names, teams)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if json_out:
        print_json(
            {
                "game": g,
                "model": r.model.name,
                **_odds_json(split.odds),
                "imbalance": round(split.imbalance, 4),
                "swaps": split.swaps,
                "ratings": {n: round(r.model.rating(n).mean, 2) for n in names},
            }
        )
        return
    table = RichTable("team", "players (rating)", "mean rating", "win", box=box.SIMPLE_HEAD)
    for i, (t, p) in enumerate(zip(split.odds.teams, split.odds.win, strict=True)):
        ratings = [r.model.rating(n).mean for n in t]
        members = ", ".join(f"{n} ({x:.0f})" for n, x in zip(t, ratings, strict=True))
        table.add_row(str(i + 1), members, f"{sum(ratings) / len(ratings):.0f}", f"{p:.1%}")
    table.caption = (
        f"draw {split.odds.draw:.1%}; spread of win chances {split.imbalance:.1%} after "
        f"{split.swaps} swap{'' if split.swaps == 1 else 's'} ({r.model.name}, {g or 'no game'})"
    )
    console.print(table)
