"""The termbase: approved English–Chinese renderings, and the check that the catalogue uses them.

Where terms come from, highest precedence first (a higher layer's entry replaces a lower one
with the same English term; when both give the same Chinese, the lower one's accepted variants,
forbidden variants and Traditional form are kept too, so the packaged "Blue Planet ≠ 蓝色行星"
survives the catalogue's own 蓝色星球):

1. the user's termbase, `DIR/localise/termbase.csv` (columns as `CSV_COLUMNS`; `zh_variants`
   and `forbidden` are `|`-separated): what the localisation team decided wins;
2. the catalogue's titles (`title_en` → `title_zh`, domain "title"): when items share an
   English title with different Chinese ones, the most common rendering (ties: the first item
   by id) is approved and the others are then reported by the check;
3. partners' names (`name_en` → `name_zh`, domain "partner");
4. the packaged glossary (`localise/data/glossary.csv`): UK places and sights, tourism and
   screen terms, e-sports stages, the best-known documentary titles with the renderings to
   avoid;
5. the fashion lexicon (domain "fashion"): each attribute value with its first English term
   (the value's name when it is one of its terms: "hoodie", "Navy Blue", "sneaker") and its
   Chinese name; every other Chinese term of the value is an accepted variant, and so is a
   style's stem without 风/风格 (运动风 → 运动: product titles drop the suffix, 运动连帽衫).

Matching. English is matched on word tokens (`_text.tokens`: case-folded, "Hart's" → hart ' s,
"T-Shirt" one token), longest term first and without overlaps, so "Navy Blue" is one term and
not also "Blue", and a title is not also the place name inside it. Terms other than titles and
names also match a plural (-s, -es, -y → -ies). Chinese is matched by substring after NFKC and
case folding.

The check (`check_consistency`): for each item and each field pair (title, description), every
approved English term in the English text must have its Chinese rendering (or an accepted
variant) in the Chinese text, and no forbidden variant. In an item's own title its own title
term is set aside (it would approve itself), so the terms inside it are checked: "Navy Blue
Sporty Shirt" needs 藏青色, 运动 and 衬衫; when the approved rendering of that title is another
item's, the title is checked against it. Fashion terms apply to fashion items
only (in a film's description "red" or "top" is not a fashion term); every other domain applies
to every item. A field whose Chinese text is empty is not checked here: it is reported as
missing by `localise check`.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from culturebridge.errors import UserError, validation_message
from culturebridge.localise._catalogue import Catalogue, ItemText, PartnerText, read_catalogue
from culturebridge.localise._text import fold, read_utf8, tokens
from culturebridge.workspace import Workspace

Domain = Literal["title", "partner", "fashion", "tourism", "general"]
DOMAINS: tuple[str, ...] = ("title", "partner", "fashion", "tourism", "general")
CSV_COLUMNS = ("en", "zh", "zh_hant", "domain", "zh_variants", "forbidden", "note")
USER_TERMBASE = Path("localise") / "termbase.csv"
"""Where a workspace keeps the localisation team's own termbase."""

NAME_DOMAINS = frozenset({"title", "partner"})
"""Proper names: matched as written, never as plurals."""


class Term(BaseModel):
    """One approved rendering."""

    model_config = ConfigDict(frozen=True)

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)
    zh_hant: str | None = None
    """The Traditional form when it is not what OpenCC would make of `zh` (e.g. 大笨鐘)."""
    domain: Domain = "general"
    zh_variants: tuple[str, ...] = ()
    """Other accepted Chinese renderings."""
    forbidden: tuple[str, ...] = ()
    """Renderings that must not be used."""
    note: str = ""
    origin: str = ""
    """Where the entry came from: user, catalogue, partners, glossary or lexicon."""

    @field_validator("en", "zh")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("must not be empty")
        return v

    @property
    def accepted(self) -> tuple[str, ...]:
        return (self.zh, *self.zh_variants)


@dataclass(frozen=True)
class TermHit:
    term: Term
    start: int
    end: int
    """Span in the folded text (`_text.fold`)."""


class TermFinding(BaseModel):
    """A term used in English without its approved Chinese rendering, or with a forbidden one."""

    item_id: str
    kind: str
    field: Literal["title", "description"]
    term: str
    domain: Domain
    expected: str
    problem: Literal["missing", "forbidden"]
    found: str
    """The Chinese text (shortened), or the forbidden variant in its context."""


