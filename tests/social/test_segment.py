"""Word segmentation that keeps the workspace's names whole, in either script."""

from __future__ import annotations

import jieba
import pytest

from culturebridge.query import connect
from culturebridge.social._segment import (
    STOPWORDS,
    Segmenter,
    aliases_of,
    lexicon_words,
    workspace_segmenter,
    workspace_words,
)
from tests.conftest import Demo

NAMES = ["蓝色星球", "泰晤士神探", "泰探", "阿尔比恩广播公司", "天穹竞技场高校联赛小组赛（上海站）"]


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return Segmenter([*NAMES, *lexicon_words()])


def test_names_and_fashion_terms_stay_whole(seg: Segmenter) -> None:
    words = seg.cut("刚看完《蓝色星球》，太好看了[赞] #国潮穿搭# 阿尔比恩广播公司出品")
    assert "蓝色星球" in words and "国潮" in words and "阿尔比恩广播公司" in words
    assert "泰探" in seg.cut("泰探太好看了")
    # a long name with punctuation is held as its runs
    assert "天穹竞技场高校联赛小组赛" in seg.cut("天穹竞技场高校联赛小组赛（上海站）")
    # plain jieba splits what the dictionary does not know
    assert "蓝色星球" not in Segmenter().cut("刚看完《蓝色星球》")


def test_traditional_segments_like_simplified(seg: Segmenter) -> None:
    simplified = "刚看完《蓝色星球》，剧情太拖沓了，国潮穿搭"
    traditional = "剛看完《藍色星球》，劇情太拖沓了，國潮穿搭"
    assert seg.cut(traditional) == seg.cut(simplified)
    assert seg.keywords_of(traditional) == seg.keywords_of(simplified)


def test_cut_normalises_and_drops_punctuation(seg: Segmenter) -> None:
    words = seg.cut("ＹＹＤＳ！！ 看完了。。。 https://t.cn/abc @小明 OMG")
    assert words == ["yyds", "看", "完", "了", "omg"]
    assert all(w.strip() for w in words)
    assert seg.cut("") == [] and seg.cut(None) == [] and seg.cut("，。！ ") == []


def test_keywords_keep_content_words_only(seg: Segmenter) -> None:
    words = seg.keywords_of("我们的《蓝色星球》，画面绝美[赞][doge] 第2季 666 yyds 的 了")
    assert words == ["蓝色星球", "画面", "绝美", "yyds"]
    assert not {"的", "了", "我", "赞", "doge", "666", "2"} & set(words)
    assert seg.keywords_of("[哈哈][哈哈]") == []


def test_own_stopwords_replace_the_default() -> None:
    seg = Segmenter(["蓝色星球"], stopwords=["蓝色星球", "画面"])
    assert seg.keywords_of("蓝色星球画面绝美，我们的天空") == ["绝美", "我们", "天空"]
    assert "的" in STOPWORDS and "好看" not in STOPWORDS


def test_dictionary_frequency_is_jiebas_own(seg: Segmenter) -> None:
    seg.add_words(["王朝"])
    assert seg.dictionary_frequency("王朝") > 0  # an everyday word, whatever was added
    assert seg.dictionary_frequency("泰探") == 0
    assert seg.dictionary_frequency("蓝色星球") == 0


def test_the_global_tokenizer_is_left_alone(seg: Segmenter) -> None:
    assert "泰探" in seg.user_words
    assert "泰探" not in jieba.dt.FREQ


def test_tokenize_covers_the_text() -> None:
    seg = Segmenter(["泰探"])
    text = "看完泰探了！ ok"
    tokens = seg.tokenize(text)
    assert "".join(w for w, _, _ in tokens) == text
    assert all(text[s:e] == w for w, s, e in tokens)
    assert ("泰探", 2, 4) in tokens


def test_aliases_of_reads_dicts_and_arrow_maps() -> None:
    assert aliases_of({"aliases": "泰探| GBRJ |", "language": "en"}) == ["泰探", "GBRJ"]
    assert aliases_of([("language", "en"), ("aliases", "天竞")]) == ["天竞"]
    assert aliases_of(None) == [] and aliases_of({}) == []


def test_workspace_words_and_segmenter(demo: Demo) -> None:
    con = connect(demo.ws, "duckdb")
    try:
        words = workspace_words(con)
        seg = workspace_segmenter(con)
    finally:
        con.disconnect()
    spike = demo.truth["sentiment_spike"]["title_zh"]
    for word in (spike, "泰探", "蓝色星球", "阿尔比恩广播公司", "国潮", "连帽衫"):
        assert word in words, word
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in w) for w in words)
    assert spike in seg.cut(f"熬夜刷完《{spike}》，烂尾了[怒]")
    assert "泰探" in seg.cut("泰探太好看了")
