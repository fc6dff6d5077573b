"""The event stream, generated chunk by chunk and fully vectorised.

The unit of behaviour is a journey: an item is put in front of a user (impression) and the user
may go on to click, view or play it, engage with it (like, favourite, share, comment, rate; once
or twice) and finally buy it. Each step happens with a probability that depends on the item's
kind, so counts fall along the funnel. Journeys start at times drawn from the calendar's rhythm,
from users weighted by activity (only once they have signed up), on items drawn from the taste
table of the user's group for that week.

Chunk k covers the slice [k*C, (k+1)*C) of all events in time order: its journeys start inside
the matching slice of the time distribution, so files are (almost) sorted by time and chunks can
be generated independently, in parallel, each from its own spawned random stream. A chunk draws
a few percent more journeys than it needs and thins them uniformly at random to the exact count,
which leaves the distribution unchanged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from culturebridge.demo import _lexicon as lex
from culturebridge.demo._calendar import US_PER_HOUR, US_PER_WEEK, Calendar, TimeDensity
from culturebridge.demo._campaign import (
    CAMPAIGN_CODES,
    DISCOUNT_P,
    DISCOUNTS,
    LAUNCH_CODE,
    PUSH,
    Campaigns,
    EventArrays,
)
from culturebridge.demo._catalogue import KIND_CODE, Catalogue
from culturebridge.demo._columns import (
    build_table,
    floats,
    sequential_ids,
    take_strings,
    timestamps,
)
from culturebridge.demo._sampling import GuideTable, categorical_by_row, sorted_uniforms
from culturebridge.demo._tastes import Tastes
from culturebridge.demo._users import Users
from culturebridge.schema import EVENT_TYPES, ITEM_KINDS

_T = {t: i for i, t in enumerate(EVENT_TYPES)}

# Funnel probabilities by kind (schema.ITEM_KINDS order), each conditional on the step before.
#                        film  series doc   game  fashion tourism esports
P_CLICK = np.array([0.30, 0.32, 0.28, 0.25, 0.30, 0.20, 0.25])
P_VIEW = np.array([0.80, 0.85, 0.80, 0.70, 0.70, 0.75, 0.80])
P_ENGAGE = np.array([0.35, 0.35, 0.30, 0.40, 0.40, 0.35, 0.30])
P_SECOND = np.array([0.30, 0.30, 0.25, 0.30, 0.35, 0.30, 0.25])
P_BUY = np.array([0.06, 0.04, 0.03, 0.10, 0.15, 0.06, 0.05])
# Screen titles and games are played (value: minutes); fashion and trips are viewed.
VIEW_TYPE = np.array([_T["play"]] * 4 + [_T["view"]] * 2 + [_T["play"]], dtype=np.int8)
PLAY_MINUTES = np.array([85.0, 42.0, 48.0, 35.0, 1.0, 1.0, 55.0])
ENGAGE_TYPES = np.array(
    [_T[t] for t in ("like", "favourite", "share", "comment", "rate")], dtype=np.int8
)
ENGAGE_P = np.array(
    [
        [0.35, 0.15, 0.10, 0.12, 0.28],  # film
        [0.35, 0.15, 0.10, 0.12, 0.28],  # series
        [0.35, 0.20, 0.12, 0.08, 0.25],  # documentary
        [0.35, 0.15, 0.15, 0.15, 0.20],  # game
        [0.40, 0.35, 0.12, 0.08, 0.05],  # fashion
        [0.30, 0.40, 0.15, 0.10, 0.05],  # tourism
        [0.45, 0.10, 0.15, 0.20, 0.10],  # esports_event
    ]
)
# When each step happens after the impression (seconds), stretched per journey.
STEP_OFFSET_US = np.array([0, 12, 40, 25 * 60, 27 * 60, 35 * 60], dtype=np.float64) * 1e6
# Organic trip purchases are withheld from a campaign's users from shortly before their
# assignment on: their conversions come from the campaign module alone (see _campaign).
SUPPRESS_BEFORE_US = 3 * US_PER_HOUR
DICTIONARY_COLUMNS = ["user_id", "item_id", "type", "channel", "campaign_id"]

_TYPES = pa.array(EVENT_TYPES, type=pa.string())
_CHANNELS = pa.array(lex.CHANNELS, type=pa.string())
_CAMPAIGNS = pa.array(CAMPAIGN_CODES, type=pa.string())


def channel_probs() -> npt.NDArray[np.float64]:
    return np.array([lex.CHANNEL_BY_PLATFORM[p] for p in lex.PLATFORMS])


def expected_events_per_journey() -> npt.NDArray[np.float64]:
    """Mean number of events a journey on an item of each kind produces."""
    view = P_CLICK * P_VIEW
    engage = view * P_ENGAGE
    return np.asarray(1 + P_CLICK + view + engage * (1 + P_SECOND + P_BUY), dtype=np.float64)


@dataclass
class ChunkPlan:
    index: int
    first_row: int
    """Global row number of the chunk's first event (its event ids continue from there)."""
    rows: int
    u_lo: float
    u_hi: float
    """The chunk's journeys start in this slice of the cumulative time distribution."""
    campaign_lo: int
    campaign_hi: int
    """The campaign events (by position in time order) that this chunk carries."""


