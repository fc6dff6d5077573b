"""A served demo workspace: the session's demo universe, a fitted recommendation model, and keys
for the platform and for several partners, behind FastAPI's TestClient (real HTTP tests start
uvicorn themselves)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from culturebridge.api import KeyStore, create_app
from culturebridge.query import connect
from culturebridge.workspace import Workspace
from tests.conftest import Demo
from tests.test_cli import invoke

# (name, partner, scope): the keys every API test can use
KEYS = [
    ("platform_admin", "platform", "admin"),
    ("platform", "platform", "read"),
    ("albion", "p_albion", "read"),  # broadcaster
    ("albion_admin", "p_albion", "admin"),
    ("northlight", "p_northlight", "read"),  # documentary co-producer
    ("lfc", "p_lfc", "read"),  # fashion council
    ("aurelia", "p_aurelia", "read"),  # designer
    ("britannia", "p_britannia", "read"),  # tourism board (runs the demo campaign)
]


@dataclass(frozen=True)
class Served:
    ws: Workspace
    keys: dict[str, str]
    """name (see KEYS) -> the key itself"""
    truth: dict[str, object]

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[name]}"}


@pytest.fixture(scope="session")
def served(demo: Demo) -> Served:
    ws = demo.ws
    model = ws.root / "models" / "default"
    if not (model / "model.json").exists() and not model.exists():
        code, out, err = invoke("recommend", "fit", "--workspace", ws.root, "--out", model)
        assert code == 0, err
    store = KeyStore(ws)
    keys = {
        name: store.create(partner=partner, scope=scope, rate_limit=1_000_000).key  # type: ignore[arg-type]
        for name, partner, scope in KEYS
    }
    return Served(ws=ws, keys=keys, truth=demo.truth)


@pytest.fixture(scope="session")
def client(served: Served) -> Iterator[TestClient]:
    with TestClient(create_app(served.ws.root)) as c:
        yield c


def items_of(ws: Workspace) -> dict[str, str]:
    """item_id -> partner_id for every item in the workspace."""
    con = connect(ws)
    try:
        rows = con.table("items").select("item_id", "partner_id").to_pyarrow().to_pylist()
    finally:
        con.disconnect()
    return {r["item_id"]: r["partner_id"] for r in rows}


def campaigns_of(ws: Workspace) -> dict[str, str]:
    """campaign_id -> partner_id."""
    con = connect(ws)
    try:
        rows = con.table("campaigns").select("campaign_id", "partner_id").to_pyarrow().to_pylist()
    finally:
        con.disconnect()
    return {r["campaign_id"]: r["partner_id"] for r in rows}


__all__ = ["KEYS", "Path", "Served", "campaigns_of", "items_of"]
