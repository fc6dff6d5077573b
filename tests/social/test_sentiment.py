"""The sentiment model: normalisation, the lexicon, known answers, the model contract, training."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from culturebridge.errors import UserError
from culturebridge.social._emoji import EMOJI, WORDS, emoji_score, lexicon_scores, word_score
from culturebridge.social._sentiment import SentimentConfig, SentimentModel, default_model
from culturebridge.social._sentiment_train import (
    metrics,
    read_reviews,
    split_reviews,
    train_default,
)
from culturebridge.social._text import emoji_codes, normalise

POSITIVE = [
    "质量很好，物流也快，非常满意，下次还来买",
    "酒店环境干净，服务热情，早餐丰富，推荐入住",
    "这本书写得真好，读完很受启发",
    "今天终于拿到offer了！！！[哈哈][哈哈]",
    "这家火锅yyds，下次还来[馋嘴]",
    "周末和闺蜜去看海，好开心[太开心]",
    "謝謝大家的支持，我們會繼續努力[心]",
]
NEGATIVE = [
    "质量太差了，用了两天就坏了，退货",
    "房间又小又脏，隔音很差，再也不住了",
    "客服态度恶劣，等了一周都没发货，失望",
    "又加班到十一点，心好累[泪]",
    "排队两个小时就吃到这？拉胯[怒]",
    "快递丢了客服还踢皮球，气死我了[怒][怒]",
    "這家餐廳的服務態度太差了，不推薦",
]


# ------------------------------------------------------------------------------ normalise


def test_normalise_converts_traditional_and_full_width() -> None:
    assert normalise("這個東西很好用，網購體驗讚") == "这个东西很好用,网购体验赞"
    assert normalise("ＹＹＤＳ［哈哈］") == "YYDS[哈哈]"


def test_normalise_strips_urls_handles_and_retweet_markers() -> None:
    text = (
        "恭喜@小鹿同学 上岸！[鼓掌]//@阿杰-JC:[哈哈]厉害 回复@路人甲:同喜 "
        "http://t.cn/A1b2C3 www.x.com/a?b=1"
    )
    assert normalise(text) == "恭喜 上岸![鼓掌] [哈哈]厉害 同喜"
    assert normalise("mail a@b.com   now\n\tplease") == "mail a@b.com now please"
    assert normalise("详情见https://example.com/p?id=3看看") == "详情见 看看"


def test_emoji_codes_are_kept_and_listed() -> None:
    text = normalise("好[哈哈][哈哈]玩［doge］ [not a code]")
    assert emoji_codes(text) == ["[哈哈]", "[哈哈]", "[doge]"]
    assert emoji_codes("") == []


def test_normalise_keeps_plain_text() -> None:
    assert normalise("") == ""
    assert normalise("  好  ") == "好"


# --------------------------------------------------------------------------------- lexicon


def test_lexicon_weights_are_on_the_documented_scale() -> None:
    for table in (EMOJI, WORDS):
        assert all(-2.0 <= w <= 2.0 for w in table.values())
        assert all(k == k.lower() and k.strip() == k for k in table)
    for code in ("哈哈", "赞", "鼓掌", "爱你", "心", "good", "给力", "威武", "666", "爱心"):
        assert EMOJI[code] > 0, code
    for code in ("泪", "怒", "衰", "抓狂", "伤心", "失望", "吐", "鄙视", "裂开", "no"):
        assert EMOJI[code] < 0, code
    for code in ("思考", "吃瓜", "doge", "围观"):
        assert abs(EMOJI[code]) <= 0.5, code


def test_emoji_counted_once_per_code_and_words_negated() -> None:
    assert emoji_score("[爱你][爱你][爱你]") == EMOJI["爱你"]
    assert emoji_score("[哈哈][怒]") == EMOJI["哈哈"] + EMOJI["怒"]
    assert emoji_score("[不存在的表情]") == 0.0
    assert word_score("yyds") == WORDS["yyds"]
    assert word_score("不推荐") == pytest.approx(-0.5 * WORDS["推荐"])
    assert word_score("[开心]") == 0.0  # an emoji code is not also a word
    assert word_score("nice") > 0 and word_score("nicely done") == 0.0
    assert word_score("yyds", frozenset({"yyds"})) == 0.0
    assert lexicon_scores(["[赞] 拉胯"]).tolist() == [[EMOJI["赞"], WORDS["拉胯"]]]


# ---------------------------------------------------------------------------- known answers


def test_shipped_model_gets_obvious_texts_right() -> None:
    model = default_model()
    proba = model.predict_proba(POSITIVE + NEGATIVE)
    assert proba.dtype == np.float64 and proba.shape == (len(POSITIVE) + len(NEGATIVE),)
    assert ((proba >= 0) & (proba <= 1)).all()
    pos, neg = proba[: len(POSITIVE)], proba[len(POSITIVE) :]
    assert (pos > 0.5).all(), list(zip(POSITIVE, pos, strict=True))
    assert (neg < 0.5).all(), list(zip(NEGATIVE, neg, strict=True))
    assert model.predict(POSITIVE + NEGATIVE).tolist() == [1] * len(POSITIVE) + [0] * len(NEGATIVE)


def test_emoji_moves_the_score_the_right_way() -> None:
    model = default_model()
    plain, happy, sad = model.predict_proba(["今天去上班", "今天去上班[哈哈]", "今天去上班[泪]"])
    assert sad < plain < happy


def test_batch_equals_one_by_one_and_odd_inputs_score() -> None:
    model = default_model()
    texts = [*POSITIVE, *NEGATIVE, "", "   ", "[哈哈]", "http://t.cn/x", "a" * 5000]
    batch = model.predict_proba(texts)
    single = np.array([model.predict_proba([t])[0] for t in texts])
    np.testing.assert_allclose(batch, single, rtol=0, atol=1e-12)
    assert np.isfinite(batch).all() and ((batch >= 0) & (batch <= 1)).all()
    assert model.predict_proba([]).shape == (0,)
    assert model.predict_proba(("好",)).shape == (1,)
    with pytest.raises(TypeError):
        model.predict_proba("一个字符串")


def test_text_of_unknown_ngrams_is_no_evidence() -> None:
    """No intercept: a text the reviews taught nothing about sits at the calibration's centre."""
    proba = default_model().predict_proba(["", "ｘｑｚ"])
    assert abs(proba[0] - 0.5) < 0.02


