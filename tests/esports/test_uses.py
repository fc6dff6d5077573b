"""Odds, records and histories, leaderboards and matchmaking, with known answers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from culturebridge.esports import MODELS, Elo, EloConfig, Match, RatingModel
from culturebridge.esports._uses import (
    PLAYER,
    TEAM,
    balance,
    leaderboard,
    lobby_trial,
    odds,
    rate,
    tune_bridge,
)
from tests.esports.conftest import m


def ladder(skills: dict[str, float], n: int, seed: int = 0, size: int = 1) -> list[Match]:
    """Matches among players of known skill (logistic, scale 1), random teams of `size`."""
    rng = np.random.default_rng(seed)
    names = sorted(skills)
    out = []
    for i in range(n):
        picked = [names[j] for j in rng.choice(len(names), 2 * size, replace=False)]
        a, b = picked[:size], picked[size:]
        d = np.mean([skills[p] for p in a]) - np.mean([skills[p] for p in b])
        win = rng.random() < 1 / (1 + np.exp(-d))
        out.append(m(i, [a, b], [1, 2] if win else [2, 1]))
    return out


def test_odds_sum_to_one_with_the_draw(make: Callable[[], RatingModel]) -> None:
    model = make()
    for i in range(6):
        model = model.update(m(i, [["a"], ["b"]], [1, 1] if i == 3 else [1, 2]))
    o = odds(model, [["a"], ["b"]])
    assert sum(o.win) + o.draw == pytest.approx(1.0)
    assert o.win[0] > o.win[1] and 0 < o.draw < 1
    three = odds(model, [["a"], ["b"], ["c"]])
    assert sum(three.win) + three.draw == pytest.approx(1.0)


def test_rate_keeps_records_and_histories() -> None:
    matches = [
        m(0, [["a", "b"], ["c", "d"]], [1, 2], team_tags=["T1", "T2"]),
        m(1, [["a", "c"], ["b", "d"]], [1, 1], team_tags=["T1", "T2"]),
        m(2, [["a"], ["d"]], [2, 1]),
    ]
    r = rate(MODELS["culturebridge"](), matches, history=True)
    a = r.records[(PLAYER, "a")]
    assert (a.matches, a.wins, a.draws, a.last) == (3, 1, 1, matches[2].ts)
    assert r.records[(TEAM, "T1")].matches == 2 and r.rates_teams
    assert [h.match_id for h in r.history if h.name == "a"] == ["m0", "m1", "m2"]
    final = r.model.rating("a")
    assert r.history[-2:][0].rating in (final.mean, r.model.rating("d").mean)
    only = rate(MODELS["elo"](), matches, history={(PLAYER, "d")})
    assert [h.name for h in only.history] == ["d", "d", "d"]
    assert not only.rates_teams and (TEAM, "T1") not in only.records
    assert r.scores.n == 2  # the draw is not scored
    t1 = next(s for s in leaderboard(r, kind=TEAM) if s.name == "T1")
    lineup = r.model.strength(("a", "c"), "T1")  # type: ignore[attr-defined]
    assert r.records[(TEAM, "T1")].lineup == ("a", "c")
    assert (t1.rating, t1.sd) == (lineup.mean, lineup.sd)
    assert lineup.sd > r.model.rating("T1", TEAM).sd


def test_leaderboard_orders_by_conservative_rating() -> None:
    skills = {f"p{i}": s for i, s in enumerate(np.linspace(-2, 2, 12))}
    r = rate(MODELS["culturebridge"](), ladder(skills, 1500))
    board = leaderboard(r, min_matches=1)
    assert [s.rank for s in board] == list(range(1, 13))
    cons = [s.conservative for s in board]
    assert cons == sorted(cons, reverse=True)
    assert board[0].name == "p11" and board[-1].name == "p0"
    assert len(leaderboard(r, top=3)) == 3
    assert leaderboard(r, min_matches=10_000) == []
    with pytest.raises(ValueError, match="kind"):
        leaderboard(r, kind="coach")


def test_balance_evens_a_lopsided_pool(make: Callable[[], RatingModel]) -> None:
    skills = {f"p{i}": s for i, s in enumerate(np.linspace(-2, 2, 10))}
    r = rate(make(), ladder(skills, 800, size=1))
    split = balance(r.model, sorted(skills), 2)
    assert sorted(len(t) for t in split.teams) == [5, 5]
    assert sorted(p for t in split.teams for p in t) == sorted(skills)
    assert abs(split.odds.win[0] / (1 - split.odds.draw) - 0.5) < 0.05
    stacked = r.model.predict([[f"p{i}" for i in range(5)], [f"p{i}" for i in range(5, 10)]])
    assert split.imbalance < abs(stacked[0] - stacked[1])
    assert balance(r.model, sorted(skills), 2) == split  # deterministic


def test_balance_sizes_and_errors() -> None:
    model = Elo(EloConfig())
    split = balance(model, ["a", "b", "c", "d", "e", "f", "g"], 3)
    assert sorted(len(t) for t in split.teams) == [2, 2, 3]
    assert split.imbalance == pytest.approx(0.0)
    with pytest.raises(ValueError, match="twice"):
        balance(model, ["a", "a", "b"], 2)
    with pytest.raises(ValueError, match="cannot make"):
        balance(model, ["a"], 2)
    with pytest.raises(ValueError, match="at least 2"):
        balance(model, ["a", "b"], 1)


def test_lobby_trial_is_seeded() -> None:
    skills = {f"p{i}": s for i, s in enumerate(np.linspace(-1, 1, 20))}
    r = rate(MODELS["culturebridge"](), ladder(skills, 1000, size=2))
    a = lobby_trial(r.model, sorted(skills), lobbies=5, size=6, seed=3)
    assert a == lobby_trial(r.model, sorted(skills), lobbies=5, size=6, seed=3)
    assert all(len(s.teams) == 2 for s in a)
    with pytest.raises(ValueError, match="pool"):
        lobby_trial(r.model, ["a", "b"], size=4)


def test_tuning_uses_the_early_matches_only_and_falls_back_on_defaults() -> None:
    skills = {f"p{i}": s for i, s in enumerate(np.linspace(-2, 2, 16))}
    matches = ladder(skills, 1000)
    tuned = tune_bridge(matches)
    assert tuned.tried > 1
    # the late matches cannot change the choice: swap their outcomes, same parameters
    flipped = matches[:300] + [
        Match(x.match_id, x.ts, x.teams, tuple(reversed(x.ranks))) for x in matches[300:]
    ]
    assert tune_bridge(flipped).params == tuned.params
    assert tune_bridge(matches[:100]).tried == 0  # too few to choose on


def test_the_leaderboard_chart_ranks_as_the_table_does() -> None:
    """The dots are the rating that ranks (μ − 2σ), so they fall in the board's order even when
    a lower-ranked player has the higher mean."""
    from culturebridge.reports._charts import leaderboard_chart

    rows = [("steady", 1500.0, 20.0), ("lucky", 1520.0, 60.0), ("new", 1400.0, 30.0)]
    # conservative: steady 1460, lucky 1400, new 1340: the board's order
    figure = leaderboard_chart(rows)
    assert figure is not None
    dots = figure["data"][0]
    assert dots["y"] == ["new", "lucky", "steady"]  # bottom to top
    assert dots["x"] == sorted(dots["x"])  # the top player's dot is the rightmost
    mean = figure["data"][1]
    assert mean["x"][dots["y"].index("lucky")] > mean["x"][dots["y"].index("steady")]
