"""`culturebridge fashion text`: the contract as others script it, and its one-line errors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tests.helpers import CLI
from tests.test_cli import assert_one_line_error, invoke

POSTS = [
    ("p1", "不喜欢荧光绿，藏青色卫衣yyds"),
    ("p2", ""),
    ("p3", "Vintage floral midi dress in cream linen"),
    ("p4", "网红店打卡，白菜价"),
]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_csv(path: Path, *, bom: bool = False) -> Path:
    lines = ["id,post"] + [f'{i},"{t}"' for i, t in POSTS]
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + "\n".join(lines).encode() + b"\n")
    return path


def test_the_contract_as_written_in_a_real_process(tmp_path: Path) -> None:
    src, out = write_csv(tmp_path / "posts.csv"), tmp_path / "out" / "tags.jsonl"
    run = subprocess.run(
        [str(CLI), "fashion", "text", "--input", str(src), "--text-column", "post"]
        + ["--output", str(out), "--id-column", "id"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    assert "4 rows read, 2 with attributes, 1 empty or not text" in run.stderr
    assert "Building prefix dict" not in run.stderr  # jieba is quiet
    rows = read_jsonl(out)
    assert [r["row"] for r in rows] == [1, 2, 3, 4]
    assert [r["id"] for r in rows] == ["p1", "p2", "p3", "p4"]
    first = rows[0]
    assert first["text"] == POSTS[0][1]
    assert first["attributes"] == {"category": ["sweatshirt"], "colour": ["Navy Blue"]}
    assert first["negated"] == {"colour": ["Fluorescent Green"]}
    assert first["mentions"][0] == {
        "attribute": "colour",
        "value": "Fluorescent Green",
        "value_zh": "荧光绿",
        "term": "荧光绿",
        "start": 3,
        "end": 6,
        "negated": True,
    }
    for m in first["mentions"]:
        assert first["text"][m["start"] : m["end"]] == m["term"]
    assert rows[1] == {"row": 2, "id": "p2", "text": "", "error": "empty text"}
    assert rows[2]["attributes"]["style"] == ["vintage"]
    assert rows[3]["attributes"] == {} and rows[3]["mentions"] == []  # 网红 is not red


def test_a_bom_and_no_id_column(tmp_path: Path) -> None:
    src, out = write_csv(tmp_path / "posts.csv", bom=True), tmp_path / "tags.jsonl"
    code, _, err = invoke(
        "fashion", "text", "--input", src, "--text-column", "post", "--output", out
    )
    assert code == 0, err
    rows = read_jsonl(out)
    assert "id" not in rows[0]
    assert rows[0]["attributes"]["colour"] == ["Navy Blue"]


def test_tsv_jsonl_and_parquet_give_the_same_answers(tmp_path: Path) -> None:
    tsv = tmp_path / "posts.tsv"
    tsv.write_text("id\tpost\n" + "".join(f"{i}\t{t}\n" for i, t in POSTS), encoding="utf-8")
    jsonl = tmp_path / "posts.jsonl"
    jsonl.write_text(
        "".join(json.dumps({"id": i, "post": t}, ensure_ascii=False) + "\n" for i, t in POSTS),
        encoding="utf-8",
    )
    parquet = tmp_path / "posts.parquet"
    pq.write_table(pa.table({"id": [i for i, _ in POSTS], "post": [t for _, t in POSTS]}), parquet)
    answers = []
    for src in (tsv, jsonl, parquet):
        out = tmp_path / f"{src.suffix[1:]}.jsonl"
        code, _, err = invoke(
            "fashion", "text", "--input", src, "--text-column", "post", "--output", out,
            "--id-column", "id",
        )  # fmt: skip
        assert code == 0, (src, err)
        answers.append(read_jsonl(out))
    assert answers[0] == answers[1] == answers[2]
    assert len(answers[0]) == len(POSTS)


def test_cells_that_are_not_text_get_an_error_line(tmp_path: Path) -> None:
    src = tmp_path / "posts.jsonl"
    src.write_text(
        '{"post": "白衬衫"}\n{"post": null}\n{"post": 42}\nnot json\n{"other": "x"}\n'
        '{"post": "   "}\n',
        encoding="utf-8",
    )
    out = tmp_path / "tags.jsonl"
    code, _, err = invoke(
        "fashion", "text", "--input", src, "--text-column", "post", "--output", out
    )
    assert code == 0, err
    rows = read_jsonl(out)
    assert rows[0]["attributes"] == {"category": ["shirt"], "colour": ["White"]}
    assert [r.get("error") for r in rows[1:]] == [
        "empty text",
        "not text (int)",
        rows[3]["error"],
        "empty text",
        "empty text",
    ]
    assert rows[3]["error"].startswith("line 4: not a JSON object")
    assert "6 rows read, 1 with attributes, 5 empty or not text" in err


def test_an_unknown_column_names_the_columns(tmp_path: Path) -> None:
    src, out = write_csv(tmp_path / "posts.csv"), tmp_path / "tags.jsonl"
    result = invoke("fashion", "text", "--input", src, "--text-column", "body", "--output", out)
    assert_one_line_error(*result, r"no column 'body'; the columns are: id, post")
    assert not out.exists() and not (tmp_path / "tags.jsonl.tmp").exists()
    result = invoke(
        "fashion", "text", "--input", src, "--text-column", "post", "--output", out,
        "--id-column", "uid",
    )  # fmt: skip
    assert_one_line_error(*result, r"no column 'uid'")


def test_a_missing_or_unreadable_input_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "tags.jsonl"
    result = invoke(
        "fashion", "text", "--input", tmp_path / "nope.csv", "--text-column", "post",
        "--output", out,
    )  # fmt: skip
    assert_one_line_error(*result, r"nope\.csv: no such input file")
    odd = tmp_path / "posts.xlsx"
    odd.write_bytes(b"PK")
    result = invoke("fashion", "text", "--input", odd, "--text-column", "post", "--output", out)
    assert_one_line_error(*result, r"unknown input format \.xlsx")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("post\ncaf\xe9 cr\xe8me\n".encode("latin-1"))
    result = invoke("fashion", "text", "--input", latin, "--text-column", "post", "--output", out)
    assert_one_line_error(*result, r"not UTF-8")
    assert not out.exists()
