"""Pattern of the foreground, derived from colour and texture (the catalogue has no pattern labels).

* `solid`: one named colour covers most of the foreground and the lightness texture has no
  strong repeating component.
* `striped`: the lightness spectrum of the foreground has one dominant peak direction
  (stripes at any angle).
* `checked`: two dominant peak directions roughly at right angles (checks, tartan, gingham).
* `printed`: several colours or strong texture without a regular repeat (graphics, florals).

Texture is the lightness minus its local mean (a Gaussian of 6 px removes shading and folds),
inside the foreground eroded by 3 px (so the outline does not count). A repeat is a spectrum
whose energy gathers in a few peaks (periods of 2.5 to 40 px of the 112-px working image);
their directions tell stripes (one) from checks (two, at least 60° apart). Scores are rule
confidences in [0, 1], not trained probabilities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import ndimage

F64 = npt.NDArray[np.float64]

SOLID_SHARE = 0.80  # one named colour covering this much of the garment reads as plain...
TEXTURE_PLAIN = 3.0  # ...as does RMS lightness detail (L units) below this
STRONG_REPEAT = 0.40  # share of detail energy in the strongest peaks: a repeat, whatever else
REPEAT = 0.28  # a weaker repeat counts on a busy, multi-coloured surface
TEXTURE_BUSY = 12.0
PEAKS = 8
MIN_SIDE = 16


@dataclass(frozen=True)
class PatternResult:
    label: str
    score: float
    texture: float
    """RMS of the lightness detail (shading removed) inside the garment, in L units."""
    concentration: float
    """Share of the detail's spectral energy in the strongest peaks: high for a repeat."""

    def as_json(self) -> dict[str, object]:
        return {"label": self.label, "score": round(self.score, 4)}


def _detail(lightness: F64, mask: npt.NDArray[np.bool_]) -> tuple[F64, npt.NDArray[np.bool_]]:
    """Lightness minus its local mean (shading removed), on the eroded foreground's box."""
    inner = ndimage.binary_erosion(mask, iterations=3)
    if inner.sum() < MIN_SIDE * MIN_SIDE:
        inner = mask
    ys, xs = np.nonzero(inner)
    box = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    light, m = lightness[box], inner[box]
    filled = np.where(m, light, light[m].mean())
    detail = filled - ndimage.gaussian_filter(filled, sigma=6.0)
    return np.where(m, detail, 0.0), m


def _peak_directions(detail: F64) -> tuple[float, list[float]]:
    """Energy share of the strongest peaks, and their directions (degrees, 0..180)."""
    h, w = detail.shape
    win = np.outer(np.hanning(h), np.hanning(w))
    power = np.abs(np.fft.fft2(detail * win)) ** 2
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.fftfreq(w)[None, :]
    radius = np.hypot(fy, fx)
    band = (radius >= 1 / 40) & (radius <= 1 / 2.5) & ((fy > 0) | ((fy == 0) & (fx > 0)))
    values = power[band]
    total = float(values.sum())
    if total <= 0:
        return 0.0, []
    angles = (
        np.degrees(
            np.arctan2(
                np.broadcast_to(fy, power.shape)[band], np.broadcast_to(fx, power.shape)[band]
            )
        )
        % 180
    )
    order = np.argsort(-values)[:PEAKS]
    strong = [float(angles[i]) for i in order if values[i] >= 0.3 * values[order[0]]]
    return float(values[order].sum() / total), strong


def _gap(a: float, b: float) -> float:
    d = abs(a - b) % 180
    return min(d, 180 - d)


def classify_pattern(
    lightness: F64, mask: npt.NDArray[np.bool_], top_share: float
) -> PatternResult:
    """The pattern of the masked region, given its lightness and the top colour's share."""
    if mask.sum() < MIN_SIDE * MIN_SIDE:
        return PatternResult("solid", 0.5, 0.0, 0.0)
    detail, m = _detail(lightness, mask)
    texture = float(np.sqrt(np.mean(detail[m] ** 2)))
    conc, directions = _peak_directions(detail)
    strong_repeat = conc >= STRONG_REPEAT and texture >= TEXTURE_PLAIN
    if not strong_repeat and (top_share >= SOLID_SHARE or texture < TEXTURE_PLAIN):
        score = 0.5 + 0.5 * min(1.0, max(top_share - SOLID_SHARE, 0.0) / (1 - SOLID_SHARE))
        return PatternResult("solid", float(score), texture, conc)
    if directions and (strong_repeat or (conc >= REPEAT and texture >= TEXTURE_BUSY)):
        lead = directions[0]
        cross = [d for d in directions[1:] if _gap(d, lead) >= 60]
        score = float(min(1.0, 0.5 + conc / 2))
        return PatternResult("checked" if cross else "striped", score, texture, conc)
    return PatternResult("printed", float(min(1.0, 0.5 + (1 - conc) / 2)), texture, conc)
