"""Most popular: the baseline every model must beat, optionally per segment."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from culturebridge.recommend._base import ModelConfig, Recommender, register
from culturebridge.recommend._data import Interactions


class PopularConfig(ModelConfig):
    by_segment: bool = True
    """Rank by popularity within the user's segment when the data names segments."""


@register
class Popular(Recommender):
    """Items ranked by how many users engaged with them (in the user's segment, if known)."""

    name = "pop"
    Config = PopularConfig
    config: PopularConfig

    def _fit(self, data: Interactions, rng: np.random.Generator) -> None:
        pass

    def _scores(self, rows: npt.NDArray[np.int32]) -> npt.NDArray[np.float32]:
        if self.config.by_segment:
            return self.fallback_scores(self.segment_of(rows))
        return np.broadcast_to(self.popularity, (len(rows), self.n_items)).copy()
