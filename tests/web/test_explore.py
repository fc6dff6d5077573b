"""The analyst's features in a real browser, each with a known answer on the demo: a date range
whose figures are the CLI's for the same range, every breakdown dimension, a behavioural segment
saved from the dashboard, saved insights on the partner's dashboard, drill-down, CSV export
(equal to the API's JSON, in the audit log), journeys, and each partner's overview leading with
its own items. (Chinese pages without English data labels, and no sideways scrolling at phone
width: `test_dashboard.py`, which visits every page already.)"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from culturebridge.api import create_app
from culturebridge.privacy import AUDIT_LOG
from tests.api.conftest import Served
from tests.test_cli import invoke
from tests.web.conftest import Browse, login, open_page, settle_page

pytestmark = pytest.mark.timeout(300)

BREAKDOWN_DIMENSIONS = [
    "kind", "genre", "item", "partner", "channel", "type", "age_band", "city_tier",
    "province", "platform", "gender", "attributes.style", "attributes.colour",
    "attributes.category",
]  # fmt: skip


@pytest.fixture(scope="module")
def analyst(chromium: Any, dashboard: str, served: Served) -> Iterator[Browse]:
    context, b = open_page(chromium, dashboard)
    login(b, served.keys["platform"])
    try:
        yield b
    finally:
        context.close()


def as_partner(chromium: Any, dashboard: str, served: Served, name: str) -> tuple[Any, Browse]:
    context, b = open_page(chromium, dashboard)
    login(b, served.keys[name])
    return context, b


def show(b: Browse, **fields: str) -> None:
    """Set the Explore form's fields (by element id suffix) and press Show."""
    page = b.page
    for name, value in fields.items():
        node = f"#ex-{name.replace('_', '-')}"
        if page.get_attribute(node, "type") == "date":
            page.fill(node, value)
            page.dispatch_event(node, "change")
        else:
            page.select_option(node, value)
    page.click("#ex-show")
    page.wait_for_function("() => document.getElementById('ex-chart').dataset.state !== 'loading'")
    settle_page(b)


def column(b: Browse, index: int) -> list[str]:
    cells = b.page.eval_on_selector_all(
        f"#ex-table tbody tr td:nth-child({index})", "(tds) => tds.map((t) => t.innerText)"
    )
    return [str(c) for c in cells]


def number(text: str) -> int:
    return int(text.replace(",", ""))


def cli_breakdown(served: Served, *args: str) -> list[dict[str, Any]]:
    code, out, err = invoke("breakdown", served.ws.root, *args, "--json")
    assert code == 0, err
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def test_the_date_range_gives_the_clis_figures_for_that_range(
    analyst: Browse, served: Served, artefacts: Path
) -> None:
    analyst.goto("/explore?lang=en")
    settle_page(analyst)
    for first, last in [("2026-08-03", "2026-08-30"), ("2026-06-01", "2026-06-14")]:
        show(analyst, by="channel", range="custom", **{"from": first, "to": last})
        assert f"period_from={first}" in analyst.page.url  # the question is in the address
        want = cli_breakdown(
            served, "--by", "channel", "--compare", "previous",
            "--period-from", first, "--period-to", last,
        )  # fmt: skip
        assert [number(u) for u in column(analyst, 2)] == [r["users"] for r in want]
        assert [number(u) for u in column(analyst, 5)] == [r["previous_users"] for r in want]
        assert first in analyst.page.inner_text("#ex-summary")
    analyst.page.screenshot(path=str(artefacts / "explore-range-en.png"), full_page=True)


def test_every_breakdown_dimension_renders(analyst: Browse) -> None:
    analyst.goto("/explore?lang=en")
    settle_page(analyst)
    options = analyst.page.eval_on_selector_all("#ex-by option", "(os) => os.map((o) => o.value)")
    assert options == BREAKDOWN_DIMENSIONS
    for by in BREAKDOWN_DIMENSIONS:
        analyst.problems.clear()
        show(analyst, by=by, range="all")
        assert analyst.page.get_attribute("#ex-chart", "data-state") == "drawn", by
        assert len(column(analyst, 1)) > 0, by
        assert not analyst.problems.all(), f"{by}: {analyst.problems.all()}"


