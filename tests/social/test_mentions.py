"""Posts linked to catalogue items: every form, exact offsets, no false hits, and the demo's truth.

Known answers come from a small hand-made catalogue (a generic two-character title, an alias, a
title inside a longer title, an ambiguous alias) and from the demo universe's per-post truth
(truth/posts.parquet), against which precision and recall must both reach 0.9.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from culturebridge.demo import DemoResult
from culturebridge.query import Analysis, connect
from culturebridge.social._mentions import (
    LINK_COLUMNS,
    MENTION_SCHEMA,
    Mention,
    MentionLinker,
    item_mentions,
    pinyin_keys,
    post_mentions,
)
from tests.conftest import Demo

ATTRS = pa.map_(pa.string(), pa.string())
CATALOGUE = pa.table(
    {
        "item_id": ["blue", "dyn", "thames", "garden", "sky", "sky_final", "rail", "hoodie", "x1"],
        "title_zh": [
            "蓝色星球",
            "王朝",
            "泰晤士神探",
            "秘密花园",
            "天穹竞技场",
            "天穹竞技场高校联赛小组赛（上海站）",
            "火车环游英伦",
            "黑色条纹街头连帽衫",
            "寂静港湾",
        ],
        "title_en": [
            "Blue Planet",
            "Dynasties",
            "Thames Detectives",
            "The Secret Garden",
            "Skyforge Arena",
            "Skyforge Arena University League Group Stage, Shanghai",
            "Great British Railway Journeys",
            "Black Striped Streetwear Hoodie",
            "The Silent Harbour",
        ],
        "attributes": pa.array(
            [
                [],
                [],
                [("aliases", "泰探|TD")],
                [("aliases", "花园")],  # an everyday word: only inside marks
                [("aliases", "天竞|港湾神")],
                [],
                [("language", "en"), ("aliases", "英国铁路之旅|GBRJ")],
                [],
                [("aliases", "港湾神")],  # shared with `sky`: ambiguous, links nothing
            ],
            type=ATTRS,
        ),
    }
)


@pytest.fixture(scope="module")
def linker() -> MentionLinker:
    return MentionLinker.from_items(CATALOGUE)


def _one(linker: MentionLinker, text: str) -> Mention:
    found = linker.link(text)
    assert len(found) == 1, (text, found)
    m = found[0]
    assert text[m.start : m.end] == m.surface
    return m


@pytest.mark.parametrize(
    ("text", "item", "surface", "form", "marked", "traditional"),
    [
        ("刚看完《蓝色星球》，太好看了[赞]", "blue", "蓝色星球", "title_zh", True, False),
        ("刚看完蓝色星球，太好看了", "blue", "蓝色星球", "title_zh", False, False),
        ("剛看完《藍色星球》，太好看了", "blue", "藍色星球", "title_zh", True, True),
        ("剛看完藍色星球，畫面絕美", "blue", "藍色星球", "title_zh", False, True),
        ("看了 Blue Planet so good", "blue", "Blue Planet", "title_en", False, False),
        ("BLUE-PLANET 太好看", "blue", "BLUE-PLANET", "title_en", False, False),
        ("#blueplanet# 二刷", "blue", "blueplanet", "title_en", False, False),
        ("熬夜刷完 lan se xing qiu，画面绝美", "blue", "lan se xing qiu", "pinyin", False, False),
        ("LanSeXingQiu yyds", "blue", "LanSeXingQiu", "pinyin", False, False),
        ("《王朝》的配乐太戳我了", "dyn", "王朝", "title_zh", True, False),
        ("追完「王朝」了", "dyn", "王朝", "title_zh", True, False),
        ("Dynasties is great", "dyn", "Dynasties", "title_en", False, False),
        ("泰探太好看了", "thames", "泰探", "alias", False, False),
        ("和室友一起看了泰探，烂尾了", "thames", "泰探", "alias", False, False),
        ("secret garden 好美", "garden", "secret garden", "title_en", False, False),
        ("《花园》看哭了", "garden", "花园", "alias", True, False),
        ("天竞今晚开黑", "sky", "天竞", "alias", False, False),
        ("GBRJ 真的治愈", "rail", "GBRJ", "alias", False, False),
        ("计划暑假去英国铁路之旅", "rail", "英国铁路之旅", "alias", False, False),
        (
            "刚入手了黑色条纹街头连帽衫，质感很好",
            "hoodie",
            "黑色条纹街头连帽衫",
            "title_zh",
            False,
            False,
        ),
        ("ＢＬＵＥ　ＰＬＡＮＥＴ 好看", "blue", "ＢＬＵＥ　ＰＬＡＮＥＴ", "title_en", False, False),
    ],
)
def test_each_form_links_with_exact_offsets(
    linker: MentionLinker,
    text: str,
    item: str,
    surface: str,
    form: str,
    marked: bool,
    traditional: bool,
) -> None:
    m = _one(linker, text)
    assert (m.item_id, m.surface, m.form, m.marked, m.traditional) == (
        item,
        surface,
        form,
        marked,
        traditional,
    )
    assert m.start == text.index(surface)


def test_the_longest_match_wins(linker: MentionLinker) -> None:
    text = "天穹竞技场高校联赛小组赛（上海站）太精彩了"
    m = _one(linker, text)
    assert (m.item_id, m.start, m.end) == ("sky_final", 0, 17)
    en = _one(linker, "Skyforge Arena University League Group Stage, Shanghai!!")
    assert en.item_id == "sky_final"
    assert _one(linker, "Skyforge Arena 上分").item_id == "sky"


@pytest.mark.parametrize(
    "text",
    [
        "历史课讲到王朝更替，原来这么有意思",  # a generic title outside marks
        "周末在后花园晒太阳，喝个下午茶",  # 花园 inside 后花园, and an everyday-word alias
        "星球大战新剧有人追吗",  # a piece of a title
        "蓝色的海和绿色的山",
        "这个游戏的露天竞技场模式好难打",  # 天竞 across 露天|竞技场
        "港湾神出鬼没",  # an ambiguous alias
        "blueplanetarium tickets",  # not a whole word
        "wangchao",  # pinyin of a two-character title is a person's name
        "TD 是什么",  # too short
        "Blue 和 Planet",
        "",
    ],
)
def test_generic_words_and_pieces_do_not_fire(linker: MentionLinker, text: str) -> None:
    assert linker.link(text) == []


def test_several_items_and_link_many(linker: MentionLinker) -> None:
    text = "《蓝色星球》和泰探都二刷了，还有 Dynasties"
    found = linker.link(text)
    assert [m.item_id for m in found] == ["blue", "thames", "dyn"]
    assert [m.start for m in found] == sorted(m.start for m in found)
    assert all(text[m.start : m.end] == m.surface for m in found)
    many = linker.link_many([text, None, "", text, "泰探"])
    assert many[0] == many[3] == found
    assert many[1] == many[2] == []
    assert [m.item_id for m in many[4]] == ["thames"]


def test_offsets_survive_characters_that_normalise_to_several() -> None:
    linker = MentionLinker.from_items(CATALOGUE.select(["item_id", "title_zh", "title_en"]))
    text = "㈠…《藍色星球》ﬁ泰晤士神探"  # ㈠ and ﬁ expand under NFKC
    found = linker.link(text)
    assert [(m.item_id, m.surface) for m in found] == [
        ("blue", "藍色星球"),
        ("thames", "泰晤士神探"),
    ]
    assert all(text[m.start : m.end] == m.surface for m in found)
    assert linker.link("泰探") == []  # no attributes column: no aliases


def test_pinyin_keys() -> None:
    assert pinyin_keys("蓝色星球") == ["lansexingqiu"]
    assert pinyin_keys("绿色星球") == ["lvsexingqiu", "lusexingqiu"]
    assert pinyin_keys("王朝") == [] and pinyin_keys("白色T恤衫") == []


# ---------------------------------------------------------------------------- the demo


def _post_truth(demo: Demo, demo_source: DemoResult) -> tuple[pa.Table, Path]:
    meta = demo.truth["post_mentions"]
    path = demo_source.files["posts"][0].parents[1] / meta["path"]
    return pq.read_table(path), path


def test_the_demo_truth_file_exists_and_adds_up(demo: Demo, demo_source: DemoResult) -> None:
    truth, path = _post_truth(demo, demo_source)
    meta = demo.truth["post_mentions"]
    assert path.is_file()
    n = demo.truth["counts"]["posts"]
    with_item = truth.filter(truth["item_id"].is_valid()).num_rows
    without = truth.filter(truth["item_id"].is_null()).num_rows
    assert with_item + without == truth.num_rows == n == meta["posts"]
    assert (with_item, without) == (meta["with_item"], meta["without_item"])
    assert dict(Counter(truth["form"].to_pylist())) == {f: c for f, c in meta["forms"].items() if c}
    assert len(set(truth["post_id"].to_pylist())) == n


def test_demo_links_match_the_truth(demo: Demo, demo_source: DemoResult) -> None:
    """Precision and recall of post -> item links against the per-post truth, per form."""
    truth, _ = _post_truth(demo, demo_source)
    con = connect(demo.ws, "duckdb")
    try:
        links = post_mentions(con)
    finally:
        con.disconnect()
    assert links.schema.equals(MENTION_SCHEMA)
    found: dict[str, set[str]] = {}
    for pid, item in zip(links["post_id"].to_pylist(), links["item_id"].to_pylist(), strict=True):
        found.setdefault(pid, set()).add(item)
    tp, fp, fn, n = Counter[str](), Counter[str](), Counter[str](), Counter[str]()
    rows = zip(
        truth["post_id"].to_pylist(),
        truth["item_id"].to_pylist(),
        truth["form"].to_pylist(),
        truth["traditional"].to_pylist(),
        strict=True,
    )
    for pid, item, form, traditional in rows:
        key = form + (" (traditional)" if traditional else "")
        got = found.get(pid, set())
        n[key] += 1
        if item is not None:
            tp[key] += item in got
            fn[key] += item not in got
        fp[key] += len(got - {item})
    print(f"\n{'form':32} {'posts':>7} {'precision':>10} {'recall':>8}")
    for key in sorted(n):
        p = tp[key] / (tp[key] + fp[key]) if tp[key] + fp[key] else float("nan")
        r = tp[key] / (tp[key] + fn[key]) if tp[key] + fn[key] else float("nan")
        print(f"{key:32} {n[key]:>7} {p:>10.3f} {r:>8.3f}   false links {fp[key]}")
    precision = sum(tp.values()) / (sum(tp.values()) + sum(fp.values()))
    recall = sum(tp.values()) / (sum(tp.values()) + sum(fn.values()))
    print(f"{'all':32} {sum(n.values()):>7} {precision:>10.3f} {recall:>8.3f}")
    assert precision >= 0.9 and recall >= 0.9
    for form in ("title_zh_marked", "title_zh", "title_en", "alias", "pinyin"):
        assert tp[form] / (tp[form] + fn[form]) >= 0.9, form
    assert fp["decoy"] + fp["decoy (traditional)"] <= 0.05 * n["decoy"]
    # every post about the spike title in its week is found, and nothing else
    spike = demo.truth["sentiment_spike"]
    start, end = (datetime.fromisoformat(spike[k]) for k in ("week_start", "week_end"))
    in_week = [
        ts
        for ts, item in zip(links["ts"].to_pylist(), links["item_id"].to_pylist(), strict=True)
        if item == spike["item_id"] and start <= ts < end
    ]
    assert len(in_week) == spike["observed"]["posts_in_week"]


def test_period_filter(demo: Demo) -> None:
    con = connect(demo.ws, "duckdb")
    try:
        june = post_mentions(con, period_from=date(2026, 6, 1), period_to=date(2026, 6, 30))
    finally:
        con.disconnect()
    days = {t.date() for t in june["ts"].to_pylist()}
    assert june.num_rows > 0 and min(days) >= date(2026, 6, 1) and max(days) <= date(2026, 6, 30)


def test_item_mentions_are_guarded(demo: Demo) -> None:
    spike = demo.truth["sentiment_spike"]["item_id"]
    with Analysis.open(demo.ws) as a:
        result, links = item_mentions(a)
        k = a.policy.k
    assert result.rows[0].item_id == spike  # the most-discussed title
    assert result.linked_posts <= result.posts
    assert tuple(links.column_names) == LINK_COLUMNS and "user_id" not in links.column_names
    shown = {r.item_id for r in result.rows if not r.suppressed}
    assert set(links["item_id"].to_pylist()) == shown
    for r in result.rows:
        if r.suppressed:
            assert r.posts is None and r.authors is None and r.share_title_zh is None
        else:
            assert r.authors is not None and r.authors >= k
            assert r.posts is not None and r.posts >= r.authors
            shares = [r.share_title_zh, r.share_title_en, r.share_alias, r.share_pinyin]
            assert sum(s or 0 for s in shares) == pytest.approx(1, abs=1e-3)
    assert result.privacy.suppressed > 0  # the long tail of fashion pieces
    assert result.withheld_links > 0


def test_item_mentions_for_one_item_and_a_partner(demo: Demo) -> None:
    spike = demo.truth["sentiment_spike"]["item_id"]
    with Analysis.open(demo.ws) as a:
        one, links = item_mentions(a, item=spike)
    assert [r.item_id for r in one.rows] == [spike]
    assert one.rows[0].posts == links.num_rows
    with Analysis.open(demo.ws, partner="p_foxglove") as a:
        scoped, links = item_mentions(a)
    ids = {r.item_id for r in scoped.rows}
    assert "(other partners)" in ids
    assert all(i.startswith("gam_") for i in ids - {"(other partners)"})
    assert all(i.startswith("gam_") for i in links["item_id"].to_pylist())
    # a partner with no items of its own (the platform partner) sees only the folded total
    with Analysis.open(demo.ws, partner="p_qianfan") as a:
        none_own, links = item_mentions(a)
    assert {r.item_id for r in none_own.rows} <= {"(other partners)"}
    assert links.num_rows == 0


def test_single_character_titles_need_marks() -> None:
    linker = MentionLinker.from_items(pa.table({"item_id": ["home"], "title_zh": ["家"]}))
    assert [(m.item_id, m.start, m.marked) for m in linker.link("看了《家》")] == [
        ("home", 3, True)
    ]
    assert linker.link("回家了") == [] and linker.link("家") == [] and linker.link("《家") == []
