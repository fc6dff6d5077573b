"""Training-time views of a catalogue photo that look like what designers actually send.

The catalogue is packshots and on-model shots on light studio backgrounds; designers also send
flat illustrations, tighter crops and desaturated mood-board pictures. Each training image gets
one extra view of one of these kinds (chosen by product id, so the views are reproducible), and
the article-type heads learn from both. The colour head does not learn from views whose colour
changed (`COLOUR_SAFE`).

* `crop`: a random crop of 55–90 % of the area, resized back (tight framing, part of a garment);
* `grey`: greyscale with contrast stretched (mood boards, sketches scanned in grey);
* `flat`: a flat illustration: colours smoothed and posterised to a few levels, dark outlines
  on the strongest edges, a light background kept light (the lookbook's vector drawings);
* `jitter`: hue rotated, saturation and brightness scaled (a garment in another colourway).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFilter

U8 = npt.NDArray[np.uint8]
KINDS = ("crop", "grey", "flat", "jitter")
COLOUR_SAFE = frozenset({"crop"})


def kind_for(product_id: int) -> str:
    # id % 5 decides the split; id // 5 keeps the kinds balanced inside every split
    return KINDS[(product_id // 5) % len(KINDS)]


def augment(rgb: U8, kind: str, rng: np.random.Generator) -> U8:
    """A (h, w, 3) uint8 view of `rgb` of the given kind, the same size."""
    if kind == "crop":
        return _crop(rgb, rng)
    if kind == "grey":
        return _grey(rgb)
    if kind == "flat":
        return _flat(rgb, rng)
    if kind == "jitter":
        return _jitter(rgb, rng)
    raise ValueError(f"unknown augmentation {kind!r}; expected one of {', '.join(KINDS)}")


def _crop(rgb: U8, rng: np.random.Generator) -> U8:
    h, w, _ = rgb.shape
    area = rng.uniform(0.55, 0.9)
    aspect = np.exp(rng.uniform(np.log(0.75), np.log(1.33)))
    ch = int(min(h, round(h * np.sqrt(area / aspect))))
    cw = int(min(w, round(w * np.sqrt(area * aspect))))
    y = int(rng.integers(0, h - ch + 1))
    x = int(rng.integers(0, w - cw + 1))
    im = Image.fromarray(rgb[y : y + ch, x : x + cw])
    return np.asarray(im.resize((w, h), Image.Resampling.BILINEAR), dtype=np.uint8)


def _grey(rgb: U8) -> U8:
    g = rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    lo, hi = np.percentile(g, (1, 99))
    g = np.clip((g - lo) / max(float(hi - lo), 1.0) * 255.0, 0, 255)
    return np.repeat(g[..., None], 3, axis=2).astype(np.uint8)


def _flat(rgb: U8, rng: np.random.Generator) -> U8:
    im = (
        Image.fromarray(rgb).filter(ImageFilter.MedianFilter(5)).filter(ImageFilter.MedianFilter(5))
    )
    levels = int(rng.integers(4, 8))
    step = 256 // levels
    flat = (np.asarray(im, dtype=np.int32) // step * step + step // 2).clip(0, 255)
    edges = np.asarray(im.convert("L").filter(ImageFilter.FIND_EDGES), dtype=np.float32)
    outline = edges > np.percentile(edges, 92)
    out = flat.astype(np.uint8)
    out[outline] = (out[outline] * 0.35).astype(np.uint8)
    return out


def _jitter(rgb: U8, rng: np.random.Generator) -> U8:
    hsv = np.asarray(Image.fromarray(rgb).convert("HSV"), dtype=np.float32)
    hsv[..., 0] = (hsv[..., 0] + rng.uniform(30, 226)) % 256
    hsv[..., 1] = np.clip(hsv[..., 1] * rng.uniform(0.6, 1.4), 0, 255)
    hsv[..., 2] = np.clip(hsv[..., 2] * rng.uniform(0.8, 1.15), 0, 255)
    im = Image.fromarray(hsv.astype(np.uint8), "HSV").convert("RGB")
    return np.asarray(im, dtype=np.uint8)
