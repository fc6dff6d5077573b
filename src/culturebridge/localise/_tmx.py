"""TMX 1.4 and CSV: reading and writing translation units without losing anything.

The model mirrors the format, so a TMX file comes back as it went in:

* `TmxHeader`: the header's attributes in document order (creationtool, srclang, o-tmf, ...),
  its `prop`s and `note`s, and any `ude` elements kept as their XML.
* `Unit` (`<tu>`): its attributes in document order (tuid, creationdate, changedate,
  creationid, usagecount, ...), props, notes and `Variant`s.
* `Variant` (`<tuv>`): the language (`xml:lang`, or TMX 1.1's `lang`), other attributes,
  props, notes and `markup`, the content of `<seg>` as XML: inline elements (`bpt`, `ept`,
  `ph`, `it`, `hi`, `ut`, `sub`) are kept with their attributes and text, characters exactly.
  `Variant.text` is the plain text a translator reads: inline codes (`bpt`, `ept`, `ph`, `it`,
  `ut`) dropped, `hi` kept.

Guarantees (tested): reading, writing and reading again gives equal objects; writing, reading
and writing again gives the same bytes. The markup is stored in one canonical form (`&`, `<`,
`>` and carriage returns escaped in text; `"`, tabs and newlines too in attribute values), so
a segment with a bare `\\r` survives XML's line-end normalisation. The order in which props and
notes were interleaved is not kept (the DTD gives it no meaning): notes are written first.
Whitespace between structural elements is layout and is rewritten; whitespace inside `seg`,
`prop` and `note` is content and is kept.

Safety: the file is parsed with the standard library's expat after a first pass that refuses
any DOCTYPE with an internal subset and any ENTITY declaration (no entity expansion, no billion
laughs); a plain `<!DOCTYPE tmx SYSTEM "tmx14.dtd">` line, which most tools write, is accepted
and never fetched. Anything malformed is a one-line `UserError`.

CSV (`source_lang,target_lang,source,target,tuid,note`) carries plain text pairs only: inline
markup becomes its plain text, and props and other attributes are not written. Reading it back
gives the same units as the CSV describes.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
import xml.parsers.expat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from culturebridge.errors import UserError
from culturebridge.localise._text import read_utf8

XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_LANG = f"{{{XML_NS}}}lang"
TMX_VERSION = "1.4"
CSV_COLUMNS = ("source_lang", "target_lang", "source", "target", "tuid", "note")

Attrs = tuple[tuple[str, str], ...]
"""Attributes as (name, value) pairs in document order; `xml:lang` is written so."""

INLINE_CODES = frozenset({"bpt", "ept", "ph", "it", "ut"})
"""Inline elements whose content is native code, not text (`hi` wraps text and is kept)."""
INLINE = INLINE_CODES | {"hi", "sub"}

DEFAULT_HEADER: Attrs = (
    ("creationtool", "culturebridge"),
    ("creationtoolversion", "0.1.0"),
    ("segtype", "sentence"),
    ("o-tmf", "culturebridge"),
    ("adminlang", "en"),
    ("srclang", "en"),
    ("datatype", "plaintext"),
)

# Characters XML 1.0 cannot hold, not even as character references.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape_text(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\r", "&#13;")


def escape_attr(value: str) -> str:
    return escape_text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


@dataclass(frozen=True)
class Prop:
    """`<prop type="...">text</prop>`: a tool's named property (domain, client, x-...)."""

    type: str
    text: str
    lang: str | None = None
    encoding: str | None = None
    """`o-encoding`: how the text was encoded originally."""


@dataclass(frozen=True)
class Note:
    """`<note>text</note>`: a comment for people."""

    text: str
    lang: str | None = None
    encoding: str | None = None


@dataclass(frozen=True)
class Variant:
    """`<tuv>`: one language's version of a unit."""

    lang: str
    markup: str
    """The content of `<seg>` as canonical XML (inline elements kept); see `text`."""
    attrs: Attrs = ()
    """The other `tuv` attributes (creationdate, changeid, o-encoding, ...), in order."""
    props: tuple[Prop, ...] = ()
    notes: tuple[Note, ...] = ()

    @classmethod
    def plain(cls, lang: str, text: str, *, attrs: Attrs = ()) -> Variant:
        """A variant holding plain text (escaped into markup)."""
        return cls(lang=lang, markup=escape_text(text), attrs=attrs)

    @cached_property
    def text(self) -> str:
        """The plain text: inline codes dropped, highlighted text kept, entities resolved."""
        if "<" not in self.markup and "&" not in self.markup:
            return self.markup
        return _plain(ET.fromstring(f"<seg>{self.markup}</seg>"))


