"""Tag product and street photos: garment, article type, sub-category, base colour, palette,
pattern.

One pass per batch of images: decode (see `_decode`), colour and pattern from the pixels (numpy),
the backbone's features, then the trained heads. The article-type probabilities (calibrated, see
`_calibrate`) are summed into the designer's garment vocabulary (`_garments`), and the answer is
"unsure" when the garment's score is below the heads' threshold or the picture looks like no
catalogue photo. Files that cannot be read become `TagError`s and the batch goes on without them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from culturebridge.fashion._backbone import BATCH, DIM, backbone
from culturebridge.fashion._colour import ColourShare, colour_features, dominant_colours, prepare
from culturebridge.fashion._decode import ImageError, load_rgb
from culturebridge.fashion._garments import UNSURE, Garment, garment_matrix
from culturebridge.fashion._heads import MODELS_DIR, Head, load_guard, load_heads
from culturebridge.fashion._palette import BY_NAME
from culturebridge.fashion._pattern import PatternResult, classify_pattern

F32 = npt.NDArray[np.float32]
U8 = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Label:
    label: str
    score: float

    def as_json(self) -> dict[str, object]:
        return {"label": self.label, "score": round(self.score, 4)}


@dataclass(frozen=True)
class PixelAttributes:
    """What the pixels alone say: palette shares, pattern and the colour head's extra input."""

    colours: list[ColourShare]
    pattern: PatternResult
    colour_features: F32


LOW_CONFIDENCE = "low confidence"
NOVEL = "unlike any catalogue photo"


@dataclass(frozen=True)
class GarmentAnswer:
    """The garment in the designer's vocabulary, or "unsure" (`garment` is then `UNSURE`, and
    `best_guess` what the heads would have said)."""

    garment: Garment
    score: float
    best_guess: Garment
    reason: str = ""
    """Why unsure: `LOW_CONFIDENCE` or `NOVEL`; empty when sure."""

    @property
    def sure(self) -> bool:
        return self.garment is not UNSURE

    def as_json(self) -> dict[str, object]:
        """The same keys whether sure or not, so a reader's schema never changes: `reason` is
        null when sure, `best_guess` equals `label` then."""
        g = self.garment
        return {
            "label": g.id,
            "name_en": g.name_en,
            "name_zh": g.name_zh,
            "score": round(self.score, 4),
            "reason": self.reason or None,
            "best_guess": self.best_guess.id,
        }


@dataclass(frozen=True)
class ImageTag:
    path: str
    garment: GarmentAnswer
    article_type: Label
    sub_category: Label
    colour: Label
    """The article's base colour (the catalogue's `baseColour`), from the trained head."""
    colours: list[ColourShare]
    pattern: PatternResult
    embedding: F32

    def as_json(self, *, embedding: bool = False) -> dict[str, Any]:
        c = BY_NAME.get(self.colour.label)
        out: dict[str, Any] = {
            "path": self.path,
            "garment": self.garment.as_json(),
            "article_type": self.article_type.as_json(),
            "sub_category": self.sub_category.as_json(),
            "colours": [s.as_json() for s in self.colours],
            "pattern": self.pattern.as_json(),
            "base_colour": {
                **self.colour.as_json(),
                "name_zh": c.name_zh if c else None,
                "hex": c.hex if c else None,
            },
        }
        if embedding:
            out["embedding"] = [round(float(v), 5) for v in self.embedding]
        return out


@dataclass(frozen=True)
class TagError:
    path: str
    error: str

    def as_json(self) -> dict[str, Any]:
        return {"path": self.path, "error": self.error}


def pixel_attributes(rgb: U8) -> PixelAttributes:
    px = prepare(rgb)
    colours = dominant_colours(px)
    pattern = classify_pattern(px.lab[..., 0], px.fg, colours[0].share if colours else 1.0)
    return PixelAttributes(colours, pattern, colour_features(px))


def head_inputs(spec: str, parts: dict[str, F32]) -> F32:
    """A head's input: the named feature blocks ("cnn", "early", "colour") joined by "+"."""
    blocks = [parts[name] for name in spec.split("+")]
    return blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=1)


