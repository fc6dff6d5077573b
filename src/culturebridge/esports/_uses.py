"""What ratings are for: odds for any pairing, leaderboards, rating histories, balanced teams.

`rate` runs the online protocol over matches and keeps, besides the final model, every player's
(and, for a model that rates team tags, every team's) record and, on request, the rating after
each of their matches; a team's rating is the strength of its latest lineup with its tag's term
(`Bridge.strength`). `leaderboard` ranks by the conservative rating (mean less two standard
deviations), so a newcomer with three lucky wins does not top the table. `balance` splits a pool
into teams: greedy assignment by rating, then steepest-descent swaps on the model's own predicted
win chances until no swap makes the teams more even.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from typing import Any, cast

import numpy as np
from pydantic import BaseModel

from culturebridge.esports._evaluate import Scores, Tuned, run_online, score, tune
from culturebridge.esports._matches import Match, check_teams
from culturebridge.esports._models import Bridge, BridgeConfig, Rating, RatingModel

PLAYER = "player"
TEAM = "team"


@dataclass(frozen=True)
class Odds:
    """Outcome chances of a pairing: each team's chance of winning outright, and of a draw
    (for more than two teams, of a tie for first); they sum to 1."""

    teams: tuple[tuple[str, ...], ...]
    win: tuple[float, ...]
    draw: float


def odds(
    model: RatingModel, teams: Sequence[Sequence[str]], meta: Mapping[str, Any] | None = None
) -> Odds:
    """Win and draw chances of a future pairing under `model`'s current ratings."""
    check_teams(teams)
    draw = float(model.predict_draw(teams, meta))
    p = model.predict(teams, meta)
    return Odds(tuple(tuple(t) for t in teams), tuple(float(x) * (1.0 - draw) for x in p), draw)


@dataclass
class Record:
    """Matches, wins (finished first alone), draws (tied for first), the last time played and,
    for a team tag, its lineup then."""

    matches: int = 0
    wins: int = 0
    draws: int = 0
    last: datetime | None = None
    lineup: tuple[str, ...] = ()


@dataclass(frozen=True)
class HistoryPoint:
    """A rating right after a match its holder played."""

    match_id: str
    ts: datetime
    kind: str
    name: str
    rating: float
    sd: float


@dataclass(frozen=True)
class Rated:
    """The model after every match, who played what, histories asked for, and the online score
    (each match predicted before it was rated)."""

    model: RatingModel
    records: dict[tuple[str, str], Record]
    history: list[HistoryPoint]
    scores: Scores
    seconds: float
    matches: int = 0
    rates_teams: bool = False

    def newcomers(self, names: Sequence[str]) -> dict[str, list[str]]:
        """The names with no match yet, each with the known players' names closest to it
        (a misspelt handle should not pass quietly as a newcomer): {"Kitee": ["Kite"]}."""
        known = sorted({n for kind, n in self.records if kind == PLAYER})
        folded = {n.casefold(): n for n in known}
        out: dict[str, list[str]] = {}
        for name in names:
            if (PLAYER, name) in self.records:
                continue
            close = difflib.get_close_matches(name.casefold(), list(folded), n=3, cutoff=0.75)
            out[name] = [folded[c] for c in close]
        return out


def _rates_teams(model: RatingModel) -> bool:
    return callable(getattr(model, "team_tags", None))


def _current(model: RatingModel, key: tuple[str, str], rec: Record) -> Rating:
    """A player's rating, or a team's: the strength of its latest lineup with its tag."""
    if key[0] == TEAM and rec.lineup:
        strength = getattr(model, "strength", None)
        if callable(strength):
            return cast(Rating, strength(rec.lineup, key[1]))
    return model.rating(key[1], key[0])


def _team_tags(match: Match) -> list[str] | None:
    tags = match.meta.get("team_tags")
    if isinstance(tags, list) and len(tags) == len(match.teams) and all(tags):
        return [str(t) for t in tags]
    return None


