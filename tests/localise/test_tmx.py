"""TMX 1.4 and CSV: lossless round trips, a golden file with everything TMX can carry, and
malformed input refused with one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from culturebridge.errors import UserError
from culturebridge.localise import (
    Note,
    Prop,
    TmxDocument,
    TranslationMemory,
    Unit,
    Variant,
    parse_tmx,
    read_csv,
    read_tmx,
    tmx_bytes,
    write_csv,
    write_tmx,
)
from culturebridge.localise._tmx import csv_text, units_from_csv

GOLDEN = Path(__file__).parent / "data" / "golden.tmx"


@pytest.fixture
def golden() -> TmxDocument:
    return read_tmx(GOLDEN)


def test_golden_is_read_completely(golden: TmxDocument) -> None:
    h = golden.header
    assert golden.version == "1.4"
    assert h.srclang == "en-GB" and h.attr("o-tmf") == "ABCTM"
    assert [k for k, _ in h.attrs][:3] == ["creationtool", "creationtoolversion", "datatype"]
    assert h.props == (Prop("x-client", "Albion Broadcasting Corporation"),)
    assert h.notes == (Note("Header note & more"),)
    assert h.extra and h.extra[0].startswith('<ude name="MacRoman"')

    t1, t2, t3 = golden.units
    assert t1.attrs == (
        ("tuid", "t1"),
        ("creationdate", "20240102T030405Z"),
        ("creationid", "anna"),
        ("changedate", "20240203T040506Z"),
        ("usagecount", "3"),
        ("lastusagedate", "20240301T000000Z"),
    )
    assert t1.props == (Prop("x-domain", "documentary"),)
    assert t1.notes == (Note("Title of the landmark series", lang="en"),)
    en, zh = t1.variants
    assert en.lang == "en-GB" and en.attrs == (
        ("creationdate", "20240102T030405Z"),
        ("creationid", "anna"),
    )
    # inline markup kept exactly; the plain text drops the codes
    assert en.markup == (
        'Watch <bpt i="1" x="1">&lt;b&gt;</bpt>Blue Planet<ept i="1">&lt;/b&gt;</ept>'
        " tonight &amp; tomorrow"
    )
    assert en.text == "Watch Blue Planet tonight & tomorrow"
    assert zh.text == "今晚和明天观看《蓝色星球》"
    assert zh.props == (Prop("x-reviewed", "yes"),) and zh.notes == (Note("审校：王"),)

    # whitespace inside seg, non-BMP characters (as characters and as references), CDATA
    assert t2.variants[0].text == "  Spaces   kept, emoji 😀 and 𠀀  <raw> & ready  "
    assert t2.variants[1].text == "保留空格，表情😀和𠀀重点"
    assert [v.lang for v in t2.variants] == ["en-GB", "zh-CN", "zh-TW"]
    # TMX 1.1's lang attribute is read; prop text keeps its newline and tab
    assert [v.lang for v in t3.variants] == ["EN", "ZH"]
    assert t3.props == (Prop("x-context", "line one\nline two\ttabbed", "en", "utf-8"),)


def test_golden_round_trip_is_lossless(golden: TmxDocument, tmp_path: Path) -> None:
    out = tmp_path / "out.tmx"
    write_tmx(golden, out)
    again = read_tmx(out)
    assert again == golden  # import -> export -> import: equal objects
    out2 = tmp_path / "out2.tmx"
    write_tmx(again, out2)
    assert out2.read_bytes() == out.read_bytes()  # export -> import -> export: same bytes


def test_memory_round_trip_keeps_everything(tmp_path: Path) -> None:
    tm = TranslationMemory.load(GOLDEN)
    tm.save(tmp_path / "tm.tmx")
    back = TranslationMemory.load(tmp_path / "tm.tmx")
    assert back.units == tm.units and back.header == tm.header


text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",),
        blacklist_characters="\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f"
        "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\ufffe\uffff",
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(text, text, text), min_size=1, max_size=5))
def test_any_text_survives_tmx(rows: list[tuple[str, str, str]]) -> None:
    """&, <, >, quotes, \\r, \\n, tabs, spaces and astral characters all come back as written."""
    units = tuple(
        Unit(
            variants=(Variant.plain("en", a), Variant.plain("zh", b)),
            attrs=(("tuid", a),),
            props=(Prop("x-note", c),),
            notes=(Note(c, lang="en"),),
        )
        for a, b, c in rows
    )
    doc = TmxDocument(units=units)
    data = tmx_bytes(doc)
    back = parse_tmx(data)
    assert back == doc
    assert [u.variants[0].text for u in back.units] == [a for a, _, _ in rows]
    assert tmx_bytes(back) == data


def test_csv_round_trip(tmp_path: Path) -> None:
    units = units_from_csv(
        "source_lang,target_lang,source,target,tuid,note\n"
        'en,zh,"Blue Planet, again",蓝色星球,t1,"a note\nwith two lines"\n'
        'en,zh,"He said ""hi"" & left",他说“嗨”然后走了,,\n'
    )
    assert units[0].tuid == "t1" and units[0].notes == (Note("a note\nwith two lines"),)
    assert units[1].variants[0].text == 'He said "hi" & left' and units[1].tuid is None
    path = tmp_path / "tm.csv"
    write_csv(units, path)
    assert read_csv(path) == units
    # and CSV -> TMX -> CSV gives the same CSV
    tm = TranslationMemory.load(path)
    tm.save(tmp_path / "tm.tmx")
    assert csv_text(TranslationMemory.load(tmp_path / "tm.tmx").units) == path.read_text("utf-8")


def test_csv_of_golden_has_plain_pairs(golden: TmxDocument) -> None:
    lines = csv_text(golden.units).splitlines()
    assert lines[0] == "source_lang,target_lang,source,target,tuid,note"
    assert lines[1] == (
        "en-GB,zh-CN,Watch Blue Planet tonight & tomorrow,今晚和明天观看《蓝色星球》,t1,"
        "Title of the landmark series"
    )
    assert sum(line.startswith("en-GB,zh-") for line in lines) == 3  # t2 has two targets


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<tmx version='1.4'><header/><body><tu>", "not well-formed"),
        (b"not xml at all", "not well-formed"),
        (b"<xliff/>", "not a TMX file"),
        (b"<tmx version='1.4'><body/></tmx>", "needs a <header> and a <body>"),
        (
            b'<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY a "aaaa">]>'
            b"<tmx version='1.4'><header/><body/></tmx>",
            "internal subset|entity",
        ),
        (
            b"<tmx version='1.4'><header/><body><tu><tuv><seg>x</seg></tuv></tu></body></tmx>",
            "no xml:lang",
        ),
        (
            b"<tmx version='1.4'><header/><body><tu><tuv xml:lang='en'/></tu></body></tmx>",
            "exactly one <seg>",
        ),
        (
            b"<tmx version='1.4'><header/><body><tu><tuv xml:lang='en'><seg>a<b>x</b></seg>"
            b"</tuv></tu></body></tmx>",
            "unexpected <b>",
        ),
        (b"<tmx version='1.4'><header/><body><tu/></body></tmx>", "has no <tuv>"),
        (b"<tmx version='1.4'><header/><body><x/></body></tmx>", "unexpected <x>"),
    ],
)
def test_malformed_tmx_is_a_user_error(data: bytes, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_tmx(data, "bad.tmx")


def test_billion_laughs_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<tmx version='1.4'><header/><body><tu><tuv xml:lang='en'><seg>&lol2;</seg></tuv>"
        b"</tu></body></tmx>"
    )
    with pytest.raises(UserError, match="refusing"):
        parse_tmx(bomb)


def test_missing_files_and_bad_csv(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such file"):
        read_tmx(tmp_path / "absent.tmx")
    bad = tmp_path / "bad.csv"
    bad.write_text("source,target\na,b\n", encoding="utf-8")
    with pytest.raises(UserError, match="missing column"):
        read_csv(bad)
    with pytest.raises(UserError, match="cannot be written"):
        tmx_bytes(TmxDocument(units=(Unit((Variant.plain("en", "bell\x07"),)),)))
