"""The analyst's surface through the API: breakdowns by any dimension with the previous period,
CSV exports (audited), behavioural segments saved to the workspace, and saved insights."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import duckdb
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from culturebridge.privacy import AUDIT_LOG
from culturebridge.query import load_segments
from tests.api.conftest import Served, items_of
from tests.test_cli import invoke

AUGUST = {"period_from": "2026-08-03", "period_to": "2026-08-30"}


def _get(client: TestClient, served: Served, key: str, path: str, **params: str) -> dict:
    r = client.get("/api/v1" + path, params=params, headers=served.auth(key))
    assert r.status_code == 200, r.text
    out: dict = r.json()
    return out


def test_breakdown_equals_the_cli_for_the_same_range(client: TestClient, served: Served) -> None:
    api = _get(client, served, "platform", "/breakdown", by="channel", compare="previous", **AUGUST)
    code, out, err = invoke(
        "breakdown", served.ws.root, "--by", "channel", "--compare", "previous",
        "--period-from", AUGUST["period_from"], "--period-to", AUGUST["period_to"], "--json",
    )  # fmt: skip
    assert code == 0, err
    assert api["rows"] == json.loads(out)
    assert api["period_from"] == "2026-08-03" and api["previous_to"] == "2026-08-02"
    assert api["previous_from"] == "2026-07-06"  # 28 days before
    # another range gives other figures
    july = _get(
        client, served, "platform", "/breakdown", by="channel",
        period_from="2026-07-06", period_to="2026-08-02",
    )  # fmt: skip
    now = {r["value"]: r for r in api["rows"]}
    for r in july["rows"]:  # July's users are August's "previous users"
        assert now[r["value"]]["previous_users"] == r["users"]
        assert r["users"] != now[r["value"]]["users"]


@pytest.mark.parametrize(
    "by",
    ["kind", "genre", "partner", "item", "attributes.style", "channel", "type", "age_band",
     "city_tier", "province", "platform", "gender"],
)  # fmt: skip
def test_every_dimension_breaks_down(client: TestClient, served: Served, by: str) -> None:
    res = _get(client, served, "platform", "/breakdown", by=by, **AUGUST)
    shown = [r for r in res["rows"] if not r["suppressed"]]
    assert shown, by
    assert all(r["users"] >= res["scope"]["k"] for r in shown)
    if res["partition"]:  # user dimensions: every user in one value
        assert sum(r["users"] for r in res["rows"] if r["users"]) <= res["total_users"]
        assert len([r for r in res["rows"] if r["suppressed"]]) != 1  # complementary
    assert [r["users"] for r in shown] == sorted((r["users"] for r in shown), reverse=True)


def test_genre_within_one_kind(client: TestClient, served: Served) -> None:
    games = _get(client, served, "platform", "/breakdown", by="genre", kind="game", **AUGUST)
    films = _get(client, served, "platform", "/breakdown", by="genre", kind="film", **AUGUST)
    assert {r["value"] for r in games["rows"]} != {r["value"] for r in films["rows"]}
    assert games["kind"] == "game" and games["total_users"] < films["total_users"] * 5


def test_a_partner_breaks_down_its_own_items_only(client: TestClient, served: Served) -> None:
    owners = items_of(served.ws)
    res = _get(client, served, "albion", "/breakdown", by="item")
    named = {r["value"] for r in res["rows"]} - {"(other partners)"}
    assert named and all(owners[i] == "p_albion" for i in named)
    own = _get(client, served, "albion", "/breakdown", by="age_band", items_of="p_albion")
    assert own["items_of"] == "p_albion" and own["total_users"] < res["total_users"]
    r = client.get(
        "/api/v1/breakdown", params={"by": "age_band", "items_of": "p_lfc"},
        headers=served.auth("albion"),
    )  # fmt: skip
    assert r.status_code == 400 and "own items" in r.json()["detail"]
    bad = client.get("/api/v1/breakdown?by=chanel", headers=served.auth("albion"))
    assert bad.status_code == 400 and "channel" in bad.json()["detail"]


def test_csv_export_equals_the_json_and_is_audited(client: TestClient, served: Served) -> None:
    params = {"by": "age_band", "compare": "previous", **AUGUST}
    data = _get(client, served, "northlight", "/breakdown", **params)
    r = client.get(
        "/api/v1/breakdown",
        params={**params, "probe": "csv-export"},
        headers={**served.auth("northlight"), "Accept": "text/csv"},
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == len(data["rows"])
    for got, want in zip(rows, data["rows"], strict=True):
        for key, value in want.items():
            text = "" if value is None else str(value).lower() if isinstance(value, bool) else value
            assert got[key].lower() == str(text).lower() or float(got[key]) == value, key
    entries = [json.loads(x) for x in (served.ws.root / AUDIT_LOG).read_text().splitlines()]
    mine = [e for e in entries if e.get("channel") == "api" and "probe=csv-export" in e["query"]]
    assert mine and mine[-1]["export"] == "csv" and mine[-1]["partner"] == "p_northlight"
    png = client.get(
        "/api/v1/breakdown",
        params={**params, "probe": "png-export"},
        headers={
            **served.auth("northlight"),
            "Accept": "application/vnd.plotly.v1+json",
            "X-Export": "png",
        },
    )
    assert png.status_code == 200 and png.json()["data"]
    entries = [json.loads(x) for x in (served.ws.root / AUDIT_LOG).read_text().splitlines()]
    assert [e["export"] for e in entries if "probe=png-export" in (e.get("query") or "")] == ["png"]


@pytest.fixture
def cleanup(client: TestClient, served: Served) -> Iterator[list[tuple[str, str]]]:
    made: list[tuple[str, str]] = []  # (key, segment name)
    yield made
    for key, name in reversed(made):
        client.delete(f"/api/v1/segments/{name}", headers=served.auth(key))


def test_a_behavioural_segment_is_saved_listed_and_kept(
    client: TestClient, served: Served, cleanup: list[tuple[str, str]]
) -> None:
    body = {
        "name": "lfc_buyers_young",
        "description": "Bought from the council, under 35",
        "age_max": 34,
        "behaviour": [{"event_types": ["purchase"], "partners": ["p_lfc"]}],
    }
    r = client.post("/api/v1/segments", json=body, headers=served.auth("lfc"))
    assert r.status_code == 201, r.text
    cleanup.append(("lfc", "lfc_buyers_young"))
    size = r.json()
    assert size["saved"] and size["owner"] == "p_lfc" and size["users"] > 0
    assert "purchase event from p_lfc" in size["definition"]
    # the partner's list has it; another partner's does not; the CLI (the platform) does
    mine = _get(client, served, "lfc", "/segments")["data"]
    assert "lfc_buyers_young" in {s["name"] for s in mine}
    theirs = _get(client, served, "albion", "/segments")["data"]
    assert "lfc_buyers_young" not in {s["name"] for s in theirs}
    code, out, err = invoke("segments", served.ws.root, "--json")
    assert code == 0, err
    listed = {s["name"]: s for s in json.loads(out)}
    assert listed["lfc_buyers_young"]["users"] == size["users"]
    # kept in the workspace: a fresh load (a restart) finds it
    assert load_segments(served.ws)["lfc_buyers_young"].owner == "p_lfc"
    # usable at once in an analysis by its owner, refused to another partner
    prefs = client.get(
        "/api/v1/preferences?segment=lfc_buyers_young&by=kind", headers=served.auth("lfc")
    )
    assert prefs.status_code == 200, prefs.text
    other = client.get(
        "/api/v1/preferences?segment=lfc_buyers_young&by=kind", headers=served.auth("albion")
    )
    assert other.status_code == 400 and "unknown segment" in other.json()["detail"]
    # OR: either of two saved segments is at least as big as each
    r = client.post(
        "/api/v1/segments",
        json={"name": "gen_z_or_lfc", "any_of": ["gen_z", "lfc_buyers_young"]},
        headers=served.auth("lfc"),
    )
    assert r.status_code == 201, r.text
    cleanup.append(("lfc", "gen_z_or_lfc"))
    sizes = {s["name"]: s["users"] for s in _get(client, served, "lfc", "/segments")["data"]}
    assert sizes["gen_z_or_lfc"] >= max(sizes["gen_z"], sizes["lfc_buyers_young"])
    assert sizes["gen_z_or_lfc"] <= sizes["gen_z"] + sizes["lfc_buyers_young"]


def test_segment_saving_refuses_what_it_must(client: TestClient, served: Served) -> None:
    def post(key: str, body: dict) -> str:
        r = client.post("/api/v1/segments", json=body, headers=served.auth(key))
        assert r.status_code in (400, 422), r.text
        detail = r.json()["detail"]
        return detail if isinstance(detail, str) else json.dumps(detail)

    assert "built-in" in post("lfc", {"name": "gen_z", "age_min": 18})
    foreign = {
        "name": "x_buyers",
        "behaviour": [{"event_types": ["purchase"], "partners": ["p_albion"]}],
    }
    assert "own items" in post("lfc", foreign)
    assert "unknown segment" in post("lfc", {"name": "x_or", "any_of": ["no_such"]})
    assert "lower-case" in post("lfc", {"name": "Bad Name"})
    assert client.delete("/api/v1/segments/gen_z", headers=served.auth("lfc")).status_code == 400


def test_insights_are_saved_per_partner(client: TestClient, served: Served) -> None:
    body = {"name": "Channels this month", "query": {"by": "channel", "compare": "previous"}}
    r = client.post("/api/v1/insights", json=body, headers=served.auth("aurelia"))
    assert r.status_code == 201, r.text
    saved = r.json()
    try:
        mine = client.get("/api/v1/insights", headers=served.auth("aurelia")).json()
        assert [i["id"] for i in mine if i["name"] == "Channels this month"] == [saved["id"]]
        theirs = client.get("/api/v1/insights", headers=served.auth("albion")).json()
        assert saved["id"] not in {i["id"] for i in theirs}
        bad = client.post(
            "/api/v1/insights",
            json={"name": "x", "query": {"by": "kind", "evil": "1"}},
            headers=served.auth("aurelia"),
        )
        assert bad.status_code == 422
    finally:
        gone = client.delete(f"/api/v1/insights/{saved['id']}", headers=served.auth("aurelia"))
        assert gone.status_code == 204


def _events(served: Served, first: str, last: str) -> pd.DataFrame:
    con = duckdb.connect(str(served.ws.warehouse_path), read_only=True)
    try:
        return con.sql(
            "select e.user_id, e.ts, e.type, i.kind from events e left join items i using (item_id)"
        ).df()
    finally:
        con.close()


def test_a_funnel_of_chosen_steps_matches_a_direct_count(
    client: TestClient, served: Served
) -> None:
    """play on a game, then a purchase within 3 days of that first play: counted here with
    pandas, there by the engine; the CLI and the API agree."""
    first, last = "2026-08-03", "2026-08-30"
    ev = _events(served, first, last)
    in_period = ev[(ev.ts >= first) & (ev.ts < "2026-08-31")]
    plays = in_period[(in_period.type == "play") & (in_period.kind == "game")]
    t0 = plays.groupby("user_id").ts.min()
    buys = ev[ev.type == "purchase"].merge(t0.rename("t0"), left_on="user_id", right_index=True)
    buys = buys[(buys.ts > buys.t0) & (buys.ts <= buys.t0 + pd.Timedelta(days=3))]
    params = [("step", "play:game"), ("step", "purchase"), ("window_days", "3"),
              ("period_from", first), ("period_to", last)]  # fmt: skip
    r = client.get("/api/v1/funnel/steps", params=params, headers=served.auth("platform"))
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert [x["users"] for x in rows] == [t0.size, buys.user_id.nunique()]
    assert rows[1]["rate_from_previous_ci_low"] < rows[1]["rate_from_previous"]
    code, out, err = invoke(
        "funnel", served.ws.root, "--step", "play:game", "--step", "purchase", "--window", "3",
        "--period-from", first, "--period-to", last, "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out) == rows
    bad = client.get("/api/v1/funnel/steps?step=view&step=buy", headers=served.auth("platform"))
    assert bad.status_code == 400 and "unknown event type 'buy'" in bad.json()["detail"]


def test_stickiness_and_active_users_match_a_direct_count(
    client: TestClient, served: Served
) -> None:
    res = _get(client, served, "platform", "/stickiness")
    ev = _events(served, "", "")
    days = ev.assign(day=ev.ts.dt.normalize())[["user_id", "day"]].drop_duplicates()
    week = days.day - pd.to_timedelta(days.day.dt.weekday, unit="D")
    per_week = days.assign(week=week).groupby(["user_id", "week"]).size()
    counts = per_week.value_counts()
    assert [r["users"] for r in res["rows"]] == [int(counts.get(n, 0)) for n in range(1, 8)]
    last = days.day.max()
    assert res["as_of"] == str(last.date())
    assert res["dau"] == days[days.day == last].user_id.nunique()
    assert res["mau"] == days[days.day > last - pd.Timedelta(days=30)].user_id.nunique()
    assert res["dau"] <= res["wau"] <= res["mau"] and 0 < res["dau_mau"] < 1


def test_paths_count_each_users_next_event(client: TestClient, served: Served) -> None:
    res = _get(client, served, "platform", "/paths", after="play:film", within_hours="24")
    shown = [r for r in res["rows"] if not r["suppressed"]]
    assert shown and all(r["users"] <= res["users"] for r in shown)
    assert shown[0]["users"] >= shown[-1]["users"]
    assert res["no_next_users"] < res["users"]
    code, out, err = invoke("paths", served.ws.root, "--after", "play:film", "--json")
    assert code == 0, err
    assert json.loads(out) == res["rows"]


def test_an_alert_drills_down_to_the_words_of_its_posts(client: TestClient, served: Served) -> None:
    """The demo's planted week of complaints about 《泰晤士神探》: its 323 posts, and the words
    they over-used are the planted complaints' words."""
    spike = served.truth["sentiment_spike"]
    alerts = _get(client, served, "platform", "/social/alerts")["alerts"]
    alert = next(x for x in alerts if x["item_id"] == spike["item_id"])
    res = _get(
        client, served, "platform", f"/social/alerts/{alert['item_id']}/terms",
        period_start=alert["period_start"],
    )  # fmt: skip
    assert res["posts"] == spike["observed"]["posts_in_week"]
    assert abs(res["negative_share"] - spike["negative_share_in_week"]) < 0.1
    top = [t["term"] for t in res["terms"] if not t["suppressed"]][:5]
    assert top and all(any(t in m for m in spike["negative_markers"]) for t in top), top
    assert all(t["authors"] is None or t["authors"] >= 10 for t in res["terms"])
    # another partner's item is not visible to a partner's key
    r = client.get(
        f"/api/v1/social/alerts/{alert['item_id']}/terms",
        params={"period_start": alert["period_start"]},
        headers=served.auth("lfc"),
    )
    assert r.status_code == 404


