"""The audience: young-skewed, spread over all 31 provinces and four city tiers.

Users are numbered in sign-up order (ids like `wx_0000123`, as a platform hands them out), so
the users available at a moment are a prefix of the table. Each user has an activity weight
(log-normal: a few heavy users, many light ones) and belongs to one of 24 taste groups, an age
band crossed with a city tier, through which the planted preferences act.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from culturebridge.demo import _lexicon as lex
from culturebridge.demo._calendar import US_PER_DAY, Calendar, date_to_us
from culturebridge.demo._columns import FixedWidth, padded_ids
from culturebridge.schema import GENDERS

# Age bands at the reference date; taste groups are band x tier.
AGE_BANDS: tuple[tuple[int, int], ...] = (
    (15, 17),
    (18, 24),
    (25, 34),
    (35, 44),
    (45, 54),
    (55, 65),
)
N_TIERS = 4
N_GROUPS = len(AGE_BANDS) * N_TIERS
MIN_AGE, MAX_AGE = 15, 65
BAND_ACTIVITY = np.array([1.1, 1.4, 1.2, 0.9, 0.75, 0.6])
PLATFORM_ACTIVITY = {"android": 1.0, "ios": 1.0, "mini_program": 0.9, "web": 0.6, "tv": 0.7}
IN_PERIOD_SIGNUPS = 0.12  # share of users who join during the period
EARLIEST_SIGNUP = date(2016, 1, 1)
SIGNUP_MIN_AGE = 13


def age_weights() -> npt.NDArray[np.float64]:
    """Relative frequency of each age 15..65: rising to a peak at 22, then a long decay."""
    ages = np.arange(MIN_AGE, MAX_AGE + 1)
    w = np.where(ages < 22, 0.45 + 0.55 * (ages - 15) / 7, np.exp(-(ages - 22) / 13.0))
    return np.asarray(w / w.sum(), dtype=np.float64)


def band_of_age(age: npt.NDArray[np.integer]) -> npt.NDArray[np.int8]:
    edges = np.array([b[0] for b in AGE_BANDS[1:]])
    return np.searchsorted(edges, age, side="right").astype(np.int8)


@dataclass
class Users:
    """Users in sign-up order, with what the generators need to draw their behaviour."""

    reference_year: int
    birth_year: npt.NDArray[np.int64]
    age: npt.NDArray[np.int64]
    band: npt.NDArray[np.int8]
    tier: npt.NDArray[np.int64]
    gender: npt.NDArray[np.int8]
    province: npt.NDArray[np.int16]
    platform: npt.NDArray[np.int8]
    signup_us: npt.NDArray[np.int64]
    activity: npt.NDArray[np.float64]
    ids: FixedWidth

    @property
    def n(self) -> int:
        return len(self.birth_year)

    @property
    def group(self) -> npt.NDArray[np.int8]:
        return (self.band * N_TIERS + (self.tier - 1)).astype(np.int8)

    def columns(self) -> dict[str, pa.Array]:
        signup_days = (self.signup_us // US_PER_DAY).astype(np.int32)
        return {
            "user_id": self.ids.values,
            "birth_year": pa.array(self.birth_year),
            "gender": pa.array(np.asarray(GENDERS, dtype=object)[self.gender]),
            "province": pa.array(
                np.asarray([p[0] for p in lex.PROVINCES], dtype=object)[self.province]
            ),
            "city_tier": pa.array(self.tier),
            "platform": pa.array(np.asarray(lex.PLATFORMS, dtype=object)[self.platform]),
            "signup_date": pa.array(signup_days, type=pa.int32()).cast(pa.date32()),
        }


def make_users(rng: np.random.Generator, n: int, calendar: Calendar) -> Users:
    """Draw `n` users; ages are at the reference date (the period's last day)."""
    ref_year = calendar.last_day.year
    age = rng.choice(np.arange(MIN_AGE, MAX_AGE + 1), size=n, p=age_weights())
    birth_year = ref_year - age
    gender = rng.choice(len(GENDERS), size=n, p=np.asarray(lex.GENDER_WEIGHTS)).astype(np.int8)
    pweights = np.array([p[2] for p in lex.PROVINCES])
    province = rng.choice(len(lex.PROVINCES), size=n, p=pweights / pweights.sum()).astype(np.int16)
    # every province guarantees at least one user so that the map is complete even when small
    province[: len(lex.PROVINCES)] = np.arange(len(lex.PROVINCES))
    tier_p = np.array([p[3] for p in lex.PROVINCES])
    tier_cdf = np.cumsum(tier_p, axis=1)
    u = rng.random(n)
    tier = 1 + (u[:, None] >= tier_cdf[province][:, :3]).sum(axis=1)
    # and every tier likewise (Beijing users are tier 1, the others take the tier 2-4 split)
    tier[len(lex.PROVINCES) : len(lex.PROVINCES) + 3] = (2, 3, 4)
    province[len(lex.PROVINCES) : len(lex.PROVINCES) + 3] = 5  # Shandong: no tier-1 city
    platform = rng.choice(len(lex.PLATFORMS), size=n, p=np.asarray(lex.PLATFORM_WEIGHTS))
    # older users watch on TV more often
    older = age >= 45
    tv = lex.PLATFORMS.index("tv")
    platform[older & (rng.random(n) < 0.15)] = tv
    platform8 = platform.astype(np.int8)

    start_us, end_us = calendar.start_us, calendar.end_us
    # nobody joins before the platform's early days, nor before they are 13
    jan1 = (birth_year + SIGNUP_MIN_AGE - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    earliest = np.maximum(date_to_us(EARLIEST_SIGNUP), jan1.astype(np.int64) * US_PER_DAY)
    earliest = np.minimum(earliest, start_us - US_PER_DAY)
    before = earliest + ((start_us - earliest) * rng.random(n) ** 0.6).astype(np.int64)
    during = start_us + (rng.random(n) * (end_us - start_us - US_PER_DAY)).astype(np.int64)
    joined_during = rng.random(n) < IN_PERIOD_SIGNUPS
    signup_us = np.where(joined_during, during, before)
    signup_us -= signup_us % US_PER_DAY  # a sign-up counts from the start of its day

    band = band_of_age(age)
    pact = np.array([PLATFORM_ACTIVITY[p] for p in lex.PLATFORMS])
    activity = rng.lognormal(0.0, 1.0, size=n) * BAND_ACTIVITY[band] * pact[platform8]

    order = np.argsort(signup_us, kind="stable")
    digits = max(7, len(str(n - 1)))
    ids = FixedWidth(padded_ids("wx_", np.arange(n), digits))
    return Users(
        reference_year=ref_year,
        birth_year=birth_year[order].astype(np.int64),
        age=age[order].astype(np.int64),
        band=band[order],
        tier=tier[order].astype(np.int64),
        gender=gender[order],
        province=province[order],
        platform=platform8[order],
        signup_us=signup_us[order],
        activity=activity[order],
        ids=ids,
    )
