"""Fashion attributes named in Chinese, English and mixed posts, titles and descriptions.

`TextTagger.extract(text)` finds every mention of a lexicon value (category, colour, pattern,
material, style) and flags the negated ones; `attributes(text)` keeps the positive values.

How a mention is found:

* The text is normalised one character at a time (NFKC, so full-width letters and digits become
  half-width; lowercase; curly apostrophes straightened; Traditional -> Simplified Chinese when
  `opencc` is installed), so offsets still index the text as given: `text[m.start:m.end] ==
  m.term`.
* English terms match on word boundaries, multi-word terms with a space, a hyphen or nothing
  between words (navy blue, t-shirt/tshirt, over-sized), plurals with -s/-es. Chinese and
  Latin letters are boundaries of each other, so "这件oversize卫衣" finds oversize.
* Chinese is segmented by a private jieba tokenizer whose dictionary also holds the lexicon's
  terms and blockers, so terms stay whole (连帽衫, 藏青色, 学院风). A longest-match scan then
  accepts a term only where it is made of whole tokens: one token, or several where jieba split
  it. A term that would start or end inside a word (风衣 in 防风|衣服, 大衣 in 大衣柜) is not
  a mention.
* Prefixes (黑, 白, 红..., "plain") count only directly before another mention (白衬衫, 黑白条纹,
  "plain tee"), suffixes (包, t, "top") only directly after one (黑色包, 白t, "black top").
* Blockers (网红, 白菜价, 薅羊毛, "red flag", "no cap") are matched like terms and, being
  longer, hide the terms inside them.

How negation is scoped (cues, exemptions and contrast words are data in `_lexicon`):

* A clause ends at punctuation, at a space between two Chinese characters, or at a contrast word
  (但/但是/而是/可是/不过/却; but/though/however/instead...).
* A "pre" cue (不是, 与其, not, no, never, without, instead of) negates the mentions after it in
  its clause. An "absent" cue (没有, 没) stops at 的: 没有印花的纯色T恤 negates the print only.
* A "post" cue (不适合我, 不行, 难看, "not for me", "hard pass") negates the mentions before it
  in its clause; a "both" cue (不喜欢, 不要, 拒绝, 讨厌, hate, dislike) those after it, else
  those before it ("荧光绿我真的不喜欢"). When its own clause names nothing, either reaches back
  to the clause before ("Leopard print? Never again.", "红色卫衣，不喜欢").
* A "warn" cue (避雷, 踩雷, 劝退, 翻车) is "both" and, when neither its clause nor the one before
  names anything, negates the clause after ("避雷！这件荧光绿卫衣起球").
* So 不是X而是Y negates X only, and 不喜欢荧光绿，太扎眼了 negates the colour. Everything named
  in scope is negated: 不喜欢荧光绿卫衣 negates the colour and the garment.
* Chinese cues count only where they start a jieba token (特别喜欢 has no 别); 不 or 没 between
  two equal characters asks a question (要不要, 好不好看, 有没有); a negative word after 不 is
  praise (不显老, 不难看); and phrases that only look negative (不得不, 不要太好看, 不踩雷,
  没想到; "can't go wrong", "not bad", "don't sleep on") switch their cue off.
* Double negation is not resolved: each cue negates its scope.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from culturebridge.fashion._lexicon import ATTRIBUTES, DEFAULT_LEXICON, Lexicon, Value

# jieba's own dictionary frequencies run to ~900k (的); a term this frequent beats the words
# around it, while a real word that swallows a term's edge (大衣柜) still wins.
_TERM_FREQ = 200_000
_BLOCKER_FREQ = 10 * _TERM_FREQ  # a blocker must beat the term inside it: 口红|色号, not 口|红色|号
_ASCII_WORD = r"a-z0-9"
_SEP = r"[\s\-_]?"
_HAN = "\u4e00-\u9fff"
_BREAK = re.compile(
    rf"[,.!?;:…~。，！？；：～\n\r\t()（）【】\[\]#|]+|(?<=[{_HAN}])\s+(?=[{_HAN}])"
)
_HAS_HAN = re.compile(f"[{_HAN}]")


@dataclass(frozen=True)
class Mention:
    """One value named in a text: `term` is the text as written, `text[start:end]`."""

    attribute: str  # category | colour | pattern | material | style
    value: str  # canonical value
    term: str
    start: int
    end: int
    negated: bool
    value_zh: str


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    values: tuple[Value, ...]  # empty: a blocker
    kind: str = "term"  # term | prefix | suffix


@dataclass(frozen=True)
class _Cue:
    start: int
    end: int
    mode: str  # pre | post | both | warn | absent


def _traditional_to_simplified() -> Callable[[str], str] | None:
    try:
        import opencc  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    for config in ("t2s", "t2s.json"):
        try:
            converter = opencc.OpenCC(config)
        except Exception:  # configs are named differently across opencc packages
            continue
        return converter.convert  # type: ignore[no-any-return,unused-ignore]
    return None


def _normalise(text: str, to_simplified: Callable[[str], str] | None) -> tuple[str, list[int]]:
    """The text to match and, for each of its characters, the index it came from."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        n = unicodedata.normalize("NFKC", ch).lower().replace("\u2019", "'").replace("\u2018", "'")
        out.append(n)
        origin.extend([i] * len(n))
    norm = "".join(out)
    if to_simplified is not None and _HAS_HAN.search(norm):
        simplified = to_simplified(norm)
        if len(simplified) == len(norm):  # phrase conversions that change length are skipped
            norm = simplified
    origin.append(len(text))
    return norm, origin


