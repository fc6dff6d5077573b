"""Security, route by route, from the OpenAPI spec itself, so a new route is covered the day it
lands: missing or invalid keys get 401, admin routes give 403 to read keys, and a partner's key
never gets another partner's item-level data (their item ids or campaign ids) back, whatever
ids and dimensions it asks about. Then schemathesis hunts for server errors across the spec."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from culturebridge.api._deps import get_admin
from tests.api.conftest import Served, campaigns_of, items_of

LOOK = Path(__file__).parents[2] / "examples" / "lookbook" / "look_01.jpg"
METHODS = ("get", "post", "put", "patch", "delete")
PARTNERS = {"albion": "p_albion", "lfc": "p_lfc", "britannia": "p_britannia"}

# bodies for routes that take JSON, by path (a route missing here gets `{}`, which still has to
# be refused with 4xx, never a 500 or another partner's data)
BODIES: dict[str, list[dict[str, Any]]] = {
    "/api/v1/segments/preview": [
        {"age_min": 18, "age_max": 24, "by": "item", "top": 50},
        {"city_tiers": [1], "by": "partner"},
    ],
    "/api/v1/social/sentiment": [{"texts": ["这部纪录片太好看了", "剧情拖沓，字幕很差"]}],
    "/api/v1/localise/script": [{"text": "蓝色星球", "to": "hk"}],
    "/api/v1/esports/predict": [{"teams": [["Kite"], ["HaoCN"]]}],
    "/api/v1/esports/balance": [
        {"players": ["Kite", "HaoCN", "Frost_5", "ItsHao", "PixelCN", "Ming"], "teams": 2}
    ],
    "/api/v1/keys": [{"partner": "p_wren", "scope": "read"}],
}


def operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    spec = client.app.openapi()  # type: ignore[attr-defined]
    return [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def api_routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """(full path, route) of every API route, looking inside included routers (FastAPI keeps
    them as include records, with their prefix, rather than copying their routes)."""
    for r in routes:
        if isinstance(r, APIRoute):
            yield prefix + r.path, r
        elif hasattr(r, "original_router"):
            yield from api_routes(r.original_router.routes, prefix + r.include_context.prefix)


def admin_only(client: TestClient) -> set[tuple[str, str]]:
    """(path, method) of every route whose dependencies include the admin check."""

    def needs_admin(dependant: Any) -> bool:
        return any(d.call is get_admin or needs_admin(d) for d in dependant.dependencies)

    out = set()
    for path, route in api_routes(client.app.routes):  # type: ignore[attr-defined]
        if needs_admin(route.dependant):
            out |= {(path, m.lower()) for m in route.methods}
    return out


def fill(
    path: str, op: dict[str, Any], values: dict[str, str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(url, query) pairs for an operation: path parameters from `values` by name, required
    query parameters filled, and every dimension-like parameter tried at its item and partner
    levels (where item-level results live)."""
    url = path
    query: dict[str, Any] = {}
    variants: list[dict[str, Any]] = [{}]
    for p in op.get("parameters", []):
        name, where = p["name"], p["in"]
        schema = p.get("schema", {})
        if where == "path":
            value = next((v for k, v in values.items() if k in name), "x")
            url = url.replace("{" + name + "}", value)
        elif where == "query":
            if name in ("by", "dimension"):
                variants = [{name: "item"}, {name: "partner"}]
            elif p.get("required"):
                enum = schema.get("enum") or [
                    e for s in schema.get("anyOf", []) for e in s.get("enum", [])
                ]
                query[name] = enum[0] if enum else values.get(name, "gen_z")
            elif name in ("top", "n"):
                query[name] = 100
            elif name == "segment":
                query[name] = "gen_z"
    for extra in variants:
        yield url, {**query, **extra}


def call(
    client: TestClient,
    method: str,
    url: str,
    query: dict[str, Any],
    headers: dict[str, str],
    body: dict[str, Any] | None,
    op: dict[str, Any],
) -> Any:
    content = op.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        with LOOK.open("rb") as fh:
            return client.request(
                method, url, params=query, headers=headers, files={"file": ("look.jpg", fh)}
            )
    return client.request(method, url, params=query, headers=headers, json=body)


