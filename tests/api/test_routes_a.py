"""Segments, analytics, recommendations, campaigns, e-sports and ingest over HTTP: the answers
planted in the demo come back through the API exactly as through the library and the CLI, and
a partner's key never sees another partner's item-level results."""

from __future__ import annotations

import json
import math
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from culturebridge.api import KeyStore, create_app
from culturebridge.api._models import Rows
from culturebridge.api.routes.recommend import SimilarItem
from culturebridge.config import get_settings
from culturebridge.query import OTHER_PARTNERS
from culturebridge.workspace import Workspace
from tests.api.conftest import Served, campaigns_of, items_of
from tests.test_cli import invoke

API = "/api/v1"
ROOT = Path(__file__).resolve().parents[2]


def same(api: Any, cli: Any, path: str = "") -> None:
    """Equal JSON, floats to 1e-9 relative (DuckDB may sum in another order each run)."""
    if isinstance(cli, float) or isinstance(api, float):
        assert api is not None and cli is not None, path
        assert math.isclose(api, cli, rel_tol=1e-9, abs_tol=1e-12), (path, api, cli)
    elif isinstance(cli, dict):
        assert isinstance(api, dict) and set(api) == set(cli), (path, set(api) ^ set(cli))
        for k in cli:
            same(api[k], cli[k], f"{path}.{k}")
    elif isinstance(cli, list):
        assert isinstance(api, list) and len(api) == len(cli), path
        for i, (a, c) in enumerate(zip(api, cli, strict=True)):
            same(a, c, f"{path}[{i}]")
    else:
        assert api == cli, (path, api, cli)


def cli_json(*args: object) -> Any:
    code, out, err = invoke(*args)
    assert code == 0, err
    return json.loads(out)


def get(client: TestClient, served: Served, who: str, path: str, **params: Any) -> Any:
    r = client.get(API + path, params=params, headers=served.auth(who))
    assert r.status_code == 200, r.text
    return r.json()


def planted(served: Served) -> dict[str, Any]:
    prefs: list[dict[str, Any]] = served.truth["segment_preferences"]  # type: ignore[assignment]
    return next(p for p in prefs if p["segment"]["city_tier"] == [1])


# ---------------------------------------------------------------------------- segments


def test_segments_list_sizes(client: TestClient, served: Served) -> None:
    body = get(client, served, "albion", "/segments")
    sizes = {s["name"]: s for s in body["data"]}
    assert body["count"] == len(body["data"]) and body["privacy"]
    assert sizes["all"]["users"] > 0
    assert sizes["all"]["share_of_users"] == 1.0
    assert sizes["gen_z_tier1"]["definition"] == "age 18-24; city tier 1"
    cli = cli_json("segments", served.ws.root, "--json")
    same(body["data"], cli)


def test_preview_finds_the_planted_preference(client: TestClient, served: Served) -> None:
    p = planted(served)
    seg = p["segment"]
    body = {
        "name": "planted",
        "age_min": seg["age_min"],
        "age_max": seg["age_max"],
        "city_tiers": seg["city_tier"],
        "by": p["dimension"],
        "top": 3,
    }
    # the platform's analysts get exact figures
    r = client.post(f"{API}/segments/preview", json=body, headers=served.auth("platform"))
    assert r.status_code == 200, r.text
    out = r.json()
    sizes = {s["name"]: s for s in get(client, served, "platform", "/segments")["data"]}
    assert out["users"] == sizes["gen_z_tier1"]["users"]  # the same users as the built-in
    assert out["description"] == "age 18-24; city tier 1"
    assert len(out["preferences"]) == 3 and out["count"] >= 3
    top = out["preferences"][0]
    assert top["value"] == p["value"] and top["significant"] and top["ci_low"] > 1.0
    assert top["segment_share"] == pytest.approx(p["expected_share_in_segment"], abs=0.02)
    # a partner's ad-hoc question is always noised, consistently: the same users, however
    # worded and named, get the same answer
    partner = client.post(f"{API}/segments/preview", json=body, headers=served.auth("lfc"))
    assert partner.status_code == 200, partner.text
    noisy = partner.json()
    assert abs(noisy["users"] - out["users"]) <= 40
    assert any("noised" in note for note in noisy["privacy"])
    reworded = {**body, "name": "renamed", "age_min": seg["age_min"], "top": 5}
    again = client.post(f"{API}/segments/preview", json=reworded, headers=served.auth("lfc"))
    assert again.status_code == 200, again.text
    assert again.json()["users"] == noisy["users"]
    assert again.json()["preferences"][:3] == noisy["preferences"]


