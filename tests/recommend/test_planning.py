"""Co-production planning on the demo universe, against its planted truth.

A proposal like the planted older-skewing documentary (a British railway-journeys travel
documentary) must be predicted to draw an older audience; an e-sports proposal a young one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from culturebridge.cli._recommend_audience import register
from culturebridge.errors import UserError
from culturebridge.query import OTHER_PARTNERS, Segment, load_segments
from culturebridge.recommend._planning import (
    AudiencePlan,
    ProposedTitle,
    load_spec,
    plan_audience,
)
from tests.conftest import Demo

RAILWAY = ProposedTitle(
    title_en="Great Railway Journeys of Scotland",
    title_zh="苏格兰铁路之旅",
    synopsis_en="A travel documentary that follows historic British railway lines through the "
    "Highlands, with the history of the towns along the way.",
    synopsis_zh="一部旅行纪录片，沿着英国历史铁路线穿越苏格兰高地，讲述沿途小镇的历史。",
    kind="documentary",
    genres=["travel", "history"],
    attributes={"language": "en", "subtitles": "zh-Hans"},
)
ESPORTS = ProposedTitle(
    title_en="Skyforge Arena Winter Clash, Shanghai",
    title_zh="天炉竞技场冬季赛（上海站）",
    synopsis_en="Live e-sports: the best Skyforge Arena teams from the UK and China meet.",
    synopsis_zh="电竞直播：英国与中国最强的天炉竞技场战队同场对决。",
    kind="esports_event",
    genres=["esports", "moba"],
    attributes={"game": "Skyforge Arena", "city": "Shanghai"},
)

SPEC = """\
title_en = "Great Railway Journeys of Scotland"
title_zh = "苏格兰铁路之旅"
synopsis_en = "A travel documentary along historic railway lines."
synopsis_zh = "一部沿着历史铁路线的旅行纪录片。"
kind = "documentary"
genres = ["travel", "history"]

