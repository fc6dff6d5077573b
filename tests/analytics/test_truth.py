"""Every answer planted in the default demo universe comes back out, and nothing false does.

Known answers from truth.json: segment preferences (value, share in the segment), trends
(direction and size), the older-skewing documentary. The false-discovery check runs the same
analyses on the universe with demographics shuffled among users, where no demographic segment
truly prefers anything.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from culturebridge.analytics import preferences, trends
from culturebridge.query import Analysis, segment_from_flags
from culturebridge.workspace import Workspace
from tests.conftest import Demo

pytestmark = pytest.mark.slow


def _planted_segment(spec: dict[str, Any]) -> Any:
    return segment_from_flags(
        name="planted",
        description="the planted segment",
        age=f"{spec['age_min']}-{spec['age_max']}",
        tiers=[str(t) for t in spec["city_tier"]],
    )


def test_every_planted_preference_is_recovered(demo: Demo) -> None:
    for planted in demo.truth["segment_preferences"]:
        with Analysis.open(demo.ws) as a:
            a.segments["planted"] = _planted_segment(planted["segment"])
            result = preferences(a, segment="planted", by=planted["dimension"])
        top = result.rows[0]
        assert top.value == planted["value"], (planted, [r.value for r in result.rows[:3]])
        assert top.significant and top.ci_low is not None and top.ci_low > 1.0
        assert top.segment_share == pytest.approx(planted["expected_share_in_segment"], abs=0.02)
        assert top.lift is not None and top.lift > 1.5
        # against everyone outside the segment the planted lift itself comes back
        assert result.top(1)[0].value == planted["value"]


def test_planted_lift_against_the_rest(demo: Demo) -> None:
    """With the rest of the population as baseline (a segment of everyone not planted), the
    measured lift is the planted one within its interval."""
    for planted in demo.truth["segment_preferences"]:
        spec = planted["segment"]
        with Analysis.open(demo.ws) as a:
            a.segments["planted"] = _planted_segment(spec)
            others = [t for t in (1, 2, 3, 4) if t not in spec["city_tier"]]
            a.segments["rest_tiers"] = segment_from_flags(
                name="rest_tiers", description="", tiers=[str(t) for t in others]
            )
            result = preferences(a, segment="planted", by=planted["dimension"], vs="rest_tiers")
        row = next(r for r in result.rows if r.value == planted["value"])
        assert row.ci_low is not None and row.ci_high is not None
        # the rest of the tiers are "elsewhere" (other ages of the same tier are not in it)
        assert row.ci_low * 0.9 <= planted["expected_lift"] <= row.ci_high * 1.1, row


def test_every_planted_trend_is_recovered(demo: Demo) -> None:
    for planted in demo.truth["trends"]:
        with Analysis.open(demo.ws) as a:
            result = trends(a, by=planted["dimension"], period="week")
        row = next(r for r in result.rows if r.value == planted["value"])
        assert row.significant and row.direction == planted["direction"], row
        shares = np.array([p.share for p in row.points], dtype=float)
        expected = np.array(planted["expected_weekly_share"])
        assert len(shares) == len(expected) == planted.get("weeks", len(expected))
        ratio = shares[-4:].mean() / shares[:4].mean()
        planted_ratio = expected[-4:].mean() / expected[:4].mean()
        assert ratio == pytest.approx(planted_ratio, rel=0.2)
        # the forecast continues the direction
        assert row.forecast and row.slope is not None
        if planted["direction"] == "rising":
            assert row.slope > 0 and row.forecast[0].share >= shares[:4].mean()
        else:
            assert row.slope < 0 and row.forecast[0].share <= shares[:4].mean()


def test_the_older_skewing_item_tops_the_older_segment(demo: Demo) -> None:
    older = demo.truth["older_audience_item"]
    with Analysis.open(demo.ws) as a:
        result = preferences(a, segment="older_45_plus", by="item")
    top = result.rows[0]
    assert top.value == older["item_id"], [r.value for r in result.rows[:3]]
    assert top.significant and top.ci_low is not None and top.ci_low > 2
    with Analysis.open(demo.ws) as a:
        young = preferences(a, segment="gen_z", by="item")
    row = next(r for r in young.rows if r.value == older["item_id"])
    assert row.significant and row.lift is not None and row.lift < 0.6


SHUFFLE_SEGMENTS = (
    "teens",
    "gen_z",
    "young_adults",
    "adults_35_44",
    "older_45_plus",
    "tier1",
    "tier2",
    "tier3_4",
    "gen_z_tier1",
    "young_adults_tier2",
)
SHUFFLE_DIMENSIONS = ("kind", "genre", "attributes.style", "attributes.colour", "item")


def test_false_discoveries_stay_below_five_percent(shuffled: Workspace) -> None:
    tested = significant = 0
    with Analysis.open(shuffled) as a:
        for segment in SHUFFLE_SEGMENTS:
            for by in SHUFFLE_DIMENSIONS:
                result = preferences(a, segment=segment, by=by)
                rows = [r for r in result.rows if r.p_adj is not None]
                tested += len(rows)
                significant += sum(r.significant for r in rows)
    assert tested > 500
    print(f"shuffled demographics: {significant} of {tested} values significant at BH 5%")
    assert significant / tested <= 0.05, (significant, tested)
