"""Several treatments at once: whom to send which arm, and what that policy is worth.

A campaign often tests more than one treatment against one control (Hillstrom: a men's and a
women's e-mail against none). `MultiArmUplift` fits one uplift model per treatment arm against
the shared control (any of `MODELS`; each sees that arm's rows and the control rows) or one
model of every arm (`SharedSpline`), by default whichever makes the most valuable policy on
inner folds of the training data, and `predict` gives a matrix: one column per arm, the
estimated change in the outcome if that arm were sent instead of nothing, on the outcome's
scale, so the columns compare directly.
`best_arms` turns it into a policy: each person gets the arm whose estimated gain, net of the
arm's cost, is largest, or no arm (0) when none is expected to gain more than it costs.

What a policy is worth is estimated off-policy, on rows it was not fitted on: in a randomised
experiment the arm each person got is known to have had a fixed probability, so every person
whose actual arm is the one the policy would pick stands for 1 / p of the population
(inverse-propensity weighting), and an outcome model's prediction for the arm the policy picks
fills in for everyone else (the doubly-robust estimator, Dudík et al. 2011):

    score_i = mu(x_i, pi(x_i)) + 1{a_i = pi(x_i)} / p(pi(x_i)) * (y_i - mu(x_i, pi(x_i))) - cost

Its mean is unbiased for the policy's mean outcome per person whatever `mu` is (the
probabilities are known); a good `mu` only narrows the interval. Two policies valued on the same
rows are compared by the mean of their per-row score differences (a paired interval).
`cross_fit_values` does all of this on one experiment file: fit on k - 1 folds, value on the
k-th, so every row is valued by a policy that never saw it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, field_validator
from scipy import stats
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from culturebridge.campaign._uplift import (
    MODELS,
    CultureBridge,
    CultureBridgeConfig,
    Matrix,
    RngLike,
    UpliftModel,
    Vector,
    _binary,
    _seed,
    _spline_basis,
    _spline_fit,
)

Arms = npt.NDArray[np.intp]
NONE = 0
"""The policy's code for "send no arm" (the control)."""
SHARED = "shared-spline"
"""`MultiArmConfig.models`' name for `SharedSpline`, one model of every arm."""


class MultiArmConfig(BaseModel):
    """Which uplift model each treatment arm gets."""

    model_config = ConfigDict(frozen=True)
    models: tuple[str, ...] = (SHARED, "culturebridge", "t-learner")
    """Names in `MODELS`, fitted once per treatment arm on that arm's and the control's rows,
    or `shared-spline` (`SharedSpline`: one model of every arm).
    With more than one, `fit` keeps the one whose best-arm policy has the highest value on
    inner folds of the training data (cross-fitted, doubly robust, net of the cost)."""
    folds: int = Field(2, ge=2, le=10)
    """Inner folds of that choice."""
    culturebridge: CultureBridgeConfig = CultureBridgeConfig(
        candidates=("s-additive", "s-spline"), select=False
    )
    """The culturebridge model's config here. Not its single-arm default: that one picks its
    learners by Qini, which rewards a right *ranking* only, and a learner whose effect is the
    same shift of the log-odds for everyone ranks people well while saying every arm helps
    everyone. A policy compares arms' gains with each other and with zero, so it needs the
    gains' levels: these two learners estimate the change in the outcome person by person."""

    @field_validator("models")
    @classmethod
    def _known(cls, models: tuple[str, ...]) -> tuple[str, ...]:
        if not models:
            raise ValueError("at least one uplift model is needed")
        for m in models:
            if m not in MODELS and m != SHARED:
                raise ValueError(
                    f"unknown uplift model {m!r}; choose one of "
                    f"{', '.join(sorted([*MODELS, SHARED]))}"
                )
        return models


