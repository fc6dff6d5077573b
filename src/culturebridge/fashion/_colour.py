"""Dominant colours of a product or street photo, named from the palette, in CIELAB.

Steps, on a 112×112 copy of the decoded image:
1. Convert sRGB to CIELAB (D65), where Euclidean distance roughly follows perceived difference.
2. Background: the median colour of the frame's border; pixels close to it (within three times
   the border's own spread, at most `BG_DELTA_E`) that are connected to the border are
   background and ignored (connectivity keeps a white shirt on a
   white studio floor: its shaded edge separates it from the border). If that leaves almost
   nothing (a white garment filling the frame), a tighter threshold is used, then the centre.
3. Each foreground pixel takes the nearest palette colour under CIEDE2000-like weighting
   (lightness counts less than hue and chroma for saturated colours; see `_distance`), and the
   shares are the fractions of foreground pixels per name, largest first. Names under
   `MIN_SHARE` are folded into the others in proportion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from culturebridge.fashion._palette import IMAGE_PALETTE, NamedColour

F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]

WORK = 112
BORDER = 3
BG_DELTA_E = 10.0
MIN_FOREGROUND = 0.04
MIN_SHARE = 0.05
MAX_COLOURS = 4

_LIN = np.where(
    (c := np.arange(256) / 255.0) <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4
).astype(np.float64)
_M = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_WHITE = np.array([0.95047, 1.0, 1.08883])


def lab(rgb: U8) -> F64:
    """(..., 3) uint8 sRGB -> (..., 3) CIELAB under D65."""
    xyz = _LIN[rgb] @ _M.T / _WHITE
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
        axis=-1,
    )


@dataclass(frozen=True)
class ColourShare:
    colour: NamedColour
    share: float

    def as_json(self) -> dict[str, object]:
        c = self.colour
        return {
            "name_en": c.name_en,
            "name_zh": c.name_zh,
            "hex": c.hex,
            "share": round(self.share, 4),
        }


class Palette:
    """Nearest-name assignment in CIELAB for a set of named colours."""

    def __init__(self, colours: tuple[NamedColour, ...] = IMAGE_PALETTE) -> None:
        self.colours = colours
        self.lab = lab(np.array([c.rgb for c in colours], dtype=np.uint8))

    def assign(self, pixels: F64) -> npt.NDArray[np.intp]:
        """(n, 3) Lab -> index of the nearest palette colour for each pixel."""
        return np.asarray(np.argmin(_distance(pixels, self.lab), axis=1))


def _distance(pixels: F64, refs: F64) -> F64:
    """A CIE94-style distance: hue and chroma differences scaled by the reference's chroma."""
    dl = pixels[:, None, 0] - refs[None, :, 0]
    c1 = np.hypot(pixels[:, 1], pixels[:, 2])[:, None]
    c2 = np.hypot(refs[:, 1], refs[:, 2])[None, :]
    dc = c1 - c2
    da = pixels[:, None, 1] - refs[None, :, 1]
    db = pixels[:, None, 2] - refs[None, :, 2]
    dh2 = np.maximum(da * da + db * db - dc * dc, 0.0)
    sc = 1 + 0.045 * c2
    sh = 1 + 0.015 * c2
    return np.asarray(dl * dl + (dc / sc) ** 2 + dh2 / (sh * sh))


def foreground(img_lab: F64) -> npt.NDArray[np.bool_]:
    """Mask of the pixels that are not the border-connected background."""
    h, w, _ = img_lab.shape
    ring = np.concatenate(
        [
            img_lab[:BORDER].reshape(-1, 3),
            img_lab[-BORDER:].reshape(-1, 3),
            img_lab[:, :BORDER].reshape(-1, 3),
            img_lab[:, -BORDER:].reshape(-1, 3),
        ]
    )
    bg = np.median(ring, axis=0)
    spread = float(np.percentile(np.linalg.norm(ring - bg, axis=1), 90))
    first = float(np.clip(3.0 * spread + 1.5, 2.5, BG_DELTA_E))
    dist = np.linalg.norm(img_lab - bg, axis=-1)
    for threshold in (first, first / 2):
        near = dist < threshold
        labels, _ = ndimage.label(near)
        edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
        background = np.isin(labels, edge[edge > 0])
        fg = ~background
        if fg.mean() >= MIN_FOREGROUND:
            return fg
    centre = np.zeros((h, w), dtype=bool)
    centre[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4] = True
    return centre


