"""Train the packaged sentiment model on the e-commerce reviews, with the split used everywhere.

The reviews file is SophonPlus's online_shopping_10_cats.csv (columns cat, label, review; label 1
positive, 0 negative). `read_reviews` copes with what the published file holds: a BOM before the
header and a stray one inside the first review, an empty review (counted and skipped, as are
rows with a label other than 0/1).

The split (`split_reviews`), the same in `culturebridge social train`, the benchmark and the
tests: 20 % of the rows held out, stratified by category, by scikit-learn's `train_test_split`
with seed 42. The held-out rows are never seen in training, calibration or model selection;
the shipped model is the one fitted on the other 80 % (not refitted on everything), so the
held-out figures in its JSON describe the very model that ships. Validation, where needed
(calibration folds inside `SentimentModel.fit`, leave-category-out in the benchmark), is carved
from the training 80 % only.

The categories of the training rows go to `SentimentModel.fit` too: an opinion word (what
tells a neutral statement from an opinion) must point the same way in most of them.

The lexicon weights in `SentimentConfig` are not fitted here: reviews carry almost no emoji or
slang. They were chosen on the committed social dev set by `benchmarks/sentiment.py`. The
other settings (the word block, NB scaling, the penalty) were chosen on leave-category-out
inside the training 80 % (see `benchmarks/sentiment.py`).
"""

from __future__ import annotations

import csv
import io
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from culturebridge.errors import UserError
from culturebridge.social._sentiment import SentimentConfig, SentimentModel
from culturebridge.stats import calibration_error

TEST_SIZE = 0.2
SEED = 42
Progress = Callable[[str, int, int], None]


@dataclass
class Reviews:
    """Labelled review texts; `skipped` counts the rows left out, by reason."""

    texts: list[str]
    labels: npt.NDArray[np.int64]
    cats: npt.NDArray[np.str_]
    rows_read: int
    skipped: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.texts)


@dataclass(frozen=True)
class Split:
    """Row indices into `Reviews`: `train` (80 %) and the held-out `test` (20 %)."""

    train: npt.NDArray[np.intp]
    test: npt.NDArray[np.intp]


def read_reviews(path: Path) -> Reviews:
    """The labelled rows of a reviews CSV (UTF-8, BOM or not; columns label, review, and cat
    if there is one); a UserError for a missing file or column, or a file with no usable row."""
    if not path.is_file():
        raise UserError(f"{path}: no such reviews file")
    texts: list[str] = []
    labels: list[int] = []
    cats: list[str] = []
    skipped: Counter[str] = Counter()
    read = 0
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        try:
            names = [n.strip() for n in reader.fieldnames or []]
            reader.fieldnames = names
            missing = [c for c in ("label", "review") if c not in names]
            if missing:
                listed = ", ".join(names) or "none"
                raise UserError(
                    f"{path}: not a reviews file: no column {missing[0]!r} "
                    f"(expected label, review and optionally cat; found {listed})"
                )
            for rec in reader:
                read += 1
                text = (rec.get("review") or "").replace("\ufeff", "").strip()
                label = (rec.get("label") or "").strip()
                if not text:
                    skipped["empty review"] += 1
                elif label not in ("0", "1"):
                    skipped["label not 0 or 1"] += 1
                else:
                    texts.append(text)
                    labels.append(int(label))
                    cats.append((rec.get("cat") or "").strip())
        except UnicodeDecodeError:
            raise UserError(f"{path}: not UTF-8 text (line {reader.line_num + 1})") from None
        except csv.Error as exc:
            raise UserError(f"{path}: line {reader.line_num}: {exc}") from None
    y = np.array(labels, dtype=np.int64)
    if len(y) < 50 or y.min(initial=1) == y.max(initial=0):
        raise UserError(
            f"{path}: {len(y)} usable reviews ({read} rows read); need at least 50 with both "
            "labels to train"
        )
    return Reviews(texts, y, np.array(cats, dtype=np.str_), read, dict(skipped))


