"""Per-item sentiment over time, and alerts when an item's posts turn unusually negative.

Every post that names an item (the mention linker) and has a text gets a sentiment label from
the shipped model; an (item, period) cell counts its posts, negative posts, mean score and
distinct authors. An alert is raised for a cell whose negative count is improbably high against
the item's own baseline:

- the baseline is the item's negative share in its *other* periods, shrunk towards the
  platform's share of negative posts with the weight of `prior_posts` posts (an item with
  little history is judged against the platform);
- the test is the binomial upper tail P(X ≥ negative | posts, baseline), Benjamini–Hochberg
  adjusted over every cell tested (those with at least `min_posts` posts);
- an alert needs q < `alpha`, at least `min_negative` negative posts and a share at least
  `min_increase` above the baseline: a significant but tiny drift is not worth a call.

A planted week of negative posts about one title is found this way, while the ordinary
week-to-week noise of hundreds of items (thousands of tests) raises nothing: the FDR control
and the effect-size floor together keep the false alarms out. Cells describing fewer than k
distinct authors are suppressed by the privacy guard before anything is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field
from scipy.stats import binom

from culturebridge.errors import UserError
from culturebridge.privacy import GuardReport
from culturebridge.query import PERIOD_UNITS, Analysis, Period, Scope
from culturebridge.social._corpus import distinct_users, posts_in_scope, user_codes
from culturebridge.stats import benjamini_hochberg

Scorer = Callable[[Sequence[str]], npt.NDArray[np.float64]]
Progress = Callable[[str, int, int], None]


class AlertsConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    alpha: float = Field(default=0.01, gt=0, lt=1)
    """False-discovery rate over every (item, period) cell tested."""
    min_posts: int = Field(default=10, ge=1)
    """Posts a cell needs to be tested."""
    min_negative: int = Field(default=5, ge=1)
    min_increase: float = Field(default=0.2, ge=0, le=1)
    """How far above its baseline a cell's negative share must be."""
    prior_posts: float = Field(default=20.0, ge=0)
    """Weight (in posts) of the platform's negative share in each item's baseline."""
    threshold: float = Field(default=0.5, gt=0, lt=1)
    """A post is negative when its score (probability of positive) is below this."""


class SentimentCell(BaseModel):
    item_id: str
    period_start: date
    posts: int | None
    negative: int | None
    negative_share: float | None
    mean_score: float | None
    authors: int | None
    suppressed: bool = False


class Alert(BaseModel):
    item_id: str
    title_en: str | None
    title_zh: str | None
    period_start: date
    posts: int
    negative: int
    negative_share: float
    baseline_share: float
    """The item's negative share in its other periods (shrunk to the platform's)."""
    q: float
    authors: int
    series: list[SentimentCell]
    """The item's cells over every period, for context."""

    def sentence(self, period: str) -> str:
        title = self.title_zh or self.title_en or self.item_id
        return (
            f"{title} ({self.item_id}): {self.negative} of {self.posts} posts negative in the "
            f"{period} of {self.period_start} ({self.negative_share:.0%} against a usual "
            f"{self.baseline_share:.0%})"
        )


class ItemSentiment(BaseModel):
    """Sentiment per item and period, with the alerts it raises."""

    model_config = ConfigDict(frozen=True)

    scope: Scope
    segment: str | None
    segment_description: str
    period: Period
    periods: list[date]
    posts: int
    """Posts read in scope."""
    linked_posts: int
    """Posts naming at least one item (a post naming two items counts for both)."""
    platform_negative_share: float | None
    cells: list[SentimentCell]
    alerts: list[Alert]
    tested: int
    """Cells with enough posts to be tested."""
    config: AlertsConfig
    privacy: GuardReport


def _default_scorer() -> Scorer:
    from culturebridge.social._sentiment import default_model

    return default_model().predict_proba