@dataclass(frozen=True)
class Unit:
    """`<tu>`: one translation unit with its language variants."""

    variants: tuple[Variant, ...]
    attrs: Attrs = ()
    """The `tu` attributes (tuid, creationdate, creationid, changedate, usagecount,
    lastusagedate, srclang, ...), in order."""
    props: tuple[Prop, ...] = ()
    notes: tuple[Note, ...] = ()

    def attr(self, name: str) -> str | None:
        return next((v for k, v in self.attrs if k == name), None)

    @property
    def tuid(self) -> str | None:
        return self.attr("tuid")

    def variant(self, lang: str) -> Variant | None:
        """The first variant in `lang`: an exact tag match (case-insensitive) first, then the
        first with the same primary language."""
        want = lang.lower()
        for v in self.variants:
            if v.lang.lower() == want:
                return v
        prim = want.replace("_", "-").split("-", 1)[0]
        for v in self.variants:
            if v.lang.lower().replace("_", "-").split("-", 1)[0] == prim:
                return v
        return None


@dataclass(frozen=True)
class TmxHeader:
    attrs: Attrs = DEFAULT_HEADER
    props: tuple[Prop, ...] = ()
    notes: tuple[Note, ...] = ()
    extra: tuple[str, ...] = ()
    """`ude` (user-defined entity) elements, kept as their canonical XML."""

    def attr(self, name: str) -> str | None:
        return next((v for k, v in self.attrs if k == name), None)

    @property
    def srclang(self) -> str | None:
        return self.attr("srclang")


@dataclass(frozen=True)
class TmxDocument:
    header: TmxHeader = field(default_factory=TmxHeader)
    units: tuple[Unit, ...] = ()
    version: str = TMX_VERSION


# ---------------------------------------------------------------------------------- reading


