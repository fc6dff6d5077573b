"""The overview: planted answers among the findings, a self-contained and escaped HTML report,
the batched scan agreeing with the ordinary analysis, and the `overview` command."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from culturebridge.analytics import preferences
from culturebridge.cli import app
from culturebridge.config import get_settings
from culturebridge.demo import DemoConfig, generate
from culturebridge.errors import UserError
from culturebridge.ingest import ingest
from culturebridge.privacy import Released
from culturebridge.query import Analysis, builtin_segments, segment_label
from culturebridge.reports import Finding, FindingsScan, scan, strongest_findings
from culturebridge.reports._overview import Overview, build_overview, overview_html, write_overview
from culturebridge.schema import TABLES
from culturebridge.workspace import Workspace
from tests.analytics.tiny import tiny_workspace
from tests.helpers import report_content
from tests.test_cli import assert_one_line_error

runner = CliRunner()


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, dict[str, Any]]]:
    """A small demo universe (6,000 users, 300,000 events) with its planted truth."""
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("CULTUREBRIDGE_")}
    get_settings.cache_clear()  # default ingest batches: small ones would make this slow
    try:
        root = tmp_path_factory.mktemp("overview")
        result = generate(root / "src", DemoConfig(users=6000, events=300_000, seed=3))
        ws = Workspace.create(root / "ws")
        for table in TABLES:
            if result.files.get(table):
                ingest(ws, table, result.files[table])
    finally:
        os.environ.update(saved)
        get_settings.cache_clear()
    truth = json.loads(json.dumps(result.truth, default=str))
    yield Workspace.open(ws.root), truth


@pytest.fixture(scope="module")
def overview(small: tuple[Workspace, dict[str, Any]]) -> tuple[Released[Overview], FindingsScan]:
    """One overview (released, for the report) and one scan (every finding, not only the top
    ones)."""
    ws, _ = small
    with Analysis.open(ws) as a:
        ov = a.publish(build_overview(a))
        everything = scan(a)
    return ov, everything


def _find(findings: list[Finding], **fields: Any) -> Finding | None:
    return next((f for f in findings if all(getattr(f, k) == v for k, v in fields.items())), None)


# ---------------------------------------------------------------------------- findings


def test_planted_preferences_are_found(overview: tuple[Released[Overview], FindingsScan]) -> None:
    _, s = overview
    guochao = _find(s.findings, dimension="attributes.style", value="guochao")
    assert guochao is not None and guochao.segment == "gen_z_tier1"
    assert guochao.kind == "preference"
    assert guochao.ci_low is not None and guochao.ci_low > 1.5
    assert guochao.headline.startswith("18–24s in tier-1 cities over-index on guochao style ×")
    assert "95% CI" in guochao.headline
    beige = _find(s.findings, dimension="attributes.colour", value="Beige")
    assert beige is not None and beige.segment in ("gen_z_tier1", "gen_z", "tier1")
    minimalist = _find(s.findings, dimension="attributes.style", value="minimalist")
    assert minimalist is not None and minimalist.segment == "young_adults_tier2"


def test_planted_trends_are_found(overview: tuple[Released[Overview], FindingsScan]) -> None:
    _, s = overview
    rising = _find(s.findings, kind="trend", value="streetwear")
    assert rising is not None and rising.dimension == "attributes.style"
    assert rising.direction == "rising" and (rising.relative_change or 0) > 0.02
    assert "rising +" in rising.headline
    falling = _find(s.findings, kind="trend", value="checked")
    assert falling is not None and falling.direction == "falling"
    assert (falling.relative_change or 0) < -0.02
    # a preference finding carries the value's trend
    guochao = _find(s.findings, dimension="attributes.style", value="guochao")
    assert guochao is not None and guochao.relative_change is not None


def test_older_item_is_named_by_its_title(
    overview: tuple[Released[Overview], FindingsScan], small: tuple[Workspace, dict[str, Any]]
) -> None:
    _, truth = small
    item = truth["older_audience_item"]
    ov, s = overview
    found = _find(s.findings, kind="audience")
    assert found is not None
    assert found.value == item["item_id"] and found.segment == "older_45_plus"
    assert found.label == item["title_en"] and found.title_zh == item["title_zh"]
    assert item["title_en"] in found.headline and item["item_id"] not in found.headline
    assert ov.value.audience is not None and ov.value.audience.item_id == item["item_id"]


def test_top_findings_are_ranked_and_distinct(
    overview: tuple[Released[Overview], FindingsScan],
) -> None:
    ov, s = overview
    top = ov.value.findings
    assert len(top) == 8
    assert [(f.kind, f.segment, f.value) for f in top] == [
        (f.kind, f.segment, f.value) for f in s.findings[:8]
    ]
    keys = {(f.kind, f.dimension, f.value) for f in top}
    assert {("trend", "attributes.style", "streetwear")} <= keys
    assert {("trend", "attributes.pattern", "checked")} <= keys
    assert ("preference", "attributes.style", "guochao") in keys
    assert any(f.kind == "audience" for f in top)
    # one finding per value and audience: guochao is not repeated for gen_z or tier1
    guochao = [f for f in s.findings if f.value.casefold() == "guochao" and f.kind != "trend"]
    assert [f.segment for f in guochao] == ["gen_z_tier1"]
    # strongest first within each block, and every finding is significant
    assert all(f.p_adj is None or f.p_adj < 0.05 for f in s.findings)
    others = [f.strength for f in top if f.kind != "preference"]
    assert others == sorted(others, reverse=True)


def test_strongest_findings_matches_the_scan(small: tuple[Workspace, dict[str, Any]]) -> None:
    ws, _ = small
    with Analysis.open(ws) as a:
        found = strongest_findings(
            a, segments=["gen_z_tier1"], dimensions=["attributes.style", "attributes.pattern"], n=3
        )
    assert 1 <= len(found) <= 3
    assert found[0].value == "guochao" or any(f.value == "guochao" for f in found)
    assert all(f.segment in ("gen_z_tier1", "all") for f in found)


@pytest.mark.parametrize(
    ("segment", "dimension"), [("gen_z_tier1", "attributes.style"), ("older_45_plus", "item")]
)
def test_batched_scan_agrees_with_preferences(
    overview: tuple[Released[Overview], FindingsScan],
    small: tuple[Workspace, dict[str, Any]],
    segment: str,
    dimension: str,
) -> None:
    """The scan's one-query preferences are the ordinary analysis, value by value."""
    _, s = overview
    batched = s.preference(segment, dimension)
    assert batched is not None
    with Analysis.open(small[0]) as a:
        single = preferences(a, segment=segment, by=dimension)
    assert batched.segment_users == single.segment_users
    assert batched.baseline_users == single.baseline_users
    assert batched.privacy == single.privacy
    mine = {r.value: r for r in batched.rows}
    assert set(mine) == {r.value for r in single.rows}
    for r in single.rows:
        b = mine[r.value]
        assert (b.users, b.baseline_users, b.suppressed, b.significant) == (
            r.users,
            r.baseline_users,
            r.suppressed,
            r.significant,
        )
        for field in ("segment_share", "baseline_share", "lift", "ci_low", "ci_high", "p_adj"):
            want = getattr(r, field)
            got = getattr(b, field)
            assert got is None if want is None else got == pytest.approx(want, rel=1e-9, abs=1e-12)


