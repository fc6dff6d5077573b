"""Synthetic product photos: the attributes they were drawn with can be measured back.

Colours are measured here with a CIELAB conversion and a nearest-palette assignment written for
the test (not the renderer's), over the garment mask the renderer reports, eroded by a pixel so
that edge pixels blended with the background do not count. Patterns are told apart by the
amplitude of the periodic component of L* along each image axis, on the largest square of fabric.
"""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image
from typer.testing import CliRunner

from culturebridge.cli import app
from culturebridge.demo import DemoResult, Look, draw_garment, render_garment, write_lookbook
from culturebridge.demo import _lexicon as lex
from culturebridge.demo._images import (
    CATEGORIES,
    MIN_BASE_SHARE,
    PATTERNS,
    _item_seed,
    item_image_uri,
    lab_to_srgb,
    srgb_to_lab,
    write_item_images,
)
from culturebridge.fashion._palette import BY_NAME
from culturebridge.workspace import resolve_image
from tests.conftest import Demo

COLOURS = [c[0] for c in lex.COLOURS]
Floats = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]

# --- measurement, written independently of the renderer ------------------------------------------


def to_lab(rgb: npt.ArrayLike) -> Floats:
    """CIELAB (D65, 2°) of sRGB 0–255, by the textbook formulas."""
    c = np.asarray(rgb, dtype=np.float64) / 255
    linear = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = linear @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
        axis=-1,
    )


def palette_lab(names: list[str]) -> Floats:
    return np.array([to_lab(BY_NAME[n].rgb) for n in names])


def erode(mask: Mask, times: int = 1) -> Mask:
    out = mask
    for _ in range(times):
        p = np.pad(out, 1)
        out = p[1:-1, 1:-1] & p[:-2, 1:-1] & p[2:, 1:-1] & p[1:-1, :-2] & p[1:-1, 2:]
    return out


def dilate(mask: Mask, times: int = 1) -> Mask:
    out = mask
    for _ in range(times):
        p = np.pad(out, 1)
        out = p[1:-1, 1:-1] | p[:-2, 1:-1] | p[2:, 1:-1] | p[1:-1, :-2] | p[1:-1, 2:]
    return out


def nearest_shares(
    image: Image.Image, mask: Mask, names: list[str]
) -> tuple[dict[str, float], Floats, npt.NDArray[np.intp]]:
    """Share of the masked pixels nearest (ΔE*ab) to each named colour, their Lab and labels."""
    lab = to_lab(np.asarray(image))[mask]
    dist = np.linalg.norm(lab[:, None, :] - palette_lab(names)[None], axis=-1)
    label = dist.argmin(axis=1)
    return {n: float((label == i).mean()) for i, n in enumerate(names)}, lab, label


