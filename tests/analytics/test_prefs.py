"""Preferences: statistics with answers worked out by hand, errors, scope and suppression."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from culturebridge.analytics import preferences
from culturebridge.analytics._prefs import PrefsConfig
from culturebridge.errors import UserError
from culturebridge.query import OTHER_PARTNERS, Analysis
from culturebridge.stats import benjamini_hochberg as bh_adjust
from culturebridge.workspace import Workspace
from tests.analytics.tiny import tiny_workspace


def test_bh_adjust_known_answer() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.5, np.nan])
    adj = bh_adjust(p)
    # sorted 0.01, 0.03, 0.04, 0.5 -> p*m/rank 0.04, 0.06, 0.0533, 0.5 -> running min from top
    assert np.allclose(adj[:4], [0.04, 0.16 / 3, 0.16 / 3, 0.5])
    assert np.isnan(adj[4])


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """20 young users (born 2006, tier 1) and 20 older ones (born 1970, tier 3).

    Young: each buys item a (genre drama, partner p1) once and views item b (comedy, p2) once.
    Older: each views a once and buys b once; 5 of them also buy c (comedy, p1).
    """
    users = [
        {"user_id": f"y{i}", "birth_year": 2006, "city_tier": 1, "gender": "female"}
        for i in range(20)
    ] + [
        {"user_id": f"o{i}", "birth_year": 1970, "city_tier": 3, "gender": "male"}
        for i in range(20)
    ]
    items = [
        {
            "item_id": "a",
            "partner_id": "p1",
            "kind": "film",
            "genres": ["drama"],
            "title_en": "Aurora",
            "title_zh": "极光",
        },
        {
            "item_id": "b",
            "partner_id": "p2",
            "kind": "series",
            "genres": ["comedy"],
            "title_en": "Bellwether",
        },
        {"item_id": "c", "partner_id": "p1", "kind": "series", "genres": ["comedy"]},
    ]
    partners = [{"partner_id": "p1", "name_en": "One"}, {"partner_id": "p2", "name_en": "Two"}]
    events = []
    day = "2026-05-0{}T12:00:00Z"
    for i in range(20):
        events += [
            {"ts": day.format(1), "user_id": f"y{i}", "item_id": "a", "type": "purchase"},
            {"ts": day.format(2), "user_id": f"y{i}", "item_id": "b", "type": "view"},
            {"ts": day.format(3), "user_id": f"o{i}", "item_id": "a", "type": "view"},
            {"ts": day.format(4), "user_id": f"o{i}", "item_id": "b", "type": "purchase"},
        ]
    for i in range(5):
        events.append({"ts": day.format(5), "user_id": f"o{i}", "item_id": "c", "type": "purchase"})
    return tiny_workspace(
        tmp_path_factory.mktemp("tiny"),
        users=users,
        items=items,
        events=events,
        partners=partners,
        k=5,
    )


def test_shares_and_lift_worked_by_hand(tiny: Workspace) -> None:
    with Analysis.open(tiny) as a:
        r = preferences(a, segment="gen_z", by="genre", vs="older_45_plus")
    rows = {row.value: row for row in r.rows}
    # young: drama 20*5 = 100, comedy 20*1 = 20 -> 100/120; older: drama 20, comedy 100+25
    assert rows["drama"].segment_share == pytest.approx(100 / 120)
    assert rows["drama"].baseline_share == pytest.approx(20 / 145)
    assert rows["drama"].lift == pytest.approx((100 / 120) / (20 / 145))
    assert rows["comedy"].lift == pytest.approx((20 / 120) / (125 / 145))
    assert rows["drama"].users == 20 and rows["drama"].baseline_users == 20
    assert rows["drama"].significant and not rows["comedy"].suppressed
    assert r.rows[0].value == "drama"  # ordered by shrunk lift
    assert r.segment_users == 20 and r.baseline_users == 20


def test_baseline_all_includes_the_segment(tiny: Workspace) -> None:
    with Analysis.open(tiny) as a:
        r = preferences(a, segment="gen_z", by="genre")
    rows = {row.value: row for row in r.rows}
    assert rows["drama"].baseline_share == pytest.approx(120 / 265)
    assert rows["drama"].baseline_users == 40


def test_weights_are_configurable(tiny: Workspace) -> None:
    with Analysis.open(tiny) as a:
        flat = PrefsConfig(weights={"view": 1.0, "purchase": 1.0})
        r = preferences(a, segment="gen_z", by="genre", vs="older_45_plus", config=flat)
    rows = {row.value: row for row in r.rows}
    assert rows["drama"].segment_share == pytest.approx(0.5)
    assert rows["drama"].baseline_share == pytest.approx(20 / 45)


def test_small_cells_are_suppressed_with_a_complement(tiny: Workspace) -> None:
    """Item c has 5 older users: below k=6 it is blanked, and so is a second item, because
    the shares of one breakdown sum to one."""
    ws = Workspace.open(tiny.root)
    ws.config = ws.config.model_copy(
        update={"privacy": ws.config.privacy.model_copy(update={"k": 6})}
    )
    with Analysis.open(ws) as a:
        r = preferences(a, segment="older_45_plus", by="item")
    hidden = [row for row in r.rows if row.suppressed]
    assert {row.value for row in hidden} >= {"c"} and len(hidden) == 2
    for row in hidden:
        assert row.users is None and row.segment_share is None and row.lift is None
        assert not row.significant
    assert r.privacy.suppressed == 1 and r.privacy.complementary == 1
    assert r.rows[-1].suppressed  # suppressed cells last


def test_partner_scope_folds_other_partners_items(tiny: Workspace) -> None:
    with Analysis.open(tiny, partner="p1") as a:
        r = preferences(a, segment="gen_z", by="item", vs="older_45_plus")
    assert {row.value for row in r.rows} == {"a", "c", OTHER_PARTNERS}
    with Analysis.open(tiny, partner="p2") as a:
        r = preferences(a, segment="gen_z", by="partner")
    assert {row.value for row in r.rows} == {"p2", OTHER_PARTNERS}


def test_period_filters_are_inclusive_days(tiny: Workspace) -> None:
    from datetime import date

    with Analysis.open(tiny, period_from=date(2026, 5, 1), period_to=date(2026, 5, 4)) as a:
        r = preferences(a, segment="gen_z", by="genre", vs="older_45_plus")
    rows = {row.value: row for row in r.rows}
    # the purchases of c on 5 May fall outside: older comedy is b's purchases alone
    assert rows["drama"].baseline_share == pytest.approx(20 / 120)
    with Analysis.open(tiny, period_from=date(2026, 5, 5), period_to=date(2026, 5, 5)) as a:
        r = preferences(a, segment="older_45_plus", by="genre")
    assert [(row.value, row.segment_share) for row in r.rows] == [("comedy", 1.0)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"segment": "gen_z", "by": "nope"}, "unknown dimension"),
        ({"segment": "nope", "by": "genre"}, "unknown segment 'nope'"),
        ({"segment": "gen_z", "by": "genre", "vs": "gen_z"}, "nothing to compare"),
        ({"segment": "gen_z", "by": "attributes."}, "needs a key"),
    ],
)
def test_clear_errors(tiny: Workspace, kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(UserError, match=message), Analysis.open(tiny) as a:
        preferences(a, **kwargs)


def test_unknown_partner_is_a_clear_error(tiny: Workspace) -> None:
    with pytest.raises(UserError, match="unknown partner"), Analysis.open(tiny, partner="px"):
        pass


def test_reversed_period_is_a_clear_error(tiny: Workspace, tmp_path: Path) -> None:
    from datetime import date

    with (
        pytest.raises(UserError, match="after"),
        Analysis.open(tiny, period_from=date(2026, 6, 1), period_to=date(2026, 5, 1)),
    ):
        pass


def test_a_rating_weighs_by_its_stars(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Two films, each rated by 10 users: one 5★, the other 1★. Rating is the only event, so
    the 5★ film holds 5/6 of the weighted engagement, not half."""
    users = [{"user_id": f"u{i}", "birth_year": 2004} for i in range(10)]  # 22: gen Z
    items = [{"item_id": "good", "kind": "film"}, {"item_id": "bad", "kind": "film"}]
    events = [
        {"ts": "2026-05-01T12:00:00Z", "user_id": f"u{i}", "item_id": item, "type": "rate",
         "value": stars}
        for i in range(10)
        for item, stars in (("good", 5.0), ("bad", 1.0))
    ]  # fmt: skip
    ws = tiny_workspace(
        tmp_path_factory.mktemp("stars"), users=users, items=items, events=events, k=5
    )
    with Analysis.open(ws) as a:
        r = preferences(a, segment="gen_z", by="item")
    shares = {row.value: row.segment_share for row in r.rows}
    assert shares["good"] == pytest.approx(5 / 6)
    assert shares["bad"] == pytest.approx(1 / 6)


def test_a_multi_valued_breakdown_says_its_shares_overlap(tiny: Workspace) -> None:
    with Analysis.open(tiny) as a:
        by_genre = preferences(a, segment="gen_z", by="genre")
        by_item = preferences(a, segment="gen_z", by="item")
    assert "sum past 100%" in by_genre.measure
    assert "sum past 100%" not in by_item.measure
