"""The evaluation harness on fixtures whose every metric is worked out by hand.

Four users, five items. Training (item popularity: i0 4, i1 3, i2 1, i3 1, i4 1):

    u0: i0 i1 i2     test: i4
    u1: i0 i1        test: i2
    u2: i0 i3        test: i4
    u3: i0 i1 i4     test: i3 i2

`pop` ranks i0 > i1 > i2 > i3 > i4 (equal counts: lower row first) and skips what a user saw,
so its top 2 are u0 [i3 i4], u1 [i2 i3], u2 [i1 i2], u3 [i2 i3]: hits at rank 2, rank 1,
none, ranks 1 and 2.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from culturebridge.errors import UserError
from culturebridge.recommend import Interactions, ModelConfig, Recommender, from_frame, make_model
from culturebridge.recommend._evaluate import EvaluationResult, evaluate, evaluate_files
from culturebridge.recommend._split import Split, random_split

USERS = np.array(["u0", "u1", "u2", "u3"], dtype=np.str_)
ITEMS = np.array(["i0", "i1", "i2", "i3", "i4"], dtype=np.str_)
TRAIN = [
    ("u0", "i0"), ("u0", "i1"), ("u0", "i2"),
    ("u1", "i0"), ("u1", "i1"),
    ("u2", "i0"), ("u2", "i3"),
    ("u3", "i0"), ("u3", "i1"), ("u3", "i4"),
]  # fmt: skip
TEST = [("u0", "i4"), ("u1", "i2"), ("u2", "i4"), ("u3", "i3"), ("u3", "i2")]
D2 = 1.0 / math.log2(3)  # the discount of rank 2


def frame(pairs: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["user_id", "item_id"])


def interactions(pairs: list[tuple[str, str]]) -> Interactions:
    return from_frame(frame(pairs), user_ids=USERS, item_ids=ITEMS)


def fixture_split(extra_test: list[tuple[str, str]] | None = None) -> Split:
    return Split(interactions(TRAIN), interactions(TEST + (extra_test or [])))


class ScriptedConfig(ModelConfig):
    pass


class Scripted(Recommender):
    """Scores fixed by the test, so its lists (and so its metrics) are known in advance.
    Not registered: it is passed to `evaluate` as an instance."""

    name = "scripted"
    Config = ScriptedConfig

    def __init__(self, scores: npt.ArrayLike) -> None:
        super().__init__()
        self.fixed = np.asarray(scores, dtype=np.float32)
        self.fit_rngs: list[np.random.Generator] = []

    def _fit(self, data: Interactions, rng: np.random.Generator) -> None:
        self.fit_rngs.append(rng)

    def _scores(self, rows: npt.NDArray[np.int32]) -> npt.NDArray[np.float32]:
        return self.fixed[rows].copy()


# ---------------------------------------------------------------------- known answers


def test_pop_known_metrics() -> None:
    result = evaluate({"pop": make_model("pop")}, fixture_split(), k=2, recall_k=2)
    assert (result.k, result.recall_k, result.test_users, result.dropped_items) == (2, 2, 4, 0)
    [row] = result.models
    assert row.model == "pop" and row.params == {"by_segment": True}
    assert row.users == 4
    assert row.ndcg == pytest.approx((D2 + 1.0 + 0.0 + 1.0) / 4)
    assert row.recall == pytest.approx(0.75)
    assert row.hit_rate == pytest.approx(0.75)
    assert row.map == pytest.approx((0.5 + 1.0 + 0.0 + 1.0) / 4)
    assert row.coverage == pytest.approx(4 / 5)  # i1..i4 shown, i0 (seen by all) never
    info = {1: -math.log2(3 / 4), 2: 2.0, 3: 2.0, 4: 2.0}  # bits, 4 training users
    assert row.novelty == pytest.approx((2.0 + 2.0 + (info[1] + 2.0) / 2 + 2.0) / 4)
    assert row.popularity_bias == pytest.approx((1.0 + 1.0 + 2.0 + 1.0) / 4)
    assert row.head_share == 0.0  # the head is i0 alone
    assert row.fit_seconds >= 0.0 and row.recommend_seconds >= 0.0
    assert row.segments == []


def test_scripted_model_exact_values() -> None:
    # highest item row first: top 3 are u0 [4 3 ..], u1 [4 3 2], u2 [4 2 1], u3 [3 2]
    model = Scripted(np.tile(np.arange(5, dtype=np.float32), (4, 1)))
    result = evaluate({"highest-row": model}, fixture_split(), k=2, recall_k=3)
    [row] = result.models
    assert row.model == "highest-row" and row.params == {}
    assert row.ndcg == pytest.approx(0.75)  # u1's i2 is third: a miss at k=2
    assert row.recall == pytest.approx(1.0)  # ... and a hit at recall_k=3
    assert row.hit_rate == pytest.approx(0.75)
    assert row.map == pytest.approx(0.75)
    assert row.coverage == pytest.approx(3 / 5)  # i4, i3, i2


def test_oracle_scores_one() -> None:
    test = interactions(TEST).matrix(binary=True).toarray()
    result = evaluate({"oracle": Scripted(test)}, fixture_split(), k=2, recall_k=2)
    [row] = result.models
    for value in (row.ndcg, row.recall, row.hit_rate, row.map):
        assert value == pytest.approx(1.0)


def test_segment_breakdown() -> None:
    segments = np.array(["a", "a", "b", "b"], dtype=np.str_)
    result = evaluate(
        {"pop": make_model("pop")}, fixture_split(), k=2, recall_k=2, segments=segments
    )
    [row] = result.models
    by_name = {s.segment: s for s in row.segments}
    assert list(by_name) == ["a", "b"]
    assert by_name["a"].users == 2 and by_name["b"].users == 2
    assert by_name["a"].ndcg == pytest.approx((D2 + 1.0) / 2)
    assert by_name["b"].ndcg == pytest.approx(0.5)
    assert by_name["a"].recall == pytest.approx(1.0)
    assert by_name["b"].recall == pytest.approx(0.5)
    assert sum(s.users for s in row.segments) == row.users


def test_pairs_seen_in_training_leave_the_truth() -> None:
    """u2 also 'tests' on i0, which it had in training and so can never be recommended."""
    plain = evaluate({"pop": make_model("pop")}, fixture_split(), k=2, recall_k=2)
    repeat = evaluate({"pop": make_model("pop")}, fixture_split([("u2", "i0")]), k=2, recall_k=2)
    assert repeat.seen_test_pairs == 1 and plain.seen_test_pairs == 0
    assert repeat.models[0].ndcg == plain.models[0].ndcg
    assert repeat.models[0].recall == plain.models[0].recall


def test_only_users_with_test_items_are_evaluated() -> None:
    split = Split(interactions(TRAIN), interactions([("u1", "i2"), ("u2", "i0")]))
    result = evaluate({"pop": make_model("pop")}, split, k=2, recall_k=2)
    assert result.test_users == 1  # u2's only test item is one it saw in training
    assert result.models[0].ndcg == pytest.approx(1.0)


# ---------------------------------------------------------------------- behaviour


def test_progress_batches_and_several_models() -> None:
    calls: list[tuple[str, int, int]] = []
    models = {"pop": make_model("pop"), "flat": make_model("pop", {"by_segment": False})}
    result = evaluate(
        models,
        fixture_split(),
        k=2,
        recall_k=2,
        batch_size=3,
        progress=lambda *a: calls.append(a),
    )
    assert [r.model for r in result.models] == ["pop", "flat"]
    assert result.models[0].ndcg == result.models[1].ndcg  # no segments: the same ranking
    assert calls == [("pop", 0, 4), ("pop", 3, 4), ("pop", 4, 4)] + [
        ("flat", 0, 4),
        ("flat", 3, 4),
        ("flat", 4, 4),
    ]


def test_every_model_gets_the_seed() -> None:
    scores = np.zeros((4, 5), np.float32)
    a, b = Scripted(scores), Scripted(scores)
    evaluate({"a": a, "b": b}, fixture_split(), rng=5)
    assert a.fit_rngs[0].random() == b.fit_rngs[0].random() == np.random.default_rng(5).random()
    c, d = Scripted(scores), Scripted(scores)
    evaluate({"c": c, "d": d}, fixture_split(), rng=np.random.default_rng(5))
    assert c.fit_rngs[0].random() != d.fit_rngs[0].random()  # independent child streams


def test_random_data_invariants() -> None:
    gen = np.random.default_rng(3)
    n = 3000
    df = pd.DataFrame(
        {
            "user_id": [f"u{u}" for u in gen.integers(0, 120, n)],
            "item_id": [f"i{i}" for i in gen.zipf(1.5, n) % 200],
        }
    )
    data = from_frame(df)
    split = random_split(data, 0.2, min_interactions=5, rng=1)
    segments = np.asarray(gen.choice(["15-17", "18-24", ""], data.n_users), dtype=np.str_)
    result = evaluate({"pop": make_model("pop")}, split, segments=segments)
    [row] = result.models
    assert row.users == result.test_users > 0
    for value in (row.ndcg, row.recall, row.hit_rate, row.map, row.coverage, row.head_share):
        assert 0.0 <= value <= 1.0
    assert sum(s.users for s in row.segments) == row.users
    weighted = sum(s.ndcg * s.users for s in row.segments) / row.users
    assert weighted == pytest.approx(row.ndcg)
    assert EvaluationResult.model_validate_json(result.model_dump_json()) == result


def test_user_errors() -> None:
    pop = {"pop": make_model("pop")}
    with pytest.raises(UserError, match="at least 1"):
        evaluate(pop, fixture_split(), k=0)
    with pytest.raises(UserError, match="no models"):
        evaluate({}, fixture_split())
    with pytest.raises(UserError, match="segments name 2 users"):
        evaluate(pop, fixture_split(), segments=np.array(["a", "b"], dtype=np.str_))
    empty = Split(interactions(TRAIN), interactions([("u0", "i0")]))
    with pytest.raises(UserError, match="no test users"):
        evaluate(pop, empty)


# ---------------------------------------------------------------------- files


def write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_evaluate_files_matches_in_memory(tmp_path: Path) -> None:
    train = write_csv(tmp_path / "train.csv", ["user_id,item_id"] + [f"{u},{i}" for u, i in TRAIN])
    test = write_csv(
        tmp_path / "test.csv",
        ["user_id,item_id,ts"]
        + [f"{u},{i},2024-01-0{n + 1}" for n, (u, i) in enumerate(TEST)]
        + ["stranger,i0,2024-02-01", "u1,new-item,2024-02-02", ",i1,2024-02-03"],
    )
    result = evaluate_files(
        train, test, ["pop", "pop"], params={"pop": {"by_segment": False}}, k=2, recall_k=2
    )
    expected = evaluate({"pop": make_model("pop")}, fixture_split(), k=2, recall_k=2)
    assert (result.unknown_users, result.dropped_items, result.rejected_test_rows) == (1, 1, 1)
    assert result.test_users == 4
    [row] = result.models
    assert row.params == {"by_segment": False}
    assert row.ndcg == pytest.approx(expected.models[0].ndcg)
    assert row.map == pytest.approx(expected.models[0].map)


def test_evaluate_files_user_errors(tmp_path: Path) -> None:
    train = write_csv(tmp_path / "train.csv", ["user_id,item_id"] + [f"{u},{i}" for u, i in TRAIN])
    test = write_csv(tmp_path / "test.csv", ["user_id,item_id", "u0,i4"])
    with pytest.raises(UserError, match="unknown model 'nope'; choose one of .*pop"):
        evaluate_files(train, test, ["nope"])
    with pytest.raises(UserError, match="not evaluated: ials"):
        evaluate_files(train, test, ["pop"], params={"ials": {}})
    with pytest.raises(UserError, match="no models"):
        evaluate_files(train, test, [])
    with pytest.raises(UserError, match="no such interactions file"):
        evaluate_files(train, tmp_path / "missing.csv", ["pop"])
