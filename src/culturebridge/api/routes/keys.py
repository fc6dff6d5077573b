"""Key management (admin keys only): list, create and revoke the workspace's API keys."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from culturebridge.api._deps import AdminDep, Caller, StateDep, not_visible
from culturebridge.api._keys import KeyPublic, NewKey, public
from culturebridge.api._models import Rows
from culturebridge.privacy import PLATFORM

router = APIRouter(prefix="/keys", tags=["keys"])


class KeyCreate(BaseModel):
    partner: str = Field(min_length=1, max_length=100)
    scope: Literal["read", "admin"] = "read"
    rate_limit: int | None = Field(default=None, ge=1, le=1_000_000)
    label: str = Field(default="", max_length=200)


def _manages(caller: Caller, partner: str) -> bool:
    """A platform admin manages every key; a partner's admin only its own partner's."""
    return caller.partner == PLATFORM or caller.partner == partner


@router.get(
    "",
    response_model=Rows[KeyPublic],
    summary="The keys this admin manages (never the keys themselves)",
)
def list_keys(state: StateDep, caller: AdminDep) -> Rows[KeyPublic]:
    rows = [public(r) for r in state.keys.records() if _manages(caller, r.partner)]
    return Rows[KeyPublic](data=rows, count=len(rows))


@router.post(
    "",
    response_model=NewKey,
    status_code=status.HTTP_201_CREATED,
    summary="Create a key: the response is the only time it is shown",
)
def create_key(body: KeyCreate, state: StateDep, caller: AdminDep) -> NewKey:
    if not _manages(caller, body.partner):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"an admin key of {caller.partner} creates keys for {caller.partner} only",
        )
    return state.keys.create(
        partner=body.partner,
        scope=body.scope,
        rate_limit=body.rate_limit or state.settings.rate_limit,
        label=body.label,
    )


@router.delete("/{key_id}", response_model=KeyPublic, summary="Revoke a key")
def revoke_key(key_id: str, state: StateDep, caller: AdminDep) -> KeyPublic:
    found = [r for r in state.keys.records() if r.key_id == key_id]
    if not found or not _manages(caller, found[0].partner):
        raise not_visible(f"key {key_id!r}")
    return state.keys.revoke(key_id)
