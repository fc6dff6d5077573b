"""Attacks on the privacy boundary, run as an attacker would: through the HTTP API, with a
partner's key, on a copy of the demo workspace.

The rule these tests hold the API to (see README, "Privacy"):
- ad-hoc segments from a partner's key are always noised (`adhoc_epsilon` per release),
  consistently: one set of users gets one answer, charged once;
- with `[privacy] epsilon` set, every released user count is noised and charged;
- a partner sees a dimension's value only when one of its own items carries it;
- a partner writes its own items, campaigns and events about its own items, nothing else;
- files that hold raw rows or one row per person are readable by their owner only.
"""

from __future__ import annotations

import csv
import json
import math
import os
import random
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient

from culturebridge.api import KeyStore, create_app
from culturebridge.config import ApiSettings
from culturebridge.privacy import OTHER_PARTNERS, Ledger
from culturebridge.workspace import Workspace
from tests.conftest import Demo

API = "/api/v1"
EPSILON = 0.5
"""Both `epsilon` (named segments, everything released) and `adhoc_epsilon` in these tests."""
PARTNER = "p_britannia"
"""The attacker: a tourism board with its own campaign and items."""


@dataclass
class Target:
    ws: Workspace
    client: TestClient
    keys: dict[str, str]

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[name]}"}

    def sql(self, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """The ground truth, read straight from the lake (the test knows what the attacker
        does not)."""
        con = duckdb.connect()
        try:
            for table in ("users", "items", "events"):
                files = [str(f) for f in self.ws.files(table)]
                con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet({files!r})")
            return con.execute(query, params or []).fetchall()
        finally:
            con.close()


def _served_copy(
    demo: Demo, folder: Path, *, epsilon: float | None, budget: float
) -> Iterator[Target]:
    root = folder / "ws"
    shutil.copytree(
        demo.ws.root, root, ignore=shutil.ignore_patterns("audit", "privacy", "keys", ".lock")
    )
    ws = Workspace.open(root)
    ws.config.privacy.epsilon = epsilon
    ws.config.privacy.adhoc_epsilon = EPSILON
    ws.config.privacy.epsilon_budget = budget
    # a secret of its own keys its noise (the lake is already pseudonymised)
    ws.config.secret = secrets.token_hex(32)
    ws.config.write(root / "workspace.toml")
    ws = Workspace.open(root)
    store = KeyStore(ws)
    keys = {
        name: store.create(partner=p, scope=s, rate_limit=1_000_000).key  # type: ignore[arg-type]
        for name, p, s in (
            ("partner", PARTNER, "read"),
            ("partner_admin", PARTNER, "admin"),
            ("racer", "p_wren", "read"),
            ("platform", "platform", "read"),
        )
    }
    # no result cache: the consistency asked of the noise must hold without it
    app = create_app(root, settings=ApiSettings(cache_entries=0, rate_limit=1_000_000))
    with TestClient(app) as client:
        yield Target(ws=ws, client=client, keys=keys)


@pytest.fixture(scope="module")
def noised(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """The demo with noise on for every release (epsilon 0.5) and a large budget."""
    yield from _served_copy(demo, tmp_path_factory.mktemp("noised"), epsilon=EPSILON, budget=1e6)


@pytest.fixture(scope="module")
def exact(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """The demo as shipped: k-thresholds only, except for partners' ad-hoc segments."""
    yield from _served_copy(demo, tmp_path_factory.mktemp("exact"), epsilon=None, budget=1e6)


# ------------------------------------------------------------------ (a) differencing


def _targets(t: Target, ref_year: int) -> list[dict[str, Any]]:
    """Users alone in their (province, tier, platform, age) cell, whose cell below that age
    holds at least 2k users: two ad-hoc segments ("age <= A" and "age <= A-1") differ by them."""
    k = t.ws.config.privacy.k
    rows = t.sql(
        """
        WITH u AS (SELECT user_id, province, city_tier, platform, ? - birth_year AS age
                   FROM users WHERE birth_year IS NOT NULL AND province IS NOT NULL
                   AND city_tier IS NOT NULL AND platform IS NOT NULL),
        cells AS (SELECT province, city_tier, platform, age, count(*) AS n,
                         min(user_id) AS user_id FROM u GROUP BY ALL),
        below AS (SELECT a.province, a.city_tier, a.platform, a.age, a.user_id,
                         (SELECT count(*) FROM u WHERE u.province = a.province
                          AND u.city_tier = a.city_tier AND u.platform = a.platform
                          AND u.age < a.age) AS under
                  FROM cells a WHERE a.n = 1)
        SELECT province, city_tier, platform, age, user_id, under FROM below
        WHERE under >= ? ORDER BY user_id
        """,
        [ref_year, 2 * k],
    )
    cols = ("province", "city_tier", "platform", "age", "user_id", "under")
    return [dict(zip(cols, r, strict=True)) for r in rows]


def _preview(t: Target, key: str, target: dict[str, Any], age_max: int) -> dict[str, Any]:
    body = {
        "provinces": [target["province"]],
        "city_tiers": [int(target["city_tier"])],
        "platforms": [target["platform"]],
        "age_max": age_max,
        "by": "kind",
        "top": 50,
    }
    r = t.client.post(f"{API}/segments/preview", json=body, headers=t.auth(key))
    assert r.status_code == 200, r.text
    return dict(r.json())


def _attack(t: Target, key: str, targets: list[dict[str, Any]], kinds: list[str]) -> float:
    """Difference the previews around each target to guess whether they engaged with the kind
    asked about; the share of right guesses."""
    right = 0
    for target, kind in zip(targets, kinds, strict=True):
        with_target = _preview(t, key, target, int(target["age"]))
        without = _preview(t, key, target, int(target["age"]) - 1)
        a = {r["value"]: r["users"] for r in with_target["preferences"]}
        b = {r["value"]: r["users"] for r in without["preferences"]}
        if a.get(kind) is not None and b.get(kind) is not None:
            guess = a[kind] - b[kind] > 0.5
        else:
            guess = bool(random.Random(target["user_id"]).random() < 0.5)
        right += guess == target["engaged"]
    return right / len(targets)


def test_differencing_two_adhoc_segments_learns_no_more_than_epsilon_permits(
    exact: Target,
) -> None:
    """(a) Two ad-hoc segments that differ by one user, over 50 targets, asking "did the target
    engage with kind K?" with K chosen so that half the answers are yes.

    Bound: each preview's preferences are one release at adhoc_epsilon 0.5, and the attack
    uses two, so epsilon 1 in all: a balanced guess can be right at most e/(1+e) = 0.731 of
    the time. The platform's exact previews, attacked the same way (the first 20 targets),
    show the attack works."""
    ref_year = int(exact.sql("SELECT max(ts) FROM events")[0][0].year)
    found = _targets(exact, ref_year)
    assert len(found) >= 100, f"the demo has {len(found)} differencing targets"
    rng = random.Random(7)
    every = sorted({r[0] for r in exact.sql("SELECT DISTINCT kind FROM items")})
    chosen: list[dict[str, Any]] = []
    kinds: list[str] = []
    for target in rng.sample(found, len(found)):
        engaged = {
            r[0]
            for r in exact.sql(
                "SELECT DISTINCT i.kind FROM events e JOIN items i USING (item_id) "
                "WHERE e.user_id = ?",
                [target["user_id"]],
            )
        }
        if not engaged or engaged == set(every):
            continue  # no balanced question to ask about this one
        # every other target is asked about a kind they engaged with: a balanced guess
        pool = sorted(engaged) if len(chosen) % 2 == 0 else sorted(set(every) - engaged)
        kind = rng.choice(pool)
        chosen.append({**target, "engaged": kind in engaged})
        kinds.append(kind)
        if len(chosen) == 50:
            break
    assert len(chosen) == 50
    base = sum(t["engaged"] for t in chosen) / len(chosen)
    assert base == 0.5

    control = _attack(exact, "platform", chosen[:20], kinds[:20])
    measured = _attack(exact, "partner", chosen, kinds)
    bound = math.exp(2 * EPSILON) / (1 + math.exp(2 * EPSILON))
    print(f"differencing: exact {control:.3f}, partner {measured:.3f}, bound {bound:.3f}")
    assert control >= 0.9, "the attack must work on exact figures, or this test proves nothing"
    # 50 guesses: allow two standard errors of sampling above the bound
    assert measured <= bound + 2 * math.sqrt(bound * (1 - bound) / len(chosen))


# ------------------------------------------------------------------ (b) averaging


def test_repeating_a_query_returns_the_same_answer_and_charges_once(noised: Target) -> None:
    """(b) One query 100 times: the answers are identical and the budget is charged once."""
    ledger = Ledger(noised.ws.root / "privacy", noised.ws.config.privacy.epsilon_budget)
    before = ledger.spent(PARTNER)
    url = f"{API}/preferences?segment=gen_z_tier1&by=attributes.style&top=50"
    answers = set()
    for _ in range(100):
        r = noised.client.get(url, headers=noised.auth("partner"))
        assert r.status_code == 200, r.text
        answers.add(json.dumps(r.json()["data"], sort_keys=True))
    assert len(answers) == 1
    assert ledger.spent(PARTNER) - before == pytest.approx(EPSILON)
    # an ad-hoc preview, repeated and renamed, likewise
    body = {"name": "one", "age_min": 18, "age_max": 24, "city_tiers": [1], "by": "kind"}
    first = noised.client.post(f"{API}/segments/preview", json=body, headers=noised.auth("partner"))
    spent = ledger.spent(PARTNER)
    for name in ("two", "three", "one"):
        again = noised.client.post(
            f"{API}/segments/preview", json={**body, "name": name}, headers=noised.auth("partner")
        )
        assert again.json()["users"] == first.json()["users"]
        assert again.json()["preferences"] == first.json()["preferences"]
    assert ledger.spent(PARTNER) == spent


# ------------------------------------------------------------------ (c) racing the budget


def test_concurrent_queries_never_overspend_the_budget(noised: Target) -> None:
    """(c) 20 different queries at once against the last 3 releases' worth of a budget."""
    budget = noised.ws.config.privacy.epsilon_budget
    ledger = Ledger(noised.ws.root / "privacy", budget)
    ledger.spend("p_wren", budget - 3 * EPSILON - ledger.spent("p_wren"), "set-up", "set-up")
    listed = noised.client.get(f"{API}/segments", headers=noised.auth("platform")).json()
    segments = [s["name"] for s in listed["data"] if s["name"] != "all"][:4]
    dims = ["kind", "genre", "attributes.style", "attributes.colour", "attributes.pattern"]
    urls = [f"{API}/preferences?segment={s}&by={d}" for s in segments for d in dims][:20]

    def ask(url: str) -> int:
        return noised.client.get(url, headers=noised.auth("racer")).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(ask, urls))
    assert ledger.spent("p_wren") <= budget + 1e-9
    assert codes.count(200) <= 3 and codes.count(200) + codes.count(400) == 20
    assert ledger.remaining("p_wren") == pytest.approx(
        3 * EPSILON - codes.count(200) * EPSILON, abs=1e-9
    )


# ------------------------------------------------------------------ (d) every route


USER_COUNT_KEYS = {"users", "members", "size", "audience", "reach"}


def _user_counts(value: Any, path: str = "") -> dict[str, float]:
    """Every number in a response whose key names a count of users."""
    out: dict[str, float] = {}
    if isinstance(value, dict):
        for k, v in value.items():
            here = f"{path}.{k}"
            if (
                isinstance(v, int | float)
                and not isinstance(v, bool)
                and (k in USER_COUNT_KEYS or k.endswith("_users"))
            ):
                out[here] = float(v)
            else:
                out.update(_user_counts(v, here))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.update(_user_counts(v, f"{path}[{i}]"))
    return out


def _requests(t: Target) -> list[tuple[str, str, dict[str, Any] | None]]:
    """(method, url, body) for every route of the OpenAPI spec that reads data."""
    spec = t.client.get(f"{API}/openapi.json", headers=t.auth("partner")).json()
    own_item = t.sql(
        "SELECT item_id FROM items WHERE partner_id = ? ORDER BY item_id LIMIT 1", [PARTNER]
    )[0][0]
    samples = {
        "item_id": own_item,
        "campaign_id": "c_britannia_summer",
        "segment": "gen_z",
        "by": "kind",
        "q": "英国",
        "step": "view&step=purchase",  # a funnel of two steps
        "after": "view",
        "period_start": "2026-06-22",
    }
    bodies = {
        f"{API}/segments/preview": {"age_min": 18, "age_max": 24, "by": "kind"},
        f"{API}/recommendations/audience": {"kind": "tourism", "genres": ["heritage"]},
    }
    out: list[tuple[str, str, dict[str, Any] | None]] = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method == "get":
                url = path
                query = []
                for p in op.get("parameters", []):
                    name = p["name"]
                    if p["in"] == "path":
                        url = url.replace("{" + name + "}", str(samples[name]))
                    elif p.get("required"):
                        query.append(f"{name}={samples[name]}")
                out.append(("GET", url + ("?" + "&".join(query) if query else ""), None))
            elif method == "post" and path in bodies:
                out.append(("POST", path, bodies[path]))
    return out


def test_no_route_releases_an_exact_user_count_with_noise_on(noised: Target, exact: Target) -> None:
    """(d) Walk every route: with noise on, the user counts a partner's key gets are not the
    exact ones (a noised count equals the truth now and then; most must not)."""
    k = noised.ws.config.privacy.k
    compared = equal = 0
    leaks: dict[str, int] = {}
    for method, url, body in _requests(noised):
        if "/keys" in url:
            continue
        got = noised.client.request(method, url, json=body, headers=noised.auth("partner"))
        if got.status_code != 200:
            continue
        # the exact figures: the partner's own view without noise (a partner's ad-hoc segment
        # is noised there too, so the platform's as well), compared as multisets since noise
        # may reorder rows
        real: Counter[float] = Counter()
        for who in ("partner", "platform"):
            truth = exact.client.request(method, url, json=body, headers=exact.auth(who))
            if truth.status_code == 200:
                real |= Counter(_user_counts(truth.json()).values())
        mine = Counter(v for v in _user_counts(got.json()).values() if v >= k)
        same = sum((mine & real).values())
        compared += sum(mine.values())
        equal += same
        if sum(mine.values()) >= 3 and same == sum(mine.values()):
            leaks[url] = same
    assert not leaks, f"routes that release exact user counts with noise on: {leaks}"
    assert compared >= 50
    assert equal / compared < 0.3, (equal, compared)


# ------------------------------------------------------------------ (e) other partners' values


def _dimensions(t: Target) -> list[str]:
    keys = t.sql("SELECT DISTINCT unnest(map_keys(attributes)) FROM items ORDER BY 1")
    return ["kind", "partner", "item", "genre", *(f"attributes.{k[0]}" for k in keys)]


def _own_values(t: Target, dimension: str) -> set[str]:
    where = "partner_id = ?"
    if dimension in ("kind", "item", "partner"):
        col = {"kind": "kind", "item": "item_id", "partner": "partner_id"}[dimension]
        rows = t.sql(f"SELECT DISTINCT CAST({col} AS VARCHAR) FROM items WHERE {where}", [PARTNER])
    elif dimension == "genre":
        rows = t.sql(f"SELECT DISTINCT unnest(genres) FROM items WHERE {where}", [PARTNER])
    else:
        key = dimension.removeprefix("attributes.")
        rows = t.sql(f"SELECT DISTINCT attributes[?] FROM items WHERE {where}", [key, PARTNER])
    return {str(r[0]) for r in rows if r[0] is not None}


def test_no_breakdown_releases_a_value_only_other_partners_items_carry(exact: Target) -> None:
    """(e) Every breakdown dimension of preferences and trends, with a partner's read key."""
    checked = 0
    for dim in _dimensions(exact):
        own = _own_values(exact, dim) | {OTHER_PARTNERS}
        for url in (
            f"{API}/preferences?segment=gen_z&by={dim}&top=1000",
            f"{API}/trends?by={dim}&top=1000",
            f"{API}/breakdown?by={dim}&top=1000",
        ):
            r = exact.client.get(url, headers=exact.auth("partner"))
            assert r.status_code == 200, (url, r.text)
            out = r.json()
            values = {str(row["value"]) for row in out.get("data", out.get("rows", []))}
            assert values <= own, (url, sorted(values - own)[:5])
            checked += len(values)
    assert checked > 50


# ------------------------------------------------------------------ (f) writes


def _upload(t: Target, table: str, rows: list[dict[str, Any]]) -> Any:
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    files = {"file": (f"{table}.csv", buf.getvalue().encode(), "text/csv")}
    return t.client.post(f"{API}/ingest/{table}", files=files, headers=t.auth("partner_admin"))


def test_a_partners_admin_key_writes_its_own_data_only(exact: Target) -> None:
    """(f) Another partner's items, shared items, events on another partner's items and the
    platform's tables are refused; the partner's own item goes in."""
    other_item = exact.sql(
        "SELECT item_id FROM items WHERE partner_id <> ? ORDER BY item_id LIMIT 1", [PARTNER]
    )[0][0]
    own_item = exact.sql(
        "SELECT item_id FROM items WHERE partner_id = ? ORDER BY item_id LIMIT 1", [PARTNER]
    )[0][0]
    items = [
        {"item_id": "x_theirs", "partner_id": "p_albion", "kind": "film", "title_en": "Theirs"},
        {"item_id": "x_shared", "partner_id": "", "kind": "film", "title_en": "Shared"},
        {"item_id": "x_mine", "partner_id": PARTNER, "kind": "tourism", "title_en": "Mine"},
    ]
    r = _upload(exact, "items", items)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["read"], out["accepted"], out["rejected"]) == (3, 1, 2)
    before = exact.sql("SELECT count(*) FROM events WHERE item_id = ?", [other_item])[0][0]
    events = [
        {"ts": "2025-06-01T10:00:00", "user_id": f"u{i}", "item_id": item, "type": "view"}
        for i, item in enumerate([other_item] * 20 + [own_item] * 5)
    ]
    r = _upload(exact, "events", events)
    assert r.status_code == 200, r.text
    assert (r.json()["accepted"], r.json()["rejected"]) == (5, 20)
    assert exact.sql("SELECT count(*) FROM events WHERE item_id = ?", [other_item])[0][0] == before
    for table in ("users", "partners", "posts", "assignments", "matches"):
        r = _upload(exact, table, [{"user_id": "u1"}])
        assert r.status_code == 403, (table, r.text)


# ------------------------------------------------------------------ (g) files at rest


def _readable_by_others(root: Path, path: Path) -> bool:
    """Whether a user other than the owner (and not in its group) could read `path`: the file
    is world-readable and every folder from the workspace down to it world-searchable."""
    if not path.stat().st_mode & stat.S_IROTH:
        return False
    folder = path.parent
    while True:
        if not folder.stat().st_mode & stat.S_IXOTH:
            return False
        if folder == root:
            return True
        folder = folder.parent


def test_a_killed_ingest_leaves_no_raw_id_readable_by_others(tmp_path: Path) -> None:
    """(g) SIGKILL an ingest half-way (rejected rows hold raw ids), then look at every file."""
    ws = Workspace.create(tmp_path / "ws")
    path = tmp_path / "users.csv"
    raw = [f"rawid{i:07d}" for i in range(400_000)]
    with path.open("w", encoding="utf-8") as fh:
        fh.write("user_id,birth_year,gender,province,city_tier,platform\n")
        for i, uid in enumerate(raw):
            # every fourth row is rejected (an impossible city tier): its raw text is kept
            fh.write(f"{uid},1990,female,Anhui,{9 if i % 4 == 0 else 2},web\n")
    cli = Path(sys.executable).parent / "culturebridge"
    proc = subprocess.Popen(
        [str(cli), "ingest", str(ws.root), str(path), "--table", "users"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    staging = ws.root / ".staging"
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if staging.is_dir() and any(p.suffix == ".parquet" for p in staging.rglob("*")):
            break
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL) if proc.poll() is None else None
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"
    assert staging.is_dir()
    probes = [r.encode() for r in raw[::997][:50]]
    leaked = []
    for file in ws.root.rglob("*"):
        if file.is_file() and _readable_by_others(ws.root, file):
            data = file.read_bytes()
            if any(p in data for p in probes):
                leaked.append(str(file.relative_to(ws.root)))
    assert not leaked, leaked
