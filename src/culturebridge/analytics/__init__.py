"""Who the audience is and what it prefers: preferences, trends and engagement, built on the
query session and segments of `culturebridge.query`.

Every analysis here is an Ibis expression over the canonical tables, so it runs on DuckDB or
Spark unchanged, and returns typed results that the CLI prints and the API serialises.
"""

from culturebridge.analytics._audience import (
    AudienceResult,
    AudienceRow,
    FunnelResult,
    FunnelRow,
    ReachResult,
    ReachRow,
    RetentionResult,
    RetentionRow,
    funnel,
    item_audience,
    reach,
    retention,
)
from culturebridge.analytics._prefs import (
    PreferenceRow,
    PreferencesResult,
    PrefsConfig,
    preferences,
    preferences_many,
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
    "AudienceResult",
    "AudienceRow",
    "FunnelResult",
    "FunnelRow",
    "ReachResult",
    "ReachRow",
    "RetentionResult",
    "RetentionRow",
    "funnel",
    "item_audience",
    "reach",
    "retention",
    "ForecastPoint",
    "PreferenceRow",
    "PreferencesResult",
    "PrefsConfig",
    "TrendPoint",
    "TrendRow",
    "TrendsConfig",
    "TrendsResult",
    "preferences",
    "preferences_many",
    "trends",
]
