"""The query session: the one way into the data for every analysis.

`Analysis.open(ws, partner=…)` opens the engine (DuckDB or Spark, `connect`), fixes the
reference date, the period, the segment catalogue and the partner scope, and releases results
only through `culturebridge.privacy` (`Analysis.release`). Segments (built-in and
`segments.toml`) and their members live here too, since every analysis selects users by them.
"""

from culturebridge.query._engine import connect, engine
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
    members_fingerprint,
    parse_age,
    parse_behaviour,
    parse_tiers,
    reference_date,
    released_sizes,
    segment_from_flags,
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
    midnight,
)

__all__ = [
    "ALL",
    "ITEM_FIELDS",
    "LIST_FIELDS",
    "NAME_PATTERN",
    "OTHER_PARTNERS",
    "PERIOD_UNITS",
    "PLATFORM",
    "SEGMENTS_FILE",
    "Analysis",
    "Behaviour",
    "Period",
    "Scope",
    "Segment",
    "SegmentSize",
    "builtin_segments",
    "check_segments",
    "connect",
    "describe_segment",
    "engine",
    "event_span",
    "load_segments",
    "members_fingerprint",
    "midnight",
    "parse_age",
    "parse_behaviour",
    "parse_tiers",
    "reference_date",
    "released_sizes",
    "segment_from_flags",
    "segment_sizes",
    "segment_sql",
    "segment_users",
]