def test_a_behavioural_segment_saved_in_the_dashboard_is_kept(
    chromium: Any, dashboard: str, served: Served, artefacts: Path
) -> None:
    context, b = as_partner(chromium, dashboard, served, "lfc")
    name = "council_buyers_ui"
    try:
        b.goto("/audiences?lang=zh")
        settle_page(b)
        page = b.page
        page.select_option("#did-type", "purchase")
        page.select_option("#did-partner", "p_lfc")
        page.fill("#did-days", "90")
        page.fill("#seg-name", name)
        page.click("#seg-save")
        page.wait_for_function(
            "(n) => document.getElementById('seg-saved').innerText.includes(n)", arg=name
        )
        settle_page(b)
        assert name in page.inner_text("#seg-list")
        page.screenshot(path=str(artefacts / "segment-saved-zh.png"), full_page=True)
        # `culturebridge segments` lists it, with its behaviour
        code, out, err = invoke("segments", served.ws.root, "--json")
        assert code == 0, err
        listed = {s["name"]: s for s in json.loads(out)}
        assert "purchase event from p_lfc in the last 90 days" in listed[name]["definition"]
        # a new server (a restart) still has it, for its owner only
        with TestClient(create_app(served.ws.root)) as fresh:
            mine = fresh.get("/api/v1/segments", headers=served.auth("lfc")).json()["data"]
            assert name in {s["name"] for s in mine}
            theirs = fresh.get("/api/v1/segments", headers=served.auth("albion")).json()["data"]
            assert name not in {s["name"] for s in theirs}
    finally:
        invoke("segments", served.ws.root, "--json")  # nothing to undo if saving failed
        with TestClient(create_app(served.ws.root)) as c:
            c.delete(f"/api/v1/segments/{name}", headers=served.auth("lfc"))
        context.close()


def test_a_saved_insight_reloads_and_tiles_the_dashboard(
    chromium: Any, dashboard: str, served: Served, artefacts: Path
) -> None:
    context, b = as_partner(chromium, dashboard, served, "albion")
    try:
        b.goto("/explore?lang=en")
        settle_page(b)
        assert b.page.input_value("#ex-items-of") == "p_albion"  # a partner starts with its own
        show(b, by="age_band")
        b.page.fill("#ex-insight-name", "Ages of our viewers")
        b.page.click("#ex-save")
        b.page.wait_for_function("() => document.getElementById('ex-saved').innerText !== ''")
        b.goto("/explore?lang=en")  # a reload
        settle_page(b)
        link = b.page.locator("#ex-insights a", has_text="Ages of our viewers")
        link.click()
        b.page.wait_for_url(re.compile(r".*by=age_band.*"))
        settle_page(b)
        assert b.page.input_value("#ex-by") == "age_band"
        b.goto("/?lang=en")  # the partner's dashboard
        settle_page(b)
        tile = b.page.locator(".tile", has_text="Ages of our viewers")
        assert tile.count() == 1
        assert tile.locator(".chart").get_attribute("data-state") == "drawn"
        b.page.screenshot(path=str(artefacts / "dashboard-insight-en.png"), full_page=True)
    finally:
        with TestClient(create_app(served.ws.root)) as c:
            for i in c.get("/api/v1/insights", headers=served.auth("albion")).json():
                c.delete(f"/api/v1/insights/{i['id']}", headers=served.auth("albion"))
        context.close()


def test_drill_down_lands_on_the_right_page_and_item(analyst: Browse) -> None:
    analyst.goto("/explore?lang=en")
    settle_page(analyst)
    show(analyst, by="item", range="all")
    first = analyst.page.locator("#ex-table tbody tr").first.locator("a")
    item = re.search(r"\(([a-z]{3}_\d{4})\)$", first.inner_text())
    assert item is not None
    first.click()
    analyst.page.wait_for_url(f"**/audiences?item={item.group(1)}")
    settle_page(analyst)
    assert analyst.page.input_value("#aud-item") == item.group(1)
    assert analyst.page.get_attribute("#aud-chart", "data-state") == "drawn"
    # a kind's bar opens that kind's genres
    analyst.goto("/explore?lang=en&by=kind")
    settle_page(analyst)
    bar = analyst.page.locator("#ex-chart .point path").last.bounding_box()  # the top bar
    assert bar is not None
    x, y = bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2
    analyst.page.mouse.move(x, y)  # as a person does: Plotly clicks what it hovers
    analyst.page.mouse.click(x, y)
    analyst.page.wait_for_url(re.compile(r".*by=genre.*kind=.*"))
    settle_page(analyst)
    assert analyst.page.input_value("#ex-by") == "genre"
    assert analyst.page.input_value("#ex-kind") != ""


