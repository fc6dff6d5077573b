"""Several treatments at once: the multi-arm model finds a planted best arm per segment, and the
off-policy value recovers a known policy value."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from culturebridge.campaign._policy import (
    NONE,
    MultiArmConfig,
    MultiArmUplift,
    best_arms,
    cross_fit_values,
    estimate,
    policy_scores,
)

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Data = tuple[Floats, Ints, Ints, Floats]


def _planted(n: int = 3000, seed: int = 0, harm: float = 0.1) -> Data:
    """Three segments, arms 0 (control), 1 (A) and 2 (B) assigned at random: A lifts a response
    of 0.2 by 0.3 in segment 1 only, B by 0.3 in segment 2 only, and both lower it by `harm` in
    segment 3. The best policy is A, B, none by segment, worth 0.5, 0.5, 0.2 per person."""
    r = np.random.default_rng(seed)
    seg = r.integers(1, 4, n)
    arm = r.integers(0, 3, n)
    p = np.full(n, 0.2)
    p += 0.3 * ((seg == 1) & (arm == 1)) + 0.3 * ((seg == 2) & (arm == 2))
    p -= harm * ((seg == 3) & (arm > 0))
    y = (r.random(n) < p).astype(np.float64)
    X = np.column_stack([seg == 1, seg == 2, seg == 3, r.normal(size=n)]).astype(np.float64)
    return X, seg, arm, y


@pytest.mark.parametrize("model", ["shared-spline", "culturebridge", "t-learner", "s-learner"])
def test_policy_finds_the_planted_best_arm_per_segment(model: str) -> None:
    X, seg, arm, y = _planted()
    fitted = MultiArmUplift(MultiArmConfig(models=(model,))).fit(X, arm, y, rng=0)
    effects = fitted.predict(X)
    assert effects.shape == (len(y), 2)
    choice = best_arms(effects)
    for segment, planted in ((1, 1), (2, 2), (3, NONE)):
        share = np.mean(choice[seg == segment] == planted)
        assert share > 0.95, (segment, share)


def test_default_chooses_its_per_arm_model_on_inner_folds() -> None:
    X, seg, arm, y = _planted()
    fitted = MultiArmUplift().fit(X, arm, y, rng=0)
    assert set(fitted.cv_value) == {"shared-spline", "culturebridge", "t-learner"}
    assert fitted.chosen == max(fitted.cv_value, key=lambda n: fitted.cv_value[n])
    # every candidate finds the planted policy, worth about 0.4 a person on the inner folds
    assert all(0.33 < v < 0.47 for v in fitted.cv_value.values())
    choice = best_arms(fitted.predict(X))
    assert np.mean(choice == np.where(seg == 3, NONE, seg)) > 0.95


def test_zero_effects_become_none_with_a_cost() -> None:
    """Arms that neither help nor harm segment 3 are not worth a cost of 0.05."""
    X, seg, arm, y = _planted(harm=0.0)
    effects = MultiArmUplift().fit(X, arm, y, rng=0).predict(X)
    choice = best_arms(effects, cost=0.05)
    assert np.mean(choice[seg == 3] == NONE) > 0.95
    assert np.mean(choice[seg == 1] == 1) > 0.95 and np.mean(choice[seg == 2] == 2) > 0.95


def test_best_arms_rules() -> None:
    effects = np.array([[0.1, 0.2], [0.3, 0.3], [-0.1, -0.2], [0.05, 0.0]])
    assert best_arms(effects).tolist() == [2, 1, NONE, 1]  # ties: the first arm
    assert best_arms(effects, cost=[0.0, 0.15]).tolist() == [1, 1, NONE, 1]
    assert best_arms(effects, cost=0.1).tolist() == [2, 1, NONE, NONE]
    with pytest.raises(ValueError, match="one per treatment arm"):
        best_arms(effects, cost=[0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="one column per treatment arm"):
        best_arms(np.zeros(3))


def test_doubly_robust_value_is_unbiased_with_any_outcome_model() -> None:
    """Randomised arms with known probabilities: IPW and DR (even with a wrong `mu`) land on the
    policy's true value; the planted best policy is worth 0.4 per person."""
    X, seg, arm, y = _planted(n=30000, seed=1)
    truth = np.where(seg == 1, 1, np.where(seg == 2, 2, NONE))
    p = np.full(3, 1 / 3)
    ipw = estimate(policy_scores(y, arm, truth, p))
    wrong_mu = np.full((len(y), 3), 0.9)
    dr = estimate(policy_scores(y, arm, truth, p, mu=wrong_mu))
    for e in (ipw, dr):
        assert e.low < 0.4 < e.high and e.high - e.low < 0.03
    everyone_a = estimate(policy_scores(y, arm, np.ones(len(y), dtype=int), p))
    assert everyone_a.low < (0.5 + 0.2 + 0.1) / 3 < everyone_a.high
    charged = estimate(policy_scores(y, arm, truth, p, cost=0.1))
    assert charged.value == pytest.approx(ipw.value - 0.1 * np.mean(truth > 0))


def test_cross_fitted_report_prefers_the_multi_arm_policy() -> None:
    X, seg, arm, y = _planted()
    report = cross_fit_values(X, arm, y, config=MultiArmConfig(models=("t-learner",)), rng=0)
    assert set(report.values) == {
        "model",
        "nobody",
        "everyone 1",
        "everyone 2",
        "1 model",
        "2 model",
    }
    assert report.values["model"].low < 0.4 < report.values["model"].high
    assert report.gain_over_best_single.low > 0.0
    assert report.best_single in ("1 model", "2 model")
    assert sum(report.shares.values()) == pytest.approx(1.0)


def test_bad_input_is_a_clear_value_error() -> None:
    X, seg, arm, y = _planted(n=300)
    with pytest.raises(ValueError, match="unknown uplift model 'magic'"):
        MultiArmConfig(models=("magic",))
    with pytest.raises(ValueError, match="at least one treatment arm"):
        MultiArmUplift().fit(X, np.zeros(len(y)), y)
    with pytest.raises(ValueError, match="no rows for the arm 1"):
        MultiArmUplift().fit(X, np.where(arm == 1, 2, arm), y)
    with pytest.raises(ValueError, match="no rows for the control"):
        MultiArmUplift().fit(X, np.where(arm == 0, 1, arm), y)
    with pytest.raises(ValueError, match="integer codes"):
        MultiArmUplift().fit(X, arm - 0.5, y)
    with pytest.raises(ValueError, match="not fitted"):
        MultiArmUplift().predict(X)
    with pytest.raises(ValueError, match="probability"):
        policy_scores(y, arm, arm, [0.5, 0.0, 0.5])
    with pytest.raises(ValueError, match="above the 2 treatment arms"):
        policy_scores(y, arm, np.full(len(y), 3), [1 / 3] * 3)