def _arm_codes(arm: npt.ArrayLike, n: int, k: int | None = None) -> Arms:
    a = np.asarray(arm)
    if a.ndim != 1 or len(a) != n:
        raise ValueError(f"arm must be one code per row ({n} rows, got shape {a.shape})")
    af = a.astype(np.float64)
    if not np.all(np.isfinite(af)) or not np.all(af == np.round(af)) or np.any(af < 0):
        raise ValueError("arm must hold integer codes: 0 for the control, 1..K for the treatments")
    codes = af.astype(np.intp)
    if k is not None and codes.size and codes.max() > k:
        raise ValueError(f"arm code {int(codes.max())} is above the {k} treatment arms")
    return codes


class MultiArmUplift:
    """Every treatment arm's gain over the control; see the module docstring.
    `fit(X, arm, y, *, cost)` takes arm codes (0 = control, 1..K = treatments, every one
    present) and, when `config.models` offers a choice, keeps the model whose best-arm policy
    (net of `cost`) is worth most on inner folds; `predict(X)` gives an (n, K) matrix of
    estimated gains, column k - 1 for arm k."""

    name = "multi-arm"

    def __init__(self, config: MultiArmConfig | None = None) -> None:
        self.config = config or MultiArmConfig()
        self.models: list[UpliftModel] = []
        """The per-arm models (none for `shared-spline`, one model for every arm)."""
        self._scorer: Callable[[Matrix], Matrix] | None = None
        self._k = 0
        self.chosen = ""
        """The per-arm model kept (see `MultiArmConfig.models`)."""
        self.cv_value: dict[str, float] = {}
        """Each candidate model's inner cross-fitted policy value, when there was a choice."""

    @property
    def n_arms(self) -> int:
        return self._k

    def _make(self, name: str) -> UpliftModel:
        if name == "culturebridge":
            return CultureBridge(self.config.culturebridge)
        return MODELS[name]()

    def _fit_arms(
        self, name: str, X: Matrix, codes: Arms, y: Vector, seed: int
    ) -> tuple[list[UpliftModel], Callable[[Matrix], Matrix]]:
        if name == SHARED:
            shared = SharedSpline(self.config.culturebridge).fit(X, codes, y)
            return [], shared.predict
        fitted = []
        for a in range(1, int(codes.max()) + 1):
            rows = (codes == a) | (codes == NONE)
            fitted.append(self._make(name).fit(X[rows], codes[rows] == a, y[rows], rng=seed + a))
        return fitted, lambda Xn: np.column_stack([m.predict(Xn) for m in fitted])

    def fit(
        self,
        X: npt.ArrayLike,
        arm: npt.ArrayLike,
        y: npt.ArrayLike,
        *,
        cost: float | Sequence[float] | Vector = 0.0,
        rng: RngLike = None,
    ) -> Self:
        Xa = np.array(X, dtype=np.float64, copy=True)
        if Xa.ndim != 2:
            raise ValueError("X must be a two-dimensional matrix")
        ya = np.array(y, dtype=np.float64, copy=True)
        if len(ya) != len(Xa):
            raise ValueError(f"X and y differ in length ({len(Xa)}, {len(ya)})")
        codes = _arm_codes(arm, len(Xa))
        k = int(codes.max()) if codes.size else 0
        if k < 1:
            raise ValueError("fitting needs at least one treatment arm (codes 1..K)")
        missing = [c for c in range(k + 1) if not np.any(codes == c)]
        if missing:
            what = "control (0)" if missing[0] == 0 else f"arm {missing[0]}"
            raise ValueError(f"no rows for the {what}; every arm 0..{k} needs rows")
        costs = _costs(cost, k)
        seed = _seed(rng)
        names = self.config.models
        self.cv_value = {}
        if len(names) > 1:
            self.cv_value = self._inner_values(Xa, codes, ya, costs, seed)
            self.chosen = max(names, key=lambda n: self.cv_value[n])
        else:
            self.chosen = names[0]
        self.models, self._scorer = self._fit_arms(self.chosen, Xa, codes, ya, seed)
        self._k = k
        return self

    def _inner_values(
        self, X: Matrix, codes: Arms, y: Vector, costs: Vector, seed: int
    ) -> dict[str, float]:
        """Each candidate's best-arm policy valued on inner folds of the training rows."""
        k = int(codes.max())
        counts = np.bincount(codes, minlength=k + 1)
        if counts.min() < self.config.folds:
            raise ValueError(f"every arm needs at least {self.config.folds} rows to choose a model")
        p = counts / counts.sum()
        skf = StratifiedKFold(n_splits=self.config.folds, shuffle=True, random_state=seed + 7)
        total = {n: 0.0 for n in self.config.models}
        for train, held in skf.split(np.zeros(len(y)), codes):
            mu = OutcomeModels().fit(X[train], codes[train], y[train]).predict(X[held])
            for name in self.config.models:
                _, scorer = self._fit_arms(name, X[train], codes[train], y[train], seed)
                effects = scorer(X[held])
                choice = best_arms(effects, costs)
                s = policy_scores(y[held], codes[held], choice, p, mu=mu, cost=costs)
                total[name] += float(s.sum()) / len(y)
        return total

    def predict(self, X: npt.ArrayLike) -> Matrix:
        if self._scorer is None:
            raise ValueError("the model is not fitted")
        return self._scorer(np.asarray(X, dtype=np.float64))


