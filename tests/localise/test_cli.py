"""`culturebridge localise tm|translate|script|pinyin`: what they print, and user mistakes
answered with one line and a non-zero exit."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from culturebridge.cli import app
from culturebridge.localise import TranslationMemory, read_tmx

GOLDEN = Path(__file__).parent / "data" / "golden.tmx"
runner = CliRunner()


def invoke(*args: object) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {result.exception!r}") from result.exception
    return result.exit_code, result.stdout, result.stderr


def one_line_error(code: int, out: str, err: str, pattern: str) -> None:
    assert code == 2 and "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert re.search(pattern, lines[0]), lines[0]


@pytest.fixture
def memory(tmp_path: Path) -> Path:
    path = tmp_path / "tm.tmx"
    code, _, err = invoke("localise", "tm", "import", GOLDEN, "--memory", path)
    assert code == 0, err
    return path


def test_import_export_round_trip(memory: Path, tmp_path: Path) -> None:
    assert read_tmx(memory) == read_tmx(GOLDEN)  # a new memory keeps the file's header
    code, out, _ = invoke("localise", "tm", "import", GOLDEN, "--memory", memory, "--json")
    assert code == 0 and json.loads(out) == {
        "memory": str(memory),
        "added": 0,
        "duplicates": 3,
        "units": 3,
    }
    exported = tmp_path / "out.tmx"
    code, _, _ = invoke("localise", "tm", "export", "--memory", memory, "--output", exported)
    assert code == 0 and exported.read_bytes() == memory.read_bytes()
    as_csv = tmp_path / "out.csv"
    code, _, _ = invoke("localise", "tm", "export", "--memory", memory, "--output", as_csv)
    assert code == 0
    rows = list(csv.DictReader(as_csv.open(encoding="utf-8", newline="")))
    assert rows[0]["source"] == "Watch Blue Planet tonight & tomorrow" and len(rows) == 4
    # CSV in: a second memory from the CSV has the plain pairs
    other = tmp_path / "other.tmx"
    code, _, _ = invoke("localise", "tm", "import", as_csv, "--memory", other)
    assert code == 0 and len(TranslationMemory.load(other)) == 4


def test_search(memory: Path) -> None:
    code, out, _ = invoke(
        "localise",
        "tm",
        "search",
        "--memory",
        memory,
        "Watch Blue Planet tonight and tomorrow",
        "--json",
    )
    assert code == 0
    (hit,) = json.loads(out)
    assert hit["tuid"] == "t1" and hit["kind"] == "fuzzy" and 0.75 <= hit["score"] < 1
    assert hit["target"] == "今晚和明天观看《蓝色星球》"
    code, out, _ = invoke("localise", "tm", "search", "--memory", memory, "蓝色星球")
    assert code == 0 and "100%" in out and "Blue Planet" in out
    code, out, _ = invoke("localise", "tm", "search", "--memory", memory, "nothing like it")
    assert code == 0 and "no match" in out
    code, out, _ = invoke(
        "localise",
        "tm",
        "search",
        "--memory",
        memory,
        "Blue Planet tonight",
        "--semantic",
        "--n",
        "1",
        "--json",
    )
    assert code == 0 and json.loads(out)[0]["kind"] == "semantic"


def test_translate_text_and_file(memory: Path, tmp_path: Path) -> None:
    code, out, err = invoke("localise", "translate", "--memory", memory, "Blue Planet")
    assert code == 0 and out.strip() == "蓝色星球" and "memory-exact" in err
    code, out, _ = invoke("localise", "translate", "Big Ben", "--target", "zh-HK", "--json")
    assert code == 0 and json.loads(out)["text"] == "大笨鐘"
    code, out, err = invoke("localise", "translate", "--memory", memory, "An unknown sentence.")
    assert code == 1 and out == ""
    assert "no translation in the memory or termbase; configure an MT backend" in err
    source = tmp_path / "in.csv"
    source.write_text("id,text\n1,Blue Planet\n2,Something else\n3,London\n", encoding="utf-8")
    target = tmp_path / "out.csv"
    code, out, err = invoke(
        "localise",
        "translate",
        "--memory",
        memory,
        "--input",
        source,
        "--column",
        "text",
        "--output",
        target,
    )
    assert code == 0, err
    rows = list(csv.DictReader(target.open(encoding="utf-8", newline="")))
    assert [(r["id"], r["translation"], r["origin"]) for r in rows] == [
        ("1", "蓝色星球", "memory-exact"),
        ("2", "", "none"),
        ("3", "伦敦", "termbase"),
    ]
    assert "configure an MT backend" in rows[1]["message"]


def test_script_and_pinyin() -> None:
    code, out, _ = invoke("localise", "script", "蓝色星球", "--to", "hk")
    assert code == 0 and out.strip() == "藍色星球"
    code, out, _ = invoke("localise", "script", "軟體", "--to", "s")
    assert code == 0 and out.strip() == "软件"
    code, out, _ = invoke("localise", "pinyin", "蓝色星球", "地球脉动", "--sort", "--json")
    assert code == 0
    assert json.loads(out) == [
        {"title": "地球脉动", "pinyin": "di qiu mai dong", "initials": "dqmd"},
        {"title": "蓝色星球", "pinyin": "lan se xing qiu", "initials": "lsxq"},
    ]


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (("tm", "import", "{tmp}/absent.tmx", "--memory", "{tmp}/m.tmx"), "no such file"),
        (("tm", "import", "{tmp}/bad.tmx", "--memory", "{tmp}/m.tmx"), "not well-formed"),
        (("tm", "import", "{golden}", "--memory", "{tmp}/m.json"), r"\.tmx or \.csv"),
        (("tm", "export", "--memory", "{tmp}/absent.tmx", "--output", "{tmp}/o.tmx"), "not found"),
        (("tm", "search", "--memory", "{golden}", " "), "query is empty"),
        (("translate",), "either a text or --input"),
        (("translate", "x", "--input", "{tmp}/bad.tmx"), "either a text or --input"),
        (("translate", "--input", "{tmp}/bad.tmx"), "needs --column and --output"),
        (
            ("translate", "--input", "{tmp}/in.csv", "--column", "nope", "--output", "{tmp}/o.csv"),
            "no column 'nope'",
        ),
        (("script", "文本", "--to", "jp"), "--to must be hk, tw, t or s"),
    ],
)
def test_mistakes_are_one_line(tmp_path: Path, args: tuple[str, ...], pattern: str) -> None:
    (tmp_path / "bad.tmx").write_text("<tmx><header>", encoding="utf-8")
    (tmp_path / "in.csv").write_text("text\nhello\n", encoding="utf-8")
    argv = [a.format(tmp=tmp_path, golden=GOLDEN) for a in args]
    one_line_error(*invoke("localise", *argv), pattern)


def test_a_configured_backend_without_a_model_is_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from culturebridge.config import get_settings

    monkeypatch.setenv("CULTUREBRIDGE_LOCALISE__MT_BACKEND", "argos")
    get_settings.cache_clear()
    one_line_error(*invoke("localise", "translate", "hello"), "MODEL_PATH")
