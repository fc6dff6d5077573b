"""Keys, scopes, rate limits and the audit log, on every kind of key."""

from __future__ import annotations

import json
import stat

from fastapi.testclient import TestClient

from culturebridge.api import KeyStore, create_app
from culturebridge.privacy import AUDIT_LOG
from culturebridge.workspace import Workspace
from tests.api.conftest import Served
from tests.test_cli import assert_one_line_error, invoke


def test_missing_and_bad_keys_get_401(client: TestClient) -> None:
    assert client.get("/api/v1/status").status_code == 401
    r = client.get("/api/v1/status", headers={"Authorization": "Bearer cb_not-a-key"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/v1/status", headers={"X-API-Key": "nonsense"}).status_code == 401


def test_a_key_says_who_it_is(client: TestClient, served: Served) -> None:
    r = client.get("/api/v1/whoami", headers=served.auth("albion"))
    assert r.status_code == 200
    body = r.json()
    assert (body["partner"], body["scope"]) == ("p_albion", "read")
    assert body["partner_name_en"] == "Albion Broadcasting Corporation"
    # the same key works as X-API-Key and as the dashboard's cookie
    key = served.keys["albion"]
    assert client.get("/api/v1/whoami", headers={"X-API-Key": key}).status_code == 200


def test_admin_routes_need_admin(client: TestClient, served: Served) -> None:
    assert client.get("/api/v1/keys", headers=served.auth("albion")).status_code == 403
    r = client.get("/api/v1/keys", headers=served.auth("albion_admin"))
    assert r.status_code == 200
    assert all("digest" not in k and "key" not in k for k in r.json()["data"])


def test_keys_are_stored_hashed_and_owner_only(served: Served) -> None:
    path = served.ws.root / "keys" / "keys.json"
    text = path.read_text()
    assert all(key not in text for key in served.keys.values())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_created_and_revoked_keys_take_effect_at_once(client: TestClient, served: Served) -> None:
    r = client.post(
        "/api/v1/keys",
        json={"partner": "p_wren", "scope": "read", "label": "test"},
        headers=served.auth("platform_admin"),
    )
    assert r.status_code == 201
    new = r.json()
    h = {"Authorization": f"Bearer {new['key']}"}
    assert client.get("/api/v1/whoami", headers=h).json()["partner"] == "p_wren"
    r = client.delete(f"/api/v1/keys/{new['key_id']}", headers=served.auth("platform_admin"))
    assert r.status_code == 200 and r.json()["revoked"]
    assert client.get("/api/v1/whoami", headers=h).status_code == 401
    bad = client.post(
        "/api/v1/keys", json={"partner": "p_nobody"}, headers=served.auth("platform_admin")
    )
    assert bad.status_code == 400 and "unknown partner" in bad.json()["detail"]


def test_rate_limit_per_key(served: Served) -> None:
    store = KeyStore(served.ws)
    slow = store.create(partner="p_albion", scope="read", rate_limit=60, label="slow").key
    fast = store.create(partner="p_albion", scope="read", rate_limit=6000, label="fast").key
    from culturebridge.config import ApiSettings

    with TestClient(create_app(served.ws.root, settings=ApiSettings(burst=5))) as c:
        codes = [c.get("/api/v1/whoami", headers={"X-API-Key": slow}).status_code for _ in range(8)]
        assert codes[:5] == [200] * 5
        assert codes[5:] == [429] * 3
        r = c.get("/api/v1/whoami", headers={"X-API-Key": slow})
        assert int(r.headers["retry-after"]) >= 1
        # another key has its own bucket
        assert c.get("/api/v1/whoami", headers={"X-API-Key": fast}).status_code == 200


def test_every_request_is_audited_refusals_too(client: TestClient, served: Served) -> None:
    client.get("/api/v1/status", headers=served.auth("northlight"))
    client.get("/api/v1/status?probe=anonymous")  # 401: logged without a key id
    client.get("/api/v1/keys?probe=read", headers=served.auth("northlight"))  # 403
    client.get("/api/v1/audiences/no_such_item", headers=served.auth("northlight"))  # 404
    log = served.ws.root / AUDIT_LOG
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    entries = [e for e in lines if e.get("channel") == "api"]
    mine = [e for e in entries if e["partner"] == "p_northlight" and e["path"] == "/api/v1/status"]
    assert mine and mine[-1]["status"] == 200
    anonymous = [e for e in entries if e["query"] == "probe=anonymous"]
    assert anonymous and anonymous[-1]["status"] == 401 and anonymous[-1]["key_id"] is None
    statuses = {e["status"] for e in entries if e["partner"] == "p_northlight"}
    assert {200, 403, 404} <= statuses
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_keys_cli(tmp_path: object, served: Served) -> None:
    code, out, err = invoke("keys", "create", served.ws.root, "--partner", "p_lfc", "--json")
    assert code == 0, err
    new = json.loads(out)
    assert new["key"].startswith("cb_") and new["scope"] == "read"
    code, out, err = invoke("keys", "list", served.ws.root, "--json")
    assert new["key_id"] in {k["key_id"] for k in json.loads(out)}
    assert new["key"] not in out
    assert_one_line_error(
        *invoke("keys", "create", served.ws.root, "--partner", "p_lfc", "--scope", "god"),
        "scope must be read, admin or capture",
    )
    assert_one_line_error(
        *invoke("keys", "create", served.ws.root, "--partner", "nobody"), "unknown partner"
    )
    assert_one_line_error(*invoke("keys", "revoke", served.ws.root, "k_none"), "no key")


def test_serve_refuses_a_folder_that_is_not_a_workspace(tmp_path: object) -> None:
    assert_one_line_error(*invoke("serve", str(tmp_path)), "not a culturebridge workspace")


__all__ = ["Workspace"]


def test_a_partner_admin_manages_only_its_own_keys(client: TestClient, served: Served) -> None:
    listed = client.get("/api/v1/keys", headers=served.auth("albion_admin")).json()["data"]
    assert listed and {k["partner"] for k in listed} == {"p_albion"}
    r = client.post("/api/v1/keys", json={"partner": "p_lfc"}, headers=served.auth("albion_admin"))
    assert r.status_code == 403
    other = client.get("/api/v1/keys", headers=served.auth("platform_admin")).json()["data"]
    lfc = next(k["key_id"] for k in other if k["partner"] == "p_lfc")
    r = client.delete(f"/api/v1/keys/{lfc}", headers=served.auth("albion_admin"))
    assert r.status_code == 404
    assert client.get("/api/v1/whoami", headers=served.auth("lfc")).status_code == 200


def test_serve_on_a_busy_port_is_one_clear_error(served: Served) -> None:
    import socket

    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        assert_one_line_error(
            *invoke("serve", served.ws.root, "--port", port), "cannot listen on 127.0.0.1"
        )