def plan_chunks(
    total: int, chunk: int, density: TimeDensity, campaign_ts: npt.NDArray[np.int64]
) -> list[ChunkPlan]:
    """Split `total` events into chunks of `chunk` rows, each owning a slice of time.

    A campaign event belongs to the chunk whose time slice holds it; should a chunk be too small
    to carry its campaign events (possible only for a tiny final chunk), the surplus moves to the
    previous chunk so that every chunk still has exactly its row count.
    """
    n_chunks = max(1, math.ceil(total / chunk))
    rows = [min(chunk, total - k * chunk) for k in range(n_chunks)]
    bounds = np.cumsum([0, *rows]) / total
    share = density.share_before(campaign_ts)
    owner = np.clip(np.searchsorted(bounds, share, side="right") - 1, 0, n_chunks - 1)
    counts = np.bincount(owner, minlength=n_chunks)
    for k in range(n_chunks - 1, 0, -1):  # push surplus backwards (campaign events are sorted)
        surplus = max(0, counts[k] - rows[k])
        counts[k] -= surplus
        counts[k - 1] += surplus
    if counts[0] > rows[0]:
        raise ValueError("too many campaign events for the requested number of events")
    edges = np.concatenate([[0], np.cumsum(counts)])
    first = np.concatenate([[0], np.cumsum(rows)])
    return [
        ChunkPlan(
            k,
            int(first[k]),
            rows[k],
            float(bounds[k]),
            float(bounds[k + 1]),
            int(edges[k]),
            int(edges[k + 1]),
        )
        for k in range(n_chunks)
    ]