def _en_key(text: str) -> str:
    return " ".join(t for t, _, _ in tokens(text))


def _plurals(key: str) -> list[str]:
    head, _, last = key.rpartition(" ")
    if not last.replace("-", "").isalpha():
        return []
    forms = [last + "s", last + "es"]
    if last.endswith("y") and len(last) > 2 and last[-2] not in "aeiou":
        forms.append(last[:-1] + "ies")
    return [f"{head} {f}" if head else f for f in forms]


def _snippet(text: str, start: int | None = None, end: int | None = None, width: int = 12) -> str:
    if start is None or end is None:
        return text if len(text) <= 40 else text[:39] + "…"
    lo, hi = max(0, start - width), min(len(text), end + width)
    return ("…" if lo else "") + text[lo:hi] + ("…" if hi < len(text) else "")


class Termbase:
    """A set of approved terms with English and Chinese lookup (module docstring)."""

    def __init__(self, terms: Iterable[Term] = ()) -> None:
        by_key: dict[str, Term] = {}
        for t in terms:
            key = _en_key(t.en)
            if key and key not in by_key:
                by_key[key] = t
        self._by_key = by_key
        self._en: dict[str, Term] = {}
        for key, t in by_key.items():
            self._en.setdefault(key, t)
            if t.domain not in NAME_DOMAINS:
                for plural in _plurals(key):
                    self._en.setdefault(plural, t)
        self._en_max = max((k.count(" ") + 1 for k in self._en), default=0)
        self._zh: dict[str, Term] = {}
        for t in by_key.values():
            for zh in t.accepted:
                self._zh.setdefault(fold(zh), t)
        self._zh_lengths = sorted({len(k) for k in self._zh}, reverse=True)

    # ------------------------------------------------------------------ building

    @classmethod
    def merged(cls, *layers: Iterable[Term]) -> Termbase:
        """Layers, highest precedence first (module docstring)."""
        chosen: dict[str, Term] = {}
        for layer in layers:
            for t in layer:
                key = _en_key(t.en)
                if not key:
                    continue
                top = chosen.get(key)
                if top is None:
                    chosen[key] = t
                elif fold(top.zh) == fold(t.zh):
                    chosen[key] = top.model_copy(
                        update={
                            "zh_hant": top.zh_hant or t.zh_hant,
                            "zh_variants": tuple(dict.fromkeys(top.zh_variants + t.zh_variants)),
                            "forbidden": tuple(dict.fromkeys(top.forbidden + t.forbidden)),
                            "note": top.note or t.note,
                        }
                    )
        return cls(chosen.values())

    @property
    def terms(self) -> tuple[Term, ...]:
        return tuple(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)

    def __iter__(self) -> Iterator[Term]:
        return iter(self._by_key.values())

    # ------------------------------------------------------------------ lookup

    def get(self, en: str) -> Term | None:
        """The term for an English term (case and plural insensitive)."""
        return self._en.get(_en_key(en))

    def lookup(self, text: str, lang: str = "en") -> Term | None:
        """The term that is the whole of `text` (surrounding punctuation and quotes ignored),
        in English (`lang` "en") or Chinese ("zh")."""
        if lang == "zh":
            key = fold(text).strip().strip("《》〈〉「」『』“”\"'‘’（）()[]【】.,。，!！?？:：;； ")
            return self._zh.get(key)
        toks = [t for t, _, _ in tokens(text)]
        while toks and not toks[0][0].isalnum():
            toks.pop(0)
        while toks and not toks[-1][0].isalnum():
            toks.pop()
        return self._en.get(" ".join(toks))

    def find(
        self,
        text: str,
        lang: str = "en",
        *,
        domains: Iterable[str] | None = None,
        exclude: Term | None = None,
    ) -> list[TermHit]:
        """Non-overlapping term occurrences, longest first, left to right (spans index
        `fold(text)`); only terms of `domains` when given, never `exclude` (so the terms
        inside it are found instead)."""
        allowed = set(domains) if domains is not None else None
        if lang == "zh":
            return self._find_zh(text, allowed, exclude)
        return self._find_en(text, allowed, exclude)

    def _find_en(self, text: str, allowed: set[str] | None, exclude: Term | None) -> list[TermHit]:
        toks = tokens(text)
        hits: list[TermHit] = []
        i = 0
        while i < len(toks):
            for n in range(min(self._en_max, len(toks) - i), 0, -1):
                t = self._en.get(" ".join(tok for tok, _, _ in toks[i : i + n]))
                if t is not None and t is not exclude and (allowed is None or t.domain in allowed):
                    hits.append(TermHit(t, toks[i][1], toks[i + n - 1][2]))
                    i += n
                    break
            else:
                i += 1
        return hits

    def _find_zh(self, text: str, allowed: set[str] | None, exclude: Term | None) -> list[TermHit]:
        folded = fold(text)
        hits: list[TermHit] = []
        i = 0
        while i < len(folded):
            for n in self._zh_lengths:
                t = self._zh.get(folded[i : i + n])
                if t is not None and t is not exclude and (allowed is None or t.domain in allowed):
                    hits.append(TermHit(t, i, i + n))
                    i += n
                    break
            else:
                i += 1
        return hits

    # ------------------------------------------------------------------ the check

    def check_consistency(self, texts: Iterable[ItemText]) -> list[TermFinding]:
        """Every English term of an item's title and description rendered the approved way in
        the Chinese counterpart (module docstring); findings in item order."""
        findings: list[TermFinding] = []
        for item in texts:
            domains = None if item.kind == "fashion" else set(DOMAINS) - {"fashion"}
            for field, en, zh in item.pairs():
                if not en or not zh or not zh.strip():
                    continue
                zh_folded = fold(zh)
                own = self.lookup(en) if field == "title" else None
                if own is not None and fold(own.zh) != zh_folded.strip():
                    own = None  # another item's rendering of this title: check it
                seen: set[str] = set()
                for hit in self.find(en, "en", domains=domains, exclude=own):
                    t = hit.term
                    if t.en in seen:
                        continue
                    seen.add(t.en)
                    bad = next((f for f in t.forbidden if fold(f) in zh_folded), None)
                    ok = any(fold(a) in zh_folded for a in t.accepted)
                    if bad is not None:
                        at = zh_folded.index(fold(bad))
                        problem: Literal["missing", "forbidden"] = "forbidden"
                        found = _snippet(zh, at, at + len(bad))
                    elif not ok:
                        problem, found = "missing", _snippet(zh)
                    else:
                        continue
                    findings.append(
                        TermFinding(
                            item_id=item.item_id,
                            kind=item.kind,
                            field=field,
                            term=t.en,
                            domain=t.domain,
                            expected=t.zh,
                            problem=problem,
                            found=found,
                        )
                    )
        return findings

    # ------------------------------------------------------------------ CSV

    def csv_text(self) -> str:
        buf = io.StringIO(newline="")
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        for t in sorted(self.terms, key=lambda t: (DOMAINS.index(t.domain), fold(t.en))):
            w.writerow(
                [
                    t.en,
                    t.zh,
                    t.zh_hant or "",
                    t.domain,
                    "|".join(t.zh_variants),
                    "|".join(t.forbidden),
                    t.note,
                ]
            )
        return buf.getvalue()

    def write_csv(self, path: Path) -> None:
        try:
            Path(path).write_text(self.csv_text(), encoding="utf-8", newline="")
        except OSError as exc:
            raise UserError(f"{path}: cannot write ({exc.strerror})") from None