@dataclass(frozen=True)
class Pixels:
    """A decoded image on the working grid: Lab values, foreground mask, palette index per pixel
    (-1 on the background). Computed once and shared by colours, colour features and pattern."""

    lab: F64
    fg: npt.NDArray[np.bool_]
    index: npt.NDArray[np.intp]
    palette: Palette


def prepare(rgb: U8, palette: Palette | None = None) -> Pixels:
    palette = palette or default_palette()
    step = max(1, rgb.shape[0] // WORK)
    img = lab(rgb[::step, ::step])
    fg = foreground(img)
    index = np.full(fg.shape, -1, dtype=np.intp)
    index[fg] = palette.assign(img[fg])
    return Pixels(img, fg, index, palette)


def dominant_colours(px: Pixels, *, max_colours: int = MAX_COLOURS) -> list[ColourShare]:
    """Named colours of the foreground, largest share first (shares sum to 1)."""
    k = len(px.palette.colours)
    counts = np.bincount(px.index[px.fg], minlength=k).astype(np.float64)
    share = counts / max(counts.sum(), 1.0)
    order = [int(i) for i in np.argsort(-share, kind="stable") if share[i] > 0]
    keep = [i for i in order[:max_colours] if share[i] >= MIN_SHARE] or order[:1]
    total = float(share[keep].sum())
    return [ColourShare(px.palette.colours[i], float(share[i] / total)) for i in keep]


BANDS = 3


GRID = 4
QUANTILES = (10, 25, 50, 75, 90)


def colour_features(px: Pixels) -> npt.NDArray[np.float32]:
    """What the trained base-colour head reads besides the CNN features.

    * Per horizontal band (top, middle, bottom of the frame, since a worn article sits in one of
      them): the share of foreground pixels nearest each palette colour, the band's foreground
      fraction and its median Lab colour.
    * Per cell of a 4×4 grid: foreground fraction, median Lab and mean chroma, which lets the head
      find the article among a model's other clothes.
    * Quantiles of the foreground's L, a and b (dark navy and black differ in the tails).
    Lab values are scaled by 1/50 to about unit range.
    """
    k = len(px.palette.colours)
    out: list[npt.NDArray[np.float64]] = []
    for rows in np.array_split(np.arange(px.lab.shape[0]), BANDS):
        mask = px.fg[rows]
        hist = np.zeros(k)
        med = np.zeros(3)
        if mask.any():
            hist = np.bincount(px.index[rows][mask], minlength=k) / mask.sum()
            med = np.median(px.lab[rows][mask], axis=0) / 50.0
        out.append(np.concatenate([hist, [mask.mean()], med]))
    h, w = px.fg.shape
    for rows in np.array_split(np.arange(h), GRID):
        for cols in np.array_split(np.arange(w), GRID):
            mask = px.fg[np.ix_(rows, cols)]
            cell = px.lab[np.ix_(rows, cols)][mask]
            if len(cell):
                chroma = np.hypot(cell[:, 1], cell[:, 2]).mean()
                out.append(
                    np.concatenate([[mask.mean()], np.median(cell, axis=0) / 50, [chroma / 50]])
                )
            else:
                out.append(np.zeros(5))
    fg = px.lab[px.fg]
    q = np.percentile(fg, QUANTILES, axis=0).ravel() / 50 if len(fg) else np.zeros(15)
    out.append(q)
    return np.concatenate(out).astype(np.float32)


def colour_feature_count(palette: Palette | None = None) -> int:
    k = len((palette or default_palette()).colours)
    return BANDS * (k + 4) + GRID * GRID * 5 + 3 * len(QUANTILES)


_DEFAULT: list[Palette] = []


def default_palette() -> Palette:
    if not _DEFAULT:
        _DEFAULT.append(Palette())
    return _DEFAULT[0]
