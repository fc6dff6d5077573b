"""Garments a designer can trust: the vocabulary covers the catalogue, calibration has known
answers, and pictures that are not garments, or garments unlike the catalogue, get "unsure"
rather than a confident wrong answer."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from culturebridge.fashion._calibrate import (
    Novelty,
    accuracy_at_coverage,
    choose_threshold,
    ece,
    fit_temperature,
    softmax,
)
from culturebridge.fashion._garments import (
    ARTICLE_TYPE_GARMENT,
    BY_ID,
    GARMENTS,
    garment_matrix,
    garment_of,
)
from culturebridge.fashion._heads import MODELS_DIR, Guard, Head, load_guard, save_heads
from culturebridge.fashion._lexicon import ARTICLE_TYPE_TO_CATEGORY, CATEGORY
from tests.fashion.pictures import KINDS, non_garment
from tests.test_cli import invoke

LOOKBOOK = Path(__file__).resolve().parents[2] / "examples" / "lookbook"
LOOKBOOK_TRUTH = {
    "look_01.jpg": "sweatshirt",  # 连帽衫: the catalogue files hoodies under Sweatshirts
    "look_02.jpg": "jacket",
    "look_03.jpg": "dress",
    "look_04.jpg": "t-shirt",
    "look_05.jpg": "trousers",
    "look_06.jpg": "sneakers",
}


def _committed_types() -> list[str]:
    info = json.loads((MODELS_DIR / "heads.json").read_text(encoding="utf-8"))
    return list(info["heads"]["article_type"]["labels"])


def test_vocabulary_covers_every_committed_article_type() -> None:
    """Invariant: every type the committed heads can answer has a reviewed garment (not the
    fallback), with English and Chinese names, and sums into exactly one garment."""
    types = _committed_types()
    assert types
    for t in types:
        assert t in ARTICLE_TYPE_GARMENT, t
        g = garment_of(t)
        assert g.name_en and g.name_zh and g.id != "other", t
    ids, matrix = garment_matrix(types)
    assert matrix.shape == (len(types), len(ids))
    assert (matrix.sum(axis=1) == 1).all()
    # garment probabilities of a distribution over types still sum to one
    p = softmax(np.random.default_rng(0).normal(size=(5, len(types))))
    assert np.allclose((p @ matrix).sum(axis=1), 1.0)


def test_vocabulary_names_and_the_text_lexicon() -> None:
    assert len({g.id for g in GARMENTS}) == len(GARMENTS)
    assert len({g.name_en for g in GARMENTS}) == len(GARMENTS)
    for g in GARMENTS:
        assert g.id in CATEGORY or g.id in {"other", "accessory", "nightwear"}, g.id
    for designer_word in ("sweatshirt", "t-shirt", "shirt", "top", "dress", "skirt", "trousers"):
        assert designer_word in BY_ID
    for designer_word in ("jeans", "shorts", "jacket", "knitwear", "sneakers", "boots", "bag"):
        assert designer_word in BY_ID
    assert garment_of("Sweatshirts").name_zh == "卫衣/连帽衫"
    assert garment_of("Casual Shoes").id == garment_of("Sports Shoes").id == "sneakers"
    assert garment_of("Lipstick").id == "other"
    # the text side's table agrees, but for the loungewear this table files as nightwear
    differ = {t for t, c in ARTICLE_TYPE_TO_CATEGORY.items() if ARTICLE_TYPE_GARMENT[t] != c}
    assert differ == {"Nightdress", "Lounge Pants", "Lounge Shorts"}
    assert garment_of("Something New").id == "other"


@pytest.mark.realdata
def test_vocabulary_covers_the_whole_catalogue(data_dir: Path) -> None:
    with (data_dir / "fashion-products" / "styles.csv").open(encoding="utf-8") as fh:
        types = {r["articleType"] for r in csv.DictReader(fh)}
    assert types - set(ARTICLE_TYPE_GARMENT) == set()


def test_temperature_recovers_a_planted_one() -> None:
    """Labels drawn from softmax(z / 2): the fitted temperature is about 2, and calibrating
    brings the ECE down from the raw logits'."""
    rng = np.random.default_rng(1)
    z = rng.normal(scale=4.0, size=(6000, 5))
    p = softmax(z / 2.0)
    y = np.array([rng.choice(5, p=row) for row in p])
    t = fit_temperature(z, y)
    assert 1.8 <= t <= 2.2
    raw, cal = softmax(z), softmax(z / t)
    ok = raw.argmax(axis=1) == y
    assert ece(cal.max(axis=1), ok) < 0.02 < 0.1 < ece(raw.max(axis=1), ok)


def test_threshold_and_coverage_known_answers() -> None:
    conf = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    right = np.array([True, True, True, True, False, True, False, False])
    # the four most confident are all right; adding the fifth drops to 0.8
    assert choose_threshold(conf, right, 0.95) == 0.8
    assert choose_threshold(conf, right, 0.8) == 0.6  # 5 of 6 right
    assert choose_threshold(conf, ~right, 0.95) == 1.0  # nothing reaches it: all unsure
    assert accuracy_at_coverage(conf, right, 0.5) == 1.0
    assert accuracy_at_coverage(conf, right, 1.0) == 0.625
    assert ece(np.array([1.0, 1.0]), np.array([True, True])) == 0.0


