"""`fashion train` on a small catalogue laid out like the shared one: heads that tell its classes
apart on new images, an honest split by product id, malformed rows counted, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from culturebridge.demo._images import render_garment
from tests.test_cli import assert_one_line_error, invoke

pytest.importorskip("torch", reason="training the heads needs the fashion extra")

from culturebridge.fashion._image import ImageTag, ImageTagger  # noqa: E402
from culturebridge.fashion._train import split_of  # noqa: E402

KINDS = {  # articleType: (demo category, subCategory)
    "Tshirts": ("t-shirt", "Topwear"),
    "Dresses": ("dress", "Dress"),
}
COLOURS = ("Red", "Navy Blue")


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("catalogue")
    (root / "images").mkdir()
    rows = ["id,gender,masterCategory,subCategory,articleType,baseColour,season,year,usage"]
    pid = 1000
    for article, (category, sub) in KINDS.items():
        for k in range(30):
            colour = COLOURS[k % 2]
            render_garment(category, colour, "solid", seed=pid).save(
                root / "images" / f"{pid}.jpg", quality=90
            )
            rows.append(f"{pid},Women,Apparel,{sub},{article},{colour},Summer,2012,Casual")
            pid += 1
    rows.append("not-a-number,Women,Apparel")  # malformed: counted, skipped
    (root / "styles.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def test_train_writes_heads_that_separate_the_classes(catalogue: Path, tmp_path: Path) -> None:
    out = tmp_path / "heads"
    code, _, err = invoke("fashion", "train", "--catalogue", catalogue, "--out", out)
    assert code == 0, err
    info = json.loads((out / "heads.json").read_text(encoding="utf-8"))
    assert info["meta"]["catalogue_rows_read"] == 61
    assert info["meta"]["catalogue_rows_skipped"] == 1
    assert info["heads"]["article_type"]["labels"] == sorted(KINDS)
    assert info["heads"]["colour"]["labels"] == sorted(COLOURS)

    tagger = ImageTagger(out)
    fresh = tmp_path / "new"
    fresh.mkdir()
    render_garment("dress", "Navy Blue", "solid", seed=99).save(fresh / "d.jpg")
    render_garment("t-shirt", "Red", "solid", seed=98).save(fresh / "t.jpg")
    d, t = tagger.tag_paths([fresh / "d.jpg", fresh / "t.jpg"])
    assert isinstance(d, ImageTag) and isinstance(t, ImageTag)
    assert (d.article_type.label, d.sub_category.label, d.colour.label) == (
        "Dresses",
        "Dress",
        "Navy Blue",
    )
    assert (t.article_type.label, t.colour.label) == ("Tshirts", "Red")


def test_split_is_by_product_id() -> None:
    assert [split_of(i) for i in range(10)] == ["test", "val", *["train"] * 3] * 2


def test_train_errors(tmp_path: Path) -> None:
    assert_one_line_error(
        *invoke("fashion", "train", "--catalogue", tmp_path, "--out", tmp_path / "o"),
        "styles.csv",
    )
    (tmp_path / "styles.csv").write_text("id,articleType\n1,Tshirts\n", encoding="utf-8")
    assert_one_line_error(
        *invoke("fashion", "train", "--catalogue", tmp_path, "--out", tmp_path / "o"),
        "header must name",
    )
