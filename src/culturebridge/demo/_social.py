"""Chinese social posts about the catalogue, with one planted week of negative sentiment.

A post is written by a user (or arrives without an author, as scraped posts do), usually about an
item drawn from the author's tastes that week. It is assembled from phrase pools: an opener, the
item's name, for fashion the style and pattern words (国潮, 街头, 格纹, ...), a positive, negative
or neutral comment, a Weibo-style emoji code ([赞], [怒]), sometimes a hashtag (#国潮穿搭#) and
sometimes a bit of English. Assembly is vectorised with Arrow string kernels: every piece is a
`take` from a small pool.

The item is named the way people name things (`FORMS`, planned shares `FORM_SHARES`): mostly by
its Chinese title in book-title marks (《蓝色星球》), else the bare Chinese title, the English
title in a mixed-language post, one of its aliases (`attributes["aliases"]`: 泰探) or, rarely,
its pinyin ("lansexingqiu", "lan se xing qiu"). A form an item cannot take falls back to marks:
an alias where it has none; pinyin except for screen titles and games of three or more Han
characters; a bare title of two characters or fewer (a word such as 王朝 is put in marks when it
means the title). About `TRADITIONAL_SHARE` of all posts are written in Traditional script (OpenCC
s2t; Weibo's emoji codes stay as they are), as users in Hong Kong and Taiwan write. Half the posts
that name no item are hard negatives (`lex.DECOY_POSTS`): chatter holding pieces of titles
(花园, 星球, 王冠, 下午茶) without naming one.

The planted spike: in one week, posts about one series are much more frequent and mostly negative.
That week they all name it as 《title》 in Simplified script, so the spike is as easy to find as
truth.json's `mention` says.

`make_posts` also returns the per-post truth (`POST_TRUTH_SCHEMA`): the item each post names (or
null), the form it is named in, whether the post is in Traditional script, and its sentiment.
"""

from __future__ import annotations

import re
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

SENTIMENTS = ("positive", "negative", "neutral")  # by POSITIVE, NEGATIVE, NEUTRAL
FORMS = ("title_zh_marked", "title_zh", "title_en", "alias", "pinyin")
"""How a post names its item: 《中文名》, 中文名, English title, an alias, pinyin."""
MARKED, TITLE_ZH, TITLE_EN, ALIAS, PINYIN = range(len(FORMS))
FORM_SHARES = (0.70, 0.10, 0.08, 0.09, 0.03)
"""Planned shares of the forms among posts naming an item, before fallbacks to marks."""
NO_ITEM_FORMS = ("generic", "decoy")
"""The `form` of a post that names no item: plain chatter, or a hard negative."""
DECOY_SHARE = 0.5  # of the posts that name no item
TRADITIONAL_SHARE = 0.06
PINYIN_KINDS = ("film", "series", "documentary", "game")
POST_TRUTH_SCHEMA = pa.schema(
    [
        ("post_id", pa.string()),
        ("item_id", pa.string()),
        ("form", pa.string()),
        ("traditional", pa.bool_()),
        ("sentiment", pa.string()),
    ]
)
_EMOJI_CODE = re.compile(r"(\[[^\[\]]+\])")


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


def _pinyin(title_zh: str) -> str | None:
    """Toneless pinyin syllables of an all-Han title of three or more characters, else None."""
    if len(title_zh) < 3 or not all("\u4e00" <= ch <= "\u9fff" for ch in title_zh):
        return None
    from pypinyin import Style, lazy_pinyin

    return " ".join(lazy_pinyin(title_zh, style=Style.NORMAL))


SLOTS = 7  # per item: marked, bare, English, alias 1, alias 2, pinyin, spaced pinyin


def _item_phrases(cat: Catalogue) -> tuple[pa.Array, pa.Array, npt.NDArray[np.bool_]]:
    """Per item: its names in every form (`SLOTS` strings per item, item-major), a phrase naming
    style and pattern for fashion, and which forms (rows, `FORMS` order) each item can take."""
    names: list[str] = []
    aspect: list[str | None] = []
    can = np.zeros((len(FORMS), cat.n), dtype=bool)
    pinyin_kinds = {KIND_CODE[k] for k in PINYIN_KINDS}
    for i in range(cat.n):
        zh, en = cat.title_zh[i], cat.title_en[i]
        marked = f"《{zh}》"
        aliases = cat.aliases(i)
        py = _pinyin(zh) if int(cat.kind[i]) in pinyin_kinds else None
        alias_1 = _spaced(aliases[0]) if aliases else marked
        alias_2 = _spaced(aliases[1]) if len(aliases) > 1 else alias_1
        # English and pinyin sit among Chinese with a space before them; a trailing one would
        # stand before the comma that follows
        joined, spaced = (f" {py.replace(' ', '')}", f" {py}") if py else (marked, marked)
        names += [marked, zh, f" {en}", alias_1, alias_2, joined, spaced]
        can[:, i] = (True, len(zh) >= 3, bool(en), bool(aliases), py is not None)
        if cat.kind[i] != KIND_CODE["fashion"]:
            aspect.append(None)
            continue
        en_style, zh_style = lex.STYLES[cat.style[i]]
        style = _STYLE_SHORT.get(en_style, zh_style)
        pattern = lex.PATTERNS[cat.pattern[i]][1]
        aspect.append(f"，{style}风" + (f"的{pattern}单品" if pattern else "单品"))
    return pa.array(names), pa.array(aspect, type=pa.string()), can


def _spaced(name: str) -> str:
    """A Latin alias (GBRJ) gets a space before it, as the English title does."""
    return name if any("\u4e00" <= ch <= "\u9fff" for ch in name) else f" {name}"


