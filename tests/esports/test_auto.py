"""Settings learned from the history itself, with known answers: planted skills are recovered
with settings found automatically, a planted home advantage is found, short histories fall back
on the defaults and say so, and the choice is cached per data version."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr
from typer.testing import CliRunner

from culturebridge.cli import app
from culturebridge.esports import (
    Bridge,
    BridgeConfig,
    Elo,
    EloConfig,
    Match,
    OpenSkill,
    OpenSkillConfig,
    learn_settings,
    run_online,
    settings_for,
)
from culturebridge.esports._auto import Features, bridge_grid
from tests.esports.conftest import T0, m
from tests.esports.test_uses import ladder


@pytest.mark.parametrize(
    ("size", "players", "n", "spread"), [(1, 30, 1000, 1.0), (2, 30, 1500, 1.5), (5, 24, 1200, 2.0)]
)
def test_planted_skills_are_recovered_with_learned_settings(
    size: int, players: int, n: int, spread: float
) -> None:
    """Skills drawn from N(0, spread^2), random teams of `size`, logistic outcomes; the family
    and its settings are chosen on the earliest 30%, none given."""
    rng = np.random.default_rng(size)
    skills = {f"p{i}": float(s) for i, s in enumerate(rng.normal(0.0, spread, players))}
    matches = ladder(skills, n, seed=size, size=size)
    settings = learn_settings(matches)
    assert settings.tuned_on == int(0.3 * n) and settings.tried > 10 and not settings.note
    model = run_online(settings.build(), matches).model
    names = sorted(skills)
    rho = spearmanr([model.rating(n).mean for n in names], [skills[n] for n in names])[0]
    assert rho >= 0.9, (settings.family, rho)


def _home_games(n: int, seed: int = 0) -> list[Match]:
    """Duels where the first listed side wins 0.8 logit more often unless the match is neutral
    (every fourth): a football-like history with draws."""
    rng = np.random.default_rng(seed)
    skills = rng.normal(0.0, 0.7, 24)
    out = []
    for i in range(n):
        a, b = rng.choice(24, 2, replace=False)
        neutral = i % 4 == 0
        d = skills[a] - skills[b] + (0.0 if neutral else 0.8)
        p = 1.0 / (1.0 + np.exp(-d))
        u = rng.random()
        ranks = [1, 1] if abs(u - p) < 0.08 else [1, 2] if u < p else [2, 1]
        out.append(m(i, [[f"t{a}"], [f"t{b}"]], ranks, neutral=neutral))
    return out


def test_a_planted_home_advantage_is_learned_and_neutral_grounds_have_none() -> None:
    matches = _home_games(1500)
    settings = learn_settings(matches, families=("culturebridge",))
    assert settings.tuned_on == 450 and settings.params["home_first"] is True
    model = run_online(settings.build(), matches).model

    def logit(teams: list[list[str]], neutral: bool, i: int) -> float:
        p = float(model.predict(teams, {"neutral": neutral})[i])
        return math.log(p / (1.0 - p))

    # t0 against t1 at home, away and on neutral ground (logits): 0.8 planted either way, or
    # about 0.95 on decisive matches once the draws near even odds are taken out
    home, away = logit([["t0"], ["t1"]], False, 0), logit([["t1"], ["t0"]], False, 1)
    neutral = logit([["t0"], ["t1"]], True, 0)
    assert 0.6 < (home - away) / 2.0 < 1.3
    assert abs(neutral - (home + away) / 2.0) < 0.05
    assert model.predict_draw([["t0"], ["t1"]]) > 0.05  # draws seen: draws predicted


def test_short_histories_keep_the_defaults_and_say_so() -> None:
    matches = ladder({"a": 1.0, "b": 0.0, "c": -1.0}, 300)
    settings = learn_settings(matches)
    assert settings.tuned_on == 0 and settings.params == {}
    assert "90 decisive matches" in settings.note and "defaults" in settings.describe()
    assert isinstance(settings.build(), Bridge)


def test_the_grid_follows_what_the_history_records() -> None:
    duel = Features.of(ladder({"a": 1.0, "b": 0.0}, 50))
    _, grid = bridge_grid(duel)
    assert "infer_teams" not in grid and "team_weight" not in grid and "margin_weight" not in grid
    assert "home_first" in grid  # two sides: the first may be at home
    five = Features.of(ladder({f"p{i}": 0.0 for i in range(10)}, 50, size=5))
    _, grid = bridge_grid(five)
    assert grid["infer_teams"] == [False, True] and "newcomer_pull" in grid


def test_inferred_teams_survive_a_roster_change() -> None:
    model = Bridge(BridgeConfig(infer_teams=True))
    a, b = ["a1", "a2", "a3", "a4", "a5"], ["b1", "b2", "b3", "b4", "b5"]
    model = model.update(m(0, [a, b], [1, 2]))
    assert model._tags((a, b), {}) == ["~0", "~1"]
    moved = ["a1", "a2", "a3", "x4", "x5"]  # three of five stay: the same crew
    assert model._tags((moved, b), {}) == ["~0", "~1"]
    fresh = ["a1", "a2", "y3", "y4", "y5"]  # two of five: a new crew
    assert model._tags((fresh, b), {}) == ["~2", "~1"]
    model = model.update(m(1, [fresh, b], [2, 1]))
    assert model.crews["a1"] == "~2" and model.crews_made == 3
    assert model.team_tags() == []  # made-up crews are not team tags
    assert model._tags((a, b), {"team_tags": ["A", "B"]}) == ["A", "B"]


def test_settings_are_cached_per_data_version(tmp_path: Path) -> None:
    matches = ladder({f"p{i}": i / 4 for i in range(12)}, 700)
    cache = tmp_path / "cache" / "tuning.json"
    first = settings_for("culturebridge", matches, "Duel", cache)
    assert first.tuned_on == 210 and first.family == "culturebridge"
    stored = json.loads(cache.read_text(encoding="utf-8"))
    assert len(stored) == 1
    (key,) = stored
    stored[key]["params"] = {**stored[key]["params"], "player_var": 0.123}
    cache.write_text(json.dumps(stored), encoding="utf-8")
    assert settings_for("culturebridge", matches, "Duel", cache).params["player_var"] == 0.123
    more = settings_for("culturebridge", matches[:-1], "Duel", cache)  # new data: learned anew
    assert more.params.get("player_var") != 0.123 and len(json.loads(cache.read_text())) == 2
    assert settings_for("elo", matches, tune=False).note == "--no-tune"


def test_predict_learns_its_settings_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "duels.jsonl"
    rows = [
        {"match_id": x.match_id, "ts": x.ts.isoformat(), "teams": [list(t) for t in x.teams],
         "ranks": list(x.ranks)}
        for x in ladder({f"p{i}": i / 4 for i in range(12)}, 700)
    ]  # fmt: skip
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "p.csv"
    args = ["esports", "predict", "--matches", str(path), "--output", str(out), "--json"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["settings"]["tuned_on"] == 210 and summary["after_tuning"]["scored"] == 490
    res = CliRunner().invoke(app, [*args, "--no-tune", "--model", "auto"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["settings"]["note"] == "--no-tune" and summary["after_tuning"]["scored"] == 700


def test_elo_home_advantage_and_openskill_settings() -> None:
    elo = Elo(EloConfig(home=100.0, home_first=True))
    at_home = elo.predict([["a"], ["b"]], {})  # a match on record, home side first
    assert float(at_home[0]) == pytest.approx(1 / (1 + 10 ** (-100 / 400)))
    assert float(elo.predict([["a"], ["b"]], {"neutral": True})[0]) == 0.5
    assert float(elo.predict([["a"], ["b"]])[0]) == 0.5  # a pairing asked about: neutral
    assert float(Elo(EloConfig(home=100.0)).predict([["a"], ["b"]], {})[0]) == 0.5  # no side
    sided = Elo(EloConfig(home=100.0)).predict([["a"], ["b"]], {"sides": ["blue", "red"]})
    assert float(sided[0]) > 0.6
    model = OpenSkill(OpenSkillConfig(kind="ThurstoneMostellerFull", sigma=3.0, tau=0.0))
    assert model.rating("new").sd == 3.0
    scored = Match("s", T0, (("a",), ("b",)), (1, 2), scores=(3.0, 1.0))
    assert model.update(scored).rating("a").mean > 25.0  # ranks and scores together are fine
