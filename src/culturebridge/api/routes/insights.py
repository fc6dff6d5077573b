"""Saved insights: a partner's questions, kept in the workspace so that its dashboard reopens them.

An insight is a named question (a breakdown's parameters, as the Explore page's address holds
them); a pinned one is a tile of the partner's own dashboard on the Overview page. Only the
question is kept, never an answer: each reload asks the API again, through the same privacy
guard and audit, on the data as it is then. Each partner's insights are its own file,
`insights/PARTNER.json`, written atomically under the workspace's lock.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field, field_validator

from culturebridge.api._deps import CallerDep, StateDep
from culturebridge.errors import UserError

router = APIRouter(prefix="/insights", tags=["insights"])

QUESTION_KEYS = (
    "measure",
    "by",
    "segment",
    "kind",
    "items_of",
    "types",
    "compare",
    "period_from",
    "period_to",
)
"""The parameters of GET /breakdown an insight may keep, and `measure` (`users`, the
breakdown, or `lift`: the segment's preferences against everyone, GET /preferences)."""
MAX_INSIGHTS = 200


class InsightIn(BaseModel):
    name: str = Field(min_length=1, max_length=80, description="What the partner calls it.")
    query: dict[str, str] = Field(
        description="The question: parameters of GET /breakdown (by, segment, kind, items_of, "
        "types, compare, period_from, period_to)."
    )
    pinned: bool = Field(default=True, description="Shown on the partner's dashboard.")

    @field_validator("query")
    @classmethod
    def _known(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(v) - set(QUESTION_KEYS))
        if unknown:
            raise ValueError(f"unknown parameter {unknown[0]!r} (use {', '.join(QUESTION_KEYS)})")
        if not v.get("by"):
            raise ValueError("an insight needs `by` (the dimension it breaks down)")
        if any(len(x) > 200 for x in v.values()):
            raise ValueError("a parameter is longer than 200 characters")
        return {k: x for k, x in v.items() if x != ""}


class Insight(InsightIn):
    id: str
    created: datetime


def _path(root: FilePath, partner: str) -> FilePath:
    return root / "insights" / f"{partner}.json"


def _read(root: FilePath, partner: str) -> list[Insight]:
    path = _path(root, partner)
    if not path.exists():
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return [Insight.model_validate(x) for x in raw]
    except (ValueError, TypeError) as exc:
        raise UserError(f"{path.name}: saved insights are unreadable ({exc})") from None


def _write(root: FilePath, partner: str, insights: list[Insight]) -> None:
    path = _path(root, partner)
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(
        json.dumps([i.model_dump(mode="json") for i in insights], ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    os.replace(tmp, path)


@router.get("", response_model=list[Insight], summary="This key's saved insights")
def list_insights(state: StateDep, caller: CallerDep) -> list[Insight]:
    """The insights saved with this partner's keys, oldest first."""
    return _read(state.ws.root, caller.partner)


@router.post("", response_model=Insight, status_code=201, summary="Save an insight")
def save_insight(body: InsightIn, state: StateDep, caller: CallerDep) -> Insight:
    """Keep a question (pinned ones appear on the partner's dashboard)."""
    with state.ws.settings_lock():
        insights = _read(state.ws.root, caller.partner)
        if len(insights) >= MAX_INSIGHTS:
            raise UserError(f"at most {MAX_INSIGHTS} saved insights: delete some first")
        insight = Insight(**body.model_dump(), id=secrets.token_hex(6), created=datetime.now(UTC))
        _write(state.ws.root, caller.partner, [*insights, insight])
    return insight


@router.delete("/{insight_id}", status_code=204, summary="Delete a saved insight")
def delete_insight(
    insight_id: Annotated[str, Path(pattern=r"^[0-9a-f]{12}$")],
    state: StateDep,
    caller: CallerDep,
) -> None:
    with state.ws.settings_lock():
        insights = _read(state.ws.root, caller.partner)
        kept = [i for i in insights if i.id != insight_id]
        if len(kept) == len(insights):
            raise UserError(f"no saved insight {insight_id!r}")
        _write(state.ws.root, caller.partner, kept)