def test_segment_labels() -> None:
    segs = builtin_segments()
    assert segment_label("gen_z_tier1", segs) == "18–24s in tier-1 cities"
    assert segment_label("older_45_plus", segs) == "users aged 45+"
    assert segment_label("tier3_4", segs) == "users in tier-3/4 cities"
    assert segment_label("gamers_30d", segs) == "played a game in the last 30 days"
    assert segment_label("all", segs) == "all users"


def test_scan_refuses_dp_and_unknown_names(small: tuple[Workspace, dict[str, Any]]) -> None:
    ws, _ = small
    with Analysis.open(ws, epsilon=1.0) as a, pytest.raises(UserError, match="differential"):
        scan(a)
    with Analysis.open(ws) as a:
        with pytest.raises(UserError, match="unknown segment"):
            scan(a, segments=["nobody"])
        with pytest.raises(UserError, match="unknown dimension"):
            scan(a, dimensions=["colour"])


# ---------------------------------------------------------------------------- html


class _Balance(HTMLParser):
    """Tags must close in order (void elements aside): a rough well-formedness check."""

    VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "wbr", "source"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()


def _check_html(text: str) -> _Balance:
    parser = _Balance()
    parser.feed(text)
    parser.close()
    assert not parser.errors, parser.errors[:5]
    assert parser.stack == [], parser.stack
    return parser


EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|xlink:href)\s*=\s*["']?\s*|url\(\s*["']?\s*)(?:[a-z][a-z0-9+.-]*:)?//""",
    re.IGNORECASE,
)


def test_html_is_self_contained_and_balanced(
    overview: tuple[Released[Overview], FindingsScan],
) -> None:
    ov, _ = overview
    text = overview_html(ov)
    assert text.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in text
    content = report_content(text)
    assert EXTERNAL.search(content) is None
    assert "http://" not in content and "https://" not in content
    assert "@import" not in content and "@font-face" not in content
    assert not re.search(r"<script[^>]*\bsrc\s*=", content, re.I)
    parser = _check_html(text)
    assert {"html", "head", "body", "style", "script"} <= parser.tags
    # trends, preferences, audience, funnel, reach: each the spec its result type draws
    assert content.count('class="chart"') >= 5 and content.count("Plotly.newPlot(") >= 5


def test_html_shows_the_planted_answers_and_the_method(
    overview: tuple[Released[Overview], FindingsScan], small: tuple[Workspace, dict[str, Any]]
) -> None:
    ov, _ = overview
    item = small[1]["older_audience_item"]
    text = overview_html(ov)
    for needle in ("guochao", "streetwear", "checked", item["title_en"], item["title_zh"]):
        assert needle in text, needle
    assert "forecast" in text and '"fill":"toself"' in text  # the forecast band
    assert "How this was computed" in text
    for needle in ("Benjamini–Hochberg", "Mann–Kendall", f"k={ov.value.scope.k}", "purchase 5"):
        assert needle in text, needle
    # every result's privacy note is listed
    assert text.count("<tr><td>preferences ") == len(
        [n for n in ov.value.privacy if n.what.startswith("preferences")]
    )


def test_write_overview_default_path(
    overview: tuple[Released[Overview], FindingsScan], small: tuple[Workspace, dict[str, Any]]
) -> None:
    ws, _ = small
    ov, _ = overview
    path = write_overview(ws, ov)
    assert path == ws.root / "reports" / "overview.html"
    assert path.read_text(encoding="utf-8") == overview_html(ov)
    assert not list(path.parent.glob(".*.tmp"))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A tiny workspace whose item titles and genres are markup. Everyone views every item (no
    cell below k); 30 older users also buy the "evil" documentary and 120 younger ones a film, so
    the evil title, a small group's favourite, is the most skewed item."""
    users = [
        {"user_id": f"o{i}", "birth_year": 1970, "city_tier": 1, "gender": "male"}
        for i in range(30)
    ] + [
        {"user_id": f"y{i}", "birth_year": 2004, "city_tier": 2, "gender": "female"}
        for i in range(120)
    ]
    items = [
        {
            "item_id": "evil",
            "partner_id": "p1",
            "kind": "documentary",
            "title_en": "<script>alert(1)</script>",
            "title_zh": "<b>坏</b>",
            "genres": ['[red]"><img src=x onerror=alert(2)>'],
        },
        {"item_id": "a", "partner_id": "p1", "kind": "film", "genres": ["drama"]},
        {
            "item_id": "b",
            "partner_id": "p1",
            "kind": "film",
            "title_en": "[bold red]markup[/]",
            "genres": ["comedy"],
        },
    ]
    events: list[dict[str, Any]] = []
    for week in range(6):
        day = f"2026-0{5 + week // 4}-{1 + (week % 4) * 7:02d}T12:00:00Z"
        for user in [u["user_id"] for u in users]:
            older = user.startswith("o")
            for n in range(1 + int(user[1:]) % 3 if older else 1):
                ts = day.replace("12:00", f"13:{n:02d}")  # distinct: same-second repeats dedupe
                item = "evil" if older else "b"
                events.append({"ts": ts, "user_id": user, "item_id": item, "type": "purchase"})
            for item in ("a", "b", "evil"):
                if item != "evil" or older or (int(user[1:]) + week) % 2:
                    events.append({"ts": day, "user_id": user, "item_id": item, "type": "view"})
    return tiny_workspace(
        tmp_path_factory.mktemp("hostile"),
        users=users,
        items=items,
        events=events,
        partners=[{"partner_id": "p1", "name_en": "One"}],
    )