def split_reviews(reviews: Reviews, *, seed: int = SEED, test_size: float = TEST_SIZE) -> Split:
    """The held-out split: `test_size` of the rows, stratified by category (by label where the
    file has no categories, or a category is too small to split)."""
    from sklearn.model_selection import train_test_split

    counts = Counter(reviews.cats.tolist())
    strata = reviews.cats if min(counts.values()) >= 2 and len(counts) > 1 else reviews.labels
    train, test = train_test_split(
        np.arange(len(reviews)), test_size=test_size, random_state=seed, stratify=strata
    )
    return Split(np.sort(train), np.sort(test))


def metrics(labels: npt.ArrayLike, proba: npt.ArrayLike, *, bins: int = 10) -> dict[str, float]:
    """Accuracy and macro-F1 at 0.5, Brier score and expected calibration error (ECE: the
    share-weighted gap between mean confidence and accuracy over `bins` equal-width bins of
    P(positive))."""
    y = np.asarray(labels, dtype=np.int64)
    p = np.asarray(proba, dtype=np.float64)
    pred = (p >= 0.5).astype(np.int64)
    f1s = []
    for c in (0, 1):
        tp = int(((pred == c) & (y == c)).sum())
        fp = int(((pred == c) & (y != c)).sum())
        fn = int(((pred != c) & (y == c)).sum())
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0)
    ece = calibration_error(p, y, bins) if len(p) else 0.0
    return {
        "accuracy": float((pred == y).mean()),
        "macro_f1": float(np.mean(f1s)),
        "brier": float(np.mean((p - y) ** 2)),
        "ece": float(ece),
    }


def train_default(
    reviews_csv: Path,
    out_dir: Path,
    *,
    seed: int = SEED,
    config: SentimentConfig | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Fit the model on the training 80 % of `reviews_csv`, score the held-out 20 %, and save
    it as `out_dir/sentiment.npz` + `.json` (the held-out figures go into the JSON too)."""
    report = progress or (lambda stage, done, total: None)
    report("reading", 0, 1)
    reviews = read_reviews(reviews_csv)
    split = split_reviews(reviews, seed=seed)
    report("reading", 1, 1)
    cfg = config or SentimentConfig(seed=seed)
    report("training", 0, 1)
    start = time.perf_counter()
    train_texts = [reviews.texts[i] for i in split.train]
    cats = reviews.cats[split.train].tolist() if reviews.cats.size and any(reviews.cats) else None
    model = SentimentModel(cfg).fit(train_texts, reviews.labels[split.train], cats=cats, rng=seed)
    fit_s = time.perf_counter() - start
    report("training", 1, 1)
    report("scoring", 0, 1)
    start = time.perf_counter()
    proba = model.predict_proba([reviews.texts[i] for i in split.test])
    score_s = time.perf_counter() - start
    report("scoring", 1, 1)
    held_out = {k: round(v, 4) for k, v in metrics(reviews.labels[split.test], proba).items()}
    result: dict[str, Any] = {
        "reviews": str(reviews_csv),
        "rows_read": reviews.rows_read,
        "rows_used": len(reviews),
        "skipped": reviews.skipped,
        "split": {"seed": seed, "test_size": TEST_SIZE, "stratify": "cat"},
        "n_train": len(split.train),
        "n_held_out": len(split.test),
        "held_out": held_out,
        "fit_seconds": round(fit_s, 1),
        "texts_per_second": round(len(split.test) / max(score_s, 1e-9)),
        "config": cfg.model_dump(),
    }
    model.record.update(
        {k: result[k] for k in ("rows_used", "skipped", "split", "n_train", "n_held_out")}
        | {"held_out": held_out, "trained_on": Path(reviews_csv).name}
    )
    model.save(Path(out_dir) / "sentiment")
    result["saved"] = [str(Path(out_dir) / "sentiment.npz"), str(Path(out_dir) / "sentiment.json")]
    return result