def _decoys(cat: Catalogue) -> tuple[str, ...]:
    """The hard negatives that name no item of this catalogue (no title or alias inside)."""
    names = [t for t in cat.title_zh if len(t) >= 2]
    names += [a for i in range(cat.n) for a in cat.aliases(i)]
    latin = [t.casefold() for t in cat.title_en if t]
    kept = tuple(
        d
        for d in lex.DECOY_POSTS
        if not any(n in d for n in names) and not any(t in d.casefold() for t in latin)
    )
    return kept or lex.GENERIC_POSTS


@dataclass
class Naming:
    """How each post names its item (the draws come from their own stream, spawned from the
    posts' one, so the rest of every post is drawn as it was before posts varied their names)."""

    form: npt.NDArray[np.int64]
    """Index into FORMS; -1 for a post that names no item."""
    slot: npt.NDArray[np.int64]
    """Which of the item's `SLOTS` names is written."""
    traditional: npt.NDArray[np.bool_]
    decoy: npt.NDArray[np.bool_]
    decoy_text: npt.NDArray[np.int64]


def _naming(
    rng: np.random.Generator,
    item: npt.NDArray[np.int64],
    has_item: npt.NDArray[np.bool_],
    fixed: npt.NDArray[np.bool_],
    can: npt.NDArray[np.bool_],
    n_decoys: int,
) -> Naming:
    n = len(item)
    form = rng.choice(len(FORMS), size=n, p=np.array(FORM_SHARES) / sum(FORM_SHARES))
    form = np.where(can[form, item], form, MARKED)
    form[fixed] = MARKED
    second = rng.random(n) < 0.5  # the second alias, or pinyin with spaces
    slot = np.choose(form, [np.zeros(n, np.int64), 1, 2, 3 + second, 5 + second])
    traditional = (rng.random(n) < TRADITIONAL_SHARE) & ~fixed
    decoy = ~has_item & (rng.random(n) < DECOY_SHARE)
    decoy_text = rng.integers(0, n_decoys, size=n)
    form[~has_item] = -1
    return Naming(form.astype(np.int64), slot.astype(np.int64), traditional, decoy, decoy_text)


def make_posts(
    rng: np.random.Generator,
    n: int,
    users: Users,
    cat: Catalogue,
    tastes: Tastes,
    calendar: Calendar,
    *,
    spike_week: int,
) -> tuple[dict[str, pa.Array], SpikeObserved, pa.Table]:
    """The posts table's columns, the spike as drawn, and the per-post truth."""
    naming_rng = rng.spawn(1)[0]  # spawning draws nothing from `rng`
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

    names, aspects, can = _item_phrases(cat)
    decoys = _decoys(cat)
    on_spike = (item == spike) & has_item
    naming = _naming(naming_rng, item, has_item, on_spike & in_week, can, len(decoys))
    group_of_kind = np.array([lex.POST_GROUPS.index(lex.POST_GROUP_OF_KIND[k]) for k in ITEM_KINDS])
    group = group_of_kind[cat.kind[item]]
    text = _texts(rng, item, group, sentiment, has_item, cat, names, aspects, naming, decoys)

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
    return columns, observed, _truth(post_id, item, has_item, naming, sentiment, cat)


def _truth(
    post_id: pa.Array,
    item: npt.NDArray[np.int64],
    has_item: npt.NDArray[np.bool_],
    naming: Naming,
    sentiment: npt.NDArray[np.int64],
    cat: Catalogue,
) -> pa.Table:
    item_ids = pc.take(pa.array(cat.item_id), pa.array(item, mask=~has_item))
    forms = pa.array(FORMS + NO_ITEM_FORMS)
    no_item = np.where(naming.decoy, len(FORMS) + 1, len(FORMS))
    form = pc.take(forms, pa.array(np.where(has_item, naming.form, no_item)))
    return pa.table(
        {
            "post_id": post_id,
            "item_id": item_ids,
            "form": form,
            "traditional": pa.array(naming.traditional),
            "sentiment": pc.take(pa.array(SENTIMENTS), pa.array(sentiment)),
        },
        schema=POST_TRUTH_SCHEMA,
    )


def _to_traditional(texts: pa.Array, which: npt.NDArray[np.bool_]) -> pa.Array:
    """The chosen texts in Traditional script (OpenCC s2t), emoji codes ([赞]) left as they are:
    they are the platform's, whatever script the user writes in."""
    if not which.any():
        return texts
    import opencc

    s2t = opencc.OpenCC("s2t").convert
    values = texts.to_pylist()
    for i in np.flatnonzero(which):
        parts = _EMOJI_CODE.split(values[i])
        values[i] = "".join(p if k % 2 else s2t(p) for k, p in enumerate(parts))
    return pa.array(values, pa.string())


def _texts(
    rng: np.random.Generator,
    item: npt.NDArray[np.int64],
    group: npt.NDArray[np.int64],
    sentiment: npt.NDArray[np.int64],
    has_item: npt.NDArray[np.bool_],
    cat: Catalogue,
    names: pa.Array,
    aspects: pa.Array,
    naming: Naming,
    decoys: tuple[str, ...],
) -> pa.Array:
    n = len(item)
    mention = pc.take(names, pa.array(item * SLOTS + naming.slot))
    aspect = pc.take(aspects, pa.array(item))
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
    chatter = _choice(rng, lex.GENERIC_POSTS, n)
    decoy = pc.take(pa.array(decoys), pa.array(naming.decoy_text))
    generic = pc.binary_join_element_wise(
        pc.if_else(pa.array(naming.decoy), decoy, chatter),
        pc.if_else(is_pos, emoji_pos, emoji_neu),
        spaced_tag,
        "",
        options=replace,
    )
    text = pc.utf8_trim_whitespace(pc.if_else(pa.array(has_item), about, generic))
    return _to_traditional(text, naming.traditional)
