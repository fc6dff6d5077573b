"""Recommendations: items similar to an item (from the workspace's fitted model) and the expected
audience of a proposed title.

`GET /recommendations/similar/{item_id}` is on the hot path (the dashboard asks it on every item
page), so nothing per request touches DuckDB or the model files beyond a `stat`: the model and the
item catalogue are loaded once (again when the model files or the data change), every scope's
top lists are computed on load with the model's own `similar_items` (what `recommend similar`
prints), and each answer is kept as JSON bytes once it has been asked for.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Annotated, Any

import numpy as np
import scipy.sparse as sp
from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from culturebridge.api._catalogue import ItemRecord, catalogue
from culturebridge.api._deps import (
    AppState,
    CallerDep,
    StateDep,
    keep_answer,
    not_visible,
)
from culturebridge.api._models import (
    CHART_RESPONSE,
    CSV,
    NEGOTIATED,
    PLOTLY,
    Rows,
    exported,
    published,
)
from culturebridge.privacy import Released
from culturebridge.query import publish
from culturebridge.recommend import (
    ARRAYS_NPZ,
    MODEL_JSON,
    AudiencePlan,
    ProposedTitle,
    Recommender,
    plan_audience,
    top_n,
)
from culturebridge.workspace import Workspace

router = APIRouter(prefix="/recommendations", tags=["recommend"])

MODEL_DIR = FsPath("models") / "default"
"""Where the API looks for the workspace's model (`recommend fit --out DIR/models/default`)."""
MAX_N = 100
"""The longest similar-items list the API gives (and precomputes)."""
ItemId = Annotated[str, Path(min_length=1, max_length=200, description="An item id.")]


# ---------------------------------------------------------------------------- the catalogue


def data_stamp(ws: Workspace) -> tuple[int, int, int]:
    """Changes whenever an ingest commits (the manifest is replaced): a `stat`, not a read."""
    try:
        st = os.stat(ws.manifest_path)
    except FileNotFoundError:
        return (0, 0, 0)
    return (st.st_mtime_ns, st.st_ino, st.st_size)


# ---------------------------------------------------------------------------- similar items


class SimilarItem(BaseModel):
    item_id: str
    title_en: str | None
    title_zh: str | None
    kind: str | None
    score: float = Field(description="Cosine similarity of the model's item vectors.")


@dataclass
class SimilarIndex:
    """A loaded model's top lists per scope (None: the platform, else a partner id).

    `tops[scope][row]` holds the rows and scores of the MAX_N items most like item `row` among
    the items the scope sees; `answers` caches the JSON of each row's list items once served.
    """

    model_name: str
    item_ids: list[str]
    row_of: dict[str, int]
    catalogue: dict[str, ItemRecord]
    tops: dict[str | None, dict[int, tuple[list[int], list[float]]]]
    answers: dict[tuple[str | None, int], list[bytes]] = field(default_factory=dict)

    def owner(self, item_id: str) -> tuple[bool, str | None]:
        """(known, owner) for an item of the catalogue or of the model."""
        entry = self.catalogue.get(item_id)
        if entry is not None:
            return True, entry.partner_id
        return item_id in self.row_of, None

    def fragments(self, scope: str | None, row: int) -> list[bytes]:
        key = (scope, row)
        hit = self.answers.get(key)
        if hit is not None:
            return hit
        rows, scores = self.tops.get(scope, {}).get(row, ([], []))
        out = []
        for r, s in zip(rows, scores, strict=True):
            item_id = self.item_ids[r]
            e = self.catalogue.get(item_id)
            item = SimilarItem(
                item_id=item_id,
                title_en=e.title_en if e else None,
                title_zh=e.title_zh if e else None,
                kind=e.kind if e else None,
                score=s,
            )
            out.append(item.model_dump_json().encode())
        self.answers[key] = out  # a racing request builds the same list: harmless
        return out


