"""The demo workspace's matches, rated: planted skills recovered, lobbies balanced."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr
from typer.testing import CliRunner

from culturebridge.cli import app
from culturebridge.esports import Bridge, BridgeConfig
from culturebridge.esports._uses import lobby_trial, rate, tune_bridge
from culturebridge.esports._workspace import read_matches
from tests.conftest import Demo

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rated(demo: Demo) -> dict[str, object]:
    loads = read_matches(demo.ws)
    assert all(not load.problems for load in loads.values())
    return {
        game: rate(Bridge(BridgeConfig(**tune_bridge(load.matches).params)), load.matches)
        for game, load in loads.items()
    }


def test_final_ratings_rank_the_planted_skills(demo: Demo, rated: dict[str, object]) -> None:
    players = demo.truth["player_skills"]["players"]
    assert set(rated) == {p["game"] for p in players.values()}
    for game, r in rated.items():
        names = r.model.players()  # type: ignore[attr-defined]
        assert len(names) == sum(1 for p in players.values() if p["game"] == game)
        est = [r.model.rating(n).mean for n in names]  # type: ignore[attr-defined]
        rho = spearmanr(est, [players[n]["skill_final"] for n in names]).statistic
        assert rho >= 0.9, (game, rho)


def test_matchmaking_balances_demo_lobbies(demo: Demo, rated: dict[str, object]) -> None:
    players = demo.truth["player_skills"]["players"]
    game = demo.truth["player_skills"]["model"]["games"]
    team_game = next(g for g, kind in game.items() if kind == "5v5")
    pool = sorted(n for n, p in players.items() if p["game"] == team_game)
    splits = lobby_trial(rated[team_game].model, pool, lobbies=100, size=10, seed=1)  # type: ignore[attr-defined]
    p0 = np.array([s.odds.win[0] / (s.odds.win[0] + s.odds.win[1]) for s in splits])
    assert np.mean(np.abs(p0 - 0.5) <= 0.05) >= 0.9


def test_cli_leaderboard_balance_and_history_on_the_demo(demo: Demo, tmp_path: Path) -> None:
    run = CliRunner().invoke
    res = run(app, ["esports", "leaderboard", str(demo.ws.root), "--top", "5", "--json"])
    assert res.exit_code == 0, res.output
    board = json.loads(res.stdout)
    games = {row["game"] for row in board}
    assert len(games) == 2 and len(board) == 10
    top = next(row for row in board if row["rank"] == 1)
    # cached tuning: the second run gives the same table
    again = run(app, ["esports", "leaderboard", str(demo.ws.root), "--top", "5", "--json"])
    assert json.loads(again.stdout) == board
    assert (demo.ws.root / "cache" / "esports_tuning.json").exists()

    same_game = [row["name"] for row in board if row["game"] == top["game"]]
    res = run(app, ["esports", "history", str(demo.ws.root), "--player", top["name"], "--json"])
    assert res.exit_code == 0, res.output
    hist = json.loads(res.stdout)
    assert len(hist["history"]) == top["matches"] and hist["rating"] == top["rating"]

    if len(same_game) >= 4:
        res = run(app, ["esports", "balance", str(demo.ws.root), "--players",
                        ",".join(same_game[:4]), "--teams", "2", "--json"])  # fmt: skip
        assert res.exit_code == 0, res.output
        split = json.loads(res.stdout)
        assert sorted(len(t) for t in split["teams"]) == [2, 2]
        assert sum(split["win"]) + split["draw"] == pytest.approx(1.0, abs=1e-3)

    out = tmp_path / "ratings.csv"
    res = run(app, ["esports", "rate", str(demo.ws.root), "--output", str(out), "--json"])
    assert res.exit_code == 0, res.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("game,kind,name,rating")
    assert len(lines) - 1 == len(demo.truth["player_skills"]["players"])