def _linked_posts(a: Analysis, segment: str | None, period: Period) -> tuple[pa.Table, int]:
    """(post_id, user_id, text, period_start, item_id), one row per post and item it names,
    and the number of posts in scope. The scope's posts are read once and only they are
    linked (a segment's posts, not the whole platform's)."""
    from culturebridge.social._mentions import mentions_table, workspace_linker

    p = posts_in_scope(a, segment)
    posts = a.run(
        p.select(
            "post_id",
            "ts",
            "user_id",
            "text",
            period_start=p.ts.truncate(PERIOD_UNITS[period]).date(),
        )
    )
    links = mentions_table(
        posts.select(["post_id", "ts", "user_id", "text"]), workspace_linker(a.con)
    )
    pairs = links.select(["post_id", "item_id"])  # one row per post and item
    joined = pairs.join(posts.select(["post_id", "user_id", "text", "period_start"]), "post_id")
    return joined.sort_by([("post_id", "ascending"), ("item_id", "ascending")]), posts.num_rows


def item_sentiment(
    a: Analysis,
    *,
    segment: str | None = None,
    period: Period = "week",
    items: Sequence[str] | None = None,
    config: AlertsConfig | None = None,
    scorer: Scorer | None = None,
    progress: Progress | None = None,
) -> ItemSentiment:
    """Sentiment of the posts naming each item, per period, and the anomalies among them."""
    cfg = config or AlertsConfig()
    report = progress or (lambda stage, done, total: None)
    if segment is not None:
        a.check_segment(segment)
    for item in items or ():
        a.item_partner(item)  # unknown or out-of-scope item: a clear error
    report("linking posts", 0, 1)
    t, n_posts = _linked_posts(a, segment, period)
    report("linking posts", 1, 1)
    catalogue = _titles(a)
    if a.partner is not None:
        own = {i for i, row in catalogue.items() if row["partner_id"] == a.partner}
        t = t.filter(pc.is_in(t["item_id"], pa.array(sorted(own), pa.string())))
    if items:
        t = t.filter(pc.is_in(t["item_id"], pa.array(list(items), pa.string())))

    texts = t["text"].to_pylist()
    distinct = list(dict.fromkeys(x for x in texts if isinstance(x, str) and x.strip()))
    report("scoring sentiment", 0, len(distinct))
    score_fn = scorer or _default_scorer()
    scores = np.asarray(score_fn(distinct), dtype=np.float64) if distinct else np.zeros(0)
    report("scoring sentiment", len(distinct), len(distinct))
    by_text = dict(zip(distinct, scores.tolist(), strict=True))
    score = np.array([by_text.get(x, np.nan) if isinstance(x, str) else np.nan for x in texts])

    cells, alerts, tested, platform, guard_report, periods = _cells_and_alerts(
        a, t, score, catalogue, cfg
    )
    return ItemSentiment(
        scope=a.scope(),
        segment=segment,
        segment_description=a.describe(segment) if segment else "every post",
        period=period,
        periods=periods,
        posts=n_posts,
        linked_posts=int(t.num_rows),
        platform_negative_share=platform,
        cells=cells,
        alerts=alerts,
        tested=tested,
        config=cfg,
        privacy=guard_report,
    )


def _titles(a: Analysis) -> dict[str, dict[str, Any]]:
    items = a.items()
    rows = a.run(items.select("item_id", "partner_id", "title_en", "title_zh")).to_pylist()
    return {r["item_id"]: r for r in rows}


