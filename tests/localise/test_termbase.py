"""The termbase: where terms come from and which wins, term matching, the consistency check."""

from __future__ import annotations

from pathlib import Path

import pytest

from culturebridge.errors import UserError
from culturebridge.localise import (
    ItemText,
    PartnerText,
    Term,
    Termbase,
    build_termbase,
    glossary_terms,
    lexicon_terms,
    read_terms,
)


def test_glossary_and_lexicon_load() -> None:
    glossary = {t.en: t for t in glossary_terms()}
    assert glossary["Blue Planet"].forbidden == ("蓝色行星", "蓝星球")
    assert glossary["Big Ben"].zh_hant == "大笨鐘"
    assert {t.domain for t in glossary.values()} == {"title", "general", "tourism"}
    lexicon = {t.en: t for t in lexicon_terms()}
    assert lexicon["hoodie"].zh == "连帽衫" and "帽衫" in lexicon["hoodie"].zh_variants
    assert lexicon["Navy Blue"].zh == "藏青色"
    assert lexicon["sneaker"].zh == "运动鞋"  # the value "sneakers" is matched as a plural
    assert "运动" in lexicon["sporty"].zh_variants  # a style's stem, as product titles use it
    assert all(t.domain == "fashion" for t in lexicon.values())


def test_precedence_user_catalogue_partners_glossary_lexicon() -> None:
    items = [
        ItemText("d1", "documentary", "Blue Planet", "蓝色星球"),
        ItemText("d2", "documentary", "Frozen Planet", "冰封星球"),
        ItemText("s1", "series", "Whitby Nights", "惠特比之夜"),
        ItemText("s2", "series", "Whitby Nights", "惠特比夜晚"),
        ItemText("s3", "series", "Whitby Nights", "惠特比之夜"),
    ]
    partners = [PartnerText("p1", "London", "伦敦市")]
    user = [Term(en="whitby nights", zh="惠特比夜晚", origin="user")]
    tb = build_termbase(items, partners, user=user)
    blue = tb.get("blue planet")
    assert blue is not None and (blue.zh, blue.domain, blue.origin) == (
        "蓝色星球",
        "title",
        "catalogue",
    )
    assert blue.forbidden == ("蓝色行星", "蓝星球")  # same rendering: the glossary's bans stay
    frozen = tb.get("Frozen Planet")
    assert frozen is not None and frozen.zh == "冰封星球" and frozen.forbidden == ()
    whitby = tb.get("Whitby Nights")
    assert whitby is not None and (whitby.zh, whitby.origin) == ("惠特比夜晚", "user")
    london = tb.get("London")
    assert london is not None and (london.zh, london.domain) == ("伦敦市", "partner")
    # without the user's entry the most common rendering is approved
    plain = build_termbase(items, partners)
    approved = plain.get("Whitby Nights")
    assert approved is not None and approved.zh == "惠特比之夜"


def test_longest_match_plurals_and_names() -> None:
    tb = Termbase(
        [
            Term(en="Navy Blue", zh="藏青色", domain="fashion"),
            Term(en="Blue", zh="蓝色", domain="fashion"),
            Term(en="castle", zh="城堡", domain="tourism"),
            Term(en="Aurelia Hart", zh="奥蕾莉亚·哈特", domain="partner"),
            Term(en="Dynasties", zh="王朝", domain="title"),
            Term(en="t-shirt", zh="T恤", domain="fashion"),
        ]
    )
    found = [h.term.en for h in tb.find("Navy Blue T-Shirts from Aurelia Hart's castles")]
    assert found == ["Navy Blue", "t-shirt", "Aurelia Hart", "castle"]
    assert [h.term.en for h in tb.find("a blue shirt")] == ["Blue"]  # not inside t-shirt
    assert tb.find("Dynasty") == []  # names are not singularised or pluralised
    assert [h.term.zh for h in tb.find("藏青色T恤和蓝色城堡", "zh")] == [
        "藏青色",
        "T恤",
        "蓝色",
        "城堡",
    ]
    assert tb.lookup("  《城堡》 ", "zh") is not None and tb.lookup("Castles!") is not None


def test_consistency_findings() -> None:
    tb = build_termbase(
        [ItemText("d1", "documentary", "Blue Planet", "蓝色星球")],
        [PartnerText("p1", "Albion Broadcasting Corporation", "阿尔比恩广播公司")],
    )
    items = [
        ItemText(
            "d1",
            "documentary",
            "Blue Planet",
            "蓝色星球",
            "Blue Planet: a nature documentary from Albion Broadcasting Corporation.",
            "《蓝色星球》，阿尔比恩广播公司出品的纪录片。",
        ),
        ItemText(
            "d2",
            "documentary",
            "Ocean Giants",
            "海洋巨兽",
            "From the makers of Blue Planet, filmed in Cornwall.",
            "《蓝色行星》原班人马打造，在英国西南部拍摄。",
        ),
        # "red" and "top" are fashion terms only in fashion items
        ItemText("f1", "film", "Red Top", "红顶", "A red top hat.", "一顶红色高帽。"),
        ItemText("f2", "fashion", "Red Top", "蓝色上衣", None, None),
        ItemText("x", "film", "Blue Planet", "", "Blue Planet again", ""),  # missing: not here
    ]
    findings = tb.check_consistency(items)
    got = [(f.item_id, f.field, f.term, f.problem) for f in findings]
    assert got == [
        ("d2", "description", "Blue Planet", "forbidden"),
        ("d2", "description", "Cornwall", "missing"),
        ("f2", "title", "Red", "missing"),
    ]
    assert findings[0].expected == "蓝色星球" and "蓝色行星" in findings[0].found
    assert findings[1].expected == "康沃尔"


def test_a_title_rendered_two_ways_is_found() -> None:
    items = [
        ItemText("a", "documentary", "Wild Isles", "野性不列颠"),
        ItemText("b", "documentary", "Wild Isles", "荒野群岛"),
        ItemText("c", "documentary", "Wild Isles", "野性不列颠"),
    ]
    tb = build_termbase(items)
    findings = tb.check_consistency(items)
    assert [(f.item_id, f.field, f.expected, f.found) for f in findings] == [
        ("b", "title", "野性不列颠", "荒野群岛")
    ]


def test_csv_round_trip_and_errors(tmp_path: Path) -> None:
    tb = build_termbase([ItemText("d1", "documentary", "Blue Planet", "蓝色星球")])
    path = tmp_path / "terms.csv"
    tb.write_csv(path)
    back = Termbase(read_terms(path))
    assert len(back) == len(tb)
    assert {(t.en, t.zh, t.domain, t.zh_variants, t.forbidden) for t in back} == {
        (t.en, t.zh, t.domain, t.zh_variants, t.forbidden) for t in tb
    }
    bad = tmp_path / "bad.csv"
    bad.write_text("en,zh,domain\nBlue Planet,蓝色星球,films\n", encoding="utf-8")
    with pytest.raises(UserError, match="row 2: domain"):
        read_terms(bad)
    bad.write_text("en,zh\n,蓝色星球\n", encoding="utf-8")
    with pytest.raises(UserError, match="row 2: en"):
        read_terms(bad)
    bad.write_text("english,chinese\n", encoding="utf-8")
    with pytest.raises(UserError, match="missing column"):
        read_terms(bad)
