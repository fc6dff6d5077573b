"""Fashion intelligence: image and text attributes, trends per segment, collection fit.

Image tagging needs the `fashion` extra (torch and the EfficientNet-Lite0 weights); everything
else here runs on the core install.
"""

from culturebridge.fashion._fit import CollectionFit, LookFit, collection_fit
from culturebridge.fashion._image import ImageTag, ImageTagger, TagError
from culturebridge.fashion._image import default_tagger as default_image_tagger
from culturebridge.fashion._palette import PALETTE, NamedColour
from culturebridge.fashion._report import write_designer_report
from culturebridge.fashion._similar import ImageIndex, workspace_image_attributes
from culturebridge.fashion._text import Mention, TextTagger
from culturebridge.fashion._text import default_tagger as default_text_tagger
from culturebridge.fashion._trends import FashionTrendsResult, fashion_trends

__all__ = [
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
    "workspace_image_attributes",
    "write_designer_report",
]
