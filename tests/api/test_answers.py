"""Kept answers (`api/_answers.py`): a repeated question is sent the same bytes without the
framework's work, but never past a revoked key, a rate limit, another partner or new data."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from culturebridge.api import API_PREFIX as API
from culturebridge.api import KeyStore, _answers, create_app
from culturebridge.config import get_settings
from culturebridge.privacy import read_audit
from tests.api.conftest import Served

PREFS = f"{API}/preferences?segment=gen_z&by=attributes.style"


def hits(client: TestClient) -> int:
    n: int = client.app.state.cb.answers.hits  # type: ignore[attr-defined]
    return n


def test_a_repeated_question_gets_the_same_bytes_again_and_is_audited(
    client: TestClient, served: Served
) -> None:
    first = client.get(PREFS, headers=served.auth("albion"))
    assert first.status_code == 200
    before = hits(client)
    again = client.get(PREFS, headers=served.auth("albion"))
    assert hits(client) == before + 1
    assert again.status_code == 200 and again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["x-content-type-options"] == "nosniff"
    last = read_audit(served.ws.root, "api")[-1]
    record = KeyStore(served.ws).verify(served.keys["albion"])
    assert record is not None
    assert (last["path"], last["status"]) == (f"{API}/preferences", 200)
    assert (last["key_id"], last["partner"]) == (record.key_id, "p_albion")


def test_each_partner_gets_its_own_answer(client: TestClient, served: Served) -> None:
    url = f"{API}/preferences?segment=gen_z&by=item"  # item-level: each partner sees its own
    albion = client.get(url, headers=served.auth("albion"))
    client.get(url, headers=served.auth("albion"))
    before = hits(client)
    northlight = client.get(url, headers=served.auth("northlight"))
    assert hits(client) == before, "another partner's kept answer was sent"
    assert northlight.status_code == 200 and northlight.content != albion.content


def test_a_revoked_key_is_refused_even_for_a_kept_answer(
    client: TestClient, served: Served
) -> None:
    store = KeyStore(served.ws)
    new = store.create(partner="p_albion", scope="read", rate_limit=1_000_000)
    auth = {"Authorization": f"Bearer {new.key}"}
    assert client.get(PREFS, headers=auth).status_code == 200
    assert client.get(PREFS, headers=auth).status_code == 200
    store.revoke(new.key_id)
    assert client.get(PREFS, headers=auth).status_code == 401


def test_exports_and_errors_are_never_kept(client: TestClient, served: Served) -> None:
    csv = {**served.auth("albion"), "Accept": "text/csv"}
    png = {**served.auth("albion"), "Accept": "application/vnd.plotly.v1+json", "X-Export": "png"}
    client.get(PREFS, headers=csv)
    client.get(PREFS, headers=png)
    before = hits(client)
    assert client.get(PREFS, headers=csv).status_code == 200
    assert client.get(PREFS, headers=png).status_code == 200
    bad = f"{API}/preferences?segment=nobody&by=attributes.style"
    assert client.get(bad, headers=served.auth("albion")).status_code == 400
    assert client.get(bad, headers=served.auth("albion")).status_code == 400
    assert hits(client) == before


def test_the_rate_limit_holds_for_kept_answers(served: Served) -> None:
    settings = get_settings().api.model_copy(update={"burst": 3})
    key = KeyStore(served.ws).create(partner="p_albion", scope="read", rate_limit=1).key
    auth = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(served.ws.root, settings=settings)) as c:
        codes = [c.get(PREFS, headers=auth).status_code for _ in range(5)]
        assert codes == [200, 200, 200, 429, 429]
        assert hits(c) == 2


def test_kept_answers_are_bounded_in_number_and_bytes(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = f"{API}/preferences?segment=gen_z&by=partner"
    settings = get_settings().api.model_copy(update={"cache_entries": 1})
    with TestClient(create_app(served.ws.root, settings=settings)) as c:
        for url in (PREFS, other, PREFS, other):  # one kept at a time: each pushes the other out
            assert c.get(url, headers=served.auth("albion")).status_code == 200
        assert hits(c) == 0
        assert c.get(other, headers=served.auth("albion")).status_code == 200
        assert hits(c) == 1
        monkeypatch.setattr(_answers, "MAX_BYTES", 10)  # smaller than any answer
        c.get(PREFS, headers=served.auth("albion"))
        c.get(PREFS, headers=served.auth("albion"))
        assert hits(c) == 1