def bodies(path: str, op: dict[str, Any]) -> list[dict[str, Any] | None]:
    if "requestBody" not in op:
        return [None]
    return BODIES.get(path, [{}])  # type: ignore[return-value]


def test_every_route_needs_a_valid_key(client: TestClient, served: Served) -> None:
    ops = operations(client)
    assert len(ops) >= 20, [f"{m} {p}" for p, m, _ in ops]
    for path, method, op in ops:
        url, query = next(fill(path, op, {}))
        for headers in ({}, {"Authorization": "Bearer cb_nope"}, {"X-API-Key": "x"}):
            r = call(client, method, url, query, headers, (bodies(path, op) or [None])[0], op)
            assert r.status_code == 401, (method, path, headers, r.status_code, r.text[:200])


def test_admin_routes_refuse_read_keys(client: TestClient, served: Served) -> None:
    admin = admin_only(client)
    paths = {p for p, _ in admin}
    # key management and ingest, and nothing a reader needs
    assert {"/api/v1/keys", "/api/v1/keys/{key_id}"} <= paths
    assert any(p.startswith("/api/v1/ingest") for p in paths)
    assert not any(p.startswith(("/api/v1/preferences", "/api/v1/recommend")) for p in paths)
    ops = {(p, m): op for p, m, op in operations(client)}
    for path, method in sorted(admin):
        url, query = next(fill(path, ops[(path, method)], {"key_id": "k_x", "table": "items"}))
        for reader in ("albion", "platform"):
            body = (bodies(path, ops[(path, method)]) or [None])[0]
            r = call(client, method, url, query, served.auth(reader), body, ops[(path, method)])
            assert r.status_code == 403, (method, path, reader, r.status_code, r.text[:200])


def _ids_pattern(ids: set[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


def probe(client: TestClient, served: Served, me: str, key: str) -> dict[str, set[str]]:
    """Ask every non-admin route, with `key`, about the other partners' items and campaigns
    by id (the likeliest way to leak them) and about `me`'s own, on every dimension; returns,
    per answered route, the other partners' ids its successful answers held."""
    items = items_of(served.ws)
    campaigns = campaigns_of(served.ws)
    others = {i for i, p in items.items() if p != me}
    other_campaigns = {c for c, p in campaigns.items() if p != me}
    assert others and other_campaigns
    leak = _ids_pattern(others | other_campaigns)
    probes = [
        {"item": sorted(others)[0], "campaign": sorted(other_campaigns)[0]},
        {"item": sorted(others)[-1], "campaign": sorted(other_campaigns)[-1]},
        {
            "item": next(i for i, p in items.items() if p == me),
            "campaign": next((c for c, p in campaigns.items() if p == me), "none"),
        },
    ]
    admin = admin_only(client)
    answered: dict[str, set[str]] = {}
    for path, method, op in operations(client):
        if (path, method) in admin:
            continue
        for values in probes:
            for url, query in fill(path, op, values):
                for body in bodies(path, op):
                    r = call(client, method, url, query, {"X-API-Key": key}, body, op)
                    assert r.status_code < 500, (method, url, query, r.status_code, r.text[:300])
                    if r.status_code >= 400:
                        continue  # a refusal may echo the id it was asked about
                    found = answered.setdefault(f"{method.upper()} {path}", set())
                    found |= {m.group(0) for m in leak.finditer(r.text)}
                    if str(served.ws.root) in r.text:  # nor the server's file system
                        found.add(f"the workspace path {served.ws.root}")
    return answered


@pytest.mark.parametrize("name", sorted(PARTNERS))
def test_no_route_gives_a_partner_another_partners_item_level_data(
    client: TestClient, served: Served, name: str
) -> None:
    me = PARTNERS[name]
    answered = probe(client, served, me, served.keys[name])
    leaks = {route: sorted(ids)[:5] for route, ids in answered.items() if ids}
    assert not leaks, f"{me} got other partners' ids: {leaks}"
    assert len(answered) >= 20  # most routes answered with data, not only refusals


def test_the_platform_sees_every_partners_items(client: TestClient, served: Served) -> None:
    """The counter-check: the same probes with the platform's key do return the partners'
    ids on many routes, so the test above would see a leak."""
    answered = probe(client, served, "p_albion", served.keys["platform"])
    showing = [route for route, ids in answered.items() if ids]
    assert len(showing) >= 8, showing
