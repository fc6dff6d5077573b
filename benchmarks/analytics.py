"""Analytics query speed: culturebridge against hand-written DuckDB SQL, pandas and Spark.

    .venv/bin/python benchmarks/analytics.py --events 10000000 --users 200000
    .venv/bin/python benchmarks/analytics.py --workspace /tmp/bench100m --no-pandas

Three questions, asked of one demo workspace (built here with `culturebridge demo` unless
--workspace names an existing one):

- preferences: `preferences(a, segment="gen_z_tier1", by="attributes.style")` (vs all users);
- weekly trend: `trends(a, segment="all", by="attributes.style", period="week")`;
- funnel: `funnel(a, segment="gen_z", vs="all")` (impression -> view -> engage -> purchase).

Each is answered by
- culturebridge on DuckDB, end to end through the public functions: a fresh `Analysis.open`
  per run (connection, segment catalogue, reference date), the engine queries, the numpy
  finish (intervals, tests, forecasts), the privacy guard and the typed result; the time in
  `Analysis.open` ("open") and inside `Analysis.run` (the engine queries and the Arrow
  transfer, "engine") are shown too;
- hand-tuned DuckDB SQL over `read_parquet([...])` of the same committed lake files, in a fresh
  in-memory connection with culturebridge's memory limit and DuckDB's default thread count: one
  statement per question that returns the same engine-side sums as culturebridge (for the
  preferences the per-value sums s1, s2, s3 and users plus the per-group totals, for the trend
  the period x value cells plus the period and value totals, for the funnel the per-stage
  journey sums), then only the figures compared below are computed from them in Python (no
  intervals, tests or forecasts);
- pandas (pyarrow engine; reading the columns it needs counts, and is also shown alone), the
  same sums and the same figures, idiomatic (sort + groupby cumsum for the journeys);
- culturebridge on Spark (`CULTUREBRIDGE_SPARK__MASTER=local[2]` unless set), in a child process
  with a time limit; the session start is reported apart.

The three answers must agree before any time is worth reading: each value's segment and
baseline share and user counts (preferences), each (week, value) share and each value's users
(trend), journeys and users per (group, kind, stage) (funnel), to 1e-9 relative. A mismatch is
printed and the exit status is 2. Cells the privacy guard suppressed in culturebridge's answer
are left out of the comparison (none are at demo sizes).

Hand SQL and pandas know things about the data that culturebridge's general code does not
assume: an item has one value of a map attribute (so a user's total over items with a value is
the sum over values), the built-in segments' definitions (checked against the workspace) and,
for the SQL, that the lake's Parquet footers carry min/max statistics (the reference date, the
day of the latest event, is read from them instead of scanning every timestamp).

Each implementation runs once to warm up, then --repeat times; the median counts. Runs are
interleaved (round by round, question by question) so that a busy neighbour slows all
implementations alike; CPU seconds (user + system, every thread, the JVM's too for Spark) are
reported as well because they do not depend on the neighbours. The output names a fingerprint
of culturebridge's analytics sources: results belong to the code that produced them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from culturebridge.analytics import PrefsConfig, funnel, preferences, trends
from culturebridge.analytics._prefs import RATING_SCALE
from culturebridge.config import Backend, get_settings
from culturebridge.query import Analysis, builtin_segments, connect, describe_segment, load_segments
from culturebridge.workspace import Workspace

if TYPE_CHECKING:
    import ibis.expr.types as ir

HERE = Path(__file__).resolve().parent
CLI = str(Path(sys.executable).with_name("culturebridge"))

QUESTIONS = ("prefs", "trends", "funnel")
TITLES = {
    "prefs": "preferences: gen_z_tier1 vs all by attributes.style",
    "trends": "weekly trend: all users by attributes.style",
    "funnel": "funnel: gen_z vs all, per item kind",
}
PREFS_SEGMENT = "gen_z_tier1"
TRENDS_SEGMENT = "all"
FUNNEL_SEGMENT = "gen_z"
DIMENSION = "attributes.style"
STYLE_KEY = "style"
# what the hand-written SQL and pandas hard-code about the two segments (checked at start)
EXPECTED_SEGMENTS = {PREFS_SEGMENT: "age 18-24; city tier 1", FUNNEL_SEGMENT: "age 18-24"}
AGE_MIN, AGE_MAX, TIER = 18, 24, 1
# the funnel's stages, as culturebridge.analytics.funnel documents them
VIEW_TYPES = ("view", "play")
ENGAGE_TYPES = ("like", "favourite", "share", "comment", "rate")
STAGES = ("impression", "view", "engage", "purchase")
UNKNOWN = "unknown"
REL_TOL = 1e-9
PANDAS_MAX_EVENTS = 20_000_000

Keys = dict[tuple[str, ...], float]
"""The figures compared between implementations; NaN marks a cell the guard suppressed."""
Rows = list[dict[str, Any]]


# ---------------------------------------------------------------------------- measuring


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _proc_cpu(pid: int) -> float:
    """User + system seconds of one process (all its threads) from /proc."""
    after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(after_name[11]) + int(after_name[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return out
    for task in tasks:
        try:
            children = [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        for child in children:
            out.append(child)
            out.extend(_descendants(child))
    return out


def cpu_seconds(*, tree: bool = False) -> float:
    """CPU time of this process (every thread); with `tree`, of its live descendants too (the
    Spark JVM), where /proc allows."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    own = usage.ru_utime + usage.ru_stime
    if not tree or not Path("/proc/self/stat").exists():
        return own
    total = own
    for pid in _descendants(os.getpid()):
        try:
            total += _proc_cpu(pid)
        except (OSError, ValueError, IndexError):
            continue
    return total