def test_preview_of_a_tiny_segment_is_suppressed_not_an_error(
    client: TestClient, served: Served
) -> None:
    body = {"age_min": 150, "genders": ["female"], "behaviour": [{"event_types": ["purchase"]}]}
    r = client.post(f"{API}/segments/preview", json=body, headers=served.auth("platform"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["users"] is None and out["suppressed"] and out["preferences"] == []
    assert "below k" in out["privacy"][0]
    # a partner's preview is noised: an empty segment may come out at k or more (about one
    # time in twenty at the defaults; the noise is keyed by the workspace's random secret),
    # since an exact "fewer than k" would be the oracle the noise closes; never an error
    r = client.post(f"{API}/segments/preview", json=body, headers=served.auth("albion"))
    assert r.status_code == 200, r.text
    out = r.json()
    k = served.ws.config.privacy.k
    assert (out["users"] is None and out["suppressed"]) or out["users"] >= k


@pytest.mark.parametrize(
    ("body", "code", "words"),
    [
        ({"genders": ["robot"]}, 422, "unknown gender"),
        ({"age_min": 40, "age_max": 20}, 422, "age_min"),
        ({"city_tiers": [9]}, 422, ""),
        ({"name": "Bad Name"}, 422, "lower-case"),
        ({"nonsense": 1}, 422, ""),
        ({"name": "all"}, 400, "taken"),
        ({"all_of": ["nope"]}, 400, "unknown segment"),
        ({"by": "colour_of_sky"}, 400, "unknown dimension"),
        ({"top": 0}, 422, ""),
    ],
)
def test_preview_rejects_bad_definitions(
    client: TestClient, served: Served, body: dict[str, Any], code: int, words: str
) -> None:
    r = client.post(f"{API}/segments/preview", json=body, headers=served.auth("albion"))
    assert r.status_code == code, r.text
    assert words in r.text


# ---------------------------------------------------------------------------- preferences


def test_preferences_are_the_cli_rows(client: TestClient, served: Served) -> None:
    p = planted(served)
    body = get(
        client,
        served,
        "platform",
        "/preferences",
        segment="gen_z_tier1",
        by=p["dimension"],
        top=1000,
    )
    assert body["data"][0]["value"] == p["value"] and body["data"][0]["significant"]
    assert body["count"] == len(body["data"])
    assert body["scope"]["partner"] is None and body["privacy"]
    cli = cli_json(
        "prefs", served.ws.root, "--segment", "gen_z_tier1", "--by", p["dimension"], "--json"
    )
    same(body["data"], cli)
    short = get(client, served, "platform", "/preferences", segment="gen_z_tier1", by="kind", top=2)
    assert len(short["data"]) == 2 and short["count"] > 2


def test_a_partner_sees_its_own_items_and_no_other(client: TestClient, served: Served) -> None:
    owners = items_of(served.ws)
    body = get(client, served, "albion", "/preferences", segment="gen_z", by="item", top=1000)
    values = {r["value"] for r in body["data"]}
    assert values <= {i for i, p in owners.items() if p == "p_albion"} | {OTHER_PARTNERS}
    assert OTHER_PARTNERS in values and len(values) > 1
    assert body["scope"]["partner"] == "p_albion"
    cli = cli_json(
        "prefs", served.ws.root, "-s", "gen_z", "--by", "item", "--partner", "p_albion", "--json"
    )
    same(body["data"], cli)
    by_partner = get(client, served, "albion", "/preferences", segment="gen_z", by="partner")
    assert {r["value"] for r in by_partner["data"]} <= {"p_albion", OTHER_PARTNERS}
    everyone = get(client, served, "platform", "/preferences", segment="gen_z", by="item", top=1000)
    partners = {owners.get(r["value"]) for r in everyone["data"]}
    assert len(partners - {None}) > 2 and OTHER_PARTNERS not in {
        r["value"] for r in everyone["data"]
    }


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"segment": "nobody", "by": "kind"}, 400),
        ({"segment": "gen_z", "by": "weird'; drop table"}, 400),
        ({"segment": "gen_z", "by": "attributes."}, 400),
        ({"segment": "gen_z", "by": "kind", "vs": "gen_z"}, 400),
        ({"segment": "gen_z", "by": "kind", "top": 0}, 422),
        ({"segment": "gen_z", "by": "kind", "top": 10**9}, 422),
        ({"segment": "gen_z", "by": "kind", "period_from": "yesterday"}, 422),
        ({"segment": "gen_z", "by": "kind", "period_to": "9999-12-31"}, 400),
        ({"segment": "gen_z", "by": "kind", "period_from": "2026-06-01",
          "period_to": "2026-05-01"}, 400),
        ({"by": "kind"}, 422),
    ],
)  # fmt: skip
def test_bad_preference_queries_are_4xx(
    client: TestClient, served: Served, params: dict[str, Any], code: int
) -> None:
    r = client.get(f"{API}/preferences", params=params, headers=served.auth("platform"))
    assert r.status_code == code, r.text


