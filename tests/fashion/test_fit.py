"""`fashion fit`: a lookbook made of the demo's planted preferred and rising attributes outscores
one made of its falling attributes, for the segment the preferences were planted in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from culturebridge.demo._images import Look, write_lookbook
from tests.conftest import Demo
from tests.test_cli import assert_one_line_error, invoke

pytest.importorskip("torch", reason="collection fit tags images: needs the fashion extra")

# 18-24 in tier-1 cities prefer guochao and Beige; streetwear rises and checked falls for all.
PREFERRED = [
    Look("hoodie", "Beige", "solid", "国潮连帽衫，米色，街头风"),
    Look("t-shirt", "Beige", "solid", "guochao streetwear tee in beige"),
    Look("jacket", "Beige", "solid", "米色国潮夹克"),
]
FALLING = [
    Look("shirt", "Grey", "checked", "格纹衬衫，工装风"),
    Look("skirt", "Navy Blue", "checked", "checked workwear skirt"),
    Look("trousers", "Grey", "checked", "灰色格纹长裤"),
]


@pytest.fixture(scope="module")
def lookbooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("lookbooks")
    return (
        write_lookbook(root / "preferred", PREFERRED, seed=1),
        write_lookbook(root / "falling", FALLING, seed=2),
    )


def _fit(demo: Demo, book: Path) -> dict[str, object]:
    code, out, err = invoke(
        "fashion", "fit", demo.ws.root, "--collection", book, "--segment", "gen_z_tier1", "--json"
    )
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_preferred_lookbook_fits_better(demo: Demo, lookbooks: tuple[Path, Path]) -> None:
    preferred, falling = (_fit(demo, b) for b in lookbooks)
    assert preferred["multiplier"] > 1.5 > 1 > falling["multiplier"]  # type: ignore[operator]
    worst_preferred = min(look["score"] for look in preferred["looks"])  # type: ignore[attr-defined]
    best_falling = max(look["score"] for look in falling["looks"])  # type: ignore[attr-defined]
    assert worst_preferred > best_falling
    for look in preferred["looks"]:  # type: ignore[attr-defined]
        assert look["attributes"]["style"] == "guochao"
        assert look["attributes"]["colour"] == "Beige"
        assert {"guochao", "Beige"} <= {c["value"] for c in look["helps"]}
    for look in falling["looks"]:  # type: ignore[attr-defined]
        assert look["attributes"]["pattern"] == "checked"
        assert "checked" in {c["value"] for c in look["hurts"]}


def test_fit_table_and_errors(demo: Demo, lookbooks: tuple[Path, Path], tmp_path: Path) -> None:
    code, out, err = invoke(
        "fashion", "fit", demo.ws.root, "--collection", lookbooks[0], "--segment", "gen_z_tier1"
    )
    assert code == 0, err
    assert "Collection fit" in out and "look_01.jpg" in out
    assert_one_line_error(
        *invoke("fashion", "fit", demo.ws.root, "--collection", tmp_path, "--segment", "gen_z"),
        "no images found",
    )
    assert_one_line_error(
        *invoke(
            "fashion", "fit", demo.ws.root, "--collection", lookbooks[0], "--segment", "nobody"
        ),
        "nobody",
    )