class SharedSpline:
    """One model for every arm: a penalised logistic (ridge for other outcomes) regression on
    the spline basis of the features, the arm indicators and arm x feature columns scaled by
    `s_interaction` (culturebridge's `s-spline`, all arms at once). The arms share one baseline
    and differ by penalised deviations, so two arms' gains are compared through one fit rather
    than two separate fits against the control, each with its own noise."""

    def __init__(self, config: CultureBridgeConfig | None = None) -> None:
        self.config = config or CultureBridgeConfig()
        self._fit: Any = None
        self._basis: Any = None
        self._k = 0

    def _design(self, Z: Matrix, codes: Arms) -> Matrix:
        onehot = np.zeros((len(Z), self._k))
        treated = codes > 0
        onehot[np.flatnonzero(treated), codes[treated] - 1] = 1.0
        blocks = [Z, onehot]
        blocks += [self.config.s_interaction * Z * onehot[:, [j]] for j in range(self._k)]
        return np.hstack(blocks)

    def fit(self, X: Matrix, codes: Arms, y: Vector) -> Self:
        self._k = int(codes.max())
        self._basis = _spline_basis(X, self.config.knots)
        Z = self._basis.transform(X)
        self._fit = _spline_fit(self._design(Z, codes), y, _binary(y), self.config.s_reg)
        return self

    def predict(self, X: Matrix) -> Matrix:
        Z = self._basis.transform(X)
        base = self._fit.mean(self._design(Z, np.zeros(len(Z), dtype=np.intp)))
        cols = [
            self._fit.mean(self._design(Z, np.full(len(Z), a, dtype=np.intp))) - base
            for a in range(1, self._k + 1)
        ]
        return np.column_stack(cols).astype(np.float64)


def _costs(cost: float | Sequence[float] | Vector, k: int) -> Vector:
    c = np.atleast_1d(np.asarray(cost, dtype=np.float64))
    if c.ndim != 1 or len(c) not in (1, k):
        raise ValueError(f"cost must be one number or one per treatment arm ({k})")
    if not np.all(np.isfinite(c)):
        raise ValueError("cost must be finite")
    return np.broadcast_to(c, (k,)).copy() if len(c) == 1 else c.copy()


def best_arms(effects: npt.ArrayLike, cost: float | Sequence[float] | Vector = 0.0) -> Arms:
    """Each row's best arm (1..K, the first on ties) by estimated gain less the arm's cost, or
    0 (no arm) when no arm's net gain is above zero."""
    e = np.asarray(effects, dtype=np.float64)
    if e.ndim != 2 or e.shape[1] == 0:
        raise ValueError("effects must be a matrix with one column per treatment arm")
    net = e - _costs(cost, e.shape[1])[None, :]
    pick = np.argmax(net, axis=1)
    top = net[np.arange(len(net)), pick]
    return np.where(top > 0.0, pick + 1, NONE).astype(np.intp)


