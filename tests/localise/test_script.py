"""OpenCC and pinyin: known answers."""

from __future__ import annotations

import pytest

from culturebridge.errors import UserError
from culturebridge.localise import (
    pinyin_initials,
    pinyin_key,
    search_titles,
    sort_titles,
    to_simplified,
    to_traditional,
)


def test_simplified_to_traditional_per_audience() -> None:
    assert to_traditional("蓝色星球") == "藍色星球"
    assert to_traditional("蓝色星球", "hk") == "藍色星球"
    assert to_traditional("台湾", "hk") == "台灣" and to_traditional("台湾", "t") == "臺灣"
    # Taiwan gets Taiwan's words, not only its characters
    assert to_traditional("软件和鼠标", "tw") == "軟體和滑鼠"
    assert to_traditional("软件", "hk") == "軟件"


def test_traditional_to_simplified() -> None:
    assert to_simplified("藍色星球") == "蓝色星球"
    assert to_simplified("軟體和滑鼠", "tw") == "软件和鼠标"
    assert to_simplified(to_traditional("地球脉动", "hk"), "hk") == "地球脉动"
    with pytest.raises(UserError, match="unknown Chinese variant"):
        to_simplified("x", "jp")


def test_pinyin_keys() -> None:
    assert pinyin_key("蓝色星球") == "lan se xing qiu"
    assert pinyin_initials("蓝色星球") == "lsxq"
    assert pinyin_key("藍色星球") == "lan se xing qiu"  # Traditional reads the same
    assert pinyin_key("重庆森林") == "chong qing sen lin"  # polyphone read in context
    assert pinyin_key("女王") == "nv wang"
    assert pinyin_key("T恤 2024") == "t xu 2024"
    assert pinyin_initials("T恤 2024") == "tx2024"


def test_sorting_by_pinyin() -> None:
    titles = ["蓝色星球", "地球脉动", "冰冻星球", "王朝", "阿尔比恩骑士"]
    assert sort_titles(titles) == ["阿尔比恩骑士", "冰冻星球", "地球脉动", "蓝色星球", "王朝"]


def test_search_by_characters_pinyin_and_initials() -> None:
    titles = ["蓝色星球", "绿色星球", "地球脉动", "冰冻星球"]
    assert [m.title for m in search_titles("蓝色星球", titles)] == ["蓝色星球"]
    assert search_titles("蓝色星球", titles)[0].score == 1.0
    assert [m.title for m in search_titles("藍色", titles)] == ["蓝色星球"]
    for query in ("lansexingqiu", "lan se xing qiu", "lanse", "LanSe"):
        first = search_titles(query, titles)[0]
        assert (first.title, first.how) == ("蓝色星球", "pinyin"), query
    by_initials = search_titles("lsxq", titles)
    assert {m.title for m in by_initials} == {"蓝色星球", "绿色星球"}  # lü se xing qiu too
    assert all(m.how == "initials" for m in by_initials)
    inside = search_titles("xingqiu", titles)
    assert {m.title for m in inside} == {"蓝色星球", "绿色星球", "冰冻星球"}
    assert search_titles("  ", titles) == [] and search_titles("zzz", titles) == []
    assert len(search_titles("星球", titles, limit=2)) == 2
