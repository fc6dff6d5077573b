"""Synthetic product photos whose answers are known: garment type, colour and pattern.

The image tagger, the designer report and their tests need pictures whose attributes are certain,
and the demo catalogue needs a picture per fashion item. Real photos come with neither guarantee,
so this module draws catalogue-style shots procedurally (NumPy and Pillow only): one flat
silhouette per category, centred on a plain light background with a soft shadow, filled with the
named palette colour and a pattern, then lightly shaded so that the pixels are not one flat value.

Everything is computed in CIELAB, which is where the colour extractor measures:

* the lightness offsets that make the shading (a lighting gradient, soft folds, darker edges and
  seams, fabric noise) stay within ±10 L* and average zero over the garment, so the garment's mean
  colour is the palette colour up to sRGB rounding and clipping (ΔE*ab well under 3);
* pattern colours are other demo catalogue colours at least 30 ΔE*ab from the base colour, and
  stripes and checks also differ from it by at least 20 in L*, so that they show in luminance;
* the base colour always covers most of the garment (`MIN_BASE_SHARE`, ≥ 55 % for every
  pattern), so "the dominant colour" stays a well-posed question.

Shapes are drawn at the requested size (not upscaled), so a 1800×2400 render is as sharp as a
224×224 one; the same seed gives the same pixels.
"""

from __future__ import annotations

import csv
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageColor, ImageDraw, ImageFilter

from culturebridge.demo import _lexicon as lex
from culturebridge.fashion import BY_NAME

CATEGORIES: tuple[str, ...] = tuple(c[0] for c in lex.CATEGORIES)
PATTERNS: tuple[str, ...] = tuple(p[0] for p in lex.PATTERNS)
ACCENT_COLOURS: tuple[str, ...] = tuple(c[0] for c in lex.COLOURS)
"""Pattern colours are drawn from the demo catalogue's ten colours."""
MIN_BASE_SHARE: dict[str, float] = {
    "solid": 1.0,
    "striped": 0.60,
    "checked": 0.55,
    "printed": 0.60,
    "floral": 0.60,
}
"""The least share of the garment's pixels that the base colour covers, per pattern (in the
pattern layout, before shading; blended edge pixels aside, a nearest-colour count agrees)."""
ITEM_IMAGE_DIR = "images/items"
"""Where item images go, relative to the generator's output folder and to the workspace root."""
JPEG_QUALITY = 90

F32 = npt.NDArray[np.float32]
Bool = npt.NDArray[np.bool_]

# Shading budget in L* units (see the module docstring).
_MAX_SHADE = 10.0
_SEAM = 150  # seam and detail lines: 150/255 of _MAX_SHADE darker
_INNER = 200  # the inside of a neck or hood opening, buttons
_REFERENCE = 224.0  # pattern sizes are stated for a 224-pixel frame and scale with it


# ---------------------------------------------------------------------- colour conversion

_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ)
_WHITE = np.array([0.95047, 1.0, 1.08883])  # D65
_EPS = (6 / 29) ** 3