def _alternation(words: Iterable[str]) -> str:
    """Regex alternatives, longest first so that the longest phrase wins at a position."""
    unique = sorted(set(words), key=lambda w: (-len(w), w))
    return "|".join(unique)


def _en_pattern(term: str) -> str:
    words = re.split(r"[\s\-_]+", term)
    return _SEP.join(re.escape(w) for w in words) + "(?:e?s)?"


def _en_key(text: str) -> str:
    return re.sub(r"[\s\-_]+", "", text)


def _resolve(spans: list[_Span]) -> list[_Span]:
    """Drop spans overlapping a longer one (then an earlier one): one reading per character."""
    kept: list[_Span] = []
    taken: set[int] = set()
    for s in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        if taken.isdisjoint(range(s.start, s.end)):
            kept.append(s)
            taken.update(range(s.start, s.end))
    return sorted(kept, key=lambda s: s.start)


def _bind(spans: list[_Span], norm: str) -> list[_Span]:
    """Keep prefixes directly before, and suffixes directly after, another mention (spaces may
    stand between them); drop the blockers."""
    named = [s for s in spans if s.values]

    def touching(a: _Span, b: _Span) -> bool:
        return not norm[a.end : b.start].strip()

    keep = [s.kind != "prefix" for s in named]
    for k in range(len(named) - 2, -1, -1):  # right to left: 黑白条纹 keeps 黑 through 白
        nxt = named[k + 1]
        if named[k].kind == "prefix" and touching(named[k], nxt):
            keep[k] = nxt.kind != "prefix" or keep[k + 1]
    out: list[_Span] = []
    for s, kept in zip(named, keep, strict=True):
        if kept and (s.kind != "suffix" or (out and touching(out[-1], s))):
            out.append(s)
    return out