[attributes]
language = "en"
seasons = 2
"""


@pytest.fixture(scope="module")
def railway(demo: Demo) -> AudiencePlan:
    return plan_audience(demo.ws, RAILWAY)


@pytest.fixture(scope="module")
def esports(demo: Demo) -> AudiencePlan:
    return plan_audience(demo.ws, ESPORTS)


def lifts(plan: AudiencePlan) -> dict[str, float]:
    return {s.segment: s.lift for s in plan.segments if s.lift is not None}


def test_railway_documentary_predicts_an_older_audience(demo: Demo, railway: AudiencePlan) -> None:
    older = demo.truth["older_audience_item"]["item_id"]
    assert railway.neighbours[0].item_id == older  # the planted title is its closest match
    assert all(n.kind == "documentary" for n in railway.neighbours)
    lift = lifts(railway)
    assert lift["older_45_plus"] > 2.0
    assert lift["under_25"] < 0.8 and lift["teens"] < 0.8 and lift["gen_z"] < 0.8
    assert railway.segments[0].segment == "older_45_plus"  # the strongest over-index first
    over = [s.segment for s in railway.over_indexing()]
    assert "older_45_plus" in over and "under_25" not in over
    # over-indexing segments come first
    flags = [bool(s.over_indexes) for s in railway.segments if not s.suppressed]
    assert flags == sorted(flags, reverse=True)
    assert sum(n.weight for n in railway.neighbours) == pytest.approx(1.0, abs=1e-3)


def test_esports_event_predicts_a_young_audience(esports: AudiencePlan) -> None:
    assert all(n.kind == "esports_event" for n in esports.neighbours)
    lift = lifts(esports)
    assert lift["under_25"] > 1.2 and lift["teens"] > 1.2
    assert lift["older_45_plus"] < 0.5
    assert "older_45_plus" not in {s.segment for s in esports.over_indexing()}


def test_small_segments_are_suppressed(demo: Demo) -> None:
    segments = load_segments(demo.ws)
    segments["tiny"] = Segment(name="tiny", age_min=64, age_max=64, city_tiers=[1])
    plan = plan_audience(demo.ws, RAILWAY, segments=segments, n_neighbours=5)
    tiny = next(s for s in plan.segments if s.segment == "tiny")
    assert tiny.suppressed and tiny.users is None and tiny.lift is None
    assert tiny.expected_share is None and tiny.expected_reach is None
    assert plan.segments[-1].segment == "tiny"  # suppressed rows last
    assert plan.privacy.suppressed >= 1
    k = plan.scope.k
    assert all(s.users is not None and s.users >= k for s in plan.segments if not s.suppressed)


def test_partner_scope_hides_other_partners_titles(demo: Demo) -> None:
    plan = plan_audience(demo.ws, RAILWAY, partner="p_albion")
    assert plan.owner == "p_albion"
    for n in plan.neighbours:
        if n.partner_id == OTHER_PARTNERS:
            assert n.item_id is None and n.title_en is None and n.title_zh is None
            assert n.audience_users is None
        else:
            assert n.partner_id == "p_albion" and n.item_id is not None
    assert any(n.partner_id == OTHER_PARTNERS for n in plan.neighbours)


def test_spec_file_round_trip_and_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text(SPEC, encoding="utf-8")
    spec = load_spec(good)
    assert spec.kind == "documentary" and spec.attributes["seasons"] == "2"

    bad_key = tmp_path / "bad_key.toml"
    bad_key.write_text('colour = "blue"\n' + SPEC, encoding="utf-8")
    with pytest.raises(UserError, match=r"bad_key\.toml: colour: unknown key"):
        load_spec(bad_key)

    bad_kind = tmp_path / "bad_kind.toml"
    bad_kind.write_text(SPEC.replace('"documentary"', '"podcast"'), encoding="utf-8")
    with pytest.raises(UserError, match=r"bad_kind\.toml: kind: unknown kind 'podcast'"):
        load_spec(bad_kind)

    empty = tmp_path / "empty.toml"
    empty.write_text('kind = "film"\n', encoding="utf-8")
    with pytest.raises(UserError, match=r"empty\.toml: .*title or a synopsis"):
        load_spec(empty)

    with pytest.raises(UserError, match="no such spec file"):
        load_spec(tmp_path / "missing.toml")


def test_spec_partner_must_match_the_scope(demo: Demo) -> None:
    spec = RAILWAY.model_copy(update={"partner": "p_northlight"})
    with pytest.raises(UserError, match="differs from --partner"):
        plan_audience(demo.ws, spec, partner="p_albion")


def app() -> typer.Typer:
    root = typer.Typer()
    group = typer.Typer()
    register(group)
    root.add_typer(group, name="recommend")
    return root


def test_cli_json_and_table(demo: Demo, tmp_path: Path) -> None:
    spec = tmp_path / "proposal.toml"
    spec.write_text(SPEC, encoding="utf-8")
    runner = CliRunner()
    args = ["recommend", "audience", str(demo.ws.root), "--spec", str(spec)]
    result = runner.invoke(app(), [*args, "--json", "--neighbours", "5"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["analysis"] == "audience_plan" and len(out["neighbours"]) == 5
    assert {"segment", "expected_share", "lift", "expected_reach", "confidence"} <= set(
        out["segments"][0]
    )
    table = runner.invoke(app(), args)
    assert table.exit_code == 0, table.output
    assert "Expected audience of" in table.stdout and "older_4" in table.stdout
    assert "privacy: " in table.stdout


def test_cli_bad_spec_is_one_line(demo: Demo, tmp_path: Path) -> None:
    spec = tmp_path / "proposal.toml"
    spec.write_text(SPEC.replace('"documentary"', '"podcast"'), encoding="utf-8")
    result = CliRunner().invoke(
        app(), ["recommend", "audience", str(demo.ws.root), "--spec", str(spec)]
    )
    assert result.exit_code == 2
    assert "kind: unknown kind 'podcast'" in result.output
    assert "Traceback" not in result.output
