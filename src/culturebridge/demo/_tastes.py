"""Who likes what, and when: the item distribution of every taste group in every week.

An item's chance to be the subject of a journey (an impression and what follows it) is the
product of its power-law popularity, the group's appetite for its kind, the planted effects and
the calendar (releases, e-sports event weeks, the tourism season). The planted effects are:

* segment preferences: a group multiplies the weight of fashion pieces with one attribute value;
* trends: one attribute value's weight grows geometrically over the weeks, another's shrinks;
* an older-skewing documentary: weighted up for ages 45+ and down for under-35s.

Because the model is explicit, the truth can state what an analysis should find (expected
shares and lifts), computed from these same tables rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from culturebridge.demo import _lexicon as lex
from culturebridge.demo._calendar import US_PER_WEEK, Calendar
from culturebridge.demo._catalogue import KIND_CODE, ROLE_OLDER, Catalogue
from culturebridge.demo._sampling import GuideTable
from culturebridge.demo._users import AGE_BANDS, N_GROUPS, N_TIERS, Users
from culturebridge.schema import ITEM_KINDS

FloatArray = npt.NDArray[np.float64]

# Appetite of each age band (rows) for each kind (columns, in schema.ITEM_KINDS order).
KIND_BY_BAND = np.array([
    # film series  doc   game  fashion tourism esports
    [0.8, 1.0, 0.5, 1.8, 1.0, 0.4, 1.8],  # 15-17
    [0.9, 1.0, 0.6, 1.5, 1.3, 0.8, 1.5],  # 18-24
    [1.0, 1.0, 0.8, 1.0, 1.1, 1.2, 0.9],  # 25-34
    [1.1, 1.1, 1.2, 0.6, 0.8, 1.3, 0.5],  # 35-44
    [1.2, 1.2, 1.8, 0.3, 0.6, 1.3, 0.2],  # 45-54
    [1.2, 1.2, 2.2, 0.2, 0.5, 1.2, 0.1],  # 55-65
])
TIER_TOURISM = np.array([1.4, 1.1, 0.9, 0.7])
TIER_FASHION = np.array([1.2, 1.05, 0.95, 0.85])


@dataclass(frozen=True)
class SegmentPreference:
    """A segment (age bands x city tiers) that over-weights fashion with `attribute = value`."""

    bands: tuple[int, ...]
    tiers: tuple[int, ...]
    attribute: str
    value: str
    multiplier: float

    @property
    def age_range(self) -> tuple[int, int]:
        return AGE_BANDS[min(self.bands)][0], AGE_BANDS[max(self.bands)][1]

    def groups(self) -> list[int]:
        return [b * N_TIERS + t - 1 for b in self.bands for t in self.tiers]


@dataclass(frozen=True)
class Trend:
    """A fashion attribute value whose weight moves from `first` to `last` times over the period."""

    attribute: str
    value: str
    first: float
    last: float

    @property
    def direction(self) -> str:
        return "rising" if self.last > self.first else "falling"


SEGMENT_PREFERENCES: tuple[SegmentPreference, ...] = (
    SegmentPreference(bands=(1,), tiers=(1,), attribute="style", value="guochao", multiplier=5.0),
    SegmentPreference(bands=(1,), tiers=(1,), attribute="colour", value="Beige", multiplier=4.0),
    SegmentPreference(bands=(2,), tiers=(2,), attribute="style", value="minimalist",
                      multiplier=3.0),
)
TRENDS: tuple[Trend, ...] = (
    Trend(attribute="style", value="streetwear", first=0.5, last=2.0),
    Trend(attribute="pattern", value="checked", first=2.0, last=0.5),
)
OLDER_BANDS = (4, 5)  # 45-54 and 55-65
OLDER_UP = 6.0
OLDER_DOWN_BANDS = (0, 1, 2)
OLDER_DOWN = 0.25

_VOCAB = {"style": lex.STYLES, "colour": lex.COLOURS, "pattern": lex.PATTERNS}


def attribute_mask(cat: Catalogue, attribute: str, value: str) -> npt.NDArray[np.bool_]:
    """Which items are fashion pieces with `attribute == value`."""
    code = [v[0] for v in _VOCAB[attribute]].index(value)
    column = {"style": cat.style, "colour": cat.colour, "pattern": cat.pattern}[attribute]
    return np.asarray(column == code)


def item_weights(cat: Catalogue, weeks: int) -> FloatArray:
    """Unnormalised weights `(groups, weeks, items)` of every item for every group and week."""
    n = cat.n
    band = np.repeat(np.arange(len(AGE_BANDS)), N_TIERS)
    tier = np.tile(np.arange(N_TIERS), len(AGE_BANDS))
    kind = cat.kind.astype(np.int64)

    by_group = KIND_BY_BAND[band][:, kind]  # (G, n)
    tourism = kind == KIND_CODE["tourism"]
    fashion = kind == KIND_CODE["fashion"]
    by_group[:, tourism] *= TIER_TOURISM[tier][:, None]
    by_group[:, fashion] *= TIER_FASHION[tier][:, None]
    for pref in SEGMENT_PREFERENCES:
        mask = attribute_mask(cat, pref.attribute, pref.value)
        for g in pref.groups():
            by_group[g, mask] *= pref.multiplier
    older = cat.roles[ROLE_OLDER]
    for b in OLDER_BANDS:
        by_group[band == b, older] *= OLDER_UP
    for b in OLDER_DOWN_BANDS:
        by_group[band == b, older] *= OLDER_DOWN

    w = np.arange(weeks, dtype=np.float64)[:, None]
    frac = w / max(weeks - 1, 1)
    by_week = np.ones((weeks, n))
    for trend in TRENDS:
        mask = attribute_mask(cat, trend.attribute, trend.value)
        by_week[:, mask] *= trend.first * (trend.last / trend.first) ** frac
    # releases inside the period: nothing before, a novelty bump that fades after
    rel = cat.release_week
    released = rel >= 0
    age = w - rel[None, :]
    novelty = np.where(age >= 0, 1.0 + 3.0 * 0.7 ** np.maximum(age, 0), 0.0)
    by_week[:, released] *= novelty[:, released]
    # e-sports events draw attention around the week they are played in
    ev = cat.event_week
    has_event = ev >= 0
    d = w - ev[None, :]
    attention = np.select([d < -2, d < 0, d == 0], [0.5, 1.5, 4.0], 0.2 + 0.6 * 0.8 ** d)
    by_week[:, has_event] *= attention[:, has_event]
    # the tourism season builds towards the summer
    by_week[:, tourism] *= (0.7 + 0.7 * frac)

    return np.asarray(
        cat.popularity[None, None, :] * by_group[:, None, :] * by_week[None, :, :],
        dtype=np.float64,
    )


@dataclass
class Tastes:
    """The item sampler (row = group * weeks + week) and the expected group-week journey mass."""

    weeks: int
    sampler: GuideTable
    probs: FloatArray
    """`(groups, weeks, items)`: the normalised item distribution of every group and week."""
    mass: FloatArray
    """`(groups, weeks)`: the expected share of all journeys made by a group in a week."""

    def row(self, group: npt.NDArray[np.integer], week: npt.NDArray[np.integer]
            ) -> npt.NDArray[np.int64]:
        return group.astype(np.int64) * self.weeks + week.astype(np.int64)


def group_week_mass(users: Users, calendar: Calendar, week_shares: FloatArray) -> FloatArray:
    """Expected share of journeys per group and week: activity of those signed up, by volume."""
    weeks = calendar.weeks
    joined = (users.signup_us - calendar.start_us) // US_PER_WEEK
    joined = np.clip(joined, 0, weeks - 1)
    acc = np.zeros((N_GROUPS, weeks))
    np.add.at(acc, (users.group.astype(np.int64), joined), users.activity)
    acc = np.cumsum(acc, axis=1)
    return np.asarray(acc / acc.sum(axis=0, keepdims=True) * week_shares[None, :],
                      dtype=np.float64)


def make_tastes(cat: Catalogue, users: Users, calendar: Calendar, week_shares: FloatArray
                ) -> Tastes:
    w = item_weights(cat, calendar.weeks)
    flat = w.reshape(N_GROUPS * calendar.weeks, cat.n)
    sampler = GuideTable(flat)
    probs = (flat / flat.sum(axis=1, keepdims=True)).reshape(w.shape)
    return Tastes(calendar.weeks, sampler, probs, group_week_mass(users, calendar, week_shares))


# --- what an analysis should find ----------------------------------------------------------------

def expected_share(tastes: Tastes, groups: list[int], subset: npt.NDArray[np.bool_],
                   within: npt.NDArray[np.bool_], weeks: list[int] | None = None) -> float:
    """Expected share of the journeys of `groups` (in `weeks`) on `within` items that hit `subset`."""
    m = tastes.mass[groups][:, weeks] if weeks is not None else tastes.mass[groups]
    p = tastes.probs[groups][:, weeks] if weeks is not None else tastes.probs[groups]
    hit = (m * p[..., subset & within].sum(axis=-1)).sum()
    base = (m * p[..., within].sum(axis=-1)).sum()
    return float(hit / base) if base > 0 else 0.0


def kind_mask(cat: Catalogue, kind: str) -> npt.NDArray[np.bool_]:
    return np.asarray(cat.kind == KIND_CODE[kind])


def expected_item_band_share(tastes: Tastes, item: int, bands: tuple[int, ...]) -> float:
    """Expected share of an item's journeys made by users in `bands`."""
    per_group = (tastes.mass * tastes.probs[:, :, item]).sum(axis=1)
    groups = [b * N_TIERS + t for b in bands for t in range(N_TIERS)]
    return float(per_group[groups].sum() / per_group.sum())


def expected_band_share(tastes: Tastes, bands: tuple[int, ...]) -> float:
    """Expected share of all journeys made by users in `bands`."""
    groups = [b * N_TIERS + t for b in bands for t in range(N_TIERS)]
    return float(tastes.mass[groups].sum() / tastes.mass.sum())


def expected_kind_shares(tastes: Tastes, cat: Catalogue) -> FloatArray:
    """Expected share of journeys on each kind (schema.ITEM_KINDS order)."""
    per_item = (tastes.mass[:, :, None] * tastes.probs).sum(axis=(0, 1))
    return np.array([per_item[cat.kind == i].sum() for i in range(len(ITEM_KINDS))])