def srgb_to_lab(rgb: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """CIELAB (D65) of sRGB values in 0–255, any leading shape (..., 3)."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = linear @ _RGB_TO_XYZ.T / _WHITE
    f = np.where(xyz > _EPS, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
        axis=-1,
    )


def lab_to_srgb(lab: npt.ArrayLike) -> npt.NDArray[np.uint8]:
    """sRGB 0–255 (rounded, clipped to the gamut) of CIELAB values, any leading shape (..., 3)."""
    return np.asarray(np.rint(_lab_to_rgb(lab)), dtype=np.uint8)


def _lab_to_rgb(lab: npt.ArrayLike) -> F32:
    lab = np.asarray(lab, dtype=np.float32)
    fy = (lab[..., 0] + 16) / 116
    f = np.stack([fy + lab[..., 1] / 500, fy, fy - lab[..., 2] / 200], axis=-1)
    xyz = np.where(f > 6 / 29, f**3, 3 * (6 / 29) ** 2 * (f - 4 / 29)) * _WHITE.astype(np.float32)
    linear = np.clip(xyz @ _XYZ_TO_RGB.T.astype(np.float32), 0.0, 1.0)
    c = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)
    return np.asarray(np.clip(c * 255, 0, 255), dtype=np.float32)


@cache
def _lab_of(name: str) -> npt.NDArray[np.float64]:
    lab = srgb_to_lab(BY_NAME[name].rgb)
    lab.setflags(write=False)
    return lab


# ---------------------------------------------------------------------- silhouettes

Role = Literal["body", "cut", "inner", "seam"]


@dataclass(frozen=True)
class _Part:
    """One drawing step in unit coordinates (y down). `body` adds to the garment, `cut` removes
    from it, `inner` and `seam` only darken what is already garment."""

    op: Literal["polygon", "ellipse", "line", "arc"]
    role: Role
    xy: tuple[float, ...]
    width: float = 0.0
    angles: tuple[float, float] = (0.0, 360.0)


def _poly(role: Role, *xy: float) -> _Part:
    return _Part("polygon", role, xy)


def _ellipse(role: Role, x0: float, y0: float, x1: float, y1: float) -> _Part:
    return _Part("ellipse", role, (x0, y0, x1, y1))


def _line(role: Role, width: float, *xy: float) -> _Part:
    return _Part("line", role, xy, width)


def _arc(
    role: Role, width: float, box: tuple[float, float, float, float], a0: float, a1: float
) -> _Part:
    return _Part("arc", role, box, width, (a0, a1))


def _seam(*xy: float) -> _Part:
    return _line("seam", 0.007, *xy)


def _dot(x: float, y: float, r: float = 0.012) -> _Part:
    return _ellipse("inner", x - r, y - r, x + r, y + r)


# A long-sleeved top: shoulders at y≈0.07, sleeves hanging a little away from the body.
_LONG_SLEEVES = _poly(
    "body",
    *(0.35, 0.05, 0.20, 0.09, 0.10, 0.22, 0.02, 0.92, 0.14, 0.94, 0.22, 0.42),
    *(0.24, 0.40, 0.24, 1.00, 0.76, 1.00, 0.76, 0.40, 0.78, 0.42, 0.86, 0.94),
    *(0.98, 0.92, 0.90, 0.22, 0.80, 0.09, 0.65, 0.05),
)
_CUFFS = (_seam(0.03, 0.86, 0.15, 0.88), _seam(0.85, 0.88, 0.97, 0.86))
_CREW_NECK = (
    _ellipse("inner", 0.37, -0.04, 0.63, 0.14),
    _arc("seam", 0.007, (0.35, -0.07, 0.65, 0.17), 0, 180),
)

_LACES = ((0.37, 0.40), (0.44, 0.34), (0.50, 0.28))

_SHAPES: dict[str, tuple[_Part, ...]] = {
    "t-shirt": (
        _poly(
            "body",
            *(0.35, 0.05, 0.18, 0.10, 0.00, 0.30, 0.12, 0.44, 0.24, 0.35, 0.25, 1.00),
            *(0.75, 1.00, 0.76, 0.35, 0.88, 0.44, 1.00, 0.30, 0.82, 0.10, 0.65, 0.05),
        ),
        _ellipse("cut", 0.37, -0.05, 0.63, 0.07),
        *_CREW_NECK,
        _seam(0.04, 0.35, 0.13, 0.41),
        _seam(0.87, 0.41, 0.96, 0.35),
        _seam(0.25, 0.95, 0.75, 0.95),
    ),
    "hoodie": (
        _LONG_SLEEVES,
        _ellipse("body", 0.31, -0.14, 0.69, 0.22),
        _ellipse("inner", 0.39, -0.08, 0.61, 0.16),
        _seam(0.45, 0.16, 0.44, 0.34),
        _seam(0.55, 0.16, 0.56, 0.34),
        _line("seam", 0.007, 0.32, 0.86, 0.36, 0.62, 0.64, 0.62, 0.68, 0.86, 0.32, 0.86),
        _seam(0.24, 0.92, 0.76, 0.92),
        *_CUFFS,
    ),
    "shirt": (
        _poly(
            "body",
            *(0.36, 0.05, 0.21, 0.09, 0.12, 0.22, 0.05, 0.90, 0.16, 0.92, 0.23, 0.42),
            *(0.26, 0.40, 0.26, 0.95, 0.32, 0.99, 0.40, 1.00, 0.50, 0.96, 0.60, 1.00),
            *(0.68, 0.99, 0.74, 0.95, 0.74, 0.40, 0.77, 0.42, 0.84, 0.92, 0.95, 0.90),
            *(0.88, 0.22, 0.79, 0.09, 0.64, 0.05),
        ),
        _poly("body", 0.36, 0.06, 0.39, -0.02, 0.61, -0.02, 0.64, 0.06),
        _poly("inner", 0.40, 0.02, 0.50, 0.16, 0.60, 0.02),
        _line("seam", 0.007, 0.36, 0.05, 0.41, 0.20, 0.50, 0.16, 0.59, 0.20, 0.64, 0.05),
        _seam(0.50, 0.16, 0.50, 0.96),
        *(_dot(0.52, y, 0.01) for y in (0.27, 0.41, 0.55, 0.69, 0.83)),
        _line("seam", 0.007, 0.31, 0.30, 0.43, 0.30, 0.43, 0.42, 0.31, 0.42, 0.31, 0.30),
        _seam(0.06, 0.84, 0.16, 0.86),
        _seam(0.84, 0.86, 0.94, 0.84),
    ),
    "knitwear": (
        _poly(
            "body",
            *(0.36, 0.06, 0.17, 0.13, 0.08, 0.30, 0.03, 0.84, 0.06, 0.95, 0.16, 0.95),
            *(0.17, 0.86, 0.20, 0.46, 0.22, 0.44, 0.21, 0.90, 0.25, 1.00, 0.75, 1.00),
            *(0.79, 0.90, 0.78, 0.44, 0.80, 0.46, 0.83, 0.86, 0.84, 0.95, 0.94, 0.95),
            *(0.97, 0.84, 0.92, 0.30, 0.83, 0.13, 0.64, 0.06),
        ),
        *_CREW_NECK,
        _seam(0.21, 0.91, 0.79, 0.91),
        *(_seam(x, 0.92, x, 1.0) for x in np.arange(0.26, 0.75, 0.025).round(3)),
        _seam(0.04, 0.87, 0.17, 0.87),
        _seam(0.83, 0.87, 0.96, 0.87),
    ),
    "jacket": (
        _poly(
            "body",
            *(0.36, 0.05, 0.20, 0.09, 0.10, 0.22, 0.03, 0.84, 0.15, 0.86, 0.22, 0.42),
            *(0.23, 0.40, 0.22, 0.86, 0.78, 0.86, 0.77, 0.40, 0.78, 0.42, 0.85, 0.86),
            *(0.97, 0.84, 0.90, 0.22, 0.80, 0.09, 0.64, 0.05),
        ),
        _ellipse("body", 0.33, -0.02, 0.67, 0.12),
        _ellipse("inner", 0.38, 0.00, 0.62, 0.10),
        _line("seam", 0.012, 0.50, 0.10, 0.50, 0.86),
        _seam(0.22, 0.79, 0.78, 0.79),
        _line("seam", 0.007, 0.29, 0.30, 0.43, 0.30, 0.43, 0.36, 0.29, 0.36, 0.29, 0.30),
        _line("seam", 0.007, 0.57, 0.30, 0.71, 0.30, 0.71, 0.36, 0.57, 0.36, 0.57, 0.30),
        _seam(0.04, 0.78, 0.15, 0.80),
        _seam(0.85, 0.80, 0.96, 0.78),
    ),
    "trench coat": (
        _poly(
            "body",
            *(0.37, 0.03, 0.22, 0.07, 0.13, 0.20, 0.06, 0.72, 0.16, 0.74, 0.23, 0.36),
            *(0.25, 0.34, 0.18, 1.00, 0.82, 1.00, 0.75, 0.34, 0.77, 0.36, 0.84, 0.74),
            *(0.94, 0.72, 0.87, 0.20, 0.78, 0.07, 0.63, 0.03),
        ),
        _poly("inner", 0.41, 0.03, 0.50, 0.22, 0.59, 0.03),
        _line("seam", 0.007, 0.37, 0.03, 0.32, 0.16, 0.47, 0.30, 0.50, 0.22),
        _line("seam", 0.007, 0.63, 0.03, 0.68, 0.16, 0.53, 0.30, 0.50, 0.22),
        _line("seam", 0.007, 0.23, 0.46, 0.77, 0.46, 0.77, 0.51, 0.23, 0.51, 0.23, 0.46),
        _line("seam", 0.007, 0.46, 0.45, 0.54, 0.45, 0.54, 0.52, 0.46, 0.52, 0.46, 0.45),
        _seam(0.53, 0.30, 0.53, 1.00),
        *(_dot(x, y) for x in (0.42, 0.62) for y in (0.34, 0.41, 0.58)),
        _seam(0.07, 0.66, 0.16, 0.68),
        _seam(0.84, 0.68, 0.93, 0.66),
    ),
    "dress": (
        _poly(
            "body",
            *(0.38, 0.00, 0.27, 0.04, 0.20, 0.15, 0.30, 0.20, 0.34, 0.38, 0.10, 1.00),
            *(0.90, 1.00, 0.66, 0.38, 0.70, 0.20, 0.80, 0.15, 0.73, 0.04, 0.62, 0.00),
        ),
        _ellipse("cut", 0.39, -0.10, 0.61, 0.04),
        _ellipse("inner", 0.39, -0.06, 0.61, 0.12),
        _seam(0.34, 0.38, 0.66, 0.38),
        _seam(0.11, 0.97, 0.89, 0.97),
    ),
    "skirt": (
        _poly("body", 0.28, 0.00, 0.72, 0.00, 0.72, 0.09, 0.94, 0.86, 0.06, 0.86, 0.28, 0.09),
        _seam(0.28, 0.09, 0.72, 0.09),
        _dot(0.62, 0.045, 0.015),
        _seam(0.07, 0.83, 0.93, 0.83),
    ),
    "trousers": (
        _poly(
            "body",
            *(0.22, 0.00, 0.78, 0.00, 0.84, 1.00, 0.55, 1.00, 0.50, 0.30, 0.45, 1.00),
            *(0.16, 1.00),
        ),
        _seam(0.22, 0.06, 0.78, 0.06),
        _seam(0.50, 0.06, 0.50, 0.25),
        _seam(0.27, 0.06, 0.31, 0.20),
        _seam(0.73, 0.06, 0.69, 0.20),
        _seam(0.33, 0.32, 0.30, 1.00),
        _seam(0.67, 0.32, 0.70, 1.00),
    ),
    "jeans": (
        _poly(
            "body",
            *(0.25, 0.00, 0.75, 0.00, 0.76, 1.00, 0.54, 1.00, 0.50, 0.30, 0.46, 1.00),
            *(0.24, 1.00),
        ),
        _seam(0.25, 0.06, 0.75, 0.06),
        _line("seam", 0.007, 0.50, 0.06, 0.55, 0.06, 0.55, 0.22, 0.50, 0.27),
        _arc("seam", 0.007, (0.16, -0.08, 0.40, 0.20), 0, 90),
        _arc("seam", 0.007, (0.60, -0.08, 0.84, 0.20), 90, 180),
        *(_dot(x, y, 0.01) for x, y in ((0.28, 0.10), (0.72, 0.10))),
        _seam(0.24, 0.96, 0.46, 0.96),
        _seam(0.54, 0.96, 0.76, 0.96),
    ),
    "sneakers": (
        _poly(
            "body",
            *(0.02, 0.64, 0.05, 0.53, 0.20, 0.48, 0.36, 0.43, 0.48, 0.34, 0.55, 0.25),
            *(0.63, 0.23, 0.68, 0.32, 0.82, 0.33, 0.92, 0.27, 0.98, 0.36, 0.99, 0.64),
        ),
        _poly("body", 0.00, 0.62, 1.00, 0.62, 0.99, 0.76, 0.05, 0.76),
        _ellipse("body", 0.00, 0.56, 0.12, 0.76),
        _poly("inner", 0.64, 0.27, 0.68, 0.33, 0.82, 0.34, 0.90, 0.29, 0.80, 0.30),
        _seam(0.02, 0.64, 0.99, 0.64),
        _seam(0.03, 0.72, 0.99, 0.72),
        _line("seam", 0.007, 0.20, 0.47, 0.24, 0.62),
        _line("seam", 0.007, 0.62, 0.62, 0.70, 0.44, 0.86, 0.40, 0.97, 0.44),
        *(_line("seam", 0.014, x, y, x + 0.08, y + 0.07) for x, y in _LACES),
    ),
    "scarf": (
        _ellipse("body", 0.24, -0.10, 0.76, 0.26),
        _ellipse("cut", 0.36, -0.02, 0.64, 0.16),
        _poly("body", 0.24, 0.08, 0.50, 0.12, 0.47, 0.86, 0.20, 0.84),
        _poly("body", 0.50, 0.12, 0.76, 0.08, 0.80, 0.78, 0.54, 0.80),
        *(_line("body", 0.008, 0.21 + k * 0.026, 0.84, 0.21 + k * 0.026, 0.95) for k in range(11)),
        *(_line("body", 0.008, 0.55 + k * 0.025, 0.79, 0.55 + k * 0.025, 0.89) for k in range(11)),
        _ellipse("inner", 0.44, 0.07, 0.56, 0.19),
        _seam(0.20, 0.83, 0.47, 0.85),
        _seam(0.54, 0.79, 0.80, 0.77),
    ),
    "bag": (
        _arc("body", 0.05, (0.28, 0.02, 0.72, 0.74), 180, 360),
        _poly("body", 0.15, 0.36, 0.85, 0.36, 0.92, 0.97, 0.86, 1.00, 0.14, 1.00, 0.08, 0.97),
        _seam(0.14, 0.46, 0.86, 0.46),
        _line("seam", 0.007, 0.45, 0.43, 0.55, 0.43, 0.55, 0.52, 0.45, 0.52, 0.45, 0.43),
        _seam(0.17, 0.40, 0.12, 0.95),
        _seam(0.83, 0.40, 0.88, 0.95),
    ),
    "cap": (
        _ellipse("body", 0.00, 0.14, 0.72, 0.96),
        _poly("cut", -0.01, 0.55, 0.73, 0.55, 0.73, 0.97, -0.01, 0.97),
        _ellipse("body", 0.44, 0.47, 1.00, 0.63),
        _ellipse("body", 0.33, 0.11, 0.39, 0.17),
        _arc("seam", 0.007, (0.12, 0.14, 0.60, 0.96), 180, 270),
        _line("seam", 0.007, 0.36, 0.15, 0.50, 0.30, 0.56, 0.55),
        _seam(0.01, 0.53, 0.71, 0.53),
        _arc("seam", 0.007, (0.50, 0.50, 0.96, 0.60), 0, 180),
    ),
}


@cache
def _bbox(category: str) -> tuple[float, float, float, float]:
    """The silhouette's extent in unit coordinates, measured on a drawing (cut-outs and
    partial arcs make the parts' own boxes too large)."""
    unit, pad = 500, 400
    mask, _ = _draw_shape(_SHAPES[category], (unit + 2 * pad, unit + 2 * pad), unit, (pad, pad))
    box = mask.getbbox()
    assert box is not None
    x0, y0, x1, y1 = ((v - pad) / unit for v in box)
    return x0, y0, x1, y1


def _draw_shape(
    parts: Sequence[_Part], size: tuple[int, int], scale: float, origin: tuple[float, float]
) -> tuple[Image.Image, Image.Image]:
    """The garment mask and the darkening layer (both mode L) at pixel scale."""
    mask = Image.new("L", size, 0)
    shade = Image.new("L", size, 0)
    dm, ds = ImageDraw.Draw(mask), ImageDraw.Draw(shade)
    x0, y0 = origin

    def px(xy: tuple[float, ...]) -> list[float]:
        return [(v * scale + (x0 if i % 2 == 0 else y0)) for i, v in enumerate(xy)]

    fills = {"body": 255, "cut": 0, "inner": _INNER, "seam": _SEAM}
    for p in parts:
        draw, fill = (dm if p.role in ("body", "cut") else ds), fills[p.role]
        xy = px(p.xy)
        width = max(1, round(p.width * scale))
        if p.op == "polygon":
            draw.polygon(xy, fill=fill)
        elif p.op == "ellipse":
            draw.ellipse(xy, fill=fill)
        elif p.op == "line":
            draw.line(xy, fill=fill, width=width, joint="curve")
        else:
            draw.arc(xy, p.angles[0], p.angles[1], fill=fill, width=width)
    return mask, shade


# ---------------------------------------------------------------------- patterns


def _accents(
    base: npt.NDArray[np.float64], rng: np.random.Generator, k: int, *, min_dl: float = 0.0
) -> list[str]:
    """`k` distinct demo colours that stand apart from `base` (white, black and navy more
    often, as in real stripes), in a seeded order. Should too few stand apart (a base colour
    outside the demo's ten), the farthest of the rest make up the number."""
    far = [n for n in ACCENT_COLOURS if np.linalg.norm(_lab_of(n) - base) >= 30]
    names = [n for n in far if abs(_lab_of(n)[0] - base[0]) >= min_dl]
    chosen: list[str] = []
    if names:
        weights = np.array([3.0 if n in ("White", "Black", "Navy Blue") else 1.0 for n in names])
        picks = rng.choice(
            len(names), size=min(k, len(names)), replace=False, p=weights / weights.sum()
        )
        chosen = [names[int(i)] for i in picks]
    rest = sorted(
        (n for n in ACCENT_COLOURS if n not in chosen),
        key=lambda n: -float(np.linalg.norm(_lab_of(n) - base)),
    )
    return chosen + rest[: k - len(chosen)]


def _period(rng: np.random.Generator, lo: float, hi: float, frame: int) -> int:
    return max(4, round(rng.uniform(lo, hi) * frame / _REFERENCE))


def _bands(n: int, period: int, width: int, phase: int) -> Bool:
    return np.asarray(((np.arange(n) + phase) % period) < width)


def _base_share(idx: npt.NDArray[np.uint8], mask: Bool) -> float:
    return float((idx[mask] == 0).mean()) if mask.any() else 1.0


def _striped(mask: Bool, frame: int, rng: np.random.Generator) -> npt.NDArray[np.uint8]:
    """Regular stripes 8–16 px apart at 224 px, each 28–38 % of the repeat; narrowed where the
    garment happens to catch more stripe than base (its edges cut the repeat)."""
    h, w = mask.shape
    period = _period(rng, 8, 16, frame)
    width = max(2, round(rng.uniform(0.28, 0.38) * period))
    phase = int(rng.integers(period))
    horizontal = rng.random() < 0.7  # as most striped knitwear and tees
    while True:
        idx = np.zeros(mask.shape, dtype=np.uint8)
        if horizontal:
            idx[_bands(h, period, width, phase), :] = 1
        else:
            idx[:, _bands(w, period, width, phase)] = 1
        if width == 1 or _base_share(idx, mask) >= MIN_BASE_SHARE["striped"]:
            return idx
        width -= 1


def _checked(mask: Bool, frame: int, rng: np.random.Generator) -> npt.NDArray[np.uint8]:
    """Two crossing sets of bands 14–24 px apart at 224 px, each 18–24 % of the repeat, so a
    full repeat keeps ≥ 57 % base; crossings take the first band colour."""
    h, w = mask.shape
    period = _period(rng, 14, 24, frame)
    width = max(2, min(round(rng.uniform(0.18, 0.24) * period), int(0.24 * period)))
    phases = rng.integers(period, size=2)
    while True:
        idx = np.zeros(mask.shape, dtype=np.uint8)
        idx[:, _bands(w, period, width, int(phases[1]))] = 2
        idx[_bands(h, period, width, int(phases[0])), :] = 1
        if width == 1 or _base_share(idx, mask) >= MIN_BASE_SHARE["checked"]:
            return idx
        width -= 1


class _Motif(Protocol):
    @property
    def reach(self) -> float:
        """How far from its anchor the motif can extend, in pixels."""
        ...

    def __call__(
        self, draw: ImageDraw.ImageDraw, x: float, y: float, rng: np.random.Generator
    ) -> None: ...


@dataclass
class _Print:
    """Blobs, triangles, bars, rings and rows of glyph-like marks in up to three colours."""

    unit: float
    colours: int

    @property
    def reach(self) -> float:
        return 3 * self.unit

    def __call__(
        self, draw: ImageDraw.ImageDraw, x: float, y: float, rng: np.random.Generator
    ) -> None:
        c = int(rng.integers(1, self.colours + 1))
        r = self.unit * rng.uniform(0.5, 1.0)
        kind = int(rng.integers(5))
        if kind == 0:  # irregular blob
            t = np.linspace(0, 2 * np.pi, 12, endpoint=False)
            rr = r * (1 + 0.35 * rng.uniform(-1, 1, t.size))
            draw.polygon(list(zip(x + rr * np.cos(t), y + rr * np.sin(t), strict=True)), fill=c)
        elif kind == 1:  # triangle
            t = rng.uniform(0, 2 * np.pi) + np.array([0, 2.1, 4.2])
            draw.polygon(list(zip(x + r * np.cos(t), y + r * np.sin(t), strict=True)), fill=c)
        elif kind == 2:  # bar
            draw.rectangle([x - r, y - r * 0.25, x + r, y + r * 0.25], fill=c)
        elif kind == 3:  # ring
            draw.ellipse([x - r, y - r, x + r, y + r], outline=c, width=max(1, round(r * 0.3)))
        else:  # a short "word": glyph-like marks on one line
            gh = r * 0.5
            cx = x - r
            for _ in range(int(rng.integers(3, 7))):
                gw = gh * rng.uniform(0.4, 0.9)
                draw.rectangle([cx, y - gh / 2, cx + gw, y + gh / 2], fill=c)
                cx += gw + gh * 0.35


@dataclass
class _Flower:
    """Five round petals in colour 1 around a centre in colour 2, sometimes a leaf in 3."""

    unit: float
    leaves: bool

    @property
    def reach(self) -> float:
        return 2 * self.unit

    def __call__(
        self, draw: ImageDraw.ImageDraw, x: float, y: float, rng: np.random.Generator
    ) -> None:
        r = self.unit * rng.uniform(0.75, 1.0)
        a = rng.uniform(0, 2 * np.pi)
        if self.leaves and rng.random() < 0.5:
            lx, ly = x + 1.1 * r * np.cos(a + 0.6), y + 1.1 * r * np.sin(a + 0.6)
            draw.ellipse([lx - 0.45 * r, ly - 0.3 * r, lx + 0.45 * r, ly + 0.3 * r], fill=3)
        pr = 0.42 * r
        for k in range(5):
            t = a + k * 2 * np.pi / 5
            px, py = x + 0.55 * r * np.cos(t), y + 0.55 * r * np.sin(t)
            draw.ellipse([px - pr, py - pr, px + pr, py + pr], fill=1)
        cr = 0.3 * r
        draw.ellipse([x - cr, y - cr, x + cr, y + cr], fill=2)


def _scatter(
    mask: Bool,
    rng: np.random.Generator,
    motif: _Motif,
    *,
    target: float,
    cap: float,
    spacing: float,
) -> npt.NDArray[np.uint8]:
    """Place motifs on a jittered grid over the garment, in random order, until they cover
    `target` of it. The jitter keeps the layout from repeating; a motif that would take the
    cover past `cap` is taken back, which is what makes the base share a guarantee."""
    h, w = mask.shape
    ys, xs = np.nonzero(mask)
    layer = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(layer)
    cells = [
        (float(y), float(x))
        for y in np.arange(ys.min(), ys.max() + spacing, spacing)
        for x in np.arange(xs.min(), xs.max() + spacing, spacing)
    ]
    area = int(mask.sum())
    goal, limit = target * area, cap * area
    # `covered` is exact as of the last count; `pending` bounds what was drawn since (a motif
    # covers at most the garment pixels in its box), so most motifs need no counting at all.
    covered, pending = 0, 0
    reach = int(np.ceil(motif.reach)) + 2
    for j in rng.permutation(len(cells)):
        y, x = cells[int(j)]
        y += rng.uniform(-0.4, 0.4) * spacing
        x += rng.uniform(-0.4, 0.4) * spacing
        box = (
            max(0, int(x) - reach),
            max(0, int(y) - reach),
            min(w, int(x) + reach),
            min(h, int(y) + reach),
        )
        if box[0] >= box[2] or box[1] >= box[3]:
            continue
        inside = mask[box[1] : box[3], box[0] : box[2]]
        bound = int(inside.sum())
        if covered + pending + bound <= limit:
            motif(draw, x, y, rng)
            pending += bound
            if covered + pending >= goal:
                covered, pending = int(np.count_nonzero(np.asarray(layer)[mask])), 0
                if covered >= goal:
                    break
            continue
        # this motif might pass the cap: count exactly and be ready to take it back
        covered, pending = int(np.count_nonzero(np.asarray(layer)[mask])), 0
        before = layer.crop(box)
        was = int(np.count_nonzero(np.asarray(before)[inside]))
        motif(draw, x, y, rng)
        now = int(np.count_nonzero(np.asarray(layer.crop(box))[inside]))
        if covered + now - was > limit:
            layer.paste(before, box[:2])
            break
        covered += now - was
        if covered >= goal:
            break
    return np.asarray(layer, dtype=np.uint8)


def _pattern(
    pattern: str,
    base: npt.NDArray[np.float64],
    mask: Bool,
    frame: int,
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.uint8], list[str]]:
    """Colour indices over the whole frame (0 = base, i = the i-th returned colour)."""
    unit = frame / _REFERENCE
    if pattern == "solid":
        return np.zeros(mask.shape, dtype=np.uint8), []
    if pattern == "striped":
        return _striped(mask, frame, rng), _accents(base, rng, 1, min_dl=20)
    if pattern == "checked":
        colours = _accents(base, rng, 2, min_dl=20)
        if rng.random() < 0.5:  # gingham: one colour both ways
            colours = [colours[0], colours[0]]
        return _checked(mask, frame, rng), colours
    if pattern == "printed":
        colours = _accents(base, rng, int(rng.integers(2, 4)))
        motif: _Motif = _Print(unit=rng.uniform(6, 11) * unit, colours=len(colours))
        target, spacing = rng.uniform(0.22, 0.32), rng.uniform(14, 20) * unit
    else:
        colours = _accents(base, rng, 2)
        if "Green" not in colours and np.linalg.norm(_lab_of("Green") - base) >= 30:
            colours.append("Green")  # leaves
        motif = _Flower(unit=rng.uniform(5, 7) * unit, leaves=len(colours) == 3)
        target, spacing = rng.uniform(0.18, 0.28), rng.uniform(16, 22) * unit
    cap = 1 - MIN_BASE_SHARE[pattern]
    return _scatter(mask, rng, motif, target=target, cap=cap, spacing=spacing), colours


