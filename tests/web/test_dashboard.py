"""The dashboard in a real browser: sign-in, every page drawn without console errors, both
languages (no English data label on a Chinese page), every page at phone width without sideways
scrolling, the segment builder, and a partner key that never sees another partner's items."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from culturebridge.query import item_titles
from culturebridge.web import PAGES
from tests.api.conftest import Served, items_of
from tests.web.conftest import Browse, Problems, login, open_page, settle_page

pytestmark = pytest.mark.timeout(300)

# per visible chart: its id, state, and how many marks Plotly drew in its SVG
CHARTS = """() => [...document.querySelectorAll('.chart')]
  .filter((n) => n.closest('[hidden]') === null)
  .map((n) => ({
    id: n.id,
    state: n.dataset.state || null,
    svg: n.querySelectorAll('svg.main-svg').length,
    marks: n.querySelectorAll('svg.main-svg .trace path, svg.main-svg .trace .point').length,
    text: n.innerText.slice(0, 200),
  }))"""

UNTRANSLATED = re.compile(
    r"\b(?:app|lang|header|nav|login|state|word|form|dim|overview|aud|trends|fashion|rec|"
    r"social|camp|es|loc|col|kind|stage|ex|export|privacy|value|city_tier|table|jr)\.[a-z_]+(?:\.[a-z_]+)?\b"
)

# words a Chinese page must not show in English (data labels, values, notes); proper names such
# as item titles without a Chinese title are allowed
ENGLISH = re.compile(
    r"\b(?:film|series|documentary|fashion|tourism|users|share|unknown|app_feed|mini_program|"
    r"app_search|push|female|male|android|purchase|impression|Guangdong|Shandong|guochao|"
    r"streetwear|cells|suppressed|below|privacy|previous period|age_band|week|Tier|rising|"
    r"falling|flat|posts|rating|growth|style|colour|pattern|category|segment|baseline|control|"
    r"treatment|conversion|revenue|visit|lift|negative)\b"
)


# charts a platform key must see drawn on each page (the rest may say "nothing to show")
EXPECTED = {
    "overview": {"yours-chart", "prefs-chart", "trends-chart"},
    "explore": {"ex-chart"},
    "journeys": {"stick-chart", "jf-chart", "paths-chart"},
    "audiences": {"aud-chart", "funnel-chart"},
    "trends": {"trends-chart"},
    "fashion": {"fashion-chart"},
    "recommendations": {"rec-chart"},
    "social": {"mentions-chart", "timeline-chart"},
    "campaigns": {"campaign-chart"},
    "esports": {"es-chart"},
    "localise": set(),
}


def settle(b: Browse) -> list[dict[str, Any]]:
    settle_page(b)
    charts: list[dict[str, Any]] = b.page.evaluate(CHARTS)
    return charts


@pytest.fixture(scope="module")
def platform(chromium: Any, dashboard: str, served: Served) -> Iterator[Browse]:
    context, b = open_page(chromium, dashboard)
    login(b, served.keys["platform"])
    try:
        yield b
    finally:
        context.close()


def test_pages_redirect_to_login_without_a_key(dashboard: str) -> None:
    with httpx.Client(base_url=dashboard, follow_redirects=False) as http:
        for path, _, _ in PAGES:
            r = http.get(path)
            assert r.status_code == 303, path
            assert r.headers["location"].startswith("/login?next=")
        api = http.get("/api/v1/status")
        assert api.status_code == 401
        assert "detail" in api.json()
    with httpx.Client(base_url=dashboard, cookies={"cb_key": "cb_not_a_key"}) as http:
        r = http.get("/", follow_redirects=False)
        assert r.status_code == 303


def test_a_bad_key_shows_an_error(chromium: Any, dashboard: str, artefacts: Path) -> None:
    context, b = open_page(chromium, dashboard)
    try:
        b.goto("/")
        assert b.page.url.startswith(dashboard + "/login")
        b.page.fill("#key", "cb_wrong_key")
        b.page.click("button[type=submit]")
        error = b.page.locator("#login-error")
        error.wait_for()
        assert "not valid" in error.inner_text()
        assert b.page.context.cookies() == [] or all(
            c["name"] != "cb_key" for c in b.page.context.cookies()
        )
        b.page.screenshot(path=str(artefacts / "login-error.png"))
    finally:
        context.close()


def test_login_sets_a_strict_httponly_cookie(platform: Browse) -> None:
    (cookie,) = [c for c in platform.page.context.cookies() if c["name"] == "cb_key"]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert platform.page.evaluate("document.cookie").find("cb_key") == -1


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_page_draws_its_charts_without_errors(
    platform: Browse, artefacts: Path, lang: str
) -> None:
    for path, name, _ in PAGES:
        platform.problems.clear()
        platform.goto(f"{path}?lang={lang}")
        charts = settle(platform)
        drawn = {c["id"] for c in charts if c["state"] == "drawn"}
        missing = EXPECTED[name] - drawn
        assert not missing, f"{name}: charts not drawn: {[c for c in charts if c['id'] in missing]}"
        for c in charts:
            if c["state"] == "drawn":
                assert c["svg"] >= 1 and c["marks"] > 0, f"{name}: {c}"
                # every chart drawn from a result can be exported (CSV and PNG, audited)
                exports = f'.exports[data-for="{c["id"]}"] button'
                assert platform.page.locator(exports).count() == 2, f"{name}: {c['id']}"
            assert c["state"] != "error", f"{name}: {c}"
        assert not platform.problems.all(), f"{name}: {platform.problems.all()}"
        html_lang = platform.page.get_attribute("html", "lang")
        assert html_lang == ("zh-CN" if lang == "zh" else "en")
        text = platform.page.inner_text("body")
        assert not UNTRANSLATED.findall(text), f"{name}: {UNTRANSLATED.findall(text)}"
        if lang == "zh":  # no English data label on a Chinese page (proper names aside)
            shown = platform.page.inner_text("main") + "\n".join(
                platform.page.eval_on_selector_all(
                    "main svg", "(ns) => ns.map((n) => n.textContent)"
                )
            )
            english = sorted(set(ENGLISH.findall(shown)))
            assert not english, f"{name}: {english}"
        platform.page.screenshot(path=str(artefacts / f"{name}-{lang}.png"), full_page=True)


def test_language_switch(platform: Browse) -> None:
    page = platform.page
    platform.goto("/trends?lang=en")
    settle(platform)
    assert page.inner_text("h1") == "Trends"
    page.click("#lang-switch")
    page.wait_for_url(re.compile(r"lang=zh"))
    settle(platform)
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.inner_text("h1") == "趋势"
    nav = page.inner_text("nav")
    assert "概览" in nav and "社交聆听" in nav
    # the choice sticks (a cookie) on the next page without ?lang
    platform.goto("/campaigns")
    assert page.inner_text("h1") == "营销活动"
    assert page.get_attribute("html", "lang") == "zh-CN"
    page.click("#lang-switch")
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.inner_text("h1") == "Campaigns"


def test_segment_builder(platform: Browse, artefacts: Path) -> None:
    page = platform.page
    platform.problems.clear()
    platform.goto("/audiences?lang=en")
    settle(platform)
    page.fill("#age-min", "18")
    page.fill("#age-max", "24")
    page.check("#tier-1")
    page.click("#seg-submit")
    page.locator("#seg-result").wait_for(state="visible")
    charts = settle(platform)
    size = page.inner_text("#seg-size")
    assert re.search(r"\d", size) and "users" in size
    assert "18" in page.inner_text("#seg-definition")
    (chart,) = [c for c in charts if c["id"] == "seg-chart"]
    assert chart["state"] == "drawn" and chart["marks"] > 0
    assert page.locator("#seg-table tbody tr").count() > 0
    assert not platform.problems.all()
    page.screenshot(path=str(artefacts / "segment-builder-en.png"), full_page=True)


def test_fashion_shows_product_images(platform: Browse) -> None:
    page = platform.page
    platform.problems.clear()
    platform.goto("/fashion?lang=en")
    settle(platform)
    images = page.locator("#fashion-products img")
    assert images.count() > 0
    images.first.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#fashion-products img')].slice(0, 1)"
        ".every((i) => i.complete && i.naturalWidth > 0)"
    )
    assert not platform.problems.all()


# every page for the tourism board (it runs the demo campaign); the pages that list items for the
# fashion council (its products, their photos and neighbours)
PARTNER_PAGES = {
    "britannia": [path for path, _, _ in PAGES],
    "lfc": ["/fashion", "/recommendations"],
}
PARTNER_OF = {"britannia": "p_britannia", "lfc": "p_lfc"}
ITEM_ID = re.compile(r"(?<![A-Za-z0-9_])[a-z]+_\d{3,}(?![A-Za-z0-9_])")


@pytest.mark.parametrize("name", sorted(PARTNER_PAGES))
def test_a_partner_never_sees_another_partners_items(
    chromium: Any, dashboard: str, served: Served, artefacts: Path, name: str
) -> None:
    partner = PARTNER_OF[name]
    owners = items_of(served.ws)
    others = {i for i, owner in owners.items() if owner != partner}
    mine = {i for i, owner in owners.items() if owner == partner}
    context, b = open_page(chromium, dashboard)
    try:
        login(b, served.keys[name])
        assert partner in b.page.inner_text("#partner-name")
        seen_mine = set()
        for path in PARTNER_PAGES[name]:
            b.problems.clear()
            b.goto(path)
            settle(b)
            # the text, and the markup (option values, image addresses) too
            ids = set(ITEM_ID.findall(b.page.inner_text("body") + b.page.content()))
            leaked = ids & others
            assert not leaked, f"{path}: {sorted(leaked)[:10]}"
            seen_mine |= ids & mine
            assert not b.problems.all(), f"{path}: {b.problems.all()}"
            page_name = path.strip("/") or "overview"
            b.page.screenshot(path=str(artefacts / f"{page_name}-{name}.png"), full_page=True)
        assert seen_mine, "the partner's own items appear somewhere"
    finally:
        context.close()


def test_esports_prediction(platform: Browse) -> None:
    page = platform.page
    platform.problems.clear()
    platform.goto("/esports?lang=en")
    settle(platform)
    assert page.input_value("#es-team-a") and page.input_value("#es-team-b")
    page.click("#es-predict button[type=submit]")
    page.wait_for_function("() => /%/.test(document.getElementById('es-predict-result').innerText)")
    text = page.inner_text("#es-predict-result")
    assert text.count("Chance of winning") == 2
    # a misspelt handle is rated as a newcomer, and the page says whom it may have meant
    first = page.input_value("#es-team-a").split(",")[0].strip()
    typo = first[:-1] + ("x" if first[-1] != "x" else "y")
    page.fill("#es-team-a", typo)
    page.click("#es-predict button[type=submit]")
    note = page.locator(f'#es-predict-result [data-newcomer="{typo}"]')
    note.wait_for()
    assert "Did you mean" in note.inner_text() and first in note.inner_text()
    assert not platform.problems.all()


def test_every_trends_dimension_renders_and_items_are_named(
    platform: Browse, served: Served
) -> None:
    """Each dimension the trends form offers draws (none answers an error), and by item the
    table and the chart name items by title, with the id beside it in the table."""
    page = platform.page
    platform.goto("/trends?lang=en")
    settle(platform)
    dims = page.eval_on_selector_all("#trends-by option", "os => os.map(o => o.value)")
    assert "item" in dims and "channel" not in dims
    titles = item_titles(served.ws)
    for dim in dims:
        platform.problems.clear()
        page.select_option("#trends-by", dim)
        page.click("#trends-form button[type=submit]")
        settle(platform)
        assert page.get_attribute("#trends-chart", "data-state") == "drawn", dim
        assert not platform.problems.all(), (dim, platform.problems.all())
        if dim == "item":
            table = page.inner_text("#trends-table")
            named = [i for i, t in titles.items() if t.title_en and f"{t.title_en} ({i})" in table]
            assert named, table[:500]
            legend = page.inner_text("#trends-chart")
            assert any(str(titles[i].title_en)[:30] in legend for i in named)


def test_a_province_in_chinese_is_understood(platform: Browse) -> None:
    """广东 in the segment builder is Guangdong (a size, not "below the privacy threshold"),
    and a name that is no province says so."""
    page = platform.page
    platform.goto("/audiences?lang=zh")
    settle(platform)
    page.fill("#provinces", "广东")
    page.click("#seg-submit")
    page.wait_for_function("() => /\\d/.test(document.getElementById('seg-size').innerText)")
    assert "已隐藏" not in page.inner_text("#seg-size")
    page.fill("#provinces", "广东x")
    page.click("#seg-submit")
    error = page.locator("#seg-msg .msg.error")
    error.wait_for()
    assert "no province '广东x'" in error.inner_text()


def test_a_campaign_without_arms_says_why_there_is_no_report(
    chromium: Any, dashboard: str, served: Served
) -> None:
    """p_albion's launch campaign has no users assigned: it is listed, and the report pane says
    there is nothing to compare (not that no campaign is visible)."""
    context, b = open_page(chromium, dashboard)
    try:
        login(b, served.keys["albion"])
        b.goto("/campaigns?lang=en")
        settle(b)
        assert "c_albion_launch" in b.page.inner_text("#campaigns-table")
        pane = b.page.inner_text("#campaign-chart")
        assert "two or more arms" in pane and "No campaigns visible" not in pane
        assert not b.problems.all()
    finally:
        context.close()


def test_an_api_error_is_shown_as_text(platform: Browse) -> None:
    page = platform.page
    platform.goto("/audiences?lang=en")
    settle(platform)
    platform.problems.clear()
    page.fill("#age-min", "40")
    page.fill("#age-max", "20")
    page.click("#seg-submit")
    error = page.locator("#seg-msg .msg.error")
    error.wait_for()
    assert re.search(r"could not be loaded \(4\d\d\): .+", error.inner_text())
    assert page.locator("#seg-result").is_hidden()
    # the API's validation error reads as a sentence naming the field, not as raw JSON
    text = error.inner_text()
    assert "age_max: " in text and "above age_max" in text, text
    assert "{" not in text and '"loc"' not in text
    # the browser reports the failed call; the page itself throws nothing
    assert not platform.problems.errors
    assert all("/api/v1/segments/preview" in f for f in platform.problems.failed)


def test_the_platform_admin_sees_each_tables_data_quality(
    chromium: Any, dashboard: str, served: Served, platform: Browse
) -> None:
    platform.goto("/?lang=en")
    settle(platform)
    assert platform.page.locator("#status-table tbody tr").count() == 8
    assert platform.page.locator("#quality-table").is_hidden()  # a read key: not shown
    context, admin = open_page(chromium, dashboard)
    try:
        login(admin, served.keys["platform_admin"])
        admin.goto("/?lang=en")
        settle(admin)
        table = admin.page.locator("#quality-table")
        assert table.is_visible()
        rows = table.locator("tbody tr")
        assert rows.count() == 8  # one per table the demo fills
        assert "0.0%" in rows.first.inner_text()
        assert not admin.problems.errors
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_page_scrolls_sideways_at_phone_width(
    chromium: Any, dashboard: str, served: Served, artefacts: Path, lang: str
) -> None:
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    b = Browse(base=dashboard, page=page, problems=Problems())
    try:
        login(b, served.keys["platform"])
        for path, name, _ in PAGES:
            b.goto(f"{path}?lang={lang}")
            settle_page(b)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            shot = artefacts / f"phone-{name}-{lang}.png"
            page.screenshot(path=str(shot), full_page=True)
            from PIL import Image

            with Image.open(shot) as image:
                assert image.width == 390, f"{name}: screenshot {image.width} px wide"
            assert width <= 390, f"{name}: the page is {width} px wide at 390 px"
    finally:
        context.close()