def normalise(x: F32) -> F32:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.asarray(x / np.maximum(norms, 1e-9), dtype=np.float32)


class ImageTagger:
    """Loads the backbone and the committed heads once; tags any number of images."""

    def __init__(self, heads_dir: Path = MODELS_DIR) -> None:
        self.heads, self.meta = load_heads(heads_dir)
        self.guard = load_guard(heads_dir)
        self._garment_ids, self._garment_matrix = garment_matrix(self.heads["article_type"].labels)
        self._backbone = backbone()

    def _apply(self, head: Head, parts: dict[str, F32]) -> list[tuple[str, float]]:
        return head.predict(head_inputs(head.inputs, parts))

    def garments(self, cnn: F32) -> list[GarmentAnswer]:
        """Garment answers from the last-layer features (the article-type head's input)."""
        from culturebridge.fashion._garments import BY_ID

        proba = self.heads["article_type"].proba(cnn).astype(np.float64)
        g = proba @ self._garment_matrix
        best = g.argmax(axis=1)
        novel = (
            self.guard.novelty.novel(cnn)
            if self.guard.novelty is not None
            else np.zeros(len(cnn), dtype=bool)
        )
        out = []
        for i, j in enumerate(best):
            guess = BY_ID[self._garment_ids[int(j)]]
            score = float(g[i, j])
            reason = NOVEL if novel[i] else LOW_CONFIDENCE if score < self.guard.threshold else ""
            out.append(GarmentAnswer(UNSURE if reason else guess, score, guess, reason))
        return out

    def tag_arrays(self, paths: Sequence[str], images: U8) -> list[ImageTag]:
        with ThreadPoolExecutor(max_workers=2) as pool:
            pixels = list(pool.map(pixel_attributes, images))
        feats = self._backbone.features(images)
        parts = {
            "cnn": feats[:, :DIM],
            "early": feats[:, DIM:],
            "colour": np.stack([p.colour_features for p in pixels]),
        }
        art = self._apply(self.heads["article_type"], parts)
        sub = self._apply(self.heads["sub_category"], parts)
        col = self._apply(self.heads["colour"], parts)
        garments = self.garments(parts["cnn"])
        emb = normalise(parts["cnn"])
        return [
            ImageTag(
                path=paths[i],
                garment=garments[i],
                article_type=Label(*art[i]),
                sub_category=Label(*sub[i]),
                colour=Label(*col[i]),
                colours=pixels[i].colours,
                pattern=pixels[i].pattern,
                embedding=emb[i],
            )
            for i in range(len(paths))
        ]

    def tag_paths(
        self,
        paths: Iterable[Path],
        *,
        batch: int = BATCH,
        on_done: Callable[[int], None] | None = None,
    ) -> Iterator[ImageTag | TagError]:
        """Tags in input order; an unreadable file yields a `TagError` in its place."""
        todo = list(paths)
        pending: list[tuple[str, U8 | None, str]] = []

        def flush() -> Iterator[ImageTag | TagError]:
            ok = [(p, a) for p, a, _ in pending if a is not None]
            tags = iter(
                self.tag_arrays([p for p, _ in ok], np.stack([a for _, a in ok])) if ok else []
            )
            for p, a, err in pending:
                yield next(tags) if a is not None else TagError(p, err)
            if on_done:
                on_done(len(pending))
            pending.clear()

        with ThreadPoolExecutor(max_workers=2) as pool:
            for path, decoded in zip(todo, pool.map(_try_load, todo), strict=True):
                arr, err = decoded
                pending.append((str(path), arr, err))
                if len(pending) >= batch:
                    yield from flush()
        yield from flush()


def _try_load(path: Path) -> tuple[U8 | None, str]:
    try:
        return load_rgb(path), ""
    except ImageError as exc:
        return None, str(exc)


@lru_cache(maxsize=1)
def default_tagger() -> ImageTagger:
    return ImageTagger()
