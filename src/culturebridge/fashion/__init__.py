"""Fashion intelligence: image and text attributes, trends per segment, collection fit.

Image tagging needs the `fashion` extra (torch and the EfficientNet-Lite0 weights); everything
else here runs on the core install.
"""

from typing import TYPE_CHECKING

from culturebridge._lazy import lazy_getattr
from culturebridge.fashion._fit import HORIZON, CollectionFit, Contribution, LookFit, collection_fit
from culturebridge.fashion._garments import ARTICLE_TYPE_GARMENT, GARMENTS, Garment, garment_of
from culturebridge.fashion._image import GarmentAnswer, ImageTag, ImageTagger, TagError
from culturebridge.fashion._image import default_tagger as default_image_tagger
from culturebridge.fashion._palette import BY_NAME, PALETTE, NamedColour
from culturebridge.fashion._similar import ImageIndex, workspace_image_attributes
from culturebridge.fashion._text import Mention, TextTagger, summarise
from culturebridge.fashion._text import default_tagger as default_text_tagger
from culturebridge.fashion._trends import (
    ATTRIBUTES,
    CATALOGUE,
    IMAGES,
    REST,
    SOURCES,
    FashionTrendRow,
    FashionTrendsConfig,
    FashionTrendsResult,
    fashion_items,
    fashion_trends,
    per_period,
    warm_post_tags,
    with_forecast,
)

if TYPE_CHECKING:
    from culturebridge.fashion._decode import find_images
    from culturebridge.fashion._heads import save_heads
    from culturebridge.fashion._lexicon import DEFAULT_LEXICON, TABLES
    from culturebridge.fashion._train import (
        extract_features,
        meta_record,
        read_catalogue,
        train_heads,
    )

_LAZY = {
    "find_images": "culturebridge.fashion._decode",
    "save_heads": "culturebridge.fashion._heads",
    "extract_features": "culturebridge.fashion._train",
    "meta_record": "culturebridge.fashion._train",
    "read_catalogue": "culturebridge.fashion._train",
    "train_heads": "culturebridge.fashion._train",
    "DEFAULT_LEXICON": "culturebridge.fashion._lexicon",
    "TABLES": "culturebridge.fashion._lexicon",
}
"""Loaded on first use: these pull in heavier modules than the rest of the package."""


__getattr__ = lazy_getattr(__name__, _LAZY)


__all__ = [
    "ARTICLE_TYPE_GARMENT",
    "GARMENTS",
    "Garment",
    "GarmentAnswer",
    "garment_of",
    "ATTRIBUTES",
    "CATALOGUE",
    "FashionTrendRow",
    "FashionTrendsConfig",
    "IMAGES",
    "REST",
    "SOURCES",
    "fashion_items",
    "per_period",
    "with_forecast",
    "Contribution",
    "HORIZON",
    "summarise",
    "BY_NAME",
    "find_images",
    "save_heads",
    "extract_features",
    "meta_record",
    "read_catalogue",
    "train_heads",
    "DEFAULT_LEXICON",
    "TABLES",
    "PALETTE",
    "CollectionFit",
    "FashionTrendsResult",
    "ImageIndex",
    "ImageTag",
    "ImageTagger",
    "LookFit",
    "Mention",
    "NamedColour",
    "TagError",
    "TextTagger",
    "collection_fit",
    "default_image_tagger",
    "default_text_tagger",
    "fashion_trends",
    "warm_post_tags",
    "workspace_image_attributes",
]
