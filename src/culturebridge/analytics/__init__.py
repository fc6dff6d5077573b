"""Who the audience is: named segments first; preferences, trends and engagement build on them.

Every analysis here is an Ibis expression over the canonical tables, so it runs on DuckDB or
Spark unchanged, and returns typed results that the CLI prints and the API serialises.
"""

from culturebridge.analytics._segments import (
    SEGMENTS_FILE,
    Behaviour,
    Segment,
    SegmentSize,
    builtin_segments,
    check_segments,
    describe_segment,
    load_segments,
    parse_behaviour,
    reference_date,
    segment_from_flags,
    segment_sizes,
    segment_sql,
    segment_users,
    suppress_below,
)

__all__ = [
    "SEGMENTS_FILE",
    "Behaviour",
    "Segment",
    "SegmentSize",
    "builtin_segments",
    "check_segments",
    "describe_segment",
    "load_segments",
    "parse_behaviour",
    "reference_date",
    "segment_from_flags",
    "segment_sizes",
    "segment_sql",
    "segment_users",
    "suppress_below",
]