def build_index(model: Recommender, cat: dict[str, ItemRecord]) -> SimilarIndex:
    """Top lists for the platform (every item) and for each partner (its own items only).

    The similarity is `Recommender.similar_items`' (what `recommend similar` prints): cosine of
    the model's item vectors, the item itself left out, ties to the lower item row. It is
    computed here for blocks of items at once (one matrix product per block rather than one
    pass over every vector per item), so loading a catalogue of thousands takes seconds. A
    partner's list ranks only the partner's items, so it holds up to MAX_N of its own.
    """
    ids = [str(x) for x in model.item_ids.tolist()]
    n_items = len(ids)
    unit = _unit_rows(model._item_vectors())
    tops: dict[str | None, dict[int, tuple[list[int], list[float]]]] = {None: {}}
    by_partner: dict[str, list[int]] = {}
    for r, i in enumerate(ids):
        owner = cat[i].partner_id if i in cat else None
        if owner is not None:
            by_partner.setdefault(owner, []).append(r)
    tops[None] = _top_lists(unit, np.arange(n_items))
    for partner, rows in by_partner.items():
        tops[partner] = _top_lists(unit, np.array(rows))
    return SimilarIndex(model.name, ids, {i: r for r, i in enumerate(ids)}, cat, tops)


def _unit_rows(vecs: Any) -> Any:
    """Item vectors scaled to unit length (zero vectors stay zero: similarity 0 to all)."""
    if sp.issparse(vecs):
        v = sp.csr_matrix(vecs, dtype=np.float32)
        norms = np.sqrt(np.asarray(v.multiply(v).sum(axis=1)).ravel())
    else:
        v = np.asarray(vecs, dtype=np.float32)
        norms = np.linalg.norm(v, axis=1)
    inv = np.zeros_like(norms, dtype=np.float32)
    np.divide(1.0, norms, out=inv, where=norms > 0)
    return sp.csr_matrix(sp.diags(inv) @ v) if sp.issparse(v) else v * inv[:, None]


