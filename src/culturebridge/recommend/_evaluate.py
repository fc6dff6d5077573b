"""Offline evaluation: fit each model on a split's train set, rank every item for every test
user, and score the lists with the same metrics, so models compare on equal terms.

The result is a typed pydantic object (after Evidently's reports): the CLI prints it as a
table or `--json`, and an API returns it as is.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pydantic import BaseModel, Field

from culturebridge.errors import UserError
from culturebridge.recommend import _metrics as m
from culturebridge.recommend._base import BATCH_USERS, Recommender, make_model
from culturebridge.recommend._data import StrArray, read_interactions_csv
from culturebridge.recommend._split import Split, align_test

Progress = Callable[[str, int, int], None]
"""Called as (model name, users ranked so far, users to rank): before fitting, then per batch."""


class SegmentMetrics(BaseModel):
    """Accuracy within one user segment: does the model serve every audience, or only the
    largest one that dominates the overall mean?"""

    segment: str
    users: int
    ndcg: float
    recall: float


class ModelMetrics(BaseModel):
    """One model's scores on the test users (means over users unless said otherwise)."""

    model: str
    params: dict[str, Any]
    """The model's config, so a result row says exactly what was run."""
    ndcg: float
    """NDCG@k."""
    recall: float
    """Recall@recall_k (hits / min(|truth|, recall_k))."""
    hit_rate: float
    """HR@k: share of users with at least one hit in their top k."""
    map: float
    """MAP@k."""
    coverage: float
    """Share of the catalogue in anyone's top k."""
    novelty: float
    """Mean self-information (bits) of the recommended items, top k."""
    popularity_bias: float
    """ARP@k: mean number of training users who interacted with a recommended item."""
    head_share: float
    """Share of top-k recommendations from the 20% most popular items."""
    fit_seconds: float
    recommend_seconds: float
    users: int
    """Users evaluated (every test user)."""
    segments: list[SegmentMetrics] = Field(default_factory=list)
    """Per segment NDCG@k and Recall@recall_k, when segments were given; users sum to `users`."""


class EvaluationResult(BaseModel):
    """Every model's metrics plus what the evaluation kept out and why."""

    k: int
    recall_k: int
    test_users: int
    """Users with at least one test item they had not seen in training."""
    dropped_items: int
    """Test rows left out because their item has no training interaction."""
    unknown_users: int = 0
    """Test rows left out because the user is not in the training data (a separate test file)."""
    rejected_test_rows: int = 0
    """Test file rows rejected while reading (empty id, bad value or time)."""
    seen_test_pairs: int = 0
    """Distinct test (user, item) pairs the user already had in training: seen items are
    excluded from the lists, so no model could hit them, and they are left out of the truth."""
    models: list[ModelMetrics]


def _nanmean(x: npt.NDArray[np.float64]) -> float:
    """Mean over the defined values (users with a non-empty list); 0 when there are none."""
    finite = x[np.isfinite(x)]
    return float(finite.mean()) if len(finite) else 0.0


def _truth(split: Split) -> tuple[sp.csr_matrix, int]:
    """Test users x items, binary, without pairs seen in training; and how many were removed."""
    test = split.test.matrix(binary=True)
    seen = split.train.matrix(binary=True)
    overlap = sp.csr_matrix(test.multiply(seen))
    overlap.eliminate_zeros()
    truth = sp.csr_matrix(test - overlap)
    truth.eliminate_zeros()
    truth.sort_indices()
    return truth, int(overlap.nnz)


def _segments(
    labels: StrArray, ndcg: npt.NDArray[np.float64], recall: npt.NDArray[np.float64]
) -> list[SegmentMetrics]:
    names, inverse = np.unique(labels, return_inverse=True)
    counts = np.bincount(inverse, minlength=len(names))
    ndcg_sum = np.bincount(inverse, weights=ndcg, minlength=len(names))
    recall_sum = np.bincount(inverse, weights=recall, minlength=len(names))
    return [
        SegmentMetrics(segment=str(name), users=int(c), ndcg=float(n / c), recall=float(r / c))
        for name, c, n, r in zip(names.tolist(), counts, ndcg_sum, recall_sum, strict=True)
    ]


def _fit_rngs(rng: np.random.Generator | int | None, n: int) -> list[np.random.Generator | int]:
    """One rng per model. A seed goes to every model as is, so a model scores the same whatever
    else is evaluated beside it, and as it would fitted alone with that seed."""
    if isinstance(rng, np.random.Generator):
        return list(rng.spawn(n))
    return [0 if rng is None else rng] * n


