"""Localisation: the catalogue check, script conversion and translation-memory search.

`GET /localise/check` is `culturebridge localise check DIR --json` restricted to the key's items
(every item for platform keys): a partner never sees another partner's missing texts or term
findings. `POST /localise/script` is `localise script`. `GET /localise/memory/search` is `localise
tm search` over the workspace's translation memory, `DIR/localise/memory.tmx` (or `memory.csv`,
beside the termbase `DIR/localise/termbase.csv`); a workspace without one answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, BeforeValidator, Field

from culturebridge.api._catalogue import catalogue
from culturebridge.api._deps import CallerDep, StateDep
from culturebridge.api._models import CHART_RESPONSE, Message, Rows, charted
from culturebridge.api.routes.social import encodable
from culturebridge.errors import UserError
from culturebridge.localise import CheckResult

router = APIRouter(prefix="/localise", tags=["localise"])

MEMORY_FILES = (Path("localise") / "memory.tmx", Path("localise") / "memory.csv")
"""Where a workspace keeps its translation memory, first found wins."""
MAX_SCRIPT_CHARS = 100_000
LimitQuery = Annotated[
    int | None, Query(ge=1, le=100_000, description="UI length limit (characters).")
]


@router.get(
    "/check",
    response_model=CheckResult,
    summary="Missing Chinese texts, term inconsistencies, over-long texts (`localise check`)",
    responses=CHART_RESPONSE,
)
@charted
def get_check(
    state: StateDep,
    caller: CallerDep,
    title_zh: LimitQuery = None,
    title_en: LimitQuery = None,
    description_zh: LimitQuery = None,
    description_en: LimitQuery = None,
) -> CheckResult:
    """The catalogue check on the items the key may see: missing Chinese titles and
    descriptions, English terms without their approved (or with a forbidden) Chinese rendering,
    texts over the UI length limits (characters; defaults as `localise check`, a limit given
    here replaces its default, as `--limits FILE` does). `items` counts the items checked."""
    from culturebridge.localise import UiLimits, check_workspace

    given = {
        "title_zh": title_zh,
        "title_en": title_en,
        "description_zh": description_zh,
        "description_en": description_en,
    }
    limits = UiLimits(**{k: v for k, v in given.items() if v is not None})
    full = state.cached(
        caller,
        "localise.check",
        tuple(given.values()),
        lambda: check_workspace(state.ws, limits=limits),
    )
    owners = {i: it.partner_id for i, it in catalogue(state).items()}
    mine = {i for i, owner in owners.items() if caller.sees(owner)}
    return full.model_copy(
        update={
            "workspace": state.ws.config.name,
            "items": full.items if caller.item_scope is None else len(mine),
            "missing": [m for m in full.missing if m.item_id in mine],
            "inconsistencies": [f for f in full.inconsistencies if f.item_id in mine],
            "too_long": [x for x in full.too_long if x.item_id in mine],
        }
    )


# ------------------------------------------------------------------------ script


class ScriptRequest(BaseModel):
    text: Annotated[str, BeforeValidator(encodable)] = Field(
        max_length=MAX_SCRIPT_CHARS, description="Chinese text."
    )
    to: Literal["hk", "tw", "t", "s", "cn"] = Field(
        description="hk (Hong Kong Traditional), tw (Taiwan, with Taiwan phrases), t (standard "
        "Traditional), s or cn (Simplified, from any of them)."
    )


class ScriptPublic(BaseModel):
    """As `culturebridge localise script TEXT --to X --json` prints it."""

    text: str
    to: str
    converted: str


@router.post(
    "/script",
    response_model=ScriptPublic,
    summary="Convert between Simplified and Traditional Chinese (`localise script`)",
)
def convert_script(body: ScriptRequest, caller: CallerDep) -> ScriptPublic:
    """OpenCC conversion: to Hong Kong or Taiwan Traditional (Taiwan with its phrases), to
    standard Traditional, or to Simplified."""
    from culturebridge.localise import to_simplified, to_traditional

    convert: dict[str, Callable[[str], str]] = {
        "hk": lambda s: to_traditional(s, "hk"),
        "tw": lambda s: to_traditional(s, "tw"),
        "t": lambda s: to_traditional(s, "t"),
        "s": lambda s: to_simplified(s, "tw"),
        "cn": lambda s: to_simplified(s, "tw"),
    }
    return ScriptPublic(text=body.text, to=body.to, converted=convert[body.to](body.text))


# ------------------------------------------------------------------------ memory


class MemoryMatch(BaseModel):
    """One match, as `culturebridge localise tm search --json` prints it."""

    score: float
    kind: Literal["exact", "fuzzy", "semantic"]
    source_lang: str
    source: str
    target_lang: str
    target: str
    tuid: str | None = None
    matched: str


def _memory(state: Any) -> Any:
    """The workspace's translation memory, read once per file version; None when absent."""
    from culturebridge.localise import TranslationMemory

    path = next((state.ws.root / p for p in MEMORY_FILES if (state.ws.root / p).is_file()), None)
    if path is None:
        return None
    st = path.stat()
    return state.once(
        "localise.memory", lambda: TranslationMemory.load(path), (str(path), st.st_mtime_ns)
    )


@router.get(
    "/memory/search",
    response_model=Rows[MemoryMatch],
    summary="The translation memory's closest segments (`localise tm search`)",
    responses={404: {"model": Message, "description": "The workspace has no memory."}},
)
def search_memory(
    state: StateDep,
    caller: CallerDep,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="Text to look up.")],
    limit: Annotated[int, Query(ge=1, le=50, description="Matches to return.")] = 5,
    threshold: Annotated[
        float | None,
        Query(ge=0.0, le=1.0, description="Smallest similarity (default: the configured 0.75)."),
    ] = None,
) -> Rows[MemoryMatch]:
    """Exact and fuzzy (character edit distance) matches of `q` in the workspace's memory,
    best first; the direction is guessed from the script of `q`."""
    from culturebridge.config import get_settings

    if not q.strip():
        raise UserError("the query is empty")
    tm = _memory(state)
    if tm is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            "this workspace has no translation memory (localise/memory.tmx or memory.csv)",
        )
    cutoff = threshold if threshold is not None else get_settings().localise.fuzzy_threshold
    matches = tm.fuzzy(q, n=limit, threshold=cutoff)
    rows = [
        MemoryMatch(
            score=round(m.score, 4),
            kind=m.kind,
            source_lang=m.segment.source_lang,
            source=m.segment.source,
            target_lang=m.segment.target_lang,
            target=m.segment.target,
            tuid=m.segment.tuid,
            matched=m.matched,
        )
        for m in matches
    ]
    return Rows[MemoryMatch](data=rows, count=len(rows))
