"""The item catalogue the item-level routes share: every item's owner, kind, titles, price,
image and attributes, read once per data version; and the scope check on an item id."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from culturebridge.api._deps import AppState, Caller, not_visible
from culturebridge.query import reference_table


@dataclass(frozen=True)
class ItemRecord:
    """What the item-level routes need to know about one item."""

    item_id: str
    partner_id: str | None
    kind: str | None
    title_en: str | None
    title_zh: str | None
    price: float | None
    image_uri: str | None
    attributes: dict[str, Any]


def _attributes(value: Any) -> dict[str, Any]:
    """The items' free attributes as a dict, whatever the engine hands back (JSON text or a
    map's key/value pairs)."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    if isinstance(value, list):
        return {str(k): v for k, v in value if k is not None}
    return {}


def catalogue(state: AppState) -> dict[str, ItemRecord]:
    """Every item of the workspace, read once per data version."""

    def load() -> dict[str, ItemRecord]:
        columns = [
            "item_id",
            "partner_id",
            "kind",
            "title_en",
            "title_zh",
            "price",
            "image_uri",
            "attributes",
        ]
        rows = reference_table(state.ws, "items", columns).to_pylist()
        return {
            str(r["item_id"]): ItemRecord(
                item_id=str(r["item_id"]),
                partner_id=r["partner_id"],
                kind=r["kind"],
                title_en=r["title_en"],
                title_zh=r["title_zh"],
                price=r["price"],
                image_uri=r["image_uri"],
                attributes=_attributes(r["attributes"]),
            )
            for r in rows
        }

    return state.once("catalogue", load, state.data_version(["items"]))


def visible_item(state: AppState, caller: Caller, item_id: str) -> ItemRecord:
    """The item, or a 404 when it is unknown or another partner's (the same answer)."""
    item = catalogue(state).get(item_id)
    if item is None or not caller.sees(item.partner_id):
        raise not_visible(f"item {item_id!r}")
    return item