def terms_from_csv(text: str, where: str = "termbase", origin: str = "user") -> list[Term]:
    """Terms from CSV text with at least the columns en and zh (see CSV_COLUMNS)."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    cols = reader.fieldnames or []
    missing = [c for c in ("en", "zh") if c not in cols]
    if missing:
        raise UserError(f"{where}: missing column(s) {', '.join(missing)}")
    unknown = [c for c in cols if c not in CSV_COLUMNS]
    if unknown:
        raise UserError(
            f"{where}: unknown column(s) {', '.join(unknown)} (use {','.join(CSV_COLUMNS)})"
        )
    out: list[Term] = []
    for line, row in enumerate(reader, start=2):
        if None in row:
            raise UserError(f"{where}: row {line} has more fields than the header")

        def split(name: str, row: dict[str, str | None] = row) -> tuple[str, ...]:
            return tuple(v.strip() for v in (row.get(name) or "").split("|") if v.strip())

        message = ""
        try:
            out.append(
                Term(
                    en=row.get("en") or "",
                    zh=row.get("zh") or "",
                    zh_hant=(row.get("zh_hant") or "").strip() or None,
                    domain=(row.get("domain") or "").strip() or "general",
                    zh_variants=split("zh_variants"),
                    forbidden=split("forbidden"),
                    note=(row.get("note") or "").strip(),
                    origin=origin,
                )
            )
            continue
        except ValidationError as exc:
            message = validation_message(f"{where}: row {line}", exc)
        raise UserError(message)
    return out


def read_terms(path: Path, origin: str = "user") -> list[Term]:
    text = read_utf8(path)
    try:
        return terms_from_csv(text, str(path), origin)
    except csv.Error as exc:
        raise UserError(f"{path}: malformed CSV ({exc})") from None


def glossary_terms() -> list[Term]:
    """The packaged glossary (module docstring, layer 4)."""
    text = (
        resources.files("culturebridge.localise").joinpath("data/glossary.csv").read_text("utf-8")
    )
    return terms_from_csv(text, "packaged glossary", "glossary")


def lexicon_terms() -> list[Term]:
    """The fashion lexicon's values as terms (module docstring, layer 5)."""
    from culturebridge.fashion import DEFAULT_LEXICON, TABLES

    accepted: dict[tuple[str, str], list[str]] = {}
    for term, values in DEFAULT_LEXICON.terms.items():
        if any("\u4e00" <= ch <= "\u9fff" for ch in term):
            for v in values:
                accepted.setdefault((v.attribute, v.value), []).append(term)
    out: list[Term] = []
    for attribute, table in TABLES.items():
        for value, (en_terms, _) in table.items():
            v = DEFAULT_LEXICON.values[(attribute, value)]
            english = [t for t in en_terms.split("|") if t]
            en = value if value.casefold() in (t.casefold() for t in english) else english[0]
            variants = [t for t in accepted.get((attribute, value), []) if t != v.value_zh]
            if attribute == "style":
                for t in [v.value_zh, *variants]:
                    stem = t.removesuffix("风格").removesuffix("风")
                    if stem != t and len(stem) >= 2:
                        variants.append(stem)
            out.append(
                Term(
                    en=en,
                    zh=v.value_zh,
                    domain="fashion",
                    zh_variants=tuple(dict.fromkeys(x for x in variants if x != v.value_zh)),
                    note=f"fashion {attribute}: {value}",
                    origin="lexicon",
                )
            )
    return out


