"""`fashion trends` finds the demo's planted fashion preferences and trends, and nothing false.

Known answers from truth.json: 18–24s in tier-1 cities over-index on guochao (lift 3.0) and
Beige (2.5), 25–34s in tier-2 cities on minimalist (2.5); over the 26 weeks streetwear's share
of fashion triples and checked's falls to a third. Tolerances come from the result's own
sampling error: a planted figure must lie inside the 99.9% interval (3.29 standard errors)
that the reported 95% interval implies, so a correct estimator fails about once in a thousand.
"""

from __future__ import annotations

import base64
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from culturebridge.fashion._trends import (
    FashionTrendsResult,
    default_text_tagger,
    fashion_trends,
    log_linear_growth,
)
from culturebridge.query import (
    Analysis,
    load_segments,
    segment_from_flags,
    segment_label,
)
from culturebridge.reports import (
    MOVERS,
    ExampleItem,
    example_items,
    example_key,
    write_designer_report,
)
from culturebridge.workspace import Workspace
from tests.conftest import Demo
from tests.helpers import report_content
from tests.test_cli import assert_one_line_error, invoke

Z95, Z999 = 1.959964, 3.290527


class StubTagger:
    """A few of the demo's post words, enough to test the posts path without the real tagger."""

    WORDS = {
        "style": {"街头": "streetwear", "国潮": "guochao", "复古": "vintage", "简约": "minimalist"},
        "pattern": {"格纹": "checked", "条纹": "striped", "碎花": "floral", "印花": "printed"},
    }

    def attributes(self, text: str) -> dict[str, list[str]]:
        found = {k: [v for w, v in words.items() if w in text] for k, words in self.WORDS.items()}
        return {k: v for k, v in found.items() if v}


def _segment_for(ws: Workspace, spec: dict[str, Any]) -> str:
    """The built-in segment whose conditions are the planted segment's (read as words, so a
    change in how the built-ins are written does not matter)."""
    segments = load_segments(ws)
    tiers = "/".join(str(t) for t in spec["city_tier"])
    want = f"{spec['age_min']}–{spec['age_max']}s in tier-{tiers} cities"
    for name in segments:
        if segment_label(name, segments) == want:
            return name
    raise AssertionError(f"no built-in segment is {want}")


def _cli_json(*args: object) -> tuple[FashionTrendsResult, dict[str, Any], str]:
    code, out, err = invoke("fashion", "trends", *args, "--json")
    assert code == 0, err
    data = json.loads(out)
    return FashionTrendsResult.model_validate(data), data, err


def _log_se(lo: float | None, hi: float | None) -> float:
    assert lo is not None and hi is not None and lo > 0
    return (math.log(hi) - math.log(lo)) / (2 * Z95)


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def report_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fashion-report") / "designer.html"


@pytest.fixture(scope="module")
def planted(demo: Demo, report_path: Path) -> dict[str, tuple[FashionTrendsResult, dict[str, Any]]]:
    """`fashion trends --json` for every planted segment (the first also writes the report)."""
    out: dict[str, tuple[FashionTrendsResult, dict[str, Any]]] = {}
    for spec in demo.truth["segment_preferences"]:
        name = _segment_for(demo.ws, spec["segment"])
        if name in out:
            continue
        extra = ["--report", report_path] if not out else []
        # the planted lifts are against everyone outside the segment: ask that question
        result, data, _ = _cli_json(
            demo.ws.root, "--segment", name, "--vs", "rest", "--period", "week",
            "--source", "catalogue", *extra,
        )  # fmt: skip
        out[name] = (result, data)
    return out


@pytest.fixture(scope="module")
def everyone(demo: Demo) -> tuple[FashionTrendsResult, str]:
    """Every user, catalogue and posts (posts left out with a note without the tagger)."""
    result, _, err = _cli_json(
        demo.ws.root, "--segment", "all", "--period", "week", "--source", "catalogue,posts"
    )
    return result, err


# ---------------------------------------------------------------------------- preferences