def _plain(elem: ET.Element) -> str:
    parts = [elem.text or ""]
    for child in elem:
        if child.tag not in INLINE_CODES:
            parts.append(_plain(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _attr_name(name: str) -> str:
    if name == XML_LANG:
        return "xml:lang"
    if name.startswith("{"):
        ns, local = name[1:].split("}", 1)
        raise UserError(f"unsupported namespaced attribute {local!r} ({ns})")
    return name


def _attrs(elem: ET.Element, skip: tuple[str, ...] = ()) -> Attrs:
    return tuple((_attr_name(k), v) for k, v in elem.attrib.items() if _attr_name(k) not in skip)


def _element_xml(elem: ET.Element, *, tail: bool = True) -> str:
    """The canonical XML of an element and its children (and its tail, unless told not to)."""
    if not isinstance(elem.tag, str) or elem.tag.startswith("{"):
        raise UserError(f"unsupported element {elem.tag!r} in a segment")
    attrs = "".join(f' {_attr_name(k)}="{escape_attr(v)}"' for k, v in elem.attrib.items())
    inner = _inner_xml(elem)
    body = f"<{elem.tag}{attrs}>{inner}</{elem.tag}>" if inner else f"<{elem.tag}{attrs}/>"
    return body + escape_text(elem.tail or "") if tail else body


def _inner_xml(elem: ET.Element) -> str:
    return escape_text(elem.text or "") + "".join(_element_xml(c) for c in elem)


def _lang(elem: ET.Element, where: str, required: bool = False) -> str | None:
    lang = elem.get(XML_LANG) or elem.get("lang")
    if required and not lang:
        raise UserError(f"{where}: a <{elem.tag}> has no xml:lang")
    return lang


def _prop(elem: ET.Element, where: str) -> Prop:
    if len(elem):
        raise UserError(f"{where}: a <prop> holds elements; only text is allowed")
    kind = elem.get("type")
    if kind is None:
        raise UserError(f"{where}: a <prop> has no type attribute")
    return Prop(kind, elem.text or "", _lang(elem, where), elem.get("o-encoding"))


def _note(elem: ET.Element, where: str) -> Note:
    if len(elem):
        raise UserError(f"{where}: a <note> holds elements; only text is allowed")
    return Note(elem.text or "", _lang(elem, where), elem.get("o-encoding"))


def _meta(
    elem: ET.Element, where: str, allowed: tuple[str, ...]
) -> tuple[tuple[Prop, ...], tuple[Note, ...], list[ET.Element]]:
    props: list[Prop] = []
    notes: list[Note] = []
    rest: list[ET.Element] = []
    for child in elem:
        if child.tag == "prop":
            props.append(_prop(child, where))
        elif child.tag == "note":
            notes.append(_note(child, where))
        elif child.tag in allowed:
            rest.append(child)
        else:
            raise UserError(f"{where}: unexpected <{child.tag}> in <{elem.tag}>")
        stray = (child.tail or "").strip()
        if stray:
            raise UserError(f"{where}: stray text {stray[:30]!r} in <{elem.tag}>")
    stray = (elem.text or "").strip()
    if stray:
        raise UserError(f"{where}: stray text {stray[:30]!r} in <{elem.tag}>")
    return tuple(props), tuple(notes), rest


def _variant(elem: ET.Element, where: str) -> Variant:
    props, notes, rest = _meta(elem, where, ("seg",))
    if len(rest) != 1:
        raise UserError(f"{where}: a <tuv> must hold exactly one <seg>, not {len(rest)}")
    seg = rest[0]
    for child in seg.iter():
        if child is not seg and child.tag not in INLINE:
            raise UserError(f"{where}: unexpected <{child.tag}> inside <seg>")
    lang = _lang(elem, where, required=True)
    assert lang is not None
    return Variant(
        lang=lang,
        markup=_inner_xml(seg),
        attrs=_attrs(elem, ("xml:lang", "lang")),
        props=props,
        notes=notes,
    )


def _unit(elem: ET.Element, where: str) -> Unit:
    props, notes, rest = _meta(elem, where, ("tuv",))
    if not rest:
        raise UserError(f"{where}: a <tu> has no <tuv>")
    return Unit(
        variants=tuple(_variant(v, where) for v in rest),
        attrs=_attrs(elem),
        props=props,
        notes=notes,
    )


def _refuse_dtd(data: bytes, where: str) -> None:
    """First pass: refuse internal DTD subsets and entity declarations (see the docstring)."""
    parser = xml.parsers.expat.ParserCreate()

    def doctype(name: str, sysid: str | None, pubid: str | None, has_internal: int) -> None:
        if has_internal:
            raise UserError(f"{where}: refusing a DOCTYPE with an internal subset")

    def entity(*args: object) -> None:
        raise UserError(f"{where}: refusing an XML entity declaration")

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise UserError(f"{where}: not well-formed XML ({exc})") from None


def parse_tmx(data: bytes, where: str = "TMX") -> TmxDocument:
    """A TMX document from bytes (any encoding its XML declaration names)."""
    _refuse_dtd(data, where)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise UserError(f"{where}: not well-formed XML ({exc})") from None
    if root.tag != "tmx":
        raise UserError(f"{where}: not a TMX file (the root element is <{root.tag}>, not <tmx>)")
    version = root.get("version", "")
    header_el = root.find("header")
    body = root.find("body")
    if header_el is None or body is None:
        raise UserError(f"{where}: a TMX file needs a <header> and a <body>")
    if [c.tag for c in root] != ["header", "body"]:
        raise UserError(f"{where}: <tmx> must hold a <header> then a <body>")
    props, notes, udes = _meta(header_el, where, ("ude",))
    header = TmxHeader(
        attrs=_attrs(header_el),
        props=props,
        notes=notes,
        extra=tuple(_element_xml(u, tail=False) for u in udes),
    )
    units: list[Unit] = []
    for i, tu in enumerate(body):
        if tu.tag != "tu":
            raise UserError(f"{where}: unexpected <{tu.tag}> in <body>")
        tuid = tu.get("tuid")
        units.append(_unit(tu, f"{where}: unit {i + 1}" + (f" ({tuid})" if tuid else "")))
    return TmxDocument(header=header, units=tuple(units), version=version)


def read_tmx(path: Path) -> TmxDocument:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    return parse_tmx(data, str(path))


# ---------------------------------------------------------------------------------- writing


def _check_chars(text: str, where: str) -> str:
    bad = _INVALID_XML.search(text)
    if bad:
        raise UserError(f"{where}: character U+{ord(bad.group()):04X} cannot be written to XML")
    return text


def _attr_xml(attrs: Iterable[tuple[str, str | None]], where: str) -> str:
    return "".join(
        f' {k}="{escape_attr(_check_chars(v, where))}"' for k, v in attrs if v is not None
    )


def _meta_xml(
    props: tuple[Prop, ...], notes: tuple[Note, ...], indent: str, where: str
) -> Iterator[str]:
    for n in notes:
        a = _attr_xml([("xml:lang", n.lang), ("o-encoding", n.encoding)], where)
        yield f"{indent}<note{a}>{escape_text(_check_chars(n.text, where))}</note>\n"
    for p in props:
        a = _attr_xml([("type", p.type), ("xml:lang", p.lang), ("o-encoding", p.encoding)], where)
        yield f"{indent}<prop{a}>{escape_text(_check_chars(p.text, where))}</prop>\n"


def tmx_chunks(doc: TmxDocument) -> Iterator[str]:
    """The TMX text, piece by piece (UTF-8, LF line ends, two-space indent)."""
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield '<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n'
    yield f'<tmx version="{escape_attr(doc.version or TMX_VERSION)}">\n'
    h = doc.header
    yield f"  <header{_attr_xml(h.attrs, 'header')}"
    if h.props or h.notes or h.extra:
        yield ">\n"
        yield from _meta_xml(h.props, h.notes, "    ", "header")
        for x in h.extra:
            yield f"    {x}\n"
        yield "  </header>\n"
    else:
        yield "/>\n"
    yield "  <body>\n"
    for i, u in enumerate(doc.units):
        where = f"unit {i + 1}" + (f" ({u.tuid})" if u.tuid else "")
        yield f"    <tu{_attr_xml(u.attrs, where)}>\n"
        yield from _meta_xml(u.props, u.notes, "      ", where)
        for v in u.variants:
            yield f"      <tuv{_attr_xml([('xml:lang', v.lang), *v.attrs], where)}>\n"
            yield from _meta_xml(v.props, v.notes, "        ", where)
            yield f"        <seg>{_check_chars(v.markup, where)}</seg>\n"
            yield "      </tuv>\n"
        yield "    </tu>\n"
    yield "  </body>\n</tmx>\n"


def tmx_bytes(doc: TmxDocument) -> bytes:
    return "".join(tmx_chunks(doc)).encode("utf-8")


def write_tmx(doc: TmxDocument, path: Path) -> None:
    """Write atomically (a temporary file renamed over the target)."""
    _write_atomic(Path(path), tmx_bytes(doc))


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"{path}: cannot write ({exc.strerror})") from None


# ---------------------------------------------------------------------------------- CSV


def csv_rows(units: Iterable[Unit], source_lang: str | None = None) -> Iterator[dict[str, str]]:
    """One row per (source variant, other variant) of each unit: the source is the variant
    in `source_lang` (default: the unit's own srclang attribute, else its first variant)."""
    for u in units:
        want = source_lang or u.attr("srclang")
        src = (u.variant(want) if want else None) or u.variants[0]
        note = "\n".join(n.text for n in u.notes)
        for v in u.variants:
            if v is src:
                continue
            yield {
                "source_lang": src.lang,
                "target_lang": v.lang,
                "source": src.text,
                "target": v.text,
                "tuid": u.tuid or "",
                "note": note,
            }


def csv_text(units: Iterable[Unit], source_lang: str | None = None) -> str:
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    w.writeheader()
    w.writerows(csv_rows(units, source_lang))
    return buf.getvalue()


def write_csv(units: Iterable[Unit], path: Path, source_lang: str | None = None) -> None:
    _write_atomic(Path(path), csv_text(units, source_lang).encode("utf-8"))


def units_from_csv(text: str, where: str = "CSV") -> list[Unit]:
    """Units from CSV text with the columns in CSV_COLUMNS (tuid and note may be absent)."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    cols = reader.fieldnames or []
    missing = [c for c in ("source_lang", "target_lang", "source", "target") if c not in cols]
    if missing:
        raise UserError(
            f"{where}: missing column(s) {', '.join(missing)} (expected {','.join(CSV_COLUMNS)})"
        )
    units: list[Unit] = []
    for line, row in enumerate(reader, start=2):
        if None in row or any(row[c] is None for c in CSV_COLUMNS if c in cols):
            raise UserError(f"{where}: row {line} does not have the header's columns")
        if not row["source_lang"].strip() or not row["target_lang"].strip():
            raise UserError(f"{where}: row {line} has no source_lang or target_lang")
        tuid = (row.get("tuid") or "").strip()
        note = row.get("note") or ""
        here = f"{where}: row {line}"
        units.append(
            Unit(
                variants=(
                    Variant.plain(row["source_lang"].strip(), _check_chars(row["source"], here)),
                    Variant.plain(row["target_lang"].strip(), _check_chars(row["target"], here)),
                ),
                attrs=(("tuid", tuid),) if tuid else (),
                notes=(Note(note),) if note else (),
            )
        )
    return units


def read_csv(path: Path) -> list[Unit]:
    text = read_utf8(path)
    try:
        return units_from_csv(text, str(path))
    except csv.Error as exc:
        raise UserError(f"{path}: malformed CSV ({exc})") from None
