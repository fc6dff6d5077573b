"""Chinese word segmentation that keeps the workspace's own names whole.

jieba alone splits what an analyst wants as one word: 蓝色星球 becomes 蓝色|星球, 国潮 is fine
but 泰探 (a fan's name for 泰晤士神探) is two characters of noise. `Segmenter` is a private
`jieba.Tokenizer` (the global one is left alone, so other code's dictionary changes cannot leak
in or out) whose dictionary also holds user words: the catalogue's Chinese titles and aliases,
the partners' Chinese names and the fashion lexicon's Chinese terms (`workspace_words`).

Text is normalised before it is cut (NFKC, so full-width letters and digits become half-width;
Traditional -> Simplified with OpenCC, so 藍色星球 and 蓝色星球 segment alike; URLs and
@handles removed, by `culturebridge.social._text.normalise`), and the words come back
lowercased. `keywords_of` keeps content words only: no stopwords, punctuation, Weibo emoji codes
([赞], [doge]), numbers or single characters.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import Any

import pyarrow as pa

from culturebridge.social._text import EMOJI_CODE, normalise

USER_WORD_FREQ = 200_000
"""jieba's own frequencies run to ~900k (的): a user word this frequent beats the words around
it, so a title stays one token, while a real word that swallows its edge still wins."""
ALIASES_KEY = "aliases"
"""The item attribute holding other names of an item, '|'-separated (see `_mentions`)."""

_HAN = re.compile("[\u4e00-\u9fff]")
_NUMBER = re.compile(r"[+\-]?[\d.,%]+[kKwW万亿]?")

# A small Chinese (and English) stopword list: function words, pronouns, auxiliaries, common
# adverbs and the filler of social posts. Content words (好看, 失望, 国潮) are never here.
STOPWORDS: frozenset[str] = frozenset(
    """
    的 地 得 了 着 过 吗 呢 吧 啊 呀 哦 哟 嘛 啦 哈 哇 喔 呗 么 之 而 且 与 及 和 跟 同 或 或者 还是
    但 但是 可是 不过 然而 而且 并且 因为 所以 因此 如果 要是 虽然 尽管 即使 于是 然后 接着 只是
    就是 还有 以及 以后 之后 之前 以前 时候 的话 一样 一般 一直 一起 一下 一点 一些 一个 一种
    一次 一定 这 那 哪 这个 那个 哪个 这些 那些 哪些 这样 那样 怎样 这么 那么 怎么 怎么样 什么
    为什么 多少 几 谁 我 你 您 他 她 它 我们 你们 他们 她们 它们 咱们 大家 自己 别人 人家 本人
    是 在 有 没 没有 不 也 都 就 还 又 再 才 很 太 挺 好 真 更 最 非常 特别 比较 有点 有些 十分
    已经 正在 刚 刚刚 刚才 马上 终于 总是 经常 常常 从来 其实 当然 可能 可以 应该 能 会
    要 想 让 把 被 给 对 向 从 到 往 于 为 为了 由 由于 关于 按照 通过 根据 除了 比 像
    上 下 里 中 内 外 前 后 左 右 来 去 说 看 做 弄 搞 个 位 件 条 只 种 次 些 点 下来 起来 出来
    啥 咋 嗯 呃 哎 唉 诶 噢 哼 嘿 喂 嘞 咯 滴 哒 捏 鸭 这里 那里 哪里 这儿 那儿 今天 昨天 明天
    现在 而已 罢了 似的 一边 每 各 某 另 另外 其他 其它 其中 所有 任何 全部 整个
    the a an and or but of to in on at for with from by as is are was were be been being am it
    its this that these those i you he she we they me my your our their his her them so too
    very just not no do does did have has had will would can could should shall may might must
    """.split()
)


@cache
def to_simplified() -> Any:
    """OpenCC's Traditional -> Simplified converter's `convert`, or None without OpenCC."""
    try:
        import opencc
    except ImportError:
        return None
    for config in ("t2s", "t2s.json"):
        try:
            return opencc.OpenCC(config).convert
        except Exception:  # configs are named differently across opencc packages
            continue
    return None


def is_punctuation(token: str) -> bool:
    """Whitespace, punctuation and symbols only (not letters, digits or Han)."""
    return all(unicodedata.category(ch)[0] in "PSZC" for ch in token)


def has_han(text: str) -> bool:
    return _HAN.search(text) is not None


class Segmenter:
    """jieba with the workspace's names in its dictionary. Build once and reuse: loading the
    dictionary takes about a second (jieba caches it under the temp folder).

    `user_words` are added as words (normalised like text, so Traditional spellings work too);
    `stopwords` replaces the built-in `STOPWORDS` for `keywords_of` (None keeps them).
    """

    def __init__(self, user_words: Iterable[str] = (), stopwords: Iterable[str] | None = None):
        import jieba

        logging.getLogger("jieba").setLevel(logging.WARNING)  # no "Building prefix dict..."
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        self.user_words: frozenset[str] = frozenset()
        self._base_freq: dict[str, int] = {}
        self.add_words(user_words)
        self.stopwords = frozenset(
            w.casefold() for w in (STOPWORDS if stopwords is None else stopwords)
        )

    def add_words(self, words: Iterable[str]) -> None:
        """Add words to the dictionary (each Han run of two or more characters of a longer
        name too, since jieba never joins across punctuation or spaces)."""
        added = set(self.user_words)
        for word in words:
            for piece in _dictionary_pieces(normalise(word)):
                for form in {piece, piece.lower()}:
                    if form not in added:
                        self._base_freq.setdefault(form, self._jieba.FREQ.get(form, 0))
                        self._jieba.add_word(form, freq=USER_WORD_FREQ)
                        added.add(form)
        self.user_words = frozenset(added)

    def dictionary_frequency(self, word: str) -> int:
        """jieba's own frequency of `word` (0: not a word of its dictionary), whatever user
        words added: a name that is an everyday word (王朝, 花园) is generic."""
        if word in self._base_freq:
            return self._base_freq[word]
        return int(self._jieba.FREQ.get(word) or 0)

    def normalise(self, text: str) -> str:
        """What `cut` segments: `culturebridge.social._text.normalise` (NFKC, Simplified, no
        URLs or @handles, one space between words)."""
        return normalise(text)

    def tokenize(self, text: str) -> list[tuple[str, int, int]]:
        """(word, start, end) over `text` exactly as given (no normalisation, every character
        covered, punctuation and spaces included): for callers that map offsets themselves."""
        if not text:
            return []
        return [(w, s, e) for w, s, e in self._jieba.tokenize(text, HMM=True)]

    def cut(self, text: str | None) -> list[str]:
        """The words of `text`, normalised and lowercased; no whitespace or punctuation."""
        if not text:
            return []
        norm = self.normalise(text)
        return [
            w.lower()
            for w in self._jieba.cut(norm, HMM=True)
            if w.strip() and not is_punctuation(w)
        ]

    def keywords_of(self, text: str | None) -> list[str]:
        """Content words in order (repeats kept): stopwords, punctuation, emoji codes ([赞]),
        numbers and single characters dropped."""
        if not text:
            return []
        norm = EMOJI_CODE.sub(" ", self.normalise(text))
        out = []
        for w in self._jieba.cut(norm, HMM=True):
            word = w.strip().lower()
            if (
                len(word) < 2
                or is_punctuation(word)
                or word in self.stopwords
                or _NUMBER.fullmatch(word)
            ):
                continue
            out.append(word)
        return out


def _dictionary_pieces(word: str) -> list[str]:
    """The parts of a name jieba can hold as words: the name itself when it has no space or
    punctuation, else each run of letters, digits and Han of two or more characters that holds
    Han (esports titles such as 天穹竞技场高校联赛小组赛(上海站))."""
    word = word.strip()
    if not word or not has_han(word):
        return []
    runs = [r for r in re.findall(r"[\w]+", word) if len(r) >= 2 and has_han(r)]
    if len(runs) == 1 and runs[0] == word:
        return [word]
    return runs


def aliases_of(attributes: Any) -> list[str]:
    """The '|'-separated `aliases` of an item's attributes (a dict, a list of (key, value)
    pairs as Arrow gives a map, or None)."""
    if attributes is None:
        return []
    pairs = attributes.items() if isinstance(attributes, dict) else attributes
    out: list[str] = []
    for key, value in pairs:
        if key == ALIASES_KEY and value:
            out.extend(a.strip() for a in str(value).split("|") if a.strip())
    return out


def lexicon_words() -> list[str]:
    """The fashion lexicon's Chinese terms and blockers (国潮, 连帽衫, 网红)."""
    from culturebridge.fashion import DEFAULT_LEXICON as lex

    words = [*lex.terms, *lex.prefixes, *lex.suffixes, *lex.blockers]
    return sorted({w for w in words if has_han(w) and len(w) >= 2})