def test_genres_within_one_kind(client: TestClient, served: Served) -> None:
    games = _get(
        client, served, "platform", "/preferences", segment="teens", by="genre", kind="game"
    )
    values = {r["value"] for r in games["data"]}
    assert values and values <= {"strategy", "rpg", "puzzle", "racing", "simulation", "moba",
                                 "card", "sport", "adventure", "esports"}  # fmt: skip
    trends = _get(client, served, "platform", "/trends", by="genre", kind="fashion")
    assert {r["value"] for r in trends["rows"]} & {"streetwear", "guochao", "vintage"}
    bad = client.get("/api/v1/preferences?segment=teens&by=genre&kind=films",
                     headers=served.auth("platform"))  # fmt: skip
    assert bad.status_code == 400 and "unknown kind" in bad.json()["detail"]


@pytest.mark.parametrize(
    "behaviour",
    [
        {"event_types": ["play"], "within_days": 10**12},
        {"event_types": ["play"], "min_events": 2**63},
        {"event_types": ["play"], "within_days": 0},
    ],
)
def test_out_of_range_behaviour_is_a_4xx_not_a_500(
    client: TestClient, served: Served, behaviour: dict[str, Any]
) -> None:
    for path in ("/api/v1/segments/preview", "/api/v1/segments"):
        body = {"name": "too_big", "behaviour": [behaviour]}
        r = client.post(path, json=body, headers=served.auth("lfc"))
        assert r.status_code == 422, (path, r.status_code, r.text[:200])