# ---------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class Rendering:
    """A rendered product photo with what is known about it."""

    image: Image.Image
    mask: Bool
    """Garment pixels (H, W); the silhouette before its edge is softened into the background."""
    base_share: float
    """Share of the garment's pixels laid out in the base colour (≥ `MIN_BASE_SHARE`)."""
    accents: tuple[str, ...]
    """The other palette colours the pattern uses, by catalogue name."""


def _validate(category: str, colour: str, pattern: str, size: tuple[int, int]) -> None:
    if category not in _SHAPES:
        raise ValueError(f"unknown category {category!r}; expected one of {', '.join(CATEGORIES)}")
    if colour not in BY_NAME:
        raise ValueError(f"unknown colour {colour!r}; expected a palette name such as 'Navy Blue'")
    if pattern not in PATTERNS:
        raise ValueError(f"unknown pattern {pattern!r}; expected one of {', '.join(PATTERNS)}")
    if len(size) != 2 or min(size) < 32 or max(size) > 8000:
        raise ValueError(f"size must be (width, height) between 32 and 8000 pixels, not {size}")


_STEP = 0.05  # L* resolution of the shading table


def _shade_table(lab: npt.NDArray[np.float64]) -> F32:
    """sRGB (float, 0–255) of each colour shifted by every L* offset in ±_MAX_SHADE."""
    offsets = np.arange(-_MAX_SHADE, _MAX_SHADE + _STEP / 2, _STEP)
    shifted = np.repeat(lab[:, None, :], offsets.size, axis=1)
    shifted[..., 0] += offsets
    return _lab_to_rgb(shifted)


