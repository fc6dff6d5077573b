"""Text helpers shared by the termbase, the memory and the checks: one normalisation, one
tokeniser, one language guess.

`normalise` is the key of exact memory lookup and the string fuzzy lookup compares, so two
segments that differ only in ways a translator would not care about meet: NFKC (full-width
Latin letters and digits become half-width), the CJK punctuation NFKC leaves alone mapped to its
ASCII twin (。，、；：？！“”‘’《》「」 ...), case folded, runs of whitespace made one space, and
spaces beside a CJK character dropped (Chinese text is often typed with stray spaces around
numbers and Latin words: 田纳西 48 小时 = 田纳西48小时).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from culturebridge.errors import UserError

_PUNCT = str.maketrans(
    {
        "。": ".",
        "、": ",",
        "，": ",",
        "；": ";",
        "：": ":",
        "？": "?",
        "！": "!",
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "《": '"',
        "》": '"',
        "〈": '"',
        "〉": '"',
        "「": '"',
        "」": '"',
        "『": '"',
        "』": '"',
        "‘": "'",
        "’": "'",
        "（": "(",
        "）": ")",
        "【": "[",
        "】": "]",
        "〔": "[",
        "〕": "]",
        "—": "-",
        "–": "-",
        "－": "-",
        "·": "·",
        "・": "·",
        "～": "~",
        "\u3000": " ",
    }
)

_CJK = "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")

# A word (letters and digits, joined by inner hyphens: t-shirt, e-sports, 2-day) or one
# punctuation mark. "Hart's" gives hart ' s, so "Aurelia Hart" is found in "Aurelia Hart's".
_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*|[^\w\s]|_")


def normalise(text: str) -> str:
    """The comparison form of a segment (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT).casefold()
    text = _SPACES.sub(" ", text).strip()
    return _SPACE_NEAR_CJK.sub("", text)


def fold(text: str) -> str:
    """NFKC and case folding only: how terms are compared inside longer texts."""
    return unicodedata.normalize("NFKC", text).casefold()


def tokens(text: str) -> list[tuple[str, int, int]]:
    """The words and punctuation marks of a (Latin-script) text with their spans, both in
    `fold(text)` (NFKC can change lengths, so spans index the folded text)."""
    return [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(fold(text))]


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


def guess_lang(text: str) -> str:
    """'zh' when the text has more Han characters than Latin letters, else 'en'."""
    return "zh" if len(_HAN.findall(text)) >= max(1, len(_LATIN.findall(text))) else "en"


def primary(lang: str) -> str:
    """The primary subtag of a language tag, lower case: zh-Hans-CN -> zh, EN_gb -> en."""
    return lang.replace("_", "-").split("-", 1)[0].strip().lower()


TRADITIONAL_TAGS = ("hant", "tw", "hk", "mo")


def script_variant(lang: str) -> str | None:
    """For a Chinese tag, the OpenCC variant its audience reads: 'hk' (zh-HK, zh-MO), 'tw'
    (zh-TW), 't' (zh-Hant) or None (Simplified, the catalogue's default)."""
    parts = [p.lower() for p in lang.replace("_", "-").split("-")]
    if not parts or parts[0] != "zh":
        return None
    if "hk" in parts or "mo" in parts:
        return "hk"
    if "tw" in parts:
        return "tw"
    if "hant" in parts:
        return "t"
    return None


def read_utf8(path: Path) -> str:
    """A UTF-8 text file (a BOM is dropped); every failure is one UserError line."""
    try:
        return Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
