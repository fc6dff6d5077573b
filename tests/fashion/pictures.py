"""Pictures that are not garments, with a known answer: the tagger must say "unsure".

Drawn here rather than stored: plain and two-colour gradients, landscape-like scenes (sky, sun,
hills, water) and random noise, each from a seed. Used by the tests and by
`benchmarks/fashion.py`; never by training or by choosing any threshold.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter

SIZE = 224
KINDS = ("gradient", "landscape", "noise")


def _colour(rng: np.random.Generator) -> npt.NDArray[np.float64]:
    return rng.uniform(0, 255, 3)


def gradient(seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    a, b = _colour(rng), _colour(rng)
    angle = rng.uniform(0, np.pi)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] / (SIZE - 1)
    t = np.cos(angle) * xx + np.sin(angle) * yy
    t = (t - t.min()) / max(float(t.max() - t.min()), 1e-9)
    rgb = a[None, None, :] * (1 - t[..., None]) + b[None, None, :] * t[..., None]
    return Image.fromarray(rgb.clip(0, 255).astype(np.uint8))


def landscape(seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    yy = np.linspace(0, 1, SIZE)[:, None, None]
    top = np.array([rng.uniform(60, 140), rng.uniform(120, 190), rng.uniform(200, 255)])
    low = np.array([rng.uniform(190, 240), rng.uniform(200, 240), rng.uniform(220, 255)])
    sky = top * (1 - yy) + low * yy
    rgb = np.broadcast_to(sky, (SIZE, SIZE, 3)).copy()
    im = Image.fromarray(rgb.astype(np.uint8))
    draw = ImageDraw.Draw(im)
    sx, sy, r = rng.uniform(30, 190), rng.uniform(20, 80), rng.uniform(10, 22)
    draw.ellipse((sx - r, sy - r, sx + r, sy + r), fill=(255, 236, 160))
    xs = np.arange(SIZE + 1)
    for layer in range(3):
        base = 110 + 35 * layer + rng.uniform(-10, 10)
        amp, freq, phase = rng.uniform(8, 25), rng.uniform(0.01, 0.04), rng.uniform(0, 6.3)
        ridge = base + amp * np.sin(freq * xs + phase)
        green = (
            int(rng.uniform(30, 90)),
            int(rng.uniform(90, 160) - 20 * layer),
            int(rng.uniform(30, 80)),
        )
        poly = [(0, SIZE), *((float(x), float(y)) for x, y in zip(xs, ridge, strict=True))]
        draw.polygon([*poly, (SIZE, SIZE)], fill=green)
    if rng.random() < 0.5:
        draw.rectangle((0, 200, SIZE, SIZE), fill=(60, 110, 170))
    return im.filter(ImageFilter.GaussianBlur(0.8))


def noise(seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    if seed % 2:
        return Image.fromarray(rng.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8))
    coarse = rng.integers(0, 256, (SIZE // 8, SIZE // 8, 3), dtype=np.uint8)
    return Image.fromarray(coarse).resize((SIZE, SIZE), Image.Resampling.BICUBIC)


def non_garment(kind: str, seed: int) -> Image.Image:
    return {"gradient": gradient, "landscape": landscape, "noise": noise}[kind](seed)
