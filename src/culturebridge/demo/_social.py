"""Chinese social posts about the catalogue, with one planted week of negative sentiment.

A post is written by a user (or arrives without an author, as scraped posts do), usually about an
item drawn from the author's tastes that week, named by its Chinese title in book-title marks
(《蓝色星球》). It is assembled from phrase pools: an opener, the title, for fashion the style and
pattern words (国潮, 街头, 格纹, ...), a positive, negative or neutral comment, a Weibo-style emoji
code ([赞], [怒]), sometimes a hashtag (#国潮穿搭#) and sometimes a bit of English. Assembly is
vectorised with Arrow string kernels: every piece is a `take` from a small pool.

The planted spike: in one week, posts about one series are much more frequent and mostly negative.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from culturebridge.demo import _lexicon as lex
from culturebridge.demo._calendar import US_PER_WEEK, Calendar
from culturebridge.demo._catalogue import KIND_CODE, ROLE_SPIKE, Catalogue
from culturebridge.demo._columns import FixedWidth, sequential_ids, timestamps
from culturebridge.demo._sampling import GuideTable, sorted_uniforms
from culturebridge.demo._tastes import Tastes
from culturebridge.demo._users import Users
from culturebridge.schema import ITEM_KINDS

POSITIVE, NEGATIVE, NEUTRAL = 0, 1, 2
AUTHOR_SHARE = 0.85  # posts with a known author
ITEM_SHARE = 0.88  # posts that name an item
SPIKE_VOLUME = 1.3  # all posting rises a little in the spike week ...
SPIKE_TITLE_SHARE_IN = 0.30  # ... and this share of it is about the spike title
SPIKE_TITLE_SHARE_OUT = 0.03
SPIKE_NEGATIVE_IN = 0.70
SPIKE_NEGATIVE_OUT = 0.12
_STYLE_SHORT = {"preppy": "学院"}


def n_posts_for(users: int) -> int:
    return int(np.clip(users, 2000, 200_000))


@dataclass
class SpikeObserved:
    posts_in_week: int
    negative_in_week: int
    posts_outside: int
    negative_outside: int


Pool = tuple[pa.Array, npt.NDArray[np.int64], npt.NDArray[np.int64]]


def _pool(groups: dict[str, tuple[str, ...]], keys: tuple[str, ...] = lex.POST_GROUPS) -> Pool:
    """Flatten per-key phrase lists into one array plus each key's offset and size."""
    flat: list[str] = []
    offset, size = [], []
    for g in keys:
        offset.append(len(flat))
        size.append(len(groups[g]))
        flat.extend(groups[g])
    return pa.array(flat), np.array(offset), np.array(size)


def _pick(rng: np.random.Generator, pool: Pool, group: npt.NDArray[np.int64]) -> pa.Array:
    values, offset, size = pool
    idx = offset[group] + (rng.random(len(group)) * size[group]).astype(np.int64)
    return pc.take(values, pa.array(idx))


def _choice(
    rng: np.random.Generator,
    values: tuple[str, ...],
    n: int,
    mask: npt.NDArray[np.bool_] | None = None,
) -> pa.Array:
    idx = rng.integers(0, len(values), size=n)
    return pc.take(pa.array(values), pa.array(idx, mask=None if mask is None else ~mask))


def _item_phrases(cat: Catalogue) -> tuple[pa.Array, pa.Array]:
    """Per item: its mention (《title》) and, for fashion, a phrase naming style and pattern."""
    mention = [f"《{t}》" for t in cat.title_zh]
    aspect: list[str | None] = []
    for i in range(cat.n):
        if cat.kind[i] != KIND_CODE["fashion"]:
            aspect.append(None)
            continue
        en, zh = lex.STYLES[cat.style[i]]
        style = _STYLE_SHORT.get(en, zh)
        pattern = lex.PATTERNS[cat.pattern[i]][1]
        aspect.append(f"，{style}风" + (f"的{pattern}单品" if pattern else "单品"))
    return pa.array(mention), pa.array(aspect, type=pa.string())


