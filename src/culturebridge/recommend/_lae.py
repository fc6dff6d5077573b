"""`rdlae`: culturebridge's own model, a recency-aware denoising linear autoencoder.

Chosen by measurement (benchmarks/recommend.py, benchmarks/RESULTS.md) over EASE, EDLAE,
RP3beta, item-kNN, iALS, BPR and blends. It is EASE's closed form with four changes, each
earning its place on MovieLens or Steam:

1. DLAE regularisation (Steck 2020, "Autoencoders that don't overfit towards the identity"):
   dropout-style penalty Lambda = reg I + p / (1 - p) diag(G), and B = I - P Lambda with
   P = (G + Lambda)^-1. Unlike EASE there is no zero-diagonal constraint: the diagonal only
   scores items a user has already seen, which are never recommended.
2. Users weighted by n_u^-user_weight in the Gram matrix G = X^T W X, so a few heavy users do
   not dictate every item's neighbourhood (rescaled to keep G's total mass).
3. Items with fewer than `min_support` training users are left out of the dense model: their
   co-occurrences are noise, and the inversion is cubic in the items kept (this makes the fit
   several times faster on long-tail catalogues). They rank after every modelled item, by
   popularity; the hybrid model ranks brand-new items by content instead.
4. Recency at scoring time: where interactions have times, the user's r-th most recent item
   counts exp(-r / recency) in their history, so the next recommendation follows what they
   engaged with last. Without times the history is binary.

Scores are finally divided by popularity^pop_discount, a mild correction of popularity bias.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from pydantic import Field

from culturebridge.recommend._base import ModelConfig, Recommender, register
from culturebridge.recommend._data import Interactions
from culturebridge.recommend._ease import spd_inverse

PRUNED_SCORE = -1e6
"""Score floor of items outside the dense model: below any modelled score."""


class RDLAEConfig(ModelConfig):
    reg: float = Field(default=200.0, gt=0)
    """L2 penalty (lambda) added to every item's diagonal."""
    dropout: float = Field(default=0.5, ge=0, lt=1)
    """Dropout rate p of the denoising penalty p / (1 - p) diag(G)."""
    user_weight: float = Field(default=0.25, ge=0, le=1)
    """Exponent gamma of the user weights n_u^-gamma in the Gram matrix."""
    pop_discount: float = Field(default=0.0, ge=0, le=1)
    """Exponent beta: scores are divided by item popularity^beta."""
    min_support: int = Field(default=3, ge=1)
    """Items with fewer training users stay out of the dense model."""
    recency: float | None = Field(default=10.0, gt=0)
    """Decay (in items) of the history weights at scoring time; None turns it off. Only used
    when every interaction has a time."""


@register
class RDLAE(Recommender):
    """Recency-aware DLAE with user weighting and support pruning (see the module docstring)."""

    name = "rdlae"
    Config = RDLAEConfig
    config: RDLAEConfig

    def __init__(self, config: ModelConfig | None = None, **params: object) -> None:
        super().__init__(config, **params)
        self.kept = np.zeros(0, np.int32)
        self.weights = np.zeros((0, 0), np.float32)
        self.scale = np.zeros(0, np.float32)

    def _history(self, data: Interactions) -> sp.csr_matrix:
        tau = self.config.recency
        if tau is None or data.ts is None or not np.isfinite(data.ts).all():
            return data.matrix(binary=True)
        return recency_history(data, tau)

    def _fit(self, data: Interactions, rng: np.random.Generator) -> None:
        c = self.config
        x = data.matrix(binary=True)
        support = np.asarray(x.sum(axis=0)).ravel()
        self.kept = np.flatnonzero(support >= c.min_support).astype(np.int32)
        if len(self.kept) == 0:
            self.weights = np.zeros((0, 0), np.float32)
            self.scale = np.zeros(0, np.float32)
            return
        xk = x[:, self.kept].tocsr()
        n_u = np.diff(xk.indptr).astype(np.float64)
        w = np.zeros_like(n_u)
        active = n_u > 0
        w[active] = n_u[active] ** -c.user_weight
        if active.any():
            w *= n_u.sum() / float((w * n_u).sum())
        g = np.asarray((xk.T @ sp.diags(w) @ xk).todense(), dtype=np.float64)
        penalty = c.reg + c.dropout / (1.0 - c.dropout) * np.diag(g)
        g[np.diag_indices_from(g)] += penalty
        p = spd_inverse(g)
        b = -p * penalty[None, :]
        b[np.diag_indices_from(b)] += 1.0
        self.weights = b.astype(np.float32)
        pop = support[self.kept].astype(np.float64)
        self.scale = (pop**-c.pop_discount).astype(np.float32)

    def _scores(self, rows: npt.NDArray[np.int32]) -> npt.NDArray[np.float32]:
        base = self.popularity / max(float(self.popularity.max()), 1.0)
        out = np.empty((len(rows), self.n_items), np.float32)
        out[:] = (PRUNED_SCORE + base).astype(np.float32)
        if len(self.kept):
            h = self.history[rows][:, self.kept]
            out[:, self.kept] = np.asarray(h @ self.weights, dtype=np.float32) * self.scale
        return out

    def _item_vectors(self) -> npt.NDArray[np.float32]:
        vecs = np.zeros((self.n_items, len(self.kept)), np.float32)
        vecs[self.kept] = self.weights.T
        return vecs

    def contributions(self, row: int, item: int) -> npt.NDArray[np.float32] | None:
        h = self.history[row]
        pos = np.full(self.n_items, -1, np.int64)
        pos[self.kept] = np.arange(len(self.kept))
        out = np.zeros(len(h.indices), np.float32)
        if pos[item] < 0:
            return out
        modelled = pos[h.indices] >= 0
        w = self.weights[pos[h.indices[modelled]], pos[item]]
        out[modelled] = h.data[modelled] * w * self.scale[pos[item]]
        return out

    def _arrays(self) -> dict[str, np.ndarray]:
        return {"kept": self.kept, "weights": self.weights, "scale": self.scale}

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.kept = arrays["kept"]
        self.weights = arrays["weights"]
        self.scale = arrays["scale"]


def recency_history(data: Interactions, tau: float) -> sp.csr_matrix:
    """Users x items, each user's r-th most recent distinct item weighted exp(-r / tau).

    Order is by time, ties by input order (the later row is the more recent); a pair seen
    several times counts at its latest time.
    """
    assert data.ts is not None
    n = len(data)
    order = np.lexsort((np.arange(n), data.ts, data.user))
    u, i = data.user[order], data.item[order]
    key = u.astype(np.int64) * data.n_items + i
    _, first_from_end = np.unique(key[::-1], return_index=True)
    keep = np.sort(n - 1 - first_from_end)
    u, i = u[keep], i[keep]
    counts = np.bincount(u, minlength=data.n_users)
    starts = np.cumsum(counts) - counts
    rank_from_end = counts[u] - 1 - (np.arange(len(u)) - starts[u])
    w = np.exp(-rank_from_end / tau).astype(np.float32)
    m = sp.csr_matrix((w, (u, i)), shape=(data.n_users, data.n_items), dtype=np.float32)
    m.sort_indices()
    return m
