"""Image decoding shared by training and tagging, so both see the same pixels.

Every image becomes a 224×224 RGB array whatever it started as: EXIF orientation applied, alpha
composited on white, palette/greyscale/CMYK converted. Large JPEGs are decoded at reduced scale
(libjpeg's DCT scaling through `Image.draft`, to no less than twice the input size), which keeps
a 1800×2400 photo nearly as fast as a thumbnail, and the frame is then resized (Lanczos, which
keeps colours and edges closest to a thumbnail made from the same original) to the square
input without cropping: catalogue thumbnails were squashed the same way, so full-resolution and
thumbnail copies of one product give nearly the same input.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

SIZE = 224
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
# Decompression-bomb guard: 100 megapixels is far above any product photo.
Image.MAX_IMAGE_PIXELS = 100_000_000

U8 = npt.NDArray[np.uint8]


class ImageError(ValueError):
    """A file that is not a readable image: the message says why, in one line."""


def load_rgb(path: Path, size: int = SIZE) -> U8:
    """The image at `path` as a (size, size, 3) uint8 array."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                im.draft("RGB", (2 * size, 2 * size))
                rgb = _to_rgb(ImageOps.exif_transpose(im))
                out = rgb.resize((size, size), Image.Resampling.LANCZOS)
                return np.asarray(out, dtype=np.uint8)
    except FileNotFoundError:
        raise ImageError("no such file") from None
    except IsADirectoryError:
        raise ImageError("is a directory") from None
    except UnidentifiedImageError:
        raise ImageError("not an image (unrecognised format)") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError("image too large (over 100 megapixels)") from None
    except (OSError, SyntaxError, ValueError) as exc:  # truncated or corrupt data
        raise ImageError(f"unreadable image ({exc})") from None


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return im.convert("RGB")


def find_images(paths: list[Path]) -> list[Path]:
    """Files named on the command line, and the image files under directories (sorted)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(
                sorted(
                    f
                    for f in p.rglob("*")
                    if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES and f.name[0] != "."
                )
            )
        else:
            out.append(p)
    return out