def _cells_and_alerts(
    a: Analysis,
    t: pa.Table,
    score: npt.NDArray[np.float64],
    catalogue: dict[str, dict[str, Any]],
    cfg: AlertsConfig,
) -> tuple[list[SentimentCell], list[Alert], int, float | None, GuardReport, list[date]]:
    scored = ~np.isnan(score)
    item_ids = np.asarray(t["item_id"].to_pylist(), dtype=object)[scored]
    starts = np.asarray(t["period_start"].to_pylist(), dtype=object)[scored]
    users = np.asarray(t["user_id"].to_pylist(), dtype=object)[scored]
    s = score[scored]
    negative = s < cfg.threshold
    periods = sorted(set(starts.tolist()))
    platform = float(negative.mean()) if len(s) else None

    item_codes = {v: i for i, v in enumerate(sorted(set(item_ids.tolist())))}
    period_codes = {v: i for i, v in enumerate(periods)}
    ic = np.array([item_codes[v] for v in item_ids], dtype=np.int64)
    pcodes = np.array([period_codes[v] for v in starts], dtype=np.int64)
    shape = (len(item_codes), len(periods))
    flat = ic * max(len(periods), 1) + pcodes
    size = shape[0] * shape[1]
    n = np.bincount(flat, minlength=size).reshape(shape).astype(np.float64)
    x = np.bincount(flat, weights=negative.astype(np.float64), minlength=size).reshape(shape)
    ssum = np.bincount(flat, weights=s, minlength=size).reshape(shape)
    authors = distinct_users(flat, user_codes(users.tolist()), size).reshape(shape)

    # leave-one-period-out baseline, shrunk towards the platform's share
    p_g = platform if platform is not None else 0.0
    other_n = n.sum(axis=1, keepdims=True) - n
    other_x = x.sum(axis=1, keepdims=True) - x
    baseline = (other_x + cfg.prior_posts * p_g) / np.maximum(other_n + cfg.prior_posts, 1e-12)
    tested = n >= cfg.min_posts
    p = np.full(shape, np.nan)
    p[tested] = binom.sf(x[tested] - 1, n[tested], baseline[tested])
    q = benjamini_hochberg(p.ravel()).reshape(shape)
    share = np.divide(x, n, out=np.zeros(shape), where=n > 0)
    hit = (
        tested & (q < cfg.alpha) & (x >= cfg.min_negative) & (share - baseline >= cfg.min_increase)
    )

    items = list(item_codes)
    rows = []
    for i, item in enumerate(items):
        for j, start in enumerate(periods):
            if n[i, j] == 0:
                continue
            rows.append(
                {
                    "item_id": item,
                    "period_start": start,
                    "posts": int(n[i, j]),
                    "negative": int(x[i, j]),
                    "negative_share": round(float(share[i, j]), 4),
                    "mean_score": round(float(ssum[i, j] / n[i, j]), 4),
                    "authors": int(authors[i, j]),
                    "alert": bool(hit[i, j]),
                    "baseline_share": round(float(baseline[i, j]), 4),
                    "q": float(q[i, j]) if tested[i, j] else None,
                }
            )
    blank = ["posts", "negative", "negative_share", "mean_score", "baseline_share", "q"]
    schema = pa.schema(
        [
            ("item_id", pa.string()),
            ("period_start", pa.date32()),
            ("posts", pa.int64()),
            ("negative", pa.int64()),
            ("negative_share", pa.float64()),
            ("mean_score", pa.float64()),
            ("authors", pa.int64()),
            ("alert", pa.bool_()),
            ("baseline_share", pa.float64()),
            ("q", pa.float64()),
        ]
    )
    guarded = a.release(
        pa.Table.from_pylist(rows, schema=schema),
        users="authors",
        blank=blank,
        what="social item sentiment",
    )
    released = guarded.table.to_pylist()
    cells = [
        SentimentCell(**{k: r[k] for k in SentimentCell.model_fields if k in r}) for r in released
    ]
    by_item: dict[str, list[SentimentCell]] = {}
    for c in cells:
        by_item.setdefault(c.item_id, []).append(c)
    alerts = []
    for r in released:
        if r["suppressed"] or not r["alert"]:
            continue
        info = catalogue.get(r["item_id"], {})
        alerts.append(
            Alert(
                item_id=r["item_id"],
                title_en=info.get("title_en"),
                title_zh=info.get("title_zh"),
                period_start=r["period_start"],
                posts=r["posts"],
                negative=r["negative"],
                negative_share=r["negative_share"],
                baseline_share=r["baseline_share"],
                q=r["q"],
                authors=r["authors"],
                series=by_item[r["item_id"]],
            )
        )
    alerts.sort(key=lambda al: (al.q, al.period_start))
    return cells, alerts, int(tested.sum()), platform, guarded.report, periods


# ---------------------------------------------------------------------------- an alert's words


