"""The guard holds for any question: no published cell describes fewer than k users unless it
is marked suppressed; DP mode pays from a budget and refuses once it is spent; a partner never
sees another partner's item-level rows.

Cell sizes are checked against counts computed independently, in plain SQL over the lake."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from culturebridge.analytics import funnel, item_audience, preferences, reach, retention, trends
from culturebridge.demo import DemoConfig, generate
from culturebridge.errors import UserError
from culturebridge.ingest import ingest
from culturebridge.privacy import BudgetExhausted
from culturebridge.query import OTHER_PARTNERS, Analysis, segment_from_flags
from culturebridge.schema import TABLES
from culturebridge.workspace import Workspace

K = 25
WEIGHTED = ("purchase", "share", "favourite", "like", "comment", "rate", "play", "view", "click")
WEIGHTED += ("impression",)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A small universe, so that many cells fall below k."""
    root = tmp_path_factory.mktemp("privacy")
    result = generate(root / "src", DemoConfig(users=1500, events=40_000, seed=8))
    ws = Workspace.create(root / "ws")
    for table in TABLES:
        if result.files.get(table):
            ingest(ws, table, result.files[table])
    ws.config = ws.config.model_copy(
        update={"privacy": ws.config.privacy.model_copy(update={"k": K})}
    )
    ws.config.write(ws.root / "workspace.toml")
    return Workspace.open(ws.root)


def lake_sql(ws: Workspace) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for t in ("users", "events", "items"):
        files = [str(p) for p in ws.files(t)]
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet({files!r})")
    return con


ages = st.tuples(st.integers(15, 60), st.integers(0, 30)).map(lambda t: (t[0], t[0] + t[1]))
segments = st.fixed_dictionaries(
    {
        "age": st.one_of(st.none(), ages),
        "tiers": st.one_of(st.none(), st.lists(st.integers(1, 4), min_size=1, max_size=2)),
        "genders": st.one_of(st.none(), st.sampled_from([["female"], ["male"], ["other"]])),
        "platforms": st.one_of(st.none(), st.sampled_from([["ios"], ["tv"], ["web", "tv"]])),
    }
)
dimensions = st.sampled_from(
    ["kind", "genre", "item", "partner", "attributes.style", "attributes.colour"]
)


def _segment(spec: dict[str, Any]) -> Any:
    return segment_from_flags(
        name="drawn",
        description="",
        age=None if spec["age"] is None else f"{spec['age'][0]}-{spec['age'][1]}",
        tiers=None if spec["tiers"] is None else [str(t) for t in spec["tiers"]],
        genders=spec["genders"],
        platforms=spec["platforms"],
    )


def _members_sql(spec: dict[str, Any], ref_year: int) -> str:
    preds = ["TRUE"]
    if spec["age"] is not None:
        lo, hi = spec["age"]
        preds.append(f"{ref_year} - birth_year BETWEEN {lo} AND {hi}")
    if spec["tiers"] is not None:
        preds.append(f"city_tier IN ({', '.join(map(str, spec['tiers']))})")
    for col, key in (("gender", "genders"), ("platform", "platforms")):
        if spec[key] is not None:
            preds.append(f"{col} IN ({', '.join(repr(v) for v in spec[key])})")
    return f"SELECT user_id FROM users WHERE {' AND '.join(preds)}"


def _value_sql(by: str) -> str:
    if by == "genre":
        return "SELECT item_id, unnest(genres) AS value FROM items"
    if by.startswith("attributes."):
        return f"SELECT item_id, attributes['{by.split('.', 1)[1]}'] AS value FROM items"
    col = {"kind": "kind", "item": "item_id", "partner": "partner_id"}[by]
    return f"SELECT item_id, {col} AS value FROM items"


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=segments, by=dimensions)
def test_no_published_cell_below_k(small: Workspace, spec: dict[str, Any], by: str) -> None:
    with Analysis.open(small) as a:
        a.segments["drawn"] = _segment(spec)
        ref_year = a.ref.year
        try:
            result = preferences(a, segment="drawn", by=by)
        except UserError:
            return
        trend = trends(a, segment="drawn", by=by, period="month")
        flow = funnel(a, segment="drawn", vs=None)
        weekly = reach(a, segment="drawn")
        kept = retention(a, segment="drawn", weeks=4)
    sql = lake_sql(small)
    members = _members_sql(spec, ref_year)
    weights = ", ".join(repr(t) for t in WEIGHTED)
    counts = dict(
        sql.execute(
            f"""
            SELECT d.value, count(DISTINCT e.user_id)
            FROM events e JOIN ({_value_sql(by)}) d USING (item_id)
            WHERE e.user_id IN ({members}) AND e.type IN ({weights})
              AND d.value IS NOT NULL AND d.value <> ''
            GROUP BY d.value
            """
        ).fetchall()
    )
    for row in result.rows:
        if row.suppressed:
            assert row.users is None and row.segment_share is None and row.lift is None
            assert row.baseline_share is None and row.p_adj is None and not row.significant
        else:
            assert row.users is not None and row.users >= K
            assert row.baseline_users is not None and row.baseline_users >= K
            assert row.users == counts[row.value]  # the cell size is the true one
    assert result.privacy.suppressed + result.privacy.complementary == sum(
        r.suppressed for r in result.rows
    )
    for t in trend.rows:
        assert t.suppressed or (t.users is not None and t.users >= K)
        for p in t.points:
            assert p.suppressed or (p.users is not None and p.users >= K and p.share is not None)
            if p.suppressed:
                assert p.share is None and p.users is None
    for rows in (flow.rows, weekly.rows, kept.rows):
        for r in rows:
            size = (
                min(
                    v
                    for v in (
                        getattr(r, "users", None),
                        getattr(r, "active_users", 10**9),
                        getattr(r, "cohort_users", 10**9),
                    )
                    if v is not None
                )
                if not r.suppressed
                else None
            )
            assert r.suppressed or (size is not None and size >= K), r