def test_markup_in_data_is_escaped(hostile: Workspace) -> None:
    with Analysis.open(hostile) as a:
        ov = a.publish(build_overview(a))
    item = _find(ov.value.findings, kind="audience")
    assert item is not None and item.value == "evil"
    assert item.label == "<script>alert(1)</script>"  # the typed result keeps the raw title
    text = overview_html(ov)
    _check_html(text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;b&gt;坏&lt;/b&gt;" in text
    content = report_content(text)
    assert "<script>alert" not in content and "<b>坏" not in content
    assert "<img" not in content and "onerror=alert(2)&gt;" in content
    assert EXTERNAL.search(content) is None


def test_cli_prints_markup_literally(hostile: Workspace, tmp_path: Path) -> None:
    out_file = tmp_path / "out" / "report.html"
    result = runner.invoke(app, ["overview", str(hostile.root), "--output", str(out_file)])
    assert result.exit_code == 0, result.stderr
    out = re.sub(r"\s+", " ", result.stdout)
    assert "“<script>alert(1)</script>” (<b>坏</b>)" in out  # Rich Text: no markup parsing
    assert '[red]"><img src=x onerror=alert(2)>' in out
    assert out_file.is_file() and "&lt;script&gt;" in out_file.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------- cli


def test_cli_prints_findings_and_writes_the_report(
    small: tuple[Workspace, dict[str, Any]],
) -> None:
    ws, truth = small
    report = ws.root / "reports" / "overview.html"
    report.unlink(missing_ok=True)
    result = runner.invoke(app, ["overview", str(ws.root), "--top", "8"])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Strongest findings" in out
    assert re.search(r"^\s*1\. ", out, re.MULTILINE) and re.search(r"^\s*8\. ", out, re.MULTILINE)
    assert "guochao style" in out and "Streetwear style is rising" in out
    assert truth["older_audience_item"]["title_en"] in out.replace("\n", " ").replace("  ", " ")
    assert report.is_file()
    assert str(report) in out.replace("\n", "")


def test_cli_json_is_only_the_findings(small: tuple[Workspace, dict[str, Any]]) -> None:
    ws, _ = small
    result = runner.invoke(app, ["overview", str(ws.root), "--json", "-n", "5"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert isinstance(rows, list) and len(rows) == 5
    assert {"kind", "headline", "segment", "dimension", "value", "strength"} <= rows[0].keys()
    assert "report:" in result.stderr


def test_cli_unknown_partner_is_one_line(small: tuple[Workspace, dict[str, Any]]) -> None:
    ws, _ = small
    result = runner.invoke(app, ["overview", str(ws.root), "--partner", "p_nobody"])
    assert_one_line_error(result.exit_code, result.stdout, result.stderr, "unknown partner")


def test_cli_missing_workspace_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["overview", str(tmp_path / "nothing")])
    assert_one_line_error(result.exit_code, result.stdout, result.stderr, "nothing")


def test_html_analyses_the_planted_campaign(
    overview: tuple[Released[Overview], FindingsScan], small: tuple[Workspace, dict[str, Any]]
) -> None:
    ov, _ = overview
    truth = small[1]["campaign"]
    assert [c.campaign_id for c in ov.value.campaigns] == [truth["campaign_id"]]
    text = overview_html(ov)
    assert "Campaigns: what changed, and for whom" in text
    assert truth["campaign_id"] in text and f"{truth['assigned']:,} users" in text
    band = f"{truth['uplift_segment']['age_min']}-{truth['uplift_segment']['age_max']}"
    rows = [r for r in text.split("<tr>") if "<td>age_band</td>" in r]
    marked = [r for r in rows if "significant" in r]
    assert len(marked) == 1 and f"<td>{band}</td>" in marked[0]