def catalogue_terms(items: Iterable[ItemText], partners: Iterable[PartnerText]) -> list[Term]:
    """Titles and partner names as terms (module docstring, layers 2 and 3)."""
    titles: dict[str, Counter[str]] = {}
    english: dict[str, str] = {}
    for it in items:
        if not it.title_en or not it.title_zh or not it.title_zh.strip():
            continue
        key = _en_key(it.title_en)
        if not key:
            continue
        english.setdefault(key, it.title_en.strip())
        titles.setdefault(key, Counter())[it.title_zh.strip()] += 1
    out = [
        Term(
            en=english[key],
            zh=counts.most_common(1)[0][0],
            domain="title",
            origin="catalogue",
            note=(f"{sum(counts.values())} items" if sum(counts.values()) > 1 else ""),
        )
        for key, counts in titles.items()
    ]
    for p in partners:
        if p.name_en and p.name_zh and p.name_zh.strip():
            out.append(Term(en=p.name_en, zh=p.name_zh, domain="partner", origin="partners"))
    return out


def build_termbase(
    items: Sequence[ItemText] = (),
    partners: Sequence[PartnerText] = (),
    *,
    user: Iterable[Term] = (),
    glossary: bool = True,
    lexicon: bool = True,
) -> Termbase:
    """The effective termbase: user > titles > partner names > glossary > fashion lexicon."""
    cat = catalogue_terms(items, partners)
    return Termbase.merged(
        user,
        [t for t in cat if t.domain == "title"],
        [t for t in cat if t.domain == "partner"],
        glossary_terms() if glossary else [],
        lexicon_terms() if lexicon else [],
    )


def workspace_termbase(ws: Workspace, catalogue: Catalogue | None = None) -> Termbase:
    """The effective termbase of a workspace: its user termbase (`DIR/localise/termbase.csv`,
    when present), its titles and partner names, the glossary and the fashion lexicon."""
    cat = catalogue if catalogue is not None else read_catalogue(ws)
    path = ws.root / USER_TERMBASE
    user = read_terms(path) if path.exists() else []
    return build_termbase(cat.items, cat.partners, user=user)
