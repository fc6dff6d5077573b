"""The dashboard without a browser: strings in both languages, headers, cookies, static files."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from culturebridge.api import create_app
from culturebridge.web import MESSAGES, PAGES
from culturebridge.web._i18n import catalogue, normalise, translate
from tests.api.conftest import Served

WEB = Path(__file__).parents[2] / "src" / "culturebridge" / "web"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def client(served: Served) -> Iterator[TestClient]:
    """A client of its own: these tests set cookies, which must not reach the API tests."""
    with TestClient(create_app(served.ws.root)) as c:
        yield c


def test_every_string_has_english_and_chinese() -> None:
    for key, (en, zh) in MESSAGES.items():
        assert en.strip() and zh.strip(), key
        assert not CJK.search(en) or key == "lang.switch", f"{key}: Chinese in the English"
    # the Chinese side really is Chinese (ids, brand names and units aside)
    chinese = sum(bool(CJK.search(zh)) for _, zh in MESSAGES.values())
    assert chinese / len(MESSAGES) > 0.9
    assert translate("nav.overview", "zh") == "概览"
    assert catalogue("en")["nav.overview"] == "Overview"
    assert normalise("zh-CN") == "zh" and normalise("en-GB") == "en" and normalise("fr") is None


def test_every_key_the_templates_and_scripts_use_exists() -> None:
    used: set[str] = set()
    for path in (WEB / "templates").glob("*.html"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_.]+)["']\s*\)""", text))
    for path in (WEB / "static").glob("*.js"):
        used |= set(re.findall(r"""\bT\(\s*["']([a-z_.]+)["']\s*\)""", path.read_text("utf-8")))
    assert used, "no strings found"
    assert not used - set(MESSAGES), sorted(used - set(MESSAGES))
    for gender in ("female", "male", "other"):
        assert f"aud.gender.{gender}" in MESSAGES
    for platform in ("android", "ios", "mini_program", "web", "tv"):
        assert f"aud.platform.{platform}" in MESSAGES
    for _, _, key in PAGES:
        assert key in MESSAGES


def test_no_external_urls_in_the_dashboards_own_files() -> None:
    for path in [*WEB.glob("templates/*"), *WEB.glob("static/*")]:
        text = path.read_text(encoding="utf-8")
        urls = re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text)
        urls = [u for u in urls if u != "http://www.w3.org"]  # the SVG namespace
        assert not urls, f"{path.name}: {urls}"
        assert ".innerHTML" not in text, path.name


def test_login_page_headers_and_language(client: TestClient) -> None:
    r = client.get("/login?lang=zh")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    assert '<html lang="zh-CN">' in r.text
    assert "登录" in r.text
    assert "lang=zh" in r.headers["set-cookie"]
    r = client.get("/login")
    assert '<html lang="zh-CN">' in r.text  # the cookie remembers
    r = client.get("/login?lang=en")
    assert '<html lang="en">' in r.text


def test_login_cookie_and_logout(client: TestClient, served: Served) -> None:
    r = client.post("/login", data={"key": "nope", "next": "/trends"}, follow_redirects=False)
    assert r.status_code == 401
    assert "not valid" in r.text or "无效" in r.text
    r = client.post(
        "/login",
        data={"key": served.keys["albion"], "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/"
    cookie = r.headers["set-cookie"].lower()
    assert "cb_key=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    client.cookies.set("cb_key", served.keys["albion"])
    r = client.get("/trends")
    assert r.status_code == 200 and "/static/trends.js" in r.text
    r = client.get("/logout", follow_redirects=False)
    assert r.status_code == 303 and 'cb_key=""' in r.headers["set-cookie"]
    client.cookies.clear()


def test_assets_are_served_locally(client: TestClient, served: Served) -> None:
    js = client.get("/static/vendor/plotly.min.js")
    assert js.status_code == 200 and "plotly.js" in js.text[:500]
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/dashboard.css").status_code == 200
    assert client.get("/favicon.ico").status_code == 200


def test_item_picker_list_is_scoped(client: TestClient, served: Served) -> None:
    assert client.get("/api/v1/items").status_code == 401
    mine = client.get("/api/v1/items", headers=served.auth("lfc")).json()["data"]
    assert mine and all(r["item_id"] for r in mine)
    every = client.get("/api/v1/items", headers=served.auth("platform")).json()["data"]
    assert len(every) > len(mine)
    from tests.api.conftest import items_of

    owners = items_of(served.ws)
    assert {owners[r["item_id"]] for r in mine} == {"p_lfc"}