@pytest.mark.slow
def test_planted_preferences_come_back_at_the_planted_lift(
    demo: Demo, planted: dict[str, tuple[FashionTrendsResult, dict[str, Any]]]
) -> None:
    for spec in demo.truth["segment_preferences"]:
        name = _segment_for(demo.ws, spec["segment"])
        result, _ = planted[name]
        attribute = spec["dimension"].removeprefix("attributes.")
        rows = result.select(source="catalogue", attribute=attribute)
        row = result.row(spec["value"], attribute=attribute)
        p = row.preference
        assert p.significant and p.lift is not None and p.ci_low is not None and p.ci_low > 1
        # the strongest over-indexed value of its attribute
        best = max(
            (r for r in rows if r.preference.lift is not None), key=lambda r: r.preference.lift or 0
        )
        assert best.value == spec["value"], [(r.value, r.preference.lift) for r in rows]
        # the planted lift (against everyone outside the segment) within sampling error
        se = _log_se(p.ci_low, p.ci_high)
        assert abs(math.log(p.lift) - math.log(spec["expected_lift"])) <= Z999 * se, (spec, p)
        assert p.segment_share == pytest.approx(spec["expected_share_in_segment"], abs=0.03)
        assert row.sentence is not None and row.sentence.startswith(result.segment_label + ":")
        assert f"×{p.lift:.1f}" in row.sentence
        print(
            f"{name} {attribute}={spec['value']}: lift {p.lift:.2f} "
            f"({p.ci_low:.2f}–{p.ci_high:.2f}) vs planted {spec['expected_lift']}"
        )


@pytest.mark.slow
def test_only_the_planted_style_is_over_indexed(
    demo: Demo, planted: dict[str, tuple[FashionTrendsResult, dict[str, Any]]]
) -> None:
    """A style is one per piece: favouring one takes share from every other, so in a planted
    segment the planted style is the only one over-indexed."""
    for spec in demo.truth["segment_preferences"]:
        if spec["dimension"] != "attributes.style":
            continue
        result, _ = planted[_segment_for(demo.ws, spec["segment"])]
        over = [r.value for r in result.select(attribute="style") if r.over_indexed]
        assert over == [spec["value"]]


@pytest.mark.slow
def test_a_segment_without_a_planted_taste_finds_nothing(demo: Demo) -> None:
    """Gender plays no part in the demo's tastes, so women against everyone else is a null
    comparison: at BH 5% within each attribute, at most one value may come out significant."""
    with Analysis.open(demo.ws) as a:
        a.segments["women"] = segment_from_flags(name="women", genders="female")
        result = fashion_trends(a, segment="women", vs="rest", sources=("catalogue",))
    tested = [r for r in result.rows if r.preference.p_adj is not None]
    flagged = [r.value for r in tested if r.preference.significant]
    assert len(tested) >= 30
    assert len(flagged) <= 1, flagged


# ---------------------------------------------------------------------------- trends


@pytest.mark.slow
def test_planted_trends_come_back_at_the_planted_rate(
    demo: Demo, everyone: tuple[FashionTrendsResult, str]
) -> None:
    result, _ = everyone
    weeks = demo.truth["period"]["weeks"]
    assert len(result.periods) == weeks
    for planted in demo.truth["trends"]:
        attribute = planted["dimension"].removeprefix("attributes.")
        row = result.row(planted["value"], attribute=attribute)
        assert row.trend is not None and row.trend.significant
        assert row.direction == planted["direction"]
        g = row.growth
        assert g.rate is not None and g.low is not None and g.high is not None
        assert (g.rate > 0) == (planted["direction"] == "rising")
        # the growth that the expected weekly shares imply, fitted the same way
        expected = np.array(planted["expected_weekly_share"], dtype=float)
        truth = log_linear_growth(expected, np.ones_like(expected))
        assert truth.rate is not None
        se = (math.log1p(g.high) - math.log1p(g.low)) / (2 * 2.07)  # t, 24 df
        assert abs(math.log1p(g.rate) - math.log1p(truth.rate)) <= Z999 * se, (g, truth)
        # and the season's ratio, last week over first, as planted
        assert g.ratio == pytest.approx(planted["expected_share_ratio"], rel=0.15)
        assert row.sentence is not None and row.sentence.startswith("all users:")
        print(
            f"{attribute}={planted['value']}: {g.rate:+.2%}/week ({g.low:+.2%} to {g.high:+.2%}), "
            f"ratio {g.ratio:.2f}; truth {truth.rate:+.2%}/week, ratio "
            f"{planted['expected_share_ratio']}"
        )