def test_trends_and_funnel_are_the_cli_results(client: TestClient, served: Served) -> None:
    trend = served.truth["trends"][0]  # type: ignore[index]
    body = get(client, served, "platform", "/trends", by=trend["dimension"], period="week")
    row = next(r for r in body["rows"] if r["value"] == trend["value"])
    assert row["significant"] and row["direction"] == trend["direction"]
    cli = cli_json("trends", served.ws.root, "--by", trend["dimension"], "--json")
    same(body["rows"], cli)
    assert len(get(client, served, "platform", "/trends", by="kind", top=1)["rows"]) == 1
    bad = client.get(f"{API}/trends?by=kind&period=year", headers=served.auth("platform"))
    assert bad.status_code == 422

    funnel = get(client, served, "northlight", "/funnel")
    assert funnel["stages"] == ["impression", "view", "engage", "purchase"]
    same(funnel["rows"], cli_json("funnel", served.ws.root, "--partner", "p_northlight", "--json"))


def test_audience_of_own_items_only(client: TestClient, served: Served) -> None:
    owners = items_of(served.ws)
    older = served.truth["older_audience_item"]["item_id"]  # type: ignore[index]
    owner = owners[older]
    mine = next(
        n for n, p in [("albion", "p_albion"), ("northlight", "p_northlight")] if p == owner
    )
    other = "lfc" if owner != "p_lfc" else "albion"
    body = get(client, served, mine, f"/audiences/{older}")
    assert body["item_id"] == older and body["partner_id"] == owner
    ages = [r for r in body["rows"] if r["dimension"] == "age_band" and r["lift"] is not None]
    best = max(ages, key=lambda r: r["lift"])
    assert best["value"] in ("45-54", "55-64", "55-65", "45+", "55+"), best
    same(body["rows"], cli_json("audience", served.ws.root, "--item", older, "--json"))
    assert get(client, served, "platform", f"/audiences/{older}")["item_id"] == older
    for who, item in [(other, older), ("platform", "no_such_item"), (mine, "no_such_item")]:
        r = client.get(f"{API}/audiences/{item}", headers=served.auth(who))
        assert r.status_code == 404, (who, item, r.text)


# ---------------------------------------------------------------------------- recommendations