def evaluate(
    models: Mapping[str, Recommender],
    split: Split,
    *,
    k: int = 10,
    recall_k: int = 20,
    segments: StrArray | None = None,
    batch_size: int = BATCH_USERS,
    rng: np.random.Generator | int | None = 0,
    progress: Progress | None = None,
) -> EvaluationResult:
    """Fit each model on `split.train` and score its top lists for every test user.

    Every item is ranked (no sampled negatives, which flatter models and reorder them),
    training items are excluded, and each list has max(k, recall_k) items. Test pairs the user
    already had in training are left out of the truth (no model may recommend them), and users
    left with no test item are not evaluated. `segments` (one label per user row, such as
    `train.user_segments`) adds per-segment NDCG and recall, to show who a model fails.
    """
    if k < 1 or recall_k < 1:
        raise UserError(f"k and recall_k must be at least 1, got k={k}, recall_k={recall_k}")
    if batch_size < 1:
        raise UserError(f"batch_size must be at least 1, got {batch_size}")
    if not models:
        raise UserError("no models to evaluate")
    train = split.train
    if split.test.n_users != train.n_users or split.test.n_items != train.n_items:
        raise ValueError("split.train and split.test must share their vocabularies")
    if segments is not None and len(segments) != train.n_users:
        raise UserError(f"segments name {len(segments)} users, the data has {train.n_users}")
    truth_all, seen_pairs = _truth(split)
    users = np.flatnonzero(np.diff(truth_all.indptr) > 0).astype(np.int32)
    if len(users) == 0:
        raise UserError("no test users: the test set has no item the users did not see in train")
    truth = truth_all[users]
    popularity = np.asarray(train.matrix(binary=True).sum(axis=0), dtype=np.float64).ravel()
    train_users = int((np.bincount(train.user, minlength=train.n_users) > 0).sum())
    n = max(k, recall_k)
    labels = None if segments is None else np.asarray(segments, dtype=np.str_)[users]

    rows: list[ModelMetrics] = []
    for (name, model), fit_rng in zip(models.items(), _fit_rngs(rng, len(models)), strict=True):
        if progress is not None:
            progress(name, 0, len(users))
        start = time.perf_counter()
        model.fit(train, rng=fit_rng)
        fit_seconds = time.perf_counter() - start
        start = time.perf_counter()
        recs = np.full((len(users), n), -1, dtype=np.int32)
        for lo in range(0, len(users), batch_size):
            batch = users[lo : lo + batch_size]
            recs[lo : lo + len(batch)] = model.recommend(
                batch, n, exclude_seen=True, batch_size=batch_size
            ).items
            if progress is not None:
                progress(name, lo + len(batch), len(users))
        recommend_seconds = time.perf_counter() - start
        ndcg = m.ndcg(recs, truth, k)
        recall = m.recall(recs, truth, recall_k)
        bias = m.popularity_bias(recs, popularity, k)
        rows.append(
            ModelMetrics(
                model=name,
                params=model.config.model_dump(mode="json"),
                ndcg=float(ndcg.mean()),
                recall=float(recall.mean()),
                hit_rate=float(m.hit_rate(recs, truth, k).mean()),
                map=float(m.average_precision(recs, truth, k).mean()),
                coverage=m.coverage(recs, train.n_items, k),
                novelty=_nanmean(m.novelty(recs, popularity, train_users, k)),
                popularity_bias=_nanmean(bias.arp),
                head_share=_nanmean(bias.head_share),
                fit_seconds=fit_seconds,
                recommend_seconds=recommend_seconds,
                users=len(users),
                segments=[] if labels is None else _segments(labels, ndcg, recall),
            )
        )
    return EvaluationResult(
        k=k,
        recall_k=recall_k,
        test_users=len(users),
        dropped_items=split.dropped_items,
        seen_test_pairs=seen_pairs,
        models=rows,
    )


def evaluate_files(
    train_path: Path,
    test_path: Path,
    model_names: list[str],
    *,
    params: dict[str, dict[str, Any]] | None = None,
    k: int = 10,
    recall_k: int = 20,
    progress: Progress | None = None,
) -> EvaluationResult:
    """Evaluate registered models trained on one CSV and tested on another.

    For when the split was made elsewhere (a published benchmark split, a partner's hold-out).
    Test rows whose user or item the training file does not have are dropped and counted in
    the result (`unknown_users`, `dropped_items`), as are rows the reader rejected.
    """
    names = list(dict.fromkeys(model_names))
    if not names:
        raise UserError("no models to evaluate; name at least one")
    params = params or {}
    stray = sorted(set(params) - set(names))
    if stray:
        raise UserError(f"parameters given for model(s) not evaluated: {', '.join(stray)}")
    models = {name: make_model(name, params.get(name)) for name in names}
    train = read_interactions_csv(Path(train_path)).data
    test_read = read_interactions_csv(Path(test_path))
    test, dropped = align_test(train, test_read.data.to_frame())
    split = Split(train, test, dropped_items=dropped["unknown_items"])
    result = evaluate(
        models, split, k=k, recall_k=recall_k, segments=train.user_segments, progress=progress
    )
    return result.model_copy(
        update={
            "unknown_users": dropped["unknown_users"],
            "rejected_test_rows": len(test_read.rejected),
        }
    )
