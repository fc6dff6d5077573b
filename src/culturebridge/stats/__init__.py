"""Shared statistics: pure numpy functions on small arrays, no I/O, no engine.

Multiple-testing corrections (Holm, Benjamini–Hochberg), Wilson intervals, normal tails, the
expected calibration error, and
the trend statistics (Mann–Kendall, Theil–Sen, the "emerging" rule, damped-trend forecasts)
that preferences, trends, engagement, fashion, social listening and campaigns all use.
"""

from culturebridge.stats._calibration import calibration_error
from culturebridge.stats._intervals import normal_two_sided, wilson_interval
from culturebridge.stats._multiple import benjamini_hochberg, holm
from culturebridge.stats._trend import (
    Forecast,
    MannKendall,
    SenSlope,
    TrendArrays,
    emerging_many,
    forecast,
    is_emerging,
    mann_kendall,
    mann_kendall_many,
    sen_slope,
)

__all__ = [
    "Forecast",
    "MannKendall",
    "SenSlope",
    "TrendArrays",
    "benjamini_hochberg",
    "calibration_error",
    "emerging_many",
    "forecast",
    "holm",
    "is_emerging",
    "mann_kendall",
    "mann_kendall_many",
    "normal_two_sided",
    "sen_slope",
    "wilson_interval",
]