class OutcomeModels:
    """E[y | x, arm] for every arm (0..K), one standardised logistic (0/1 outcome) or ridge
    regression per arm: the doubly-robust estimator's `mu`, fitted on the training rows."""

    def __init__(self, reg: float = 1.0) -> None:
        self.reg = reg
        self._fits: list[Any] = []
        self._binary = True

    def fit(self, X: Matrix, arm: Arms, y: Vector) -> Self:
        self._binary = bool(np.all((y == 0.0) | (y == 1.0)))
        self._fits = []
        for a in range(int(arm.max()) + 1):
            rows = arm == a
            ya = y[rows]
            if len(ya) == 0 or np.all(ya == ya[0]):
                self._fits.append(float(ya[0]) if len(ya) else float(y.mean()))
                continue
            last = (
                LogisticRegression(C=self.reg, max_iter=2000)
                if self._binary
                else Ridge(alpha=1.0 / self.reg)
            )
            self._fits.append(make_pipeline(StandardScaler(), last).fit(X[rows], ya))
        return self

    def predict(self, X: Matrix) -> Matrix:
        cols = []
        for f in self._fits:
            if isinstance(f, float):
                cols.append(np.full(len(X), f))
            elif self._binary:
                cols.append(f.predict_proba(X)[:, 1])
            else:
                cols.append(f.predict(X))
        return np.column_stack(cols).astype(np.float64)


def policy_scores(
    y: npt.ArrayLike,
    arm: npt.ArrayLike,
    choice: npt.ArrayLike,
    propensity: npt.ArrayLike,
    *,
    mu: npt.ArrayLike | None = None,
    cost: float | Sequence[float] | Vector = 0.0,
) -> Vector:
    """Per-row doubly-robust scores of a policy (see the module docstring): their mean is the
    policy's estimated mean outcome per person, net of cost. `propensity[a]` is the known
    probability of arm a (0..K); `mu` an (n, K + 1) matrix of outcome predictions, or None for
    plain inverse-propensity weighting."""
    ya = np.asarray(y, dtype=np.float64)
    p = np.asarray(propensity, dtype=np.float64)
    if p.ndim != 1 or len(p) < 2 or not np.all((p > 0.0) & (p <= 1.0)):
        raise ValueError("propensity must give every arm 0..K a probability in (0, 1]")
    k = len(p) - 1
    a = _arm_codes(arm, len(ya), k)
    pi = _arm_codes(choice, len(ya), k)
    m = np.zeros((len(ya), k + 1)) if mu is None else np.asarray(mu, dtype=np.float64)
    if m.shape != (len(ya), k + 1):
        raise ValueError(f"mu must be an ({len(ya)}, {k + 1}) matrix")
    rows = np.arange(len(ya))
    fill = m[rows, pi]
    charge = np.r_[0.0, _costs(cost, k)][pi]
    return np.asarray(fill + (a == pi) / p[pi] * (ya - fill) - charge, dtype=np.float64)


@dataclass(frozen=True)
class Estimate:
    """A mean with its normal-approximation interval."""

    value: float
    low: float
    high: float
    n: int

    def as_dict(self) -> dict[str, float | int]:
        return {"value": self.value, "low": self.low, "high": self.high, "n": self.n}


def estimate(scores: npt.ArrayLike, level: float = 0.95) -> Estimate:
    """The mean of per-row scores (or of per-row differences of two policies' scores on the same
    rows, for a paired comparison) with a `level` interval from their standard error."""
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1 or len(s) < 2:
        raise ValueError("an estimate needs at least two scores")
    mean = float(s.mean())
    half = float(stats.norm.ppf(0.5 + level / 2.0) * s.std(ddof=1) / math.sqrt(len(s)))
    return Estimate(mean, mean - half, mean + half, len(s))


class CrossFitConfig(BaseModel):
    """How `cross_fit_values` values the policies."""

    model_config = ConfigDict(frozen=True)
    folds: int = Field(2, ge=2, le=20)
    level: float = Field(0.95, gt=0.0, lt=1.0)


