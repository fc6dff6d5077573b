"""The demo universe: shape, schema, determinism, and that every planted truth can be found.

The analyses here are deliberately plain DuckDB queries over the generated Parquet files: if a
straightforward analysis recovers the truth at a small size, the real analytics modules should
too. Each planted effect also has a "no false truth" check where one makes sense.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from culturebridge.demo import DemoConfig, DemoResult, generate
from culturebridge.demo import _generate as demo_generate
from culturebridge.schema import EVENT_TYPES, GENDERS, ITEM_KINDS, SECTORS, TABLES, arrow_schema

SMALL = DemoConfig(users=4000, events=150_000, seed=42)
TINY = DemoConfig(users=300, events=20_000, seed=7, chunk_events=6_000)


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    return generate(tmp_path_factory.mktemp("demo-small"), SMALL)


@pytest.fixture(scope="module")
def con(small: DemoResult) -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    for table, files in small.files.items():
        paths = ", ".join(f"'{p}'" for p in files)
        c.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet([{paths}])")
    # age at the reference date, as truth.json defines it
    ref_year = date.fromisoformat(small.truth["reference_date"]).year
    c.execute(f"CREATE VIEW people AS SELECT *, {ref_year} - birth_year AS age FROM users")
    yield c
    c.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    return rows(con, sql)[0][0]


# --- config --------------------------------------------------------------------------------------


def test_config_defaults_and_validation() -> None:
    c = DemoConfig()
    assert (c.users, c.events, c.seed, c.weeks) == (20_000, 1_000_000, 42, 26)
    assert c.start == date(2026, 3, 2)
    assert c.end < date(2026, 11, 24)
    with pytest.raises(ValueError, match="Monday"):
        DemoConfig(start=date(2026, 3, 3))
    with pytest.raises(ValueError):
        DemoConfig(users=99)
    with pytest.raises(ValueError):
        DemoConfig(events=999)


# --- determinism, schema, counts -----------------------------------------------------------------


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", TINY)
    b = generate(tmp_path / "b", TINY)
    assert a.rows == b.rows
    for table in TABLES:
        assert len(a.files[table]) == len(b.files[table])
        for fa, fb in zip(a.files[table], b.files[table], strict=True):
            assert fa.read_bytes() == fb.read_bytes(), fa.relative_to(tmp_path / "a")
    for name in ("truth.json", "truth/posts.parquet"):
        truth_a, truth_b = (tmp_path / d / name for d in ("a", "b"))
        assert truth_a.read_bytes() == truth_b.read_bytes(), name
    c = generate(tmp_path / "c", TINY.model_copy(update={"seed": 8}))
    assert c.files["events"][0].read_bytes() != a.files["events"][0].read_bytes()


def test_output_does_not_depend_on_the_number_of_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parallel = generate(tmp_path / "parallel", TINY)
    monkeypatch.setattr(demo_generate, "MAX_WORKERS", 1)
    serial = generate(tmp_path / "serial", TINY)
    for fa, fb in zip(parallel.files["events"], serial.files["events"], strict=True):
        assert fa.read_bytes() == fb.read_bytes()


def test_rerun_replaces_stale_chunks(tmp_path: Path) -> None:
    generate(tmp_path, TINY)
    assert len(list((tmp_path / "events").glob("*.parquet"))) == 4
    r = generate(tmp_path, TINY.model_copy(update={"chunk_events": 50_000}))
    assert sorted((tmp_path / "events").glob("*.parquet")) == r.files["events"]
    assert len(r.files["events"]) == 1


def test_every_file_has_the_canonical_schema(small: DemoResult) -> None:
    for table in TABLES:
        assert small.files[table], table
        for path in small.files[table]:
            assert path == path.parent / path.name
            assert re.fullmatch(r"part-\d{5}\.parquet", path.name)
            assert path.parent.name == table
            # Parquet names nested children its own way ("element"), so compare without
            # nested names, then the table tag separately
            schema = pq.read_schema(path)
            assert schema.equals(arrow_schema(table)), table
            assert [(f.name, f.nullable) for f in schema] == [
                (f.name, f.nullable) for f in arrow_schema(table)
            ]
            assert schema.metadata[b"culturebridge.table"] == table.encode()


def test_row_counts_and_chunks(tmp_path: Path, small: DemoResult) -> None:
    assert small.rows["events"] == SMALL.events
    for table, files in small.files.items():
        assert sum(pq.read_metadata(p).num_rows for p in files) == small.rows[table]
    assert small.truth["counts"] == small.rows
    r = generate(tmp_path, TINY)
    sizes = [pq.read_metadata(p).num_rows for p in r.files["events"]]
    assert sizes == [6000, 6000, 6000, 2000]
    ids = pq.read_table(r.files["events"][0].parent, columns=["event_id"]).column(0)
    assert len(set(ids.to_pylist())) == TINY.events


def test_progress_is_reported(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    generate(tmp_path, TINY, progress=lambda s, d, t: calls.append((s, d, t)))
    stages = {s for s, _, _ in calls}
    assert {"catalogue", "users", "events", "posts", "matches"} <= stages
    events = [(d, t) for s, d, t in calls if s == "events"]
    assert events[0] == (0, TINY.events) and events[-1] == (TINY.events, TINY.events)
    assert [d for d, _ in events] == sorted(d for d, _ in events)


def test_truth_names_no_user(small: DemoResult, tmp_path: Path) -> None:
    text = json.dumps(small.truth, ensure_ascii=False)
    assert not re.search(r"wx_\d", text)
    path = small.files["users"][0].parent.parent / "truth.json"
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(text)


# --- shape of the universe -----------------------------------------------------------------------


def test_partners_and_items(con: duckdb.DuckDBPyConnection) -> None:
    sectors = {s for (s,) in rows(con, "SELECT DISTINCT sector FROM partners")}
    assert sectors <= set(SECTORS)
    needed = {"broadcaster", "production", "fashion", "tourism", "games", "university"}
    assert needed | {"platform"} <= sectors
    assert one(con, "SELECT count(*) FROM partners WHERE sector = 'fashion'") >= 4
    assert {k for (k,) in rows(con, "SELECT DISTINCT kind FROM items")} == set(ITEM_KINDS)
    assert one(con, "SELECT count(*) = count(DISTINCT title_zh) FROM items")
    assert one(con, "SELECT count(*) = count(DISTINCT title_en) FROM items")
    assert one(con, "SELECT count(*) FROM items i ANTI JOIN partners USING (partner_id)") == 0
    assert one(con, "SELECT count(*) FROM items WHERE title_zh = '蓝色星球'") == 1
    fashion = rows(
        con,
        "SELECT attributes['category'], attributes['colour'], attributes['pattern'], "
        "attributes['style'], attributes['price'], image_uri FROM items WHERE kind = 'fashion'",
    )
    assert all(all(v is not None for v in r) for r in fashion)
    assert {r[3] for r in fashion} >= {"streetwear", "vintage", "guochao", "minimalist"}
    assert {r[2] for r in fashion} == {"solid", "striped", "checked", "printed", "floral"}
    regions = {
        r for (r,) in rows(con, "SELECT attributes['region'] FROM items WHERE kind = 'tourism'")
    }
    assert None not in regions and len(regions) >= 5
    sql = """SELECT i.kind, min(p.sector) FROM items i JOIN partners p USING (partner_id)
             WHERE kind IN ('tourism', 'game', 'esports_event') GROUP BY ALL"""
    owners = dict(rows(con, sql))
    assert owners == {"tourism": "tourism", "game": "games", "esports_event": "university"}


def test_users(con: duckdb.DuckDBPyConnection) -> None:
    lo, hi = rows(con, "SELECT min(age), max(age) FROM people")[0]
    assert 15 <= lo and hi <= 65
    young = one(con, "SELECT avg((age BETWEEN 18 AND 34)::INT) FROM people")
    assert young > 0.5  # skewed young
    assert one(con, "SELECT count(DISTINCT province) FROM users") == 31
    assert {t for (t,) in rows(con, "SELECT DISTINCT city_tier FROM users")} == {1, 2, 3, 4}
    assert {g for (g,) in rows(con, "SELECT DISTINCT gender FROM users")} <= set(GENDERS)
    platforms = {p for (p,) in rows(con, "SELECT DISTINCT platform FROM users")}
    assert platforms == {"ios", "android", "web", "tv", "mini_program"}
    assert one(con, "SELECT max(signup_date) FROM users") <= date(2026, 8, 30)
    raw_ids = "SELECT count(*) FROM users WHERE NOT regexp_full_match(user_id, 'wx_[0-9]{7}')"
    assert one(con, raw_ids) == 0


def test_events(con: duckdb.DuckDBPyConnection, small: DemoResult) -> None:
    assert {t for (t,) in rows(con, "SELECT DISTINCT type FROM events")} == set(EVENT_TYPES)
    assert one(con, "SELECT count(DISTINCT event_id) FROM events") == SMALL.events
    lo, hi = rows(con, "SELECT min(ts), max(ts) FROM events")[0]
    assert lo.date() >= SMALL.start and hi.date() <= SMALL.end
    assert one(con, "SELECT count(*) FROM events e ANTI JOIN users USING (user_id)") == 0
    assert one(con, "SELECT count(*) FROM events e ANTI JOIN items USING (item_id)") == 0
    # nobody acts before signing up
    early = "SELECT count(*) FROM events JOIN users USING (user_id) WHERE ts::DATE < signup_date"
    assert one(con, early) == 0
    # the funnel narrows at every step
    n = dict(rows(con, "SELECT type, count(*) FROM events GROUP BY 1"))
    engage = sum(n[t] for t in ("like", "share", "comment", "favourite", "rate"))
    assert n["impression"] > n["click"] > n["view"] + n["play"] > engage > n["purchase"] > 0
    # values: ratings 1-5, minutes for plays, amounts for purchases, nothing elsewhere
    stars = "SELECT min(value), max(value), count(*) = count(value) FROM events WHERE type = 'rate'"
    assert rows(con, stars)[0] == (1.0, 5.0, True)
    assert one(con, "SELECT min(value) > 0 FROM events WHERE type IN ('play', 'purchase')")
    empty = "SELECT count(value) FROM events WHERE type IN ('impression', 'like', 'click')"
    assert one(con, empty) == 0
    # weekly rhythm: weekends and evenings (China time) are busiest
    dow = dict(rows(con, "SELECT isodow(ts + INTERVAL 8 HOUR), count(*) FROM events GROUP BY 1"))
    assert min(dow[6], dow[7]) > max(dow[d] for d in range(1, 5))
    hours = dict(rows(con, "SELECT hour(ts + INTERVAL 8 HOUR), count(*) FROM events GROUP BY 1"))
    assert hours[21] > 3 * hours[4]
    # power-law popularity: the top tenth of the items draws far more than a tenth of the events
    top = one(
        con,
        """SELECT sum(n) FILTER (WHERE r <= (SELECT count(*) FROM items) / 10) / sum(n)
           FROM (SELECT count(*) n, row_number() OVER (ORDER BY count(*) DESC) r
                 FROM events GROUP BY item_id)""",
    )
    assert top > 0.3  # three times their number
    stamped = "SELECT DISTINCT campaign_id FROM events WHERE campaign_id IS NOT NULL"
    campaigns = {c for (c,) in rows(con, stamped)}
    assert campaigns == {r for (r,) in rows(con, "SELECT campaign_id FROM campaigns")}
    assert len(rows(con, "SELECT DISTINCT date_trunc('week', ts) FROM events")) == SMALL.weeks


def test_posts_and_matches(con: duckdb.DuckDBPyConnection) -> None:
    texts = [t for (t,) in rows(con, "SELECT text FROM posts")]
    assert one(con, "SELECT min(lang) = max(lang) AND min(lang) = 'zh' FROM posts")

    def share(pattern: str) -> float:
        return float(np.mean([bool(re.search(pattern, t)) for t in texts]))

    # most posts name their item in book-title marks, the rest in other forms (per-post truth)
    assert 0.6 < share(r"《[^》]+》") < 0.85
    assert share(r"\[[^\]]+\]") > 0.9
    assert share(r"#[^#]+#") > 0.3
    assert share(r"[A-Za-z]{3}") > 0.05
    for word in ("街头", "复古", "国潮", "格纹"):
        assert share(word) > 0.005, word
    assert 0.7 < one(con, "SELECT avg((user_id IS NOT NULL)::INT) FROM posts") < 0.95
    orphans = "SELECT count(*) FROM posts ANTI JOIN users USING (user_id) WHERE user_id NOT NULL"
    assert one(con, orphans) == 0

    games = dict(rows(con, "SELECT game, max(len(teams[1])) FROM matches GROUP BY 1"))
    assert sorted(games.values()) == [1, 5]
    ranks = {tuple(r) for (r,) in rows(con, "SELECT DISTINCT ranks FROM matches")}
    assert ranks == {(1, 2), (2, 1)}
    handles = {h for (h,) in rows(con, "SELECT DISTINCT unnest(flatten(teams)) FROM matches")}
    assert 200 <= len(handles) <= 500
    # no player on both sides of one match
    clash = "SELECT count(*) FROM matches WHERE len(list_intersect(teams[1], teams[2])) > 0"
    assert one(con, clash) == 0


def test_post_truth_matches_the_posts(con: duckdb.DuckDBPyConnection, small: DemoResult) -> None:
    """truth/posts.parquet: one row per post, its counts in truth.json, and each form is what
    the text shows (checked with plain string tests, not the linker)."""
    meta = small.truth["post_mentions"]
    root = small.files["posts"][0].parents[1]
    assert meta["path"] == "truth/posts.parquet"
    truth = pq.read_table(root / meta["path"])
    assert truth.schema.names == ["post_id", "item_id", "form", "traditional", "sentiment"]
    assert truth.num_rows == meta["posts"] == small.rows["posts"]
    assert meta["with_item"] + meta["without_item"] == meta["posts"]
    assert sum(meta["forms"].values()) == meta["posts"]
    assert meta["with_item"] == sum(
        meta["forms"][f] for f in ("title_zh_marked", "title_zh", "title_en", "alias", "pinyin")
    )
    con.register("truth", truth)
    assert one(con, "SELECT count(*) FROM truth ANTI JOIN posts USING (post_id)") == 0
    assert (
        one(
            con,
            "SELECT count(*) FROM truth t ANTI JOIN items USING (item_id) "
            "WHERE t.item_id IS NOT NULL",
        )
        == 0
    )
    assert (
        one(
            con,
            "SELECT count(*) FROM truth WHERE (item_id IS NULL) <> (form IN ('generic', 'decoy'))",
        )
        == 0
    )
    shares = {f: n / meta["with_item"] for f, n in meta["forms"].items()}
    assert 0.6 < shares["title_zh_marked"] < 0.85
    for form in ("title_zh", "title_en", "alias", "pinyin"):
        assert shares[form] > 0.005, form
    assert meta["forms"]["decoy"] > 0.3 * meta["without_item"]
    assert 0.03 < meta["traditional"] / meta["posts"] < 0.09
    assert meta["items_with_aliases"] >= 10
    assert set(truth["sentiment"].to_pylist()) == {"positive", "negative", "neutral"}
    # Simplified posts: the form is visible in the text
    rows_ = rows(
        con,
        """SELECT t.form, p.text, i.title_zh, i.title_en, i.attributes['aliases']
           FROM truth t JOIN posts p USING (post_id) LEFT JOIN items i USING (item_id)
           WHERE NOT t.traditional""",
    )
    for form, text, zh, en, aliases in rows_:
        if form == "title_zh_marked":
            assert f"《{zh}》" in text, (form, text)
        elif form == "title_zh":
            assert zh in text and f"《{zh}》" not in text, (form, text)
        elif form == "title_en":
            assert en in text, (form, text)
        elif form == "alias":
            assert any(a in text for a in aliases.split("|")), (form, text)
        elif form == "pinyin":
            assert re.search(r"[a-z]{2,}", text) and zh not in text, (form, text)
    # the spike title is named in marks, in Simplified script, all through its week
    spike = small.truth["sentiment_spike"]
    in_week = one(
        con,
        f"""SELECT count(*) FROM truth t JOIN posts p USING (post_id)
            WHERE t.item_id = '{spike["item_id"]}' AND (form <> 'title_zh_marked' OR traditional)
              AND p.ts >= '{spike["week_start"]}' AND p.ts < '{spike["week_end"]}'""",
    )
    assert in_week == 0


# --- planted truth -------------------------------------------------------------------------------


def _share_by_segment(
    con: duckdb.DuckDBPyConnection, pref: dict[str, Any], *, tiers: list[int]
) -> tuple[float, float]:
    """Share of fashion events with the value, inside the segment and among everyone else."""
    key = pref["dimension"].removeprefix("attributes.")
    seg = pref["segment"]
    tier_list = ", ".join(map(str, tiers))
    in_seg = f"age BETWEEN {seg['age_min']} AND {seg['age_max']} AND city_tier IN ({tier_list})"
    inside, outside = rows(
        con,
        f"""SELECT avg(hit) FILTER (WHERE seg), avg(hit) FILTER (WHERE NOT seg)
            FROM (SELECT (attributes['{key}'] = '{pref["value"]}')::INT AS hit, {in_seg} AS seg
                  FROM events JOIN items USING (item_id) JOIN people USING (user_id)
                  WHERE kind = 'fashion')""",
    )[0]
    return inside, outside


def test_segment_preferences_are_recovered(
    con: duckdb.DuckDBPyConnection, small: DemoResult
) -> None:
    prefs = small.truth["segment_preferences"]
    assert len(prefs) >= 2
    for pref in prefs:
        assert pref["expected_lift"] >= 2.0
        inside, outside = _share_by_segment(con, pref, tiers=pref["segment"]["city_tier"])
        lift = inside / outside
        assert lift >= 2.0, pref
        assert abs(lift - pref["expected_lift"]) / pref["expected_lift"] < 0.25, (lift, pref)
        # no false truth: the same ages in the smallest cities show no such taste
        other = [t for t in (3, 4) if t not in pref["segment"]["city_tier"]]
        inside, outside = _share_by_segment(con, pref, tiers=other)
        assert inside / outside < 1.5, pref


def test_trends_are_recovered(con: duckdb.DuckDBPyConnection, small: DemoResult) -> None:
    trends = {t["direction"]: t for t in small.truth["trends"]}
    assert set(trends) == {"rising", "falling"}
    for direction, trend in trends.items():
        key = trend["dimension"].removeprefix("attributes.")
        weekly = rows(
            con,
            f"""
            SELECT attributes['{key}'] AS v, date_trunc('week', ts) AS w, count(*) AS n
            FROM events JOIN items USING (item_id) WHERE kind = 'fashion' GROUP BY ALL""",
        )
        totals: dict[Any, int] = {}
        for _, w, n in weekly:
            totals[w] = totals.get(w, 0) + n
        weeks = sorted(totals)
        slopes = {}
        for value in {v for v, _, _ in weekly}:
            counts = {w: n for v, w, n in weekly if v == value}
            share = np.array([counts.get(w, 0) / totals[w] for w in weeks])
            slopes[value] = np.polyfit(np.arange(len(weeks)), share, 1)[0] / share.mean()
            if value == trend["value"]:
                early, late = share[:6].mean(), share[-6:].mean()
                assert (late / early > 1.8) if direction == "rising" else (late / early < 0.55)
                assert late == pytest.approx(np.mean(trend["expected_weekly_share"][-6:]), rel=0.2)
        # the planted value moves most, in its direction; no other value moves that way half as
        # much (the others drift the opposite way: shares add up to one)
        sign = 1 if direction == "rising" else -1
        planted = sign * slopes.pop(trend["value"])
        assert planted > 0.02
        assert max(sign * s for s in slopes.values()) < planted / 2


def test_older_audience_item_is_recovered(
    con: duckdb.DuckDBPyConnection, small: DemoResult
) -> None:
    truth = small.truth["older_audience_item"]
    band = truth["age_band"]
    shares = rows(
        con,
        f"""
        SELECT item_id, avg((age BETWEEN {band["age_min"]} AND {band["age_max"]})::INT) AS s
        FROM events JOIN people USING (user_id) WHERE type <> 'impression'
        GROUP BY 1 HAVING count(*) >= 100 ORDER BY s DESC""",
    )
    assert shares[0][0] == truth["item_id"]
    assert shares[0][1] > 0.5
    assert shares[1][1] < 0.35  # no other title comes close
    assert shares[0][1] == pytest.approx(truth["expected_share_of_item_events_from_band"], abs=0.1)


# a plain lexicon classifier, independent of the generator's word lists
NEGATIVE_WORDS = (
    "失望 拖沓 烂尾 离谱 浪费 差 严重 粗糙 退货 糟糕 不推荐 无聊 掉线 [怒] [裂开] [吐] [泪]".split()
)


def test_sentiment_spike_is_recovered(con: duckdb.DuckDBPyConnection, small: DemoResult) -> None:
    spike = small.truth["sentiment_spike"]
    negative = " OR ".join(f"contains(text, '{w}')" for w in NEGATIVE_WORDS)
    mention = f"contains(text, '{spike['mention']}')"
    weekly = rows(
        con,
        f"""SELECT date_trunc('week', ts)::DATE AS w, count(*) AS n, sum(({negative})::INT) AS k
            FROM posts WHERE {mention} GROUP BY 1 ORDER BY k DESC""",
    )
    week, n, k = weekly[0]
    # the week with the most negative posts about the title is the planted one, by far
    assert week.isoformat() == spike["week_start"]
    assert k >= 3 * weekly[1][2]
    assert k / n > 0.5
    outside = sum(r[2] for r in weekly[1:]) / sum(r[1] for r in weekly[1:])
    assert outside < 0.25
    assert (n, k) == (spike["observed"]["posts_in_week"], spike["observed"]["negative_in_week"])
    # no false truth: the other titles' posts that week are no more negative than usual
    others = rows(
        con,
        f"""SELECT date_trunc('week', ts)::DATE = '{spike["week_start"]}' AS spike_week,
                   avg(({negative})::INT), count(*) FROM posts WHERE NOT {mention} GROUP BY 1""",
    )
    rate = {w: r for w, r, _ in others}
    size = {w: k for w, _, k in others}
    noise = 3 * math.sqrt(rate[False] * (1 - rate[False]) / size[True])
    assert abs(rate[True] - rate[False]) < noise


def test_campaign_uplift_is_recovered(con: duckdb.DuckDBPyConnection, small: DemoResult) -> None:
    camp = small.truth["campaign"]
    seg = camp["uplift_segment"]
    by_arm = rows(
        con,
        f"""
        WITH conv AS (
            SELECT a.arm, u.age BETWEEN {seg["age_min"]} AND {seg["age_max"]} AS seg,
                   EXISTS (SELECT 1 FROM events e JOIN items i USING (item_id)
                           WHERE e.user_id = a.user_id AND e.type = 'purchase'
                             AND i.kind = 'tourism' AND e.ts >= a.ts) AS converted
            FROM assignments a JOIN people u USING (user_id)
            WHERE a.campaign_id = '{camp["campaign_id"]}')
        SELECT seg, arm, avg(converted::INT), count(*) FROM conv GROUP BY ALL""",
    )
    rate = {(s, a): r for s, a, r, _ in by_arm}
    n = {(s, a): k for s, a, _, k in by_arm}
    inside = rate[(True, "treatment")] - rate[(True, "control")]
    outside = rate[(False, "treatment")] - rate[(False, "control")]
    assert inside == pytest.approx(camp["uplift_in_segment"], abs=0.055)
    assert inside > 0.045
    assert abs(outside) < 0.035  # no false uplift elsewhere
    assert inside == pytest.approx(camp["observed"]["segment"]["uplift"], abs=1e-3)
    assert outside == pytest.approx(camp["observed"]["elsewhere"]["uplift"], abs=1e-3)
    treated = n[(True, "treatment")] + n[(False, "treatment")]
    control = n[(True, "control")] + n[(False, "control")]
    assert abs(treated - control) <= 1
    assert treated + control == camp["assigned"] > 0.3 * SMALL.users
    # only treated users' events carry the campaign id
    stamped = one(
        con,
        f"""SELECT count(*) FROM events e JOIN assignments a USING (user_id)
            WHERE e.campaign_id = '{camp["campaign_id"]}' AND a.arm = 'control'""",
    )
    assert stamped == 0


def test_player_skills_are_recovered(con: duckdb.DuckDBPyConnection, small: DemoResult) -> None:
    players = small.truth["player_skills"]["players"]
    assert len(players) >= 200
    matches = rows(con, "SELECT game, teams, ranks FROM matches")
    for game in {p["game"] for p in players.values()}:
        handles = sorted(h for h, p in players.items() if p["game"] == game)
        index = {h: i for i, h in enumerate(handles)}
        x, y = [], []
        for g, teams, ranks in matches:
            if g != game:
                continue
            row = np.zeros(len(handles))
            for h in teams[0]:
                row[index[h]] += 1 / len(teams[0])
            for h in teams[1]:
                row[index[h]] -= 1 / len(teams[1])
            x.append(row)
            y.append(1.0 if ranks[0] < ranks[1] else -1.0)
        # a linear-probability fit of the outcome on the team-mean difference ~ skill
        est = np.linalg.lstsq(np.array(x), np.array(y), rcond=None)[0]
        true = np.array([players[h]["skill_mean"] for h in handles])
        r = np.corrcoef(_ranks(est), _ranks(true))[0, 1]
        assert r > 0.6, (game, r)
    drift = [p["drift_per_week"] for p in players.values()]
    assert np.std(drift) > 0.01  # skills really drift
    assert all(math.isfinite(p["skill_final"]) for p in players.values())


def _ranks(a: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(a)).astype(float)