class TextTagger:
    """Finds lexicon values in text. Build once and reuse: the jieba dictionary is loaded on the
    first Chinese text (about a second) and kept."""

    def __init__(self, lexicon: Lexicon = DEFAULT_LEXICON) -> None:
        self.lexicon = lexicon
        self._to_simplified = _traditional_to_simplified()
        entries: list[tuple[str, tuple[Value, ...], str]] = [
            *((t, v, "term") for t, v in lexicon.terms.items()),
            *((t, (v,), "prefix") for t, v in lexicon.prefixes.items()),
            *((t, (v,), "suffix") for t, v in lexicon.suffixes.items()),
            *((t, (), "term") for t in lexicon.blockers),
        ]
        # Chinese (and mixed: t恤, polo衫) through jieba; plain English through one regex.
        self._zh: dict[str, tuple[tuple[Value, ...], str]] = {}
        en: dict[str, tuple[tuple[Value, ...], str]] = {}
        for term, values, kind in entries:
            t = self._norm_term(term)
            (self._zh if _HAS_HAN.search(t) else en).setdefault(t, (values, kind))
        self._zh_max = max(map(len, self._zh), default=1)
        self._en_values = {_en_key(t): v for t, v in en.items()}
        self._en_re = re.compile(
            rf"(?<![{_ASCII_WORD}])(?:{_alternation(map(_en_pattern, en))})(?![{_ASCII_WORD}])"
        )
        neg = lexicon.negation
        self._cues_zh = [(re.compile(p), mode) for p, mode in neg.cues_zh]
        self._cues_en = [(self._en_words(p), mode) for p, mode in neg.cues_en]
        self._exempt_zh = re.compile(neg.exempt_zh)
        self._exempt_en = self._en_words(neg.exempt_en)
        self._contrast_zh = frozenset(neg.contrast_zh.split("|"))
        self._contrast_en = self._en_words(neg.contrast_en)

    def _norm_term(self, term: str) -> str:
        return _normalise(term, self._to_simplified)[0]

    @staticmethod
    def _en_words(alternatives: str) -> re.Pattern[str]:
        words = alternatives.split("|")
        return re.compile(
            rf"(?<![{_ASCII_WORD}'])(?:{_alternation(map(re.escape, words))})"
            rf"(?![{_ASCII_WORD}'])"
        )

    @cached_property
    def _jieba(self) -> Any:
        """A private jieba tokenizer (the global one is left alone) that knows every term."""
        import jieba

        logging.getLogger("jieba").setLevel(logging.WARNING)  # no "Building prefix dict..."
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for word, (values, _) in self._zh.items():
            tokenizer.add_word(word, freq=_TERM_FREQ if values else _BLOCKER_FREQ)
        return tokenizer

    # --- public API ----------------------------------------------------------------------------

    def extract(self, text: str) -> list[Mention]:
        """Every mention in `text`, in order, negated ones flagged; compounds (小白鞋) give one
        mention per value they name, with the same span."""
        if not text or not text.strip():
            return []
        norm, origin = _normalise(text, self._to_simplified)
        tokens: list[tuple[str, int, int]] = (
            list(self._jieba.tokenize(norm, HMM=False)) if _HAS_HAN.search(norm) else []
        )
        spans = _bind(_resolve(self._zh_spans(norm, tokens) + self._en_spans(norm)), norm)
        cues, breaks = self._negation(norm, tokens)
        negated = _negated(spans, cues, breaks, norm)
        out: list[Mention] = []
        for s, neg in zip(spans, negated, strict=True):
            start, end = origin[s.start], origin[s.end - 1] + 1
            for v in s.values:
                out.append(
                    Mention(v.attribute, v.value, text[start:end], start, end, neg, v.value_zh)
                )
        return out

    def attributes(self, text: str) -> dict[str, list[str]]:
        """attribute -> the values named positively (not negated), deduplicated, in order of
        first mention; attributes with none are left out."""
        return summarise(self.extract(text))[0]

    def negated(self, text: str) -> dict[str, list[str]]:
        """attribute -> the values named only in negation ("不喜欢荧光绿")."""
        return summarise(self.extract(text))[1]

    # --- matching ------------------------------------------------------------------------------

    def _zh_spans(self, norm: str, tokens: Sequence[tuple[str, int, int]]) -> list[_Span]:
        if not tokens:
            return []
        starts = {s for _, s, _ in tokens}
        ends = {e for _, _, e in tokens}
        spans: list[_Span] = []
        i, n = 0, len(norm)
        while i < n:
            if i not in starts:
                i += 1
                continue
            found = None
            for k in range(min(self._zh_max, n - i), 0, -1):
                if i + k not in ends:
                    continue
                entry = self._zh.get(norm[i : i + k])
                if entry is not None:
                    found = _Span(i, i + k, *entry)
                    break
            if found is None:
                i += 1
            else:
                spans.append(found)
                i = found.end
        return spans

    def _en_spans(self, norm: str) -> list[_Span]:
        spans = []
        for m in self._en_re.finditer(norm):
            key = _en_key(m.group())
            for k in (key, key.removesuffix("s"), key.removesuffix("es")):
                if k in self._en_values:
                    spans.append(_Span(m.start(), m.end(), *self._en_values[k]))
                    break
        return spans

    # --- negation ------------------------------------------------------------------------------

    def _negation(
        self, norm: str, tokens: Sequence[tuple[str, int, int]]
    ) -> tuple[list[_Cue], list[tuple[int, int]]]:
        """The cues that negate, and the clause breaks (punctuation and contrast words)."""
        starts = {s for _, s, _ in tokens}
        found: list[_Cue] = []
        for pattern, mode in self._cues_zh:
            for m in pattern.finditer(norm):
                s = m.start()
                if s not in starts:
                    continue
                if norm[s] in "不没" and 0 < s < len(norm) - 1 and norm[s - 1] == norm[s + 1]:
                    continue  # 要不要, 好不好看, 有没有: a question
                if mode == "post" and s > 0 and norm[s - 1] in "不没":
                    continue  # 不显老, 不难看: a negative word negated is praise
                found.append(_Cue(s, m.end(), mode))
        for pattern, mode in self._cues_en:
            found += [_Cue(m.start(), m.end(), mode) for m in pattern.finditer(norm)]
        exempt = [m.span() for m in self._exempt_zh.finditer(norm)]
        exempt += [m.span() for m in self._exempt_en.finditer(norm)]
        cues: list[_Cue] = []
        taken: set[int] = set()
        for c in sorted(found, key=lambda c: (c.start, -(c.end - c.start))):
            if any(a < c.end and c.start < b for a, b in exempt) or c.start in taken:
                continue
            cues.append(c)
            taken.update(range(c.start, c.end))
        breaks = [m.span() for m in _BREAK.finditer(norm)]
        breaks += [(s, e) for w, s, e in tokens if w in self._contrast_zh]
        breaks += [m.span() for m in self._contrast_en.finditer(norm) if m.start() not in taken]
        return cues, sorted(breaks)


