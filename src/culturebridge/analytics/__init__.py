"""Who the audience is and what it prefers: preferences, trends and engagement, built on the
query session and segments of `culturebridge.query`.

Every analysis here is an Ibis expression over the canonical tables, so it runs on DuckDB or
Spark unchanged, and returns typed results that the CLI prints and the API serialises.
"""

from typing import TYPE_CHECKING

from culturebridge._lazy import lazy_getattr
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
from culturebridge.analytics._breakdown import (
    BREAKDOWN_DIMENSIONS,
    BreakdownResult,
    BreakdownRow,
    breakdown,
)
from culturebridge.analytics._journeys import (
    PathRow,
    PathsResult,
    Step,
    StepFunnelResult,
    StepRow,
    StickinessResult,
    StickinessRow,
    parse_step,
    paths,
    step_funnel,
    stickiness,
)
from culturebridge.analytics._prefs import (
    BLANKED,
    DEFAULT_WEIGHTS,
    PreferenceRow,
    PreferencesResult,
    PrefsConfig,
    finish,
    preference_sums,
    preferences,
    preferences_many,
    split_sums,
    weight_expr,
)
from culturebridge.analytics._trends import (
    ForecastPoint,
    Growth,
    TrendPoint,
    TrendRow,
    TrendsConfig,
    TrendsResult,
    log_linear_growth,
    trend_sums,
    trends,
)

if TYPE_CHECKING:
    from culturebridge.analytics._engagement import ENGAGE_TYPES, VIEW_TYPES, age_band

_LAZY = {
    "ENGAGE_TYPES": "culturebridge.analytics._engagement",
    "VIEW_TYPES": "culturebridge.analytics._engagement",
    "age_band": "culturebridge.analytics._engagement",
}
"""Loaded on first use: these pull in heavier modules than the rest of the package."""


__getattr__ = lazy_getattr(__name__, _LAZY)


__all__ = [
    "PathRow",
    "PathsResult",
    "Step",
    "StepFunnelResult",
    "StepRow",
    "StickinessResult",
    "StickinessRow",
    "parse_step",
    "paths",
    "step_funnel",
    "stickiness",
    "BREAKDOWN_DIMENSIONS",
    "BreakdownResult",
    "BreakdownRow",
    "breakdown",
    "trend_sums",
    "BLANKED",
    "DEFAULT_WEIGHTS",
    "finish",
    "preference_sums",
    "split_sums",
    "weight_expr",
    "ENGAGE_TYPES",
    "VIEW_TYPES",
    "age_band",
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
    "Growth",
    "log_linear_growth",
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
