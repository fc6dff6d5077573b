"""The demo period and the rhythm of activity inside it.

Times are stored in UTC (the canonical tables' convention) but people live in China Standard
Time, eight hours ahead: the rhythm (evenings and weekends busiest, the platform growing a little
every week) is drawn in local time and converted. Weeks start on Monday 00:00 UTC, so
`date_trunc('week', ts)` in DuckDB gives exactly the generator's weeks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import numpy.typing as npt

US_PER_HOUR = 3_600_000_000
US_PER_DAY = 24 * US_PER_HOUR
US_PER_WEEK = 7 * US_PER_DAY
LOCAL_OFFSET_HOURS = 8  # China Standard Time, no daylight saving
_EPOCH = date(1970, 1, 1)

# Relative activity by local weekday (Monday first) and by local hour of the day.
DAY_WEIGHTS = np.array([0.90, 0.88, 0.90, 0.93, 1.05, 1.30, 1.25])
HOUR_WEIGHTS = np.array(
    [
        0.35,
        0.20,
        0.12,
        0.08,
        0.06,
        0.08,
        0.20,
        0.45,
        0.60,
        0.60,
        0.65,
        0.75,
        0.95,
        0.80,
        0.70,
        0.70,
        0.75,
        0.85,
        0.95,
        1.15,
        1.35,
        1.45,
        1.20,
        0.70,
    ]
)
WEEKLY_GROWTH = 1.012  # the platform grows about 1% a week


def date_to_us(d: date) -> int:
    """Microseconds since the epoch at 00:00 UTC of `d`."""
    return (d - _EPOCH).days * US_PER_DAY


def us_to_datetime(us: int) -> datetime:
    return datetime(1970, 1, 1) + timedelta(microseconds=int(us))


@dataclass(frozen=True)
class Calendar:
    """The period `[start, start + weeks)` and an hourly density of activity over it."""

    start: date
    weeks: int

    @property
    def start_us(self) -> int:
        return date_to_us(self.start)

    @property
    def end_us(self) -> int:
        """Exclusive end: Monday 00:00 UTC after the last week."""
        return self.start_us + self.weeks * US_PER_WEEK

    @property
    def last_day(self) -> date:
        return self.start + timedelta(days=7 * self.weeks - 1)

    def week_start(self, week: int) -> date:
        return self.start + timedelta(weeks=week)

    def week_start_us(self, week: int) -> int:
        return self.start_us + week * US_PER_WEEK

    def hourly_weights(
        self, week_factors: npt.NDArray[np.float64] | None = None
    ) -> npt.NDArray[np.float64]:
        """Weight of each UTC hour of the period; `week_factors` rescales whole weeks."""
        hours = np.arange(self.weeks * 7 * 24)
        local = hours + LOCAL_OFFSET_HOURS
        weekday = (local // 24) % 7  # the period starts on a Monday
        w = DAY_WEIGHTS[weekday] * HOUR_WEIGHTS[local % 24]
        week = hours // (7 * 24)
        w = w * WEEKLY_GROWTH**week
        if week_factors is not None:
            w = w * week_factors[week]
        return np.asarray(w, dtype=np.float64)

    def density(self, week_factors: npt.NDArray[np.float64] | None = None) -> TimeDensity:
        return TimeDensity(self, self.hourly_weights(week_factors))

    def week_of(self, ts_us: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        w = (ts_us - self.start_us) // US_PER_WEEK
        return np.clip(w, 0, self.weeks - 1)


class TimeDensity:
    """Inverse-CDF sampling of timestamps from piecewise-constant hourly weights."""

    def __init__(self, calendar: Calendar, hourly: npt.NDArray[np.float64]) -> None:
        self.calendar = calendar
        cdf = np.concatenate([[0.0], np.cumsum(hourly)])
        self.cdf = cdf / cdf[-1]
        self.cdf[-1] = 1.0

    def week_shares(self) -> npt.NDArray[np.float64]:
        """Share of all activity that falls in each week."""
        per_week = 7 * 24
        edges = self.cdf[::per_week]
        return np.asarray(np.diff(edges), dtype=np.float64)

    def times(self, u: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        """Timestamps (µs, UTC) at cumulative shares `u` in [0, 1); sorted in, sorted out."""
        h = np.searchsorted(self.cdf, u, side="right") - 1
        h = np.clip(h, 0, len(self.cdf) - 2)
        lo = self.cdf[h]
        frac = (u - lo) / (self.cdf[h + 1] - lo)
        return np.asarray(
            self.calendar.start_us + h * US_PER_HOUR + (frac * US_PER_HOUR).astype(np.int64),
            dtype=np.int64,
        )

    def share_before(self, ts_us: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """The inverse of `times`: the share of activity before each timestamp."""
        rel = (np.asarray(ts_us, dtype=np.int64) - self.calendar.start_us) / US_PER_HOUR
        rel = np.clip(rel, 0.0, len(self.cdf) - 1.0)
        h = np.minimum(rel.astype(np.int64), len(self.cdf) - 2)
        return np.asarray(
            self.cdf[h] + (rel - h) * (self.cdf[h + 1] - self.cdf[h]), dtype=np.float64
        )
