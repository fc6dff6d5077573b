"""Who the audience is: named segments first; preferences, trends and engagement build on them.

Every analysis here is an Ibis expression over the canonical tables, so it runs on DuckDB or
Spark unchanged, and returns typed results that the CLI prints and the API serialises.
"""

from culturebridge.analytics._context import ALL, OTHER_PARTNERS, Analysis, Scope
from culturebridge.analytics._prefs import (
    PreferenceRow,
    PreferencesResult,
    PrefsConfig,
    preferences,
)
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
from culturebridge.analytics._trends import (
    ForecastPoint,
    TrendPoint,
    TrendRow,
    TrendsConfig,
    TrendsResult,
    trends,
)

__all__ = [
    "ALL",
    "OTHER_PARTNERS",
    "Analysis",
    "ForecastPoint",
    "PreferenceRow",
    "PreferencesResult",
    "PrefsConfig",
    "Scope",
    "TrendPoint",
    "TrendRow",
    "TrendsConfig",
    "TrendsResult",
    "preferences",
    "trends",
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
