"""E-sports matches among a few hundred players whose hidden skills drift.

Two games: a 5v5 team game (ranked queue and a university league) and a 1v1 duel game, each
with its own pool of players. A player's skill starts at N(0, 1) and then moves every week by a
personal drift plus a small random-walk step, so some players improve, some decline. Teams are
drawn at random from the pool (a ranked queue with loose matchmaking), and team A beats team B
with the Bradley-Terry / logistic probability of the difference of the teams' mean skills that
week. The truth lists every player's skill at the start and the end and their drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from culturebridge.demo import _lexicon as lex
from culturebridge.demo._calendar import Calendar
from culturebridge.demo._columns import sequential_ids, timestamps
from culturebridge.demo._sampling import sorted_uniforms

TEAM_POOL = 200
DUEL_POOL = 100
TEAM_SHARE = 0.6  # of matches that are 5v5
BETA = 0.5  # logistic scale of skill differences
DRIFT_SD = 0.04  # per week
WALK_SD = 0.05  # per week
TEAM_GAME = lex.GAMES[0][0]
DUEL_GAME = lex.GAMES[1][0]
LEAGUES_5V5 = (("Skyforge Arena Ranked", 0.7), ("UK-China University League", 0.3))
LEAGUE_1V1 = "Crown Duel Open Ladder"


def n_matches_for(users: int) -> int:
    """A season of a ranked queue: about one match per user, so a 5v5 regular plays hundreds
    (enough to rank 200 players well from team results alone)."""
    return int(np.clip(users, 5000, 200_000))


@dataclass
class Players:
    handles: list[str]
    game: list[str]
    skill: npt.NDArray[np.float64]
    """`(players, weeks)`: the skill of every player in every week."""
    drift: npt.NDArray[np.float64]


def make_handles(rng: np.random.Generator, n: int) -> list[str]:
    """`n` unique gamer handles such as "Nova", "Lin_7" or "xEchox"."""
    forms = ("{b}", "{b}_{d}", "{b}{dd}", "x{b}x", "{b}CN", "{b}UK", "Its{b}", "{b}_{dd}")
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        base = str(rng.choice(lex.HANDLE_BASES))
        form = str(rng.choice(forms))
        h = form.format(b=base, d=int(rng.integers(1, 10)), dd=int(rng.integers(10, 100)))
        if h.lower() not in seen:
            seen.add(h.lower())
            out.append(h)
    return out


def make_players(rng: np.random.Generator, weeks: int) -> Players:
    n = TEAM_POOL + DUEL_POOL
    handles = make_handles(rng, n)
    start = rng.normal(0.0, 1.0, size=n)
    drift = rng.normal(0.0, DRIFT_SD, size=n)
    walk = np.cumsum(rng.normal(0.0, WALK_SD, size=(n, weeks)), axis=1)
    walk -= walk[:, :1]  # week 0 is the starting skill
    skill = start[:, None] + drift[:, None] * np.arange(weeks)[None, :] + walk
    game = [TEAM_GAME] * TEAM_POOL + [DUEL_GAME] * DUEL_POOL
    return Players(handles, game, skill, drift)


def _draw_teams(rng: np.random.Generator, m: int, pool: int, size: int) -> npt.NDArray[np.int64]:
    """`(m, 2 * size)` distinct players per match; first half is team A."""
    out = np.empty((m, 2 * size), dtype=np.int64)
    for lo in range(0, m, 10_000):
        hi = min(m, lo + 10_000)
        keys = rng.random((hi - lo, pool))
        out[lo:hi] = np.argpartition(keys, 2 * size, axis=1)[:, : 2 * size]
    return out


def make_matches(
    rng: np.random.Generator, n: int, calendar: Calendar
) -> tuple[dict[str, pa.Array], Players, npt.NDArray[np.int64]]:
    """`n` matches in time order, the players, and how many matches each played."""
    players = make_players(rng, calendar.weeks)
    ts = calendar.density().times(sorted_uniforms(rng, n, 0.0, 1.0))
    week = calendar.week_of(ts)
    team_game = rng.random(n) < TEAM_SHARE
    size = np.where(team_game, 5, 1)

    # slots: per match, team A's players then team B's, as indices into the player table
    slots = np.empty(int(2 * size.sum()), dtype=np.int64)
    first_slot = np.concatenate([[0], np.cumsum(2 * size)[:-1]])
    strength = np.empty((n, 2))
    for is_team, pool_lo, pool, k in ((True, 0, TEAM_POOL, 5), (False, TEAM_POOL, DUEL_POOL, 1)):
        rows = np.flatnonzero(team_game == is_team)
        picked = _draw_teams(rng, len(rows), pool, k) + pool_lo
        pos = first_slot[rows][:, None] + np.arange(2 * k)[None, :]
        slots[pos.ravel()] = picked.ravel()
        s = players.skill[picked, week[rows][:, None]]
        strength[rows, 0] = s[:, :k].mean(axis=1)
        strength[rows, 1] = s[:, k:].mean(axis=1)
    p_a = 1.0 / (1.0 + np.exp(-(strength[:, 0] - strength[:, 1]) / BETA))
    a_wins = rng.random(n) < p_a

    handles = pa.array(players.handles)
    inner = pa.ListArray.from_arrays(
        pa.array(np.concatenate([[0], np.cumsum(np.repeat(size, 2))]).astype(np.int32)),
        handles.take(pa.array(slots)),
    )
    teams = pa.ListArray.from_arrays(pa.array(np.arange(0, 2 * n + 1, 2, dtype=np.int32)), inner)
    ranks_flat = np.stack([np.where(a_wins, 1, 2), np.where(a_wins, 2, 1)], axis=1).ravel()
    ranks = pa.ListArray.from_arrays(
        pa.array(np.arange(0, 2 * n + 1, 2, dtype=np.int32)), pa.array(ranks_flat.astype(np.int64))
    )
    league_5v5 = np.where(rng.random(n) < LEAGUES_5V5[0][1], LEAGUES_5V5[0][0], LEAGUES_5V5[1][0])
    columns = {
        "match_id": sequential_ids("m", 0, n),
        "ts": timestamps(ts),
        "game": pa.array(
            np.where(team_game, TEAM_GAME, DUEL_GAME).astype(object), type=pa.string()
        ),
        "league": pa.array(
            np.where(team_game, league_5v5, LEAGUE_1V1).astype(object), type=pa.string()
        ),
        "teams": teams,
        "ranks": ranks,
    }
    return columns, players, np.bincount(slots, minlength=len(players.handles))


def skills_truth(
    players: Players, calendar: Calendar, matches_played: npt.NDArray[np.int64]
) -> dict[str, Any]:
    return {
        "model": {
            "skill": "skill[w] = skill_start + drift_per_week * w + random walk "
            f"(N(0, {WALK_SD}) per week), w = weeks since the period start",
            "win_probability": f"P(A beats B) = 1 / (1 + exp(-(mean skill of A - mean skill of "
            f"B) / {BETA})), skills of the week the match is played in",
            "games": {TEAM_GAME: "5v5", DUEL_GAME: "1v1"},
            "initial_distribution": "N(0, 1)",
            "drift_distribution": f"N(0, {DRIFT_SD}) per week",
        },
        "players": {
            h: {
                "game": players.game[i],
                "skill_final": round(float(players.skill[i, -1]), 4),
                "skill_start": round(float(players.skill[i, 0]), 4),
                "skill_mean": round(float(players.skill[i].mean()), 4),
                "drift_per_week": round(float(players.drift[i]), 4),
                "matches": int(matches_played[i]),
            }
            for i, h in enumerate(players.handles)
        },
    }
