"""The one contract every recommender keeps (after implicit's RecommenderBase and LensKit).

`fit(data, *, rng=None) -> Self` learns from `Interactions`; `recommend(users, n)` ranks every
item for a batch of user rows at once, in bounded memory, excluding what each user saw in
training; `similar_items(item, n)` finds neighbours; `save(dir)` / `load(dir)` write `.npz`
plus JSON with `allow_pickle=False`, so a model directory loads bit-exactly in another process
and can never run code. Each model is a `Recommender` subclass with a pydantic config and a
registered name, so the CLI, the API and the evaluation harness treat them all alike.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, ValidationError

from culturebridge.errors import UserError
from culturebridge.recommend._data import NO_SEGMENT, Interactions, StrArray

FORMAT_VERSION = 1
MODEL_JSON = "model.json"
ARRAYS_NPZ = "arrays.npz"
BATCH_USERS = 2048
"""Users scored at once: the dense score block is BATCH_USERS x items float32."""


class ModelConfig(BaseModel):
    """Base of every model's config: strict, so a misspelt `--param` is an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Recs:
    """Top-n for a batch of users: item rows and scores, best first; -1 / NaN pad short lists."""

    items: npt.NDArray[np.int32]
    scores: npt.NDArray[np.float32]


REGISTRY: dict[str, type[Recommender]] = {}


def register(cls: type[Recommender]) -> type[Recommender]:
    REGISTRY[cls.name] = cls
    return cls


def as_rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def top_n(
    scores: npt.NDArray[np.float32], n: int
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
    """Best `n` columns per row, best first; ties broken by the lower item row so that the
    same scores always give the same list. -inf scores are padding (-1, NaN)."""
    n_items = scores.shape[1]
    k = min(n, n_items)
    if k == 0:
        return (
            np.full((scores.shape[0], n), -1, np.int32),
            np.full((scores.shape[0], n), np.nan, np.float32),
        )
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k] if k < n_items else None
    cand = part if part is not None else np.broadcast_to(np.arange(n_items), scores.shape)
    cand_scores = np.take_along_axis(scores, cand, axis=1)
    order = np.lexsort((cand, -cand_scores), axis=1)
    idx = np.take_along_axis(cand, order, axis=1).astype(np.int32)
    val = np.take_along_axis(cand_scores, order, axis=1).astype(np.float32)
    pad = ~np.isfinite(val)
    idx[pad] = -1
    val[pad] = np.nan
    if k < n:
        idx = np.pad(idx, ((0, 0), (0, n - k)), constant_values=-1)
        val = np.pad(val, ((0, 0), (0, n - k)), constant_values=np.nan)
    return idx, val


