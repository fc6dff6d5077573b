"""The synthetic demo universe: realistic-looking audience data with planted, known answers.

`generate(out_dir, DemoConfig(...))` writes every canonical table as Parquet (raw user ids, to be
pseudonymised by the ingest) and `truth.json`, which states what a correct analysis should find:
segment preferences, fashion trends, an older-skewing title, a week of negative posts, a campaign
uplift confined to one age band, and every e-sports player's true skill. It also draws a product
photo of every fashion item (`render_garment`), whose category, colour and pattern are known, and
`write_lookbook` writes a designer's lookbook folder of such photos with captions.
"""

from typing import TYPE_CHECKING

from culturebridge._lazy import lazy_getattr
from culturebridge.demo._config import DemoConfig, DemoResult
from culturebridge.demo._generate import generate
from culturebridge.demo._images import (
    ITEM_IMAGE_DIR,
    Look,
    Rendering,
    draw_garment,
    render_garment,
    write_item_images,
    write_lookbook,
)

if TYPE_CHECKING:
    from culturebridge.demo._truth import POST_TRUTH_PATH

_LAZY = {
    "POST_TRUTH_PATH": "culturebridge.demo._truth",
}
"""Loaded on first use: these pull in heavier modules than the rest of the package."""


__getattr__ = lazy_getattr(__name__, _LAZY)


__all__ = [
    "ITEM_IMAGE_DIR",
    "POST_TRUTH_PATH",
    "DemoConfig",
    "DemoResult",
    "Look",
    "Rendering",
    "draw_garment",
    "generate",
    "render_garment",
    "write_item_images",
    "write_lookbook",
]
