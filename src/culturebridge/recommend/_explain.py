"""Why an item was recommended: the user's segment and the history items that point to it.

For models whose score is a sum over the user's history (EASE, rdlae, item-kNN, RP3beta) the
reasons are the history items that add most to the item's score, exactly; for the others
(factor models, content) they are the history items most similar to it under the model's own
item vectors. Either way a reader sees "because you engaged with X and Y" in the model's
terms, not a story told after the fact.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel

from culturebridge.query import reference_table
from culturebridge.recommend._base import Recommender


class ExplainedItem(BaseModel):
    rank: int
    item_id: str
    title: str
    score: float
    because: list[str]
    """Titles of the user's history items nearest to this one (empty for a popular fallback)."""


class Explanation(BaseModel):
    user_id: str
    segment: str
    history_items: int
    fallback: bool
    """True when the user had no history: the list is their segment's (or everyone's) popular."""
    recommendations: list[ExplainedItem]


def _titles(ws: Any, item_ids: list[str]) -> dict[str, str]:
    wanted = set(item_ids)
    items = reference_table(ws, "items", ["item_id", "title_en", "title_zh"], backend="duckdb")
    df = items.to_pandas()
    df = df[df["item_id"].isin(wanted)]
    out = {}
    for row in df.itertuples(index=False):
        en, zh = row.title_en or "", row.title_zh or ""
        out[row.item_id] = f"{en} ({zh})" if en and zh else en or zh or row.item_id
    return out


def _unit_rows(vecs: Any) -> Any:
    if sp.issparse(vecs):
        v = sp.csr_matrix(vecs, dtype=np.float32)
        norms = np.sqrt(np.asarray(v.multiply(v).sum(axis=1)).ravel())
        inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        return sp.diags(inv) @ v
    v = np.asarray(vecs, dtype=np.float32)
    norms = np.linalg.norm(v, axis=1)
    return v / np.maximum(norms, 1e-12)[:, None]


def explain(
    model: Recommender, ws: Any, user_ids: list[str], *, n: int = 5, because: int = 2
) -> list[Explanation]:
    """Top-`n` for each user with, per item, the `because` nearest items of their history."""
    rows = model.user_rows(user_ids)
    recs = model.recommend(rows, n)
    unit = _unit_rows(model._item_vectors())
    needed: set[str] = set()
    plans = []
    for r in rows.tolist():
        hist = model.history[r].indices if r >= 0 else np.zeros(0, np.int32)
        plans.append(hist)
        needed.update(model.item_ids[hist].tolist())
    needed.update(model.item_ids[recs.items[recs.items >= 0]].tolist())
    titles = _titles(ws, sorted(needed))
    out = []
    for k, (u, r) in enumerate(zip(user_ids, rows.tolist(), strict=True)):
        hist = plans[k]
        items = []
        for rank, (i, s) in enumerate(
            zip(recs.items[k].tolist(), recs.scores[k].tolist(), strict=True), 1
        ):
            if i < 0:
                break
            reasons: list[str] = []
            if len(hist) and r >= 0:
                sims = model.contributions(r, i)
                if sims is None:
                    s_ = unit[hist] @ unit[i].T
                    sims = np.asarray(s_.todense() if sp.issparse(s_) else s_).ravel()
                for j in np.argsort(-sims, kind="stable")[:because]:
                    if sims[j] > 0:
                        iid = str(model.item_ids[hist[j]])
                        reasons.append(titles.get(iid, iid))
            iid = str(model.item_ids[i])
            items.append(
                ExplainedItem(
                    rank=rank, item_id=iid, title=titles.get(iid, iid), score=s, because=reasons
                )
            )
        out.append(
            Explanation(
                user_id=u,
                segment=model.segment_of(np.array([r], np.int32))[0],
                history_items=len(hist),
                fallback=len(hist) == 0,
                recommendations=items,
            )
        )
    return out