def largest_square(mask: Mask) -> tuple[int, int, int]:
    """(row, col, side) of a largest axis-aligned square inside `mask`, by bisection on the
    side with an integral image."""
    ii = np.pad(mask.astype(np.int64).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    best = (0, 0, 0)
    lo, hi = 1, min(mask.shape)
    while lo <= hi:
        s = (lo + hi) // 2
        window = ii[s:, s:] - ii[:-s, s:] - ii[s:, :-s] + ii[:-s, :-s]
        hits = np.argwhere(window == s * s)
        if len(hits):
            best, lo = (int(hits[len(hits) // 2][0]), int(hits[len(hits) // 2][1]), s), s + 1
        else:
            hi = s - 1
    return best


def axis_periodicity(image: Image.Image, mask: Mask) -> tuple[float, float]:
    """Largest amplitude (L* units) of a periodic component with a 6–30 px period (at 224 px)
    varying down the image (horizontal bands) and across it (vertical bands)."""
    y, x, s = largest_square(erode(mask, 2))
    assert s >= 32, "not enough fabric to measure a pattern on"
    light = to_lab(np.asarray(image)[y : y + s, x : x + s])[..., 0]
    window = np.outer(np.hanning(s), np.hanning(s))
    amplitude = np.abs(np.fft.fft2((light - light.mean()) * window)) * 2 / window.sum()
    k = np.arange(s)
    period = s / np.maximum(k, 1)
    frame = min(image.size) / 224
    band = (k > 0) & (k <= s // 2) & (period >= 6 * frame) & (period <= 30 * frame)
    return float(amplitude[band, 0].max()), float(amplitude[0, band].max())


def test_measurement_helpers_know_their_answers() -> None:
    np.testing.assert_allclose(to_lab([255, 255, 255]), [100, 0, 0], atol=0.05)
    np.testing.assert_allclose(to_lab([255, 0, 0]), [53.24, 80.09, 67.20], atol=0.1)
    np.testing.assert_allclose(to_lab([0, 0, 0]), [0, 0, 0], atol=1e-9)
    mask = np.zeros((20, 30), dtype=bool)
    mask[3:15, 5:25] = True
    assert largest_square(mask)[2] == 12
    assert erode(mask).sum() == 10 * 18 and dilate(mask).sum() == 14 * 22 - 4


def test_renderer_colour_conversion_matches() -> None:
    rgb = np.array([[255, 255, 255], [196, 38, 46], [31, 42, 68], [0, 0, 0]])
    np.testing.assert_allclose(srgb_to_lab(rgb), to_lab(rgb), atol=0.05)
    np.testing.assert_array_equal(lab_to_srgb(srgb_to_lab(rgb)), rgb)


# --- every category and pattern ------------------------------------------------------------------

CASES = [
    (category, pattern, COLOURS[(i * 3 + j) % len(COLOURS)], i * 5 + j)
    for i, category in enumerate(CATEGORIES)
    for j, pattern in enumerate(PATTERNS)
]


@pytest.mark.parametrize(("category", "pattern", "colour", "seed"), CASES)
def test_base_colour_dominates_and_background_is_plain(
    category: str, pattern: str, colour: str, seed: int
) -> None:
    r = draw_garment(category, colour, pattern, seed=seed)
    assert r.image.size == (224, 224) and r.image.mode == "RGB"
    assert r.base_share >= MIN_BASE_SHARE[pattern]

    inner = erode(r.mask)
    names = COLOURS if colour in COLOURS else [*COLOURS, colour]
    shares, lab, label = nearest_shares(r.image, inner, names)
    assert max(shares, key=lambda n: shares[n]) == colour
    assert shares[colour] >= MIN_BASE_SHARE[pattern] - 0.02, shares
    assert shares[colour] == pytest.approx(r.base_share, abs=0.03)
    assert set(r.accents) <= set(COLOURS) and colour not in r.accents
    assert {n for n, s in shares.items() if s > 0.01} <= {colour, *r.accents}
    # the base pixels average to the palette colour
    mean = lab[label == names.index(colour)].mean(axis=0)
    assert np.linalg.norm(mean - to_lab(BY_NAME[colour].rgb)) < 1.5

    # centred, and large: its longer side spans 68–85 % of the frame
    rows, cols = np.flatnonzero(r.mask.any(axis=1)), np.flatnonzero(r.mask.any(axis=0))
    assert abs((rows[0] + rows[-1]) / 2 - 112) < 12 and abs((cols[0] + cols[-1]) / 2 - 112) < 12
    assert 0.68 <= max(rows[-1] - rows[0], cols[-1] - cols[0]) / 224 <= 0.85
    assert 0.12 <= r.mask.mean() <= 0.6

    ground = to_lab(np.asarray(r.image))[~dilate(r.mask, 2)]
    assert ground[:, 0].min() > 88  # near-white even in the shadow
    assert np.hypot(ground[:, 1], ground[:, 2]).max() < 4
    corners = to_lab(np.asarray(r.image)[[0, 0, -1, -1], [0, -1, 0, -1]])
    assert corners[:, 0].min() > 95


@pytest.mark.parametrize("colour", list(BY_NAME))
def test_every_palette_colour_can_be_drawn(colour: str) -> None:
    """Colours beyond the demo's ten, too: patterns still find contrasting colours, and the
    base colour still dominates."""
    for j, pattern in enumerate(PATTERNS):
        r = draw_garment(CATEGORIES[(len(colour) + j) % len(CATEGORIES)], colour, pattern, seed=j)
        assert r.base_share >= MIN_BASE_SHARE[pattern]
        names = list(dict.fromkeys([*COLOURS, colour]))
        shares, _, _ = nearest_shares(r.image, erode(r.mask), names)
        assert max(shares, key=lambda n: shares[n]) == colour, (pattern, shares)


@pytest.mark.parametrize("colour", [*COLOURS, "Teal", "Mustard", "Lavender"])
def test_solid_garment_mean_colour_is_the_palette_colour(colour: str) -> None:
    for seed, category in enumerate(("t-shirt", "trousers", "cap")):
        r = draw_garment(category, colour, "solid", seed=seed)
        lab = to_lab(np.asarray(r.image))[erode(r.mask)]
        assert np.linalg.norm(lab.mean(axis=0) - to_lab(BY_NAME[colour].rgb)) < 2.0
        # shaded, mildly: lightness varies by a few units, never more than ±10 (+ sRGB rounding)
        spread = lab[:, 0] - lab[:, 0].mean()
        assert 1.0 < spread.std() < 5.0 and np.abs(spread).max() < 12
        # the same after a JPEG round trip at the quality the writers use
        buf = io.BytesIO()
        r.image.save(buf, "JPEG", quality=90)
        jpeg = to_lab(np.asarray(Image.open(buf).convert("RGB")))[erode(r.mask, 2)]
        assert np.linalg.norm(jpeg.mean(axis=0) - to_lab(BY_NAME[colour].rgb)) < 2.5


@pytest.mark.parametrize("category", CATEGORIES)
def test_patterns_differ_in_periodicity(category: str) -> None:
    """Stripes: a strong periodic component along exactly one axis; checks: along both;
    solid: along neither."""
    for seed in range(3):
        colour = COLOURS[(CATEGORIES.index(category) + seed) % len(COLOURS)]
        solid = axis_periodicity(*_image_and_mask(category, colour, "solid", seed))
        striped = sorted(axis_periodicity(*_image_and_mask(category, colour, "striped", seed)))
        checked = axis_periodicity(*_image_and_mask(category, colour, "checked", seed))
        assert max(solid) < 1.5, solid
        assert striped[1] > 6 and striped[0] < 1.5, striped
        assert min(checked) > 3, checked


def _image_and_mask(
    category: str, colour: str, pattern: str, seed: int
) -> tuple[Image.Image, Mask]:
    r = draw_garment(category, colour, pattern, seed=seed)
    return r.image, r.mask


def test_silhouettes_are_distinct() -> None:
    masks = {c: draw_garment(c, "Navy Blue", "solid", seed=0).mask for c in CATEGORIES}
    for a, b in itertools.combinations(CATEGORIES, 2):
        iou = (masks[a] & masks[b]).sum() / (masks[a] | masks[b]).sum()
        assert iou < 0.9, (a, b, iou)


def test_same_seed_same_bytes_other_seed_other_picture() -> None:
    a = render_garment("dress", "Red", "floral", seed=11)
    b = render_garment("dress", "Red", "floral", seed=11)
    assert a.tobytes() == b.tobytes()
    c = render_garment("dress", "Red", "floral", seed=12)
    assert a.tobytes() != c.tobytes()
    assert render_garment("dress", "Red", "floral", seed=11, background="#F0F0F0").tobytes() != (
        a.tobytes()
    )


def test_any_size_scales_the_same_picture() -> None:
    small = draw_garment("trench coat", "Beige", "checked", seed=3)
    large = draw_garment("trench coat", "Beige", "checked", size=(900, 1200), seed=3)
    assert large.image.size == (900, 1200) and large.mask.shape == (1200, 900)
    # a portrait frame leaves room along the height: the coat fills the same share of the width
    assert large.base_share == pytest.approx(small.base_share, abs=0.03)
    shares, _, _ = nearest_shares(large.image, erode(large.mask, 2), COLOURS)
    assert max(shares, key=lambda n: shares[n]) == "Beige"
    assert min(axis_periodicity(large.image, large.mask)) > 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"category": "kilt"}, "unknown category 'kilt'"),
        ({"colour": "Octarine"}, "unknown colour 'Octarine'"),
        ({"pattern": "paisley"}, "unknown pattern 'paisley'"),
        ({"size": (10, 224)}, "size must be"),
    ],
)
def test_unknown_values_are_refused(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"category": "cap", "colour": "Red", "pattern": "solid"} | kwargs
    with pytest.raises(ValueError, match=message):
        render_garment(**args)  # type: ignore[arg-type]


# --- writers -------------------------------------------------------------------------------------


def test_write_lookbook(tmp_path: Path) -> None:
    looks = [
        Look("hoodie", "Beige", "solid", "国潮 oversize hoodie, 米色"),
        Look("dress", "Navy Blue", "floral", 'Floral "tea" dress, 藏青色碎花'),
        Look("trousers", "Olive", "checked", "Checked trousers\nfor the office"),
    ]
    out = write_lookbook(tmp_path / "lookbook", looks, size=(300, 400), seed=5)
    assert out == tmp_path / "lookbook"
    assert sorted(p.name for p in out.iterdir()) == [
        "look_01.jpg",
        "look_02.jpg",
        "look_03.jpg",
        "looks.csv",
    ]
    with (out / "looks.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["image"], r["caption"]) for r in rows] == [
        (f"look_{i:02d}.jpg", look.caption) for i, look in enumerate(looks, start=1)
    ]
    with Image.open(out / "look_02.jpg") as im:
        assert (im.format, im.size, im.mode) == ("JPEG", (300, 400), "RGB")
    # the same call writes the same bytes
    again = write_lookbook(tmp_path / "again", looks, size=(300, 400), seed=5)
    for name in ("look_01.jpg", "look_03.jpg", "looks.csv"):
        assert (out / name).read_bytes() == (again / name).read_bytes()


def test_write_lookbook_checks_before_writing(tmp_path: Path) -> None:
    looks = [Look("hoodie", "Beige", "solid", "ok"), Look("cape", "Red", "solid", "not a category")]
    with pytest.raises(ValueError, match="unknown category 'cape'"):
        write_lookbook(tmp_path / "lb", looks)
    assert not (tmp_path / "lb").exists()


def test_write_item_images(tmp_path: Path) -> None:
    items = [
        ("fsh_0002", {"category": "cap", "colour": "Red", "pattern": "striped"}),
        ("fsh_0001", {"category": "skirt", "colour": "White", "pattern": "solid"}),
    ]
    paths = write_item_images(tmp_path, items, seed=42)
    assert paths == [tmp_path / item_image_uri(i) for i, _ in items]
    assert item_image_uri("fsh_0001") == "images/items/fsh_0001.jpg"
    # an item's picture depends on the seed and the item, not on the order of writing
    again = write_item_images(tmp_path / "again", items[::-1], seed=42)
    assert again[1].read_bytes() == paths[0].read_bytes()
    with Image.open(paths[0]) as im:
        assert (im.format, im.size) == ("JPEG", (224, 224))


# --- the demo universe ---------------------------------------------------------------------------


def test_demo_draws_every_fashion_item(demo: Demo, demo_source: DemoResult) -> None:
    """Every fashion item's image_uri names a file under the generator's output folder (which
    `culturebridge demo` copies to the workspace root), drawn from the item's own attributes."""
    root = demo_source.files["items"][0].parents[1]
    files = ", ".join(f"'{p}'" for p in demo.ws.files("items"))
    items = duckdb.sql(
        f"SELECT item_id, kind, image_uri, attributes['category'], attributes['colour'], "
        f"attributes['pattern'] FROM read_parquet([{files}]) ORDER BY item_id"
    ).fetchall()
    fashion = [r for r in items if r[1] == "fashion"]
    assert all(r[2] is None for r in items if r[1] != "fashion")
    assert len(fashion) == demo.truth["images"]["items"] >= 40
    written = sorted((root / "images" / "items").iterdir())
    assert [p.name for p in written] == sorted(f"{r[0]}.jpg" for r in fashion)
    for item_id, _, uri, *_attributes in fashion:
        assert uri == item_image_uri(item_id)
        assert resolve_image(root, uri).is_file()
    # a sample, measured back: the JPEG is the rendering of the item's attributes
    for item_id, _, uri, category, colour, pattern in fashion[::13]:
        seed = _item_seed(demo.truth["config"]["seed"], item_id)
        r = draw_garment(category, colour, pattern, seed=seed)
        with Image.open(resolve_image(root, uri)) as im:
            jpeg = im.convert("RGB")
        diff = np.abs(np.asarray(jpeg, dtype=np.int16) - np.asarray(r.image, dtype=np.int16))
        assert diff.mean() < 6  # JPEG at quality 90 rounds pattern edges
        shares, _, _ = nearest_shares(jpeg, erode(r.mask, 2), COLOURS)
        assert max(shares, key=lambda n: shares[n]) == colour


def test_cli_demo_puts_the_images_in_the_workspace(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["demo", str(tmp_path / "ws"), "--users", "100", "--events", "1000", "--json"]
    )
    assert result.exit_code == 0, result.stderr
    ws = tmp_path / "ws"
    lake = ws / "lake" / "items"
    rows = duckdb.sql(
        f"SELECT image_uri FROM read_parquet('{lake}/*.parquet') WHERE kind = 'fashion'"
    ).fetchall()
    assert rows
    for (uri,) in rows:
        path = resolve_image(ws, uri)
        assert path.is_file() and path.is_relative_to(ws / "images" / "items")
    assert len(list((ws / "images" / "items").iterdir())) == len(rows)


# --- resolve_image -------------------------------------------------------------------------------


def test_resolve_image(tmp_path: Path) -> None:
    assert resolve_image(tmp_path, "images/items/a.jpg") == tmp_path / "images" / "items" / "a.jpg"
    assert resolve_image(tmp_path, "./images/b.jpg") == tmp_path / "images" / "b.jpg"
    assert resolve_image(tmp_path, "/data/c.jpg") == Path("/data/c.jpg")
    assert resolve_image(tmp_path, "file:///data/d%20e.jpg") == Path("/data/d e.jpg")
    for bad, message in [
        ("../outside.jpg", "inside the workspace"),
        ("images/../../outside.jpg", "inside the workspace"),
        ("https://cdn.example.com/x.jpg", "not a local image"),
        (" ", "empty"),
    ]:
        with pytest.raises(ValueError, match=message):
            resolve_image(tmp_path, bad)