def _steps(d_l: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.intp]:
    return np.asarray(
        np.rint((np.clip(d_l, -_MAX_SHADE, _MAX_SHADE) + _MAX_SHADE) / _STEP), dtype=np.intp
    )


def _soft(mask: Image.Image, radius: float) -> F32:
    """`mask` blurred to 0–1; wide blurs run at reduced resolution, which looks the same."""
    factor = int(radius // 2)
    if factor >= 2:
        small = mask.reduce(factor).filter(ImageFilter.GaussianBlur(radius / factor))
        mask = small.resize(mask.size, Image.Resampling.BILINEAR)
    else:
        mask = mask.filter(ImageFilter.GaussianBlur(radius))
    return np.asarray(mask, dtype=np.float32) / np.float32(255)


def _smooth_noise(rng: np.random.Generator, size: tuple[int, int], cells: int) -> F32:
    coarse = rng.normal(size=(cells, cells)).astype(np.float32)
    field = np.asarray(
        Image.fromarray(coarse, "F").resize(size, Image.Resampling.BICUBIC), dtype=np.float32
    )
    return np.asarray((field - field.mean()) / (field.std() + 1e-6), dtype=np.float32)


def draw_garment(
    category: str,
    colour: str,
    pattern: str,
    *,
    size: tuple[int, int] = (224, 224),
    seed: int = 0,
    background: str = "#FFFFFF",
) -> Rendering:
    """Render a product photo and return it with its garment mask and pattern facts.

    See `render_garment` for the arguments; this variant is what tests and benchmarks use when
    they need the known answer (which pixels are garment, how much of it is base colour).
    """
    _validate(category, colour, pattern, size)
    w, h = int(size[0]), int(size[1])
    frame = min(w, h)
    rng = np.random.default_rng(seed)
    base = _lab_of(colour)

    parts = _SHAPES[category]
    bx0, by0, bx1, by1 = _bbox(category)
    fill = rng.uniform(0.72, 0.82)
    scale = fill * min(w / (bx1 - bx0), h / (by1 - by0))
    jitter = rng.uniform(-0.015, 0.015, size=2) * frame
    origin = (
        (w - (bx1 - bx0) * scale) / 2 - bx0 * scale + jitter[0],
        (h - (by1 - by0) * scale) / 2 - by0 * scale + jitter[1],
    )
    mask_img, shade_img = _draw_shape(parts, (w, h), scale, origin)
    mask = np.asarray(mask_img) > 127
    px = frame / _REFERENCE  # one reference pixel, in output pixels

    idx, accents = _pattern(pattern, base, mask, frame, rng)
    idx = np.where(mask, idx, 0).astype(np.uint8)
    palette = np.vstack([base] + [_lab_of(a) for a in accents])
    base_share = _base_share(idx, mask)

    # Lightness offsets: light from the upper left, soft folds, darker edges and seams, grain.
    rows_in, cols_in = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    col = np.arange(w, dtype=np.float32)[None, :] - (cols_in[0] + cols_in[-1]) / 2
    row = np.arange(h, dtype=np.float32)[:, None] - (rows_in[0] + rows_in[-1]) / 2
    span = max(float(cols_in[-1] - cols_in[0]), float(rows_in[-1] - rows_in[0]), 1.0)
    angle = rng.uniform(0.6, 1.2)
    ramp = (col * np.float32(np.cos(angle)) + row * np.float32(np.sin(angle))) / (span / 2)
    d_l = np.float32(-rng.uniform(3.0, 4.5)) * np.clip(ramp, -1, 1)
    d_l += 1.6 * _smooth_noise(rng, (w, h), 5)
    d_l -= 5.0 * (1 - _soft(mask_img, 3 * px))
    d_l -= _MAX_SHADE * _soft(shade_img, 0.5 * px)
    d_l += 4.0 * (rng.random((h, w), dtype=np.float32) - 0.5)  # grain, sd 1.15
    d_l -= d_l.mean(where=mask)

    # Background: the given colour, slightly off-white by seed, with a soft drop shadow.
    bg = srgb_to_lab(ImageColor.getrgb(background)[:3])
    bg[0] -= rng.uniform(0.0, 2.5)
    bg[2] += rng.uniform(0.0, 1.5)
    shadow = mask_img.transform(
        (w, h),
        Image.Transform.AFFINE,
        (1, 0, -0.012 * frame, 0, 1, -0.025 * frame),
        fillcolor=0,
    )
    ground_l = np.float32(0.8) * (0.5 - np.arange(h, dtype=np.float32)[:, None] / h)
    ground_l = ground_l - 7.0 * _soft(shadow, 0.04 * frame)

    # Every pixel is one of a few colours moved in L* only: convert those through one table
    # (rows: each garment colour, then the background, at every step of L*), and blend garment
    # and background only along the softened edge.
    table = _shade_table(np.vstack([palette, bg]))
    n = table.shape[1]
    table = table.reshape(-1, 3)
    fg = idx.astype(np.intp) * n + _steps(d_l)
    back = len(palette) * n + _steps(ground_l)
    alpha = _soft(mask_img, 0.5 * px)
    rgb = np.take(np.rint(table).astype(np.uint8), np.where(alpha >= 0.5, fg, back), axis=0)
    edge = np.nonzero((alpha > 0) & (alpha < 1))
    a = alpha[edge][:, None]
    rgb[edge] = np.rint(a * table[fg[edge]] + (1 - a) * table[back[edge]]).astype(np.uint8)
    image = Image.fromarray(rgb, "RGB")
    return Rendering(
        image=image, mask=mask, base_share=base_share, accents=tuple(dict.fromkeys(accents))
    )


def render_garment(
    category: str,
    colour: str,
    pattern: str,
    *,
    size: tuple[int, int] = (224, 224),
    seed: int = 0,
    background: str = "#FFFFFF",
) -> Image.Image:
    """A catalogue-style product photo (RGB) of one garment with known attributes.

    `category` is one of the demo categories (`CATEGORIES`), `colour` a palette name
    (`culturebridge.fashion._palette.BY_NAME`, e.g. "Navy Blue"), `pattern` one of solid, striped,
    checked, printed, floral. The garment fills 72–82 % of the frame along its longer side,
    centred on `background` (varied by the seed towards off-white) with a soft shadow.

    The base colour covers at least `MIN_BASE_SHARE[pattern]` of the garment's pixels: all of a
    solid, ≥ 60 % striped, ≥ 55 % checked, ≥ 60 % printed and ≥ 60 % floral; the shading moves
    lightness by at most ±10 L* and averages zero, so the garment's mean colour stays the
    palette's. The same arguments give the same pixels; callers choose the file format.
    """
    return draw_garment(
        category, colour, pattern, size=size, seed=seed, background=background
    ).image


# ---------------------------------------------------------------------- writers


def item_image_uri(item_id: str) -> str:
    """The `image_uri` of a demo item: relative to the workspace root."""
    return f"{ITEM_IMAGE_DIR}/{item_id}.jpg"


def _item_seed(seed: int, key: str) -> int:
    """A per-image seed that depends on the item, not on the order images are written in."""
    state = np.random.SeedSequence([seed, zlib.crc32(key.encode("utf-8"))]).generate_state(1)
    return int(state[0])


def write_item_images(
    out_dir: Path,
    items: Iterable[tuple[str, Mapping[str, str]]],
    *,
    seed: int = 0,
    size: tuple[int, int] = (224, 224),
) -> list[Path]:
    """Write `out_dir/images/items/{item_id}.jpg` for each (item_id, attributes) pair, drawn
    from the attributes' category, colour and pattern. Returns the paths in the given order."""
    folder = Path(out_dir) / ITEM_IMAGE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for item_id, attrs in items:
        if not item_id or item_id in (".", "..") or "/" in item_id or "\\" in item_id:
            raise ValueError(f"item id {item_id!r} cannot name an image file")
        image = render_garment(
            attrs["category"],
            attrs["colour"],
            attrs.get("pattern", "solid"),
            size=size,
            seed=_item_seed(seed, item_id),
        )
        path = Path(out_dir) / item_image_uri(item_id)
        image.save(path, "JPEG", quality=JPEG_QUALITY)
        paths.append(path)
    return paths


@dataclass(frozen=True)
class Look:
    """One look of a designer's collection: what to draw and the caption that goes with it."""

    category: str
    colour: str
    pattern: str
    caption: str


def write_lookbook(
    directory: Path,
    looks: Sequence[Look],
    *,
    size: tuple[int, int] = (224, 224),
    seed: int = 0,
) -> Path:
    """Write a lookbook folder: `look_01.jpg`, `look_02.jpg`, ... and `looks.csv` (UTF-8, header
    `image,caption`), the format `culturebridge fashion fit --collection DIR` reads.

    Returns `directory`. Raises ValueError for an unknown category, colour or pattern before
    anything is written.
    """
    for look in looks:
        _validate(look.category, look.colour, look.pattern, size)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    digits = max(2, len(str(len(looks))))
    rows: list[tuple[str, str]] = []
    for i, look in enumerate(looks, start=1):
        name = f"look_{i:0{digits}d}.jpg"
        image = render_garment(
            look.category, look.colour, look.pattern, size=size, seed=_item_seed(seed, name)
        )
        image.save(directory / name, "JPEG", quality=JPEG_QUALITY)
        rows.append((name, look.caption))
    with (directory / "looks.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(("image", "caption"))
        writer.writerows(rows)
    return directory
