"""The shared contract every uplift model passes, the feature encoder, and the real data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from culturebridge.campaign._features import Encoder, EncoderConfig, encode
from culturebridge.campaign._qini import qini_auc
from culturebridge.campaign._uplift import (
    MODELS,
    ClassTransformation,
    CultureBridge,
    CultureBridgeConfig,
    TLearner,
    UpliftModel,
)


def _planted(n: int = 3000, seed: int = 0, *, binary: bool = True) -> tuple[np.ndarray, ...]:
    """Treatment lifts the outcome by 0.4 only where x0 > 0; x1, x2 are noise."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    t = rng.random(n) < 0.5
    true = np.where(X[:, 0] > 0, 0.4, 0.0)
    if binary:
        y = (rng.random(n) < 0.2 + 0.1 * (X[:, 1] > 0) + true * t).astype(float)
    else:
        y = 2.0 + X[:, 1] + true * 10 * t + rng.normal(0, 1, n)
    return X, t, y, true


@pytest.fixture(params=sorted(MODELS))
def make(request: pytest.FixtureRequest) -> Callable[[], UpliftModel]:
    return MODELS[request.param]


def test_every_model_meets_the_protocol(make: Callable[[], UpliftModel]) -> None:
    assert isinstance(make(), UpliftModel)


@pytest.mark.parametrize("binary", [True, False])
def test_planted_responders_rank_above_the_rest(
    make: Callable[[], UpliftModel], binary: bool
) -> None:
    X, t, y, true = _planted(binary=binary)
    Xn, _, _, true_new = _planted(1000, seed=1, binary=binary)
    score = make().fit(X, t, y, rng=0).predict(Xn)
    assert score.shape == (len(Xn),)
    assert np.all(np.isfinite(score))
    helped = true_new > 0
    # most of the helped rank above most of the rest
    assert np.median(score[helped]) > np.quantile(score[~helped], 0.75)


def test_qini_of_the_model_is_high_on_planted_data(make: Callable[[], UpliftModel]) -> None:
    X, t, y, _ = _planted()
    Xn, tn, yn, true = _planted(2000, seed=2)
    q = qini_auc(yn, make().fit(X, t, y, rng=0).predict(Xn), tn)
    assert q > 0.5 * qini_auc(yn, true + np.arange(len(true)) * 1e-9, tn)


def test_deterministic_given_the_seed(make: Callable[[], UpliftModel]) -> None:
    X, t, y, _ = _planted(1500)
    a = make().fit(X, t, y, rng=7).predict(X)
    b = make().fit(X, t, y, rng=7).predict(X)
    assert a.tobytes() == b.tobytes()
    c = make().fit(X, t, y, rng=np.random.default_rng(3)).predict(X)
    d = make().fit(X, t, y, rng=np.random.default_rng(3)).predict(X)
    assert c.tobytes() == d.tobytes()


def test_inputs_are_not_mutated(make: Callable[[], UpliftModel]) -> None:
    X, t, y, _ = _planted(1000)
    copies = (X.copy(), t.copy(), y.copy())
    model = make().fit(X, t, y, rng=0)
    model.predict(X)
    for before, after in zip(copies, (X, t, y), strict=True):
        np.testing.assert_array_equal(before, after)


def test_constant_uplift_gives_near_flat_scores(make: Callable[[], UpliftModel]) -> None:
    rng = np.random.default_rng(5)
    X = rng.normal(size=(4000, 3))
    t = rng.random(4000) < 0.5
    y = (rng.random(4000) < 0.3 + 0.2 * t).astype(float)  # +0.2 for everyone
    score = make().fit(X, t, y, rng=0).predict(X[:500])
    planted = make().fit(*_planted(4000)[:3], rng=0).predict(X[:500])
    # the spread is small next to what a real difference of 0.4 gives
    assert np.std(score) < 0.5 * np.std(planted)


def test_treatment_as_0_1_ints_is_accepted(make: Callable[[], UpliftModel]) -> None:
    X, t, y, _ = _planted(800)
    a = make().fit(X, t.astype(int), y, rng=0).predict(X)
    b = make().fit(X, t, y, rng=0).predict(X)
    np.testing.assert_allclose(a, b)


def test_bad_input_is_refused(make: Callable[[], UpliftModel]) -> None:
    X, t, y, _ = _planted(200)
    with pytest.raises(ValueError, match="both treated and control"):
        make().fit(X, np.ones(len(y), bool), y)
    with pytest.raises(ValueError, match="length"):
        make().fit(X, t[:-1], y)
    with pytest.raises(ValueError, match="not fitted"):
        make().predict(X)