def test_dp_mode_spends_the_budget_and_refuses_when_spent(small: Workspace, tmp_path: Path) -> None:
    ws = Workspace.open(small.root)
    ws.config = ws.config.model_copy(
        update={"privacy": ws.config.privacy.model_copy(update={"epsilon_budget": 2.5})}
    )
    spent = []
    answers = []
    for segment in ("gen_z", "young_adults", "gen_z"):
        with Analysis.open(ws, partner="p_britannia", epsilon=1.0) as a:
            r = preferences(a, segment=segment, by="kind")
            assert r.privacy.noise is not None and r.privacy.noise["epsilon"] == 1.0
            spent.append(r.privacy.noise["epsilon_left"])
            answers.append([row.users for row in r.rows])
            assert "reach" in r.measure
    # the repeated question is answered the same and charged once
    assert spent == [1.5, 0.5, 0.5] and answers[2] == answers[0]
    ledger = json.loads((ws.root / "privacy" / "budget.json").read_text())
    before = ledger["p_britannia"]["spent"]
    with (
        pytest.raises(BudgetExhausted, match="refused"),
        Analysis.open(ws, partner="p_britannia", epsilon=1.0) as a,
    ):
        trends(a, by="kind", period="month")
    after = json.loads((ws.root / "privacy" / "budget.json").read_text())
    assert after["p_britannia"]["spent"] == before == 2.0
    # another partner's budget is its own
    with Analysis.open(ws, partner="p_albion", epsilon=1.0) as a:
        assert reach(a, segment="gen_z").privacy.noise is not None


def test_dp_counts_are_noised_but_close(small: Workspace) -> None:
    with Analysis.open(small) as a:
        exact = {r.value: r.users for r in preferences(a, segment="gen_z", by="kind").rows}
    with Analysis.open(small, epsilon=5.0) as a:
        noisy = {r.value: r.users for r in preferences(a, segment="gen_z", by="kind").rows}
    assert set(noisy) == set(exact)
    for value, n in noisy.items():
        # discrete Laplace with scale (2 * values + 2) / 5: within 15 scales with near certainty
        if n is not None and exact[value] is not None:
            assert abs(n - exact[value]) <= 15 * (2 * len(exact) + 2) / 5


@pytest.mark.parametrize("partner", ["p_britannia", "p_albion", "p_lfc"])
def test_partner_scope_never_shows_other_partners_items(small: Workspace, partner: str) -> None:
    sql = lake_sql(small)
    own = {
        r[0]
        for r in sql.execute(f"SELECT item_id FROM items WHERE partner_id = '{partner}'").fetchall()
    }
    others = {
        r[0]
        for r in sql.execute(
            f"SELECT item_id FROM items WHERE partner_id <> '{partner}'"
        ).fetchall()
    }
    if not own:
        pytest.skip(f"{partner} has no items in this universe")
    allowed_items = own | {OTHER_PARTNERS}
    with Analysis.open(small, partner=partner) as a:
        for by in ("item", "partner"):
            values = {r.value for r in preferences(a, segment="gen_z", by=by).rows}
            values |= {r.value for r in trends(a, by=by, period="month").rows}
            allowed = allowed_items if by == "item" else {partner, OTHER_PARTNERS}
            assert values <= allowed, values - allowed
            assert OTHER_PARTNERS in values
        other = sorted(others)[0]
        with pytest.raises(UserError, match="another partner"):
            item_audience(a, item_id=other)
        mine = sorted(own)[0]
        assert item_audience(a, item_id=mine).partner_id == partner
