"""`localise check` on the demo catalogue: it passes clean, and planted problems are found,
exactly those and nothing else."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from culturebridge.cli import app
from culturebridge.demo import DemoResult
from culturebridge.errors import UserError
from culturebridge.ingest import ingest
from culturebridge.localise import UiLimits, check_workspace, read_catalogue
from culturebridge.workspace import Workspace

runner = CliRunner()

LONG_TAIL = "行程包含专业向导讲解、精选当地美食与舒适住宿，适合家庭与朋友结伴出游。"


def invoke(*args: object) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {result.exception!r}") from result.exception
    return result.exit_code, result.stdout, result.stderr


def _workspace(root: Path, source: DemoResult, plant: bool) -> tuple[Workspace, dict[str, Any]]:
    """The demo's partners and items in a fresh workspace, optionally with planted problems;
    returns the workspace and what was planted where."""
    ws = Workspace.create(root)
    ingest(ws, "partners", source.files["partners"])
    table = pa.concat_tables([pq.read_table(p) for p in source.files["items"]])
    rows = table.to_pylist()
    by_title = {r["title_en"]: r for r in rows}
    planted: dict[str, Any] = {}
    if plant:
        # a wrong rendering of another title: Planet Earth's description names Blue Planet
        earth = by_title["Planet Earth"]
        earth["description_en"] += " From the team behind Blue Planet."
        earth["description_zh"] += "由《蓝色行星》原班人马打造。"
        # ... and an unlisted wrong rendering (not a forbidden variant, just not the approved)
        frozen = by_title["Frozen Planet"]
        frozen["description_en"] += " A companion to Dynasties."
        frozen["description_zh"] += "与《王者家族》为姊妹篇。"
        # an empty Chinese title
        film = next(r for r in rows if r["kind"] == "film")
        film["title_zh"] = ""
        # an over-long Chinese description (consistent terms, only too long)
        tour = next(r for r in rows if r["kind"] == "tourism")
        tour["description_zh"] += LONG_TAIL * 4
        planted = {
            "earth": earth["item_id"],
            "frozen": frozen["item_id"],
            "film": film["item_id"],
            "tour": tour["item_id"],
            "tour_length": len(tour["description_zh"]),
        }
    path = root.parent / f"items-{root.name}.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path)
    ingest(ws, "items", [path])
    return ws, planted


@pytest.fixture(scope="module")
def planted(
    demo_source: DemoResult, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Workspace, dict[str, Any]]:
    return _workspace(tmp_path_factory.mktemp("localise") / "planted", demo_source, plant=True)


def test_the_demo_catalogue_passes_clean(demo_source: DemoResult, tmp_path: Path) -> None:
    ws, _ = _workspace(tmp_path / "clean", demo_source, plant=False)
    result = check_workspace(ws)
    assert result.items == len(read_catalogue(ws).items) > 100
    assert result.terms > 300
    assert result.missing == [] and result.too_long == []
    assert result.inconsistencies == [], result.inconsistencies[:5]
    assert result.ok


def test_planted_problems_are_found_and_nothing_else(
    planted: tuple[Workspace, dict[str, Any]],
) -> None:
    ws, p = planted
    result = check_workspace(ws)
    assert [(m.item_id, m.field) for m in result.missing] == [(p["film"], "title_zh")]
    found = sorted(
        (f.item_id, f.field, f.term, f.expected, f.problem) for f in result.inconsistencies
    )
    assert found == sorted(
        [
            (p["earth"], "description", "Blue Planet", "蓝色星球", "forbidden"),
            (p["frozen"], "description", "Dynasties", "王朝", "missing"),
        ]
    )
    forbidden = next(f for f in result.inconsistencies if f.problem == "forbidden")
    assert "蓝色行星" in forbidden.found
    assert [(x.item_id, x.field, x.length, x.limit) for x in result.too_long] == [
        (p["tour"], "description_zh", p["tour_length"], 140)
    ]
    assert result.counts == {
        "missing_title_zh": 1,
        "missing_description_zh": 0,
        "inconsistent_terms": 2,
        "too_long": 1,
    }


def test_limits_and_the_user_termbase(
    planted: tuple[Workspace, dict[str, Any]], tmp_path: Path
) -> None:
    ws, p = planted
    loose = check_workspace(ws, limits=UiLimits(description_zh=1000))
    assert loose.too_long == []
    strict = check_workspace(ws, limits=UiLimits(title_en=20))
    assert len(strict.too_long) > 10 and {x.field for x in strict.too_long} >= {"title_en"}
    limits = tmp_path / "limits.toml"
    limits.write_text("[limits]\ntitle_zh = 5\n", encoding="utf-8")
    assert UiLimits.load(limits).title_zh == 5 and UiLimits.load(limits).title_en == 80
    limits.write_text("title_zhh = 5\n", encoding="utf-8")
    with pytest.raises(UserError, match="title_zhh"):
        UiLimits.load(limits)

    # the user's termbase wins: approving 王者家族 for Dynasties moves the finding to the
    # Dynasties item itself, whose title and description say 王朝
    user = ws.root / "localise" / "termbase.csv"
    user.parent.mkdir(exist_ok=True)
    user.write_text("en,zh,domain\nDynasties,王者家族,title\n", encoding="utf-8")
    try:
        result = check_workspace(ws)
    finally:
        user.unlink()
    dynasties = {(f.term, f.field, f.expected) for f in result.inconsistencies}
    assert ("Dynasties", "title", "王者家族") in dynasties
    assert ("Dynasties", "description", "王者家族") in dynasties
    assert all(f.item_id != p["frozen"] for f in result.inconsistencies)


def test_cli_check(planted: tuple[Workspace, dict[str, Any]], tmp_path: Path) -> None:
    ws, p = planted
    code, out, err = invoke("localise", "check", ws.root, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["counts"]["inconsistent_terms"] == 2 and data["limits"]["description_zh"] == 140
    code, out, _ = invoke("localise", "check", ws.root, "--fail-on-issues")
    assert code == 1
    assert "Term inconsistencies" in out and "Missing Chinese text" in out
    assert "Over the UI length limits" in out and p["tour"] in out
    assert "1 missing Chinese titles" in out and "2 term inconsistencies" in out
    limits = tmp_path / "limits.toml"
    limits.write_text("description_zh = 1000\n", encoding="utf-8")
    code, out, _ = invoke("localise", "check", ws.root, "--limits", limits, "--json")
    assert code == 0 and json.loads(out)["too_long"] == []

    code, out, err = invoke("localise", "terms", ws.root)
    assert code == 0 and out.startswith("en,zh,zh_hant,domain,zh_variants,forbidden,note\n")
    assert "Blue Planet,蓝色星球,藍色星球,title,,蓝色行星|蓝星球" in out
    target = tmp_path / "terms.csv"
    code, _, err = invoke("localise", "terms", ws.root, "--output", target)
    assert code == 0 and target.read_text("utf-8") == out and "terms written" in err


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (("localise", "check", "{tmp}/nowhere"), "workspace not found"),
        (("localise", "check", "{ws}", "--limits", "{tmp}/absent.toml"), "limits file not found"),
        (("localise", "terms", "{tmp}"), "not a culturebridge workspace"),
    ],
)
def test_cli_check_mistakes_are_one_line(
    planted: tuple[Workspace, dict[str, Any]], tmp_path: Path, args: tuple[str, ...], pattern: str
) -> None:
    ws, _ = planted
    argv = [a.format(tmp=tmp_path, ws=ws.root) for a in args]
    code, out, err = invoke(*argv)
    assert code == 2 and "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert re.search(pattern, lines[0]), lines[0]
