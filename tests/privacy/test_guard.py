"""The k-threshold guard: known answers, and invariants over random breakdowns."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from culturebridge.errors import UserError
from culturebridge.privacy import (
    COMPLEMENTARY,
    PRIMARY,
    BudgetExhausted,
    Ledger,
    Noise,
    guard,
    laplace_counts,
    release_key,
)


def test_cells_below_k_are_blanked_with_their_figures() -> None:
    t = pa.table({"value": ["a", "b", "c"], "users": [50, 9, 10], "share": [0.7, 0.1, 0.2]})
    g = guard(t, k=10, blank=["share"])
    rows = g.to_pylist()
    assert [r["users"] for r in rows] == [50, None, 10]
    assert [r["share"] for r in rows] == [0.7, None, 0.2]
    assert [r["suppression"] for r in rows] == [None, PRIMARY, None]
    assert (g.report.suppressed, g.report.complementary, g.report.cells) == (1, 0, 3)
    assert "1 of 3 cells below k=10" in g.report.note()


def test_a_published_total_gets_a_second_suppression() -> None:
    """With the total known, one hidden cell = total - others: the smallest other goes too."""
    t = pa.table({"value": ["a", "b", "c", "d"], "users": [100, 3, 40, 25]})
    g = guard(t, k=10, partition_by=[])
    reasons = dict(zip(t["value"].to_pylist(), g.table["suppression"].to_pylist(), strict=True))
    assert reasons == {"a": None, "b": PRIMARY, "c": None, "d": COMPLEMENTARY}
    assert g.report.complementary == 1


def test_partitions_are_protected_separately() -> None:
    t = pa.table(
        {
            "week": [1, 1, 1, 2, 2, 2],
            "value": ["a", "b", "c", "a", "b", "c"],
            "users": [30, 2, 40, 30, 20, 40],
        }
    )
    g = guard(t, k=10, partition_by=["week"])
    assert g.table["suppression"].to_pylist() == [COMPLEMENTARY, PRIMARY, None, None, None, None]


def test_null_counts_are_unsafe_and_bad_k_is_an_error() -> None:
    t = pa.table({"users": pa.array([None, 12], pa.int64())})
    assert guard(t, k=10).table["suppressed"].to_pylist() == [True, False]
    with pytest.raises(UserError):
        guard(t, k=0)
    with pytest.raises(ValueError, match="no column"):
        guard(t, k=5, blank=["share"])


breakdowns = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 60), st.floats(0, 1)), min_size=0, max_size=40
)


@settings(max_examples=200, deadline=None)
@given(rows=breakdowns, k=st.integers(1, 30), totals=st.booleans())
def test_no_visible_cell_describes_fewer_than_k_users(
    rows: list[tuple[int, int, float]], k: int, totals: bool
) -> None:
    t = pa.table(
        {
            "part": pa.array([r[0] for r in rows], pa.int64()),
            "users": pa.array([r[1] for r in rows], pa.int64()),
            "share": pa.array([r[2] for r in rows], pa.float64()),
        }
    )
    g = guard(t, k=k, blank=["share"], partition_by=["part"] if totals else None)
    out = g.to_pylist()
    assert len(out) == len(rows)  # nothing dropped
    for raw, cell in zip(rows, out, strict=True):
        if cell["suppressed"]:
            assert cell["users"] is None and cell["share"] is None and cell["suppression"]
        else:
            assert cell["users"] == raw[1] >= k and cell["share"] == raw[2]
    if totals:  # no breakdown with a published total hides exactly one of several cells
        for part in {r[0] for r in rows}:
            cells = [c for c in out if c["part"] == part]
            hidden = sum(c["suppressed"] for c in cells)
            assert hidden != 1 or len(cells) == 1
    assert g.report.suppressed + g.report.complementary == sum(c["suppressed"] for c in out)


def test_noise_spends_budget_and_refuses_once_spent(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "privacy", budget=1.0)
    t = pa.table({"value": ["a", "b"], "users": [5000, 4000]})
    first = guard(t, k=10, noise=Noise(epsilon=0.6, partner="p_tour", ledger=ledger, key="q1"))
    assert first.report.noise is not None and first.report.noise["epsilon_left"] == pytest.approx(
        0.4
    )
    noisy = first.table["users"].to_pylist()
    assert all(abs(n - c) < 200 for n, c in zip(noisy, [5000, 4000], strict=True))
    with pytest.raises(BudgetExhausted, match="refused"):
        guard(t, k=10, noise=Noise(epsilon=0.6, partner="p_tour", ledger=ledger, key="q2"))
    assert ledger.spent("p_tour") == pytest.approx(0.6)  # a refused release costs nothing
    # another partner's budget is its own
    guard(t, k=10, noise=Noise(epsilon=0.6, partner="p_fashion", ledger=ledger, key="q1"))
    assert ledger.remaining("p_fashion") == pytest.approx(0.4)
    assert oct((tmp_path / "privacy" / "budget.json").stat().st_mode & 0o777) == "0o600"


def test_laplace_noise_has_the_calibrated_spread() -> None:
    """Scale = sensitivity / epsilon: at epsilon 0.5 the mean absolute error is about 2."""
    draws = laplace_counts([1000] * 4000, epsilon=0.5, key="ab" * 32)
    mae = sum(abs(d - 1000) for d in draws) / len(draws)
    assert 1.6 < mae < 2.4


def test_the_same_release_gets_the_same_noise_and_is_charged_once(tmp_path: Path) -> None:
    """Consistent noise (PriPeARL): repeating a question neither averages the noise away nor
    spends the budget twice; another question gets other noise."""
    ledger = Ledger(tmp_path / "privacy", budget=1.0)
    t = pa.table({"value": ["a", "b", "c"], "users": [500, 400, 300]})
    key = release_key("s" * 32, "p_tour", "prefs gen_z by kind")

    def ask(k: str) -> list[int]:
        noise = Noise(epsilon=0.6, partner="p_tour", ledger=ledger, key=k, sensitivity=50)
        return guard(t, k=10, noise=noise).table["users"].to_pylist()

    first = ask(key)
    assert all(ask(key) == first for _ in range(20))
    assert ledger.spent("p_tour") == pytest.approx(0.6)
    other = release_key("s" * 32, "p_tour", "prefs gen_z by genre")
    assert other != key
    with pytest.raises(BudgetExhausted):
        ask(other)
    # nobody without the secret can compute the key
    assert release_key("t" * 32, "p_tour", "prefs gen_z by kind") != key
