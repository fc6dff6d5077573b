"""Bilingual localisation: the termbase, the translation memory, MT backends behind one
protocol, Chinese script conversion and pinyin, and the catalogue check.

    tb = workspace_termbase(ws)                       # user > titles > partners > glossary
    tm = TranslationMemory.load(Path("tm.tmx"))       # TMX 1.4 or CSV
    tm.fuzzy("Watch Blue Planet tonight")             # ranked matches with a score
    MemoryTranslator(tm, tb).translate(["Blue Planet"], source="en", target="zh-HK")
    check_workspace(ws, limits=UiLimits(title_zh=24)) # missing, inconsistent, too long

Each private module's docstring gives the decisions it makes (thresholds, precedence, limits,
what TMX round-trips).
"""

from culturebridge.localise._catalogue import Catalogue, ItemText, PartnerText, read_catalogue
from culturebridge.localise._check import (
    CheckResult,
    MissingText,
    TooLong,
    UiLimits,
    check_items,
    check_workspace,
)
from culturebridge.localise._memory import (
    Match,
    MemoryConfig,
    MergeStats,
    Segment,
    TranslationMemory,
    load_units,
)
from culturebridge.localise._mt import (
    NO_TRANSLATION,
    ArgosTranslator,
    CTranslate2Translator,
    MemoryTranslator,
    Translation,
    Translator,
    make_translator,
)
from culturebridge.localise._script import (
    TitleMatch,
    pinyin_initials,
    pinyin_key,
    search_titles,
    sort_titles,
    to_simplified,
    to_traditional,
)
from culturebridge.localise._termbase import (
    Term,
    Termbase,
    TermFinding,
    build_termbase,
    glossary_terms,
    lexicon_terms,
    read_terms,
    workspace_termbase,
)
from culturebridge.localise._text import normalise, read_utf8
from culturebridge.localise._tmx import (
    Note,
    Prop,
    TmxDocument,
    TmxHeader,
    Unit,
    Variant,
    parse_tmx,
    read_csv,
    read_tmx,
    tmx_bytes,
    write_csv,
    write_tmx,
)
from culturebridge.localise._values import ATTRIBUTE_NAMES, DATA_VALUES, value_name

__all__ = [
    "ATTRIBUTE_NAMES",
    "DATA_VALUES",
    "value_name",
    "read_utf8",
    "NO_TRANSLATION",
    "ArgosTranslator",
    "CTranslate2Translator",
    "Catalogue",
    "CheckResult",
    "ItemText",
    "Match",
    "MemoryConfig",
    "MemoryTranslator",
    "MergeStats",
    "MissingText",
    "Note",
    "PartnerText",
    "Prop",
    "Segment",
    "Term",
    "TermFinding",
    "Termbase",
    "TitleMatch",
    "TmxDocument",
    "TmxHeader",
    "TooLong",
    "Translation",
    "TranslationMemory",
    "Translator",
    "UiLimits",
    "Unit",
    "Variant",
    "build_termbase",
    "check_items",
    "check_workspace",
    "glossary_terms",
    "lexicon_terms",
    "load_units",
    "make_translator",
    "normalise",
    "parse_tmx",
    "pinyin_initials",
    "pinyin_key",
    "read_catalogue",
    "read_csv",
    "read_terms",
    "read_tmx",
    "search_titles",
    "sort_titles",
    "tmx_bytes",
    "to_simplified",
    "to_traditional",
    "workspace_termbase",
    "write_csv",
    "write_tmx",
]
