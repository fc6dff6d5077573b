"""An ingest's data-quality report: rejects by reason, the time range before and after, volume
and reject rate against the table's earlier ingests, new categorical values and rows that name
unknown items or users, with a warning for each figure that is out of line.

The report is kept with the ingest in the manifest, so `status`, the API and the dashboard show
it without reading the data again.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from datetime import datetime, timedelta

import duckdb

from culturebridge.ingest._validate import lit, q
from culturebridge.schema import CATEGORICAL, get_table
from culturebridge.workspace import Manifest, Quality

HISTORY = 10
"""Earlier ingests of the table a new one is compared with."""
VOLUME_FACTOR = 3.0
"""Accepted rows this many times above or below the usual are out of line."""
REJECT_RATE_FLOOR = 0.01
"""A reject rate is out of line above this and above `VOLUME_FACTOR` times the usual one..."""
REJECT_RATE_ALONE = 0.10
"""...or above this when the table has no history."""
MAX_VALUES = 500
"""Distinct values per categorical column the manifest keeps (beyond: not categorical)."""
NEW_VALUES_SHOWN = 20
BACKFILL = timedelta(days=30)

_SPLIT = re.compile(r"; (?![^()]*\))")


def reason_kinds(reason: str) -> list[str]:
    """A reject reason without the values it quotes, one entry per rule the row broke:
    "invalid timestamp for ts: 88582; missing required item_id" gives
    ["invalid timestamp for ts", "missing required item_id"]."""
    out = []
    for part in _SPLIT.split(reason):
        depth, cut = 0, len(part)
        for i, ch in enumerate(part):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0 and part.startswith(": ", i):
                cut = i
                break
        kind = part[:cut]
        out.append(kind.split(", not ", 1)[0])
    return out


class RejectTally:
    """Rejects counted by kind of reason, as batches of them come."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._kinds: dict[str, list[str]] = {}

    def add(self, reasons: list[str | None]) -> None:
        for reason, n in Counter(reasons).items():
            if reason is None:
                continue
            kinds = self._kinds.get(reason)
            if kinds is None:
                kinds = reason_kinds(reason)
                if len(self._kinds) < 100_000:
                    self._kinds[reason] = kinds
            for kind in kinds:
                self.counts[kind] += n


def new_rows_profile(
    table: str, files: list[str]
) -> tuple[datetime | None, datetime | None, dict[str, set[str]]]:
    """The time range and the categorical values of an ingest's new rows (staged files)."""
    t = get_table(table)
    cats = [c for c in CATEGORICAL.get(t.name, ()) if c in t.names]
    if not files:
        return None, None, {c: set() for c in cats}
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        rel = f"read_parquet([{', '.join(lit(f) for f in files)}])"
        lo = hi = None
        if t.time_column:
            row = con.execute(
                f"SELECT min({q(t.time_column)}), max({q(t.time_column)}) FROM {rel}"
            ).fetchone()
            lo, hi = row if row else (None, None)
        values: dict[str, set[str]] = {}
        for c in cats:
            rows = con.execute(
                f"SELECT DISTINCT CAST({q(c)} AS VARCHAR) FROM {rel} WHERE {q(c)} IS NOT NULL "
                f"LIMIT {MAX_VALUES + 1}"
            ).fetchall()
            values[c] = {str(r[0]) for r in rows}
    finally:
        con.close()
    return lo, hi, values


def assess(
    manifest: Manifest,
    table: str,
    *,
    read: int,
    accepted: int,
    rejected: int,
    tally: RejectTally,
    rows_range: tuple[datetime | None, datetime | None],
    table_before: tuple[datetime | None, datetime | None],
    values: dict[str, set[str]],
    unknown: dict[str, int],
    unknown_examples: dict[str, list[str]],
    refs_mode: str,
) -> Quality:
    """The report for an ingest about to be committed to `manifest` (which it updates: the
    table's time range and known values)."""
    state = manifest.tables[table]
    earlier = [i for i in manifest.ingests if i.table == table and i.read > 0][-HISTORY:]
    rate = rejected / read if read else 0.0
    quality = Quality(
        rejects_by_reason=dict(tally.counts.most_common()),
        reject_rate=round(rate, 6),
        rows_from=rows_range[0],
        rows_to=rows_range[1],
        table_from_before=table_before[0],
        table_to_before=table_before[1],
        unknown_refs={k: v for k, v in unknown.items() if v},
        unknown_examples={k: v for k, v in unknown_examples.items() if v},
        refs_mode=refs_mode,
    )
    warn = quality.warnings
    if earlier:
        quality.accepted_before = float(statistics.median(i.accepted for i in earlier))
        quality.reject_rate_before = round(
            statistics.median(i.rejected / i.read for i in earlier), 6
        )
        usual = quality.accepted_before
        if len(earlier) >= 3 and usual > 0 and read > 0:
            if accepted > usual * VOLUME_FACTOR or accepted * VOLUME_FACTOR < usual:
                warn.append(
                    f"volume: {accepted:,} rows accepted, against {usual:,.0f} usually "
                    f"(the median of the last {len(earlier)} ingests of {table})"
                )
        if rate > REJECT_RATE_FLOOR and rate > VOLUME_FACTOR * quality.reject_rate_before:
            warn.append(
                f"rejects: {rate:.1%} of rows rejected, against "
                f"{quality.reject_rate_before:.1%} usually"
            )
    elif rate > REJECT_RATE_ALONE:
        warn.append(f"rejects: {rate:.1%} of rows rejected")
    lo, hi = rows_range
    before_lo, before_hi = table_before
    if lo is not None and before_lo is not None and lo < before_lo - BACKFILL:
        warn.append(
            f"time range: rows go back to {lo:%Y-%m-%d}, before anything {table} held "
            f"(from {before_lo:%Y-%m-%d})"
        )
    if hi is not None and before_hi is not None and hi < before_hi - timedelta(days=365):
        warn.append(
            f"time range: the newest row is from {hi:%Y-%m-%d}, over a year before the "
            f"table's newest ({before_hi:%Y-%m-%d}): an old file again?"
        )
    after = [x for x in (lo, before_lo) if x is not None], [x for x in (hi, before_hi) if x]
    quality.table_from_after = min(after[0]) if after[0] else None
    quality.table_to_after = max(after[1]) if after[1] else None
    state.first, state.last = quality.table_from_after, quality.table_to_after
    for col, seen in values.items():
        known = state.values.get(col)  # None: the table's first ingest (no baseline)
        known_set = set(known or [])
        new = sorted(seen - known_set)
        if new and known is not None:
            quality.new_values[col] = new[:NEW_VALUES_SHOWN]
            more = f" and {len(new) - NEW_VALUES_SHOWN} more" if len(new) > NEW_VALUES_SHOWN else ""
            warn.append(f"new values of {col}: {', '.join(new[:5])}{more if len(new) > 5 else ''}")
        merged = known_set | seen
        if len(merged) <= MAX_VALUES:
            state.values[col] = sorted(merged)
        else:
            state.values.pop(col, None)
    for ref, n in quality.unknown_refs.items():
        col, target = ref.split("→")
        verb = "rejected" if refs_mode == "reject" else "accepted and flagged"
        rows = "1 row has" if n == 1 else f"{n:,} rows have"
        warn.append(f"references: {rows} a {col} that {target} does not hold ({verb})")
    return quality