def test_similar_items_are_the_models_within_the_callers_scope(
    client: TestClient, served: Served
) -> None:
    owners = items_of(served.ws)
    model = served.ws.root / "models" / "default"
    albion = sorted(i for i, p in owners.items() if p == "p_albion")
    item = albion[0]
    body = get(client, served, "platform", f"/recommendations/similar/{item}", n=10)
    cli = cli_json("recommend", "similar", "--model-dir", model, "--item", item, "--json")
    assert [r["item_id"] for r in body["data"]] == [r["item_id"] for r in cli]
    assert [r["title_en"] for r in body["data"]] == [r["title_en"] for r in cli]
    assert [r["score"] for r in body["data"]] == pytest.approx([r["score"] for r in cli], abs=1e-6)
    # the table names items by title, with the id beside it
    code, table, err = invoke("recommend", "similar", "--model-dir", model, "--item", item)
    assert code == 0, err
    first = body["data"][0]
    assert f"({first['item_id']})" in table and first["title_en"][:12] in table
    assert body["count"] == 10 and body["data"][0]["title_en"]
    assert Rows[SimilarItem].model_validate(body).count == 10  # the documented model
    assert {owners[r["item_id"]] for r in body["data"]} != {"p_albion"}  # others' items too

    own = get(client, served, "albion", f"/recommendations/similar/{item}", n=50)
    assert own["data"] and {owners[r["item_id"]] for r in own["data"]} == {"p_albion"}
    assert item not in {r["item_id"] for r in own["data"]}
    scores = [r["score"] for r in own["data"]]
    assert scores == sorted(scores, reverse=True)
    # the partner's list is the model's ranking restricted to its own items
    full = cli_json("recommend", "similar", "--model-dir", model, "--item", item, "--n", "1000",
                    "--json")  # fmt: skip
    assert [r["item_id"] for r in own["data"]] == [
        r["item_id"] for r in full if owners.get(r["item_id"]) == "p_albion"
    ][:50]

    other = next(i for i, p in owners.items() if p == "p_lfc")
    for who, it in [("albion", other), ("albion", "no_such_item"), ("platform", "no_such_item")]:
        r = client.get(f"{API}/recommendations/similar/{it}", headers=served.auth(who))
        assert r.status_code == 404, r.text
    for n in (0, 101, -1):
        r = client.get(f"{API}/recommendations/similar/{item}?n={n}", headers=served.auth("albion"))
        assert r.status_code == 422