def rate(
    model: RatingModel,
    matches: Sequence[Match],
    *,
    history: bool | Set[tuple[str, str]] = False,
    sink: Callable[[HistoryPoint], None] | None = None,
) -> Rated:
    """Rate `matches` (in time order) online. `history`: True keeps every participant's rating
    after each match; a set of (kind, name) keeps only theirs. With a `sink`, those points go
    to it as they come (a file, for histories too big to hold) instead of `Rated.history`."""
    records: dict[tuple[str, str], Record] = {}
    points: list[HistoryPoint] = []
    teams_too = _rates_teams(model)
    keep = sink if sink is not None else points.append

    def after(m: Match, live: RatingModel) -> None:
        top = min(m.ranks)
        shared_top = m.ranks.count(top) > 1
        tags = _team_tags(m) if teams_too else None
        for i, team in enumerate(m.teams):
            first = m.ranks[i] == top
            holders = [(PLAYER, p) for p in team]
            if tags is not None:
                holders.append((TEAM, tags[i]))
            for key in holders:
                rec = records.get(key)
                if rec is None:
                    rec = records[key] = Record()
                rec.matches += 1
                rec.wins += first and not shared_top
                rec.draws += first and shared_top
                rec.last = m.ts
                if key[0] == TEAM:
                    rec.lineup = team
                if history is True or (history and key in history):
                    r = _current(live, key, rec)
                    keep(HistoryPoint(m.match_id, m.ts, key[0], key[1], r.mean, r.sd))

    run = run_online(model, matches, after)
    return Rated(
        run.model,
        records,
        points,
        score(matches, run.predictions),
        run.seconds,
        len(matches),
        teams_too,
    )


# --------------------------------------------------------------------------- tuning to a ladder

LADDER_GRID: dict[str, list[Any]] = {
    "player_var": [0.5, 1.0, 2.4, 4.0, 8.0],
    "player_noise": [0.0, 0.002, 0.005, 0.01, 0.02],
    "player_drift": [0.0, 0.004, 0.016],
    "newcomer_pull": [0.0, 0.5],
}
"""What `tune_bridge` searches: the player terms, which every ladder has. The defaults were
tuned on professional matches (team tags, sides, leagues); a ranked queue differs."""

MIN_TUNING_MATCHES = 200


def tune_bridge(matches: Sequence[Match], fraction: float = 0.3) -> Tuned:
    """The culturebridge model's player hyperparameters chosen on the earliest `fraction` of
    `matches` (chronological validation, log-loss), the rest at their defaults; the defaults
    alone when there are too few matches to choose on."""
    base = BridgeConfig().model_dump()
    if len(matches) * fraction < MIN_TUNING_MATCHES:
        return Tuned(base, math.nan, 0)
    return tune(
        lambda **kw: Bridge(BridgeConfig(**kw)),
        LADDER_GRID,
        matches,
        fraction=fraction,
        base=base,
        rounds=2,
    )


@dataclass(frozen=True)
class Standing:
    """One row of a leaderboard; `conservative` = rating - 2 sd orders it."""

    rank: int
    kind: str
    name: str
    rating: float
    sd: float
    conservative: float
    matches: int
    wins: int
    draws: int
    last_played: datetime | None


def leaderboard(
    rated: Rated, *, kind: str = PLAYER, min_matches: int = 1, top: int | None = None
) -> list[Standing]:
    """Everyone of `kind` with at least `min_matches`, best conservative rating first (ties by
    rating, then name)."""
    if kind not in (PLAYER, TEAM):
        raise ValueError(f"kind must be {PLAYER!r} or {TEAM!r}, not {kind!r}")
    rows = []
    for (k, name), rec in rated.records.items():
        if k != kind or rec.matches < min_matches:
            continue
        r = _current(rated.model, (k, name), rec)
        rows.append((r.conservative, r.mean, name, r, rec))
    rows.sort(key=lambda t: (-t[0], -t[1], t[2]))
    if top is not None:
        rows = rows[:top]
    return [
        Standing(
            i + 1,
            kind,
            name,
            r.mean,
            r.sd,
            r.conservative,
            rec.matches,
            rec.wins,
            rec.draws,
            rec.last,
        )
        for i, (_, _, name, r, rec) in enumerate(rows)
    ]


class StandingRow(BaseModel):
    """A leaderboard row as it leaves (`esports leaderboard --json`, the API): rounded, named
    by its game, the last match as a date."""

    game: str
    rank: int
    kind: str
    name: str
    rating: float
    sd: float
    conservative: float
    """rating - 2 sd: what orders the board."""
    matches: int
    wins: int
    draws: int
    last_played: str

    @classmethod
    def of(cls, game: str, s: Standing) -> StandingRow:
        return cls(
            game=game,
            rank=s.rank,
            kind=s.kind,
            name=s.name,
            rating=round(s.rating, 2),
            sd=round(s.sd, 2),
            conservative=round(s.conservative, 2),
            matches=s.matches,
            wins=s.wins,
            draws=s.draws,
            last_played=s.last_played.strftime("%Y-%m-%d") if s.last_played else "",
        )


def standings(
    rated: Mapping[str, Rated], *, kind: str, min_matches: int = 1, top: int | None = None
) -> Iterator[tuple[str, Standing]]:
    """Each game's leaderboard in turn, as (game, row); games without team tags have no team
    board."""
    for g, r in rated.items():
        if kind == TEAM and not r.rates_teams:
            continue
        for s in leaderboard(r, kind=kind, min_matches=min_matches, top=top):
            yield g, s


