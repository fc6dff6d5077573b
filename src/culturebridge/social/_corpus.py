"""The posts an analysis reads: one engine query, then small arrays for the Python text work.

Social listening mixes engine work (which posts, whose, when: joins with segment members and
period truncation) with text work the engine cannot do (segmentation, sentiment, embeddings).
The engine does the first and hands over only what the second needs; each distinct text is then
processed once, because posts repeat (retweets, templates, copy-paste campaigns).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import ibis.expr.types as ir
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from culturebridge.query import PERIOD_UNITS, Analysis, Period, midnight


@dataclass(frozen=True)
class Corpus:
    """Posts in one scope: aligned columns, plus each post's index into `texts` (distinct)."""

    post_id: list[str]
    user_id: list[str | None]
    period: npt.NDArray[np.datetime64]
    """Start of the post's period (day, Monday of the week, first of the month)."""
    text_index: npt.NDArray[np.int64]
    """Index of the post's text in `texts`; -1 for an empty text."""
    texts: list[str]

    @property
    def n(self) -> int:
        return len(self.post_id)

    def periods(self) -> list[date]:
        return sorted({d.item() for d in np.unique(self.period)})


def posts_in_scope(a: Analysis, segment: str | None = None) -> ir.Table:
    """Posts inside the analysis period; with a segment, only posts whose author is a member
    (`all`: authors with a users record). Without one, anonymous posts count too."""
    p = a.con.table("posts")
    if a.period_from is not None:
        p = p.filter(p.ts >= midnight(a.period_from))
    if a.period_to is not None:
        p = p.filter(p.ts < midnight(a.period_to + timedelta(days=1)))
    if segment is not None:
        members = a.members(segment)
        p = p.semi_join(members, p.user_id == members.user_id)
    return p


def read_corpus(a: Analysis, *, segment: str | None, period: Period) -> Corpus:
    """The posts of `segment` (None: every post) in the analysis period, with period starts."""
    p = posts_in_scope(a, segment)
    expr = p.select(
        "post_id",
        "user_id",
        "text",
        period_start=p.ts.truncate(PERIOD_UNITS[period]).date(),
    ).order_by("post_id")  # the same corpus, hence the same sample, on every engine
    return corpus_from_arrow(a.run(expr))


def user_codes(user_ids: Sequence[str | None]) -> npt.NDArray[np.int64]:
    """A small integer per distinct user id; -1 for an anonymous post."""
    codes: dict[str, int] = {}
    return np.array(
        [-1 if u is None else codes.setdefault(u, len(codes)) for u in user_ids], dtype=np.int64
    )


def distinct_users(
    cells: npt.NDArray[np.int64], users: npt.NDArray[np.int64], size: int
) -> npt.NDArray[np.int64]:
    """Distinct known users (codes >= 0) per cell, for cells numbered 0 .. size - 1."""
    known = users >= 0
    if not known.any():
        return np.zeros(size, dtype=np.int64)
    pairs = np.unique(np.stack([cells[known], users[known]], axis=1), axis=0)
    return np.bincount(pairs[:, 0], minlength=size)


def corpus_from_arrow(t: pa.Table) -> Corpus:
    texts: dict[str, int] = {}
    index = np.empty(t.num_rows, dtype=np.int64)
    for i, text in enumerate(t["text"].to_pylist()):
        if not isinstance(text, str) or not text.strip():
            index[i] = -1
            continue
        j = texts.get(text)
        if j is None:
            j = texts[text] = len(texts)
        index[i] = j
    periods = t["period_start"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
    return Corpus(
        post_id=t["post_id"].to_pylist(),
        user_id=t["user_id"].to_pylist(),
        period=periods,
        text_index=index,
        texts=list(texts),
    )