def test_similar_items_without_a_model_is_409(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    key = KeyStore(ws).create(partner="platform", scope="read").key
    with TestClient(create_app(ws.root)) as c:
        r = c.get(f"{API}/recommendations/similar/x", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 409 and "recommend fit" in r.json()["detail"]


def test_audience_plan_for_a_proposed_title(client: TestClient, served: Served) -> None:
    spec = tomllib.loads((ROOT / "examples" / "proposed_title.toml").read_text("utf-8"))
    r = client.post(
        f"{API}/recommendations/audience",
        json={**spec, "neighbours": 5},
        headers=served.auth("northlight"),
    )
    assert r.status_code == 200, r.text
    plan = r.json()
    owners = items_of(served.ws)
    assert plan["owner"] == "p_northlight" and len(plan["neighbours"]) == 5
    for n in plan["neighbours"]:  # another partner's neighbour is not named
        assert n["item_id"] is None or owners[n["item_id"]] == "p_northlight"
    assert plan["segments"] and plan["scope"]["partner"] == "p_northlight"
    bad = client.post(
        f"{API}/recommendations/audience",
        json={**spec, "partner": "p_albion"},
        headers=served.auth("northlight"),
    )
    assert bad.status_code == 400 and "partner" in bad.json()["detail"]
    r = client.post(
        f"{API}/recommendations/audience",
        json={"kind": "spaceship"},
        headers=served.auth("northlight"),
    )
    assert r.status_code == 422


# ---------------------------------------------------------------------------- campaigns


def test_campaigns_are_listed_per_partner(client: TestClient, served: Served) -> None:
    everything = campaigns_of(served.ws)
    every = get(client, served, "platform", "/campaigns")
    assert {c["campaign_id"] for c in every["data"]} == set(everything)
    brit = get(client, served, "britannia", "/campaigns")
    truth = served.truth["campaign"]
    assert [c["campaign_id"] for c in brit["data"]] == [truth["campaign_id"]]  # type: ignore[index]
    assert brit["data"][0]["assigned_users"] == truth["assigned"]  # type: ignore[index]
    assert brit["data"][0]["arms"] == ["control", "treatment"]
    albion = get(client, served, "albion", "/campaigns")
    assert all(c["partner_id"] == "p_albion" for c in albion["data"])


def test_campaign_report_finds_the_planted_segment(client: TestClient, served: Served) -> None:
    truth: dict[str, Any] = served.truth["campaign"]  # type: ignore[assignment]
    cid = truth["campaign_id"]
    band = f"{truth['uplift_segment']['age_min']}-{truth['uplift_segment']['age_max']}"
    rep = get(client, served, "britannia", f"/campaigns/{cid}/report")
    ages = [
        s
        for s in rep["analysis"]["segments"]
        if s["metric"] == "conversion" and s["dimension"] == "age_band" and not s["suppressed"]
    ]
    assert ages and {s["segment"] for s in ages if s["significant"]} == {band}
    hit = next(s for s in ages if s["segment"] == band)
    assert hit["ci_low"] <= truth["uplift_in_segment"] <= hit["ci_high"]
    cli = cli_json("campaign", "report", served.ws.root, "--campaign", cid, "--json")
    # the API names the workspace, where the CLI gives its path: nothing else may differ
    assert (rep["source"], cli["source"]) == (served.ws.config.name, str(served.ws.root))
    same({**rep, "source": None}, {**cli, "source": None})
    seq = get(client, served, "platform", f"/campaigns/{cid}/report", sequential=True,
              correction="bh")  # fmt: skip
    assert seq["analysis"]["settings"]["sequential"]
    for who, c in [("albion", cid), ("britannia", "nope"), ("platform", "nope")]:
        r = client.get(f"{API}/campaigns/{c}/report", headers=served.auth(who))
        assert r.status_code == 404 and cid not in r.text
    r = client.get(f"{API}/campaigns/{cid}/report?correction=none", headers=served.auth("platform"))
    assert r.status_code == 422


# ---------------------------------------------------------------------------- e-sports


def test_esports_games_and_leaderboard(client: TestClient, served: Served) -> None:
    games = get(client, served, "albion", "/esports/games")["data"]
    assert games and all(g["matches"] > 0 and g["players"] > 0 for g in games)
    board = get(client, served, "albion", "/esports/leaderboard", top=5)
    same(board["data"], cli_json("esports", "leaderboard", served.ws.root, "--top", "5", "--json"))
    first = games[0]["game"]
    one = get(client, served, "albion", "/esports/leaderboard", game=first, top=3)["data"]
    assert [r["rank"] for r in one] == [1, 2, 3] and {r["game"] for r in one} == {first}
    r = client.get(f"{API}/esports/leaderboard?game=Chess", headers=served.auth("albion"))
    assert r.status_code == 400 and "no matches of game" in r.text


def test_esports_predict_and_balance(client: TestClient, served: Served) -> None:
    game = get(client, served, "platform", "/esports/games")["data"][0]["game"]
    board = get(client, served, "platform", "/esports/leaderboard", game=game, top=4)["data"]
    names = [r["name"] for r in board]
    h = served.auth("platform")
    even = client.post(
        f"{API}/esports/predict", json={"game": game, "teams": [["new_a"], ["new_b"]]}, headers=h
    ).json()
    assert even["win"][0] == pytest.approx(even["win"][1])
    assert sum(even["win"]) + even["draw"] == pytest.approx(1.0, abs=1e-3)
    assert even["newcomers"] == ["new_a", "new_b"]
    if even["draw"] == 0:
        assert even["win"][0] == pytest.approx(0.5)
    strong = client.post(
        f"{API}/esports/predict", json={"game": game, "teams": [[names[0]], ["new_b"]]}, headers=h
    ).json()
    assert strong["win"][0] > strong["win"][1]
    # a misspelt handle is still a newcomer, but the answer names who it may have meant
    typo = names[0][:-1] + ("x" if names[0][-1] != "x" else "y")
    guess = client.post(
        f"{API}/esports/predict", json={"game": game, "teams": [[typo], ["new_b"]]}, headers=h
    ).json()
    assert guess["newcomers"] == [typo, "new_b"]
    assert names[0] in guess["did_you_mean"][typo] and "new_b" not in guess["did_you_mean"]
    code, _, err = invoke("esports", "odds", served.ws.root, "--game", game, "--team", typo,
                          "--team", "new_b")  # fmt: skip
    assert code == 0 and f"did you mean {names[0]}" in err.replace("\n", " ")
    cli = cli_json("esports", "odds", served.ws.root, "--game", game, "--team", names[0],
                   "--team", "new_b", "--json")  # fmt: skip
    assert strong["win"] == cli["win"] and strong["draw"] == cli["draw"]
    split = client.post(
        f"{API}/esports/balance", json={"game": game, "players": names, "teams": 2}, headers=h
    ).json()
    assert sorted(p for t in split["teams"] for p in t) == sorted(names)
    assert split["imbalance"] >= 0 and set(split["ratings"]) == set(names)
    for path, body in [
        ("predict", {"game": game, "teams": [["a"]]}),
        ("predict", {"game": game, "teams": [["a"], []]}),
        ("predict", {"game": game, "teams": [["a"], ["a"]]}),
        ("balance", {"game": game, "players": ["a", "a", "b"]}),
        ("balance", {"game": game, "players": ["a", "b"], "teams": 3}),
        ("balance", {"game": game, "players": ["a", "b"], "teams": 1}),
        ("predict", {"game": "Chess", "teams": [["a"], ["b"]]}),
    ]:
        r = client.post(f"{API}/esports/{path}", json=body, headers=h)
        assert r.status_code in (400, 422), (path, body, r.text)


# ---------------------------------------------------------------------------- ingest

ITEMS_CSV = (
    "item_id,partner_id,kind,title_en\n"
    "it_1,p_x,film,One\n"
    "it_2,p_x,series,Two\n"
    "it_3,p_x,spaceship,Bad kind\n"
    "it_1,p_x,film,One\n"
)


def test_ingest_needs_an_admin_key_and_counts_add_up(tmp_path: Path, served: Served) -> None:
    r = TestClient(create_app(served.ws.root)).post(
        f"{API}/ingest/items",
        files={"file": ("items.csv", ITEMS_CSV.encode(), "text/csv")},
        headers=served.auth("albion"),
    )
    assert r.status_code == 403

    ws = Workspace.create(tmp_path / "ws")
    store = KeyStore(ws)
    admin = {"Authorization": f"Bearer {store.create(partner='platform', scope='admin').key}"}
    with TestClient(create_app(ws.root)) as c:
        before = c.get(f"{API}/status", headers=admin).json()["version"]
        r = c.post(
            f"{API}/ingest/items",
            files={"file": ("items.csv", ITEMS_CSV.encode(), "text/csv")},
            headers=admin,
        )
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["read"] == out["accepted"] + out["rejected"] + out["duplicates"] == 4
        assert (out["accepted"], out["rejected"], out["duplicates"]) == (2, 1, 1)
        assert out["files"][0]["file"] == "items.csv" and out["rejects_file"]
        assert (ws.root / out["rejects_file"]).exists()
        assert c.get(f"{API}/status", headers=admin).json()["version"] > before
        assert set(items_of(ws)) == {"it_1", "it_2"}
        r = c.post(
            f"{API}/ingest/nonsense",
            files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")},
            headers=admin,
        )
        assert r.status_code == 400 and "unknown table" in r.json()["detail"]
        for name, data in [("x.csv", b""), ("x.parquet", b"not parquet at all")]:
            r = c.post(f"{API}/ingest/items", files={"file": (name, data)}, headers=admin)
            assert r.status_code == 400, r.text
        assert c.post(f"{API}/ingest/items", headers=admin).status_code == 422


def test_an_ingest_that_adds_nothing_keeps_the_cache(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "ws")
    admin = {
        "Authorization": f"Bearer {KeyStore(ws).create(partner='platform', scope='admin').key}"
    }
    upload = {"file": ("items.csv", ITEMS_CSV.encode(), "text/csv")}
    with TestClient(create_app(ws.root)) as c:
        assert c.post(f"{API}/ingest/items", files=upload, headers=admin).status_code == 200
        cache = c.app.state.cb.cache  # type: ignore[attr-defined]
        c.get(f"{API}/partners", headers=admin)
        c.get(f"{API}/segments", headers=admin)
        computed = cache.computed
        version = c.get(f"{API}/status", headers=admin).json()["version"]
        again = c.post(f"{API}/ingest/items", files=upload, headers=admin).json()
        assert again["accepted"] == 0  # all duplicates (and the same reject)
        c.get(f"{API}/segments", headers=admin)
        assert cache.computed == computed + 1  # status again; segments still cached
        assert c.get(f"{API}/status", headers=admin).json()["version"] == version + 1
        more = ITEMS_CSV.replace("it_1", "it_9").encode()
        r = c.post(f"{API}/ingest/items", files={"file": ("m.csv", more)}, headers=admin)
        assert r.json()["accepted"] == 1
        c.get(f"{API}/segments", headers=admin)
        assert cache.computed == computed + 3  # new data: computed afresh


def test_an_ingest_refreshes_only_the_results_that_read_its_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CULTUREBRIDGE_INGEST__WARM_CACHES", "true")  # off in other tests
    get_settings.cache_clear()
    ws = Workspace.create(tmp_path / "ws")
    admin = {
        "Authorization": f"Bearer {KeyStore(ws).create(partner='platform', scope='admin').key}"
    }
    upload = {"file": ("items.csv", ITEMS_CSV.encode(), "text/csv")}
    posts = b"post_id,ts,user_id,text\npo_1,2026-03-02T10:00:00Z,u_1,new hoodie\n"
    with TestClient(create_app(ws.root)) as c:
        assert c.post(f"{API}/ingest/items", files=upload, headers=admin).status_code == 200
        cache = c.app.state.cb.cache  # type: ignore[attr-defined]
        c.get(f"{API}/segments", headers=admin)  # reads users, items, events, partners
        computed = cache.computed
        r = c.post(f"{API}/ingest/posts", files={"file": ("p.csv", posts)}, headers=admin)
        assert r.json()["accepted"] == 1
        answers = c.app.state.cb.answers  # type: ignore[attr-defined]
        sent = answers.hits
        c.get(f"{API}/segments", headers=admin)
        assert cache.computed == computed  # posts are not what segments read: still cached
        assert answers.hits == sent + 1  # and its bytes sent again as they were
        tags = ws.root / "cache" / "text_tags.npz"  # filled in the background after the ingest
        deadline = time.monotonic() + 120
        while not tags.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert tags.exists(), "the post tags were not cached after the ingest"
        more = ITEMS_CSV.replace("it_1", "it_9").encode()
        r = c.post(f"{API}/ingest/items", files={"file": ("m.csv", more)}, headers=admin)
        assert r.json()["accepted"] == 1
        c.get(f"{API}/segments", headers=admin)
        assert cache.computed == computed + 1  # items are: computed afresh
        assert answers.hits == sent + 1


def test_reach_and_retention_are_the_cli_results(client: TestClient, served: Served) -> None:
    body = get(client, served, "albion", "/reach", segment="gen_z", period="month")
    assert body["period"] == "month" and body["rows"]
    cli = cli_json("reach", served.ws.root, "-s", "gen_z", "--period", "month", "--json")
    same(body["rows"], cli)
    body = get(client, served, "platform", "/retention", weeks=4)
    assert body["weeks"] == 4 and {r["week_offset"] for r in body["rows"]} <= set(range(5))
    same(body["rows"], cli_json("retention", served.ws.root, "--weeks", "4", "--json"))
    for path in ("/reach?period=year", "/retention?weeks=0", "/retention?segment=nobody"):
        r = client.get(API + path, headers=served.auth("platform"))
        assert r.status_code in (400, 422), (path, r.text)


def test_status_shows_the_platform_admin_each_ingests_data_quality(
    client: TestClient, served: Served
) -> None:
    admin = get(client, served, "platform_admin", "/status")
    quality = {q["table"]: q for q in admin["quality"]}
    # the demo's files are clean: every row accepted, nothing out of line
    assert quality["events"]["accepted"] == quality["events"]["read"] > 0
    assert all(q["warnings"] == [] and q["rejected"] == 0 for q in quality.values())
    # how the data arrived is not a partner's business, nor a read key's
    for who in ("platform", "albion", "albion_admin"):
        assert get(client, served, who, "/status")["quality"] is None, who
