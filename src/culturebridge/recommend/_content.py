"""Content features, and the models that use them to rank items nobody has touched yet.

A collaborative model knows an item only through the people who engaged with it, so a title
released this morning is invisible to it. Its content is known from the first day: a bilingual
title and synopsis, a kind, genres, attributes and a partner. `item_features` turns that into
one vector per item; `Content` ranks by how close an item is to what a user engaged with;
`Hybrid` hands over smoothly from content (new items) to a collaborative model (established
ones) as an item gathers interactions.

The features themselves are `_features`: a multilingual sentence embedding of the text (cached
in the workspace) beside kind, genres, attributes and partner.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pydantic import Field

from culturebridge.errors import UserError
from culturebridge.recommend._base import ModelConfig, Recommender, make_model, register
from culturebridge.recommend._data import FloatArray, Interactions
from culturebridge.recommend._features import (
    BLOCK_WEIGHTS,
    TextEmbeddingCache,
    item_features,
    item_features_from_workspace,
)

# ---------------------------------------------------------------------- models


def _needs_features(data: Interactions, model: str) -> FloatArray:
    feats = data.item_features
    if feats is None:
        raise UserError(
            f"the {model} model needs item features: fit from a workspace "
            "(from_workspace(ws, features=True), or `recommend fit DIR` on a workspace with an "
            "items table) rather than from an interactions CSV, which has no catalogue"
        )
    if feats.ndim != 2 or feats.shape[0] != data.n_items:
        raise UserError(
            f"the {model} model: item features have shape {feats.shape}, "
            f"expected ({data.n_items}, d): one row per item"
        )
    return np.ascontiguousarray(feats, dtype=np.float32)


def profile_scores(history: sp.csr_matrix, features: FloatArray) -> FloatArray:
    """Score every item for each history row: the user's profile (the mean of their items'
    feature rows, weighted by interaction strength) dotted with each item's features."""
    # float64 products rounded to float32: BLAS sums in a batch-size-dependent order, and the
    # rounding makes a user's scores the same whichever batch they are scored in
    weights = np.asarray(np.abs(history).sum(axis=1), dtype=np.float64).ravel()
    profile = np.asarray(history @ features.astype(np.float64), dtype=np.float64)
    profile /= np.maximum(weights, 1e-12)[:, None]
    return np.asarray(profile @ features.T.astype(np.float64)).astype(np.float32)


class ContentConfig(ModelConfig):
    """Nothing to tune: the features' weighting is documented in `BLOCK_WEIGHTS`."""


@register
class Content(Recommender):
    """Items like the ones a user engaged with, by content: works for items nobody has seen.

    A user's profile is the interaction-weighted mean of their items' feature rows; an item's
    score is its features dotted with the profile. `similar_items` is content similarity.
    """

    name = "content"
    Config = ContentConfig
    config: ContentConfig

    def __init__(self, config: ModelConfig | None = None, **params: Any) -> None:
        super().__init__(config, **params)
        self.features: FloatArray = np.zeros((0, 0), np.float32)

    def _fit(self, data: Interactions, rng: np.random.Generator) -> None:
        self.features = _needs_features(data, self.name)

    def _scores(self, rows: npt.NDArray[np.int32]) -> npt.NDArray[np.float32]:
        return profile_scores(self.history[rows], self.features)

    def _item_vectors(self) -> FloatArray:
        return self.features

    def _arrays(self) -> dict[str, np.ndarray]:
        return {"item_features": self.features}

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.features = arrays["item_features"]


BASE_PREFIX = "base__"
"""Arrays of a hybrid's collaborative part are saved under this prefix."""


class HybridConfig(ModelConfig):
    base: str = "ease"
    """The collaborative model (a registered name) that ranks established items."""
    base_params: dict[str, Any] = Field(default_factory=dict)
    """Its config, validated by that model."""
    handover: float = Field(default=20.0, gt=0)
    """Training interactions (users) at which an item's collaborative and content scores weigh
    the same: weight n / (n + handover) on the collaborative part."""