def test_csv_export_equals_the_api_and_is_audited(
    chromium: Any, dashboard: str, served: Served
) -> None:
    context, b = as_partner(chromium, dashboard, served, "northlight")
    try:
        b.goto("/explore?lang=zh&by=gender&compare=previous")
        settle_page(b)
        with b.page.expect_download() as download:
            b.page.click("#ex-csv")
        text = Path(download.value.path()).read_bytes().decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        query = b.page.url.split("?", 1)[1]
        with TestClient(create_app(served.ws.root)) as c:
            api = c.get(f"/api/v1/breakdown?{query}", headers=served.auth("northlight")).json()
        assert [r["value"] for r in rows] == [r["value"] for r in api["rows"]]
        assert [r["users"] for r in rows] == [str(r["users"]) for r in api["rows"]]
        with b.page.expect_download() as image:
            b.page.click("#ex-png")
        assert Path(image.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        log = [json.loads(x) for x in (served.ws.root / AUDIT_LOG).read_text().splitlines()]
        exports = {e.get("export") for e in log if e.get("partner") == "p_northlight"}
        assert {"csv", "png"} <= exports
    finally:
        context.close()


def test_a_funnel_of_chosen_steps_and_paths_in_the_browser(
    analyst: Browse, served: Served, artefacts: Path
) -> None:
    page = analyst.page
    analyst.goto("/journeys?lang=en")
    settle_page(analyst)
    for i, (kind_of_event, kind) in enumerate([("impression", "game"), ("play", "game"),
                                               ("purchase", ""), ("", "")], start=1):  # fmt: skip
        page.select_option(f"#jf-type-{i}", kind_of_event)
        page.select_option(f"#jf-kind-{i}", kind)
    page.fill("#jf-window", "14")
    page.click("#jf-show")
    page.wait_for_url(re.compile(r".*window_days=14.*"))
    settle_page(analyst)
    want = json.loads(
        invoke(
            "funnel", served.ws.root, "--step", "impression:game", "--step", "play:game",
            "--step", "purchase", "--window", "14", "--json",
        )[1]
    )  # fmt: skip
    got = page.eval_on_selector_all(
        "#jf-table tbody tr td:nth-child(2)", "(tds) => tds.map((t) => t.innerText)"
    )
    assert [number(x) for x in got] == [r["users"] for r in want]
    # the tiles are the API's figures
    with TestClient(create_app(served.ws.root)) as c:
        sticky = c.get("/api/v1/stickiness", headers=served.auth("platform")).json()
    assert number(page.inner_text("#tile-mau")) == sticky["mau"]
    assert number(page.inner_text("#tile-dau")) == sticky["dau"]
    # paths: what follows a play on a game
    page.select_option("#paths-type", "play")
    page.select_option("#paths-kind", "game")
    page.click("#paths-show")
    page.wait_for_function(
        "() => document.getElementById('paths-chart').dataset.state !== 'loading'"
    )
    settle_page(analyst)
    assert page.get_attribute("#paths-chart", "data-state") == "drawn"
    page.screenshot(path=str(artefacts / "journeys-en.png"), full_page=True)


def test_an_alert_and_a_segment_drill_down(analyst: Browse, served: Served) -> None:
    page = analyst.page
    spike = served.truth["sentiment_spike"]
    analyst.goto("/social?lang=zh")
    settle_page(analyst)
    page.locator("#alerts-table tbody a").first.click()
    page.wait_for_function("() => document.getElementById('alert-terms').dataset.state === 'drawn'")
    settle_page(analyst)
    assert page.input_value("#timeline-item") == spike["item_id"]
    words = page.eval_on_selector_all(
        "#alert-terms tbody tr td:first-child", "(tds) => tds.map((t) => t.innerText)"
    )
    assert words and any(w in m for w in words[:3] for m in spike["negative_markers"])
    # a segment opens its preferences against everyone
    analyst.goto("/?lang=en")
    settle_page(analyst)
    page.locator("#segments-table a", has_text="gen_z_tier1").click()
    page.wait_for_url(re.compile(r".*/explore\?.*measure=lift.*"))
    settle_page(analyst)
    assert page.input_value("#ex-segment") == "gen_z_tier1"
    assert page.get_attribute("#ex-chart", "data-state") == "drawn"
    header = page.inner_text("#ex-table thead")
    assert "Lift" in header


@pytest.mark.parametrize(
    "name", ["albion", "britannia", "aurelia", "northlight"]
)  # broadcaster, tourism board, designer, documentary producer
def test_a_partners_overview_leads_with_its_own_items(
    chromium: Any, dashboard: str, served: Served, name: str
) -> None:
    from tests.api.conftest import KEYS, items_of

    partner = next(p for n, p, _ in KEYS if n == name)
    owners = items_of(served.ws)
    context, b = as_partner(chromium, dashboard, served, name)
    try:
        b.goto("/?lang=en")
        settle_page(b)
        first = b.page.locator("main section.card").first
        assert first.get_attribute("id") == "yours"
        assert b.page.get_attribute("#yours-chart", "data-state") == "drawn"
        shown = re.findall(r"\(([a-z]{3}_\d{4})\)", b.page.inner_text("#yours-table"))
        assert shown and all(owners[i] == partner for i in shown), shown
        assert "your items" in b.page.inner_text("#yours-heading")
    finally:
        context.close()