class AlertTerm(BaseModel):
    term: str
    posts: int | None
    """Posts naming the item in the period that use the term."""
    authors: int | None
    expected: float | None
    """Posts expected to use it, from the item's other periods."""
    ratio: float | None
    suppressed: bool = False
    suppression: str | None = None


class AlertTerms(BaseModel):
    """What the posts naming one item said in one period, against its other periods: the
    drill-down from an alert to its posts' words (never the posts themselves)."""

    item_id: str
    period: Period
    period_start: date
    posts: int | None
    """Posts naming the item in the period."""
    negative_share: float | None
    method: str
    scope: Scope
    terms: list[AlertTerm]
    privacy: GuardReport


def alert_terms(
    a: Analysis,
    *,
    item_id: str,
    period_start: date,
    period: Period = "week",
    top: int = 15,
    scorer: Scorer | None = None,
    min_posts: int = 3,
) -> AlertTerms:
    """The terms over-used in the posts naming `item_id` in the period starting on
    `period_start`, against the item's other periods (posts using a term, over the posts its
    share elsewhere predicts, with half a post of smoothing). Terms used by fewer than k
    distinct authors are suppressed."""
    from culturebridge.social._segment import workspace_segmenter

    if a.noised:
        raise UserError(
            "an alert's terms are not available with differential privacy (they need exact "
            "author counts); run it without --epsilon: k-anonymity still applies"
        )
    a.item_partner(item_id)  # unknown or out-of-scope item: a clear error
    t, _ = _linked_posts(a, None, period)
    t = t.filter(pc.equal(t["item_id"], item_id))
    rows = t.to_pylist()
    here = [r for r in rows if r["period_start"] == period_start]
    other = [r for r in rows if r["period_start"] != period_start]
    if not here:
        raise UserError(f"no post names {item_id!r} in the {period} of {period_start}")
    words = workspace_segmenter(a.con).keywords_of
    term_posts: dict[str, list[int]] = {}
    term_authors: dict[str, set[str]] = {}
    for r in here:
        for term in dict.fromkeys(words(r["text"])):
            term_posts.setdefault(term, [0, 0])[0] += 1
            term_authors.setdefault(term, set()).add(str(r["user_id"]))
    for r in other:
        for term in dict.fromkeys(words(r["text"])):
            if term in term_posts:
                term_posts[term][1] += 1
    n_here, n_other = len(here), max(len(other), 1)
    cand = []
    for term, (now, before) in term_posts.items():
        if now < min_posts:
            continue
        expected = (before + 0.5) / (n_other + 1.0) * n_here
        cand.append((term, now, len(term_authors[term]), expected, now / expected))
    cand.sort(key=lambda x: (-x[4], -x[1], x[0]))
    cand = cand[:top]
    table = pa.table(
        {
            "term": [c[0] for c in cand],
            "posts": pa.array([c[1] for c in cand], pa.int64()),
            "authors": pa.array([c[2] for c in cand], pa.int64()),
            "expected": pa.array([round(c[3], 3) for c in cand], pa.float64()),
            "ratio": pa.array([round(c[4], 3) for c in cand], pa.float64()),
        }
    )
    guarded = a.release(
        table, users="authors", blank=["posts", "expected", "ratio"], what=f"terms of {item_id}"
    )
    texts = [r["text"] for r in here if isinstance(r["text"], str)]
    negative = None
    if texts:
        scores = np.asarray((scorer or _default_scorer())(texts), dtype=np.float64)
        negative = float(np.mean(scores < AlertsConfig().threshold))
    authors = len({str(r["user_id"]) for r in here})
    shown = a.policy.shown(authors)
    return AlertTerms(
        item_id=item_id,
        period=period,
        period_start=period_start,
        posts=n_here if shown is not None else None,
        negative_share=negative if shown is not None else None,
        method=(
            "terms in the posts naming the item in this period, ranked by posts using them over "
            "the posts their share in the item's other periods predicts"
        ),
        scope=a.scope(),
        terms=[AlertTerm.model_validate(r) for r in guarded.to_pylist()],
        privacy=guarded.report,
    )
