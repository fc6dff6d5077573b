"""Social-post text as the models read it: one script, one width, no addresses or handles.

`normalise(text)` is what every social model sees, so that the same post scores the same
however it was typed or forwarded:

* NFKC, so full-width letters, digits and brackets become their ASCII forms (ＹＹＤＳ -> YYDS,
  ［哈哈］ -> [哈哈]);
* Traditional -> Simplified Chinese (OpenCC's `t2s`), so a Hong Kong or Taiwan post shares its
  words with a mainland one;
* URLs (t.cn short links too) are removed: they name no sentiment and their letters look like
  words to an n-gram model;
* retweet markers (`//@name:`), replies (`回复@name:`) and @handles are removed, but the
  forwarded text itself is kept: a retweet chain is the forwarding users' own words;
* runs of whitespace become one space, and the ends are stripped.

Emoji codes (`[哈哈]`, `[doge]`) are kept as written: they are the strongest sentiment signal a
post carries (`emoji_codes(text)` lists them). Case is kept; the models lowercase for
themselves.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache

import opencc

# A URL runs until whitespace, a CJK character or a bracket (Weibo glues links to the next word).
_URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]+", re.IGNORECASE)
_SHORT_URL = re.compile(r"\b(?:t\.cn|dwz\.cn|url\.cn|b23\.tv)/[A-Za-z0-9]+", re.IGNORECASE)
# Weibo nicknames are at most 30 bytes (15 CJK characters); cap the match so a handle typed
# without a following space does not swallow the sentence after it.
_HANDLE = r"@[\w\-·]{1,20}"
_RETWEET = re.compile(rf"(?:/{{2}}|回复)\s*{_HANDLE}\s*[:：]?")
_MENTION = re.compile(rf"(?<![A-Za-z0-9._%+\-]){_HANDLE}[:：]?")  # not an e-mail address
_SPACE = re.compile(r"\s+")
# An emoji code: a short name in square brackets, as Weibo, WeChat and Bilibili write them.
EMOJI_CODE = re.compile(r"\[[^\[\]\s]{1,10}\]")


@cache
def _to_simplified() -> Callable[[str], str]:
    """OpenCC's Traditional -> Simplified converter, built once (it loads dictionaries)."""
    return opencc.OpenCC("t2s").convert  # type: ignore[no-any-return,unused-ignore]


def normalise(text: str) -> str:
    """`text` as the social models read it (see the module docstring for each step)."""
    text = unicodedata.normalize("NFKC", text)
    text = _to_simplified()(text)
    text = _URL.sub(" ", text)
    text = _SHORT_URL.sub(" ", text)
    text = _RETWEET.sub(" ", text)
    text = _MENTION.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def emoji_codes(text: str) -> list[str]:
    """The emoji codes in `text`, in order and with repeats, brackets included: `["[哈哈]"]`.

    Pass normalised text to find full-width brackets (`［哈哈］`) too."""
    return EMOJI_CODE.findall(text)
