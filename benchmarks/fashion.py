"""Fashion image tagging on the shared catalogue: accuracy on the held-out split, robustness to
full-resolution re-encoded copies, and throughput on this machine's CPU cores.

    .venv/bin/python benchmarks/fashion.py                     # the committed heads
    .venv/bin/python benchmarks/fashion.py --retrain           # retrain the heads first (≈15 min)
    .venv/bin/python benchmarks/fashion.py --json out.json

Protocol (issue 5):
- split by product id: `id % 5 == 0` is held out (never seen in training or model selection);
- articleType: weighted F1 (per-class F1 weighted by support, as scikit-learn's "weighted")
  over held-out products whose type is one of the 30 most common types of the whole styles.csv;
- baseColour: accuracy over held-out products whose colour the image palette covers (rare
  colours the head cannot predict count as errors);
- the same figures on copies of every held-out image upscaled to 1800×2400 (bicubic) and
  re-encoded as JPEG (quality 90), tagged through the same public path as thumbnails;
- throughput: images per second through `ImageTagger.tag_paths` (decode, colour, pattern,
  backbone, heads), on the thumbnails and on the full-resolution copies, after a warm-up.
Peer figure: FashionCLIP zero-shot is reported at about 0.73 weighted F1 on this catalogue
(no packaged CLIP exists to run here offline).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from culturebridge.fashion._heads import MODELS_DIR, save_heads  # noqa: E402
from culturebridge.fashion._image import ImageTag, ImageTagger  # noqa: E402
from culturebridge.fashion._palette import IMAGE_PALETTE  # noqa: E402
from culturebridge.fashion._train import (  # noqa: E402
    extract_features,
    meta_record,
    read_catalogue,
    top_types,
    train_heads,
    weighted_f1,
)

DATA = ROOT.parent / "shared" / "data" / "fashion-products"
FULL_SIZE = (1800, 2400)
FASHIONCLIP_REPORTED = 0.73


def upscale(src: Path, dst: Path) -> Path:
    with Image.open(src) as im:
        im.convert("RGB").resize(FULL_SIZE, Image.Resampling.BICUBIC).save(dst, quality=90)
    return dst


def tag_all(tagger: ImageTagger, files: list[Path]) -> tuple[list[ImageTag], float]:
    start = time.perf_counter()
    tags = [t for t in tagger.tag_paths(files) if isinstance(t, ImageTag)]
    return tags, time.perf_counter() - start


def scores(
    tags: list[ImageTag], truth: dict[str, dict[str, str]], top30: list[str]
) -> dict[str, Any]:
    covered = {c.name_en for c in IMAGE_PALETTE}
    t_type, p_type, t_col, p_col, t_sub, p_sub = [], [], [], [], [], []
    for tag in tags:
        row = truth[Path(tag.path).stem]
        if row["articleType"] in top30:
            t_type.append(row["articleType"])
            p_type.append(tag.article_type.label)
        if row["baseColour"] in covered:
            t_col.append(row["baseColour"])
            p_col.append(tag.colour.label)
        t_sub.append(row["subCategory"])
        p_sub.append(tag.sub_category.label)
    return {
        "article_type_weighted_f1_top30": round(weighted_f1(t_type, p_type, top30), 4),
        "article_type_accuracy_top30": round(
            float(np.mean(np.array(t_type) == np.array(p_type))), 4
        ),
        "n_article_type": len(t_type),
        "sub_category_weighted_f1": round(weighted_f1(t_sub, p_sub, sorted(set(t_sub))), 4),
        "sub_category_accuracy": round(float(np.mean(np.array(t_sub) == np.array(p_sub))), 4),
        "base_colour_accuracy_covered": round(
            float(np.mean(np.array(t_col) == np.array(p_col))), 4
        ),
        "n_base_colour": len(t_col),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument(
        "--retrain", action="store_true", help="retrain and overwrite the committed heads"
    )
    ap.add_argument("--limit", type=int, default=0, help="held-out images to use (0: all)")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    if not (args.data / "styles.csv").is_file():
        sys.exit(f"error: {args.data}/styles.csv not found (the shared fashion catalogue)")

    cat = read_catalogue(args.data)
    if args.retrain:
        t0 = time.perf_counter()
        feats = extract_features(cat.images)
        heads = train_heads(cat, feats, log=print)
        save_heads(heads, MODELS_DIR, meta_record(cat, heads))
        print(f"retrained heads in {time.perf_counter() - t0:.0f} s")

    split = cat.split()
    test = [p for p, s in zip(cat.images, split, strict=True) if s == "test"]
    if args.limit:
        test = test[: args.limit]
    truth = {str(i): {k: cat.columns[k][n] for k in cat.columns} for n, i in enumerate(cat.ids)}
    top30 = top_types(args.data)
    tagger = ImageTagger()
    tag_all(tagger, test[:32])  # warm-up

    thumbs, t_thumb = tag_all(tagger, test)
    result: dict[str, Any] = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "held_out_images": len(test),
        "thumbnails": scores(thumbs, truth, top30),
        "thumbnail_images_per_s": round(len(test) / t_thumb, 1),
    }
    with tempfile.TemporaryDirectory() as tmp:
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            full = list(pool.map(lambda p: upscale(p, Path(tmp) / p.name), test))
        big, t_big = tag_all(tagger, full)
        result["full_resolution"] = scores(big, truth, top30)
        result["full_resolution_images_per_s"] = round(len(full) / t_big, 1)
        result["full_resolution_size"] = f"{FULL_SIZE[0]}x{FULL_SIZE[1]} JPEG q90"
    result["drop"] = {
        k: round(result["thumbnails"][k] - result["full_resolution"][k], 4)
        for k in ("article_type_weighted_f1_top30", "base_colour_accuracy_covered")
    }
    result["peer_fashionclip_zero_shot_weighted_f1_reported"] = FASHIONCLIP_REPORTED
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
