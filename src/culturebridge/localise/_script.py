"""Chinese script and search: Simplified↔Traditional with OpenCC, pinyin with pypinyin.

The catalogue is written in Simplified Chinese for the mainland; Hong Kong and Taiwan audiences
read Traditional characters, with their own variant forms and, in Taiwan, their own words.
`to_traditional(text, variant)` uses OpenCC's configurations:

* 'hk': `s2hk` (Hong Kong variant characters: 台灣, 裏面);
* 'tw': `s2twp` (Taiwan characters *and* Taiwan phrases: 软件 → 軟體, 鼠标 → 滑鼠), since an
  audience-facing text should read as written in Taiwan, not as converted;
* 't': `s2t` (OpenCC's standard Traditional).

`to_simplified(text, variant)` goes back with `t2s`, `hk2s` or `tw2sp` (Taiwan phrases back to
mainland ones). Converters are built once per configuration.

Pinyin is for search and sorting, so it is toneless and lower case, ü written v (nv, lv) as
pinyin input methods type it; polyphonic characters are read in context by pypinyin's phrase
dictionary (重庆 = chong qing). Latin letters and digits in a title stay as they are, lower
cased: `pinyin_key("T恤 2024")` = "t xu 2024".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from culturebridge.errors import UserError
from culturebridge.localise._text import fold

Variant = Literal["hk", "tw", "t"]
VARIANTS: tuple[str, ...] = ("hk", "tw", "t")

_TO_TRADITIONAL = {"hk": "s2hk", "tw": "s2twp", "t": "s2t"}
_TO_SIMPLIFIED = {"hk": "hk2s", "tw": "tw2sp", "t": "t2s"}
_HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(f"([{_HAN_CLASS}]+)|([^{_HAN_CLASS}]+)")
_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=8)
def _converter(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


def _check(variant: str) -> None:
    if variant not in _TO_TRADITIONAL:
        raise UserError(f"unknown Chinese variant {variant!r} (use hk, tw or t)")


def to_traditional(text: str, variant: Variant | str = "t") -> str:
    """Simplified → Traditional for Hong Kong ('hk'), Taiwan ('tw') or standard ('t')."""
    _check(variant)
    return str(_converter(_TO_TRADITIONAL[variant]).convert(text))


def to_simplified(text: str, variant: Variant | str = "t") -> str:
    """Traditional (of Hong Kong, Taiwan or standard) → Simplified."""
    _check(variant)
    return str(_converter(_TO_SIMPLIFIED[variant]).convert(text))


def _syllables(text: str, initials: bool = False) -> list[str]:
    """Pinyin of each Han run (read as one phrase, so polyphones get their context), and the
    words of everything else, lower cased; initials keep numbers whole."""
    from pypinyin import Style, lazy_pinyin

    style = Style.FIRST_LETTER if initials else Style.NORMAL
    out: list[str] = []
    for m in _RUNS.finditer(to_simplified(text)):
        if m.group(1):
            out.extend(s.lower() for s in lazy_pinyin(m.group(1), style=style))
        else:
            for w in _WORD.findall(fold(m.group(2))):
                out.append(w[0] if initials and not w.isdigit() else w)
    return [s for s in out if s]


def pinyin_key(title: str) -> str:
    """Toneless pinyin, syllables separated by spaces: 蓝色星球 → "lan se xing qiu". Sorting
    titles by this key sorts them as a Chinese reader expects (by sound, not code point);
    Traditional input is read as its Simplified form."""
    return " ".join(_syllables(title))


def pinyin_initials(title: str) -> str:
    """The first letter of each syllable, run together: 蓝色星球 → "lsxq" (how people type a
    title into a search box on a phone)."""
    return "".join(_syllables(title, initials=True))


def sort_titles(titles: Iterable[str]) -> list[str]:
    """Titles in pinyin order (ties broken by the title itself)."""
    return sorted(titles, key=lambda t: (pinyin_key(t), t))


@dataclass(frozen=True)
class TitleMatch:
    title: str
    how: Literal["title", "pinyin", "initials"]
    """What the query matched: the characters, the full pinyin or the initials."""
    score: float
    """1.0 whole match, 0.9 prefix, 0.8 inside; pinyin and initials a little lower."""


_HOW_WEIGHT = {"title": 0.0, "pinyin": 0.02, "initials": 0.04}


def search_titles(
    query: str, titles: Iterable[str], *, limit: int | None = None
) -> list[TitleMatch]:
    """Titles matching `query` by their characters (Simplified or Traditional), their pinyin
    with or without spaces (lanse, lan se xing, lansexingqiu) or their initials (lsxq); best
    first: whole match, then prefix, then inside, characters before pinyin before initials."""
    q = fold(to_simplified(query)).strip()
    q_compact = re.sub(r"[\s'’-]+", "", q)
    if not q_compact:
        return []
    found: list[TitleMatch] = []
    for title in dict.fromkeys(titles):
        simple = fold(to_simplified(title))
        simple_compact = re.sub(r"\s+", "", simple)
        candidates: list[tuple[Literal["title", "pinyin", "initials"], str]] = [
            ("title", simple_compact)
        ]
        if q_compact.isascii():
            candidates.append(("pinyin", pinyin_key(title).replace(" ", "")))
            candidates.append(("initials", pinyin_initials(title)))
        best: TitleMatch | None = None
        for how, text in candidates:
            if not text:
                continue
            if text == q_compact:
                base = 1.0
            elif text.startswith(q_compact):
                base = 0.9
            elif q_compact in text:
                base = 0.8
            else:
                continue
            score = round(base - _HOW_WEIGHT[how], 4)
            if best is None or score > best.score:
                best = TitleMatch(title, how, score)
        if best is not None:
            found.append(best)
    found.sort(key=lambda m: (-m.score, pinyin_key(m.title), m.title))
    return found[:limit] if limit is not None else found