def zscore_rows(scores: FloatArray) -> FloatArray:
    """Each row as z-scores over its items (a constant row becomes zeros).

    A collaborative score (an EASE regression weight, a popularity count) and a content score
    (a cosine) live on unrelated scales; within one user's row both are rankings of the same
    items, so centring and scaling each row puts them on one scale: "how far above this user's
    typical item", in standard deviations."""
    mean = scores.mean(axis=1, keepdims=True, dtype=np.float64)
    std = scores.std(axis=1, keepdims=True, dtype=np.float64)
    z = (scores - mean) / np.where(std > 0, std, 1.0)
    return np.asarray(z, dtype=np.float32)


def _z(scores: FloatArray) -> FloatArray:
    return zscore_rows(np.where(np.isfinite(scores), scores, np.float32(0)).astype(np.float32))


@register
class Hybrid(Recommender):
    """A collaborative model for established items, content for new ones, with a smooth handover.

    For item i with n_i training users, w_i = n_i / (n_i + handover), and
    score(u, i) = w_i * z_cf(u, i) + (1 - w_i) * z_content(u, i), each part z-scored over the
    user's row (`zscore_rows`). An item nobody has touched (n_i = 0) is ranked by content alone;
    one with `handover` users half and half; a popular one almost purely collaboratively, where
    co-engagement says more than any description. `similar_items` uses the content features,
    the one similarity defined for every item, new ones included.
    """

    name = "hybrid"
    Config = HybridConfig
    config: HybridConfig

    def __init__(self, config: ModelConfig | None = None, **params: Any) -> None:
        super().__init__(config, **params)
        if self.config.base in (self.name, Content.name):
            raise UserError(
                f"model hybrid: base must be a collaborative model, not {self.config.base!r}"
            )
        self.base = make_model(self.config.base, self.config.base_params)
        self.content = Content()
        self.weight: FloatArray = np.zeros(0, np.float32)

    def _history(self, data: Interactions) -> sp.csr_matrix:
        # the base model decides what a user's input is (raw strengths, binarised...)
        return self.base._history(data)

    def _fit(self, data: Interactions, rng: np.random.Generator) -> None:
        features = _needs_features(data, self.name)
        self.base.fit(data, rng=rng)
        self.history = self.base.history
        self._share_state()
        self.content.features = features

    def _share_state(self) -> None:
        """The parts see the same vocabularies, history and fallback as the hybrid itself."""
        for part in (self.base, self.content):
            part.user_ids = self.user_ids
            part.item_ids = self.item_ids
            part.user_segments = self.user_segments
            part.history = self.history
            part.popularity = self.popularity
            part.segment_names = self.segment_names
            part.segment_popularity = self.segment_popularity
        n = self.popularity.astype(np.float32)
        self.weight = n / (n + np.float32(self.config.handover))

    def _scores(self, rows: npt.NDArray[np.int32]) -> npt.NDArray[np.float32]:
        cf = _z(self.base._scores(rows))
        content = _z(self.content._scores(rows))
        w = self.weight[None, :]
        return np.asarray(w * cf + (1 - w) * content, dtype=np.float32)

    def _item_vectors(self) -> FloatArray:
        return self.content.features

    def _arrays(self) -> dict[str, np.ndarray]:
        out = {"item_features": self.content.features}
        out.update({BASE_PREFIX + k: v for k, v in self.base._arrays().items()})
        return out

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        self._share_state()
        self.content.features = arrays["item_features"]
        self.base._restore(
            {k[len(BASE_PREFIX) :]: v for k, v in arrays.items() if k.startswith(BASE_PREFIX)}
        )


__all__ = [
    "BLOCK_WEIGHTS",
    "Content",
    "ContentConfig",
    "Hybrid",
    "HybridConfig",
    "TextEmbeddingCache",
    "item_features",
    "item_features_from_workspace",
    "profile_scores",
    "zscore_rows",
]