@pytest.mark.slow
def test_planted_trends_hold_inside_the_planted_segments(
    demo: Demo, planted: dict[str, tuple[FashionTrendsResult, dict[str, Any]]]
) -> None:
    for result, _ in planted.values():
        for spec in demo.truth["trends"]:
            attribute = spec["dimension"].removeprefix("attributes.")
            row = result.row(spec["value"], attribute=attribute)
            assert row.direction == spec["direction"], (result.segment, row.value)


@pytest.mark.slow
def test_the_posts_source_finds_the_planted_trends(demo: Demo) -> None:
    """Posts are written about items drawn from the same tastes, so the words in them follow
    the same trends (weaker: hashtags and titles name styles whatever the week)."""
    tagger = default_text_tagger()
    if tagger is None:
        pytest.skip("the fashion text tagger (culturebridge.fashion._text) is not installed")
    with Analysis.open(demo.ws) as a:
        result = fashion_trends(a, segment="all", sources=("posts",), tagger=tagger)
    for planted in demo.truth["trends"]:
        attribute = planted["dimension"].removeprefix("attributes.")
        row = result.row(planted["value"], attribute=attribute, source="posts")
        assert row.direction == planted["direction"], row.trend


def test_the_posts_path_with_a_stub_tagger(demo: Demo) -> None:
    with Analysis.open(demo.ws) as a:
        result = fashion_trends(a, segment="all", sources=("posts",), tagger=StubTagger())
    assert result.sources == ["posts"]
    assert {g.attribute for g in result.groups} == {"style", "pattern"}
    assert result.row("streetwear", attribute="style", source="posts").direction == "rising"
    assert result.row("checked", attribute="pattern", source="posts").direction == "falling"
    row = result.row("guochao", attribute="style", source="posts")
    assert row.preference.segment_share is not None and 0 < row.preference.segment_share < 1


def test_posts_in_the_cli_are_used_or_left_out_with_a_note(
    everyone: tuple[FashionTrendsResult, str],
) -> None:
    result, err = everyone
    if default_text_tagger() is None:
        assert result.sources == ["catalogue"]
        assert any(s.startswith("posts:") for s in result.skipped)
        assert "left out: posts" in err
    else:
        assert result.sources == ["catalogue", "posts"]


# ---------------------------------------------------------------------------- extra item attributes


@pytest.mark.slow
def test_extra_item_attributes_join_like_the_catalogue(demo: Demo) -> None:
    """An image table that repeats the catalogue's colours gives the catalogue's figures; rows
    for non-fashion items and blank values are ignored; a multi-valued attribute works."""
    with Analysis.open(demo.ws) as a:
        items = a.run(
            a.items().select("item_id", "kind", colour=a.items().attributes.get("colour"))
        )
    rows: list[dict[str, str]] = []
    for it in items.to_pylist():
        if it["kind"] == "fashion":
            rows.append(
                {"item_id": it["item_id"], "attribute": "image_colour", "value": it["colour"]}
            )
            rows.append({"item_id": it["item_id"], "attribute": "image_tone", "value": "warm"})
            if it["item_id"].endswith(("1", "2", "3")):
                rows.append({"item_id": it["item_id"], "attribute": "image_tone", "value": "cool"})
        else:
            rows.append({"item_id": it["item_id"], "attribute": "image_colour", "value": "Ghost"})
    rows.append({"item_id": rows[0]["item_id"], "attribute": "image_colour", "value": ""})
    table = pa.Table.from_pylist(rows)
    with Analysis.open(demo.ws) as a:
        result = fashion_trends(
            a,
            segment="gen_z_tier1",
            sources=("catalogue", "images"),
            attributes=("colour",),
            item_attributes=table,
        )
    assert result.sources == ["catalogue", "images"]
    catalogue = {r.value: r for r in result.select(source="catalogue", attribute="colour")}
    images = {r.value: r for r in result.select(source="images", attribute="image_colour")}
    assert set(images) == set(catalogue)  # "Ghost" was on non-fashion items only
    for value, row in images.items():
        ref = catalogue[value]
        assert row.preference.lift == pytest.approx(ref.preference.lift, rel=1e-9)
        assert row.growth.rate == pytest.approx(ref.growth.rate, rel=1e-9, abs=1e-12)
        assert row.direction == ref.direction
        assert row.label == f"{value} (colour in images)"
    beige = images["Beige"]
    assert beige.over_indexed and beige.label_zh == "米色"
    tone = result.select(source="images", attribute="image_tone")
    assert {r.value for r in tone} == {"warm", "cool"}
    total = sum(r.preference.segment_share or 0.0 for r in tone)
    assert total > 1.0  # a piece with two tones counts in both