# ---------------------------------------------------------------------------- the contract

Synthetic = Callable[[int, int], tuple[list[str], np.ndarray]]


@pytest.fixture
def synthetic() -> Synthetic:
    """Texts of random filler characters; positives carry 甲乙, negatives 丙丁 (the planted
    rule), each at a random place."""
    filler = list("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就")

    def make(n: int, seed: int) -> tuple[list[str], np.ndarray]:
        rng = np.random.default_rng(seed)
        labels = rng.integers(0, 2, n)
        texts = []
        for y in labels:
            chars = rng.choice(filler, size=int(rng.integers(6, 20))).tolist()
            chars.insert(int(rng.integers(0, len(chars) + 1)), "甲乙" if y else "丙丁")
            texts.append("".join(chars))
        return texts, labels

    return make


SMALL = SentimentConfig(n_features=2**12, calibration_folds=3)


def test_fit_learns_a_planted_rule(synthetic: Synthetic) -> None:
    texts, labels = synthetic(400, 0)
    model = SentimentModel(SMALL).fit(texts, labels, rng=1)
    test_texts, test_labels = synthetic(200, 99)
    proba = model.predict_proba(test_texts)
    assert (model.predict(test_texts) == test_labels).mean() >= 0.97
    assert proba[test_labels == 1].min() > 0.5 > proba[test_labels == 0].max()
    assert model.record["n_train"] == 400


def test_fit_is_deterministic_and_round_trips(synthetic: Synthetic, tmp_path: Path) -> None:
    texts, labels = synthetic(300, 3)
    a = SentimentModel(SMALL).fit(texts, labels, rng=7)
    b = SentimentModel(SMALL).fit(texts, labels, rng=7)
    assert a.coef is not None and b.coef is not None
    assert a.coef.tobytes() == b.coef.tobytes() and a.calibration == b.calibration
    a.save(tmp_path / "m" / "sentiment")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["sentiment.json", "sentiment.npz"]
    loaded = SentimentModel.load(tmp_path / "m" / "sentiment.npz")
    probe = texts[:50] + ["[哈哈]甲乙", "拉胯丙丁", ""]
    np.testing.assert_array_equal(loaded.predict_proba(probe), a.predict_proba(probe))
    assert loaded.config == a.config and loaded.muted == a.muted


def test_shipped_model_round_trips(tmp_path: Path) -> None:
    model = default_model()
    model.save(tmp_path / "sentiment")
    again = SentimentModel.load(tmp_path / "sentiment")
    texts = POSITIVE + NEGATIVE
    np.testing.assert_array_equal(again.predict_proba(texts), model.predict_proba(texts))
    assert default_model() is model  # loaded once


def test_fit_rejects_bad_labels(synthetic: Synthetic) -> None:
    texts, labels = synthetic(50, 0)
    with pytest.raises(ValueError, match="0 .negative. or 1"):
        SentimentModel(SMALL).fit(texts, labels * 2)
    with pytest.raises(ValueError, match="labels of shape"):
        SentimentModel(SMALL).fit(texts, labels[:10])
    with pytest.raises(ValueError, match="each label"):
        SentimentModel(SMALL).fit(texts[:5], np.array([1, 1, 1, 1, 0]))
    with pytest.raises(UserError, match="not fitted"):
        SentimentModel(SMALL).predict_proba(["好"])


def test_config_is_validated() -> None:
    with pytest.raises(ValidationError, match="power of two"):
        SentimentConfig(n_features=1000 * 1024)
    with pytest.raises(ValidationError, match="ngram_min"):
        SentimentConfig(ngram_min=3, ngram_max=2)
    with pytest.raises(ValidationError):
        SentimentConfig(reg=0)
    with pytest.raises(ValidationError):
        SentimentConfig(unknown=1)  # type: ignore[call-arg]