class Recommender(ABC):
    """Base of every model: holds the vocabularies, the training history and the fallback."""

    name: ClassVar[str]
    Config: ClassVar[type[ModelConfig]]
    needs_features: ClassVar[bool] = False
    """True for models that rank by content and so need `Interactions.item_features`."""

    def __init__(self, config: ModelConfig | None = None, **params: Any) -> None:
        if config is None:
            try:
                config = self.Config(**params)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise UserError(f"model {self.name}: {where}: {first['msg']}") from None
        self.config = config
        self.user_ids: StrArray = np.array([], dtype=np.str_)
        self.item_ids: StrArray = np.array([], dtype=np.str_)
        self.user_segments: StrArray | None = None
        self.history: sp.csr_matrix = sp.csr_matrix((0, 0), dtype=np.float32)
        self.popularity: npt.NDArray[np.float32] = np.zeros(0, np.float32)
        self.segment_names: StrArray = np.array([], dtype=np.str_)
        self.segment_popularity: npt.NDArray[np.float32] = np.zeros((0, 0), np.float32)
        self._user_index: dict[str, int] | None = None
        self._item_index: dict[str, int] | None = None

    # ------------------------------------------------------------------ to implement

    @abstractmethod
    def _fit(self, data: Interactions, rng: np.random.Generator) -> None:
        """Learn the model's parameters (the base has already stored history and popularity)."""

    @abstractmethod
    def _scores(self, rows: npt.NDArray[np.int32]) -> npt.NDArray[np.float32]:
        """Dense scores (len(rows) x n_items, float32) for users with history."""

    def _item_vectors(self) -> npt.NDArray[np.float32] | sp.csr_matrix:
        """What `similar_items` compares (rows are items); cosine on co-occurrence by default."""
        return self.history.T.tocsr()

    def contributions(self, row: int, item: int) -> npt.NDArray[np.float32] | None:
        """How much each of user `row`'s history items adds to their score for `item` (in the
        order of `history[row].indices`), for models whose score is a sum over the history;
        None for the others (explanations then fall back to item similarity)."""
        return None

    def _arrays(self) -> dict[str, np.ndarray]:
        """The learned parameters to save (beyond vocabularies, history and popularity)."""
        return {}

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:  # noqa: B027 (optional hook)
        """Set the learned parameters from what `_arrays` saved."""

    # ------------------------------------------------------------------ contract

    @property
    def fitted(self) -> bool:
        return bool(self.history.shape[1] > 0)

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def fit(self, data: Interactions, *, rng: np.random.Generator | int | None = None) -> Self:
        if len(data) == 0 or data.n_items == 0:
            raise UserError("no interactions to fit on")
        self.user_ids = data.user_ids
        self.item_ids = data.item_ids
        self.user_segments = data.user_segments
        self.history = self._history(data)
        self._fit_popularity(data)
        self._user_index = self._item_index = None
        self._fit(data, as_rng(rng if rng is not None else 0))
        return self

    def _history(self, data: Interactions) -> sp.csr_matrix:
        """The per-user input the model scores from (and the seen items it excludes)."""
        return data.matrix()

    def _fit_popularity(self, data: Interactions) -> None:
        seen = data.matrix(binary=True)
        self.popularity = np.asarray(seen.sum(axis=0), dtype=np.float32).ravel()
        if data.user_segments is None:
            return
        segs = data.user_segments
        names = np.array(sorted(set(segs.tolist()) - {NO_SEGMENT}), dtype=np.str_)
        table = np.zeros((len(names), data.n_items), np.float32)
        for s, name in enumerate(names.tolist()):
            rows = np.flatnonzero(segs == name)
            table[s] = np.asarray(seen[rows].sum(axis=0)).ravel()
        self.segment_names = names
        self.segment_popularity = table

    def user_rows(self, user_ids: list[str]) -> npt.NDArray[np.int32]:
        """Rows of the given ids; -1 for users the model does not know."""
        if self._user_index is None:
            self._user_index = {u: i for i, u in enumerate(self.user_ids.tolist())}
        idx = self._user_index
        return np.array([idx.get(u, -1) for u in user_ids], dtype=np.int32)

    def item_row(self, item_id: str) -> int:
        if self._item_index is None:
            self._item_index = {u: i for i, u in enumerate(self.item_ids.tolist())}
        row = self._item_index.get(item_id)
        if row is None:
            raise UserError(f"item {item_id!r} is not in the model ({self.n_items} items)")
        return row

    def fallback_scores(self, segments: list[str]) -> npt.NDArray[np.float32]:
        """Popularity (per segment where the segment is known) for users without history."""
        out = np.empty((len(segments), self.n_items), np.float32)
        seg_row = {s: i for i, s in enumerate(self.segment_names.tolist())}
        for r, seg in enumerate(segments):
            i = seg_row.get(seg)
            base = self.popularity if i is None else self.segment_popularity[i]
            out[r] = base + self.popularity * 1e-6  # platform popularity breaks segment ties
        return out

    def segment_of(self, rows: npt.NDArray[np.int32]) -> list[str]:
        if self.user_segments is None:
            return [NO_SEGMENT] * len(rows)
        return [self.user_segments[r] if r >= 0 else NO_SEGMENT for r in rows.tolist()]

    def recommend(
        self,
        users: npt.NDArray[np.int32],
        n: int = 10,
        *,
        exclude_seen: bool = True,
        candidates: npt.NDArray[np.int32] | None = None,
        batch_size: int = BATCH_USERS,
    ) -> Recs:
        """Top-`n` item rows for each user row (-1: unknown user, ranked by popularity).

        Users are scored `batch_size` at a time, so memory is bounded by batch x items.
        `candidates` restricts the ranking to those item rows.
        """
        if not self.fitted:
            raise UserError("the model is not fitted")
        users = np.asarray(users, dtype=np.int32)
        items = np.full((len(users), n), -1, np.int32)
        scores = np.full((len(users), n), np.nan, np.float32)
        allowed: npt.NDArray[np.bool_] | None = None
        if candidates is not None:
            allowed = np.zeros(self.n_items, bool)
            allowed[np.asarray(candidates, dtype=np.int64)] = True
        for start in range(0, len(users), batch_size):
            rows = users[start : start + batch_size]
            block = self.score(rows)
            if exclude_seen:
                known = rows >= 0
                seen = self.history[rows[known]]
                sub = block[known]
                r, c = seen.nonzero()
                sub[r, c] = -np.inf
                block[known] = sub
            if allowed is not None:
                block[:, ~allowed] = -np.inf
            idx, val = top_n(block, n)
            items[start : start + len(rows)] = idx
            scores[start : start + len(rows)] = val
        return Recs(items, scores)

    def score(self, rows: npt.NDArray[np.int32]) -> npt.NDArray[np.float32]:
        """Scores for every item, model scores for users with history, fallback otherwise."""
        rows = np.asarray(rows, dtype=np.int32)
        out = np.empty((len(rows), self.n_items), np.float32)
        known = rows >= 0
        if known.any():
            counts = np.diff(self.history.indptr)[rows[known]]
            active = np.zeros(len(rows), bool)
            active[np.flatnonzero(known)[counts > 0]] = True
        else:
            active = known
        if active.any():
            out[active] = self._scores(rows[active])
        cold = ~active
        if cold.any():
            out[cold] = self.fallback_scores(self.segment_of(rows[cold]))
        return out

    def similar_items(
        self, item: int, n: int = 10
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        """The `n` items most like `item` (cosine on the model's item vectors), itself excluded."""
        vecs = self._item_vectors()
        if sp.issparse(vecs):
            vecs = sp.csr_matrix(vecs, dtype=np.float32)
            norms = np.sqrt(np.asarray(vecs.multiply(vecs).sum(axis=1)).ravel())
            sims = np.asarray((vecs @ vecs[item].T).todense()).ravel()
        else:
            v = np.asarray(vecs, dtype=np.float32)
            norms = np.linalg.norm(v, axis=1)
            sims = v @ v[item]
        with np.errstate(divide="ignore", invalid="ignore"):
            sims = sims / (norms * max(norms[item], 1e-12))
        sims = np.nan_to_num(sims, nan=0.0).astype(np.float32)
        sims[item] = -np.inf
        idx, val = top_n(sims[None, :], n)
        return idx[0], val[0]

    # ------------------------------------------------------------------ persistence

    def save(self, path: Path, *, source: dict[str, Any] | None = None) -> None:
        """Write `model.json` and `arrays.npz` (no pickle) under `path`; `source` (what it was
        fitted on) is recorded in the JSON for the reader."""
        if not self.fitted:
            raise UserError("the model is not fitted; nothing to save")
        path.mkdir(parents=True, exist_ok=True)
        h = self.history
        arrays: dict[str, np.ndarray] = {
            "user_ids": self.user_ids,
            "item_ids": self.item_ids,
            "history_indptr": h.indptr,
            "history_indices": h.indices,
            "history_data": h.data,
            "popularity": self.popularity,
            "segment_names": self.segment_names,
            "segment_popularity": self.segment_popularity,
        }
        if self.user_segments is not None:
            arrays["user_segments"] = self.user_segments
        own = self._arrays()
        clash = set(own) & set(arrays)
        if clash:
            raise AssertionError(f"model arrays shadow base arrays: {clash}")
        arrays.update(own)
        tmp = path / (ARRAYS_NPZ + ".tmp")
        with tmp.open("wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]
        tmp.replace(path / ARRAYS_NPZ)
        meta = {
            "format": FORMAT_VERSION,
            "model": self.name,
            "config": self.config.model_dump(mode="json"),
            "users": self.n_users,
            "items": self.n_items,
            "interactions": int(h.nnz),
            "source": source or {},
        }
        (path / MODEL_JSON).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Recommender:
        """The model saved under `path`, whichever class saved it (`Recommender.load`)."""
        meta_path = path / MODEL_JSON
        if not path.is_dir():
            raise UserError(f"{path}: no such model directory")
        if not meta_path.exists() or not (path / ARRAYS_NPZ).exists():
            raise UserError(f"{path}: not a model directory (no {MODEL_JSON} and {ARRAYS_NPZ})")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise UserError(f"{meta_path}: unreadable: {exc}") from None
        if meta.get("format") != FORMAT_VERSION:
            raise UserError(f"{meta_path}: format {meta.get('format')!r} is not supported")
        model_cls = REGISTRY.get(meta.get("model", ""))
        if model_cls is None:
            raise UserError(f"{meta_path}: unknown model {meta.get('model')!r}")
        if cls is not Recommender and not issubclass(model_cls, cls):
            raise UserError(f"{path}: holds a {model_cls.name} model, not {cls.name}")
        model = model_cls(**meta["config"])
        try:
            with np.load(path / ARRAYS_NPZ, allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except (OSError, ValueError) as exc:
            raise UserError(f"{path / ARRAYS_NPZ}: unreadable: {exc}") from None
        model.user_ids = arrays.pop("user_ids")
        model.item_ids = arrays.pop("item_ids")
        model.history = sp.csr_matrix(
            (
                arrays.pop("history_data"),
                arrays.pop("history_indices"),
                arrays.pop("history_indptr"),
            ),
            shape=(len(model.user_ids), len(model.item_ids)),
        )
        model.popularity = arrays.pop("popularity")
        model.segment_names = arrays.pop("segment_names")
        model.segment_popularity = arrays.pop("segment_popularity")
        model.user_segments = arrays.pop("user_segments", None)
        model._restore(arrays)
        return model


def make_model(name: str, params: dict[str, Any] | None = None) -> Recommender:
    """A fresh model by registered name, with `params` validated against its config."""
    cls = REGISTRY.get(name)
    if cls is None:
        raise UserError(f"unknown model {name!r}; choose one of {', '.join(sorted(REGISTRY))}")
    return cls(**(params or {}))


def parse_params(pairs: list[str], model: str) -> dict[str, Any]:
    """`key=value` strings as a dict; values are JSON when they parse (numbers, true, null)."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--param {pair!r}: expected key=value")
        try:
            out[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            out[key.strip()] = raw
    cls = REGISTRY.get(model)
    if cls is not None:
        unknown = sorted(set(out) - set(cls.Config.model_fields))
        if unknown:
            known = ", ".join(cls.Config.model_fields) or "none"
            raise UserError(
                f"model {model}: unknown parameter(s) {', '.join(unknown)}; known: {known}"
            )
    return out
