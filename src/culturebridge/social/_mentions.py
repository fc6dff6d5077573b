"""Which catalogue items a post names: titles, aliases and the near-variants people write.

`MentionLinker.from_items(items)` indexes every item's names; `link(text)` returns the
`Mention`s in a text, `post_mentions(con)` links a workspace's posts. A name is found as:

* `title_zh`: the Chinese title, with or without book-title marks (《蓝色星球》 or 蓝色星球);
  「」, 『』 and 〈〉 count as marks too.
* `title_en`: the English title, case-insensitive, on word boundaries; spaces, hyphens and
  punctuation between its words may differ or be missing ("blue planet", "BluePlanet"), and a
  leading "The" may be dropped.
* `alias`: another name from the item's `attributes` map, key `aliases`, values separated by
  '|' (`{"aliases": "泰探|Thames D"}`): fan nicknames, abbreviations. Chinese aliases follow the
  rules of Chinese titles, Latin ones those of English titles.
* `pinyin`: the full toneless pinyin of a Chinese title of three or more Han characters
  (pypinyin's reading), with or without spaces between syllables ("lansexingqiu",
  "lan se xing qiu"; ü as v or u).

Traditional script is matched on the OpenCC t2s-normalised text (with NFKC and lowercasing, one
character at a time), and offsets index the text as given: `text[m.start:m.end] == m.surface`;
`m.traditional` says the surface was written in Traditional characters. Inside marks the
surface is the name without the marks (`m.marked` is set).

Precision rules, because titles are often everyday words:

* A Chinese name outside marks must be whole words: it starts and ends on the word boundaries
  of the `Segmenter` (whose dictionary holds every name), so 花园 in 后花园 or a title inside a
  longer word never fires.
* A Chinese name that is itself a word of jieba's dictionary (王朝, 花园, 王冠), or a single
  character, is generic: it links only inside marks (《王朝》), never as a bare word.
* Latin names need four or more letters and whole words ("crown duel", not "crowned").
* Where matches overlap, the longest wins (天穹竞技场 inside an e-sports event's title); a name
  shared by two items at the same rank (two aliases alike) is ambiguous and links nothing;
  titles outrank aliases, which outrank pinyin.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, Field

from culturebridge.privacy import GuardReport
from culturebridge.query import OTHER_PARTNERS, Analysis, Scope, midnight
from culturebridge.social._segment import (
    Segmenter,
    aliases_of,
    has_han,
    item_names,
    lexicon_words,
    split_aliases,
    to_simplified,
)

FORMS: tuple[str, ...] = ("title_zh", "title_en", "alias", "pinyin")
_RANK = {"title_zh": 0, "title_en": 0, "alias": 1, "pinyin": 2}
MARKS = {"《": "》", "「": "」", "『": "』", "〈": "〉"}
MIN_LATIN = 4
"""Fewest letters of a Latin (English, pinyin, abbreviation) name."""
MIN_PINYIN_HAN = 3
"""Chinese titles shorter than this get no pinyin form (wangchao is also a person's name)."""
_LATIN = re.compile(r"[a-z0-9]+")
_JOIN = set(" \t-_:,.'&·/+")
_MAX_GAP = 3

MENTION_SCHEMA = pa.schema(
    [
        ("post_id", pa.string()),
        ("ts", pa.timestamp("us")),
        ("user_id", pa.string()),
        ("item_id", pa.string()),
        ("form", pa.string()),
        ("surface", pa.string()),
        ("marked", pa.bool_()),
        ("traditional", pa.bool_()),
    ]
)


@dataclass(frozen=True)
class Mention:
    """One item named in a text: `surface` is `text[start:end]` as written."""

    item_id: str
    start: int
    end: int
    surface: str
    form: str
    """title_zh | title_en | alias | pinyin"""
    marked: bool = False
    """Inside book-title marks (《》)."""
    traditional: bool = False
    """Written in Traditional characters."""


@dataclass(frozen=True)
class _Name:
    item_id: str
    form: str
    marks_only: bool = False


def _normalise(text: str) -> tuple[str, str, list[int]]:
    """(as written but NFKC and lowercase, that in Simplified script, origin of each char)."""
    if unicodedata.is_normalized("NFKC", text) and len(low := text.lower()) == len(text):
        pre, origin = low, list(range(len(text) + 1))
    else:
        out: list[str] = []
        origin = []
        for i, ch in enumerate(text):
            n = unicodedata.normalize("NFKC", ch).lower()
            out.append(n)
            origin.extend([i] * len(n))
        pre = "".join(out)
        origin.append(len(text))
    convert = to_simplified()
    if convert is None or not has_han(pre):
        return pre, pre, origin
    norm = convert(pre)
    if len(norm) != len(pre):  # a phrase conversion changed the length: one char at a time
        norm = "".join(c if len(c := convert(ch)) == 1 else ch for ch in pre)
    return pre, norm, origin


def name_key(name: str) -> str:
    """How a Chinese name is looked up: NFKC, lowercase, Simplified, outer spaces stripped."""
    return _normalise(name.strip())[1]


def latin_key(name: str) -> str:
    """How a Latin name is looked up: its letters and digits, lowercased, run together."""
    return "".join(_LATIN.findall(_normalise(name)[1]))


def pinyin_keys(title_zh: str) -> list[str]:
    """Toneless pinyin of an all-Han title, run together (ü written v, and u)."""
    from pypinyin import Style, lazy_pinyin

    title = name_key(title_zh)
    if len(title) < MIN_PINYIN_HAN or not all("\u4e00" <= ch <= "\u9fff" for ch in title):
        return []
    key = "".join(lazy_pinyin(title, style=Style.NORMAL))
    return list(dict.fromkeys([key, key.replace("v", "u")]))


def _english_variants(title: str) -> list[str]:
    words = _LATIN.findall(_normalise(title)[1])
    out = ["".join(words)]
    if len(words) >= 3 and words[0] == "the":
        out.append("".join(words[1:]))
    return out


class MentionLinker:
    """Finds catalogue items in texts. Build once (`from_items`) and reuse: the index and the
    segmenter (about a second to load) are kept."""

    def __init__(
        self,
        names_zh: Mapping[str, _Name],
        names_latin: Mapping[str, _Name],
        segmenter: Segmenter,
    ) -> None:
        self._zh = dict(names_zh)
        self._latin = dict(names_latin)
        self.segmenter = segmenter
        self._by_head: dict[str, list[str]] = {}
        for key in sorted(self._zh, key=lambda k: (-len(k), k)):
            self._by_head.setdefault(key[:2], []).append(key)
        self._heads = frozenset(k[0] for k in self._by_head)
        self._latin_prefixes = frozenset(k[:i] for k in self._latin for i in range(1, len(k)))
        self._cache: dict[str, list[Mention]] = {}

    @classmethod
    def from_items(cls, items: pa.Table, *, segmenter: Segmenter | None = None) -> MentionLinker:
        """Index the items' names: columns item_id, title_zh, title_en and either aliases
        ('|'-separated) or attributes (a map with `aliases`); any but item_id may be missing.
        A `segmenter` given gets the names added to its dictionary; without one, a new one is
        built (about a second)."""

        def column(name: str) -> list[Any]:
            if name in items.column_names:
                values: list[Any] = items[name].to_pylist()
                return values
            return [None] * items.num_rows

        ids = column("item_id")
        zh_titles = column("title_zh")
        en_titles = column("title_en")
        if "aliases" in items.column_names:  # '|'-separated, as `item_names` reads them
            aliases = [split_aliases(v) for v in column("aliases")]
        else:
            aliases = [aliases_of(a) for a in column("attributes")]
        if segmenter is None:
            words = [t for t in zh_titles if t] + [a for al in aliases for a in al]
            segmenter = Segmenter([*lexicon_words(), *words])
        else:
            segmenter.add_words([t for t in zh_titles if t] + [a for al in aliases for a in al])

        zh: dict[str, list[tuple[int, _Name]]] = {}
        latin: dict[str, list[tuple[int, _Name]]] = {}

        def add_zh(key: str, item: str, form: str) -> None:
            if not key:
                return
            generic = len(key) < 2 or segmenter.dictionary_frequency(key) > 0
            zh.setdefault(key, []).append((_RANK[form], _Name(item, form, generic)))

        def add_latin(key: str, item: str, form: str) -> None:
            if len(key) >= MIN_LATIN:
                latin.setdefault(key, []).append((_RANK[form], _Name(item, form)))

        for item, t_zh, t_en, names in zip(ids, zh_titles, en_titles, aliases, strict=True):
            if item is None:
                continue
            if t_zh:
                if has_han(t_zh):
                    add_zh(name_key(t_zh), item, "title_zh")
                    for key in pinyin_keys(t_zh):
                        add_latin(key, item, "pinyin")
                else:
                    add_latin(latin_key(t_zh), item, "title_en")
            if t_en:
                for key in _english_variants(t_en):
                    add_latin(key, item, "title_en")
            for alias in names:
                if has_han(alias):
                    add_zh(name_key(alias), item, "alias")
                else:
                    add_latin(latin_key(alias), item, "alias")
        return cls(_decide(zh), _decide(latin), segmenter)

    # --- linking -------------------------------------------------------------------------------

    def link(self, text: str | None) -> list[Mention]:
        """Every item named in `text`, in order of position."""
        if not text:
            return []
        found = self._cache.get(text)
        if found is None:
            found = self._link(text)
            if len(self._cache) < 500_000:
                self._cache[text] = found
        return list(found)

    def link_many(self, texts: Sequence[str | None]) -> list[list[Mention]]:
        """`link` for each text; repeated texts are linked once."""
        return [self.link(t) for t in texts]

    def _link(self, text: str) -> list[Mention]:
        pre, norm, origin = _normalise(text)
        spans = self._zh_spans(norm) + self._latin_spans(norm)
        kept: list[tuple[int, int, _Name, bool]] = []
        taken: set[int] = set()
        for s in sorted(spans, key=lambda s: (s[0] - s[1], not s[3], _RANK[s[2].form], s[0])):
            if taken.isdisjoint(range(s[0], s[1])):
                kept.append(s)
                taken.update(range(s[0], s[1]))
        out = []
        for start, end, name, marked in sorted(kept, key=lambda s: s[0]):
            a, b = origin[start], origin[end - 1] + 1
            out.append(
                Mention(
                    item_id=name.item_id,
                    start=a,
                    end=b,
                    surface=text[a:b],
                    form=name.form,
                    marked=marked,
                    traditional=pre[start:end] != norm[start:end],
                )
            )
        return out

    @staticmethod
    def _marked(norm: str, start: int, end: int) -> bool:
        close = MARKS.get(norm[start - 1]) if start > 0 else None
        return close is not None and end < len(norm) and norm[end] == close

    def _zh_spans(self, norm: str) -> list[tuple[int, int, _Name, bool]]:
        spans: list[tuple[int, int, _Name, bool]] = []
        bounds: tuple[set[int], set[int]] | None = None
        heads, by_head = self._heads, self._by_head
        for i in range(len(norm)):
            if norm[i] not in heads:
                continue
            for key in (*by_head.get(norm[i : i + 2], ()), *by_head.get(norm[i], ())):
                if not norm.startswith(key, i):
                    continue
                end = i + len(key)
                name = self._zh[key]
                if self._marked(norm, i, end):
                    spans.append((i, end, name, True))
                    continue
                if name.marks_only:
                    continue
                if bounds is None:
                    tokens = self.segmenter.tokenize(norm)
                    bounds = ({s for _, s, _ in tokens}, {e for _, _, e in tokens})
                if i in bounds[0] and end in bounds[1]:
                    spans.append((i, end, name, False))
        return spans

    def _latin_spans(self, norm: str) -> list[tuple[int, int, _Name, bool]]:
        words = [(m.start(), m.end(), m.group()) for m in _LATIN.finditer(norm)]
        spans: list[tuple[int, int, _Name, bool]] = []
        for j, (start, _, _) in enumerate(words):
            key = ""
            for k in range(j, len(words)):
                if k > j:
                    gap = norm[words[k - 1][1] : words[k][0]]
                    if len(gap) > _MAX_GAP or not set(gap) <= _JOIN:
                        break
                key += words[k][2]
                name = self._latin.get(key)
                if name is not None:
                    end = words[k][1]
                    spans.append((start, end, name, self._marked(norm, start, end)))
                if key not in self._latin_prefixes:
                    break
        return spans


def _decide(entries: Mapping[str, list[tuple[int, _Name]]]) -> dict[str, _Name]:
    """One name per key: the best-ranked; a key two items share at that rank is dropped."""
    out: dict[str, _Name] = {}
    for key, found in entries.items():
        best = min(rank for rank, _ in found)
        top = {n.item_id: n for rank, n in found if rank == best}
        if len(top) == 1:
            (name,) = top.values()
            if any(n.marks_only for rank, n in found if rank == best):
                name = _Name(name.item_id, name.form, True)
            out[key] = name
    return out


# --------------------------------------------------------------------------- workspace posts


def workspace_linker(con: Any) -> MentionLinker:
    """A linker over the workspace's items table. Building one takes seconds (every title's
    forms, pinyin and segmentation), so the last few are kept, keyed by the names they were
    built from: a report or a dashboard asks for the same items' linker many times."""
    names = item_names(con)
    key = hashlib.sha256(
        json.dumps(names.to_pylist(), sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    with _LINKERS_LOCK:
        linker = _LINKERS.pop(key, None)
    if linker is None:
        linker = MentionLinker.from_items(names)
    with _LINKERS_LOCK:
        _LINKERS[key] = linker
        while len(_LINKERS) > 4:
            _LINKERS.pop(next(iter(_LINKERS)))
    return linker


_LINKERS: dict[str, MentionLinker] = {}
"""The latest linkers, oldest first (see `workspace_linker`)."""
_LINKERS_LOCK = threading.Lock()


def post_mentions(
    con: Any,
    linker: MentionLinker | None = None,
    *,
    period_from: date | None = None,
    period_to: date | None = None,
) -> pa.Table:
    """One row per (post, item it names): post_id, ts, user_id, item_id, form, surface, marked,
    traditional (form, surface and flags of the item's first mention in the post). Posts that
    name nothing are absent; anonymous posts are kept (user_id null). The period is whole UTC
    days, both ends included. Each distinct text is linked once (posts repeat)."""
    if linker is None:
        linker = workspace_linker(con)
    posts = (
        _posts(con, period_from, period_to).select("post_id", "ts", "user_id", "text").to_pyarrow()
    )
    return mentions_table(posts, linker)


def _posts(con: Any, period_from: date | None, period_to: date | None) -> Any:
    p = con.table("posts")
    if period_from is not None:
        p = p.filter(p.ts >= midnight(period_from))
    if period_to is not None:
        p = p.filter(p.ts < midnight(period_to + timedelta(days=1)))
    return p


def _first_per_pair(links: pa.Table) -> pa.Table:
    """The first row of each (post_id, item_id)."""
    seen: set[tuple[str, str]] = set()
    keep = []
    for pair in zip(links["post_id"].to_pylist(), links["item_id"].to_pylist(), strict=True):
        keep.append(pair not in seen)
        seen.add(pair)
    return links.filter(pa.array(keep, pa.bool_()))


def mentions_table(posts: pa.Table, linker: MentionLinker) -> pa.Table:
    """`post_mentions` over an Arrow table of posts (post_id, ts, user_id, text)."""
    texts = posts["text"].to_pylist()
    distinct: dict[str, list[Mention]] = {}
    rows: list[int] = []
    found: list[Mention] = []
    for i, text in enumerate(texts):
        if not text:
            continue
        mentions = distinct.get(text)
        if mentions is None:
            mentions = distinct[text] = _first_per_item(linker.link(text))
        for m in mentions:
            rows.append(i)
            found.append(m)
    idx = pa.array(rows, pa.int64())
    ts = posts["ts"].take(idx)
    if ts.type != MENTION_SCHEMA.field("ts").type:
        ts = ts.cast(MENTION_SCHEMA.field("ts").type)
    table = pa.table(
        {
            "post_id": posts["post_id"].take(idx).cast(pa.string()),
            "ts": ts,
            "user_id": posts["user_id"].take(idx).cast(pa.string()),
            "item_id": pa.array([m.item_id for m in found], pa.string()),
            "form": pa.array([m.form for m in found], pa.string()),
            "surface": pa.array([m.surface for m in found], pa.string()),
            "marked": pa.array([m.marked for m in found], pa.bool_()),
            "traditional": pa.array([m.traditional for m in found], pa.bool_()),
        },
        schema=MENTION_SCHEMA,
    )
    return table.sort_by([("ts", "ascending"), ("post_id", "ascending"), ("item_id", "ascending")])


def _first_per_item(mentions: Iterable[Mention]) -> list[Mention]:
    seen: dict[str, Mention] = {}
    for m in mentions:
        seen.setdefault(m.item_id, m)
    return list(seen.values())


# --------------------------------------------------------------------------- per-item summary


class ItemMentions(BaseModel):
    """Posts naming one item, and how they name it (shares of those posts, by form)."""

    item_id: str
    title_zh: str | None = None
    title_en: str | None = None
    posts: int | None
    """Posts naming the item (anonymous ones included)."""
    authors: int | None
    """Distinct known authors of those posts: the cell's user count for the privacy guard."""
    share_title_zh: float | None = None
    share_title_en: float | None = None
    share_alias: float | None = None
    share_pinyin: float | None = None
    share_marked: float | None = None
    """In book-title marks (《》), whatever the form."""
    share_traditional: float | None = None
    """Written in Traditional script."""
    suppressed: bool = False
    suppression: str | None = None


class MentionsResult(BaseModel):
    """`item_mentions`: every item named in the period's posts, most-named first."""

    analysis: str = "social mentions"
    scope: Scope
    item: str | None = None
    posts: int
    """Posts read in the period (anonymous ones included)."""
    linked_posts: int
    """Posts naming at least one item in scope."""
    rows: list[ItemMentions]
    privacy: GuardReport
    withheld_links: int = 0
    """Links left out of the per-post links: suppressed items' (and other partners')."""
    sql: list[str] = Field(default_factory=list)


SHARE_COLUMNS = tuple(f"share_{f}" for f in FORMS) + ("share_marked", "share_traditional")
LINK_COLUMNS = ("post_id", "ts", "item_id", "form", "surface", "marked", "traditional")
"""What the per-post file holds: no user id leaves."""


def item_mentions(
    a: Analysis,
    *,
    item: str | None = None,
    linker: MentionLinker | None = None,
) -> tuple[MentionsResult, pa.Table]:
    """Posts naming each item in the analysis period, and the per-post links (`LINK_COLUMNS`)
    of the items whose counts are published.

    Each item is one cell of the privacy guard, its user count the distinct known authors: a
    cell below k has its counts and shares blanked and its links withheld, and since the total
    of linked posts is published, a second cell is suppressed with it (complementary). Run as a
    partner, the other partners' items are folded into one row, `OTHER_PARTNERS`, whose links
    are withheld. In DP mode the author counts are noised and the post counts and shares,
    which have no bounded contribution per user, are withheld.
    """
    if item is not None:
        a.item_partner(item)  # unknown, or another partner's: one clear error
    p = _posts(a.con, a.period_from, a.period_to)
    n_posts = int(a.run(p.aggregate(n=p.count()))["n"][0].as_py())
    items = a.run(a.items().select("item_id", "partner_id", "title_zh", "title_en")).to_pylist()
    catalogue = {r["item_id"]: r for r in items}
    if linker is None:
        linker = workspace_linker(a.con)
    links = post_mentions(a.con, linker, period_from=a.period_from, period_to=a.period_to)
    if item is not None:
        links = links.filter(pc.equal(links["item_id"], item))
    if a.partner is not None:
        own = pa.array(
            sorted(i for i, r in catalogue.items() if r["partner_id"] == a.partner), pa.string()
        )
        mine = pc.fill_null(pc.is_in(links["item_id"], own), False)
        folded = pc.if_else(mine, links["item_id"], pa.scalar(OTHER_PARTNERS))
        links = _first_per_pair(
            links.set_column(links.schema.get_field_index("item_id"), "item_id", folded)
        )
    linked = len(set(links["post_id"].to_pylist()))
    table = _summary(links)
    guarded = a.release(
        table,
        users="authors",
        blank=["posts", *SHARE_COLUMNS],
        partition_by=[],
        what="social mentions per item",
        sensitivity=max(table.num_rows, 1),
    )
    out = guarded.table
    if a.noised:
        for c in ["posts", *SHARE_COLUMNS]:
            out = out.set_column(
                out.schema.get_field_index(c), c, pa.nulls(out.num_rows, out.schema.field(c).type)
            )
    shown = {r["item_id"] for r in out.to_pylist() if not r["suppressed"]} - {OTHER_PARTNERS}
    keep = pc.is_in(links["item_id"], pa.array(sorted(shown), pa.string()))
    published = links.filter(keep).select(list(LINK_COLUMNS))
    rows = []
    for r in out.to_pylist():
        titles = catalogue.get(r["item_id"], {})
        rows.append(
            ItemMentions(**r, title_zh=titles.get("title_zh"), title_en=titles.get("title_en"))
        )
    rows.sort(key=lambda r: (r.suppressed, -(r.posts or 0), -(r.authors or 0), r.item_id))
    result = MentionsResult(
        scope=a.scope(),
        item=item,
        posts=n_posts,
        linked_posts=linked,
        rows=rows,
        privacy=guarded.report,
        withheld_links=links.num_rows - published.num_rows,
        sql=list(a.sql),
    )
    return result, published


def _summary(links: pa.Table) -> pa.Table:
    """Per item: posts, distinct authors and the share of posts in each form."""
    flags = {f"n_{f}": pc.equal(links["form"], f) for f in FORMS}
    flags["n_marked"] = links["marked"]
    flags["n_traditional"] = links["traditional"]
    t = links.select(["item_id", "post_id", "user_id"])
    for name, col in flags.items():
        t = t.append_column(name, pc.cast(col, pa.int64()))
    agg = t.group_by("item_id").aggregate(
        [("post_id", "count_distinct"), ("user_id", "count_distinct")]
        + [(name, "sum") for name in flags]
    )
    posts = agg["post_id_count_distinct"]
    columns: dict[str, Any] = {
        "item_id": agg["item_id"],
        "posts": pc.cast(posts, pa.int64()),
        "authors": pc.cast(agg["user_id_count_distinct"], pa.int64()),
    }
    for name, share in zip(flags, SHARE_COLUMNS, strict=True):
        columns[share] = pc.round(pc.divide(pc.cast(agg[f"{name}_sum"], pa.float64()), posts), 4)
    return pa.table(columns).sort_by([("posts", "descending"), ("item_id", "ascending")])


__all__ = [
    "FORMS",
    "LINK_COLUMNS",
    "MENTION_SCHEMA",
    "ItemMentions",
    "Mention",
    "MentionLinker",
    "MentionsResult",
    "item_mentions",
    "latin_key",
    "mentions_table",
    "name_key",
    "pinyin_keys",
    "post_mentions",
    "workspace_linker",
]