# ---------------------------------------------------------------------------- privacy


def test_a_tiny_segment_is_suppressed_everywhere(demo: Demo) -> None:
    with Analysis.open(demo.ws) as a:
        a.segments["few"] = segment_from_flags(
            name="few", age="60-65", tiers=["4"], genders="other"
        )
        result = fashion_trends(a, segment="few", sources=("catalogue",))
    assert result.rows and all(r.suppressed for r in result.rows)
    for r in result.rows:
        assert r.preference.segment_share is None and r.preference.lift is None
        assert r.sentence is None and not r.notable
        if r.trend is not None:
            assert r.trend.suppressed and r.growth.rate is None
            assert all(p.share is None for p in r.trend.points if p.suppressed)
    assert all(g.segment_users is None for g in result.groups)
    assert result.privacy[0].report.suppressed == len(result.rows)


# ---------------------------------------------------------------------------- output


@pytest.mark.slow
def test_json_round_trips_to_the_model(
    planted: dict[str, tuple[FashionTrendsResult, dict[str, Any]]],
) -> None:
    for result, data in planted.values():
        assert result.model_dump(mode="json") == data
        assert data["analysis"] == "fashion_trends"
        assert data["rows"] and {
            "source",
            "attribute",
            "value",
            "preference",
            "trend",
            "growth",
        } <= set(data["rows"][0])


@pytest.mark.slow
def test_the_table_shows_values_lifts_and_trends(demo: Demo) -> None:
    code, out, err = invoke(
        "fashion", "trends", demo.ws.root, "--segment", "gen_z_tier1", "--vs", "rest",
        "--source", "catalogue",
    )  # fmt: skip
    assert code == 0, err
    assert "guochao" in out and "Beige" in out and "米色" in out
    assert "▲ rising" in out and "▼ falling" in out
    assert "18–24s in tier-1 cities: guochao style ×3.0" in out
    assert "privacy (catalogue preferences)" in out


@pytest.mark.slow
def test_the_designer_report_is_self_contained_with_a_chart_per_mover(
    planted: dict[str, tuple[FashionTrendsResult, dict[str, Any]]], report_path: Path, demo: Demo
) -> None:
    result, _ = next(iter(planted.values()))
    html = report_path.read_text(encoding="utf-8")
    # the report travels: it names the workspace, never the server's folders
    assert str(demo.ws.root) not in html and f"Workspace {demo.ws.config.name}" in html
    assert html.startswith("<!DOCTYPE html>")
    content = report_content(html)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", content, re.I)
    assert "url(" not in content and "<link" not in content
    assert not re.search(r"<script[^>]*\bsrc\s*=", content, re.I)
    movers = [r for r in result.rising() if not r.suppressed][:MOVERS]
    movers += [r for r in result.falling() if not r.suppressed][:MOVERS]
    assert movers
    charts = re.findall(r'class="chart" id="mover-', content)
    assert len(charts) == len(movers)
    lifts = len(re.findall(r'class="chart" id="lift-', content))
    assert lifts >= 1 and lifts + content.count("every value suppressed") == len(result.groups)
    assert "guochao" in html and "米色" in html and "设计师趋势报告" in html
    # every mover is illustrated: an embedded photo or a placeholder with the title
    assert html.count('class="examples"') >= len(movers)
    assert "k=10" in html


def test_report_photos_are_embedded_or_placeholders(
    demo: Demo, tmp_path: Path, planted: dict[str, tuple[FashionTrendsResult, dict[str, Any]]]
) -> None:
    parsed, _ = next(iter(planted.values()))
    with Analysis.open(demo.ws) as a:
        # a result parsed back from JSON never met the guard: the report takes a released one
        released = a.publish(
            fashion_trends(a, segment=parsed.segment, period="week", sources=["catalogue"])
        )
        result = released.value
        row = result.rising()[0]
        examples = example_items(a, result, rows=[row])
    chosen = examples[example_key(row.attribute, row.value)]
    assert chosen and all(isinstance(x, ExampleItem) for x in chosen)
    photo = b"\xff\xd8\xff\xe0 not really a jpeg"
    first = chosen[0]
    assert first.image_uri is not None
    (tmp_path / first.image_uri).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / first.image_uri).write_bytes(photo)
    remote = ExampleItem(
        item_id="x1", title_en="Remote piece", image_uri="https://example.com/x.jpg"
    )
    examples[example_key(row.attribute, row.value)] = [*chosen, remote]
    (tmp_path / "out").mkdir()
    out = write_designer_report(released, tmp_path / "out", examples=examples, root=tmp_path)
    assert out == tmp_path / "out" / "fashion-trends.html"
    html = out.read_text(encoding="utf-8")
    assert "data:image/jpeg;base64," + base64.b64encode(photo).decode() in html
    assert "example.com" not in html
    assert 'class="ph"' in html and "Remote piece" in html