@dataclass
class Run:
    """What one run of an implementation returns besides its time."""

    keys: Keys
    engine_s: float | None = None
    """culturebridge: seconds inside Analysis.run; None for the others."""
    read_s: float | None = None
    """pandas: seconds reading Parquet; None for the others."""
    open_s: float | None = None
    """culturebridge: seconds in `Analysis.open` (connection, reference date, segments)."""


@dataclass
class Measured:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    engine: list[float] = field(default_factory=list)
    read: list[float] = field(default_factory=list)
    open: list[float] = field(default_factory=list)
    keys: Keys | None = None
    note: str | None = None
    """Why there is no figure (not run, timed out, failed)."""

    def add(self, wall: float, cpu: float, run: Run) -> None:
        self.wall.append(wall)
        self.cpu.append(cpu)
        if run.engine_s is not None:
            self.engine.append(run.engine_s)
        if run.read_s is not None:
            self.read.append(run.read_s)
        if run.open_s is not None:
            self.open.append(run.open_s)

    @property
    def median(self) -> float | None:
        return statistics.median(self.wall) if self.wall else None

    @property
    def cpu_median(self) -> float | None:
        return statistics.median(self.cpu) if self.cpu else None

    @property
    def engine_median(self) -> float | None:
        return statistics.median(self.engine) if self.engine else None

    @property
    def read_median(self) -> float | None:
        return statistics.median(self.read) if self.read else None

    @property
    def open_median(self) -> float | None:
        return statistics.median(self.open) if self.open else None


class EngineClock:
    """Adds up the seconds culturebridge spends in `Analysis.run` (engine queries + Arrow out).

    It wraps the method for the duration of a `with` block only; the wrapped call is the
    original one, so what runs is unchanged.
    """

    def __init__(self) -> None:
        self.seconds = 0.0
        self._original: Callable[[Analysis, ir.Table], pa.Table] | None = None

    def __enter__(self) -> EngineClock:
        original = Analysis.run
        self._original = original

        def timed(a: Analysis, expr: ir.Table) -> pa.Table:
            start = time.perf_counter()
            try:
                return original(a, expr)
            finally:
                self.seconds += time.perf_counter() - start

        Analysis.run = timed  # type: ignore[method-assign,assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._original is not None:
            Analysis.run = self._original  # type: ignore[method-assign,assignment]


# ---------------------------------------------------------------------------- the lake


@dataclass(frozen=True)
class Lake:
    """The committed Parquet files of the tables the three questions read."""

    events: list[str]
    items: list[str]
    users: list[str]

    @classmethod
    def of(cls, ws: Workspace) -> Lake:
        return cls(*([str(p) for p in ws.files(t)] for t in ("events", "items", "users")))


def _sql_files(paths: Sequence[str]) -> str:
    return "read_parquet([" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "])"


def _weights() -> dict[str, float]:
    return dict(PrefsConfig().weights)


def _weight_sql(weights: dict[str, float]) -> str:
    """Each event's weight, a rating's by its stars (as `analytics.weight_expr`)."""
    whens = " ".join(
        f"WHEN '{t}' THEN {float(w)!r}::DOUBLE"
        + (
            f" * coalesce(least(greatest(ev.value, 0), {RATING_SCALE!r}) / {RATING_SCALE!r}, 1)"
            if t == "rate"
            else ""
        )
        for t, w in weights.items()
    )
    return f"CASE ev.type {whens} ELSE 0.0::DOUBLE END"


