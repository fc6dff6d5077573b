"""Polarity of the emoji codes and internet words of Chinese social media, as log-odds evidence.

A review-trained text model has never seen `[哈哈]`, `yyds` or `拉胯`: reviews carry no emoji
codes and little slang, yet on Weibo, WeChat and Bilibili they are often the clearest statement
of how the writer feels. This lexicon supplies that evidence a priori.

Where the entries come from: general knowledge of the platforms' built-in emoji sets (Weibo's
classic faces such as [哈哈] [泪] [怒] [doge], WeChat's [呲牙] [流泪] [强], Bilibili's [妙啊]
[辣眼睛]) and of common internet usage (yyds, 绝绝子, 拉胯, 踩雷, 真香...). No entry and no
weight was read off or fitted to any labelled evaluation data.

How the weights are set: each entry's weight is a log-odds shift on one coarse, a-priori scale,

    ±2.0  unambiguous and strong ([哈哈] [爱你] [怒] [泪]; yyds, 拉胯, 避雷)
    ±1.0  clear but milder, or common in both moods with one clearly dominant
    ±0.5  a lean ([抱抱] comforts a sad post as often as it greets a happy one)
     0.0  listed so that it is known and counted as neutral ([吃瓜] [思考] [doge] [围观])

and `SentimentModel` learns one scale for the emoji total and one for the word total on the
committed social dev set (tests/social/data/social_dev.csv, posts written for this purpose), so
the per-entry weights stay as set here.

Emoji are counted once per distinct code in a post ([爱你][爱你][爱你] is one [爱你]): a
repeated face says the same thing louder, not three things. A word preceded by a negator (不, 没,
别, 不是, 不太...) counts with its sign flipped and half its weight: 不推荐 leans negative, 不难吃
leans (weakly) positive.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

import numpy as np
import numpy.typing as npt

from culturebridge.social._text import EMOJI_CODE

# --------------------------------------------------------------------------------- emoji codes
# Names as they appear between the brackets after `normalise` (Simplified, NFKC), lowercased.
EMOJI: dict[str, float] = {
    # laughter, joy, love
    "哈哈": 2.0,
    "嘻嘻": 2.0,
    "太开心": 2.0,
    "偷笑": 1.5,
    "爱你": 2.0,
    "心": 2.0,
    "爱心": 2.0,
    "花心": 2.0,
    "亲亲": 1.5,
    "飞吻": 1.5,
    "可爱": 1.5,
    "害羞": 1.0,
    "挤眼": 1.0,
    "馋嘴": 1.5,
    "星星眼": 1.5,
    "憧憬": 1.0,
    "得意": 1.0,
    "耶": 1.5,
    "haha": 2.0,
    "hiahia": 1.0,
    "笑哈哈": 2.0,
    "哈哈哈": 2.0,
    "大笑": 1.5,
    "憨笑": 1.0,
    "呲牙": 1.5,
    "调皮": 1.0,
    "愉快": 1.5,
    "色": 1.0,
    "破涕为笑": 1.0,
    "笑cry": 0.5,
    "笑哭": 0.5,
    "喜": 1.0,
    "喜欢": 1.5,
    "开心": 2.0,
    "微笑": 0.5,  # a friendly face on old Weibo, often sarcastic on newer platforms
    "呵呵": 0.5,  # the first face of Weibo's classic set; the word 呵呵 has soured since
    "做鬼脸": 0.5,
    "顶": 1.0,
    # praise and support
    "赞": 2.0,
    "点赞": 2.0,
    "赞啊": 2.0,
    "good": 2.0,
    "给力": 2.0,
    "威武": 2.0,
    "鼓掌": 2.0,
    "酷": 1.5,
    "666": 1.5,
    "强": 1.5,
    "牛": 1.5,
    "ok": 1.0,
    "好的": 0.5,
    "握手": 1.0,
    "胜利": 1.5,
    "加油": 1.0,
    "奋斗": 0.5,
    "拳头": 0.5,
    "支持": 1.5,
    "打call": 1.5,
    "妙啊": 1.5,
    "中国赞": 1.5,
    "作揖": 1.0,
    "抱拳": 1.0,
    "机智": 0.5,
    "抱抱": 0.5,
    "拥抱": 0.5,
    # gifts, celebrations, good things
    "鲜花": 1.5,
    "花": 1.0,
    "玫瑰": 1.5,
    "礼物": 1.5,
    "蛋糕": 1.5,
    "干杯": 1.5,
    "红包": 1.0,
    "发红包": 1.0,
    "福": 1.0,
    "太阳": 1.0,
    "彩虹": 1.0,
    "钱": 0.5,
    "音乐": 0.5,
    "爱情": 1.5,
    "嘿哈": 1.0,
    "旺柴": 0.5,
    "互粉": 0.5,
    "奥特曼": 0.0,
    # neutral-ish: known, counted as no evidence
    "思考": 0.0,
    "吃瓜": 0.0,
    "doge": 0.0,
    "二哈": 0.0,
    "喵喵": 0.0,
    "围观": 0.0,
    "嘘": 0.0,
    "话筒": 0.0,
    "月亮": 0.0,
    "咖啡": 0.0,
    "并不简单": 0.0,
    "滑稽": 0.0,
    "让我看看": 0.0,
    "笑而不语": 0.0,
    "睡": 0.0,
    "睡觉": 0.0,
    "来": 0.0,
    "熊猫": 0.0,
    "兔子": 0.0,
    "书呆子": 0.0,
    "钟": 0.0,
    "雪": 0.0,
    "绿丝带": 0.0,
    "微风": 0.5,
    "吃惊": -0.5,
    "疑问": -0.5,
    "费解": -0.5,
    "摊手": -0.5,
    "捂脸": -0.5,
    "囧": -0.5,
    "阴险": -0.5,
    "挖鼻": -0.5,
    "挖鼻屎": -0.5,
    "打哈气": -0.5,
    "猪头": -0.5,
    "下雨": -0.5,
    "抠鼻": -0.5,
    "哈欠": -0.5,
    "困": -0.5,
    "拜拜": -0.5,
    "emm": -0.5,
    "跪了": -0.5,
    "允悲": -0.5,
    "尴尬": -1.0,
    # sadness
    "泪": -2.0,
    "流泪": -2.0,
    "大哭": -2.0,
    "伤心": -2.0,
    "悲伤": -2.0,
    "心碎": -2.0,
    "失望": -2.0,
    "委屈": -1.5,
    "可怜": -1.0,
    "难过": -2.0,
    "衰": -1.5,
    "生病": -1.5,
    "感冒": -1.0,
    "崩溃": -2.0,
    "蜡烛": -1.5,
    "苦涩": -1.0,
    "叹气": -1.0,
    "凋谢": -1.0,
    "裂开": -1.5,
    # anger, disgust, contempt
    "怒": -2.0,
    "发怒": -2.0,
    "生气": -2.0,
    "怒骂": -2.0,
    "抓狂": -2.0,
    "吐": -2.0,
    "鄙视": -2.0,
    "哼": -1.0,
    "左哼哼": -1.0,
    "右哼哼": -1.0,
    "白眼": -1.0,
    "翻白眼": -1.0,
    "黑线": -1.0,
    "懒得理你": -1.0,
    "沙尘暴": -1.0,
    "闭嘴": -1.0,
    "傻眼": -1.0,
    "草泥马": -1.0,
    "辣眼睛": -1.5,
    "差劲": -2.0,
    "皱眉": -1.0,
    "便便": -1.0,
    "菜刀": -1.0,
    "刀": -1.0,
    "炸弹": -1.0,
    "骷髅": -1.0,
    "浮云": -0.5,
    "神马": -0.5,
    # weak, fed up, unwell
    "晕": -1.0,
    "汗": -1.0,
    "弱": -1.5,
    "no": -1.5,
    "不要": -1.0,
    "打脸": -1.0,
    "天啊": -0.5,
}

# ----------------------------------------------------------------------- internet words, slang
# Written as after `normalise`; Latin entries match case-insensitively.
WORDS: dict[str, float] = {
    # praise, delight
    "yyds": 2.0,
    "永远的神": 2.0,
    "绝绝子": 1.5,
    "绝了": 1.0,
    "爱了": 2.0,
    "爱了爱了": 2.0,
    "真香": 1.5,
    "种草": 1.0,
    "安利": 1.0,
    "宝藏": 1.5,
    "上头": 1.0,
    "吹爆": 2.0,
    "狠狠爱住": 2.0,
    "冲鸭": 1.0,
    "冲冲冲": 1.0,
    "666": 1.5,
    "牛逼": 1.5,
    "牛b": 1.5,
    "nb": 1.0,
    "给力": 1.5,
    "好评": 2.0,
    "五星好评": 2.0,
    "回购": 1.5,
    "无限回购": 2.0,
    "闭眼入": 1.5,
    "必入": 1.5,
    "物超所值": 2.0,
    "性价比高": 1.5,
    "良心": 1.5,
    "靠谱": 1.5,
    "惊艳": 1.5,
    "绝美": 1.5,
    "治愈": 1.5,
    "暖心": 1.5,
    "感动": 1.0,
    "开心": 1.5,
    "快乐": 1.5,
    "幸福": 1.5,
    "好耶": 1.5,
    "哈哈哈": 1.0,
    "嘻嘻": 1.0,
    "嘿嘿": 0.5,
    "笑死": 0.5,
    "恭喜": 1.5,
    "祝福": 1.5,
    "生日快乐": 2.0,
    "新年快乐": 2.0,
    "节日快乐": 2.0,
    "谢谢": 1.0,
    "感谢": 1.0,
    "感恩": 1.0,
    "加油": 1.0,
    "期待": 1.0,
    "支持": 1.0,
    "点赞": 1.5,
    "好看": 1.0,
    "好听": 1.0,
    "好吃": 1.0,
    "好玩": 1.0,
    "推荐": 1.0,
    "值了": 1.5,
    "太值": 1.5,
    "喜欢": 1.0,
    "可爱": 1.0,
    "漂亮": 1.0,
    "美哭": 1.5,
    "完美": 1.5,
    "赞": 1.0,
    "棒": 1.5,
    "厉害": 1.0,
    "燃爆": 1.5,
    "nice": 1.5,
    "awesome": 1.5,
    "amazing": 1.5,
    "love": 1.5,
    "happy": 1.5,
    "great": 1.5,
    "good": 1.0,
    "best": 1.0,
    # complaint, disappointment, distress
    "拉胯": -2.0,
    "踩雷": -2.0,
    "避雷": -2.0,
    "排雷": -2.0,
    "翻车": -1.5,
    "破防": -1.0,  # mostly hurt, sometimes moved to tears
    "拔草": -0.5,  # gave up wanting it, or (less often) finally bought it
    "劝退": -1.5,
    "无语": -1.5,
    "无力吐槽": -2.0,
    "吐槽": -0.5,
    "差评": -2.0,
    "智商税": -2.0,
    "割韭菜": -2.0,
    "韭菜": -1.0,
    "恰烂钱": -2.0,
    "塌房": -1.5,
    "烂尾": -1.5,
    "坑爹": -2.0,
    "被坑": -2.0,
    "坑人": -2.0,
    "太坑": -2.0,
    "垃圾": -2.0,
    "辣鸡": -2.0,
    "恶心": -2.0,
    "难吃": -2.0,
    "难看": -1.5,
    "难受": -1.5,
    "难过": -1.5,
    "伤心": -1.5,
    "心碎": -2.0,
    "心累": -1.5,
    "心塞": -1.5,
    "心寒": -1.5,
    "寒心": -1.5,
    "扎心": -1.0,
    "崩溃": -2.0,
    "崩了": -1.5,
    "emo": -1.5,
    "丧": -1.0,
    "糟心": -2.0,
    "糟糕": -1.5,
    "郁闷": -1.5,
    "焦虑": -1.5,
    "烦死": -2.0,
    "气死": -2.0,
    "生气": -1.5,
    "愤怒": -2.0,
    "讨厌": -1.5,
    "失望": -2.0,
    "后悔": -1.5,
    "倒霉": -1.5,
    "水逆": -1.5,
    "悲剧": -1.5,
    "惨": -1.0,
    "累": -0.5,
    "呜呜": -1.0,
    "呵呵": -1.0,
    "醉了": -1.0,
    "服了": -1.0,
    "无聊": -1.0,
    "尴尬": -1.0,
    "尬": -1.0,
    "社死": -1.0,
    "栓q": -1.5,
    "芭比q": -1.5,
    "寄了": -1.5,
    "凉了": -1.5,
    "完蛋": -1.5,
    "我太难了": -1.5,
    "真的会谢": -1.5,
    "唉": -1.0,
    "退货": -1.5,
    "退款": -1.0,
    "骗子": -2.0,
    "被骗": -2.0,
    "差劲": -2.0,
    "太差": -2.0,
    "sad": -1.5,
    "tired": -1.0,
    "bad": -1.5,
    "worst": -2.0,
    "disappointed": -2.0,
    "hate": -1.5,
}

NEGATORS = ("不是", "不太", "不够", "不怎么", "没有", "不", "没", "别")
"""Words that flip the word after them (longest first): 不推荐, 没有惊喜, 别买."""
_NEGATED = -0.5  # a negated word: the opposite lean, at half the weight


@cache
def _word_pattern() -> re.Pattern[str]:
    # Longest first so 爱了爱了 wins over 爱了; Latin words need word boundaries (nice, not
    # "nicely"; good, not "goods").
    alternatives = []
    for word in sorted(WORDS, key=len, reverse=True):
        w = re.escape(word)
        alternatives.append(rf"(?<![a-z]){w}(?![a-z])" if word.isascii() else w)
    negators = "|".join(NEGATORS)
    return re.compile(rf"({negators})?({'|'.join(alternatives)})", re.IGNORECASE)


def emoji_score(text: str) -> float:
    """The summed weight of the distinct known emoji codes in `text` (normalised)."""
    codes = {code[1:-1].lower() for code in EMOJI_CODE.findall(text)}
    return float(sum(EMOJI.get(code, 0.0) for code in codes))


def lexicon_words(text: str) -> list[str]:
    """The lexicon words in `text` (normalised), lowercased, emoji codes left out."""
    return [m.group(2).lower() for m in _word_pattern().finditer(EMOJI_CODE.sub(" ", text))]


def word_score(text: str, muted: frozenset[str] = frozenset()) -> float:
    """The summed weight of the internet words and slang in `text` (normalised), emoji codes
    left out (so [开心] is counted as an emoji, not also as a word) and `muted` words ignored;
    negated words count at half weight with the opposite sign."""
    total = 0.0
    for m in _word_pattern().finditer(EMOJI_CODE.sub(" ", text)):
        word = m.group(2).lower()
        if word not in muted:
            total += WORDS[word] * (_NEGATED if m.group(1) else 1.0)
    return total


def lexicon_scores(
    texts: Sequence[str], *, muted: frozenset[str] = frozenset()
) -> npt.NDArray[np.float64]:
    """(n, 2): the emoji score and the word score (without `muted` words) of each normalised
    text."""
    out = np.zeros((len(texts), 2), dtype=np.float64)
    for i, text in enumerate(texts):
        out[i, 0] = emoji_score(text)
        out[i, 1] = word_score(text, muted)
    return out
