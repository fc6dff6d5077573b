"""Key management (admin keys only): list, create and revoke the workspace's API keys."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from culturebridge.api._deps import AdminDep, StateDep
from culturebridge.api._keys import KeyPublic, NewKey, public
from culturebridge.api._models import Rows

router = APIRouter(prefix="/keys", tags=["keys"])


class KeyCreate(BaseModel):
    partner: str = Field(min_length=1, max_length=100)
    scope: Literal["read", "admin"] = "read"
    rate_limit: int | None = Field(default=None, ge=1, le=1_000_000)
    label: str = Field(default="", max_length=200)


@router.get("", response_model=Rows[KeyPublic], summary="Every key (never the keys themselves)")
def list_keys(state: StateDep, caller: AdminDep) -> Rows[KeyPublic]:
    rows = [public(r) for r in state.keys.records()]
    return Rows[KeyPublic](data=rows, count=len(rows))


@router.post(
    "",
    response_model=NewKey,
    status_code=status.HTTP_201_CREATED,
    summary="Create a key: the response is the only time it is shown",
)
def create_key(body: KeyCreate, state: StateDep, caller: AdminDep) -> NewKey:
    return state.keys.create(
        partner=body.partner,
        scope=body.scope,
        rate_limit=body.rate_limit or state.settings.rate_limit,
        label=body.label,
    )


@router.delete("/{key_id}", response_model=KeyPublic, summary="Revoke a key")
def revoke_key(key_id: str, state: StateDep, caller: AdminDep) -> KeyPublic:
    return state.keys.revoke(key_id)