def test_class_transformation_on_amounts_uses_the_transformed_outcome() -> None:
    X, t, y, true = _planted(binary=False)
    score = ClassTransformation().fit(X, t, y).predict(X)
    # on the outcome's scale: about 4 where helped, about 0 elsewhere
    assert np.mean(score[true > 0]) - np.mean(score[true == 0]) == pytest.approx(4.0, abs=1.5)


def test_culturebridge_selection_is_made_on_training_folds() -> None:
    X, t, y, _ = _planted(1500)
    model = CultureBridge(
        CultureBridgeConfig(candidates=("t-spline", "s-spline", "ct-spline"), select=True, folds=3)
    ).fit(X, t, y, rng=0)
    assert model.chosen and set(model.chosen) <= {"t-spline", "s-spline", "ct-spline"}
    assert len(model.cv_qini) == 7
    assert max(model.cv_qini.values()) == model.cv_qini["+".join(model.chosen)]


def test_culturebridge_every_candidate_runs() -> None:
    X, t, y, true = _planted(1200)
    for kind in ("s-additive", "t-spline", "s-spline", "dr-spline", "ct-spline", "s-boosting"):
        score = CultureBridge(CultureBridgeConfig(candidates=(kind,), folds=3)).fit(X, t, y)
        s = score.predict(X)
        assert np.mean(s[true > 0]) > np.mean(s[true == 0]), kind


# ------------------------------------------------------------------------------ features


def test_encoder_numeric_categorical_rare_and_unseen() -> None:
    n = 200
    train = pd.DataFrame(
        {
            "age": [str(20 + i % 30) if i % 10 else "" for i in range(n)],
            "city": ["Paris"] * 120 + ["Tokyo"] * 70 + ["Lima"] * 10,
            "flag": ["true", "false"] * 100,
            "n": list(range(n)),
        }
    )
    before = train.copy()
    enc = Encoder().fit(train)
    pd.testing.assert_frame_equal(train, before)
    assert enc.columns == [
        "age", "age=missing", "city=Paris", "city=Tokyo", "city=other", "flag", "n",
    ]  # fmt: skip
    X = enc.transform(train)
    assert X.shape == (n, 7)
    median = float(pd.to_numeric(train["age"].replace("", np.nan)).median())
    assert X[0, 0] == median and X[0, 1] == 1.0 and X[1, 1] == 0.0
    assert X[-1].tolist()[2:5] == [0.0, 0.0, 1.0]  # Lima: rare, folded into other
    score = pd.DataFrame({"age": ["abc"], "city": ["Rome"], "flag": ["TRUE"], "n": ["7"]})
    row = enc.transform(score)[0]
    assert row.tolist() == [median, 1.0, 0.0, 0.0, 1.0, 1.0, 7.0]


def test_encode_helper_and_thresholds() -> None:
    train = pd.DataFrame({"c": ["a"] * 30 + ["b"] * 5, "x": np.arange(35.0)})
    Xtr, Xsc, cols = encode(train, train.head(3), EncoderConfig(min_count=5))
    assert cols == ["c=a", "c=b", "c=other", "x"]
    assert Xtr.shape == (35, 4) and Xsc.shape == (3, 4)
    with pytest.raises(ValueError, match="missing feature"):
        Encoder().fit(train).transform(train[["x"]])


# ------------------------------------------------------------------------------ real data


@pytest.mark.realdata
def test_hillstrom_culturebridge_beats_a_logistic_t_learner(
    real_file: Callable[[str], Path],
) -> None:
    df = pd.read_csv(real_file("marketing/hillstrom.csv"))
    df = df[df["segment"] != "Mens E-Mail"].reset_index(drop=True)
    feats = ["recency", "history_segment", "history", "mens", "womens", "zip_code", "newbie",
             "channel"]  # fmt: skip
    rng = np.random.default_rng(42)
    train = rng.random(len(df)) < 0.5
    t = (df["segment"] == "Womens E-Mail").to_numpy()
    y = df["visit"].to_numpy(float)
    Xtr, Xte, _ = encode(df.loc[train, feats], df.loc[~train, feats])
    cb = CultureBridge().fit(Xtr, t[train], y[train], rng=0).predict(Xte)
    tl = TLearner().fit(Xtr, t[train], y[train], rng=0).predict(Xte)
    q_cb = qini_auc(y[~train], cb, t[~train])
    assert q_cb > 0.03
    assert q_cb > qini_auc(y[~train], tl, t[~train]) - 0.005
