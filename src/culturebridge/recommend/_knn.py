"""Item-based neighbourhoods: item-kNN (cosine) and RP3beta (a popularity-discounted random walk).

Both learn a sparse item x item weight matrix W and score a user as history @ W. Keeping only
each item's `neighbours` strongest links bounds memory at items x neighbours, whatever the
catalogue size.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pydantic import Field

from culturebridge.recommend._base import ModelConfig, Recommender, register
from culturebridge.recommend._data import Interactions

ITEM_BLOCK = 1024


def keep_top(dense: npt.NDArray[np.float32], k: int) -> sp.csr_matrix:
    """Rows of `dense` with only their `k` largest positive entries kept."""
    rows, cols = dense.shape
    k = min(k, cols)
    if k < cols:
        idx = np.argpartition(-dense, k - 1, axis=1)[:, :k]
    else:
        idx = np.broadcast_to(np.arange(cols), dense.shape)
    vals = np.take_along_axis(dense, idx, axis=1)
    keep = vals > 0
    r = np.repeat(np.arange(rows), idx.shape[1])[keep.ravel()]
    return sp.csr_matrix(
        (vals[keep].astype(np.float32), (r, idx[keep])), shape=(rows, cols), dtype=np.float32
    )


def blockwise_top(
    left: sp.csr_matrix, right: sp.csr_matrix, k: int, *, self_zero: bool = True
) -> sp.csr_matrix:
    """Top-`k` of each row of left @ right, computed `ITEM_BLOCK` rows at a time."""
    parts = []
    for start in range(0, left.shape[0], ITEM_BLOCK):
        block = np.asarray((left[start : start + ITEM_BLOCK] @ right).todense(), np.float32)
        if self_zero:
            n = block.shape[0]
            block[np.arange(n), np.arange(start, start + n)] = 0.0
        parts.append(keep_top(block, k))
    return sp.vstack(parts, format="csr").astype(np.float32)


class ItemKNNConfig(ModelConfig):
    neighbours: int = Field(default=100, ge=1)
    shrink: float = Field(default=10.0, ge=0)
    """Shrinks similarities of rarely co-occurring pairs: sim * co / (co + shrink)."""


@register
class ItemKNN(Recommender):
    """Cosine item-item similarity over users, shrunk, top-`neighbours` per item."""

    name = "itemknn"
    Config = ItemKNNConfig
    config: ItemKNNConfig

    def __init__(self, config: ModelConfig | None = None, **params: object) -> None:
        super().__init__(config, **params)
        self.weights = sp.csr_matrix((0, 0), dtype=np.float32)

    def _fit(self, data: Interactions, rng: np.random.Generator) -> None:
        x = data.matrix(binary=True)
        items = x.T.tocsr()
        norms = np.sqrt(np.asarray(items.sum(axis=1)).ravel()).astype(np.float32)
        inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        parts = []
        for start in range(0, items.shape[0], ITEM_BLOCK):
            co = np.asarray((items[start : start + ITEM_BLOCK] @ x).todense(), np.float32)
            n = co.shape[0]
            sim = co * inv[start : start + n, None] * inv[None, :]
            if self.config.shrink > 0:
                sim *= co / (co + self.config.shrink)
            sim[np.arange(n), np.arange(start, start + n)] = 0.0
            parts.append(keep_top(sim, self.config.neighbours))
        self.weights = sp.vstack(parts, format="csr").astype(np.float32)

    def _scores(self, rows: npt.NDArray[np.int32]) -> npt.NDArray[np.float32]:
        return np.asarray((self.history[rows] @ self.weights).todense(), np.float32)

    def _item_vectors(self) -> sp.csr_matrix:
        return self.weights

    def contributions(self, row: int, item: int) -> npt.NDArray[np.float32] | None:
        h = self.history[row]
        col = np.asarray(self.weights[:, [item]].todense()).ravel()
        return np.asarray(h.data * col[h.indices], dtype=np.float32)

    def _arrays(self) -> dict[str, np.ndarray]:
        w = self.weights
        return {"w_indptr": w.indptr, "w_indices": w.indices, "w_data": w.data}

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.weights = sp.csr_matrix(
            (arrays["w_data"], arrays["w_indices"], arrays["w_indptr"]),
            shape=(self.n_items, self.n_items),
        )


class RP3betaConfig(ModelConfig):
    alpha: float = Field(default=1.0, gt=0)
    """Power on the transition probabilities (sharpens or flattens the walk)."""
    beta: float = Field(default=0.5, ge=0)
    """Popularity discount: the walk's arrival at item j is divided by popularity_j^beta."""
    neighbours: int = Field(default=200, ge=1)


@register
class RP3beta(Recommender):
    """Three-step random walk user -> item -> user -> item, discounted by popularity
    (Paudel et al. 2017): W = P_iu P_ui / pop^beta, top-`neighbours` per item."""

    name = "rp3beta"
    Config = RP3betaConfig
    config: RP3betaConfig

    def __init__(self, config: ModelConfig | None = None, **params: object) -> None:
        super().__init__(config, **params)
        self.weights = sp.csr_matrix((0, 0), dtype=np.float32)

    def _fit(self, data: Interactions, rng: np.random.Generator) -> None:
        x = data.matrix(binary=True)
        c = self.config
        p_ui = _row_normalise(x).power(c.alpha).tocsr()
        p_iu = _row_normalise(x.T.tocsr()).power(c.alpha).tocsr()
        pop = np.asarray(x.sum(axis=0)).ravel().astype(np.float32)
        discount = np.divide(1.0, np.power(pop, c.beta), out=np.zeros_like(pop), where=pop > 0)
        right = (p_ui @ sp.diags(discount)).tocsr()
        self.weights = blockwise_top(p_iu, right, c.neighbours)

    def _scores(self, rows: npt.NDArray[np.int32]) -> npt.NDArray[np.float32]:
        return np.asarray((self.history[rows] @ self.weights).todense(), np.float32)

    def _item_vectors(self) -> sp.csr_matrix:
        return self.weights

    contributions = ItemKNN.contributions
    _arrays = ItemKNN._arrays
    _restore = ItemKNN._restore


def _row_normalise(m: sp.csr_matrix) -> sp.csr_matrix:
    sums = np.asarray(m.sum(axis=1)).ravel().astype(np.float32)
    inv = np.divide(1.0, sums, out=np.zeros_like(sums), where=sums > 0)
    return (sp.diags(inv) @ m).tocsr()