def _negated(
    spans: Sequence[_Span], cues: Sequence[_Cue], breaks: Sequence[tuple[int, int]], norm: str
) -> list[bool]:
    """Whether each span lies in the scope of a cue (see the module docstring)."""
    flags = [False] * len(spans)

    def clause_end(pos: int) -> int:
        return next((a for a, _ in breaks if a >= pos), len(norm))

    def clause_start(pos: int) -> int:
        return max((b for _, b in breaks if b <= pos), default=0)

    def mark(lo: int, hi: int) -> bool:
        hit = False
        for k, s in enumerate(spans):
            if lo <= s.start and s.end <= hi:
                flags[k] = hit = True
        return hit

    for c in cues:
        start = clause_start(c.start)
        if c.mode in ("pre", "both", "warn") and mark(c.end, clause_end(c.end)):
            continue
        if c.mode == "absent":  # 没有印花的T恤: up to 的
            de = norm.find("的", c.end)
            end = clause_end(c.end)
            mark(c.end, end if de < 0 else min(de, end))
            continue
        if c.mode == "pre" or mark(start, c.start):
            continue
        # "Leopard print? Never again.", "避雷！这件荧光绿卫衣": the clause before, else
        # (warnings only) the clause after
        if start > 0 and mark(clause_start(start - 1), start):
            continue
        if c.mode == "warn":
            nxt = next((b for a, b in breaks if a >= c.end), None)
            if nxt is not None:
                mark(nxt, clause_end(nxt))
    return flags


def summarise(mentions: Sequence[Mention]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(positive, negated): attribute -> values, deduplicated in order of first mention, in
    ATTRIBUTES order, attributes with none left out. A value named both ways is positive."""
    positive = {(m.attribute, m.value) for m in mentions if not m.negated}
    return (
        _group(m for m in mentions if not m.negated),
        _group(m for m in mentions if m.negated and (m.attribute, m.value) not in positive),
    )


def _group(mentions: Iterable[Mention]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for m in mentions:
        values = grouped.setdefault(m.attribute, [])
        if m.value not in values:
            values.append(m.value)
    return {a: grouped[a] for a in ATTRIBUTES if a in grouped}


@cache
def tagger_version() -> str:
    """What the default tagger's answers depend on: this module, the lexicon, and the versions
    of jieba and opencc (or its absence). Tags cached under another version are not reused."""
    import hashlib
    from importlib.metadata import PackageNotFoundError, version
    from pathlib import Path

    from culturebridge.fashion import _lexicon

    h = hashlib.sha256()
    for source in (__file__, _lexicon.__file__):
        h.update(Path(source).read_bytes())
    for package in ("jieba", "opencc", "opencc-python-reimplemented"):
        try:
            h.update(f"{package}={version(package)}".encode())
        except PackageNotFoundError:
            h.update(f"{package}=none".encode())
    return f"fashion-text-{h.hexdigest()[:16]}"


@cache
def default_tagger() -> TextTagger:
    """The tagger over the default lexicon, built once per process."""
    return TextTagger()