def _top_lists(unit: Any, rows: np.ndarray) -> dict[int, tuple[list[int], list[float]]]:
    """For each item row in `rows`, the MAX_N most similar among `rows` (itself left out)."""
    out: dict[int, tuple[list[int], list[float]]] = {}
    if len(rows) < 2:
        return {int(r): ([], []) for r in rows}
    cand = unit[rows]
    block = max(1, (1 << 24) // len(rows))  # about 64 MB of float32 scores at a time
    for start in range(0, len(rows), block):
        part = rows[start : start + block]
        sims = unit[part] @ cand.T
        sims = sims.toarray() if sp.issparse(sims) else np.asarray(sims)
        sims = np.nan_to_num(sims.astype(np.float32), nan=0.0)
        sims[np.arange(len(part)), np.arange(start, start + len(part))] = -np.inf
        idx, val = top_n(sims, min(MAX_N, len(rows) - 1))
        for k, r in enumerate(part):
            keep = idx[k] >= 0
            out[int(r)] = (
                [int(rows[j]) for j in idx[k][keep]],
                [round(float(x), 6) for x in val[k][keep]],
            )
    return out


_LOADING = threading.Lock()
"""One load at a time: a burst of first requests waits for one load instead of each loading."""


def _model_stamp(root: FsPath) -> tuple[Any, ...] | None:
    try:
        a, b = os.stat(root / MODEL_DIR / MODEL_JSON), os.stat(root / MODEL_DIR / ARRAYS_NPZ)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return (a.st_mtime_ns, a.st_size, b.st_mtime_ns, b.st_size)


def _no_model(root: FsPath) -> HTTPException:
    return HTTPException(
        status.HTTP_409_CONFLICT,
        f"no recommendation model at {root / MODEL_DIR}: run `culturebridge recommend fit "
        f"--workspace {root} --out {root / MODEL_DIR}` first",
    )


def _index_version(state: AppState) -> tuple[Any, ...]:
    """What the similar-items index is built from: the model's files and the committed data."""
    return (_model_stamp(state.ws.root), data_stamp(state.ws))


def _current(state: AppState) -> tuple[tuple[Any, ...], SimilarIndex | None]:
    """The version the index must have, and the loaded index when it has it (no blocking)."""
    version = _index_version(state)
    if version[0] is None:
        raise _no_model(state.ws.root)
    hit = state.extras.get("similar_index")
    if hit is not None and hit[0] == version:
        return version, hit[1]
    return version, None


def _load(state: AppState, version: tuple[Any, ...]) -> SimilarIndex:
    with _LOADING:

        def load() -> SimilarIndex:
            model = Recommender.load(state.ws.root / MODEL_DIR)
            return build_index(model, catalogue(state))

        return state.once("similar_index", load, version)


@router.get(
    "/similar/{item_id}",
    response_model=Rows[SimilarItem],
    summary="Items most like an item, among those the key sees",
    responses={
        404: {"description": "No such item visible to this key"},
        409: {"description": "No model fitted yet"},
    },  # fmt: skip
)
async def similar(
    item_id: ItemId,
    state: StateDep,
    caller: CallerDep,
    n: Annotated[int, Query(ge=1, le=MAX_N, description="How many items.")] = 10,
) -> Response:
    """The `n` items most like `item_id` by the workspace's model (`DIR/models/default`):
    cosine similarity of item vectors, as `recommend similar` gives. A partner's key asks about
    its own items and gets its own items back; the platform's sees every item."""
    version, index = _current(state)
    if index is None:
        index = await run_in_threadpool(_load, state, version)
    keep_answer(lambda: _index_version(state), version)
    known, owner = index.owner(item_id)
    if not known or not caller.sees(owner):
        raise not_visible("item")
    row = index.row_of.get(item_id)
    frags = [] if row is None else index.fragments(caller.item_scope, row)[:n]
    body = b'{"data":[' + b",".join(frags) + b'],"count":%d,"privacy":[],"scope":null}' % len(frags)
    accept, language, _ = NEGOTIATED.get()
    if CSV in accept or PLOTLY in accept:  # an export or the chart: not the hot path
        rows = json.loads(body)["data"]
        return exported(rows, "zh" if language.lower().startswith("zh") else "en", _similar_chart)
    return Response(content=body, media_type="application/json")


def _similar_chart(rows: list[dict[str, Any]], lang: str) -> dict[str, Any] | None:
    from culturebridge.reports import count_bars

    def name(r: dict[str, Any]) -> str:
        first, second = ("title_zh", "title_en") if lang == "zh" else ("title_en", "title_zh")
        return str(r.get(first) or r.get(second) or r["item_id"])

    return count_bars([(name(r), float(r["score"])) for r in rows], x_title="similarity")


# ---------------------------------------------------------------------------- audience plan


class ProposedTitleRequest(ProposedTitle):
    """A proposed title as `recommend audience --spec` reads it, plus how many neighbours."""

    neighbours: int = Field(default=10, ge=1, le=100, description="Catalogue items to learn from.")


@router.post(
    "/audience",
    response_model=AudiencePlan,
    summary="Expected audience of a proposed title, per segment",
    responses=CHART_RESPONSE,
)
@published
def audience_plan(
    body: ProposedTitleRequest, state: StateDep, caller: CallerDep
) -> Released[AudiencePlan]:
    """Who would engage with a title still being planned: its nearest catalogue titles by
    content and their audiences, per segment, through the privacy guard (`recommend audience`).
    A partner's key plans as that partner: other partners' titles among the neighbours are not
    named."""
    spec = ProposedTitle.model_validate(body.model_dump(exclude={"neighbours"}))
    key = json.dumps(body.model_dump(mode="json"), sort_keys=True)
    return state.cached(
        caller,
        "audience_plan",
        key,
        lambda: publish(
            state.ws,
            plan_audience(state.ws, spec, partner=caller.item_scope, n_neighbours=body.neighbours),
        ),
    )