def test_novelty_flags_what_lies_far_from_every_class() -> None:
    rng = np.random.default_rng(2)
    centres = np.eye(3, 16) * 10
    classes = np.repeat(np.arange(3), 200)
    x = (centres[classes] + rng.normal(size=(600, 16))).astype(np.float32)
    held = (centres[classes[:300]] + rng.normal(size=(300, 16))).astype(np.float32)
    model = Novelty.fit(x, classes).with_threshold(held, 0.99)
    near = (centres + rng.normal(size=(3, 16))).astype(np.float32)
    far = np.zeros((2, 16), np.float32)
    far[:, 5:] = rng.normal(size=(2, 11)) * 10
    assert not model.novel(near).any()
    assert model.novel(far).all()


def test_guard_round_trip(tmp_path: Path) -> None:
    head = Head(
        "article_type",
        ["Dresses", "Tshirts"],
        "cnn",
        np.zeros(4, np.float32),
        np.ones(4, np.float32),
        np.eye(2, 4, dtype=np.float32),
        np.zeros(2, np.float32),
        temperature=1.7,
    )
    cents = np.eye(2, 4, dtype=np.float32)
    save_heads({"article_type": head}, tmp_path, {}, Guard(0.8, Novelty(cents, 0.25), {"a": 1}))
    guard = load_guard(tmp_path)
    assert guard.threshold == 0.8 and guard.record == {"a": 1}
    assert guard.novelty is not None and guard.novelty.threshold == 0.25
    assert np.allclose(guard.novelty.centroids, cents)
    from culturebridge.fashion._heads import load_heads

    heads, _ = load_heads(tmp_path)
    assert heads["article_type"].temperature == 1.7
    (tmp_path / "old").mkdir()
    save_heads({"article_type": head}, tmp_path / "old", {})
    assert load_guard(tmp_path / "old").threshold == 0.0  # saved without one: never unsure


# --- with the committed heads (need the fashion extra) ------------------------------------------


def _tagger():  # type: ignore[no-untyped-def]
    pytest.importorskip("torch", reason="image tagging needs the fashion extra (torch)")
    from culturebridge.fashion._image import default_tagger

    return default_tagger()


def test_pictures_that_are_not_garments_are_unsure() -> None:
    """Gradients, landscapes and noise (seeds 0-2 of each) are "unsure", not a garment."""
    pictures = [(k, s) for k in KINDS for s in range(3)]
    images = np.stack([np.asarray(non_garment(k, s)) for k, s in pictures])
    tags = _tagger().tag_arrays([f"{k}-{s}" for k, s in pictures], images)
    for tag, name in zip(tags, pictures, strict=True):
        assert not tag.garment.sure, (name, tag.garment.as_json())
        assert tag.garment.as_json()["label"] == "unsure"


def test_lookbook_failures_named_in_the_issue_are_gone() -> None:
    """The project's own lookbook drawings (never used to fit anything). Issue 21 found a hoodie
    tagged "Kurtas" (0.94), a dress "Tshirts" and checked trousers "Wallets", all confidently:
    each is now right or "unsure", as are the T-shirt and the sneakers. The olive jacket is the
    one known miss (a confident "Sweatshirt / hoodie", 0.71 against a threshold of 0.70): at
    most that one may be confidently wrong."""
    from culturebridge.fashion._image import ImageTag

    files = sorted(LOOKBOOK.glob("*.jpg"))
    assert len(files) == len(LOOKBOOK_TRUTH)
    wrong = []
    for tag in _tagger().tag_paths(files):
        assert isinstance(tag, ImageTag)
        name = Path(tag.path).name
        if tag.garment.sure and tag.garment.garment.id != LOOKBOOK_TRUTH[name]:
            wrong.append(name)
    assert set(wrong) <= {"look_02.jpg"}, wrong


def test_cli_tag_prints_the_garment(tmp_path: Path) -> None:
    _tagger()
    non_garment("landscape", 5).save(tmp_path / "view.jpg", quality=90)
    code, out, err = invoke("fashion", "tag", tmp_path / "view.jpg")
    assert code == 0, err
    line = json.loads(out.splitlines()[0])
    g = line["garment"]
    assert g["label"] == "unsure" and g["name_zh"] == "不确定"
    assert g["reason"] and g["best_guess"] in BY_ID
    assert set(line["article_type"]) == {"label", "score"}  # the catalogue's label stays


@pytest.mark.realdata
def test_sure_answers_on_held_out_photos_are_right(data_dir: Path) -> None:
    """Held-out catalogue products (id % 5 == 0; the threshold was chosen on id % 5 == 1): the
    answers the tagger is sure of are right at about the level it was set for (0.95), and it
    is sure of most of them."""
    from culturebridge.fashion._image import ImageTag

    root = data_dir / "fashion-products"
    with (root / "styles.csv").open(encoding="utf-8") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh)}
    ids = sorted(p.stem for p in (root / "images").glob("*.jpg") if int(p.stem) % 5 == 0)[:120]
    tags = list(_tagger().tag_paths([root / "images" / f"{i}.jpg" for i in ids]))
    sure = right = 0
    for tag, i in zip(tags, ids, strict=True):
        assert isinstance(tag, ImageTag)
        if tag.garment.sure:
            sure += 1
            right += tag.garment.garment.id == garment_of(rows[i]["articleType"]).id
    assert sure >= 0.6 * len(ids)
    assert right / sure >= 0.9
