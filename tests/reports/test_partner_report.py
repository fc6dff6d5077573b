"""The partner report: one self-contained HTML file per partner, scoped like `--partner`, that
draws every chart in Chromium with networking disabled, and prints to PDF.

The reports are built once per module through the CLI (`culturebridge report ... --json`) on
the session's demo workspace, whose planted truth says what the campaign section must show.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from culturebridge.analytics import PreferenceRow
from culturebridge.errors import UserError
from culturebridge.privacy import read_audit
from culturebridge.query import connect
from culturebridge.reports import (
    build_overview,
    build_partner_report,
    open_report_analysis,
    write_partner_report,
)
from culturebridge.reports._charts import chart_html, lift_bars, plotly_js_path
from culturebridge.reports._partner_html import write_pdf
from tests.conftest import Demo
from tests.helpers import report_content
from tests.test_cli import assert_one_line_error, invoke

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "reports"
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"Chromium not installed at {CHROMIUM}: browser checks skipped"
)


@pytest.fixture(scope="module")
def reports(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """p_britannia's (a tourism board) and the platform's reports, written by the CLI; p_albion's
    (a broadcaster) computed once and written in English and in Chinese (`--lang zh`)."""
    out = tmp_path_factory.mktemp("partner-reports")
    built = {}
    for partner in ("p_britannia", "platform"):
        path = out / f"{partner}.html"
        code, stdout, stderr = invoke(
            "report", demo.ws.root, "--partner", partner, "--output", path, "--json"
        )
        assert code == 0, stderr
        meta = json.loads(stdout)
        built[partner] = {**meta, "text": path.read_text(encoding="utf-8"), "path": path}
    with open_report_analysis(demo.ws, "p_albion") as a:
        released = a.publish(build_partner_report(a))
    for key, lang in (("p_albion", "en"), ("p_albion-zh", "zh")):
        path = out / f"{key}.html"
        written = write_partner_report(demo.ws, released, path, lang=lang)
        built[key] = {
            **written.model_dump(),
            "text": path.read_text(encoding="utf-8"),
            "path": path,
        }
    return built


def _items(demo: Demo) -> list[dict[str, Any]]:
    con = connect(demo.ws)
    try:
        t = con.table("items").select("item_id", "partner_id", "title_en", "title_zh")
        return list(t.execute().to_dict("records"))
    finally:
        con.disconnect()


def test_albion_sees_its_own_items_and_no_one_elses(
    reports: dict[str, dict[str, Any]], demo: Demo
) -> None:
    text = report_content(reports["p_albion"]["text"])
    items = _items(demo)
    own = [i for i in items if i["partner_id"] == "p_albion"]
    others = [i for i in items if i["partner_id"] != "p_albion"]
    assert sum(i["item_id"] in text for i in own) >= 5
    assert sum(bool(i["title_en"]) and i["title_en"] in text for i in own) >= 5
    # bilingual: Chinese titles beside the English ones
    assert sum(bool(i["title_zh"]) and i["title_zh"] in text for i in own) >= 5
    leaked = [
        (i["item_id"], i["title_en"])
        for i in others
        if re.search(rf"\b{re.escape(i['item_id'])}\b", text)
        or (i["title_en"] and i["title_en"] in text)
        or (i["title_zh"] and i["title_zh"] in text)
    ]
    assert not leaked, leaked[:5]
    assert "(other partners)" in text
    assert reports["p_albion"]["sections"][0] == "findings"
    assert "campaigns" not in reports["p_albion"]["sections"]
    assert "Campaigns: did they work, and for whom: no randomised campaign" in text


def _own_words(demo: Demo, partner: str) -> tuple[set[str], Any]:
    """What a finding about `partner` names: its items' ids, titles, kinds, genres and attribute
    values; and its partners row."""
    con = connect(demo.ws)
    try:
        t = con.table("items")
        own = t.filter(t.partner_id == partner).execute().to_dict("records")
        name = con.table("partners").filter(lambda p: p.partner_id == partner).execute()
    finally:
        con.disconnect()
    words = {w for i in own for w in (i["item_id"], i["title_en"], i["title_zh"], i["kind"]) if w}
    words |= {g for i in own for g in (i["genres"] if i["genres"] is not None else [])}
    words |= {str(v) for i in own for _, v in (i["attributes"] or {}).items() if v}
    return words, name


@pytest.mark.parametrize("partner", ["p_albion", "p_albion-zh", "p_britannia"])
def test_a_partners_report_leads_with_findings_about_it(
    reports: dict[str, dict[str, Any]], demo: Demo, partner: str
) -> None:
    text = reports[partner]["text"]
    zh = partner.endswith("-zh")
    words, name = _own_words(demo, partner.removesuffix("-zh"))
    if zh:
        heading, end = f"关于{name.name_zh.iloc[0]}的作品", "的作品</h3>"
        assert heading in text, partner
    else:
        heading, end = f"About {name.name_en.iloc[0]}&#x27;s titles", "titles</h3>"
        assert heading in text or heading.replace("&#x27;", "'") in text, partner
    section = text[text.index(end) :]
    first = re.search(r"<li>(.*?)</li>", section, re.S)
    assert first is not None
    said = first.group(1).lower()
    assert any(str(w).lower() in said for w in words), (partner, first.group(1))
    rest = "全平台" if zh else "Across the platform"
    assert text.index(end) < text.find(rest) or rest not in text


@pytest.mark.parametrize("partner", ["p_aurelia", "p_northlight"])  # a designer, a producer
def test_every_kind_of_partner_gets_its_own_findings_first(demo: Demo, partner: str) -> None:
    """The findings a report leads with (`build_overview`, as the report's first section),
    for the partner kinds whose whole reports are not built here."""
    words, _ = _own_words(demo, partner)
    with open_report_analysis(demo.ws, partner) as a:
        overview = build_overview(a, n=8)
    first = overview.findings[0]
    assert first.about_partner, first.headline
    said = (first.headline + " " + first.value).lower()
    assert any(str(w).lower() in said for w in words), first.headline
    mine = [f.about_partner for f in overview.findings]
    assert mine == sorted(mine, reverse=True)  # every finding about it before the others


def test_britannia_campaign_shows_the_planted_25_34_effect(
    reports: dict[str, dict[str, Any]], demo: Demo
) -> None:
    truth = demo.truth["campaign"]
    assert truth["uplift_segment"] == {"age_min": 25, "age_max": 34}
    rep = reports["p_britannia"]
    assert "campaigns" in rep["sections"]
    text = report_content(rep["text"])
    section = text[
        text.index('id="campaigns"') : text.index("</section>", text.index('id="campaigns"'))
    ]
    assert truth["campaign_id"] in section
    # the significant segments listed in green: conversion in the 25-34 band leads
    match = re.search(
        r'<li class="sig">conversion, age_band 25-34: \+(\d+\.\d) pp \(95% CI \+(\d+\.\d) to '
        r"\+(\d+\.\d)",
        section,
    )
    assert match, section[:2000]
    lift, lo, hi = (float(x) / 100 for x in match.groups())
    planted = truth["uplift_in_segment"]
    assert lo <= planted <= hi and abs(lift - planted) < 0.03
    first = re.search(r'<li class="sig">conversion, ([^:]+):', section)
    assert first and first.group(1) == "age_band 25-34"


def test_platform_report_includes_every_section_and_every_partner(
    reports: dict[str, dict[str, Any]], demo: Demo
) -> None:
    rep = reports["platform"]
    assert rep["sections"] == [
        "findings", "catalogue", "audiences", "preferences", "trends", "fashion", "social",
        "campaigns", "localisation", "esports",
    ]  # fmt: skip
    text = report_content(rep["text"])
    partners = {i["partner_id"] for i in _items(demo)}
    named = {i["partner_id"] for i in _items(demo) if i["item_id"] in text}
    assert len(named) >= 3, named
    assert "c_britannia_summer" in text and "E-sports leaderboards" in text
    assert len(partners) > 3


def test_reports_are_self_contained(reports: dict[str, dict[str, Any]]) -> None:
    for partner, rep in reports.items():
        text = rep["text"]
        content = report_content(text)
        for pattern in (
            r"<script[^>]*\bsrc\s*=",
            r"<link[^>]*\bhref\s*=",
            r"<img[^>]*\bsrc\s*=\s*[\"']?https?:",
            r"url\(\s*[\"']?https?:",
            r"@import",
            r"\b(src|href)\s*=\s*[\"']?(https?:)?//",
        ):
            assert not re.search(pattern, content, re.I), (partner, pattern)
        assert "http://" not in content and "https://" not in content, partner
        assert (
            '"mathjax"' not in content
            and "mapbox" not in content
            and "geo" not in re.findall(r'"type":"(\w+)"', content)
        )


def test_reports_are_audited(reports: dict[str, dict[str, Any]], demo: Demo) -> None:
    log = [x for x in read_audit(demo.ws.root, "report")]
    for partner, rep in reports.items():
        entry = next(x for x in log if x["path"] == str(Path(rep["html"]).resolve()))
        assert entry["partner"] == partner.removesuffix("-zh")
        assert entry["status"] == "exported"
        assert entry["sha256"] == rep["sha256"]
        import hashlib

        assert hashlib.sha256(rep["path"].read_bytes()).hexdigest() == rep["sha256"]


@needs_chromium
@pytest.mark.parametrize("partner", ["p_britannia", "platform"])
def test_every_chart_renders_offline_in_chromium(
    reports: dict[str, dict[str, Any]], partner: str, chromium: Any
) -> None:
    path: Path = reports[partner]["path"]
    charts = reports[partner]["text"].count('<div class="chart"')
    assert charts >= 8
    errors: list[str] = []
    failed: list[str] = []
    blocked: list[str] = []
    context = chromium.new_context(offline=True, viewport={"width": 1100, "height": 900})
    try:

        def route(r: Any) -> None:
            if r.request.url.startswith("file://"):
                r.continue_()
            else:
                blocked.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_function(
            "n => document.querySelectorAll('div.chart svg.main-svg').length >= n",
            arg=charts,
            timeout=30_000,
        )
        drawn = page.evaluate(
            """() => Array.from(document.querySelectorAll('div.chart')).map(d => [
                d.id,
                d.querySelectorAll('svg.main-svg').length,
                d.querySelectorAll('.barlayer .point path, .scatterlayer .trace path').length
            ])"""
        )
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTEFACTS / f"{partner}.png"), full_page=True)
    finally:
        context.close()
    assert len(drawn) == charts
    empty = [d for d in drawn if d[1] == 0 or d[2] == 0]
    assert not empty, empty
    assert not errors, errors
    assert not failed, failed
    assert not blocked, blocked


@needs_chromium
def test_pdf_starts_with_the_pdf_magic(reports: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    pdf = write_pdf(reports["p_britannia"]["path"], tmp_path / "britannia.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 50_000
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(pdf, ARTEFACTS / "p_britannia.pdf")


def test_missing_chromium_is_one_clear_error(
    reports: dict[str, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CULTUREBRIDGE_CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(UserError, match="needs Chromium.*HTML report was written"):
        write_pdf(reports["p_albion"]["path"], tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_a_partner_without_items_gets_the_market_sections(demo: Demo, tmp_path: Path) -> None:
    owners = {i["partner_id"] for i in _items(demo)}
    assert "p_qianfan" not in owners  # the demo's platform partner has no catalogue
    out = tmp_path / "qianfan.html"
    code, stdout, stderr = invoke(
        "report", demo.ws.root, "--partner", "p_qianfan", "--output", out, "--json"
    )
    assert code == 0, stderr
    assert json.loads(stdout)["sections"] == ["findings", "preferences", "trends"]
    text = out.read_text(encoding="utf-8")
    assert "Social listening: the partner has no items to listen for" in text
    assert text.count('<div class="chart"') >= 3


def test_a_partner_sees_the_leaderboards_of_the_games_its_titles_name(demo: Demo) -> None:
    from culturebridge.reports._partner import _leaderboards

    game = "Crown Duel"  # a Foxglove game that the demo's matches are played in
    assert game in {i["title_en"] for i in _items(demo) if i["partner_id"] == "p_foxglove"}
    boards = _leaderboards(demo.ws, [f"{game} University League Final, London"])
    assert [b.game for b in boards] == [game]
    assert len(boards[0].standings) == 10 and boards[0].standings[0].rank == 1
    assert _leaderboards(demo.ws, ["A Title That Names No Game"]) == []


def test_unknown_partner_is_one_line(demo: Demo, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    code, stdout, stderr = invoke("report", demo.ws.root, "--partner", "p_nobody", "--output", out)
    assert_one_line_error(code, stdout, stderr, r"unknown partner 'p_nobody'")
    assert not out.exists()


def test_output_must_be_html(demo: Demo, tmp_path: Path) -> None:
    code, stdout, stderr = invoke(
        "report", demo.ws.root, "--partner", "p_albion", "--output", tmp_path / "r.txt"
    )
    assert_one_line_error(code, stdout, stderr, r"--output: expected an \.html file")


def test_chart_html_escapes_data_and_draws_nothing_from_nothing() -> None:
    assert plotly_js_path().name == "plotly.min.js"
    row = PreferenceRow(
        value="x", segment_share=0.2, baseline_share=0.1, lift=2.0, lift_shrunk=1.9,
        ci_low=1.5, ci_high=2.5, p_value=0.001, p_adj=0.002, significant=True, users=50,
        baseline_users=500,
    )  # fmt: skip
    fig = lift_bars([("</script><script>alert(1)</script>", row)])
    assert fig is not None
    html = chart_html("c1", fig)
    assert "</script><script>alert" not in html and "\\u003c/script" in html
    assert lift_bars([]) is None


# English words a Chinese report must not show outside proper names (titles, ids, handles),
# the method notes' command lines and the segment ids
ENGLISH_WORDS = re.compile(
    r"\b(?:Headline|findings|engaged users|Weekly share|Lift of|against all users|suppressed|"
    r"Privacy|Period|Scope|How this was computed|Sections left out|rising|falling|"
    r"documentary|film|series|impression|purchase|no cell below)\b"
)


def test_a_report_in_chinese(reports: dict[str, dict[str, Any]], demo: Demo) -> None:
    text = reports["p_albion-zh"]["text"]
    assert '<html lang="zh-CN">' in text
    assert "<h2>主要发现 <small>Headline findings</small></h2>" in text
    assert "计算方法" in text and "隐私阈值 k=10" in text
    body = re.sub(r"<script.*?</script>", "", text[text.index("<main>") :], flags=re.S)
    # the English beside a Chinese heading (<small>) and command lines are meant
    body = re.sub(r"<small>.*?</small>|<code>.*?</code>|`[^`]*`", "", body)
    words = sorted(set(ENGLISH_WORDS.findall(re.sub(r"<[^>]+>", " ", body))))
    assert not words, words
    # the charts' labels are Chinese too
    assert "提升度" in text or "份额" in text