# ------------------------------------------------------------------------------- matchmaking


@dataclass(frozen=True)
class Split:
    """Proposed teams, their odds, and how uneven they are: the spread (max - min) of the
    teams' decisive win chances, 0 for a perfectly even split."""

    teams: tuple[tuple[str, ...], ...]
    odds: Odds
    imbalance: float
    swaps: int


def _sizes(n: int, k: int) -> list[int]:
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def _spread(
    model: RatingModel, teams: Sequence[Sequence[str]], meta: Mapping[str, Any] | None
) -> float:
    p = model.predict(teams, meta)
    return float(p.max() - p.min())


PAIR_SWAP_MAX_TEAM = 12
"""Pair swaps are tried for teams up to this size (their number grows as size^4); bigger teams
have enough single swaps to even out."""


def _best_swap(
    model: RatingModel,
    teams: list[list[str]],
    meta: Mapping[str, Any] | None,
    current: float,
    k: int,
) -> tuple[list[list[str]], float] | None:
    """The exchange of `k` players between two teams that most lowers the spread, if any does."""
    best: tuple[list[list[str]], float] | None = None
    for a in range(len(teams)):
        for b in range(a + 1, len(teams)):
            for out_a in combinations(range(len(teams[a])), k):
                for out_b in combinations(range(len(teams[b])), k):
                    trial = [list(t) for t in teams]
                    for i, j in zip(out_a, out_b, strict=True):
                        trial[a][i], trial[b][j] = teams[b][j], teams[a][i]
                    spread = _spread(model, trial, meta)
                    if spread < (best[1] if best else current) - 1e-12:
                        best = (trial, spread)
    return best


def balance(
    model: RatingModel,
    players: Sequence[str],
    n_teams: int = 2,
    *,
    meta: Mapping[str, Any] | None = None,
    max_passes: int = 100,
) -> Split:
    """Split `players` into `n_teams` teams of sizes differing by at most one, as even as the
    model can make them.

    Greedy: strongest first (by rating mean), each to the team with the lowest mean rating that
    has room. Local search: each pass makes the swap of two players on different teams that most
    reduces the spread of predicted win chances, or, when no single swap helps, the best swap of
    two pairs (teams of up to 12); it stops when neither helps. Deterministic for a given model
    and player order."""
    names = [str(p) for p in players]
    if n_teams < 2:
        raise ValueError(f"need at least 2 teams, not {n_teams}")
    if len(set(names)) != len(names):
        dupes = sorted({p for p in names if names.count(p) > 1})
        raise ValueError(f"players listed twice: {', '.join(dupes)}")
    if len(names) < n_teams:
        raise ValueError(f"{len(names)} players cannot make {n_teams} teams")
    means = {p: model.rating(p).mean for p in names}
    sizes = _sizes(len(names), n_teams)
    teams: list[list[str]] = [[] for _ in range(n_teams)]
    for p in sorted(names, key=lambda q: (-means[q], names.index(q))):
        open_ = [i for i in range(n_teams) if len(teams[i]) < sizes[i]]
        best = min(
            open_,
            key=lambda i: (
                sum(means[q] for q in teams[i]) / len(teams[i]) if teams[i] else -math.inf,
                i,
            ),
        )
        teams[best].append(p)
    current = _spread(model, teams, meta)
    swaps = 0
    for _ in range(max_passes):
        if current <= 1e-12:
            break
        move = _best_swap(model, teams, meta, current, 1)
        if move is None and max(sizes) <= PAIR_SWAP_MAX_TEAM:
            move = _best_swap(model, teams, meta, current, 2)
        if move is None:
            break
        teams, current, swaps = move[0], move[1], swaps + 1
    final = tuple(tuple(t) for t in teams)
    return Split(final, odds(model, final, meta), _spread(model, final, meta), swaps)


def lobby_trial(
    model: RatingModel,
    pool: Sequence[str],
    *,
    lobbies: int = 200,
    size: int = 10,
    n_teams: int = 2,
    seed: int = 0,
) -> list[Split]:
    """Balance `lobbies` random lobbies of `size` players drawn from `pool` (seeded): how
    matchmaking does across a population rather than on one hand-picked group."""
    if size > len(pool):
        raise ValueError(f"lobbies of {size} from a pool of {len(pool)}")
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(lobbies):
        picked = rng.choice(len(pool), size=size, replace=False)
        out.append(balance(model, [pool[int(i)] for i in picked], n_teams))
    return out
