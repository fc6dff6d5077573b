"""Collection fit: how well a designer's looks match a segment's preferences and trends.

A look's attributes come from its image (garment → category when the tagger is sure of it,
base colour, pattern) and, where the lookbook has a `looks.csv` (image, caption), from the
caption's words (style, material, and colour/pattern/category, which then override the
image's: the designer's own description is the better witness). Each attribute value the
segment has figures for adds

    log(lift) + horizon · log(1 + growth)

where `lift` is the segment's shrunk lift for the value against everyone else and `growth` its
per-period log-linear growth, counted only where the trend is significant. A look's fit is the
exponential of the sum: the expected engagement multiplier against a typical piece ("×1.8");
the collection's is the geometric mean over looks. Every contribution is listed, so the answer
says which attributes help and which hurt.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from pydantic import BaseModel, Field

from culturebridge.errors import UserError
from culturebridge.fashion._decode import find_images
from culturebridge.fashion._trends import CATALOGUE, FashionTrendsResult, fashion_trends
from culturebridge.query import Analysis, Period

HORIZON = 4
"""Periods ahead a trend is projected: about the month a collection takes to reach shelves."""
FIT_ATTRIBUTES = ("category", "colour", "pattern", "style")


class Contribution(BaseModel):
    attribute: str
    value: str
    source: str
    """Where the look's value came from: image or caption."""
    lift: float | None
    growth: float | None
    """Per-period growth counted (0 where the trend is not significant)."""
    effect: float
    """log(lift) + horizon · log(1 + growth): positive helps, negative hurts."""
    note: str


class LookFit(BaseModel):
    image: str
    caption: str | None
    attributes: dict[str, str]
    score: float
    """Sum of the effects (log scale)."""
    multiplier: float
    """exp(score): expected engagement against a typical piece for this segment."""
    helps: list[Contribution]
    hurts: list[Contribution]
    neutral: list[Contribution]


class CollectionFit(BaseModel):
    analysis: str = "fashion_fit"
    segment: str
    segment_definition: str
    collection: str
    horizon: int
    multiplier: float
    """Geometric mean of the looks' multipliers."""
    looks: list[LookFit]
    unreadable: list[str] = Field(default_factory=list)
    method: str


def read_captions(directory: Path) -> dict[str, str]:
    path = directory / "looks.csv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"image", "caption"} <= set(reader.fieldnames):
            raise UserError(f"{path}: header must be image,caption")
        return {
            (row["image"] or "").strip(): (row["caption"] or "").strip()
            for row in reader
            if row.get("image")
        }


def look_attributes(
    tag_attrs: dict[str, str], caption: str | None
) -> tuple[dict[str, str], dict[str, str]]:
    """Attribute -> value and attribute -> source (image or caption) for one look."""
    from culturebridge.fashion._text import default_tagger as text_tagger

    values = dict(tag_attrs)
    sources = dict.fromkeys(tag_attrs, "image")
    if caption:
        for attr, found in text_tagger().attributes(caption).items():
            if attr in FIT_ATTRIBUTES and found:
                values[attr] = found[0]
                sources[attr] = "caption"
    return values, sources


def _figures(result: FashionTrendsResult) -> dict[tuple[str, str], tuple[float | None, float]]:
    out: dict[tuple[str, str], tuple[float | None, float]] = {}
    for row in result.rows:
        if row.source != CATALOGUE or row.suppressed:
            continue
        p = row.preference
        lift = p.lift_shrunk if p.lift_shrunk is not None else p.lift
        rate = row.growth.rate if row.direction != "flat" and row.growth.rate is not None else 0.0
        out[(row.attribute, row.value)] = (lift, rate)
    return out


def score_look(
    attrs: dict[str, str],
    sources: dict[str, str],
    figures: dict[tuple[str, str], tuple[float | None, float]],
    horizon: int = HORIZON,
) -> tuple[float, list[Contribution]]:
    parts: list[Contribution] = []
    for attr in FIT_ATTRIBUTES:
        value = attrs.get(attr)
        if value is None:
            continue
        lift, figure = figures.get((attr, value), (None, 0.0))
        rate: float | None = figure
        if lift is None or lift <= 0:
            lift, rate, effect, note = None, None, 0.0, "no figures for this value"
        else:
            effect = math.log(lift) + horizon * math.log1p(max(figure, -0.99))
            note = f"lift ×{lift:.2f}" + (f", {figure:+.1%}/period" if figure else "")
        parts.append(
            Contribution(
                attribute=attr,
                value=value,
                source=sources.get(attr, "image"),
                lift=lift,
                growth=rate,
                effect=effect,
                note=note,
            )
        )
    return sum(c.effect for c in parts), parts


def collection_fit(
    a: Analysis,
    *,
    segment: str,
    collection: Path,
    period: Period = "week",
    horizon: int = HORIZON,
    trends: FashionTrendsResult | None = None,
) -> CollectionFit:
    from culturebridge.fashion._image import ImageTag, default_tagger
    from culturebridge.fashion._lexicon import CATEGORY

    if not collection.is_dir():
        raise UserError(f"{collection}: not a folder (a lookbook is a folder of images)")
    files = find_images([collection])
    if not files:
        raise UserError(f"{collection}: no images found")
    captions = read_captions(collection)
    result = trends or fashion_trends(
        a,
        segment=segment,
        period=period,
        sources=[CATALOGUE],
    )
    figures = _figures(result)
    looks: list[LookFit] = []
    unreadable: list[str] = []
    for tag in default_tagger().tag_paths(files):
        if not isinstance(tag, ImageTag):
            unreadable.append(f"{tag.path}: {tag.error}")
            continue
        from_image = {
            "colour": tag.colour.label,
            "pattern": tag.pattern.label,
        }
        garment = tag.garment.garment
        if tag.garment.sure and garment.id in CATEGORY:
            # an "unsure" garment says nothing: a caption may still name the category
            from_image["category"] = garment.id
        name = Path(tag.path).name
        caption = captions.get(name)
        attrs, sources = look_attributes(from_image, caption)
        score, parts = score_look(attrs, sources, figures, horizon)
        looks.append(
            LookFit(
                image=tag.path,
                caption=caption,
                attributes=attrs,
                score=score,
                multiplier=math.exp(score),
                helps=sorted((c for c in parts if c.effect > 0), key=lambda c: -c.effect),
                hurts=sorted((c for c in parts if c.effect < 0), key=lambda c: c.effect),
                neutral=[c for c in parts if c.effect == 0],
            )
        )
    if not looks:
        raise UserError(f"{collection}: none of the images could be read")
    mean = sum(look.score for look in looks) / len(looks)
    return CollectionFit(
        segment=segment,
        segment_definition=result.segment_definition,
        collection=str(collection),
        horizon=horizon,
        multiplier=math.exp(mean),
        looks=sorted(looks, key=lambda x: -x.score),
        unreadable=unreadable,
        method=__doc__ or "",
    )
