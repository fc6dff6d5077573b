"""How an item is named to a reader: by its titles, never only by its id.

Titles are catalogue data (the items table describes no audience member), so any surface may
read them; which items' figures it may show is the release step's business, not this one's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from culturebridge.query._engine import reference_table
from culturebridge.workspace import Workspace

Lang = Literal["en", "zh"]


class ItemTitle(BaseModel):
    """An item's titles and kind."""

    model_config = ConfigDict(frozen=True)

    item_id: str
    title_en: str | None
    title_zh: str | None
    kind: str | None

    @property
    def name(self) -> str:
        """The English title, else the Chinese one, else the id."""
        return self.title_en or self.title_zh or self.item_id

    def label(self, lang: Lang = "en") -> str:
        """Both titles, the reader's language first: "Rumble in the Bronx (红番区)"."""
        first, second = (
            (self.title_zh, self.title_en) if lang == "zh" else (self.title_en, self.title_zh)
        )
        if first and second and first != second:
            return f"{first} ({second})"
        return first or second or self.item_id

    @classmethod
    def of(cls, row: dict[str, Any]) -> ItemTitle:
        def text(v: Any) -> str | None:
            return (str(v).strip() or None) if v is not None else None

        return cls(
            item_id=str(row["item_id"]),
            title_en=text(row.get("title_en")),
            title_zh=text(row.get("title_zh")),
            kind=text(row.get("kind")),
        )


def item_titles(ws: Workspace, item_ids: Iterable[str] | None = None) -> dict[str, ItemTitle]:
    """item_id -> its titles, for `item_ids` (every item when None); unknown ids are absent."""
    wanted = None if item_ids is None else set(item_ids)
    if wanted is not None and not wanted:
        return {}
    rows = reference_table(ws, "items", ["item_id", "title_en", "title_zh", "kind"]).to_pylist()
    return {
        str(r["item_id"]): ItemTitle.of(r)
        for r in rows
        if wanted is None or str(r["item_id"]) in wanted
    }


def titled(item_id: str, titles: dict[str, ItemTitle], lang: Lang = "en") -> str:
    """An item as a reader knows it, with its id for reference: "Rumble in the Bronx (ml:24)";
    the id alone when the catalogue does not know it (or for "(other partners)")."""
    t = titles.get(item_id)
    return f"{t.label(lang)} ({item_id})" if t is not None and t.label(lang) != item_id else item_id