# ---------------------------------------------------------------------------- errors


def test_user_mistakes_are_one_line(demo: Demo, tmp_path: Path) -> None:
    cases = [
        (("--segment", "nobody"), r"unknown segment 'nobody'"),
        (("--segment", "gen_z", "--period", "year"), r"--period must be day, week or month"),
        (("--segment", "gen_z", "--source", "tiktok"), r"--source: unknown tiktok"),
        (("--segment", "gen_z", "--vs", "gen_z"), r"same"),
    ]
    for args, pattern in cases:
        assert_one_line_error(*invoke("fashion", "trends", demo.ws.root, *args), pattern)
    empty = tmp_path / "empty"
    code, _, err = invoke("init", empty)
    assert code == 0, err
    assert_one_line_error(
        *invoke("fashion", "trends", empty, "--segment", "gen_z"), r"no fashion items"
    )


# ---------------------------------------------------------------------------- growth


def test_log_linear_growth_recovers_a_geometric_series() -> None:
    total = np.array([1000.0, 1200.0, 900.0, 1500.0, 1100.0, 1300.0, 800.0, 1000.0])
    share = 0.1 * 1.05 ** np.arange(total.size)
    g = log_linear_growth(share * total, total)
    assert g.rate == pytest.approx(0.05, rel=1e-9)
    assert g.ratio == pytest.approx(1.05**7, rel=1e-9)
    rng = np.random.default_rng(7)
    noisy = rng.poisson(share * total * 10) / 10
    g = log_linear_growth(noisy, total)
    assert g.low is not None and g.high is not None and g.low < 0.05 < g.high
    assert g.p_value is not None and g.p_value < 0.01
    nothing = log_linear_growth(np.zeros(8), total)
    assert nothing.rate is None and nothing.ratio is None
    # empty periods are left out, not read as a collapse
    total[3] = 0.0
    assert log_linear_growth(share * total, total).rate == pytest.approx(0.05, rel=1e-9)


@pytest.mark.slow
def test_one_question_gets_one_answer_on_every_surface(demo: Demo) -> None:
    """By default `fashion trends` compares with every user, as `prefs` does, and its growth is
    the one `trends` shows: the same lift and the same %/week for the same value."""
    result, _, _ = _cli_json(demo.ws.root, "--segment", "gen_z_tier1", "--source", "catalogue")
    assert result.baseline == "all"
    code, out, err = invoke(
        "prefs", demo.ws.root, "--segment", "gen_z_tier1", "--by", "attributes.style", "--json"
    )
    assert code == 0, err
    prefs = {r["value"]: r for r in json.loads(out)}
    code, out, err = invoke(
        "trends", demo.ws.root, "--segment", "gen_z_tier1", "--by", "attributes.style", "--json"
    )
    assert code == 0, err
    weekly = {r["value"]: r for r in json.loads(out)}
    for row in result.select(source="catalogue", attribute="style"):
        if row.suppressed:
            continue
        assert row.preference.lift == pytest.approx(prefs[row.value]["lift"], rel=1e-9)
        assert row.growth.rate == pytest.approx(weekly[row.value]["growth_rate"], rel=1e-6)


@pytest.mark.slow
def test_the_movers_chart_shows_only_what_the_cli_calls_moving(
    everyone: tuple[FashionTrendsResult, str],
) -> None:
    from culturebridge.reports._charts import growth_bars

    result, _ = everyone
    moving = [
        r
        for r in result.rows
        if not r.suppressed and r.growth.rate is not None and r.trend and r.trend.significant
    ]
    figure = growth_bars(result)
    assert moving and figure is not None
    assert len(figure["data"][0]["y"]) == min(15, len(moving))
    assert len(moving) < len([r for r in result.rows if r.growth.rate is not None])