@dataclass(frozen=True)
class PolicyReport:
    """Cross-fitted values of the multi-arm policy and of the simple ones it competes with."""

    values: dict[str, Estimate]
    """Policy -> estimated mean outcome per person, net of cost: `model` (each person's best
    arm), `everyone <k>` per arm, `<k> model` (arm k where its own model expects a net gain),
    `nobody`."""
    best_single: str
    """The single-arm policy with the highest estimated value."""
    gain_over_best_single: Estimate
    """`model` less `best_single`, paired on the same rows."""
    shares: dict[int, float]
    """The share of people `model` sends each arm (0 = none)."""


def fold_scores(
    X_train: Matrix,
    arm_train: Arms,
    y_train: Vector,
    X_test: Matrix,
    arm_test: Arms,
    y_test: Vector,
    *,
    propensity: Vector,
    config: MultiArmConfig | None = None,
    cost: float | Sequence[float] = 0.0,
    rng: RngLike = None,
) -> tuple[dict[str, Vector], Matrix, Arms]:
    """Fit on the training rows, value on the test rows: per-row doubly-robust scores of every
    policy in `PolicyReport.values`, the test rows' estimated gains and the policy's choices."""
    model = MultiArmUplift(config).fit(X_train, arm_train, y_train, cost=cost, rng=rng)
    k = model.n_arms
    costs = _costs(cost, k)
    effects = model.predict(X_test)
    mu = OutcomeModels().fit(X_train, arm_train, y_train).predict(X_test)
    choice = best_arms(effects, costs)
    n = len(y_test)

    def score(pick: npt.ArrayLike) -> Vector:
        return policy_scores(y_test, arm_test, pick, propensity, mu=mu, cost=costs)

    out = {"model": score(choice), "nobody": score(np.zeros(n, dtype=np.intp))}
    for a in range(1, k + 1):
        out[f"everyone {a}"] = score(np.full(n, a, dtype=np.intp))
        out[f"{a} model"] = score(np.where(effects[:, a - 1] > costs[a - 1], a, NONE))
    return out, effects, choice


def cross_fit_values(
    X: npt.ArrayLike,
    arm: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    config: MultiArmConfig | None = None,
    cost: float | Sequence[float] = 0.0,
    propensity: npt.ArrayLike | None = None,
    crossfit: CrossFitConfig | None = None,
    rng: RngLike = None,
) -> PolicyReport:
    """Every row valued by policies fitted on the other folds (stratified by arm); propensities
    are the arms' shares in the file unless given (a randomised experiment is assumed)."""
    Xa = np.asarray(X, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    codes = _arm_codes(arm, len(ya))
    cf = crossfit or CrossFitConfig()
    k = int(codes.max()) if codes.size else 0
    if k < 1:
        raise ValueError("valuing a policy needs at least one treatment arm (codes 1..K)")
    counts = np.bincount(codes, minlength=k + 1)
    if counts.min() < cf.folds:
        raise ValueError(f"every arm needs at least {cf.folds} rows to cross-fit")
    p = counts / counts.sum() if propensity is None else np.asarray(propensity, dtype=np.float64)
    seed = _seed(rng)
    skf = StratifiedKFold(n_splits=cf.folds, shuffle=True, random_state=seed)
    scores: dict[str, Vector] = {}
    chosen = np.zeros(len(ya), dtype=np.intp)
    for train, test in skf.split(np.zeros(len(ya)), codes):
        part, _, choice = fold_scores(
            Xa[train], codes[train], ya[train], Xa[test], codes[test], ya[test],
            propensity=p, config=config, cost=cost, rng=seed,
        )  # fmt: skip
        chosen[test] = choice
        for name, s in part.items():
            scores.setdefault(name, np.empty(len(ya)))[test] = s
    values = {name: estimate(s, cf.level) for name, s in scores.items()}
    singles = [n for n in values if n != "model"]
    best = max(singles, key=lambda n: values[n].value)
    gain = estimate(scores["model"] - scores[best], cf.level)
    shares = {a: float(np.mean(chosen == a)) for a in range(k + 1)}
    return PolicyReport(values, best, gain, shares)
