"""Preferences recover the demo's planted segment preferences, with known-answer statistics."""

from __future__ import annotations

import numpy as np
import pytest

from culturebridge.analytics._prefs import PrefsConfig, bh_adjust, finish, preference_sums
from culturebridge.demo import DemoConfig, generate
from culturebridge.ingest import ingest
from culturebridge.schema import TABLES
from culturebridge.workspace import Workspace


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, dict]:
    root = tmp_path_factory.mktemp("prefs")
    result = generate(root / "src", DemoConfig(users=4000, events=150_000, seed=11))
    ws = Workspace.create(root / "ws")
    for table in TABLES:
        if result.files.get(table):
            ingest(ws, table, result.files[table])
    return ws, result.truth


def test_bh_adjust_known_answer() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.5, np.nan])
    adj = bh_adjust(p)
    # sorted 0.01, 0.03, 0.04, 0.5 -> p*m/rank 0.04, 0.06, 0.0533, 0.5 -> running min from top
    assert np.allclose(adj[:4], [0.04, 0.16 / 3, 0.16 / 3, 0.5])
    assert np.isnan(adj[4])


def test_planted_preferences_come_out_on_top(demo: tuple[Workspace, dict]) -> None:
    ws, truth = demo
    con = ws.connect()
    users = con.table("users")
    ref_year = int(truth["reference_date"][:4])
    cfg = PrefsConfig()
    for planted in truth["segment_preferences"]:
        s = planted["segment"]
        age = ref_year - users.birth_year
        seg = users.filter(
            (age >= s["age_min"]) & (age <= s["age_max"]) & users.city_tier.isin(s["city_tier"])
        ).select("user_id")
        sums, totals = preference_sums(
            con, segment=seg, baseline=None, dimension=planted["dimension"], config=cfg
        )
        rows = finish(
            sums.to_pyarrow(), totals.to_pyarrow(), config=cfg, baseline_is_all=True
        ).to_pylist()
        top = rows[0]
        assert top["value"] == planted["value"], (planted, rows[:3])
        assert top["significant"] and top["ci_low"] > 1.0
        # the segment's share is the planted one, within sampling error
        assert top["segment_share"] == pytest.approx(planted["expected_share_in_segment"], abs=0.05)


def test_unknown_dimension_is_a_clear_error(demo: tuple[Workspace, dict]) -> None:
    ws, _ = demo
    con = ws.connect()
    seg = con.table("users").select("user_id")
    from culturebridge.errors import UserError

    with pytest.raises(UserError, match="unknown dimension"):
        preference_sums(con, segment=seg, baseline=None, dimension="nope", config=PrefsConfig())
