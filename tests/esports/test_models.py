"""The shared contract every rating model passes, and what sets the culturebridge model apart."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable

import numpy as np
import pytest

from culturebridge.esports import (
    Bridge,
    BridgeConfig,
    Elo,
    Glicko2,
    Match,
    OpenSkill,
    RatingModel,
    run_online,
    score,
    tune,
)
from tests.esports.conftest import T0, m
from tests.esports.golden.regenerate import GOLDEN, compute


def test_every_model_meets_the_protocol(make: Callable[[], RatingModel]) -> None:
    assert isinstance(make(), RatingModel)


def test_update_returns_a_new_model_and_leaves_the_old_one(
    make: Callable[[], RatingModel],
) -> None:
    model = make().update(m(0, [["a", "b"], ["c", "d"]], [1, 2]))
    before = copy.deepcopy(vars(model))
    p_before = model.predict([["a", "b"], ["c", "d"]])
    teams = [["a", "b"], ["c", "d"]]
    match = m(1, teams, [2, 1])
    new = model.update(match)
    assert new is not model
    assert vars(model).keys() == before.keys()
    for key, value in before.items():
        if isinstance(value, dict):
            assert getattr(model, key) == value, key
    np.testing.assert_array_equal(model.predict([["a", "b"], ["c", "d"]]), p_before)
    assert teams == [["a", "b"], ["c", "d"]]
    assert match.ranks == (2, 1)
    assert not np.allclose(new.predict([["a", "b"], ["c", "d"]]), p_before)


def test_symmetric_teams_give_one_half(make: Callable[[], RatingModel]) -> None:
    p = make().predict([["a", "b"], ["c", "d"]])
    np.testing.assert_allclose(p, [0.5, 0.5], atol=1e-9)
    three = make().predict([["a"], ["b"], ["c"]])
    np.testing.assert_allclose(three, [1 / 3] * 3, atol=1e-9)


def test_a_stronger_team_is_favoured(make: Callable[[], RatingModel]) -> None:
    model = make()
    for i in range(5):
        model = model.update(m(i, [["a", "b"], ["c", "d"]], [1, 2]))
    p = model.predict([["a", "b"], ["c", "d"]])
    assert p[0] > 0.5
    assert p.sum() == pytest.approx(1.0)
    assert model.predict([["c", "d"], ["a", "b"]])[0] < 0.5


def test_draws_are_handled(make: Callable[[], RatingModel]) -> None:
    model = make().update(m(0, [["a"], ["b"]], [1, 1]))
    p = model.predict([["a"], ["b"]])
    np.testing.assert_allclose(p, [0.5, 0.5], atol=1e-9)
    model = model.update(m(1, [["a"], ["b"], ["c"]], [1, 1, 2]))
    assert np.all(np.isfinite(model.predict([["a"], ["c"]])))


def test_deterministic(make: Callable[[], RatingModel]) -> None:
    matches = [m(i, [["a", "b"], ["c", "d"]], [1 + i % 2, 2 - i % 2]) for i in range(6)]
    a = run_online(make(), matches).predictions
    b = run_online(make(), matches).predictions
    assert [x.tobytes() for x in a] == [x.tobytes() for x in b]


@pytest.mark.parametrize(
    "teams",
    [[["a"]], [["a"], []], [["a", "b"], ["b", "c"]], [["a"], [""]]],
    ids=["one-team", "empty-team", "player-twice", "empty-name"],
)
def test_malformed_teams_are_clear_value_errors(
    make: Callable[[], RatingModel], teams: list[list[str]]
) -> None:
    with pytest.raises(ValueError):
        make().predict(teams)


def test_run_online_predicts_before_updating_and_leaves_the_model() -> None:
    model = Elo()
    matches = [m(i, [["a"], ["b"]], [1, 2]) for i in range(3)]
    run = run_online(model, matches)
    assert run.predictions[0][0] == 0.5  # nobody rated before the first match
    assert run.predictions[1][0] > 0.5
    assert model.ratings == {}
    s = score(matches, run.predictions)
    assert s.n == 3 and s.accuracy == pytest.approx(2.5 / 3)
    assert 0 < s.brier < 0.25 and s.log_loss > 0


def test_tune_uses_only_the_earliest_matches() -> None:
    early = [m(i, [["a"], ["b"]], [1, 2]) for i in range(30)]
    late = [m(30 + i, [["a"], ["b"]], [2, 1]) for i in range(70)]
    tuned = tune(_elo, {"k": [4.0, 64.0]}, early + late)
    # a always wins early: the large K learns it fastest; the late reversal is never seen
    assert tuned.params == {"k": 64.0}


def _elo(k: float) -> Elo:
    from culturebridge.esports import EloConfig

    return Elo(EloConfig(k=k))


def test_bridge_side_advantage_needs_sides() -> None:
    model = Bridge(BridgeConfig(side_advantage=0.3))
    assert model.predict([["a"], ["b"]])[0] == pytest.approx(0.5)
    assert model.predict([["a"], ["b"]], {"sides": ["blue", "red"]})[0] > 0.5


def test_bridge_uncertainty_grows_with_inactivity() -> None:
    model = Bridge(BridgeConfig(player_drift=0.01, player_var=1.0))
    model = model.update(m(0, [["a"], ["b"]], [1, 2]))
    _, var_after = model.skill("a")
    later = m(50, [["a"], ["c"]], [1, 2])
    soon = m(1, [["a"], ["c"]], [1, 2])
    # the same win moves a returning player further than one who just played
    far = model.update(later).skill("a")[0] - model.skill("a")[0]
    near = model.update(soon).skill("a")[0] - model.skill("a")[0]
    assert far > near > 0
    assert var_after < 1.0


def test_bridge_region_term_is_learned_only_across_regions() -> None:
    model = Bridge()
    for i in range(4):
        model = model.update(
            m(i, [["a"], ["b"]], [1, 2], league="N", team_tags=["A", "B"], sides=["x", "y"])
        )
        model = model.update(
            m(i, [["x"], ["y"]], [1, 2], league="S", team_tags=["X", "Y"], sides=["x", "y"])
        )
    assert not any(k[0] == "r" for k in model.ratings)
    model = model.update(m(9, [["a"], ["x"]], [1, 2], league="W", team_tags=["A", "X"]))
    assert model.ratings[("r", "N")][0] > 0 > model.ratings[("r", "S")][0]


def test_bridge_golden_values() -> None:
    """Regenerate with `python tests/esports/golden/regenerate.py` when a change is meant."""
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    got = json.loads(json.dumps(compute()))
    assert got.keys() == want.keys()
    for section in want:
        assert got[section].keys() == want[section].keys()
        for key, values in want[section].items():
            assert got[section][key] == pytest.approx(values, abs=1e-9), (section, key)


def test_openskill_models_differ_by_kind() -> None:
    from culturebridge.esports import OpenSkillConfig

    match = m(0, [["a"], ["b"]], [1, 2])
    pl = OpenSkill(OpenSkillConfig(kind="PlackettLuce")).update(match)
    tm = OpenSkill(OpenSkillConfig(kind="ThurstoneMostellerFull")).update(match)
    assert pl.predict([["a"], ["b"]])[0] != tm.predict([["a"], ["b"]])[0]
    assert 0 < pl.predict_draw([["a"], ["b"]]) < 1


def test_glicko2_rating_scale() -> None:
    assert tuple(Glicko2().rating("new")) == pytest.approx((1500.0, 350.0))
    assert not math.isnan(Glicko2().update(m(0, [["a"], ["b"]], [1, 2])).rating("a")[0])


def test_ratings_rank_winners_above_losers_and_uncertainty_shrinks(
    make: Callable[[], RatingModel],
) -> None:
    model = make()
    fresh = model.rating("a")
    for i in range(6):
        model = model.update(m(i, [["a"], ["b"]], [1, 2]))
    assert model.rating("a").mean > fresh.mean > model.rating("b").mean
    assert model.rating("a").sd <= fresh.sd
    assert model.rating("a").conservative == model.rating("a").mean - 2 * model.rating("a").sd
    assert model.players() == ["a", "b"]


def test_draws_are_predicted_from_what_was_seen(make: Callable[[], RatingModel]) -> None:
    model = make()
    teams = [["a"], ["b"]]
    for i in range(10):
        model = model.update(m(i, [["a"], ["b"]], [1, 1] if i % 2 else [1, 2]))
    draw = model.predict_draw(teams)
    assert 0.0 < draw < 1.0
    assert model.predict_draw([["a"], ["b"], ["c"]]) >= 0.0
    if not isinstance(model, OpenSkill):  # openskill's own draw formula ignores the rate seen
        decisive = make()
        for i in range(10):
            decisive = decisive.update(m(i, [["a"], ["b"]], [1, 2] if i % 2 else [2, 1]))
        assert decisive.predict_draw(teams) == 0.0
        assert draw > 0.2


def test_bridge_margin_of_victory_where_scores_exist() -> None:
    def win(scores: tuple[float, float]) -> float:
        match = Match("s", T0, (("a",), ("b",)), (1, 2), scores=scores)
        return Bridge(BridgeConfig(margin_weight=0.3)).update(match).skill("a")[0]

    assert win((30.0, 5.0)) > win((30.0, 28.0)) > 0


def test_bridge_quick_wins_count_more_and_lengths_are_online() -> None:
    def after(minutes: float, weight: float = 0.3) -> float:
        model = Bridge(BridgeConfig(duration_weight=weight))
        for i in range(4):  # a running mean of 30 minutes among other players
            model = model.update(m(i, [[f"x{i}"], [f"y{i}"]], [1, 2], duration=30.0))
        return model.update(m(9, [["a"], ["b"]], [1, 2], duration=minutes)).skill("a")[0]

    assert after(20.0) > after(30.0) > after(45.0) > 0
    assert after(20.0, weight=0.0) == after(45.0, weight=0.0)
    first = Bridge(BridgeConfig(duration_weight=0.3)).update(
        m(0, [["a"], ["b"]], [1, 2], duration=20.0)
    )
    plain = Bridge(BridgeConfig(duration_weight=0.0)).update(m(0, [["a"], ["b"]], [1, 2]))
    assert first.skill("a") == plain.skill("a")  # no mean yet: the first length gives no margin
    draw = Bridge(BridgeConfig(duration_weight=0.3)).update(
        m(0, [["a"], ["b"]], [1, 1], duration=20.0)
    )
    assert draw.skill("a") == draw.skill("b")


def _picks(i: int, blue: list[str], red: list[str], **meta: object) -> Match:
    return m(i, [[f"p{i}a"], [f"p{i}b"]], [1, 2], champions=[blue, red], **meta)


def test_bridge_champion_term_favours_winning_picks() -> None:
    # fresh players every match: only the champions carry over
    model = Bridge(BridgeConfig(champ_weight=1.0, champ_var=0.5))
    for i in range(6):
        model = model.update(_picks(i, ["Ahri"], ["Zed"]))
    assert model.predict([["u"], ["v"]], {"champions": [["Ahri"], ["Zed"]]})[0] > 0.55
    assert model.predict([["u"], ["v"]], {"champions": [["Zed"], ["Ahri"]]})[0] < 0.45
    assert model.predict([["u"], ["v"]])[0] == pytest.approx(0.5)
    # per role: the same champion in another role is a different term
    roles = Bridge(BridgeConfig(champ_weight=1.0, champ_roles=True))
    roles = roles.update(m(0, [["a", "b"], ["c", "d"]], [1, 2], champions=[["X", ""], ["", ""]]))
    assert ("c", "0:X") in roles.ratings
    assert roles.predict([["u", "v"], ["w", "z"]], {"champions": [["", "X"], ["", ""]]})[
        0
    ] == pytest.approx(0.5)


def test_bridge_without_champion_weight_ignores_picks() -> None:
    plain = Bridge(BridgeConfig(champ_weight=0.0))
    with_picks = [_picks(i, ["Ahri"], ["Zed"], team_tags=["A", "B"]) for i in range(4)]
    without = [m(i, [[f"p{i}a"], [f"p{i}b"]], [1, 2], team_tags=["A", "B"]) for i in range(4)]
    a = run_online(plain, with_picks)
    b = run_online(plain, without)
    assert [p.tolist() for p in a.predictions] == [p.tolist() for p in b.predictions]
    assert not any(k[0] == "c" for k in a.model.ratings)  # type: ignore[attr-defined]


def test_bridge_season_bump_speeds_up_a_new_season() -> None:
    def move(bump: float) -> float:
        model = Bridge(BridgeConfig(season_bump=bump, player_var=1.0))
        for i in range(5):
            model = model.update(m(i, [["a"], [f"o{i}"]], [1, 2], year=2015, season="Spring"))
        before = model.skill("a")[0]
        after = model.update(m(9, [["a"], ["o9"]], [1, 2], year=2015, season="Summer"))
        return after.skill("a")[0] - before

    assert move(0.3) > move(0.0) > 0


def test_bridge_roster_change_widens_the_team_term() -> None:
    def team_sd(bump: float, second: list[str]) -> float:
        model = Bridge(BridgeConfig(roster_bump=bump, team_var=1.0))
        for i in range(4):
            model = model.update(m(i, [["a", "b"], ["c", "d"]], [1, 2], team_tags=["A", "B"]))
        model = model.update(m(5, [second, ["c", "d"]], [1, 2], team_tags=["A", "B"]))
        return model.rating("A", kind="team").sd

    # a changed roster makes the same win move the team term less surely, so it stays wider
    assert team_sd(0.5, ["a", "n"]) > team_sd(0.0, ["a", "n"])
    assert team_sd(0.5, ["a", "b"]) == pytest.approx(team_sd(0.0, ["a", "b"]))


def test_bridge_reuses_the_predicted_terms_only_for_that_match() -> None:
    matches = [
        _picks(i, ["Ahri"], ["Zed"], team_tags=["A", "B"], sides=["blue", "red"]) for i in range(5)
    ]
    online = run_online(Bridge(), matches).model
    chained = Bridge()
    for match in matches:
        chained.predict_match(matches[0])  # a stale prediction must not leak into the update
        chained = chained.update(match)
    assert online.ratings == chained.ratings  # type: ignore[attr-defined]
