"""Per-item sentiment and alerts: the demo's planted week of negative posts is raised, and
nothing else is, for the whole platform and within a segment; the CLI says the same."""

from __future__ import annotations

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from culturebridge.cli import app
from culturebridge.query import Analysis
from culturebridge.social._alerts import AlertsConfig, item_sentiment

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def platform(demo):  # type: ignore[no-untyped-def]
    with Analysis.open(demo.ws) as a:
        return item_sentiment(a, period="week")


def test_the_planted_spike_is_the_only_alert(platform, demo) -> None:  # type: ignore[no-untyped-def]
    spike = demo.truth["sentiment_spike"]
    assert [(al.item_id, al.period_start) for al in platform.alerts] == [
        (spike["item_id"], date.fromisoformat(spike["week_start"]))
    ]
    al = platform.alerts[0]
    assert al.title_zh == spike["title_zh"]
    assert al.negative_share > al.baseline_share + 0.3
    assert al.posts >= 0.8 * spike["observed"]["posts_in_week"]  # the linker finds most posts
    # the item's series is there for context, one cell per week it was posted about
    weeks = [c.period_start for c in al.series]
    assert weeks == sorted(weeks) and al.period_start in weeks


def test_cells_count_every_linked_post_once(platform) -> None:  # type: ignore[no-untyped-def]
    shown = [c for c in platform.cells if not c.suppressed]
    assert shown and platform.tested > 100
    for c in shown:
        assert c.posts is not None and c.negative is not None
        assert 0 <= c.negative <= c.posts
        assert c.negative_share == pytest.approx(c.negative / c.posts, abs=1e-4)
        assert 0 <= (c.mean_score or 0) <= 1
    assert all(c.posts is None for c in platform.cells if c.suppressed)
    assert sum(c.posts or 0 for c in shown) <= platform.linked_posts <= platform.posts * 2


def test_no_alert_when_the_spike_week_is_left_out(demo) -> None:  # type: ignore[no-untyped-def]
    spike = date.fromisoformat(demo.truth["sentiment_spike"]["week_start"])
    with Analysis.open(demo.ws, period_to=date.fromordinal(spike.toordinal() - 1)) as a:
        before = item_sentiment(a, period="week")
    assert before.alerts == [] and before.tested > 50


def test_a_segment_sees_the_spike_and_no_false_alarm(demo) -> None:  # type: ignore[no-untyped-def]
    spike = demo.truth["sentiment_spike"]
    with Analysis.open(demo.ws) as a:
        young = item_sentiment(a, segment="gen_z", period="week")
    assert {al.item_id for al in young.alerts} <= {spike["item_id"]}
    assert all(al.period_start == date.fromisoformat(spike["week_start"]) for al in young.alerts)


def test_a_stricter_threshold_can_only_remove_alerts(demo, platform) -> None:  # type: ignore[no-untyped-def]
    with Analysis.open(demo.ws) as a:
        strict = item_sentiment(a, period="week", config=AlertsConfig(min_increase=0.9))
    assert strict.alerts == []
    assert strict.cells == platform.cells


def test_cli_alerts_and_timeline(demo) -> None:  # type: ignore[no-untyped-def]
    spike = demo.truth["sentiment_spike"]
    runner = CliRunner()
    out = runner.invoke(app, ["social", "alerts", str(demo.ws.root), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert [al["item_id"] for al in data["alerts"]] == [spike["item_id"]]
    assert "cells" not in data

    human = runner.invoke(app, ["social", "alerts", str(demo.ws.root)])
    assert human.exit_code == 0 and spike["title_zh"] in human.stdout

    tl = runner.invoke(
        app, ["social", "timeline", str(demo.ws.root), "--item", spike["item_id"], "--json"]
    )
    assert tl.exit_code == 0, tl.output
    cells = json.loads(tl.stdout)["cells"]
    assert {c["item_id"] for c in cells} == {spike["item_id"]}

    human = runner.invoke(
        app, ["social", "timeline", str(demo.ws.root), "--item", spike["item_id"]]
    )
    assert human.exit_code == 0 and spike["title_zh"] in human.stdout.splitlines()[0]

    bad = runner.invoke(app, ["social", "timeline", str(demo.ws.root), "--item", "nope"])
    assert bad.exit_code == 2 and "no item 'nope'" in bad.output
    seg = runner.invoke(app, ["social", "alerts", str(demo.ws.root), "--segment", "martians"])
    assert seg.exit_code == 2 and "unknown segment" in seg.output
