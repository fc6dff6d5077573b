"""Fashion, social and localise routes: known answers from the demo, the same results as the
library calls the CLI makes, and no item-level result of one partner reaching another's key."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from culturebridge.api import KeyStore, create_app
from culturebridge.localise import UiLimits, check_workspace
from culturebridge.query import OTHER_PARTNERS, Analysis, connect
from culturebridge.social._mentions import item_mentions
from culturebridge.workspace import Workspace
from tests.api.conftest import KEYS, Served, items_of
from tests.test_cli import invoke

API = "/api/v1"
LOOKBOOK = Path(__file__).parents[2] / "examples" / "lookbook"


def key_for(partner: str) -> str:
    """The name (in KEYS) of a read key of `partner`."""
    return next(name for name, p, scope in KEYS if p == partner and scope == "read")


def other_key(partner: str) -> str:
    """A read key of some other partner (not the platform)."""
    return next(
        name for name, p, scope in KEYS if p not in (partner, "platform") and scope == "read"
    )


def partner_keys() -> list[str]:
    return [name for name, p, scope in KEYS if p != "platform" and scope == "read"]


# ------------------------------------------------------------------------ social


def test_the_planted_spike_alerts_its_owner_and_the_platform_only(
    client: TestClient, served: Served
) -> None:
    spike = served.truth["sentiment_spike"]
    assert isinstance(spike, dict)
    item, week = spike["item_id"], spike["week_start"]
    owner = items_of(served.ws)[item]
    for name in ("platform", key_for(owner)):
        r = client.get(f"{API}/social/alerts", headers=served.auth(name))
        assert r.status_code == 200, r.text
        body = r.json()
        assert [(a["item_id"], a["period_start"]) for a in body["alerts"]] == [(item, week)]
        assert body["alerts"][0]["title_zh"] == spike["title_zh"]
        assert body["cells"] == []
    r = client.get(f"{API}/social/alerts", headers=served.auth(other_key(owner)))
    assert r.status_code == 200
    assert r.json()["alerts"] == []


def test_alerts_leave_out_every_other_partners_item(client: TestClient, served: Served) -> None:
    owners = items_of(served.ws)
    for name in partner_keys():
        partner = dict((n, p) for n, p, _ in KEYS)[name]
        body = client.get(f"{API}/social/alerts", headers=served.auth(name)).json()
        for al in body["alerts"]:
            assert owners[al["item_id"]] == partner
            assert all(owners[c["item_id"]] == partner for c in al["series"])


def test_timeline_of_an_item(client: TestClient, served: Served) -> None:
    spike = served.truth["sentiment_spike"]
    assert isinstance(spike, dict)
    item = spike["item_id"]
    owner = items_of(served.ws)[item]
    r = client.get(f"{API}/social/timeline/{item}", headers=served.auth(key_for(owner)))
    assert r.status_code == 200, r.text
    body = r.json()
    assert {c["item_id"] for c in body["cells"]} == {item}
    assert spike["week_start"] in {c["period_start"] for c in body["cells"]}
    assert [a["item_id"] for a in body["alerts"]] == [item]
    # another partner's item and an unknown one get the same 404
    for who, what in ((other_key(owner), item), ("platform", "no_such_item")):
        r = client.get(f"{API}/social/timeline/{what}", headers=served.auth(who))
        assert r.status_code == 404, r.text
    r = client.get(
        f"{API}/social/timeline/{item}", params={"period": "year"}, headers=served.auth("platform")
    )
    assert r.status_code == 422


def test_mentions_name_only_the_callers_items(client: TestClient, served: Served) -> None:
    owners = items_of(served.ws)
    everyone = client.get(
        f"{API}/social/mentions", params={"top": 1000}, headers=served.auth("platform")
    )
    assert everyone.status_code == 200, everyone.text
    named = {r["item_id"] for r in everyone.json()["rows"]}
    assert len({owners[i] for i in named}) > 1  # the platform sees every partner's items
    for name in partner_keys():
        partner = dict((n, p) for n, p, _ in KEYS)[name]
        r = client.get(f"{API}/social/mentions", params={"top": 1000}, headers=served.auth(name))
        assert r.status_code == 200, r.text
        ids = {row["item_id"] for row in r.json()["rows"]}
        assert all(i == OTHER_PARTNERS or owners[i] == partner for i in ids), (name, ids)
        assert r.json()["scope"]["partner"] == partner


def test_mentions_are_the_librarys(client: TestClient, served: Served) -> None:
    spike = served.truth["sentiment_spike"]
    assert isinstance(spike, dict)
    owner = items_of(served.ws)[spike["item_id"]]
    with Analysis.open(served.ws, partner=owner) as a:
        expected, _ = item_mentions(a)
    r = client.get(f"{API}/social/mentions", params={"top": 3}, headers=served.auth(key_for(owner)))
    body = r.json()
    assert body["rows"] == [row.model_dump(mode="json") for row in expected.rows[:3]]
    assert (body["posts"], body["linked_posts"]) == (expected.posts, expected.linked_posts)
    r = client.get(
        f"{API}/social/mentions",
        params={"period_from": "2026-06-01", "period_to": "2026-05-01"},
        headers=served.auth("platform"),
    )
    assert r.status_code == 400 and "after" in r.json()["detail"]


def test_sentiment_of_texts(client: TestClient, served: Served) -> None:
    texts = [
        "这部纪录片太精彩了，画面美极了，强烈推荐！",
        "太失望了，剧情拖沓，浪费时间，难看死了",
        "  ",
    ]
    r = client.post(f"{API}/social/sentiment", json={"texts": texts}, headers=served.auth("albion"))
    assert r.status_code == 200, r.text
    pos, neg, blank = r.json()["data"]
    assert (pos["label"], pos["sentiment"]) == (1, "positive") and pos["p_positive"] > 0.5
    assert (neg["label"], neg["sentiment"]) == (0, "negative") and neg["p_positive"] < 0.5
    assert blank["label"] is None and blank["reason"] == "empty text"
    from culturebridge.social import default_model

    assert pos["p_positive"] == round(float(default_model().predict_proba([texts[0]])[0]), 4)
    bads: list[dict[str, Any]] = [{"texts": []}, {"texts": ["好"] * 1001}, {"texts": "好"}, {}]
    for bad in bads:
        r = client.post(f"{API}/social/sentiment", json=bad, headers=served.auth("albion"))
        assert r.status_code == 422, bad


# ------------------------------------------------------------------------ fashion


def _fashion_items(served: Served) -> dict[str, str]:
    """item_id -> partner of the fashion items that have an image."""
    con = connect(served.ws)
    try:
        t = con.table("items")
        rows = (
            t.filter((t.kind == "fashion") & t.image_uri.notnull())
            .select("item_id", "partner_id")
            .to_pyarrow()
            .to_pylist()
        )
    finally:
        con.disconnect()
    return {r["item_id"]: r["partner_id"] for r in rows}


def _fashion_owner(served: Served) -> tuple[str, str, str]:
    """(a partner key with fashion items, one of its items with an image, another's item)."""
    items = _fashion_items(served)
    partners = {p for _, p, _ in KEYS}
    for item, owner in sorted(items.items()):
        if owner in partners:
            theirs = next((i for i, p in sorted(items.items()) if p != owner), None)
            assert theirs is not None
            return key_for(owner), item, theirs
    pytest.fail("no demo fashion item belongs to a partner with a key")


def test_product_images_only_for_the_owner(client: TestClient, served: Served) -> None:
    name, mine, theirs = _fashion_owner(served)
    r = client.get(f"{API}/fashion/images/{mine}", headers=served.auth(name))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/")
    assert r.content[:3] == b"\xff\xd8\xff" or r.content[:4] == b"\x89PNG"
    for item in (theirs, "no_such_item", "..%2F..%2Fworkspace.toml"):
        r = client.get(f"{API}/fashion/images/{item}", headers=served.auth(name))
        assert r.status_code == 404, item
    assert (
        client.get(f"{API}/fashion/images/{theirs}", headers=served.auth("platform")).status_code
        == 200
    )
    # the dashboard's cookie works too
    client.cookies.set("cb_key", served.keys[name])
    try:
        assert client.get(f"{API}/fashion/images/{mine}").status_code == 200
    finally:
        client.cookies.clear()


def test_products_are_the_callers(client: TestClient, served: Served) -> None:
    name, mine, _ = _fashion_owner(served)
    partner = dict((n, p) for n, p, _ in KEYS)[name]
    owners = items_of(served.ws)
    r = client.get(f"{API}/fashion/products", params={"top": 1000}, headers=served.auth(name))
    assert r.status_code == 200, r.text
    rows = r.json()["data"]
    assert mine in {p["item_id"] for p in rows}
    assert all(owners[p["item_id"]] == partner for p in rows)
    with_image = next(p for p in rows if p["item_id"] == mine)
    assert with_image["image_url"] == f"{API}/fashion/images/{mine}"
    assert client.get(with_image["image_url"], headers=served.auth(name)).status_code == 200
    everyone = client.get(
        f"{API}/fashion/products", params={"top": 1000}, headers=served.auth("platform")
    ).json()["data"]
    assert len(everyone) > len(rows)
    # with a segment: engagement figures, guarded, most engaged first
    r = client.get(
        f"{API}/fashion/products",
        params={"segment": "gen_z_tier1", "top": 5},
        headers=served.auth("platform"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    shares = [p["segment_share"] or 0.0 for p in body["data"]]
    assert len(shares) == 5 and shares == sorted(shares, reverse=True) and shares[0] > 0
    assert body["privacy"] and body["scope"]["partner"] is None
    bad = client.get(
        f"{API}/fashion/products", params={"segment": "martians"}, headers=served.auth(name)
    )
    assert bad.status_code == 400 and "unknown segment" in bad.json()["detail"]


def test_tag_an_upload_as_the_library_does(client: TestClient, served: Served) -> None:
    from culturebridge.fashion import ImageTag, default_image_tagger

    path = LOOKBOOK / "look_01.jpg"
    r = client.post(
        f"{API}/fashion/tag",
        files={"file": ("look_01.jpg", path.read_bytes(), "image/jpeg")},
        headers=served.auth("aurelia"),
    )
    assert r.status_code == 200, r.text
    (tag,) = default_image_tagger().tag_paths([path])
    assert isinstance(tag, ImageTag)
    expected = tag.as_json()
    assert r.json() == {**expected, "path": "look_01.jpg"}


@pytest.mark.parametrize(
    "content",
    [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, b"\xff\xd8\xff\xe0garbage"],
)
def test_tag_refuses_what_is_not_an_image(
    client: TestClient, served: Served, content: bytes
) -> None:
    r = client.post(
        f"{API}/fashion/tag",
        files={"file": ("x.jpg", content, "image/jpeg")},
        headers=served.auth("aurelia"),
    )
    assert r.status_code == 400, r.text
    assert "x.jpg" in r.json()["detail"] or "empty" in r.json()["detail"]


def test_uploads_over_the_limit_get_413(client: TestClient, served: Served) -> None:
    big = io.BytesIO(b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024))
    for route in ("tag", "similar"):
        r = client.post(
            f"{API}/fashion/{route}",
            files={"file": ("big.jpg", big.getvalue(), "image/jpeg")},
            headers=served.auth("aurelia"),
        )
        assert r.status_code == 413, route


def test_similar_products_stay_in_scope(client: TestClient, served: Served) -> None:
    name, mine, _ = _fashion_owner(served)
    partner = dict((n, p) for n, p, _ in KEYS)[name]
    owners = items_of(served.ws)
    own_image = client.get(f"{API}/fashion/images/{mine}", headers=served.auth(name)).content
    r = client.post(
        f"{API}/fashion/similar",
        params={"n": 5},
        files={"file": ("mine.jpg", own_image, "image/jpeg")},
        headers=served.auth(name),
    )
    assert r.status_code == 200, r.text
    hits = r.json()["data"]
    assert hits and hits[0]["item_id"] == mine and hits[0]["similarity"] > 0.99
    assert all(owners[h["item_id"]] == partner for h in hits)
    sims = [h["similarity"] for h in hits]
    assert sims == sorted(sims, reverse=True)
    r = client.post(
        f"{API}/fashion/similar",
        files={"file": ("x.png", b"nope", "image/png")},
        headers=served.auth(name),
    )
    assert r.status_code == 400


def test_fashion_trends(client: TestClient, served: Served) -> None:
    r = client.get(
        f"{API}/fashion/trends",
        params={"segment": "gen_z_tier1", "period": "week", "top": 5},
        headers=served.auth("lfc"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["segment"] == "gen_z_tier1" and body["period"] == "week"
    assert body["rows"] and body["groups"]
    for g in body["groups"]:
        rows = [
            x
            for x in body["rows"]
            if (x["source"], x["attribute"]) == (g["source"], g["attribute"])
        ]
        assert len(rows) <= 5
    # the planted guochao preference of 18–24s in tier-1 cities shows
    styles = {
        x["value"]: x
        for x in body["rows"]
        if (x["source"], x["attribute"]) == ("catalogue", "style")
    }
    assert "guochao" in styles and styles["guochao"]["preference"]["lift"] > 1.5
    for params in ({"segment": "martians"}, {"period": "year"}, {"top": 0}, {"segment": "a b"}):
        r = client.get(f"{API}/fashion/trends", params=params, headers=served.auth("lfc"))
        assert r.status_code in (400, 422), params


# ------------------------------------------------------------------------ localise


def test_check_is_the_librarys_restricted_to_the_callers_items(
    client: TestClient, served: Served
) -> None:
    owners = items_of(served.ws)
    # the demo's texts are clean: tight limits give every partner findings to keep apart
    limits = {"title_en": 8, "title_zh": 3}
    full = check_workspace(served.ws, limits=UiLimits(**limits)).model_dump(mode="json")
    assert {owners[f["item_id"]] for f in full["too_long"]} >= {"p_albion", "p_lfc"}
    for name, partner, _ in KEYS:
        r = client.get(f"{API}/localise/check", params=limits, headers=served.auth(name))
        assert r.status_code == 200, r.text
        body = r.json()
        for kind in ("missing", "inconsistencies", "too_long"):
            expected = [
                f for f in full[kind] if partner == "platform" or owners[f["item_id"]] == partner
            ]
            assert body[kind] == expected, (name, kind)
        assert body["counts"]["too_long"] == len(body["too_long"])
        assert str(served.ws.root) not in json.dumps(body)
    clean = client.get(f"{API}/localise/check", headers=served.auth("platform")).json()
    assert clean["limits"]["title_en"] == 80
    bad = client.get(f"{API}/localise/check", params={"title_en": 0}, headers=served.auth("lfc"))
    assert bad.status_code == 422


def test_script_conversion_matches_the_cli(client: TestClient, served: Served) -> None:
    for to in ("hk", "tw", "t", "s"):
        code, out, err = invoke("localise", "script", "蓝色星球", "--to", to, "--json")
        assert code == 0, err
        r = client.post(
            f"{API}/localise/script",
            json={"text": "蓝色星球", "to": to},
            headers=served.auth("albion"),
        )
        assert r.status_code == 200, r.text
        assert r.json() == json.loads(out)
    r = client.post(
        f"{API}/localise/script",
        json={"text": "蓝色星球", "to": "hk"},
        headers=served.auth("albion"),
    )
    assert r.json()["converted"] == "藍色星球"
    r = client.post(
        f"{API}/localise/script", json={"text": "x", "to": "klingon"}, headers=served.auth("albion")
    )
    assert r.status_code == 422


TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header creationtool="test" creationtoolversion="1" segtype="sentence"
 o-tmf="none" adminlang="en" srclang="en" datatype="plaintext"/><body>
<tu tuid="t1"><tuv xml:lang="en"><seg>Watch Blue Planet tonight</seg></tuv>
<tuv xml:lang="zh-CN"><seg>今晚观看《蓝色星球》</seg></tuv></tu>
</body></tmx>
"""


def test_memory_search(client: TestClient, served: Served, tmp_path: Path) -> None:
    r = client.get(
        f"{API}/localise/memory/search", params={"q": "Blue Planet"}, headers=served.auth("albion")
    )
    assert r.status_code == 404 and "translation memory" in r.json()["detail"]
    ws = Workspace.create(tmp_path / "ws")
    (ws.root / "localise").mkdir(exist_ok=True)
    (ws.root / "localise" / "memory.tmx").write_text(TMX, encoding="utf-8")
    key = KeyStore(ws).create(partner="platform", scope="read", rate_limit=1_000).key
    with TestClient(create_app(ws.root)) as c:
        h = {"Authorization": f"Bearer {key}"}
        r = c.get(
            f"{API}/localise/memory/search", params={"q": "Watch Blue Planet tonight!"}, headers=h
        )
        assert r.status_code == 200, r.text
        (m,) = r.json()["data"]
        assert (m["target"], m["kind"], m["tuid"]) == ("今晚观看《蓝色星球》", "fuzzy", "t1")
        assert (
            c.get(f"{API}/localise/memory/search", params={"q": " "}, headers=h).status_code == 400
        )
        assert (
            c.get(f"{API}/localise/memory/search", params={"q": ""}, headers=h).status_code == 422
        )


def test_texts_that_are_not_unicode_are_mended_not_a_500(
    client: TestClient, served: Served
) -> None:
    # JSON can carry a lone surrogate, which no UTF-8 answer (not even a 422) can carry back
    body = b'{"texts": ["\\u597d\\ud800", "\\ud83d\\ude00"]}'
    r = client.post(
        f"{API}/social/sentiment",
        content=body,
        headers={**served.auth("albion"), "content-type": "application/json"},
    )
    assert r.status_code == 200, r.text
    assert [x["text"] for x in r.json()["data"]] == ["好\ufffd", "😀"]
    r = client.post(
        f"{API}/localise/script",
        content=b'{"text": "\\u84dd\\udc00", "to": "tw"}',
        headers={**served.auth("albion"), "content-type": "application/json"},
    )
    assert r.status_code == 200 and r.json()["converted"] == "藍\ufffd"


def test_an_item_without_an_image_has_none(client: TestClient, served: Served) -> None:
    con = connect(served.ws)
    try:
        t = con.table("items")
        item = t.filter(t.image_uri.isnull()).select("item_id").limit(1).to_pyarrow()
    finally:
        con.disconnect()
    (row,) = item.to_pylist()
    r = client.get(f"{API}/fashion/images/{row['item_id']}", headers=served.auth("platform"))
    assert r.status_code == 404