def split_aliases(value: str | None) -> list[str]:
    """The names of a '|'-separated `aliases` value."""
    return [a.strip() for a in (value or "").split("|") if a.strip()]


def item_names(con: Any) -> pa.Table:
    """item_id, title_zh, title_en and aliases (the '|'-separated `attributes.aliases`) of a
    workspace's items. The alias is picked out in the engine: a map column does not come back
    from every engine (Spark hands it over as a struct)."""
    items = con.table("items")
    expr = items.select(
        "item_id", "title_zh", "title_en", aliases=items.attributes.get(ALIASES_KEY)
    )
    return expr.to_pyarrow()


def workspace_words(con: Any) -> list[str]:
    """User-dictionary words for a workspace (an Ibis connection): the items' Chinese titles
    and aliases, the partners' Chinese names and the fashion lexicon's Chinese terms."""
    items = item_names(con)
    partners = con.table("partners").select("name_zh").to_pyarrow()
    words: set[str] = set(lexicon_words())
    words.update(t for t in items["title_zh"].to_pylist() if t)
    for value in items["aliases"].to_pylist():
        words.update(a for a in split_aliases(value) if has_han(a))
    words.update(n for n in partners["name_zh"].to_pylist() if n)
    return sorted(w for w in words if has_han(w))


def workspace_segmenter(con: Any) -> Segmenter:
    """A `Segmenter` that knows the workspace's titles, aliases, partners and fashion terms."""
    return Segmenter(workspace_words(con))


__all__ = [
    "ALIASES_KEY",
    "STOPWORDS",
    "Segmenter",
    "aliases_of",
    "lexicon_words",
    "workspace_segmenter",
    "workspace_words",
]
