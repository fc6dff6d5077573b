"""E-sports: the games in the workspace's matches, leaderboards, odds of a pairing and balanced
teams, under the ratings the `esports` commands give.

The workspace's matches are rated once per data version (each game apart, the culturebridge
model tuned as `esports leaderboard` tunes it) and kept in memory; a request only reads them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from culturebridge.api._deps import AppState, CallerDep, StateDep
from culturebridge.api._models import CHART_RESPONSE, Rows, charted
from culturebridge.api.routes.recommend import data_stamp
from culturebridge.errors import UserError
from culturebridge.esports import (
    PLAYER,
    RATING_MODEL,
    TEAM,
    TUNING_CACHE,
    Games,
    Match,
    Odds,
    Rated,
    StandingRow,
    balance,
    game_of,
    model_for,
    odds,
    rate,
    read_matches,
    standings,
)

router = APIRouter(prefix="/esports", tags=["esports"])

Player = Annotated[str, Field(min_length=1, max_length=100)]
GameName = Annotated[
    str | None, Field(default=None, max_length=200, description="Game (default: inferred).")
]


@dataclass(frozen=True)
class RatedGames:
    groups: dict[str, list[Match]]
    rated: dict[str, Rated]


def _rate_workspace(state: AppState) -> RatedGames:
    loads = read_matches(state.ws)
    groups = {g: load.matches for g, load in loads.items() if load.matches}
    if not groups:
        raise UserError(f"{state.ws.root}: no valid matches")
    games = Games(groups, state.ws.root / TUNING_CACHE)
    rated = {g: rate(model_for(RATING_MODEL, games, g, tune=True), ms) for g, ms in groups.items()}
    return RatedGames(groups, rated)


_RATING = threading.Lock()
"""One rating run at a time: a burst of first requests waits for one run, not one each."""


def _rated_once(state: AppState) -> RatedGames:
    with _RATING:
        return state.once("esports_rated", lambda: _rate_workspace(state), data_stamp(state.ws))


async def rated_games(state: AppState) -> RatedGames:
    """Every game's ratings, computed once per data version (in a worker thread)."""
    return await run_in_threadpool(_rated_once, state)


def _pick(games: RatedGames, game: str | None, names: list[str]) -> str:
    if game is not None:
        if game not in games.rated:
            known = ", ".join(repr(g) for g in sorted(games.rated))
            raise UserError(f"no matches of game {game!r}; the workspace has {known}")
        return game
    try:
        return game_of(games.groups, names)
    except UserError:
        known = ", ".join(repr(g) for g in games.rated)
        raise UserError(f"say which game with `game`: the matches hold {known}") from None


# ---------------------------------------------------------------------------- games


class GameSummary(BaseModel):
    game: str
    model: str
    matches: int
    players: int
    teams: int
    """Team tags rated (0 when the matches carry none)."""


@router.get("/games", response_model=Rows[GameSummary], summary="Games in the matches table")
async def list_games(state: StateDep, caller: CallerDep) -> Rows[GameSummary]:
    """Each game in the workspace's matches with how many matches and players were rated."""
    games = await rated_games(state)
    rows = [
        GameSummary(
            game=g,
            model=r.model.name,
            matches=r.matches,
            players=sum(1 for k, _ in r.records if k == PLAYER),
            teams=sum(1 for k, _ in r.records if k == TEAM),
        )
        for g, r in games.rated.items()
    ]
    return Rows[GameSummary](data=rows, count=len(rows))


# ---------------------------------------------------------------------------- leaderboard


@router.get(
    "/leaderboard",
    response_model=Rows[StandingRow],
    summary="Leaderboard per game",
    responses=CHART_RESPONSE,
)
@charted
async def get_leaderboard(
    state: StateDep,
    caller: CallerDep,
    game: Annotated[str | None, Query(max_length=200, description="Only this game.")] = None,
    top: Annotated[int, Query(ge=1, le=1000, description="Rows per game.")] = 20,
    teams: Annotated[bool, Query(description="Rank team tags rather than players.")] = False,
    min_matches: Annotated[
        int, Query(ge=1, le=100_000, description="Leave out who played fewer.")
    ] = 10,
) -> Rows[StandingRow]:
    """Players (or team tags) of each game, best conservative rating (rating - 2 sd) first."""
    games = await rated_games(state)
    chosen = [_pick(games, game, [])] if game is not None else list(games.rated)
    kind = TEAM if teams else PLAYER
    rated = {g: games.rated[g] for g in chosen}
    rows = [
        StandingRow.of(g, s)
        for g, s in standings(rated, kind=kind, min_matches=min_matches, top=top)
    ]
    return Rows[StandingRow](data=rows, count=len(rows))


# ---------------------------------------------------------------------------- odds


class OddsPublic(BaseModel):
    """Each team's chance of winning outright and the chance of a draw (they sum to 1)."""

    game: str
    model: str
    teams: list[list[str]]
    win: list[float]
    draw: float
    newcomers: list[str]
    """Players with no matches yet, rated as newcomers."""
    did_you_mean: dict[str, list[str]] = {}
    """For each newcomer, the known players whose names are closest (a typo, perhaps)."""


def _odds_public(game: str, r: Rated, o: Odds, names: list[str]) -> OddsPublic:
    unknown = r.newcomers(names)
    return OddsPublic(
        game=game,
        model=r.model.name,
        teams=[list(t) for t in o.teams],
        win=[round(p, 4) for p in o.win],
        draw=round(o.draw, 4),
        newcomers=list(unknown),
        did_you_mean={n: close for n, close in unknown.items() if close},
    )


class PredictRequest(BaseModel):
    game: GameName = None
    teams: list[Annotated[list[Player], Field(min_length=1, max_length=50)]] = Field(
        min_length=2, max_length=16, description="Two or more teams of player handles."
    )


@router.post("/predict", response_model=OddsPublic, summary="Win and draw chances of a pairing")
async def predict(body: PredictRequest, state: StateDep, caller: CallerDep) -> OddsPublic:
    """Win and draw chances of a future pairing under the current ratings (`esports odds`)."""
    names = [p for t in body.teams for p in t]
    games = await rated_games(state)
    g = _pick(games, body.game, names)
    r = games.rated[g]
    try:
        o = odds(r.model, body.teams)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    return _odds_public(g, r, o, names)


# ---------------------------------------------------------------------------- balance


class BalanceRequest(BaseModel):
    game: GameName = None
    players: list[Player] = Field(min_length=2, max_length=100, description="The pool.")
    teams: int = Field(default=2, ge=2, le=20, description="How many teams.")


class BalancePublic(OddsPublic):
    imbalance: float
    """Spread (max - min) of the teams' decisive win chances: 0 is perfectly even."""
    swaps: int
    ratings: dict[str, float]


@router.post("/balance", response_model=BalancePublic, summary="Split a pool into even teams")
async def balance_teams(body: BalanceRequest, state: StateDep, caller: CallerDep) -> BalancePublic:
    """Balanced teams from a pool of players and their predicted win chances
    (`esports balance`): greedy by rating, then swaps that even the chances out."""
    games = await rated_games(state)
    g = _pick(games, body.game, body.players)
    r = games.rated[g]
    try:
        split = await run_in_threadpool(balance, r.model, body.players, body.teams)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    base = _odds_public(g, r, split.odds, body.players)
    return BalancePublic(
        **base.model_dump(),
        imbalance=round(split.imbalance, 4),
        swaps=split.swaps,
        ratings={n: round(r.model.rating(n).mean, 2) for n in body.players},
    )
