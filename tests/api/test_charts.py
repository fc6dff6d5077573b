"""Charts over HTTP: a released result's route answers with its chart (the spec the reports
embed) when asked for `application/vnd.plotly.v1+json`, drawn from the same released figures
as the JSON, in the reader's language."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from culturebridge.api._models import PLOTLY
from culturebridge.query import OTHER_PARTNERS, item_titles
from culturebridge.web import value_labels
from tests.api.conftest import Served, items_of

API = "/api/v1"


def fetch(
    client: TestClient, served: Served, who: str, path: str, *, lang: str = "en", **params: Any
) -> tuple[Any, Any]:
    """The JSON result and its chart, for one route and key."""
    auth = served.auth(who)
    data = client.get(API + path, params=params, headers=auth)
    assert data.status_code == 200, data.text
    fig = client.get(
        API + path, params=params, headers={**auth, "Accept": PLOTLY, "Accept-Language": lang}
    )
    assert fig.status_code == 200, fig.text
    assert fig.headers["content-type"].startswith(PLOTLY)
    return data.json(), fig.json()


def test_the_preferences_chart_draws_the_released_lifts(client: TestClient, served: Served) -> None:
    rows, fig = fetch(client, served, "platform", "/preferences", segment="gen_z", by="kind")
    (bars,) = fig["data"]
    names = value_labels("en")  # kinds as a reader says them: "documentary" -> "Documentary"
    shown = {names[r["value"]]: r["lift"] for r in rows["data"] if not r["suppressed"]}
    drawn = dict(zip(bars["y"], bars["x"], strict=True))
    assert drawn.keys() == shown.keys()
    for value, lift in drawn.items():
        assert lift == pytest.approx(shown[value], abs=1e-4)
    assert fig["layout"]["xaxis"]["title"]["text"].startswith("lift")


def test_charts_speak_the_readers_language(client: TestClient, served: Served) -> None:
    _, fig = fetch(
        client, served, "platform", "/preferences", lang="zh-CN", segment="gen_z", by="kind"
    )
    assert "游戏" in fig["data"][0]["y"] and "game" not in fig["data"][0]["y"]
    assert fig["layout"]["xaxis"]["title"]["text"].startswith("提升度")


@pytest.mark.parametrize(
    ("path", "params", "trace"),
    [
        ("/trends", {"by": "kind", "segment": "all", "top": 8}, "scatter"),
        ("/funnel", {"segment": "gen_z"}, "bar"),
        ("/reach", {"segment": "all"}, "bar"),
        ("/social/mentions", {}, "bar"),
        ("/fashion/trends", {"segment": "gen_z"}, "bar"),
    ],
)
def test_every_released_result_has_its_chart(
    client: TestClient, served: Served, path: str, params: dict[str, Any], trace: str
) -> None:
    _, fig = fetch(client, served, "platform", path, **params)
    assert fig["data"] and {t["type"] for t in fig["data"]} == {trace}


def test_a_partners_chart_shows_only_what_its_json_shows(
    client: TestClient, served: Served
) -> None:
    """The chart is drawn from the released result: no value the JSON hides appears in it."""
    result, fig = fetch(client, served, "albion", "/trends", by="item", segment="all")
    shown = {r["value"] for r in result["rows"] if not r["suppressed"]}
    owner = items_of(served.ws)
    assert all(n == OTHER_PARTNERS or owner[n] == "p_albion" for n in shown)
    # the chart names each item by its title (the id where the catalogue has none)
    titles = item_titles(served.ws, shown)
    named = {titles[v].title_en or titles[v].title_zh if v in titles else v for v in shown}
    names = {t["name"].removesuffix(" (forecast)") for t in fig["data"] if "name" in t}
    assert names and names <= named
    assert not names & (set(owner) - shown)  # no other item's id either


def test_an_item_audience_chart(client: TestClient, served: Served) -> None:
    item = served.truth["older_audience_item"]["item_id"]  # type: ignore[index]
    result, fig = fetch(client, served, "platform", f"/audiences/{item}")
    bands = {r["value"] for r in result["rows"] if r["dimension"] == "age_band"}
    assert set(fig["data"][0]["x"]) <= bands


def test_results_about_no_user_have_their_chart_too(client: TestClient, served: Served) -> None:
    """The leaderboard's chart plots each player at the rating that ranks them (μ − 2σ), with
    the mean μ marked, as its table lists them: the dots fall in the table's order."""
    board, fig = fetch(client, served, "platform", "/esports/leaderboard", top=5)
    dots, mean = fig["data"]
    ranked = [round(r["rating"] - 2 * r["sd"], 1) for r in board["data"][:20]]
    assert dots["x"] == ranked[::-1]  # bottom to top: the last of the board first
    assert sorted(mean["x"]) == sorted(round(r["rating"], 1) for r in board["data"][:20])
    _, fig = fetch(client, served, "platform", "/localise/check", lang="zh")
    assert fig["data"][0]["type"] == "bar" and "术语不一致" in fig["data"][0]["y"]
