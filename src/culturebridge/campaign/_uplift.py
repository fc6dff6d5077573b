"""Uplift models behind one contract: who responds *because* of a campaign.

Every model is built from its pydantic config, `fit(X, treatment, y, *, rng=None) -> Self` on a
numeric matrix (see `_features`), a boolean treatment array and a float outcome array, and
`predict(X)` gives one uplift score per row (the estimated change in the outcome if treated;
only the ranking matters to the Qini metrics). `fit` never mutates its inputs, and the same
`rng` (an int seed or a numpy Generator) gives the same scores, byte for byte.

- `t-learner`: one outcome model per arm; uplift = mu1(x) - mu0(x).
- `s-learner`: one outcome model with the treatment as a feature; uplift = mu(x, 1) - mu(x, 0).
- `x-learner` (Künzel et al. 2019): imputed effects D1 = Y - mu0(X) on the treated and
  D0 = mu1(X) - Y on the controls, one regression for each, blended by the propensity g(x):
  tau = g tau0 + (1 - g) tau1.
- `class-transformation` (Jaskowski & Jaroszewicz 2012): for a 0/1 outcome, Z = 1 when
  (treated and responded) or (control and did not); uplift = 2 P(Z=1|x) - 1. For any other
  outcome, the transformed outcome Z = Y (T - p) / (p (1 - p)) is regressed on x instead.
- `culturebridge`: see `CultureBridge`: smooth additive (spline) and linear uplift learners,
  heavily regularised; the blend of them is picked by cross-validated Qini on inner folds of
  the training data alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, Protocol, Self, runtime_checkable

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import SplineTransformer, StandardScaler

from culturebridge.campaign._qini import qini_auc

Matrix = npt.NDArray[np.float64]
Vector = npt.NDArray[np.float64]
RngLike = int | np.random.Generator | None
Base = Literal["logistic", "boosting"]


@runtime_checkable
class UpliftModel(Protocol):
    """What every uplift model offers; see the module docstring for the contract."""

    name: str

    def fit(
        self, X: npt.ArrayLike, treatment: npt.ArrayLike, y: npt.ArrayLike, *, rng: RngLike = None
    ) -> Self: ...

    def predict(self, X: npt.ArrayLike) -> Vector: ...


class BoostingConfig(BaseModel):
    """A histogram gradient-boosting base learner (scikit-learn's), regularised for the weak
    signals of uplift data."""

    model_config = ConfigDict(frozen=True)
    learning_rate: float = Field(0.05, gt=0.0, le=1.0)
    max_iter: int = Field(100, ge=1)
    max_leaf_nodes: int = Field(15, ge=2)
    min_samples_leaf: int = Field(100, ge=1)
    l2_regularization: float = Field(1.0, ge=0.0)


class LinearConfig(BaseModel):
    """A standardised linear base learner: logistic regression for 0/1 outcomes, ridge for
    others."""

    model_config = ConfigDict(frozen=True)
    reg: float = Field(1.0, gt=0.0)
    """Inverse strength C of the logistic penalty; ridge uses alpha = 1 / reg."""


# ---------------------------------------------------------------------------------- helpers


def _seed(rng: RngLike) -> int:
    """An int seed for scikit-learn from an int, a Generator or None (seed 0: deterministic)."""
    if rng is None:
        return 0
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**31 - 1))
    return int(rng)


def _inputs(
    X: npt.ArrayLike, treatment: npt.ArrayLike, y: npt.ArrayLike
) -> tuple[Matrix, npt.NDArray[np.bool_], Vector]:
    Xa = np.array(X, dtype=np.float64, copy=True)
    if Xa.ndim != 2:
        raise ValueError("X must be a two-dimensional matrix")
    t = np.array(treatment, copy=True)
    if t.dtype != np.bool_:
        tf = t.astype(np.float64)
        if not np.all((tf == 0) | (tf == 1)):
            raise ValueError("treatment must be boolean or 0/1")
        t = tf == 1
    ya = np.array(y, dtype=np.float64, copy=True)
    if not (len(Xa) == len(t) == len(ya)):
        raise ValueError(f"X, treatment and y differ in length ({len(Xa)}, {len(t)}, {len(ya)})")
    if not np.all(np.isfinite(ya)) or not np.all(np.isfinite(Xa)):
        raise ValueError("X and y must be finite")
    if t.all() or not t.any():
        raise ValueError("fitting needs both treated and control rows")
    return Xa, t, ya


def _matrix(X: npt.ArrayLike) -> Matrix:
    Xa = np.asarray(X, dtype=np.float64)
    if Xa.ndim != 2:
        raise ValueError("X must be a two-dimensional matrix")
    return Xa


def _binary(y: Vector) -> bool:
    return bool(np.all((y == 0.0) | (y == 1.0)))


class _Fitted:
    """A fitted outcome (or propensity) model: `mean(X)` is E[y|x] (a probability for 0/1 y);
    a constant when y never varies, as scikit-learn refuses one class."""

    def __init__(self, est: Any, binary: bool, constant: float | None = None) -> None:
        self.est, self.binary, self.constant = est, binary, constant

    def mean(self, X: Matrix) -> Vector:
        if self.constant is not None:
            return np.full(len(X), self.constant)
        if self.binary:
            return np.asarray(self.est.predict_proba(X)[:, 1], dtype=np.float64)
        return np.asarray(self.est.predict(X), dtype=np.float64)


def _fit_outcome(
    X: Matrix,
    y: Vector,
    *,
    base: Base,
    seed: int,
    boosting: BoostingConfig,
    linear: LinearConfig,
    binary: bool | None = None,
    weight: Vector | None = None,
) -> _Fitted:
    binary = _binary(y) if binary is None else binary
    if len(y) == 0 or np.all(y == y[0]):
        return _Fitted(None, binary, float(y[0]) if len(y) else 0.0)
    est: Any
    if base == "boosting":
        kw = boosting.model_dump()
        kw["min_samples_leaf"] = min(kw["min_samples_leaf"], max(len(y) // 10, 1))
        cls = HistGradientBoostingClassifier if binary else HistGradientBoostingRegressor
        est = cls(early_stopping=False, random_state=seed, **kw)
        est.fit(X, y, sample_weight=weight)
    else:
        last = (
            LogisticRegression(C=linear.reg, max_iter=2000)
            if binary
            else Ridge(alpha=1.0 / linear.reg)
        )
        est = make_pipeline(StandardScaler(), last)
        name = est.steps[-1][0]
        est.fit(X, y, **({f"{name}__sample_weight": weight} if weight is not None else {}))
    return _Fitted(est, binary)


def _propensity(X: Matrix, t: npt.NDArray[np.bool_], kind: str) -> _Fitted:
    """P(T=1|x): the treated share for a randomised experiment, or a logistic regression."""
    if kind == "constant":
        return _Fitted(None, True, float(t.mean()))
    est: Pipeline = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    est.fit(X, t.astype(int))
    return _Fitted(est, True)


def _clipped(p: Vector, clip: float) -> Vector:
    return np.clip(p, clip, 1.0 - clip)


# ---------------------------------------------------------------------------------- models


class TLearnerConfig(BaseModel):
    model_config = ConfigDict(frozen=True)
    base: Base = "logistic"
    boosting: BoostingConfig = BoostingConfig()
    linear: LinearConfig = LinearConfig()


class TLearner:
    """Two outcome models, one per arm; uplift = mu1(x) - mu0(x)."""

    name = "t-learner"

    def __init__(self, config: TLearnerConfig | None = None) -> None:
        self.config = config or TLearnerConfig()
        self._mu: tuple[_Fitted, _Fitted] | None = None

    def fit(
        self, X: npt.ArrayLike, treatment: npt.ArrayLike, y: npt.ArrayLike, *, rng: RngLike = None
    ) -> Self:
        Xa, t, ya = _inputs(X, treatment, y)
        seed, c, binary = _seed(rng), self.config, _binary(ya)
        kw: dict[str, Any] = dict(
            base=c.base, seed=seed, boosting=c.boosting, linear=c.linear, binary=binary
        )
        self._mu = (_fit_outcome(Xa[~t], ya[~t], **kw), _fit_outcome(Xa[t], ya[t], **kw))
        return self

    def predict(self, X: npt.ArrayLike) -> Vector:
        if self._mu is None:
            raise ValueError("the model is not fitted")
        Xa = _matrix(X)
        return self._mu[1].mean(Xa) - self._mu[0].mean(Xa)


class SLearnerConfig(BaseModel):
    model_config = ConfigDict(frozen=True)
    base: Base = "boosting"
    boosting: BoostingConfig = BoostingConfig()
    linear: LinearConfig = LinearConfig()


class SLearner:
    """One outcome model with the treatment as a feature (and, for the linear base, its
    interactions with every feature, without which a linear uplift would be constant)."""

    name = "s-learner"

    def __init__(self, config: SLearnerConfig | None = None) -> None:
        self.config = config or SLearnerConfig()
        self._mu: _Fitted | None = None

    def _design(self, X: Matrix, t: Vector) -> Matrix:
        cols = [X, t[:, None]]
        if self.config.base == "logistic":
            cols.append(X * t[:, None])
        return np.hstack(cols)

    def fit(
        self, X: npt.ArrayLike, treatment: npt.ArrayLike, y: npt.ArrayLike, *, rng: RngLike = None
    ) -> Self:
        Xa, t, ya = _inputs(X, treatment, y)
        c = self.config
        self._mu = _fit_outcome(
            self._design(Xa, t.astype(np.float64)),
            ya,
            base=c.base,
            seed=_seed(rng),
            boosting=c.boosting,
            linear=c.linear,
        )
        return self

    def predict(self, X: npt.ArrayLike) -> Vector:
        if self._mu is None:
            raise ValueError("the model is not fitted")
        Xa = _matrix(X)
        one, zero = np.ones(len(Xa)), np.zeros(len(Xa))
        return self._mu.mean(self._design(Xa, one)) - self._mu.mean(self._design(Xa, zero))


class XLearnerConfig(BaseModel):
    model_config = ConfigDict(frozen=True)
    base: Base = "boosting"
    """The outcome models (first stage)."""
    effect_base: Base = "boosting"
    """The two effect regressions (second stage)."""
    propensity: Literal["logistic", "constant"] = "logistic"
    clip: float = Field(0.01, gt=0.0, lt=0.5)
    boosting: BoostingConfig = BoostingConfig()
    linear: LinearConfig = LinearConfig()


class XLearner:
    """Künzel et al.'s X-learner; see the module docstring."""

    name = "x-learner"

    def __init__(self, config: XLearnerConfig | None = None) -> None:
        self.config = config or XLearnerConfig()
        self._parts: tuple[_Fitted, _Fitted, _Fitted] | None = None

    def fit(
        self, X: npt.ArrayLike, treatment: npt.ArrayLike, y: npt.ArrayLike, *, rng: RngLike = None
    ) -> Self:
        Xa, t, ya = _inputs(X, treatment, y)
        seed, c, binary = _seed(rng), self.config, _binary(ya)
        kw: dict[str, Any] = dict(seed=seed, boosting=c.boosting, linear=c.linear)
        mu0 = _fit_outcome(Xa[~t], ya[~t], base=c.base, binary=binary, **kw)
        mu1 = _fit_outcome(Xa[t], ya[t], base=c.base, binary=binary, **kw)
        d1 = ya[t] - mu0.mean(Xa[t])
        d0 = mu1.mean(Xa[~t]) - ya[~t]
        tau1 = _fit_outcome(Xa[t], d1, base=c.effect_base, binary=False, **kw)
        tau0 = _fit_outcome(Xa[~t], d0, base=c.effect_base, binary=False, **kw)
        self._parts = (tau0, tau1, _propensity(Xa, t, c.propensity))
        return self

    def predict(self, X: npt.ArrayLike) -> Vector:
        if self._parts is None:
            raise ValueError("the model is not fitted")
        Xa = _matrix(X)
        tau0, tau1, prop = self._parts
        g = _clipped(prop.mean(Xa), self.config.clip)
        return g * tau0.mean(Xa) + (1.0 - g) * tau1.mean(Xa)


class ClassTransformationConfig(BaseModel):
    model_config = ConfigDict(frozen=True)
    base: Base = "logistic"
    boosting: BoostingConfig = BoostingConfig()
    linear: LinearConfig = LinearConfig()


class ClassTransformation:
    """Jaskowski & Jaroszewicz's class variable transformation (0/1 outcomes), or the
    transformed-outcome regression for any other outcome; see the module docstring."""

    name = "class-transformation"

    def __init__(self, config: ClassTransformationConfig | None = None) -> None:
        self.config = config or ClassTransformationConfig()
        self._model: _Fitted | None = None
        self._binary = True

    def fit(
        self, X: npt.ArrayLike, treatment: npt.ArrayLike, y: npt.ArrayLike, *, rng: RngLike = None
    ) -> Self:
        Xa, t, ya = _inputs(X, treatment, y)
        c = self.config
        self._binary = _binary(ya)
        if self._binary:
            z = np.where(t, ya, 1.0 - ya)
        else:
            p = float(t.mean())
            z = ya * (t - p) / (p * (1.0 - p))
        self._model = _fit_outcome(
            Xa,
            z,
            base=c.base,
            seed=_seed(rng),
            boosting=c.boosting,
            linear=c.linear,
            binary=self._binary,
        )
        return self

    def predict(self, X: npt.ArrayLike) -> Vector:
        if self._model is None:
            raise ValueError("the model is not fitted")
        m = self._model.mean(_matrix(X))
        return 2.0 * m - 1.0 if self._binary else m


# ------------------------------------------------------------------------ the culturebridge model


def _spline_basis(X: Matrix, knots: int) -> Pipeline:
    """Additive, smooth features: a cubic B-spline basis (quantile knots) for every column with
    more than `knots` distinct values, the others (indicators, small counts) as they are, then
    standardised. Learned on the training rows."""
    wide = [j for j in range(X.shape[1]) if len(np.unique(X[:, j])) > knots]
    steps = ColumnTransformer(
        [("spline", SplineTransformer(n_knots=knots, degree=3, knots="quantile"), wide)],
        remainder="passthrough",
    )
    return make_pipeline(steps, StandardScaler()).fit(X)


def _linear(binary: bool, reg: float) -> LogisticRegression | Ridge:
    return LogisticRegression(C=reg, max_iter=5000) if binary else Ridge(alpha=1.0 / reg)


class _Scorer(Protocol):
    def __call__(self, X: Matrix, /) -> Vector: ...


class CultureBridgeConfig(BaseModel):
    """The culturebridge model; see `CultureBridge`. The design (these candidates, selection
    over their averages, pooled inner-CV Qini) was chosen on the Hillstrom Mens E-Mail task and
    frozen before the Womens E-Mail task was measured (benchmarks/uplift.py); the blend itself
    is chosen inside `fit`, on the training data only."""

    model_config = ConfigDict(frozen=True)
    candidates: tuple[
        Literal[
            "s-additive",
            "t-spline",
            "s-spline",
            "s-shift",
            "dr-spline",
            "ct-spline",
            "s-boosting",
            "t-linear",
        ],
        ...,
    ] = ("s-shift", "s-spline", "t-spline", "t-linear")
    """The learners whose averaged estimates make the model, see `CultureBridge`."""
    select: bool = True
    """Keep only the subset of `candidates` with the best cross-validated Qini on the training
    data; False: average them all."""
    select_from: Literal["subsets", "each", "near-best"] = "subsets"
    """`select` among every average of a subset of `candidates`, among the candidates alone
    (fewer choices: less room to fit the inner folds' noise), or the average of every candidate
    whose inner Qini is within `near` (relative) of the best one's."""
    near: float = Field(0.1, ge=0.0, le=1.0)
    repeats: int = Field(1, ge=1, le=10)
    """Repetitions of the inner cross-validation (new fold draws), their Qini AUCs averaged:
    a less noisy choice for proportionally more fitting."""
    select_on: Literal["folds", "pooled"] = "pooled"
    """`select`'s criterion: the mean of the held-out folds' Qini AUCs, or the Qini AUC of all
    out-of-fold scores pooled (one ranking of the whole training data: less noisy)."""
    folds: int = Field(5, ge=2, le=20)
    """Folds of the cross-fitting (`dr-spline`'s outcome models) and of `select`."""
    knots: int = Field(5, ge=3, le=20)
    """Spline knots per numeric feature."""
    t_reg: float = Field(0.003, gt=0.0)
    """Inverse penalty C of the two `t-spline` outcome models (ridge: alpha = 1/C)."""
    s_reg: float = Field(0.1, gt=0.0)
    """Inverse penalty C of the `s-spline` model."""
    s_interaction: float = Field(0.3, gt=0.0)
    """Scale of `s-spline`'s treatment x feature columns: below 1 penalises the uplift part
    more than the baseline part, shrinking the arms towards one shared model."""
    ct_reg: float = Field(0.01, gt=0.0)
    linear_reg: float = Field(1.0, gt=0.0)
    """Inverse penalty C of `t-linear`'s two standardised (not spline) outcome models."""
    dr_reg: float = Field(0.01, gt=0.0)
    """Inverse penalty of `dr-spline`'s ridge (alpha = 1/C)."""
    additive: BoostingConfig = BoostingConfig(max_leaf_nodes=8)
    """`s-additive`'s boosted model (each tree sees one feature and the treatment)."""
    nuisance: BoostingConfig = BoostingConfig(min_samples_leaf=200)
    """`dr-spline`'s cross-fitted outcome models."""
    boosting: BoostingConfig = BoostingConfig()
    """`s-boosting`'s model."""
    clip: float = Field(0.01, gt=0.0, lt=0.5)


class CultureBridge:
    """The culturebridge model: smooth additive uplift learners, averaged.

    Uplift signals are weak beside the outcome's own variation, so the learners are
    deliberately simple and heavily regularised: additive in the features, through boosting
    constrained to one feature per tree or a cubic spline basis per numeric feature fitted by
    penalised logistic regression (ridge for a non-0/1 outcome). Candidates: `s-additive` (a
    boosted S-learner whose trees each split on one feature and the treatment, so the uplift
    is a sum of one-feature functions), `t-spline` (one spline model per arm, penalised hard),
    `s-spline` (one model on the features, the treatment and treatment x feature columns, the
    latter scaled down so that the arms share a baseline and only a penalised difference),
    `dr-spline` (ridge on doubly-robust pseudo-outcomes phi = mu1 - mu0 + T (Y - mu1)/p -
    (1 - T)(Y - mu0)/(1 - p), with boosted mu0, mu1 fitted out of fold: Kennedy's DR-learner),
    `ct-spline` (class transformation), `s-boosting` (a boosted S-learner), `s-shift` (the
    spline S-learner with no treatment x feature columns: the treatment moves everyone's
    log-odds by the same amount, so the gain is largest where the outcome is nearest even odds;
    on some campaigns that one-parameter story ranks people better than any learner of
    person-level effects) and `t-linear` (a standardised logistic T-learner). Every candidate
    estimates the change in the outcome itself, so a blend is their plain mean, on the
    outcome's scale (averaging damps each learner's own noise). With `select` (the default),
    the blend kept is the one with the best Qini AUC on out-of-fold scores of the training data
    (`folds` inner folds): which story fits a campaign is learned from that campaign.
    Deterministic given `rng`.
    """

    name = "culturebridge"

    def __init__(self, config: CultureBridgeConfig | None = None) -> None:
        self.config = config or CultureBridgeConfig()
        self._members: list[_Scorer] = []
        self.chosen: tuple[str, ...] = ()
        self.cv_qini: dict[str, float] = {}

    def _learner(
        self, kind: str, X: Matrix, t: npt.NDArray[np.bool_], y: Vector, seed: int
    ) -> _Scorer:
        """One candidate fitted on (X, t, y)."""
        c = self.config
        binary = _binary(y)
        if kind == "s-boosting":
            return SLearner(SLearnerConfig(boosting=c.boosting)).fit(X, t, y, rng=seed).predict
        if kind == "s-additive":
            return _additive(X, t, y, binary, c.additive, seed)
        if kind == "t-linear":
            lin = TLearnerConfig(base="logistic", linear=LinearConfig(reg=c.linear_reg))
            return TLearner(lin).fit(X, t, y, rng=seed).predict
        basis = _spline_basis(X, c.knots)
        Z = basis.transform(X)
        if kind == "t-spline":
            arms = [_spline_fit(Z[t == arm], y[t == arm], binary, c.t_reg) for arm in (0, 1)]
            return lambda Xn: arms[1].mean(basis.transform(Xn)) - arms[0].mean(basis.transform(Xn))
        if kind in ("s-spline", "s-shift"):
            scale = c.s_interaction if kind == "s-spline" else 0.0

            def design(Zn: Matrix, tn: Vector) -> Matrix:
                if scale == 0.0:
                    return np.hstack([Zn, tn[:, None]])
                return np.hstack([Zn, tn[:, None], scale * Zn * tn[:, None]])

            model = _spline_fit(design(Z, t.astype(np.float64)), y, binary, c.s_reg)

            def s_score(Xn: Matrix) -> Vector:
                Zn = basis.transform(Xn)
                one, zero = np.ones(len(Zn)), np.zeros(len(Zn))
                return model.mean(design(Zn, one)) - model.mean(design(Zn, zero))

            return s_score
        if kind == "ct-spline":
            p = float(t.mean())
            z = np.where(t, y, 1.0 - y) if binary else y * (t - p) / (p * (1.0 - p))
            ct = _spline_fit(Z, z, binary, c.ct_reg)
            if binary:
                return lambda Xn: 2.0 * ct.mean(basis.transform(Xn)) - 1.0
            return lambda Xn: ct.mean(basis.transform(Xn))
        if kind == "dr-spline":
            dr = _spline_fit(Z, self._pseudo(X, t, y, seed), False, c.dr_reg)
            return lambda Xn: dr.mean(basis.transform(Xn))
        raise ValueError(f"unknown culturebridge candidate {kind!r}")

    def _pseudo(self, X: Matrix, t: npt.NDArray[np.bool_], y: Vector, seed: int) -> Vector:
        """Cross-fitted doubly-robust pseudo-outcomes (the treated share as propensity: the
        campaign is taken to be randomised)."""
        c = self.config
        binary = _binary(y)
        mu0, mu1 = np.empty(len(y)), np.empty(len(y))
        kw: dict[str, Any] = dict(
            base="boosting", seed=seed, boosting=c.nuisance, linear=LinearConfig(), binary=binary
        )
        for train, held in _folds(t, y, c.folds, seed):
            tt = t[train]
            mu0[held] = _fit_outcome(X[train][~tt], y[train][~tt], **kw).mean(X[held])
            mu1[held] = _fit_outcome(X[train][tt], y[train][tt], **kw).mean(X[held])
        p = float(np.clip(t.mean(), c.clip, 1.0 - c.clip))
        return mu1 - mu0 + t * (y - mu1) / p - (~t) * (y - mu0) / (1.0 - p)

    def fit(
        self, X: npt.ArrayLike, treatment: npt.ArrayLike, y: npt.ArrayLike, *, rng: RngLike = None
    ) -> Self:
        Xa, t, ya = _inputs(X, treatment, y)
        seed, kinds = _seed(rng), tuple(self.config.candidates)
        if not kinds:
            raise ValueError("culturebridge needs at least one candidate learner")
        chosen = self._select(Xa, t, ya, seed) if self.config.select and len(kinds) > 1 else kinds
        self.chosen = chosen
        self._members = [self._learner(k, Xa, t, ya, seed) for k in chosen]
        return self

    def _select(self, X: Matrix, t: npt.NDArray[np.bool_], y: Vector, seed: int) -> tuple[str, ...]:
        c = self.config
        kinds = tuple(c.candidates)
        subsets: list[tuple[str, ...]]
        if c.select_from == "subsets":
            subsets = [
                tuple(k for i, k in enumerate(kinds) if mask >> i & 1)
                for mask in range(1, 2 ** len(kinds))
            ]
        else:
            subsets = [(k,) for k in kinds]
        scores = np.zeros(len(subsets))
        for rep in range(c.repeats):
            oof: dict[str, Vector] = {k: np.empty(len(y)) for k in kinds}
            splits = _folds(t, y, c.folds, seed + 1 + rep)
            for train, held in splits:
                for k in kinds:
                    fitted = self._learner(k, X[train], t[train], y[train], seed)
                    oof[k][held] = fitted(X[held])
            for i, subset in enumerate(subsets):
                blend = np.mean([oof[k] for k in subset], axis=0)
                # pooled: one ranking of every training row; folds: each held-out fold stands
                # for a new campaign, its Qini AUC averaged
                if c.select_on == "pooled":
                    scores[i] += qini_auc(y, blend, t) / c.repeats
                else:
                    per_fold = [qini_auc(y[h], blend[h], t[h]) for _, h in splits]
                    scores[i] += float(np.nanmean(per_fold)) / c.repeats
        self.cv_qini = {"+".join(sub): float(v) for sub, v in zip(subsets, scores, strict=True)}
        top = float(np.max(scores))
        if c.select_from == "near-best":
            # every candidate within `near` of the best one's Qini, averaged: of learners the
            # inner folds cannot tell apart, the average is steadier than any one pick
            return tuple(
                k for (k,), v in zip(subsets, scores, strict=True) if v >= top - c.near * abs(top)
            )
        return subsets[int(np.argmax(scores))]

    def predict(self, X: npt.ArrayLike) -> Vector:
        if not self._members:
            raise ValueError("the model is not fitted")
        Xa = _matrix(X)
        return np.asarray(np.mean([m(Xa) for m in self._members], axis=0), dtype=np.float64)


def _additive(
    X: Matrix, t: npt.NDArray[np.bool_], y: Vector, binary: bool, cfg: BoostingConfig, seed: int
) -> _Scorer:
    """A boosted S-learner whose every tree may split on one feature and the treatment only
    (scikit-learn's interaction constraints): the uplift is then a sum of one-feature
    functions, non-parametric like boosting yet as hard to overfit as an additive model."""
    d = X.shape[1]
    kw = cfg.model_dump()
    kw["min_samples_leaf"] = min(kw["min_samples_leaf"], max(len(y) // 10, 1))
    cls = HistGradientBoostingClassifier if binary else HistGradientBoostingRegressor
    est = cls(
        early_stopping=False,
        random_state=seed,
        interaction_cst=[[j, d] for j in range(d)],
        **kw,
    )
    if np.all(y == y[0]):
        return lambda Xn: np.zeros(len(Xn))
    est.fit(np.hstack([X, t[:, None].astype(np.float64)]), y)
    model = _Fitted(est, binary)

    def score(Xn: Matrix) -> Vector:
        one, zero = np.ones((len(Xn), 1)), np.zeros((len(Xn), 1))
        return model.mean(np.hstack([Xn, one])) - model.mean(np.hstack([Xn, zero]))

    return score


def _spline_fit(Z: Matrix, y: Vector, binary: bool, reg: float) -> _Fitted:
    if len(y) == 0 or np.all(y == y[0]):
        return _Fitted(None, binary, float(y[0]) if len(y) else 0.0)
    return _Fitted(_linear(binary, reg).fit(Z, y), binary)


def _folds(
    t: npt.NDArray[np.bool_], y: Vector, k: int, seed: int
) -> list[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]]:
    """Folds stratified by arm and by outcome above or below its median (by arm alone when a
    stratum is too small), shuffled by `seed`."""
    strata = t.astype(int) * 2 + (y > np.median(y)).astype(int)
    if np.unique(strata, return_counts=True)[1].min() < k:
        strata = t.astype(int)
    k = max(2, min(k, int(np.unique(strata, return_counts=True)[1].min())))
    skf = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return [(a, b) for a, b in skf.split(np.zeros(len(y)), strata)]


MODELS: dict[str, Callable[[], UpliftModel]] = {
    "culturebridge": CultureBridge,
    "t-learner": TLearner,
    "s-learner": SLearner,
    "x-learner": XLearner,
    "class-transformation": ClassTransformation,
}
"""Every uplift model by its CLI name, each built with its default config."""