class EventWorld:
    """Everything a chunk needs, read-only and shared by the worker threads."""

    def __init__(
        self,
        calendar: Calendar,
        density: TimeDensity,
        users: Users,
        cat: Catalogue,
        tastes: Tastes,
        campaigns: Campaigns,
    ) -> None:
        self.calendar = calendar
        self.density = density
        self.users = users
        self.cat = cat
        self.tastes = tastes
        self.campaigns = campaigns
        self.user_sampler = GuideTable(users.activity)
        self.user_group = users.group
        self.kind = cat.kind.astype(np.int64)
        self.channel_probs = channel_probs()
        per_kind = expected_events_per_journey()
        kind_share = np.bincount(self.kind, weights=cat.popularity, minlength=len(ITEM_KINDS))
        self.events_per_journey = float((per_kind * kind_share).sum() / kind_share.sum())
        self.tourism = KIND_CODE["tourism"]

    # -- organic journeys -------------------------------------------------------------------
    def _users_at(
        self, rng: np.random.Generator, ts: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.int64]:
        """Users by activity, redrawn until each has signed up by the journey's time."""
        user = self.user_sampler.sample(rng.random(len(ts)))
        signup = self.users.signup_us
        todo = np.flatnonzero(signup[user] > ts)
        while todo.size:
            user[todo] = self.user_sampler.sample(rng.random(todo.size))
            todo = todo[signup[user[todo]] > ts[todo]]
        return user

    def organic(
        self, rng: np.random.Generator, target: int, u_lo: float, u_hi: float
    ) -> EventArrays:
        """Exactly `target` events from journeys starting in [u_lo, u_hi) of the time density."""
        margin = 0.04 + 6.0 / math.sqrt(max(target, 1))
        while True:
            n = int(target / self.events_per_journey * (1 + margin)) + 8
            ts = self.density.times(sorted_uniforms(rng, n, u_lo, u_hi))
            user = self._users_at(rng, ts)
            week = np.minimum((ts - self.calendar.start_us) // US_PER_WEEK, self.calendar.weeks - 1)
            item = self.tastes.sampler.sample(
                rng.random(n), self.tastes.row(self.user_group[user], week)
            )
            kind = self.kind[item]
            r = rng.random((5, n), dtype=np.float32)
            click = r[0] < P_CLICK[kind]
            view = click & (r[1] < P_VIEW[kind])
            engage = view & (r[2] < P_ENGAGE[kind])
            second = engage & (r[3] < P_SECOND[kind])
            withheld = (kind == self.tourism) & (
                ts + SUPPRESS_BEFORE_US >= self.campaigns.assign_us_by_user[user]
            )
            buy = engage & (r[4] < P_BUY[kind]) & ~withheld
            steps = 1 + click.astype(np.int64) + view + engage + second + buy
            total = int(steps.sum())
            if total >= target:
                break
            margin = 2 * margin + 0.05

        keep = np.ones(n, dtype=bool)
        excess = total - target
        if excess:
            # thin whole journeys at random until less than one journey too many remains ...
            perm = rng.permutation(n)
            cum = np.cumsum(steps[perm])
            m = int(np.searchsorted(cum, excess, side="right"))
            keep[perm[:m]] = False
            rest = excess - (int(cum[m - 1]) if m else 0)
            if rest:
                # ... then drop the last step of a few random journeys that did not end in a sale
                cand = perm[m:]
                cand = np.concatenate([cand[~buy[cand]], cand[buy[cand]]])[:rest]
                steps[cand] -= 1
                keep[cand[steps[cand] == 0]] = False
        ts, user, item, kind = ts[keep], user[keep], item[keep], kind[keep]
        second, buy, steps = second[keep], buy[keep], steps[keep]
        n = len(ts)

        channel = categorical_by_row(rng, self.channel_probs, self.users.platform[user])
        camp = self.campaigns
        launch = (
            (item == camp.launch_item) & (ts >= camp.launch_start_us) & (ts < camp.launch_end_us)
        )
        channel[launch & (rng.random(n) < 0.5)] = PUSH
        campaign = np.where(launch & (channel == PUSH), LAUNCH_CODE, 0).astype(np.int8)

        eng1 = categorical_by_row(rng, ENGAGE_P, kind)
        eng2 = (eng1 + 1 + rng.integers(0, 4, size=n)) % 5
        stage = np.empty((n, 6), dtype=np.int8)
        stage[:, 0] = _T["impression"]
        stage[:, 1] = _T["click"]
        stage[:, 2] = VIEW_TYPE[kind]
        stage[:, 3] = ENGAGE_TYPES[eng1]
        stage[:, 4] = np.where(second, ENGAGE_TYPES[eng2], _T["purchase"])
        stage[:, 5] = _T["purchase"]

        # expand journeys into events
        total = int(steps.sum())
        starts = np.cumsum(steps) - steps
        # journey of each event: a running count of journey starts (cheaper than np.repeat);
        # every kept journey has at least one step, so the starts are distinct
        mark = np.zeros(total, dtype=np.int64)
        mark[starts[1:]] = 1
        j = np.cumsum(mark)
        pos = np.arange(total, dtype=np.int64) - starts[j]
        etype = stage.ravel()[j * 6 + pos]
        stretch = np.minimum(rng.lognormal(0.0, 0.5, size=n), 3.0)
        ev_ts = ts[j] + (STEP_OFFSET_US[pos] * stretch[j]).astype(np.int64)
        np.minimum(ev_ts, self.calendar.end_us - 1, out=ev_ts)
        ev_item = item[j]
        return EventArrays(
            ts=ev_ts,
            user=user[j],
            item=ev_item,
            type=etype,
            value=self._values(rng, etype, ev_item),
            channel=channel[j],
            campaign=campaign[j],
        )

    def _values(
        self, rng: np.random.Generator, etype: npt.NDArray[np.int8], item: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float64]:
        """Amount paid for purchases, minutes for plays, stars for ratings; NaN (null) else."""
        value = np.full(len(etype), np.nan)
        cat = self.cat
        sel = np.flatnonzero(etype == _T["purchase"])
        discount = rng.choice(DISCOUNTS, size=len(sel), p=DISCOUNT_P)
        value[sel] = np.round(cat.price[item[sel]] * discount, 2)
        sel = np.flatnonzero(etype == _T["play"])
        minutes = PLAY_MINUTES[self.kind[item[sel]]] * rng.lognormal(0.0, 0.6, size=len(sel))
        value[sel] = np.round(np.clip(minutes, 1.0, 300.0), 1)
        sel = np.flatnonzero(etype == _T["rate"])
        stars = np.rint(cat.quality[item[sel]] + rng.normal(0.0, 0.9, size=len(sel)))
        value[sel] = np.clip(stars, 1.0, 5.0)
        return value

    # -- a whole chunk ----------------------------------------------------------------------
    def chunk(self, plan: ChunkPlan, seed: np.random.SeedSequence) -> pa.Table:
        rng = np.random.default_rng(seed)
        carried = self.campaigns.events.slice(plan.campaign_lo, plan.campaign_hi)
        target = plan.rows - len(carried)
        parts = [self.organic(rng, target, plan.u_lo, plan.u_hi)] if target > 0 else []
        ev = EventArrays.concat([*parts, carried])
        return build_table(
            "events",
            {
                "event_id": sequential_ids("e", plan.first_row, len(ev)),
                "ts": timestamps(ev.ts),
                "user_id": self.users.ids.take(ev.user),
                "item_id": self.cat.ids.take(ev.item),
                "type": take_strings(_TYPES, ev.type),
                "value": floats(ev.value),
                "channel": take_strings(_CHANNELS, ev.channel),
                "campaign_id": take_strings(_CAMPAIGNS, ev.campaign, ev.campaign == 0),
            },
        )
