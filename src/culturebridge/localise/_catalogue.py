"""The bilingual catalogue as the localisation checks read it: items' and partners' names and
texts in English and Chinese, read once through the workspace's query layer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from culturebridge.query import reference_table
from culturebridge.workspace import Workspace

ITEM_COLUMNS = ("item_id", "kind", "title_en", "title_zh", "description_en", "description_zh")


@dataclass(frozen=True)
class ItemText:
    item_id: str
    kind: str = ""
    title_en: str | None = None
    title_zh: str | None = None
    description_en: str | None = None
    description_zh: str | None = None

    def pairs(self) -> list[tuple[str, str | None, str | None]]:
        """(field, English, Chinese) for the title and the description."""
        return [
            ("title", self.title_en, self.title_zh),
            ("description", self.description_en, self.description_zh),
        ]


@dataclass(frozen=True)
class PartnerText:
    partner_id: str
    name_en: str | None = None
    name_zh: str | None = None


@dataclass(frozen=True)
class Catalogue:
    items: tuple[ItemText, ...]
    partners: tuple[PartnerText, ...]
    root: Path | None = None


def read_catalogue(ws: Workspace) -> Catalogue:
    """Every item's and partner's English and Chinese texts, in id order."""
    items: list[dict[str, Any]] = reference_table(
        ws, "items", ITEM_COLUMNS, order_by=["item_id"]
    ).to_pylist()
    partners: list[dict[str, Any]] = reference_table(
        ws, "partners", ["partner_id", "name_en", "name_zh"], order_by=["partner_id"]
    ).to_pylist()
    return Catalogue(
        items=tuple(ItemText(**row) for row in items),
        partners=tuple(PartnerText(**row) for row in partners),
        root=ws.root,
    )
