"""Who likes what, and when: the item distribution of every taste group in every week.

An item's chance to be the subject of a journey (an impression and what follows it) is the
product of its power-law popularity, the group's appetite for its kind, the planted effects and
the calendar (releases, e-sports event weeks, the tourism season). The planted effects are:

* segment preferences: a group multiplies the weight of fashion pieces with one attribute value,
  by a factor calibrated so that the segment's expected share of that value is `target_lift`
  times everyone else's (whatever the catalogue's draw made the value's base share);
* trends: one attribute value's weight grows geometrically over the weeks, another's shrinks,
  calibrated so that the value's expected share in the last week is `target_ratio` times its
  share in the first;
* an older-skewing documentary: weighted up for ages 45+ and down for under-35s.

Because the model is explicit, the truth can state what an analysis should find (expected
shares and lifts), computed from these same tables rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from culturebridge.demo import _lexicon as lex
from culturebridge.demo._calendar import US_PER_WEEK, Calendar
from culturebridge.demo._catalogue import KIND_CODE, ROLE_OLDER, Catalogue
from culturebridge.demo._sampling import GuideTable
from culturebridge.demo._users import AGE_BANDS, N_GROUPS, N_TIERS, Users

FloatArray = npt.NDArray[np.float64]

# Appetite of each age band (rows) for each kind (columns, in schema.ITEM_KINDS order).
KIND_BY_BAND = np.array(
    [
        # film series  doc   game  fashion tourism esports
        [0.8, 1.0, 0.5, 1.8, 1.0, 0.4, 1.8],  # 15-17
        [0.9, 1.0, 0.6, 1.5, 1.3, 0.8, 1.5],  # 18-24
        [1.0, 1.0, 0.8, 1.0, 1.1, 1.2, 0.9],  # 25-34
        [1.1, 1.1, 1.2, 0.6, 0.8, 1.3, 0.5],  # 35-44
        [1.2, 1.2, 1.8, 0.3, 0.6, 1.3, 0.2],  # 45-54
        [1.2, 1.2, 2.2, 0.2, 0.5, 1.2, 0.1],  # 55-65
    ]
)
TIER_TOURISM = np.array([1.4, 1.1, 0.9, 0.7])
TIER_FASHION = np.array([1.2, 1.05, 0.95, 0.85])


@dataclass(frozen=True)
class SegmentPreference:
    """A segment (age bands x city tiers) that over-weights fashion with `attribute = value`."""

    bands: tuple[int, ...]
    tiers: tuple[int, ...]
    attribute: str
    value: str
    target_lift: float

    @property
    def age_range(self) -> tuple[int, int]:
        return AGE_BANDS[min(self.bands)][0], AGE_BANDS[max(self.bands)][1]

    def groups(self) -> list[int]:
        return [b * N_TIERS + t - 1 for b in self.bands for t in self.tiers]


@dataclass(frozen=True)
class Trend:
    """A fashion attribute value whose share of fashion moves by `target_ratio` over the period.

    Its weight follows `factor ** (t - 1/2)` (rising) or `factor ** (1/2 - t)` (falling), with t
    going from 0 in the first week to 1 in the last.
    """

    attribute: str
    value: str
    direction: Literal["rising", "falling"]
    target_ratio: float
    """Expected share in the last week over the share in the first."""

    def path(self, factor: float, weeks: int) -> FloatArray:
        t = np.arange(weeks, dtype=np.float64) / max(weeks - 1, 1)
        sign = 1.0 if self.direction == "rising" else -1.0
        return np.asarray(factor ** (sign * (t - 0.5)), dtype=np.float64)


SEGMENT_PREFERENCES: tuple[SegmentPreference, ...] = (
    SegmentPreference(bands=(1,), tiers=(1,), attribute="style", value="guochao", target_lift=3.0),
    SegmentPreference(bands=(1,), tiers=(1,), attribute="colour", value="Beige", target_lift=2.5),
    SegmentPreference(
        bands=(2,), tiers=(2,), attribute="style", value="minimalist", target_lift=2.5
    ),
)
MAX_FACTOR = 50.0
ROUNDS = 8
TRENDS: tuple[Trend, ...] = (
    Trend(attribute="style", value="streetwear", direction="rising", target_ratio=3.0),
    Trend(attribute="pattern", value="checked", direction="falling", target_ratio=1 / 3),
)
OLDER_BANDS = (4, 5)  # 45-54 and 55-65
OLDER_UP = 6.0
OLDER_DOWN_BANDS = (0, 1, 2)
OLDER_DOWN = 0.25


def planted_values() -> frozenset[tuple[str, str]]:
    """The fashion (attribute, value) pairs that carry a planted preference or trend."""
    return frozenset(
        [(p.attribute, p.value) for p in SEGMENT_PREFERENCES]
        + [(t.attribute, t.value) for t in TRENDS]
    )


_VOCAB = {"style": lex.STYLES, "colour": lex.COLOURS, "pattern": lex.PATTERNS}


def attribute_mask(cat: Catalogue, attribute: str, value: str) -> npt.NDArray[np.bool_]:
    """Which items are fashion pieces with `attribute == value`."""
    code = [v[0] for v in _VOCAB[attribute]].index(value)
    column = {"style": cat.style, "colour": cat.colour, "pattern": cat.pattern}[attribute]
    return np.asarray(column == code)


def item_weights(
    cat: Catalogue,
    weeks: int,
    preference_factors: list[float] | None = None,
    trend_factors: list[float] | None = None,
) -> FloatArray:
    """Unnormalised weights `(groups, weeks, items)` of every item for every group and week.

    The planted preferences and trends apply with the given factors (not at all when None).
    """
    n = cat.n
    band = np.repeat(np.arange(len(AGE_BANDS)), N_TIERS)
    tier = np.tile(np.arange(N_TIERS), len(AGE_BANDS))
    kind = cat.kind.astype(np.int64)

    by_group = KIND_BY_BAND[band][:, kind]  # (G, n)
    tourism = kind == KIND_CODE["tourism"]
    fashion = kind == KIND_CODE["fashion"]
    by_group[:, tourism] *= TIER_TOURISM[tier][:, None]
    by_group[:, fashion] *= TIER_FASHION[tier][:, None]
    for pref, factor in zip(SEGMENT_PREFERENCES, preference_factors or [], strict=False):
        mask = attribute_mask(cat, pref.attribute, pref.value)
        for g in pref.groups():
            by_group[g, mask] *= factor
    older = cat.roles[ROLE_OLDER]
    for b in OLDER_BANDS:
        by_group[band == b, older] *= OLDER_UP
    for b in OLDER_DOWN_BANDS:
        by_group[band == b, older] *= OLDER_DOWN

    w = np.arange(weeks, dtype=np.float64)[:, None]
    frac = w / max(weeks - 1, 1)
    by_week = np.ones((weeks, n))
    for trend, factor in zip(TRENDS, trend_factors or [], strict=False):
        mask = attribute_mask(cat, trend.attribute, trend.value)
        by_week[:, mask] *= trend.path(factor, weeks)[:, None]
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
    attention = np.select([d < -2, d < 0, d == 0], [0.5, 1.5, 4.0], 0.2 + 0.6 * 0.8**d)
    by_week[:, has_event] *= attention[:, has_event]
    # the tourism season builds towards the summer
    by_week[:, tourism] *= 0.7 + 0.7 * frac

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
    preference_factors: list[float]
    """The calibrated factor of each segment preference."""
    trend_factors: list[float]
    """The calibrated factor of each trend."""

    def row(
        self, group: npt.NDArray[np.integer], week: npt.NDArray[np.integer]
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
    return np.asarray(acc / acc.sum(axis=0, keepdims=True) * week_shares[None, :], dtype=np.float64)


@dataclass
class _Classes:
    """Item weights pooled by class: fashion or not, and which planted values an item carries."""

    sums: FloatArray  # (groups, weeks, classes)
    member: npt.NDArray[np.bool_]  # (classes, planted values)
    fashion: npt.NDArray[np.bool_]  # (classes,)


def _classes(cat: Catalogue, weeks: int) -> _Classes:
    masks = [attribute_mask(cat, p.attribute, p.value) for p in SEGMENT_PREFERENCES]
    masks += [attribute_mask(cat, t.attribute, t.value) for t in TRENDS]
    bits = len(masks)
    code = kind_mask(cat, "fashion").astype(np.int64) << bits
    for k, m in enumerate(masks):
        code += m.astype(np.int64) << k
    base = item_weights(cat, weeks)
    n_classes = 1 << (bits + 1)
    sums = np.zeros(base.shape[:2] + (n_classes,))
    for c in np.unique(code):
        sums[..., c] = base[..., code == c].sum(axis=-1)
    classes = np.arange(n_classes)
    member = ((classes[:, None] >> np.arange(bits)[None, :]) & 1).astype(bool)
    return _Classes(sums, member, (classes >> bits).astype(bool))


def _outcomes(
    cl: _Classes, mass: FloatArray, pref_f: FloatArray, trend_f: FloatArray, weeks: int
) -> tuple[FloatArray, FloatArray]:
    """Expected lift of every preference and share ratio (last/first week) of every trend."""
    n_pref = len(SEGMENT_PREFERENCES)
    by_group = np.ones((N_GROUPS, cl.member.shape[0]))
    inside = np.zeros((n_pref, N_GROUPS), dtype=bool)
    for k, pref in enumerate(SEGMENT_PREFERENCES):
        inside[k, pref.groups()] = True
        by_group[np.ix_(inside[k], cl.member[:, k])] *= pref_f[k]
    by_week = np.ones((weeks, cl.member.shape[0]))
    for t, trend in enumerate(TRENDS):
        by_week[:, cl.member[:, n_pref + t]] *= trend.path(float(trend_f[t]), weeks)[:, None]
    w = cl.sums * by_group[:, None, :] * by_week[None, :, :]
    p = w / w.sum(axis=-1, keepdims=True) * mass[..., None]
    np.nan_to_num(p, copy=False)
    fashion_total = p[..., cl.fashion].sum(axis=-1)
    lifts = np.empty(n_pref)
    for k in range(n_pref):
        hit = p[..., cl.member[:, k] & cl.fashion].sum(axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            share_in = hit[inside[k]].sum() / fashion_total[inside[k]].sum()
            share_out = hit[~inside[k]].sum() / fashion_total[~inside[k]].sum()
            lifts[k] = share_in / share_out
    ratios = np.empty(len(TRENDS))
    for t in range(len(TRENDS)):
        hit = p[..., cl.member[:, n_pref + t] & cl.fashion].sum(axis=(0, -1))
        with np.errstate(divide="ignore", invalid="ignore"):
            share = hit / fashion_total.sum(axis=0)
            ratios[t] = share[-1] / share[0]
    return lifts, ratios


def calibrate(cat: Catalogue, weeks: int, mass: FloatArray) -> tuple[list[float], list[float]]:
    """Factors that give every preference its target lift and every trend its target ratio.

    What a factor achieves depends on the catalogue's draw (how much weight the value's pieces
    carry) and on the other planted effects acting on the same pieces, so each factor is found
    by bisection in turn, over a few rounds. Pooling items into classes keeps each evaluation to
    a few thousand numbers.
    """
    cl = _classes(cat, weeks)
    pref_f = np.ones(len(SEGMENT_PREFERENCES))
    trend_f = np.ones(len(TRENDS))
    targets = [(pref_f, k, p.target_lift, 0) for k, p in enumerate(SEGMENT_PREFERENCES)]
    targets += [(trend_f, t, tr.target_ratio, 1) for t, tr in enumerate(TRENDS)]
    for _ in range(ROUNDS):
        for factors, k, target, which in targets:
            lo, hi = 0.0, float(np.log(MAX_FACTOR))
            for _ in range(25):
                mid = (lo + hi) / 2
                factors[k] = np.exp(mid)
                got = _outcomes(cl, mass, pref_f, trend_f, weeks)[which][k]
                if not np.isfinite(got):  # a segment nobody is in: nothing to calibrate
                    hi = 0.0
                    break
                # a larger factor pushes the outcome away from 1 in the target's direction
                if (got < target) == (target > 1):
                    lo = mid
                else:
                    hi = mid
            factors[k] = np.exp(hi)
    return [float(f) for f in pref_f], [float(f) for f in trend_f]


def make_tastes(
    cat: Catalogue, users: Users, calendar: Calendar, week_shares: FloatArray
) -> Tastes:
    mass = group_week_mass(users, calendar, week_shares)
    pref_f, trend_f = calibrate(cat, calendar.weeks, mass)
    w = item_weights(cat, calendar.weeks, pref_f, trend_f)
    flat = w.reshape(N_GROUPS * calendar.weeks, cat.n)
    sampler = GuideTable(flat)
    probs = (flat / flat.sum(axis=1, keepdims=True)).reshape(w.shape)
    return Tastes(calendar.weeks, sampler, probs, mass, pref_f, trend_f)


# --- what an analysis should find ----------------------------------------------------------------


def expected_share(
    tastes: Tastes,
    groups: list[int],
    subset: npt.NDArray[np.bool_],
    within: npt.NDArray[np.bool_],
    weeks: list[int] | None = None,
) -> float:
    """Expected share of `groups`' journeys (in `weeks`) on `within` items that hit `subset`."""
    m = tastes.mass[groups][:, weeks] if weeks is not None else tastes.mass[groups]
    p = tastes.probs[groups][:, weeks] if weeks is not None else tastes.probs[groups]
    hit = (m * p[..., subset & within].sum(axis=-1)).sum()
    base = (m * p[..., within].sum(axis=-1)).sum()
    return float(hit / base) if base > 0 else float("nan")


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
