"""The query session: the one way into the data for every analysis.

`Analysis.open(ws, partner=…)` opens the engine (DuckDB or Spark, `connect`), fixes the
reference date, the period, the segment catalogue and the partner scope, and releases results
only through `culturebridge.privacy`: `Analysis.release` guards each table while a result is
built, `Analysis.publish` seals the finished result as `Released`, the only thing the CLI, the
API and the reports take. Segments (built-in and
`segments.toml`) and their members live here too, since every analysis selects users by them.
"""

from culturebridge.query._engine import REFERENCE_TABLES, connect, engine, reference_table
from culturebridge.query._segments import (
    NAME_PATTERN,
    SEGMENTS_FILE,
    Behaviour,
    Segment,
    SegmentSize,
    builtin_segments,
    check_segments,
    describe_segment,
    load_segments,
    parse_age,
    parse_behaviour,
    parse_tiers,
    reference_date,
    segment_from_flags,
    segment_label,
    segment_sizes,
    segment_sql,
    segment_users,
)
from culturebridge.query._session import (
    ALL,
    ITEM_FIELDS,
    LIST_FIELDS,
    OTHER_PARTNERS,
    PERIOD_UNITS,
    PLATFORM,
    Analysis,
    Period,
    Scope,
    event_span,
    members_fingerprint,
    midnight,
    next_period,
    period_starts,
    publish,
    released_sizes,
    truncate_period,
)
from culturebridge.query._titles import ItemTitle, item_titles, titled

__all__ = [
    "ALL",
    "ITEM_FIELDS",
    "LIST_FIELDS",
    "NAME_PATTERN",
    "OTHER_PARTNERS",
    "PERIOD_UNITS",
    "PLATFORM",
    "REFERENCE_TABLES",
    "SEGMENTS_FILE",
    "Analysis",
    "Behaviour",
    "ItemTitle",
    "Period",
    "Scope",
    "Segment",
    "SegmentSize",
    "builtin_segments",
    "check_segments",
    "connect",
    "describe_segment",
    "engine",
    "item_titles",
    "event_span",
    "load_segments",
    "members_fingerprint",
    "midnight",
    "next_period",
    "truncate_period",
    "period_starts",
    "publish",
    "parse_age",
    "parse_behaviour",
    "parse_tiers",
    "reference_date",
    "reference_table",
    "released_sizes",
    "segment_from_flags",
    "segment_label",
    "segment_sizes",
    "segment_sql",
    "segment_users",
    "titled",
]
