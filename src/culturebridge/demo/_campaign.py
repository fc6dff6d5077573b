"""The campaigns: a randomised tourism campaign with a planted, segment-only uplift, and a content
launch without randomisation.

Tourism campaign. Users who signed up before it starts are drawn into it and split 50/50 into
`treatment` (push messages about trips) and `control` (a hold-out). Conversion is a purchase of a
tourism item at or after the user's assignment. For assigned users every such purchase comes from
this module (the organic event stream never sells them a trip after their assignment), so the
conversion rate of each arm is exactly the planted Bernoulli rate: a baseline by age band, plus
`UPLIFT` for treated users aged 25-34 and nothing for anyone else. Treated users' campaign events
carry the campaign id, as an attribution system would stamp them; control conversions do not.

Launch campaign. A new series is released with a push campaign; organic journeys on that series
arriving through push during the launch window carry the launch campaign id.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from culturebridge.demo import _lexicon as lex
from culturebridge.demo._calendar import US_PER_DAY, US_PER_HOUR, Calendar
from culturebridge.demo._catalogue import ROLE_LAUNCH, Catalogue
from culturebridge.demo._sampling import GuideTable, categorical_by_row
from culturebridge.demo._users import AGE_BANDS, Users
from culturebridge.schema import EVENT_TYPES

TOURISM_ID = "c_britannia_summer"
TOURISM_NAME = "Summer of Stories: discover Britain (故事之夏：发现英伦)"
LAUNCH_ID = "c_albion_launch"
ASSIGN_SHARE = 0.7  # of the users signed up before the start
ASSIGN_WINDOW_DAYS = 14
MAX_EVENT_SHARE = 0.05  # campaign events never exceed this share of all events
UPLIFT = 0.10
UPLIFT_BANDS = (2,)  # 25-34
BASE_CONVERSION = np.array([0.02, 0.04, 0.05, 0.06, 0.06, 0.05])  # by age band
CAMPAIGN_CODES = ("", TOURISM_ID, LAUNCH_ID)  # event campaign code -> id ("" = none)
TOURISM_CODE, LAUNCH_CODE = 1, 2
DISCOUNTS = np.array([1.0, 0.9, 0.8])
DISCOUNT_P = np.array([0.7, 0.2, 0.1])

_T = {t: i for i, t in enumerate(EVENT_TYPES)}
PUSH = lex.CHANNELS.index("push")


@dataclass
class EventArrays:
    """Events as parallel arrays of codes (the generator's working form)."""

    ts: npt.NDArray[np.int64]
    user: npt.NDArray[np.int64]
    item: npt.NDArray[np.int64]
    type: npt.NDArray[np.int8]
    value: npt.NDArray[np.float64]
    channel: npt.NDArray[np.int8]
    campaign: npt.NDArray[np.int8]

    def __len__(self) -> int:
        return len(self.ts)

    def slice(self, lo: int, hi: int) -> EventArrays:
        return EventArrays(*(getattr(self, f)[lo:hi] for f in _FIELDS))

    def order_by_time(self) -> EventArrays:
        order = np.argsort(self.ts, kind="stable")
        return EventArrays(*(getattr(self, f)[order] for f in _FIELDS))

    @staticmethod
    def concat(parts: list[EventArrays]) -> EventArrays:
        return EventArrays(*(np.concatenate([getattr(p, f) for p in parts]) for f in _FIELDS))


_FIELDS = ("ts", "user", "item", "type", "value", "channel", "campaign")


@dataclass
class Campaigns:
    """Both campaigns, the tourism assignments and the tourism campaign's own events."""

    start_us: int
    end_us: int
    launch_start_us: int
    launch_end_us: int
    launch_item: int
    launch_name: str
    tourism_partner: str
    launch_partner: str
    assigned: npt.NDArray[np.int64]
    treated: npt.NDArray[np.bool_]
    assign_us: npt.NDArray[np.int64]
    converted: npt.NDArray[np.bool_]
    events: EventArrays
    assign_us_by_user: npt.NDArray[np.int64]
    """Assignment time per user (int64 max when not assigned), for the event generator."""

    def campaign_columns(self) -> dict[str, pa.Array]:
        ts = pa.timestamp("us")
        return {
            "campaign_id": pa.array([TOURISM_ID, LAUNCH_ID]),
            "partner_id": pa.array([self.tourism_partner, self.launch_partner]),
            "name": pa.array([TOURISM_NAME, self.launch_name]),
            "start": pa.array([self.start_us, self.launch_start_us], type=pa.int64()).cast(ts),
            "end": pa.array([self.end_us, self.launch_end_us], type=pa.int64()).cast(ts),
        }

    def assignment_columns(self, users: Users) -> dict[str, pa.Array]:
        n = len(self.assigned)
        return {
            "campaign_id": pa.array(np.full(n, TOURISM_ID, dtype=object), type=pa.string()),
            "user_id": users.ids.take(self.assigned),
            "arm": pa.array(
                np.where(self.treated, "treatment", "control").astype(object), type=pa.string()
            ),
            "ts": pa.array(self.assign_us, type=pa.int64()).cast(pa.timestamp("us")),
        }


def _draw_tourism(rng: np.random.Generator, cat: Catalogue, n: int) -> npt.NDArray[np.int64]:
    idx = cat.of_kind("tourism")
    p = cat.popularity[idx]
    return idx[GuideTable(p).sample(rng.random(n))]


def make_campaigns(
    rng: np.random.Generator,
    users: Users,
    cat: Catalogue,
    calendar: Calendar,
    *,
    start_week: int,
    end_week: int,
    launch_week: int,
    launch_weeks: int,
    total_events: int,
    channel_probs: npt.NDArray[np.float64],
) -> Campaigns:
    start_us, end_us = calendar.week_start_us(start_week), calendar.week_start_us(end_week)
    eligible = np.flatnonzero(users.signup_us < start_us)
    # events per assigned user: 1.6 push impressions for the treated half, 4 per conversion
    per_user = 0.5 * 1.6 + 4 * 0.08
    n_assign = int(
        min(round(ASSIGN_SHARE * len(eligible)), MAX_EVENT_SHARE * total_events / per_user)
    )
    assigned = np.sort(rng.choice(eligible, size=n_assign, replace=False)).astype(np.int64)
    treated = np.zeros(n_assign, dtype=bool)
    treated[rng.permutation(n_assign)[: n_assign // 2]] = True
    window = ASSIGN_WINDOW_DAYS * US_PER_DAY
    assign_us = start_us + (rng.random(n_assign) * window).astype(np.int64)
    assign_us -= assign_us % 1_000_000  # whole seconds

    band = users.band[assigned]
    p = BASE_CONVERSION[band] + UPLIFT * (treated & np.isin(band, UPLIFT_BANDS))
    converted = rng.random(n_assign) < p

    parts: list[EventArrays] = []
    # push impressions for the treated: one or more, between assignment and the end
    t_users = np.flatnonzero(treated)
    n_imp = 1 + rng.poisson(0.6, size=len(t_users))
    who = np.repeat(t_users, n_imp)
    ts = assign_us[who] + (rng.random(len(who)) * (end_us - assign_us[who])).astype(np.int64)
    parts.append(
        EventArrays(
            ts=ts,
            user=assigned[who],
            item=_draw_tourism(rng, cat, len(who)),
            type=np.full(len(who), _T["impression"], dtype=np.int8),
            value=np.full(len(who), np.nan),
            channel=np.full(len(who), PUSH, dtype=np.int8),
            campaign=np.full(len(who), TOURISM_CODE, dtype=np.int8),
        )
    )
    # conversions: impression -> click -> view -> purchase on one trip
    c = np.flatnonzero(converted)
    t0 = assign_us[c] + (rng.random(len(c)) * (end_us - assign_us[c] - US_PER_HOUR)).astype(
        np.int64
    )
    item = _draw_tourism(rng, cat, len(c))
    own = categorical_by_row(rng, channel_probs, users.platform[assigned[c]])
    channel = np.where(treated[c], PUSH, own).astype(np.int8)
    code = np.where(treated[c], TOURISM_CODE, 0).astype(np.int8)
    steps = (("impression", 0), ("click", 30), ("view", 90), ("purchase", 900))
    for type_, seconds in steps:
        value = np.full(len(c), np.nan)
        if type_ == "purchase":
            value = np.round(cat.price[item] * rng.choice(DISCOUNTS, size=len(c), p=DISCOUNT_P), 2)
        parts.append(
            EventArrays(
                ts=t0 + seconds * 1_000_000,
                user=assigned[c],
                item=item,
                type=np.full(len(c), _T[type_], dtype=np.int8),
                value=value,
                channel=channel,
                campaign=code,
            )
        )
    events = EventArrays.concat(parts).order_by_time()

    by_user = np.full(users.n, np.iinfo(np.int64).max, dtype=np.int64)
    by_user[assigned] = assign_us
    launch_item = cat.roles[ROLE_LAUNCH]
    return Campaigns(
        start_us=start_us,
        end_us=end_us,
        launch_start_us=calendar.week_start_us(launch_week),
        launch_end_us=calendar.week_start_us(min(launch_week + launch_weeks, calendar.weeks)),
        launch_item=launch_item,
        launch_name=f"Launch: {cat.title_en[launch_item]} (《{cat.title_zh[launch_item]}》上线)",
        tourism_partner=next(p[0] for p in lex.PARTNERS if p[4] == "tourism"),
        launch_partner=cat.partner_id[launch_item],
        assigned=assigned,
        treated=treated,
        assign_us=assign_us,
        converted=converted,
        events=events,
        assign_us_by_user=by_user,
    )


def observed_uplift(camp: Campaigns, users: Users) -> dict[str, dict[str, float | int]]:
    """Conversion by arm inside and outside the uplift segment, as drawn."""
    in_seg = np.isin(users.band[camp.assigned], UPLIFT_BANDS)
    out: dict[str, dict[str, float | int]] = {}
    for name, mask in (("segment", in_seg), ("elsewhere", ~in_seg)):
        t, c = mask & camp.treated, mask & ~camp.treated
        rt = float(camp.converted[t].mean()) if t.any() else 0.0
        rc = float(camp.converted[c].mean()) if c.any() else 0.0
        out[name] = {
            "n_treatment": int(t.sum()),
            "n_control": int(c.sum()),
            "conversion_treatment": round(rt, 4),
            "conversion_control": round(rc, 4),
            "uplift": round(rt - rc, 4),
        }
    return out


def uplift_segment() -> dict[str, int]:
    return {"age_min": AGE_BANDS[min(UPLIFT_BANDS)][0], "age_max": AGE_BANDS[max(UPLIFT_BANDS)][1]}