def make_posts(
    rng: np.random.Generator,
    n: int,
    users: Users,
    cat: Catalogue,
    tastes: Tastes,
    calendar: Calendar,
    *,
    spike_week: int,
) -> tuple[dict[str, pa.Array], SpikeObserved]:
    factors = np.ones(calendar.weeks)
    factors[spike_week] = SPIKE_VOLUME
    density = calendar.density(factors)
    ts = density.times(sorted_uniforms(rng, n, 0.0, 1.0))
    week = np.minimum((ts - calendar.start_us) // US_PER_WEEK, calendar.weeks - 1)

    sampler = GuideTable(users.activity)
    author = sampler.sample(rng.random(n))
    todo = np.flatnonzero(users.signup_us[author] > ts)
    while todo.size:
        author[todo] = sampler.sample(rng.random(todo.size))
        todo = todo[users.signup_us[author[todo]] > ts[todo]]
    item = tastes.sampler.sample(rng.random(n), tastes.row(users.group[author], week))
    spike = cat.roles[ROLE_SPIKE]
    in_week = week == spike_week
    about_spike = rng.random(n) < np.where(in_week, SPIKE_TITLE_SHARE_IN, SPIKE_TITLE_SHARE_OUT)
    item[about_spike] = spike
    has_item = (rng.random(n) < ITEM_SHARE) | about_spike

    base_negative = rng.uniform(0.06, 0.22, size=cat.n)
    base_negative[spike] = SPIKE_NEGATIVE_OUT
    p_neg = np.where(in_week & (item == spike), SPIKE_NEGATIVE_IN, base_negative[item])
    u = rng.random(n)
    sentiment = np.where(
        u < p_neg, NEGATIVE, np.where(u < p_neg + (1 - p_neg) * 0.7, POSITIVE, NEUTRAL)
    )
    sentiment[~has_item] = np.where(rng.random(int((~has_item).sum())) < 0.6, POSITIVE, NEUTRAL)

    group_of_kind = np.array([lex.POST_GROUPS.index(lex.POST_GROUP_OF_KIND[k]) for k in ITEM_KINDS])
    group = group_of_kind[cat.kind[item]]
    text = _texts(rng, item, group, sentiment, has_item, cat)

    post_id = sequential_ids("p", 0, n)
    fashion = (cat.kind[item] == KIND_CODE["fashion"]) & has_item
    with_image = rng.random(n) < np.where(fashion, 0.6, 0.08)
    image = pc.if_else(
        pa.array(with_image),
        pc.binary_join_element_wise("images/posts/", post_id, ".jpg", ""),
        None,
    )
    likes = np.floor(rng.lognormal(1.2, 1.4, size=n)).astype(np.int64)
    controversy = in_week & (item == spike) & (sentiment == NEGATIVE)
    likes[controversy] *= 3
    shares = np.floor(likes * rng.random(n) * 0.3).astype(np.int64)
    has_author = rng.random(n) < AUTHOR_SHARE
    ids: FixedWidth = users.ids
    user_id = pc.if_else(pa.array(has_author), ids.take(author), None)

    on_spike = (item == spike) & has_item
    neg = sentiment == NEGATIVE
    observed = SpikeObserved(
        posts_in_week=int((on_spike & in_week).sum()),
        negative_in_week=int((on_spike & in_week & neg).sum()),
        posts_outside=int((on_spike & ~in_week).sum()),
        negative_outside=int((on_spike & ~in_week & neg).sum()),
    )
    columns = {
        "post_id": post_id,
        "ts": timestamps(ts),
        "user_id": user_id,
        "text": text,
        "lang": pa.array(np.full(n, "zh", dtype=object), type=pa.string()),
        "image_uri": image,
        "likes": pa.array(likes),
        "shares": pa.array(shares),
    }
    return columns, observed


def _texts(
    rng: np.random.Generator,
    item: npt.NDArray[np.int64],
    group: npt.NDArray[np.int64],
    sentiment: npt.NDArray[np.int64],
    has_item: npt.NDArray[np.bool_],
    cat: Catalogue,
) -> pa.Array:
    n = len(item)
    mention_pool, aspect_pool = _item_phrases(cat)
    mention = pc.take(mention_pool, pa.array(item))
    aspect = pc.take(aspect_pool, pa.array(item))
    opener = _pick(rng, _pool(lex.OPENERS), group)
    neutral_groups = {g: lex.NEUTRAL for g in lex.POST_GROUPS}
    phrase_pos = _pick(rng, _pool(lex.POSITIVE), group)
    phrase_neg = _pick(rng, _pool(lex.NEGATIVE), group)
    phrase_neu = _pick(rng, _pool(neutral_groups), group)
    emoji_pos = _choice(rng, lex.EMOJI_POSITIVE, n)
    emoji_neg = _choice(rng, lex.EMOJI_NEGATIVE, n)
    emoji_neu = _choice(rng, lex.EMOJI_NEUTRAL, n)
    is_pos = pa.array(sentiment == POSITIVE)
    is_neg = pa.array(sentiment == NEGATIVE)
    phrase = pc.if_else(is_neg, phrase_neg, pc.if_else(is_pos, phrase_pos, phrase_neu))
    emoji = pc.if_else(is_neg, emoji_neg, pc.if_else(is_pos, emoji_pos, emoji_neu))
    tag_pool = _pool(lex.HASHTAGS, ITEM_KINDS)
    with_tag = rng.random(n) < 0.5
    kind = cat.kind[item].astype(np.int64)
    hashtag = pc.if_else(pa.array(with_tag), _pick(rng, tag_pool, kind), None)
    spaced_tag = pc.binary_join_element_wise(" ", hashtag, "")
    mixed = rng.random(n) < 0.15
    english = pc.if_else(
        is_neg,
        _choice(rng, lex.ENGLISH_NEGATIVE, n, mixed),
        pc.if_else(is_pos, _choice(rng, lex.ENGLISH_POSITIVE, n, mixed), None),
    )
    replace = pc.JoinOptions(null_handling="replace", null_replacement="")
    # two word orders: "opener《title》, comment [emoji] #tag#" and "#tag#《title》comment! [emoji]"
    first = pc.binary_join_element_wise(
        opener, mention, aspect, "，", phrase, emoji, spaced_tag, english, "", options=replace
    )
    second = pc.binary_join_element_wise(
        hashtag, mention, aspect, "，", phrase, "！", emoji, english, "", options=replace
    )
    about = pc.if_else(pa.array(rng.random(n) < 0.7), first, second)
    generic = pc.binary_join_element_wise(
        _choice(rng, lex.GENERIC_POSTS, n),
        pc.if_else(is_pos, emoji_pos, emoji_neu),
        spaced_tag,
        "",
        options=replace,
    )
    return pc.if_else(pa.array(has_item), about, generic)
