"""The recommendation benchmark's paired bootstrap (benchmarks/recommend.py), on planted scores.

The benchmark is a script, not part of the package, so it is loaded from its file; these tests
check what its intervals mean, with answers known in advance: a model that scores exactly twice
the peer on every user has the ratio 2 on every resample, and the peer it is compared with is
the one chosen on validation, never the one that looks best on test.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "recommend.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("recommend_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def row(model: str, kind: str, per_user: np.ndarray, val: float | None) -> dict[str, Any]:
    return {
        "dataset": "planted",
        "model": model,
        "kind": kind,
        "params": {},
        "ndcg@10": round(float(per_user.mean()), 4),
        "recall@20": round(float(per_user.mean()), 4),
        "fit_seconds": 0.0,
        "val_ndcg@10": val,
    }


def intervals(
    bench: ModuleType, models: list[tuple[str, str, np.ndarray, float | None]]
) -> dict[str, dict[str, Any]]:
    rows = [row(m, k, s, v) for m, k, s, v in models]
    per_user = {}
    for m, k, s, _ in models:
        per_user[m, k, "ndcg@10"] = s
        per_user[m, k, "recall@20"] = s
    bench.add_intervals(rows, per_user)
    return {r["model"]: r for r in rows}


def test_a_model_twice_the_peer_on_every_user_has_the_ratio_two_on_every_resample(
    bench: ModuleType,
) -> None:
    peer = np.random.default_rng(1).uniform(0.05, 0.5, 300)
    out = intervals(bench, [("peer", "peer", peer, 0.2), ("ours", "culturebridge", 2 * peer, 0.4)])
    ours = out["ours"]
    assert ours["vs_peer"] == "peer"
    assert ours["ratio"] == pytest.approx(2.0, abs=1e-3)
    assert ours["ratio_ci"] == pytest.approx([2.0, 2.0])
    assert ours["ratio_to_max_peer_ci"] == pytest.approx([2.0, 2.0])


def test_the_interval_of_a_mean_holds_it_and_narrows_with_more_users(bench: ModuleType) -> None:
    gen = np.random.default_rng(2)
    widths = []
    for n in (100, 2500):
        scores = gen.uniform(0.0, 1.0, n)
        out = intervals(bench, [("peer", "peer", scores, 0.1)])
        lo, hi = out["peer"]["ndcg@10_ci"]
        assert lo < scores.mean() < hi
        widths.append(hi - lo)
    # the standard error shrinks as 1/sqrt(n): 25 times the users, a fifth of the width
    assert widths[1] == pytest.approx(widths[0] / 5, rel=0.3)


def test_the_comparison_peer_is_chosen_on_validation_not_on_test(bench: ModuleType) -> None:
    gen = np.random.default_rng(3)
    good_on_val = gen.uniform(0.1, 0.2, 400)
    good_on_test = gen.uniform(0.3, 0.4, 400)
    ours = gen.uniform(0.2, 0.3, 400)
    out = intervals(
        bench,
        [
            ("A", "peer", good_on_val, 0.30),
            ("B", "peer", good_on_test, 0.20),
            ("ours", "culturebridge", ours, 0.25),
        ],
    )
    row_ = out["ours"]
    assert row_["vs_peer"] == "A"
    assert row_["ratio_ci"][0] > 1.0  # ours beats A on every resample
    # the strict reading (the best peer of each resample, here always B) is below one
    assert row_["ratio_to_max_peer_ci"][1] < 1.0
    assert row_["ratio_by_peer"]["B"]["ci"] == pytest.approx(row_["ratio_to_max_peer_ci"])


def test_reference_rows_get_intervals_but_are_never_the_comparison_peer(
    bench: ModuleType,
) -> None:
    gen = np.random.default_rng(4)
    tuned, reference = gen.uniform(0.1, 0.2, 200), gen.uniform(0.5, 0.6, 200)
    out = intervals(
        bench,
        [
            ("peer", "peer", tuned, 0.1),
            ("peer", "reference", reference, None),
            ("ours", "culturebridge", tuned, 0.1),
        ],
    )
    assert out["ours"]["vs_peer"] == "peer"
    assert out["ours"]["ratio_ci"] == pytest.approx([1.0, 1.0])
