"""`GET /status`: the workspace's tables, rows and data version; `GET /whoami`: the key's
partner and scope (what the dashboard shows in its header)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from culturebridge.api._deps import CallerDep, StateDep
from culturebridge.privacy import Policy
from culturebridge.query import reference_table

router = APIRouter(tags=["status"])


class TableStatus(BaseModel):
    table: str
    rows: int
    files: int
    first: str | None = None
    last: str | None = None


class QualityPublic(BaseModel):
    """The data-quality report of a table's last ingest (the platform's admin keys only)."""

    table: str
    ingest_id: str
    finished: str
    read: int
    accepted: int
    rejected: int
    reject_rate: float
    rejects_by_reason: dict[str, int]
    new_values: dict[str, list[str]]
    unknown_refs: dict[str, int]
    warnings: list[str]


class StatusPublic(BaseModel):
    workspace: str
    backend: str
    version: int
    k: int
    tables: list[TableStatus]
    quality: list[QualityPublic] | None = None
    """The platform's admin keys only: each table's last ingest, with its warnings."""


class WhoAmI(BaseModel):
    key_id: str
    partner: str
    scope: str
    partner_name_en: str | None = None
    partner_name_zh: str | None = None


@router.get("/status", response_model=StatusPublic, summary="Tables, rows and data version")
def get_status(state: StateDep, caller: CallerDep) -> StatusPublic:
    def compute() -> StatusPublic:
        raw: dict[str, Any] = state.ws.status()
        tables = [
            TableStatus(
                table=name,
                rows=int(t.get("rows") or 0),
                files=int(t.get("files") or 0),
                first=t.get("from"),
                last=t.get("to"),
            )
            for name, t in raw["tables"].items()
        ]
        last: dict[str, dict[str, Any]] = {}
        for i in raw["ingests"]:
            if i.get("quality"):
                last[i["table"]] = i
        quality = [
            QualityPublic(
                table=table,
                ingest_id=i["ingest_id"],
                finished=i["finished"],
                read=i["read"],
                accepted=i["accepted"],
                rejected=i["rejected"],
                reject_rate=i["quality"]["reject_rate"],
                rejects_by_reason=i["quality"]["rejects_by_reason"],
                new_values=i["quality"]["new_values"],
                unknown_refs=i["quality"]["unknown_refs"],
                warnings=i["quality"]["warnings"],
            )
            for table, i in last.items()
        ]
        return StatusPublic(
            workspace=state.ws.config.name,
            backend=state.ws.config.backend,
            version=state.version(),
            k=Policy(state.ws.config.privacy, state.ws.root).k,
            tables=tables,
            # how the data arrived is the platform's business: its admin keys only
            quality=quality if caller.scope == "admin" and caller.partner == "platform" else None,
        )

    # by scope (admins see more) and by version: every ingest shows, even one adding no rows
    return state.cached(caller, "status", (caller.scope, state.version()), compute)


@router.get("/whoami", response_model=WhoAmI, summary="The key's partner and scope")
def whoami(state: StateDep, caller: CallerDep) -> WhoAmI:
    names = state.once(
        "partner_names", lambda: _partner_names(state), state.data_version(["partners"])
    )
    en, zh = names.get(caller.partner, (None, None))
    return WhoAmI(
        key_id=caller.key_id,
        partner=caller.partner,
        scope=caller.scope,
        partner_name_en=en,
        partner_name_zh=zh,
    )


class PartnerPublic(BaseModel):
    partner_id: str
    name_en: str | None = None
    name_zh: str | None = None
    sector: str | None = None


@router.get(
    "/partners", response_model=list[PartnerPublic], summary="The partners, by name and sector"
)
def get_partners(state: StateDep, caller: CallerDep) -> list[PartnerPublic]:
    """The partner directory (organisations, not users): what the pages show instead of ids."""

    def load() -> list[PartnerPublic]:
        rows = reference_table(state.ws, "partners").to_pylist()
        return [PartnerPublic.model_validate(r) for r in rows]

    return state.once("partners", load, state.data_version(["partners"]))


def _partner_names(state: Any) -> dict[str, tuple[str | None, str | None]]:
    rows = reference_table(state.ws, "partners").to_pylist()
    out = {r["partner_id"]: (r.get("name_en"), r.get("name_zh")) for r in rows}
    out["platform"] = ("Platform analysts", "平台分析师")
    return out
