"""The planted truth, stated the way an analyst would check it (truth.json).

Expected values come from the same probability tables that drew the data, so a correct analysis
of a large enough universe converges on them. Nothing here names a user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from culturebridge.demo import _lexicon as lex
from culturebridge.demo._calendar import Calendar, us_to_datetime
from culturebridge.demo._campaign import (
    ASSIGN_WINDOW_DAYS,
    BASE_CONVERSION,
    LAUNCH_ID,
    TOURISM_ID,
    TOURISM_NAME,
    UPLIFT,
    Campaigns,
    observed_uplift,
    uplift_segment,
)
from culturebridge.demo._catalogue import ALIASES_KEY, ROLE_OLDER, ROLE_SPIKE, Catalogue
from culturebridge.demo._config import DemoConfig
from culturebridge.demo._events import P_BUY, P_CLICK, P_ENGAGE, P_VIEW
from culturebridge.demo._social import (
    FORM_SHARES,
    FORMS,
    NO_ITEM_FORMS,
    SPIKE_NEGATIVE_IN,
    SPIKE_NEGATIVE_OUT,
    SPIKE_TITLE_SHARE_IN,
    SPIKE_TITLE_SHARE_OUT,
    TRADITIONAL_SHARE,
    SpikeObserved,
)
from culturebridge.demo._tastes import (
    KIND_BY_BAND,
    OLDER_BANDS,
    OLDER_DOWN,
    OLDER_DOWN_BANDS,
    OLDER_UP,
    SEGMENT_PREFERENCES,
    TRENDS,
    Tastes,
    attribute_mask,
    expected_band_share,
    expected_item_band_share,
    expected_share,
    kind_mask,
)
from culturebridge.demo._users import AGE_BANDS, N_GROUPS, Users
from culturebridge.schema import ITEM_KINDS

GENERATOR_VERSION = 3
"""Bumped when the same seed draws different data: 2 names items in varied forms and writes
truth/posts.parquet."""


@dataclass(frozen=True)
class Timeline:
    """When the planted events happen, as week numbers (0 = the first week)."""

    launch_week: int
    launch_weeks: int
    campaign_start_week: int
    campaign_end_week: int
    """Exclusive: the campaign ends at the start of this week."""
    spike_week: int

    @classmethod
    def for_weeks(cls, weeks: int) -> Timeline:
        start = max(2, round(weeks * 0.38))
        return cls(
            launch_week=max(1, round(weeks * 0.3)),
            launch_weeks=4,
            campaign_start_week=start,
            campaign_end_week=min(weeks - 1, start + max(2, round(weeks * 0.3))),
            spike_week=min(weeks - 2, round(weeks * 0.62)),
        )


def _r(x: float) -> float | None:
    """Rounded for reading; None where a tiny universe leaves a quantity undefined (0/0)."""
    return round(float(x), 4) if np.isfinite(x) else None


def _band(bands: tuple[int, ...]) -> dict[str, int]:
    return {"age_min": AGE_BANDS[min(bands)][0], "age_max": AGE_BANDS[max(bands)][1]}


def build_truth(
    config: DemoConfig,
    calendar: Calendar,
    timeline: Timeline,
    cat: Catalogue,
    tastes: Tastes,
    campaigns: Campaigns,
    users: Users,
    spike: SpikeObserved,
    skills: dict[str, Any],
    rows: dict[str, int],
) -> dict[str, Any]:
    fashion = kind_mask(cat, "fashion")
    all_groups = list(range(N_GROUPS))

    prefs = []
    for p, factor in zip(SEGMENT_PREFERENCES, tastes.preference_factors, strict=True):
        inside = p.groups()
        outside = [g for g in all_groups if g not in inside]
        mask = attribute_mask(cat, p.attribute, p.value)
        s_in = expected_share(tastes, inside, mask, fashion)
        s_out = expected_share(tastes, outside, mask, fashion)
        lo, hi = p.age_range
        prefs.append(
            {
                "segment": {"age_min": lo, "age_max": hi, "city_tier": list(p.tiers)},
                "kind": "fashion",
                "dimension": f"attributes.{p.attribute}",
                "value": p.value,
                "planted_lift": p.target_lift,
                "weight_multiplier": _r(factor),
                "expected_share_in_segment": _r(s_in),
                "expected_share_elsewhere": _r(s_out),
                "expected_lift": _r(s_in / s_out if s_out > 0 else float("nan")),
            }
        )

    trends = []
    for t, factor in zip(TRENDS, tastes.trend_factors, strict=True):
        mask = attribute_mask(cat, t.attribute, t.value)
        weekly = [
            expected_share(tastes, all_groups, mask, fashion, [w]) for w in range(calendar.weeks)
        ]
        trends.append(
            {
                "kind": "fashion",
                "dimension": f"attributes.{t.attribute}",
                "value": t.value,
                "direction": t.direction,
                "planted_share_ratio_last_to_first_week": _r(t.target_ratio),
                "weight_multiplier_first_week": _r(t.path(factor, calendar.weeks)[0]),
                "weight_multiplier_last_week": _r(t.path(factor, calendar.weeks)[-1]),
                "expected_share_first_week": _r(weekly[0]),
                "expected_share_last_week": _r(weekly[-1]),
                "expected_share_ratio": _r(weekly[-1] / weekly[0] if weekly[0] else float("nan")),
                "expected_weekly_share": [_r(x) for x in weekly],
            }
        )

    older = cat.roles[ROLE_OLDER]
    spike_item = cat.roles[ROLE_SPIKE]
    spike_start = calendar.week_start(timeline.spike_week)
    view = P_CLICK * P_VIEW
    return {
        "generator": {"name": "culturebridge.demo", "version": GENERATOR_VERSION},
        "seed": config.seed,
        "config": config.model_dump(mode="json"),
        "period": {
            "start": calendar.start.isoformat(),
            "end": calendar.last_day.isoformat(),
            "weeks": calendar.weeks,
            "timezone": "timestamps are UTC; activity follows China Standard Time (UTC+8); "
            "weeks start Monday 00:00 UTC",
        },
        "reference_date": calendar.last_day.isoformat(),
        "age_rule": "age = year(reference_date) - birth_year",
        "conventions": {
            "user_ids": "raw platform ids ('wx_' and seven digits), pseudonymised by the ingest; "
            "this file names no user",
            "provinces": "English names of the 31 mainland provinces as the National Bureau of "
            "Statistics writes them (pinyin, and Inner Mongolia, Tibet)",
            "engagement": "events of any type on an item; each journey starts with an "
            "impression and the funnel's odds do not depend on item attributes, "
            "so shares are the same whichever event types are counted",
            "value": "purchase: amount paid (CNY); play: minutes; rate: stars 1-5",
        },
        "counts": dict(rows),
        "segment_preferences": prefs,
        "trends": trends,
        "older_audience_item": {
            "item_id": cat.item_id[older],
            "title_en": cat.title_en[older],
            "title_zh": cat.title_zh[older],
            "age_band": _band(OLDER_BANDS),
            "weight_multiplier": {
                "ages_45_65": OLDER_UP,
                f"ages_{_band(OLDER_DOWN_BANDS)['age_min']}_"
                f"{_band(OLDER_DOWN_BANDS)['age_max']}": OLDER_DOWN,
            },
            "expected_share_of_item_events_from_band": _r(
                expected_item_band_share(tastes, older, OLDER_BANDS)
            ),
            "expected_share_of_all_events_from_band": _r(expected_band_share(tastes, OLDER_BANDS)),
        },
        "sentiment_spike": {
            "item_id": cat.item_id[spike_item],
            "title_en": cat.title_en[spike_item],
            "title_zh": cat.title_zh[spike_item],
            "mention": f"《{cat.title_zh[spike_item]}》",
            "week_start": spike_start.isoformat(),
            "week_end": calendar.week_start(timeline.spike_week + 1).isoformat(),
            "negative_share_in_week": SPIKE_NEGATIVE_IN,
            "negative_share_outside": SPIKE_NEGATIVE_OUT,
            "share_of_posts_about_title_in_week": SPIKE_TITLE_SHARE_IN,
            "share_of_posts_about_title_outside": SPIKE_TITLE_SHARE_OUT,
            "observed": {
                "posts_in_week": spike.posts_in_week,
                "negative_in_week": spike.negative_in_week,
                "posts_outside": spike.posts_outside,
                "negative_outside": spike.negative_outside,
            },
            "negative_markers": sorted(
                {w for g in lex.NEGATIVE.values() for w in g} | set(lex.EMOJI_NEGATIVE)
            ),
            "positive_markers": sorted(
                {w for g in lex.POSITIVE.values() for w in g} | set(lex.EMOJI_POSITIVE)
            ),
        },
        "campaign": {
            "campaign_id": TOURISM_ID,
            "name": TOURISM_NAME,
            "partner_id": campaigns.tourism_partner,
            "start": us_to_datetime(campaigns.start_us).isoformat(),
            "end": us_to_datetime(campaigns.end_us).isoformat(),
            "arms": ["treatment", "control"],
            "randomised": True,
            "assigned": int(len(campaigns.assigned)),
            "treatment": int(campaigns.treated.sum()),
            "control": int((~campaigns.treated).sum()),
            "assignment_window_days": ASSIGN_WINDOW_DAYS,
            "conversion": "a purchase event on a tourism item with ts >= the user's assignment "
            "ts (to the end of the period)",
            "uplift_segment": uplift_segment(),
            "uplift_in_segment": UPLIFT,
            "uplift_elsewhere": 0.0,
            "baseline_conversion_by_age": {
                f"{lo}-{hi}": float(b)
                for (lo, hi), b in zip(AGE_BANDS, BASE_CONVERSION, strict=True)
            },
            "observed": observed_uplift(campaigns, users),
            "attribution": "treated users' campaign events carry campaign_id; control "
            "conversions do not",
        },
        "launch_campaign": {
            "campaign_id": LAUNCH_ID,
            "item_id": cat.item_id[campaigns.launch_item],
            "title_zh": cat.title_zh[campaigns.launch_item],
            "start": us_to_datetime(campaigns.launch_start_us).isoformat(),
            "end": us_to_datetime(campaigns.launch_end_us).isoformat(),
            "randomised": False,
            "events": "journeys on the launched series through push during the window carry "
            "the campaign id",
        },
        "funnel": {
            kind: {
                "click_given_impression": _r(P_CLICK[k]),
                "view_or_play_given_impression": _r(view[k]),
                "engage_given_impression": _r(view[k] * P_ENGAGE[k]),
                "purchase_given_impression": _r(view[k] * P_ENGAGE[k] * P_BUY[k]),
            }
            for k, kind in enumerate(ITEM_KINDS)
        },
        "player_skills": skills,
        "cold_start": cold_start_truth(cat, tastes, calendar),
    }


COLD_START_DISTINCT = 1.5
COLD_START_LIFT = 1.2
"""A new release has a planted audience when some age band's expected share of its journeys is
at least `COLD_START_DISTINCT` times that band's share of all journeys in the same weeks; the
audience is then every band at `COLD_START_LIFT` or more. The kind appetites (`KIND_BY_BAND`)
make documentaries a 35+ taste and games and e-sports an under-25 one; films and series, liked
about equally by every band (no band above 1.35x), have none."""


def _band_name(lo: int, hi: int) -> str:
    """The band as `culturebridge.recommend` names user segments (`18-24`, `55+`)."""
    return f"{lo}+" if (lo, hi) == AGE_BANDS[-1] else f"{lo}-{hi}"


def cold_start_truth(cat: Catalogue, tastes: Tastes, calendar: Calendar) -> dict[str, Any]:
    """Every release inside the period and the age bands it was planted to appeal to.

    A screen title or game released in week w has no journeys before w (`item_weights`), so a
    model trained on events before w has never seen it: only its content can place it. An
    e-sports event draws attention in the weeks before it is played, so it is listed with
    `interest_before_release`. Band lifts are expected shares of the item's journeys from its
    release (or from the start, for e-sports) to the end, over the same weeks' share of all
    journeys, from the generator's own probability tables.
    """
    n_bands = len(AGE_BANDS)
    n_tiers = N_GROUPS // n_bands
    items = []
    for i in range(cat.n):
        week = int(cat.release_week[i])
        esports = int(cat.event_week[i]) >= 0
        if week < 0 and not esports:
            continue
        weeks = list(range(0 if esports else week, calendar.weeks))
        mass = tastes.mass[:, weeks]
        item_mass = (mass * tastes.probs[:, weeks, i]).sum(axis=1).reshape(n_bands, n_tiers)
        band_item = item_mass.sum(axis=1) / item_mass.sum()
        band_all = mass.sum(axis=1).reshape(n_bands, n_tiers).sum(axis=1) / mass.sum()
        lift = band_item / band_all
        names = [_band_name(lo, hi) for lo, hi in AGE_BANDS]
        distinct = bool(lift.max() >= COLD_START_DISTINCT)
        audience = [b for b in range(n_bands) if distinct and lift[b] >= COLD_START_LIFT]
        items.append(
            {
                "item_id": cat.item_id[i],
                "kind": ITEM_KINDS[int(cat.kind[i])],
                "title_en": cat.title_en[i],
                "release_date": cat.release_date[i].isoformat(),
                "release_week": int(cat.event_week[i]) if esports else week,
                "interest_before_release": esports,
                "appetite_by_band": {
                    n: _r(KIND_BY_BAND[b, int(cat.kind[i])]) for b, n in enumerate(names)
                },
                "expected_lift_by_band": {n: _r(lift[b]) for b, n in enumerate(names)},
                "audience_bands": [names[b] for b in audience],
                "audience_age": _band(tuple(audience)) if audience else None,
            }
        )
    items.sort(key=lambda r: (r["release_date"], r["item_id"]))
    return {
        "rule": "a screen title or game released in week w has no events before the start of "
        "week w; e-sports events draw interest before they are played",
        "audience_rule": f"audience_bands: when some age band's expected share of the item's "
        f"journeys is at least {COLD_START_DISTINCT}x its share of all journeys in the same "
        f"weeks, every band at {COLD_START_LIFT}x or more; otherwise none (no planted audience)",
        "age_bands": [
            {"name": _band_name(lo, hi), "age_min": lo, "age_max": hi} for lo, hi in AGE_BANDS
        ],
        "items": items,
    }


POST_TRUTH_PATH = "truth/posts.parquet"
"""Where the per-post truth is written, relative to the demo's output folder (and, after
`culturebridge demo`, to the workspace root)."""


def post_mentions_truth(posts: pa.Table, cat: Catalogue) -> dict[str, Any]:
    """truth.json's summary of the per-post truth file: where it is, what it holds, counts."""
    forms = posts["form"].value_counts().to_pylist()
    counts = {f["values"]: int(f["counts"]) for f in forms}
    with_item = int(pc.sum(pc.is_valid(posts["item_id"])).as_py() or 0)
    return {
        "path": POST_TRUTH_PATH,
        "columns": {
            "post_id": "the post (posts.post_id)",
            "item_id": "the item the post names, or null when it names none",
            "form": "how the item is named: " + ", ".join(FORMS) + "; for a post naming no "
            "item, generic (chatter) or decoy (a hard negative holding pieces of titles)",
            "traditional": "the post is written in Traditional script",
            "sentiment": "positive, negative or neutral, as drawn",
        },
        "posts": posts.num_rows,
        "with_item": with_item,
        "without_item": posts.num_rows - with_item,
        "forms": {f: counts.get(f, 0) for f in FORMS + NO_ITEM_FORMS},
        "traditional": int(pc.sum(posts["traditional"]).as_py() or 0),
        "planned_form_shares": dict(zip(FORMS, FORM_SHARES, strict=True)),
        "planned_traditional_share": TRADITIONAL_SHARE,
        "fallback": "a form an item cannot take is written as title_zh_marked: alias without "
        "aliases; pinyin except for screen titles and games of 3+ Han characters; title_zh for "
        "titles of 2 characters or fewer; the spike title in its week is always marked and "
        "Simplified",
        "alias_attribute": f"items.attributes['{ALIASES_KEY}'], '|'-separated",
        "items_with_aliases": sum(1 for i in range(cat.n) if cat.aliases(i)),
    }


def json_default(obj: object) -> Any:
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
