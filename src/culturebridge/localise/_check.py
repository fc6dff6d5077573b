"""`localise check`: what stands between a catalogue and its Chinese audience.

Three kinds of finding, each a typed row of `CheckResult`:

* missing: an item without a Chinese title or a Chinese description (empty or blank). A Chinese
  description is asked for only when the item has an English one (there is nothing to render
  otherwise); a Chinese title always.
* inconsistent terms: an approved English term whose Chinese rendering is absent, or a
  forbidden rendering present (`Termbase.check_consistency`).
* too long for the UI: a text over its limit in `UiLimits`, counted in characters after NFC
  (a Chinese character counts one, like a Latin letter). The defaults fit a two-line card in
  the partner platform's apps: title_zh 30 (two lines of 15 full-width characters), title_en 80
  (two lines of 40), description_zh 140 (a blurb that fits a card without "more"; the classic
  Weibo length), description_en 300 (about the same reading time in English). The demo
  catalogue's longest texts are 21, 57, 43 and 118 characters.
  A TOML file (`--limits`) changes any of them, at its top level or under `[limits]`.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, computed_field

from culturebridge.errors import UserError, read_toml, validation_message
from culturebridge.localise._catalogue import Catalogue, ItemText, read_catalogue
from culturebridge.localise._termbase import Termbase, TermFinding, workspace_termbase
from culturebridge.workspace import Workspace

TextField = Literal["title_zh", "title_en", "description_zh", "description_en"]


class UiLimits(BaseModel):
    """Longest text, in characters, that each field may have (module docstring)."""

    model_config = ConfigDict(extra="forbid")

    title_zh: int = Field(default=30, ge=1)
    title_en: int = Field(default=80, ge=1)
    description_zh: int = Field(default=140, ge=1)
    description_en: int = Field(default=300, ge=1)

    @classmethod
    def load(cls, path: Path) -> UiLimits:
        raw = read_toml(path, f"limits file not found: {path}")
        data = raw.get("limits", raw) if isinstance(raw.get("limits"), dict) else raw
        message = ""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            message = validation_message(path, exc)
        raise UserError(message)


class MissingText(BaseModel):
    item_id: str
    kind: str
    field: Literal["title_zh", "description_zh"]
    title: str
    """The item's title in whichever language it has, to find it by."""


class TooLong(BaseModel):
    item_id: str
    kind: str
    field: TextField
    length: int
    limit: int
    text: str
    """The start of the text."""


class CheckResult(BaseModel):
    """The findings of `check_workspace`, kind by kind."""

    workspace: str | None
    items: int
    terms: int
    limits: UiLimits
    missing: list[MissingText]
    inconsistencies: list[TermFinding]
    too_long: list[TooLong]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def counts(self) -> dict[str, int]:
        return {
            "missing_title_zh": sum(m.field == "title_zh" for m in self.missing),
            "missing_description_zh": sum(m.field == "description_zh" for m in self.missing),
            "inconsistent_terms": len(self.inconsistencies),
            "too_long": len(self.too_long),
        }

    @property
    def total(self) -> int:
        return len(self.missing) + len(self.inconsistencies) + len(self.too_long)

    @property
    def ok(self) -> bool:
        return self.total == 0


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _length(text: str) -> int:
    return len(unicodedata.normalize("NFC", text))


def check_items(
    items: list[ItemText] | tuple[ItemText, ...],
    termbase: Termbase,
    *,
    limits: UiLimits | None = None,
    workspace: str | None = None,
) -> CheckResult:
    """The check on catalogue texts already read (what `check_workspace` runs)."""
    limits = limits or UiLimits()
    missing: list[MissingText] = []
    too_long: list[TooLong] = []
    for it in items:
        name = it.title_en or it.title_zh or it.item_id
        if _blank(it.title_zh):
            missing.append(
                MissingText(item_id=it.item_id, kind=it.kind, field="title_zh", title=name)
            )
        if _blank(it.description_zh) and not _blank(it.description_en):
            missing.append(
                MissingText(item_id=it.item_id, kind=it.kind, field="description_zh", title=name)
            )
        for field in ("title_zh", "title_en", "description_zh", "description_en"):
            text = getattr(it, field)
            limit = getattr(limits, field)
            if text and _length(text) > limit:
                too_long.append(
                    TooLong(
                        item_id=it.item_id,
                        kind=it.kind,
                        field=field,
                        length=_length(text),
                        limit=limit,
                        text=text if len(text) <= 40 else text[:39] + "…",
                    )
                )
    return CheckResult(
        workspace=workspace,
        items=len(items),
        terms=len(termbase),
        limits=limits,
        missing=missing,
        inconsistencies=termbase.check_consistency(items),
        too_long=too_long,
    )


def check_workspace(
    ws: Workspace,
    *,
    limits: UiLimits | None = None,
    termbase: Termbase | None = None,
    catalogue: Catalogue | None = None,
) -> CheckResult:
    """Check a workspace's catalogue against its effective termbase (`workspace_termbase`)
    and the UI limits."""
    cat = catalogue if catalogue is not None else read_catalogue(ws)
    tb = termbase if termbase is not None else workspace_termbase(ws, cat)
    return check_items(cat.items, tb, limits=limits, workspace=str(ws.root))
