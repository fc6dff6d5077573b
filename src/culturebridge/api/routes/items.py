"""`GET /items`: the items a key sees in detail (its partner's; every item for the platform),
with kind and both titles: what a client needs to ask the item-level routes about."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from culturebridge.api._catalogue import catalogue
from culturebridge.api._deps import CallerDep, StateDep
from culturebridge.api._models import Rows

router = APIRouter(prefix="/items", tags=["items"])

Kind = Literal["film", "series", "documentary", "game", "fashion", "tourism", "esports_event"]


class ItemPublic(BaseModel):
    item_id: str
    kind: str | None
    title_en: str | None
    title_zh: str | None
    price: float | None
    image_url: str | None


@router.get("", response_model=Rows[ItemPublic], summary="The items this key sees in detail")
def list_items(
    state: StateDep,
    caller: CallerDep,
    kind: Annotated[Kind | None, Query(description="Only items of this kind.")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000, description="At most this many.")] = 1000,
) -> Rows[ItemPublic]:
    rows = [
        ItemPublic(
            item_id=item_id,
            kind=it.kind,
            title_en=it.title_en,
            title_zh=it.title_zh,
            price=it.price,
            image_url=f"/api/v1/fashion/images/{item_id}" if it.image_uri else None,
        )
        for item_id, it in sorted(catalogue(state).items())
        if caller.sees(it.partner_id) and (kind is None or it.kind == kind)
    ]
    return Rows[ItemPublic](data=rows[:limit], count=len(rows))
