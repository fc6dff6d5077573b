"""The three-way label (positive / negative / neutral) and the word block of the sentiment model:
known answers on the shipped model, the rule's invariants, the CLI's `--neutral` column, and
old (format 1) model files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from culturebridge.social import SentimentConfig, SentimentModel, default_model
from culturebridge.social._sentiment import _cut, _word_features, is_question
from tests.social.test_sentiment_cli import read_csv
from tests.test_cli import invoke

NEUTRAL = [
    "这款手机是昨天发布的。",  # a plain statement about a product
    "请问明天几点开门？",  # a question
    "快递什么时候到？",
    "这件衣服是什么材质的？",
]
# A known miss, not asserted: "我买了一台热水器。" scores P = 0.16 (reviews that say what was
# bought are mostly complaints), outside the neutral band that 5 % of polar reviews allow.
POSITIVE = ["这家酒店太棒了，服务很好！", "质量非常好，很满意", "物美价廉，推荐购买"]
NEGATIVE = ["太差了，再也不买了", "质量很差，退货了", "为什么这么差？再也不来了"]


def test_plain_statements_and_questions_are_neutral() -> None:
    names, proba = default_model().labels(NEUTRAL)
    assert names == ["neutral"] * len(NEUTRAL), list(zip(NEUTRAL, names, proba, strict=True))


def test_clear_opinions_keep_their_label_questions_included() -> None:
    names, _ = default_model().labels(POSITIVE + NEGATIVE)
    assert names == ["positive"] * len(POSITIVE) + ["negative"] * len(NEGATIVE)


def test_labels_leave_the_probability_alone() -> None:
    model = default_model()
    texts = NEUTRAL + POSITIVE + NEGATIVE + ["今天去上班[哈哈]", ""]
    names, proba = model.labels(texts)
    np.testing.assert_allclose(proba, model.predict_proba(texts), rtol=0, atol=1e-12)
    for name, p in zip(names, proba, strict=True):
        assert name == "neutral" or name == ("positive" if p >= 0.5 else "negative")
    assert model.neutral(texts).tolist() == [n == "neutral" for n in names]
    assert names[-2] == "positive"  # an emoji is opinion evidence
    with pytest.raises(TypeError):
        model.labels("一个字符串")


def test_question_cues_and_negation_scope() -> None:
    assert is_question("请问明天几点开门?") and is_question("有货吗")
    assert not is_question("这款手机是昨天发布的。")
    words = _cut("不推荐购买，很好")
    assert "" in words  # the comma ends the clause
    feats = _word_features(words)
    assert "!推荐" in feats and "!购买" in feats and "!很" not in feats  # scope ends at ，


def test_shipped_model_has_its_neutral_rule() -> None:
    model = default_model()
    assert model.config.words and model.config.nb_scale
    assert 0.0 < model.neutral_band < 5.0
    assert {"失望", "差评", "喜欢"} <= model.opinion
    assert not {"手机", "酒店", "吗", "昨天"} & model.opinion  # products and function words


def test_format_1_files_still_load_without_a_neutral_label(tmp_path: Path) -> None:
    texts = ["很好很满意", "太差了失望", "不错推荐", "垃圾退货"] * 10
    labels = [1, 0, 1, 0] * 10
    cfg = SentimentConfig(n_features=2**12, words=False, nb_scale=False)
    model = SentimentModel(cfg).fit(texts, labels, rng=0)
    model.save(tmp_path / "old")
    meta = tmp_path / "old.json"
    info = json.loads(meta.read_text(encoding="utf-8"))
    for key in ("opinion_words", "neutral_band"):
        del info[key]
    for key in ("words", "word_features", "nb_scale", "opinion_min_df", "opinion_min_ratio"):
        del info["config"][key]
    for key in ("opinion_agreement", "neutral_budget"):
        del info["config"][key]
    info["format_version"] = 1
    meta.write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
    old = SentimentModel.load(tmp_path / "old")
    assert not old.config.words
    np.testing.assert_allclose(old.predict_proba(texts), model.predict_proba(texts), atol=1e-6)
    assert "neutral" not in old.labels(["请问几点开门？", "很好"])[0]


def test_cli_neutral_column(tmp_path: Path) -> None:
    src, out = tmp_path / "posts.csv", tmp_path / "scored.csv"
    src.write_text(
        "id,post,sentiment\n1,请问明天几点开门？,a\n2,质量非常好，很满意,b\n3,,c\n"
        "4,太差了，再也不买了,d\n",
        encoding="utf-8",
    )
    code, stdout, stderr = invoke(
        "social",
        "sentiment",
        "--input",
        src,
        "--text-column",
        "post",
        "--output",
        out,
        "--neutral",
        "--json",
    )
    assert code == 0, stderr
    rows = read_csv(out)
    assert list(rows[0]) == [
        "id",
        "post",
        "sentiment_input",
        "label",
        "score",
        "reason",
        "sentiment",
    ]
    assert [r["sentiment"] for r in rows] == ["neutral", "positive", "", "negative"]
    assert [r["label"] for r in rows[1:]] == ["1", "", "0"]  # label and score stay binary
    assert rows[0]["label"] == str(int(float(rows[0]["score"]) >= 0.5))
    assert [r["sentiment_input"] for r in rows] == ["a", "b", "c", "d"]
    summary = json.loads(stdout)
    assert summary["neutral"] == 1 and summary["neutral_share"] == round(1 / 3, 4)