def _in_list(values: Sequence[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


# ---------------------------------------------------------------------------- key figures


def _day(d: Any) -> str:
    """A period start (date, datetime or Timestamp) as YYYY-MM-DD."""
    return str(d.isoformat())[:10]


def _isnull(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def prefs_keys(rows: Rows) -> Keys:
    """Shares and user counts from (value, grp, s1, s2, s3, users); totals rows have no value
    (s1 = the group's total weight, users = its engaged users)."""
    totals = {r["grp"]: r for r in rows if _isnull(r["value"])}
    w_seg = float(totals.get("seg", {}).get("s1") or 0.0)
    w_all = w_seg + float(totals.get("other", {}).get("s1") or 0.0)
    cells: dict[str, dict[str, dict[str, Any]]] = {}
    for r in rows:
        if not _isnull(r["value"]):
            cells.setdefault(str(r["value"]), {})[str(r["grp"])] = r
    keys: Keys = {}
    for value, by_grp in cells.items():
        seg = by_grp.get("seg", {"s1": 0.0, "users": 0})
        oth = by_grp.get("other", {"s1": 0.0, "users": 0})
        keys[("segment_share", value)] = float(seg["s1"]) / w_seg if w_seg else math.nan
        keys[("baseline_share", value)] = (
            (float(seg["s1"]) + float(oth["s1"])) / w_all if w_all else math.nan
        )
        keys[("users", value)] = float(seg["users"])
        keys[("baseline_users", value)] = float(seg["users"]) + float(oth["users"])
    return keys


def trends_keys(rows: Rows) -> Keys:
    """Shares per (week, value) and users per value from (period_start, value, s1, users) rows:
    a row without a value is a period's total, a row without a period a value's total."""
    period_w = {
        _day(r["period_start"]): float(r["s1"])
        for r in rows
        if _isnull(r["value"]) and not _isnull(r["period_start"])
    }
    keys: Keys = {}
    for r in rows:
        if _isnull(r["value"]):
            continue
        if _isnull(r["period_start"]):
            keys[("users", str(r["value"]))] = float(r["users"])
        else:
            p = _day(r["period_start"])
            w = period_w.get(p, 0.0)
            keys[("share", p, str(r["value"]))] = min(float(r["s1"]) / w, 1.0) if w else math.nan
    return keys


def funnel_keys(rows: Rows) -> Keys:
    keys: Keys = {}
    for r in rows:
        cell = (str(r["grp"]), str(r["kind"]), STAGES[int(r["stage_index"])])
        keys[("journeys", *cell)] = float(r["journeys"])
        keys[("users", *cell)] = float(r["users"])
    return keys


def compare(reference: Keys, other: Keys) -> tuple[int, list[str]]:
    """(figures compared, mismatches); a figure missing on one side counts as 0, NaN on either
    side (suppressed, undefined) is skipped."""
    compared, bad = 0, []
    for key in sorted(set(reference) | set(other), key=str):
        a, b = reference.get(key, 0.0), other.get(key, 0.0)
        if math.isnan(a) or math.isnan(b):
            continue
        compared += 1
        if not math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-15):
            bad.append(f"{'/'.join(key)}: {a!r} vs {b!r}")
    return compared, bad


# ---------------------------------------------------------------------------- culturebridge


def cb_prefs(a: Analysis) -> Keys:
    r = preferences(a, segment=PREFS_SEGMENT, by=DIMENSION)
    keys: Keys = {}
    for row in r.rows:
        for name in ("segment_share", "baseline_share", "users", "baseline_users"):
            v = getattr(row, name)
            keys[(name, row.value)] = math.nan if v is None else float(v)
    return keys


def cb_trends(a: Analysis) -> Keys:
    r = trends(a, segment=TRENDS_SEGMENT, by=DIMENSION, period="week")
    keys: Keys = {}
    for row in r.rows:
        keys[("users", row.value)] = math.nan if row.users is None else float(row.users)
        for p in row.points:
            share = math.nan if p.share is None else float(p.share)
            keys[("share", _day(p.period_start), row.value)] = share
    return keys


def cb_funnel(a: Analysis) -> Keys:
    r = funnel(a, segment=FUNNEL_SEGMENT, vs="all")
    keys: Keys = {}
    for row in r.rows:
        cell = (row.group, row.kind, row.stage)
        keys[("journeys", *cell)] = math.nan if row.journeys is None else float(row.journeys)
        keys[("users", *cell)] = math.nan if row.users is None else float(row.users)
    return keys


CB_QUESTIONS: dict[str, Callable[[Analysis], Keys]] = {
    "prefs": cb_prefs,
    "trends": cb_trends,
    "funnel": cb_funnel,
}


def run_culturebridge(ws: Workspace, question: str, backend: Backend) -> Run:
    with EngineClock() as clock:
        start = time.perf_counter()
        with Analysis.open(ws, backend=backend) as a:
            opened = time.perf_counter() - start
            keys = CB_QUESTIONS[question](a)
    return Run(keys, engine_s=clock.seconds, open_s=opened)


# ---------------------------------------------------------------------------- hand-written SQL


def hand_sql(question: str, lake: Lake) -> str:
    """One hand-tuned DuckDB statement per question, returning culturebridge's engine sums."""
    e, i, u = _sql_files(lake.events), _sql_files(lake.items), _sql_files(lake.users)
    w = _weight_sql(_weights())
    dim = (
        f"dim AS (SELECT DISTINCT item_id, attributes['{STYLE_KEY}'] AS value FROM {i} "
        f"WHERE attributes['{STYLE_KEY}'] <> '')"
    )
    # the reference date (date of the latest event) from the Parquet footers' statistics, which
    # the ingest writes, rather than a scan of every timestamp
    meta = e.replace("read_parquet(", "parquet_metadata(", 1)
    ref = (
        "ref AS (SELECT year(max(stats_max_value::TIMESTAMP)) AS y "
        f"FROM {meta} WHERE path_in_schema = 'ts')"
    )
    if question == "prefs":
        # one scan and one (user, value) aggregation; each user's total is the sum over values
        # (one style per item), totals come from the same per-user rows
        return f"""
WITH {ref}, {dim},
seg AS (SELECT DISTINCT u.user_id FROM {u} u, ref
        WHERE ref.y - u.birth_year BETWEEN {AGE_MIN} AND {AGE_MAX} AND u.city_tier = {TIER}),
uv AS (SELECT ev.user_id, dim.value, sum({w}) AS w_uv
       FROM {e} ev JOIN dim ON ev.item_id = dim.item_id
       WHERE {w} > 0 GROUP BY ALL),
pu AS (SELECT uv.user_id, sum(uv.w_uv) AS w_u, bool_or(seg.user_id IS NOT NULL) AS in_seg
       FROM uv LEFT JOIN seg ON uv.user_id = seg.user_id GROUP BY uv.user_id)
SELECT uv.value, CASE WHEN pu.in_seg THEN 'seg' ELSE 'other' END AS grp, sum(uv.w_uv) AS s1,
       sum(uv.w_uv * uv.w_uv) AS s2, sum(uv.w_uv * pu.w_u) AS s3, count(*) AS users
FROM uv JOIN pu ON uv.user_id = pu.user_id GROUP BY ALL
UNION ALL
SELECT NULL, CASE WHEN in_seg THEN 'seg' ELSE 'other' END, sum(w_u), NULL, sum(w_u * w_u),
       count(*)
FROM pu GROUP BY ALL
"""
    if question == "trends":
        # one scan, one (week, value, user) aggregation, three small aggregates over it
        return f"""
WITH {dim},
puv AS (SELECT date_trunc('week', ev.ts)::DATE AS period_start, dim.value, ev.user_id,
               sum({w}) AS s
        FROM {e} ev JOIN dim ON ev.item_id = dim.item_id
        SEMI JOIN {u} usr ON ev.user_id = usr.user_id
        WHERE {w} > 0 GROUP BY ALL)
SELECT period_start, value, sum(s) AS s1, count(*) AS users FROM puv GROUP BY ALL
UNION ALL
SELECT period_start, NULL, sum(s), count(DISTINCT user_id) FROM puv GROUP BY ALL
UNION ALL
SELECT NULL, value, NULL, count(DISTINCT user_id) FROM puv GROUP BY ALL
"""
    if question == "funnel":
        # journeys by a running impression count over a narrow row (one flag column), reduced
        # per (user, kind) before the (small) join with the two groups
        return f"""
WITH {ref},
ev AS (SELECT user_id, item_id, ts, (type = 'impression')::INT AS imp,
              CASE WHEN type IN {_in_list(VIEW_TYPES)} THEN 1
                   WHEN type IN {_in_list(ENGAGE_TYPES)} THEN 2
                   WHEN type = 'purchase' THEN 4 ELSE 0 END AS f
       FROM {e}),
j AS (SELECT user_id, item_id, f,
             sum(imp) OVER (PARTITION BY user_id, item_id ORDER BY ts, imp DESC
                            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS journey
      FROM ev),
jr AS (SELECT user_id, item_id, bit_or(f) AS f FROM j WHERE journey >= 1
       GROUP BY user_id, item_id, journey),
pu AS (SELECT jr.user_id, coalesce(k.kind, '{UNKNOWN}') AS kind, count(*) AS c0,
              count(*) FILTER (f & 1 = 1) AS c1, count(*) FILTER (f & 3 = 3) AS c2,
              count(*) FILTER (f & 7 = 7) AS c3
       FROM jr LEFT JOIN (SELECT DISTINCT item_id, kind FROM {i}) k ON jr.item_id = k.item_id
       GROUP BY ALL),
g AS (SELECT DISTINCT u.user_id, 'segment' AS grp FROM {u} u, ref
      WHERE ref.y - u.birth_year BETWEEN {AGE_MIN} AND {AGE_MAX}
      UNION ALL
      SELECT DISTINCT user_id, 'baseline' FROM {u}),
long AS (SELECT g.grp, pu.kind, s.i AS stage_index, pu.c0::DOUBLE AS f,
                (CASE s.i WHEN 0 THEN c0 WHEN 1 THEN c1 WHEN 2 THEN c2 ELSE c3 END)::DOUBLE AS a,
                (CASE s.i WHEN 0 THEN c0 WHEN 1 THEN c0 WHEN 2 THEN c1 ELSE c2 END)::DOUBLE AS b
         FROM pu JOIN g ON pu.user_id = g.user_id, (SELECT unnest([0, 1, 2, 3]) AS i) s)
SELECT grp, kind, stage_index, sum(a)::BIGINT AS journeys, sum(b)::BIGINT AS prev_journeys,
       sum(f)::BIGINT AS first_journeys, sum(a * a) AS a2, sum(a * b) AS ab, sum(b * b) AS b2,
       sum(a * f) AS af, sum(f * f) AS f2, count(*) FILTER (a > 0) AS users,
       count(*) AS base_users
FROM long GROUP BY ALL ORDER BY ALL
"""
    raise ValueError(question)


HAND_KEYS: dict[str, Callable[[Rows], Keys]] = {
    "prefs": prefs_keys,
    "trends": trends_keys,
    "funnel": funnel_keys,
}


def run_hand_sql(question: str, lake: Lake, spill: Path) -> Run:
    settings = get_settings()
    con = duckdb.connect()
    try:
        # as culturebridge's connection: its memory limit, UTC, DuckDB's default threads; it
        # spills next to the workspace, this one under `spill` (not the working directory)
        con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
        con.execute(f"SET temp_directory = '{spill}'")
        con.execute("SET TimeZone = 'UTC'")
        rows = con.sql(hand_sql(question, lake)).to_arrow_table().to_pylist()
    finally:
        con.close()
    return Run(HAND_KEYS[question](rows))


# ---------------------------------------------------------------------------- pandas


def _read(paths: Sequence[str], columns: list[str], categories: Sequence[str] = ()) -> pd.DataFrame:
    """The columns of the files; `categories` (the pandas docs' advice for repeated strings)
    arrive as Categoricals straight from Parquet's dictionaries."""
    frame: pd.DataFrame = pd.read_parquet(  # type: ignore[call-overload]
        list(paths), columns=columns, engine="pyarrow", read_dictionary=list(categories)
    )
    return frame


def _read_events(lake: Lake, columns: list[str]) -> pd.DataFrame:
    return _read(lake.events, columns, [c for c in columns if c in ("user_id", "item_id", "type")])


def _styles(items: pd.DataFrame) -> pd.Series:
    """item_id -> style, for items with a non-empty style (the map arrives as (key, value)s)."""

    def style(kv: Any) -> Any:
        if kv is None or isinstance(kv, float):
            return None
        return dict(kv).get(STYLE_KEY)

    values = items.set_index("item_id")["attributes"].map(style)
    return values[values.notna() & (values != "")]


def _ages_between(users: pd.DataFrame, ref_year: int) -> pd.Series:
    age = ref_year - users["birth_year"]
    return age.between(AGE_MIN, AGE_MAX)


def _weighted(ev: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Events with a positive weight on items with a style: user_id, value, w (and ts)."""
    ev["w"] = ev["type"].map(_weights()).astype("float64")
    rate = ev["type"] == "rate"
    if "value" in ev and rate.any():  # a rating weighs by its stars (analytics.weight_expr)
        stars = (ev.loc[rate, "value"].clip(0.0, RATING_SCALE) / RATING_SCALE).fillna(1.0)
        ev.loc[rate, "w"] = ev.loc[rate, "w"] * stars
    ev["value"] = ev["item_id"].map(_styles(items))
    return ev[(ev["w"] > 0) & ev["value"].notna()]


def pandas_prefs(lake: Lake) -> tuple[Rows, float]:
    start = time.perf_counter()
    ev = _read_events(lake, ["user_id", "item_id", "type", "ts", "value"])
    users = _read(lake.users, ["user_id", "birth_year", "city_tier"])
    items = _read(lake.items, ["item_id", "attributes"])
    read_s = time.perf_counter() - start
    ref_year = ev["ts"].max().year
    seg = users.loc[_ages_between(users, ref_year) & (users["city_tier"] == TIER), "user_id"]
    j = _weighted(ev, items)
    uv = j.groupby(["user_id", "value"], as_index=False, sort=False, observed=True).agg(
        w_uv=("w", "sum")
    )
    pu = uv.groupby("user_id", as_index=False, sort=False, observed=True).agg(w_u=("w_uv", "sum"))
    pu["grp"] = np.where(pu["user_id"].isin(seg), "seg", "other")
    x = uv.merge(pu, on="user_id")
    x["s2"] = x["w_uv"] * x["w_uv"]
    x["s3"] = x["w_uv"] * x["w_u"]
    sums = x.groupby(["value", "grp"], as_index=False, observed=True).agg(
        s1=("w_uv", "sum"), s2=("s2", "sum"), s3=("s3", "sum"), users=("user_id", "size")
    )
    pu["q"] = pu["w_u"] * pu["w_u"]
    totals = pu.groupby("grp", as_index=False).agg(
        s1=("w_u", "sum"), s3=("q", "sum"), users=("user_id", "size")
    )
    totals["value"] = None
    rows = sums.to_dict("records") + totals.to_dict("records")
    return [{str(k): v for k, v in r.items()} for r in rows], read_s


def pandas_trends(lake: Lake) -> tuple[Rows, float]:
    start = time.perf_counter()
    ev = _read_events(lake, ["user_id", "item_id", "type", "ts", "value"])
    users = _read(lake.users, ["user_id"])
    items = _read(lake.items, ["item_id", "attributes"])
    read_s = time.perf_counter() - start
    ev = ev[ev["user_id"].isin(users["user_id"])]
    j = _weighted(ev, items)
    ts = j["ts"]
    j = j.assign(period_start=ts.dt.normalize() - pd.to_timedelta(ts.dt.day_of_week, unit="D"))
    cells = j.groupby(["period_start", "value"], as_index=False, observed=True).agg(
        s1=("w", "sum"), users=("user_id", "nunique")
    )
    totals = j.groupby("period_start", as_index=False).agg(
        s1=("w", "sum"), users=("user_id", "nunique")
    )
    per_value = j.groupby("value", as_index=False, observed=True).agg(users=("user_id", "nunique"))
    totals["value"] = None
    per_value["period_start"] = None
    per_value["s1"] = None
    rows = cells.to_dict("records") + totals.to_dict("records") + per_value.to_dict("records")
    return [{str(k): v for k, v in r.items()} for r in rows], read_s


def pandas_funnel(lake: Lake) -> tuple[Rows, float]:
    start = time.perf_counter()
    ev = _read_events(lake, ["user_id", "item_id", "ts", "type"])
    users = _read(lake.users, ["user_id", "birth_year"])
    items = _read(lake.items, ["item_id", "kind"])
    read_s = time.perf_counter() - start
    ref_year = ev["ts"].max().year
    t = ev.pop("type")
    ev["imp"] = (t == "impression").astype("int8")
    ev["v"] = t.isin(VIEW_TYPES)
    ev["e"] = t.isin(ENGAGE_TYPES)
    ev["p"] = t == "purchase"
    del t
    # journeys: per user and item in time order (an impression first at equal times), the
    # running count of impressions; rows before the first impression belong to none
    ev = ev.sort_values(["user_id", "item_id", "ts", "imp"], ascending=[True, True, True, False])
    ev["journey"] = ev.groupby(["user_id", "item_id"], sort=False, observed=True)["imp"].cumsum()
    ev = ev[ev["journey"] >= 1]
    j = ev.groupby(["user_id", "item_id", "journey"], sort=False, observed=True)[
        ["v", "e", "p"]
    ].any()
    del ev
    j = j.reset_index()
    reached = j["v"].astype("int64") + (j["v"] & j["e"]) + (j["v"] & j["e"] & j["p"])
    # every item id seen in the events gets a kind, "unknown" when the items table lacks it
    kind_of = items.drop_duplicates("item_id").set_index("item_id")["kind"]
    kind_of = kind_of.reindex(j["item_id"].cat.categories).fillna(UNKNOWN)
    j = pd.DataFrame({"user_id": j["user_id"], "kind": j["item_id"].map(kind_of)})
    for s in (1, 2, 3):
        j[f"r{s}"] = (reached >= s).astype("int64")
    pu = j.groupby(["user_id", "kind"], as_index=False, observed=True).agg(
        c0=("r1", "size"), c1=("r1", "sum"), c2=("r2", "sum"), c3=("r3", "sum")
    )
    groups = {
        "segment": users.loc[_ages_between(users, ref_year), "user_id"],
        "baseline": users["user_id"],
    }
    rows: Rows = []
    for grp, members in groups.items():
        g = pu[pu["user_id"].isin(members)]
        for stage in range(len(STAGES)):
            a = g[f"c{stage}"].astype("float64")
            b = g[f"c{max(stage - 1, 0)}"].astype("float64")
            f = g["c0"].astype("float64")
            frame = pd.DataFrame(
                {"kind": g["kind"], "a": a, "b": b, "f": f, "a2": a * a, "ab": a * b}
            )
            frame = frame.assign(b2=b * b, af=a * f, f2=f * f, reached=a > 0)
            sums = frame.groupby("kind", as_index=False, observed=True).agg(
                journeys=("a", "sum"),
                prev_journeys=("b", "sum"),
                first_journeys=("f", "sum"),
                a2=("a2", "sum"),
                ab=("ab", "sum"),
                b2=("b2", "sum"),
                af=("af", "sum"),
                f2=("f2", "sum"),
                users=("reached", "sum"),
                base_users=("a", "size"),
            )
            for r in sums.to_dict("records"):
                rows.append({**{str(k): v for k, v in r.items()}, "grp": grp, "stage_index": stage})
    return rows, read_s


PANDAS: dict[str, Callable[[Lake], tuple[Rows, float]]] = {
    "prefs": pandas_prefs,
    "trends": pandas_trends,
    "funnel": pandas_funnel,
}


def run_pandas(question: str, lake: Lake) -> Run:
    rows, read_s = PANDAS[question](lake)
    return Run(HAND_KEYS[question](rows), read_s=read_s)


# ---------------------------------------------------------------------------- Spark (child)


def spark_worker(args: argparse.Namespace) -> int:
    """Runs in a child process: culturebridge on Spark, one JSON line per finished figure."""
    ws = Workspace.open(args.workspace)
    out = Path(args.results)

    def emit(**record: Any) -> None:
        with out.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")

    start, cpu0 = time.perf_counter(), cpu_seconds(tree=True)
    connect(ws, "spark")  # starts the JVM and the session; later opens reuse it
    emit(
        event="session",
        wall=time.perf_counter() - start,
        cpu=cpu_seconds(tree=True) - cpu0,
        master=get_settings().spark.master,
    )
    for round_no in range(args.spark_warmup + args.spark_repeat):
        for q in args.questions:
            start, cpu0 = time.perf_counter(), cpu_seconds(tree=True)
            run = run_culturebridge(ws, q, "spark")
            wall, cpu = time.perf_counter() - start, cpu_seconds(tree=True) - cpu0
            warm = round_no < args.spark_warmup
            emit(
                event="run",
                question=q,
                round=round_no,
                warmup=warm,
                wall=wall,
                cpu=cpu,
                engine=run.engine_s,
            )
            if round_no == args.spark_warmup + args.spark_repeat - 1:
                emit(event="keys", question=q, keys=[[*k, v] for k, v in run.keys.items()])
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession()
    if session is not None:
        session.stop()
    return 0


def run_spark(
    args: argparse.Namespace, workspace: Path, scratch: Path
) -> tuple[dict[str, Measured], str]:
    """Start the Spark child with a time limit; whatever it finished counts."""
    results = scratch / "spark-results.jsonl"
    log = scratch / "spark.log"
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--spark-worker",
        "--workspace",
        str(workspace),
        "--results",
        str(results),
        "--spark-repeat",
        str(args.spark_repeat),
        "--spark-warmup",
        str(args.spark_warmup),
        "--questions",
        *args.questions,
    ]
    env = dict(os.environ)
    env.setdefault("CULTUREBRIDGE_SPARK__MASTER", args.spark_master)
    started = time.perf_counter()
    timed_out = False
    with log.open("w", encoding="utf-8") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=fh, env=env, start_new_session=True)
        try:
            rc = proc.wait(timeout=args.spark_timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGTERM)  # the child and its JVM, nothing else
            try:
                rc = proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                rc = proc.wait()
    elapsed = time.perf_counter() - started
    measured = {q: Measured() for q in args.questions}
    session = ""
    lines = results.read_text(encoding="utf-8").splitlines() if results.exists() else []
    for line in lines:
        rec = json.loads(line)
        if rec["event"] == "session":
            session = (
                f"Spark session start ({rec['master']}): {rec['wall']:.1f} s "
                f"({rec['cpu']:.1f} CPU-s)"
            )
        elif rec["event"] == "run" and not rec["warmup"]:
            measured[rec["question"]].add(rec["wall"], rec["cpu"], Run({}, rec["engine"]))
        elif rec["event"] == "keys":
            measured[rec["question"]].keys = {tuple(k[:-1]): float(k[-1]) for k in rec["keys"]}
    for m in measured.values():
        if len(m.wall) < args.spark_repeat:
            done = f"{len(m.wall)} of {args.spark_repeat} runs done"
            if timed_out:
                m.note = f"stopped at the {args.spark_timeout:.0f} s limit ({done})"
            elif rc != 0:
                tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-5:]
                m.note = f"failed, exit status {rc} ({done}): " + " | ".join(tail)
    print(f"spark: child finished in {elapsed:.0f} s (exit {rc}, log {log})", file=sys.stderr)
    return measured, session


# ---------------------------------------------------------------------------- the report


def _machine() -> str:
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        mem = f", {ram:.0f} GiB RAM"
    except (ValueError, OSError):
        mem = ""
    versions = [
        f"Python {platform.python_version()}",
        f"DuckDB {duckdb.__version__}",
        f"pandas {pd.__version__}",
        f"PyArrow {pa.__version__}",
    ]
    try:
        import ibis

        versions.append(f"Ibis {ibis.__version__}")
    except ImportError:
        pass
    try:
        import pyspark

        versions.append(f"PySpark {pyspark.__version__}")
    except ImportError:
        pass
    return f"{_cores()} cores ({model}, {platform.machine()}){mem}; " + ", ".join(versions)


def _sources() -> str:
    """A fingerprint of culturebridge's analytics code: others change it while benchmarks run."""
    import culturebridge.analytics as pkg

    files = sorted(Path(pkg.__file__).parent.glob("*.py"))
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()[:12]
    newest = datetime.fromtimestamp(max(f.stat().st_mtime for f in files), UTC)
    return f"sha256 {digest}…, newest file {newest:%Y-%m-%d %H:%M} UTC"


def _s(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f} s" if x < 100 else f"{x:.0f} s"


def _ratio(a: float | None, b: float | None) -> str:
    return "–" if a is None or b is None or b == 0 else f"{a / b:.2f}×"


def _cell(m: Measured | None, *, extra: str = "") -> str:
    if m is None:
        return "–"
    if m.median is None:
        return f"not run: {m.note}" if m.note else "–"
    text = _s(m.median)
    if extra == "engine" and m.engine_median is not None:
        text += f" (open {_s(m.open_median)}, engine {_s(m.engine_median)})"
    if extra == "read" and m.read_median is not None:
        text += f" (read {_s(m.read_median)})"
    if m.note:
        text += f" ({m.note})"
    return text


def report(
    results: dict[str, dict[str, Measured]],
    questions: Sequence[str],
    *,
    spark_label: str,
    spark_session: str,
) -> list[str]:
    out = []
    out.append(
        "| question | culturebridge (DuckDB) | hand-written DuckDB SQL | culturebridge / hand SQL "
        f"| its engine / hand SQL | pandas | pandas / culturebridge | {spark_label} |"
    )
    out.append("|---|---|---|---|---|---|---|---|")
    for q in questions:
        cb, hand = results["culturebridge"][q], results["hand SQL"][q]
        pdm, sp = results["pandas"].get(q), results["spark"].get(q)
        out.append(
            f"| {TITLES[q]} | {_cell(cb, extra='engine')} | {_cell(hand)} | "
            f"**{_ratio(cb.median, hand.median)}** | {_ratio(cb.engine_median, hand.median)} | "
            f"{_cell(pdm, extra='read')} | "
            f"**{_ratio(pdm.median if pdm else None, cb.median)}** | {_cell(sp)} |"
        )
    out.append("")
    out.append(
        "CPU seconds (user + system, all threads; median), independent of other load on the "
        "machine:"
    )
    out.append("")
    names = [n for n in ("culturebridge", "hand SQL", "pandas", "spark") if results[n]]
    out.append("| question | " + " | ".join(n for n in names) + " | cb / hand SQL (CPU) |")
    out.append("|---|" + "---|" * (len(names) + 1))
    for q in questions:
        cells = []
        for n in names:
            m = results[n].get(q)
            cells.append("–" if m is None or m.cpu_median is None else f"{m.cpu_median:.2f}")
        cb_cpu = results["culturebridge"][q].cpu_median
        hand_cpu = results["hand SQL"][q].cpu_median
        out.append(f"| {q} | " + " | ".join(cells) + f" | {_ratio(cb_cpu, hand_cpu)} |")
    if spark_session:
        out.append("")
        out.append(spark_session + "; not included in the Spark times above.")
    return out


def goals(results: dict[str, dict[str, Measured]], questions: Sequence[str]) -> list[str]:
    out = []
    for q in questions:
        cb, hand = results["culturebridge"][q].median, results["hand SQL"][q].median
        pdm = results["pandas"].get(q)
        parts = []
        if cb is not None and hand is not None:
            r = cb / hand
            parts.append(f"{r:.2f}× hand SQL ({'met' if r <= 1.3 else 'MISSED'}: goal <= 1.3×)")
        if pdm is not None and pdm.median is not None and cb is not None:
            r = pdm.median / cb
            parts.append(f"{r:.1f}× faster than pandas ({'met' if r >= 5 else 'MISSED'}: >= 5×)")
        out.append(f"- {q}: " + "; ".join(parts))
    return out


# ---------------------------------------------------------------------------- main


def check_segments(ws: Workspace) -> None:
    """The hand SQL and pandas hard-code the two segments: refuse a workspace that redefines
    them rather than compare different questions."""
    catalogue = load_segments(ws)
    for name, expected in EXPECTED_SEGMENTS.items():
        got = describe_segment(name, catalogue)
        if got != expected:
            raise SystemExit(
                f"segment {name!r} is {got!r} in {ws.root}, the benchmark expects {expected!r} "
                f"(built-in: {describe_segment(name, builtin_segments())!r})"
            )


@contextmanager
def workspace_for(args: argparse.Namespace) -> Iterator[Path]:
    """The workspace to query: --workspace as given, or a demo one built (and removed after,
    unless --keep)."""
    if args.workspace is not None:
        yield Path(args.workspace)
        return
    root = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="cb-analytics-bench-"))
    target = root / "ws"
    cmd = [
        CLI,
        "demo",
        str(target),
        "--users",
        str(args.users),
        "--events",
        str(args.events),
        "--seed",
        str(args.seed),
        "--json",
    ]
    print(f"building: {' '.join(cmd)}", file=sys.stderr)
    start = time.perf_counter()
    try:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        print(f"built in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        yield target
    finally:
        if args.keep:
            print(f"kept: {target}", file=sys.stderr)
        else:
            shutil.rmtree(root if not args.out else target, ignore_errors=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=None, help="reuse this workspace")
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=None, help="build under this folder")
    parser.add_argument("--keep", action="store_true", help="keep the built workspace")
    parser.add_argument("--questions", nargs="+", choices=QUESTIONS, default=list(QUESTIONS))
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the median counts")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first")
    parser.add_argument(
        "--no-pandas", action="store_true", help=f"skip pandas (always above {PANDAS_MAX_EVENTS:,})"
    )
    parser.add_argument("--no-spark", action="store_true", help="skip Spark")
    parser.add_argument("--spark-master", default="local[2]")
    parser.add_argument("--spark-timeout", type=float, default=900.0, help="seconds, all Spark")
    parser.add_argument("--spark-repeat", type=int, default=None, help="default: --repeat")
    parser.add_argument("--spark-warmup", type=int, default=None, help="default: --warmup")
    parser.add_argument("--spark-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--results", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.spark_repeat is None:
        args.spark_repeat = args.repeat
    if args.spark_warmup is None:
        args.spark_warmup = args.warmup
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.spark_worker:
        return spark_worker(args)
    with workspace_for(args) as root:
        return benchmark(args, root, argv)


def benchmark(args: argparse.Namespace, root: Path, argv: list[str] | None) -> int:
    with tempfile.TemporaryDirectory(prefix="cb-analytics-spill-") as spill:
        return _benchmark(args, root, argv, Path(spill))


def _benchmark(args: argparse.Namespace, root: Path, argv: list[str] | None, spill: Path) -> int:
    ws = Workspace.open(root)
    check_segments(ws)
    lake = Lake.of(ws)
    events = ws.manifest().tables["events"].rows
    users = ws.manifest().tables["users"].rows
    pandas_on = not args.no_pandas and events <= PANDAS_MAX_EVENTS
    load_start = os.getloadavg()[0]
    sources = _sources()

    impls: dict[str, Callable[[str], Run]] = {
        "culturebridge": lambda q: run_culturebridge(ws, q, "duckdb"),
        "hand SQL": lambda q: run_hand_sql(q, lake, spill),
    }
    if pandas_on:
        impls["pandas"] = lambda q: run_pandas(q, lake)
    results: dict[str, dict[str, Measured]] = {
        name: {q: Measured() for q in args.questions} for name in impls
    }
    results.setdefault("pandas", {})
    if not pandas_on:
        why = "--no-pandas" if args.no_pandas else f"10M only ({events:,} events here)"
        results["pandas"] = {q: Measured(note=why) for q in args.questions}

    rounds = args.warmup + args.repeat
    for round_no in range(rounds):
        warm = round_no < args.warmup
        for q in args.questions:
            for name, impl in impls.items():
                start, cpu0 = time.perf_counter(), cpu_seconds()
                run = impl(q)
                wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu0
                label = "warm-up" if warm else f"run {round_no - args.warmup + 1}/{args.repeat}"
                print(f"[{label}] {q:6} {name:13} {wall:7.2f} s  {cpu:7.2f} CPU-s", file=sys.stderr)
                if not warm:
                    results[name][q].add(wall, cpu, run)
                results[name][q].keys = run.keys

    spark_session = ""
    spark_label = f"culturebridge on Spark {args.spark_master}"
    if args.no_spark:
        results["spark"] = {q: Measured(note="--no-spark") for q in args.questions}
    else:
        with tempfile.TemporaryDirectory(prefix="cb-analytics-spark-") as scratch:
            results["spark"], spark_session = run_spark(args, root, Path(scratch))
    load_end = os.getloadavg()[0]

    # agreement, against culturebridge on DuckDB
    agreement: list[str] = []
    mismatch = False
    for q in args.questions:
        reference = results["culturebridge"][q].keys or {}
        for name in ("hand SQL", "pandas", "spark"):
            m = results.get(name, {}).get(q)
            if m is None or m.keys is None:
                continue
            n, bad = compare(reference, m.keys)
            if bad or n == 0:
                mismatch = True
                agreement.append(f"- MISMATCH {q}: culturebridge vs {name}, {len(bad)} of {n}:")
                agreement.extend(f"    {b}" for b in bad[:10])
            else:
                agreement.append(f"- {q}: culturebridge = {name} on {n} figures (rel 1e-9)")
    suppressed = sum(
        math.isnan(v)
        for q in args.questions
        for v in (results["culturebridge"][q].keys or {}).values()
    )

    cmd = "python benchmarks/analytics.py " + " ".join(argv if argv is not None else sys.argv[1:])
    lake_mib = sum(Path(p).stat().st_size for p in lake.events) / 2**20
    lines = [
        f"`{cmd.strip()}` — {date.today()}",
        "",
        f"Workspace {root}: {events:,} events, {users:,} users, "
        f"{len(lake.events)} event files ({lake_mib:,.0f} MiB)."
        f" Machine: {_machine()}. Median of {args.repeat} runs after {args.warmup} warm-up"
        f" (Spark: {args.spark_repeat} after {args.spark_warmup}); load average "
        f"{load_start:.1f} at the start, {load_end:.1f} at the end.",
        "",
        f"culturebridge.analytics sources: {sources}"
        + ("" if sources == _sources() else " (CHANGED during the run: read with care)")
        + ".",
        "",
        *report(results, args.questions, spark_label=spark_label, spark_session=spark_session),
        "",
        "Goals (culturebridge within 1.3× of hand-written SQL, at least 5× faster than pandas):",
        *goals(results, args.questions),
        "",
        "Agreement" + (f" ({suppressed} suppressed cells skipped)" if suppressed else "") + ":",
        *agreement,
    ]
    print("\n".join(lines))
    return 2 if mismatch else 0


if __name__ == "__main__":
    raise SystemExit(main())
