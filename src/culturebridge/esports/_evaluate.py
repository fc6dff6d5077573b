"""The online protocol, its metrics and chronological tuning.

Online: matches in time order; the prediction for a match is made before that match updates any
rating. Metrics score decisive two-team matches (a winner, no draw) on the first team's win
probability. Tuning sees only the earliest fraction of matches (30% by default), so figures on
the rest, or on the whole file, are not fitted to themselves.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from culturebridge.esports._matches import Match
from culturebridge.esports._models import RatingModel


@dataclass(frozen=True)
class OnlineRun:
    """Per match, the probabilities each team finishes first, made before the match was seen;
    the model after every match; and the seconds it all took."""

    predictions: list[npt.NDArray[np.float64]]
    model: RatingModel
    seconds: float

    @property
    def matches_per_second(self) -> float:
        return len(self.predictions) / self.seconds if self.seconds > 0 else math.inf


def run_online(
    model: RatingModel,
    matches: Sequence[Match],
    after: Callable[[Match, RatingModel], None] | None = None,
) -> OnlineRun:
    """Predict then update, match by match in the order given (sort by time first; the loaders
    do). `model` itself is not changed: the run works on its own copy. `after(match, model)`, if
    given, sees the live model once each match is applied (for histories; do not keep `model`)."""
    start = time.perf_counter()
    live = _private_copy(model)
    preds = []
    for m in matches:
        preds.append(live.predict_match(m))
        live._apply(m)
        if after is not None:
            after(m, live)
    return OnlineRun(preds, live, time.perf_counter() - start)


def _private_copy(model: RatingModel) -> RatingModel:
    clone = getattr(model, "_clone", None)
    return clone() if callable(clone) else copy.deepcopy(model)


@dataclass(frozen=True)
class Scores:
    """Accuracy, log-loss and Brier score of the first team's win probability over `n` decisive
    two-team matches (ties at exactly 0.5 count as half right)."""

    n: int
    accuracy: float
    log_loss: float
    brier: float


def first_team_outcomes(
    matches: Sequence[Match], predictions: Sequence[npt.NDArray[np.float64]]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(p, y) over decisive two-team matches: the first team's win probability and 1 if it won."""
    p, y = [], []
    for m, pr in zip(matches, predictions, strict=True):
        if m.decisive:
            p.append(float(pr[0]))
            y.append(1.0 if m.ranks[0] < m.ranks[1] else 0.0)
    return np.asarray(p), np.asarray(y)


def score(
    matches: Sequence[Match], predictions: Sequence[npt.NDArray[np.float64]], eps: float = 1e-12
) -> Scores:
    p, y = first_team_outcomes(matches, predictions)
    if len(p) == 0:
        return Scores(0, math.nan, math.nan, math.nan)
    hit = np.where(p == 0.5, 0.5, (p > 0.5) == (y == 1.0))
    pc = np.clip(p, eps, 1 - eps)
    ll = -np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc))
    return Scores(len(p), float(hit.mean()), float(ll), float(np.mean((p - y) ** 2)))


def tuning_split(matches: Sequence[Match], fraction: float = 0.3) -> list[Match]:
    """The earliest `fraction` of the matches (they are in time order)."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    return list(matches[: max(1, int(len(matches) * fraction))])


@dataclass(frozen=True)
class Tuned:
    """The best parameters found, the tuning log-loss they gave and how many were tried."""

    params: dict[str, Any]
    log_loss: float
    tried: int


def tune(
    make: Callable[..., RatingModel],
    grid: Mapping[str, Sequence[Any]],
    matches: Sequence[Match],
    *,
    fraction: float = 0.3,
    base: Mapping[str, Any] | None = None,
    rounds: int = 2,
    warm_up: float = 0.0,
    later: str = "all",
) -> Tuned:
    """Coordinate search on the earliest `fraction` of `matches`, minimising log-loss.

    `make(**params)` builds a model; each round tries every value of one parameter with the others
    held at their best, in the grid's order. Deterministic: ties keep the earlier value. The
    first `warm_up` share of that part only warms the ratings up, unscored: what is chosen then
    fits players who have a record, as most have later on, rather than a room of newcomers.
    `later="neighbours"`: rounds after the first try only the values next to each parameter's
    best in its grid (a refinement at about a third of the cost of a full round)."""
    if later not in ("all", "neighbours"):
        raise ValueError(f"later must be 'all' or 'neighbours', got {later!r}")
    early = tuning_split(matches, fraction)
    skip = int(len(early) * warm_up)
    best = dict(base or {k: v[0] for k, v in grid.items()})
    cache: dict[tuple[Any, ...], float] = {}

    def loss(params: dict[str, Any]) -> float:
        key = tuple(sorted(params.items()))
        if key not in cache:
            run = run_online(make(**params), early)
            cache[key] = score(early[skip:], run.predictions[skip:]).log_loss
        return cache[key]

    best_loss = loss(best)
    for r in range(rounds):
        improved = False
        for name, values in grid.items():
            if r > 0 and later == "neighbours" and best[name] in values:
                i = list(values).index(best[name])
                values = list(values)[max(0, i - 1) : i + 2]
            for v in values:
                trial = {**best, name: v}
                trial_loss = loss(trial)
                if trial_loss < best_loss - 1e-9:
                    best, best_loss, improved = trial, trial_loss, True
        if not improved:
            break
    return Tuned(best, best_loss, len(cache))
