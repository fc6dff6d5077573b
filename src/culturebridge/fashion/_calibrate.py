"""Confidence a designer can act on: calibrated scores, an "unsure" threshold, novelty.

Everything here is fitted on the validation part of the training data (`id % 5 == 1`: products
the heads being calibrated were not fitted on) and never on the held-out test part.

* Temperature scaling (Guo et al., 2017): one number T per head dividing the logits, chosen to
  minimise the validation log-loss. It keeps the ranking (so accuracy) and fixes over-confidence.
* The "unsure" threshold: the lowest garment score at which the validation answers scored at
  least that high are right at least `TARGET_ACCURACY` of the time.
* Novelty: how unlike every catalogue photo a picture is: one minus the cosine similarity of
  the backbone's 1280-d embedding to the nearest article type's mean direction (of the training
  photos). Pictures further than the 99th percentile of validation photos are "unlike any
  catalogue photo", whatever the heads say: a softmax is confident far from its data, which is
  how a hoodie drawing became "Kurtas" (0.94). Fitted on training photos and compared on
  validation photos against drawn gradients, landscapes and noise (seeds the tests and the
  benchmark do not use), it separated them completely (AUROC 1.000, all flagged at the 99th
  percentile) where a Mahalanobis distance on 32-128 principal components did not (AUROC
  0.95-0.96, 6-28 % flagged); it needs only one unit vector per article type at run time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from culturebridge.stats import calibration_error

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

TARGET_ACCURACY = 0.95
NOVELTY_QUANTILE = 0.99
ECE_BINS = 15
_TEMPERATURES = np.exp(np.linspace(np.log(0.2), np.log(5.0), 161))


def softmax(z: F64) -> F64:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def fit_temperature(logits: F64, target: npt.NDArray[np.intp]) -> float:
    """The T (0.2 to 5, log grid) minimising the mean negative log-likelihood of softmax(z / T)."""
    if len(target) == 0:
        return 1.0
    best = (np.inf, 1.0)
    rows = np.arange(len(target))
    for t in _TEMPERATURES:
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        nll = float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[rows, target]))
        if nll < best[0]:
            best = (nll, float(t))
    return best[1]


def ece(confidence: F64, correct: B, bins: int = ECE_BINS) -> float:
    """Expected calibration error of top-label confidences against correctness
    (`culturebridge.stats.calibration_error`, with this module's bins)."""
    return calibration_error(confidence, correct, bins)


def accuracy_at_coverage(confidence: F64, correct: B, coverage: float) -> float:
    """Accuracy of the `coverage` share of answers with the highest confidence."""
    n = max(1, int(round(coverage * len(confidence))))
    order = np.argsort(-np.asarray(confidence), kind="stable")[:n]
    return float(np.mean(np.asarray(correct)[order]))


def choose_threshold(confidence: F64, correct: B, target: float = TARGET_ACCURACY) -> float:
    """The lowest confidence t such that answers with confidence >= t are right >= `target` of
    the time (1.0 if no t reaches it: then every answer is "unsure")."""
    conf = np.asarray(confidence, dtype=np.float64)
    if len(conf) == 0:
        return 1.0
    order = np.argsort(-conf, kind="stable")
    ok = np.asarray(correct, dtype=np.float64)[order]
    running = np.cumsum(ok) / np.arange(1, len(ok) + 1)
    good = np.nonzero(running >= target)[0]
    if len(good) == 0:
        return 1.0
    return float(conf[order][good[-1]])


@dataclass
class Novelty:
    """1 - the cosine similarity of an embedding to the nearest article type's mean direction."""

    centroids: F32  # (classes, d), unit rows
    threshold: float

    @classmethod
    def fit(cls, x: F32, classes: npt.NDArray[np.intp]) -> Novelty:
        """One unit-length mean direction per class, of the unit-length embeddings."""
        xn = _unit(np.asarray(x, dtype=np.float64))
        cents = np.stack([xn[classes == c].mean(axis=0) for c in np.unique(classes)])
        return cls(_unit(cents).astype(np.float32), np.inf)

    def score(self, x: F32) -> F64:
        sims = _unit(np.asarray(x, dtype=np.float64)) @ self.centroids.T.astype(np.float64)
        return np.asarray(1.0 - sims.max(axis=1))

    def with_threshold(self, held_out: F32, quantile: float = NOVELTY_QUANTILE) -> Novelty:
        """The same model, flagging what lies beyond the `quantile` of held-out photos' scores."""
        t = float(np.quantile(self.score(held_out), quantile)) if len(held_out) else np.inf
        return Novelty(self.centroids, t)

    def novel(self, x: F32) -> B:
        return np.asarray(self.score(x) > self.threshold)


def _unit(x: F64) -> F64:
    return np.asarray(x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12))