def test_missing_or_corrupt_model_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="sentiment model missing.*social train"):
        SentimentModel.load(tmp_path / "nothing")
    default_model().save(tmp_path / "sentiment")
    (tmp_path / "sentiment.npz").write_bytes(b"not a zip file")
    with pytest.raises(UserError, match="corrupt"):
        SentimentModel.load(tmp_path / "sentiment")
    default_model().save(tmp_path / "sentiment")
    meta = json.loads((tmp_path / "sentiment.json").read_text(encoding="utf-8"))
    meta["config"]["n_features"] = 2**12
    (tmp_path / "sentiment.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(UserError, match="corrupt .*shape"):
        SentimentModel.load(tmp_path / "sentiment")
    (tmp_path / "sentiment.json").write_text("{", encoding="utf-8")
    with pytest.raises(UserError, match="corrupt"):
        SentimentModel.load(tmp_path / "sentiment")


# ------------------------------------------------------------------------------- training


def test_metrics_known_answers() -> None:
    y = np.array([1, 1, 0, 0])
    perfect = metrics(y, np.array([1.0, 1.0, 0.0, 0.0]))
    assert perfect == {"accuracy": 1.0, "macro_f1": 1.0, "brier": 0.0, "ece": 0.0}
    half = metrics(y, np.array([0.9, 0.2, 0.1, 0.8]))
    assert half["accuracy"] == 0.5 and half["macro_f1"] == 0.5
    assert metrics(y, np.full(4, 0.5))["ece"] == 0.0  # 50 % sure, right half the time


def reviews_csv(path: Path, n: int = 200, *, bom: bool = True) -> Path:
    rng = np.random.default_rng(0)
    good = ["很好", "满意", "推荐", "不错", "喜欢"]
    bad = ["太差", "失望", "退货", "垃圾", "难用"]
    lines = ["cat,label,review"]
    for i in range(n):
        y = i % 2
        words = rng.choice(good if y else bad, 3).tolist()
        lines.append(f"{['书籍', '酒店'][i % 4 // 2]},{y},{'，'.join(words)}的东西{i}")
    lines += ["书籍,1,", "书籍,x,好", '酒店,0,""']
    data = "\n".join(lines).encode()
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data + b"\n")
    return path


def test_read_reviews_counts_what_it_skips(tmp_path: Path) -> None:
    reviews = read_reviews(reviews_csv(tmp_path / "r.csv"))
    assert len(reviews) == 200 and reviews.rows_read == 203
    assert reviews.skipped == {"empty review": 2, "label not 0 or 1": 1}
    assert set(reviews.cats.tolist()) == {"书籍", "酒店"}
    split = split_reviews(reviews)
    assert len(split.test) == 40 and not set(split.train) & set(split.test)
    again = split_reviews(reviews)
    np.testing.assert_array_equal(split.test, again.test)
    for cat in ("书籍", "酒店"):  # stratified by category
        assert (reviews.cats[split.test] == cat).sum() == 20


def test_read_reviews_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such reviews file"):
        read_reviews(tmp_path / "none.csv")
    (tmp_path / "bad.csv").write_text("cat,text\n书籍,好\n", encoding="utf-8")
    with pytest.raises(UserError, match="no column 'label'"):
        read_reviews(tmp_path / "bad.csv")
    (tmp_path / "few.csv").write_text("label,review\n1,好\n0,差\n", encoding="utf-8")
    with pytest.raises(UserError, match="need at least 50"):
        read_reviews(tmp_path / "few.csv")


def test_train_default_writes_a_loadable_model(tmp_path: Path) -> None:
    cfg = SentimentConfig(n_features=2**12)
    report = train_default(reviews_csv(tmp_path / "r.csv"), tmp_path / "out", config=cfg)
    assert report["n_train"] == 160 and report["n_held_out"] == 40
    assert report["held_out"]["accuracy"] >= 0.9
    model = SentimentModel.load(tmp_path / "out" / "sentiment")
    assert model.record["held_out"] == report["held_out"]
    assert model.predict(["很好，满意，推荐", "太差，失望，退货"]).tolist() == [1, 0]


# ------------------------------------------------------------------------------- real data


@pytest.mark.realdata
def test_shipped_model_on_the_review_hold_out(real_file: Callable[[str], Path]) -> None:
    """The figure in the shipped JSON is the shipped model's, on the split used everywhere."""
    reviews = read_reviews(real_file("chinese-reviews/online_shopping_10_cats.csv"))
    assert len(reviews) == 62_773 and reviews.skipped == {"empty review": 1}
    split = split_reviews(reviews)
    model = default_model()
    proba = model.predict_proba([reviews.texts[i] for i in split.test])
    result = metrics(reviews.labels[split.test], proba)
    assert result["accuracy"] >= 0.93
    assert result["accuracy"] == pytest.approx(model.record["held_out"]["accuracy"], abs=1e-4)
    assert result["ece"] < 0.03
