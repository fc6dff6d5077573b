"""`culturebridge social sentiment` and `social train`: the contract as others script it."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tests.helpers import CLI
from tests.social.test_sentiment import reviews_csv
from tests.test_cli import assert_one_line_error, invoke

POSTS = [
    ("p1", "今天终于拿到offer了！！！[哈哈]", "x"),
    ("p2", "", "y"),
    ("p3", "排队两个小时就吃到这？拉胯[怒]", ""),
    ("p4", "   ", "z"),
    ("p5", "酒店环境干净，服务热情，推荐入住", "w"),
]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def header_of(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return next(csv.reader(fh))


def write_posts(path: Path, *, header: str = "id,post,extra", bom: bool = False) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t" if path.suffix == ".tsv" else ",")
        w.writerow(header.split(","))
        w.writerows(POSTS)
    return path


def test_the_contract_as_written_in_a_real_process(tmp_path: Path) -> None:
    src, out = write_posts(tmp_path / "posts.csv", bom=True), tmp_path / "out" / "scored.csv"
    run = subprocess.run(
        [str(CLI), "social", "sentiment", "--input", str(src), "--text-column", "post"]
        + ["--output", str(out)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    assert "5 rows read, 3 scored, 2 skipped (2 empty text)" in run.stderr
    assert "Building prefix dict" not in run.stderr
    assert header_of(out) == ["id", "post", "extra", "label", "score", "reason"]
    rows = read_csv(out)
    assert [(r["id"], r["post"], r["extra"]) for r in rows] == POSTS  # unchanged, in order
    assert [r["label"] for r in rows] == ["1", "", "0", "", "1"]
    assert [r["reason"] for r in rows] == ["", "empty text", "", "empty text", ""]
    for r in rows:
        if r["score"]:
            assert 0.0 <= float(r["score"]) <= 1.0 and len(r["score"].split(".")[1]) == 4
            assert r["label"] == str(int(float(r["score"]) >= 0.5))
    assert not list(out.parent.glob("*.tmp"))


def test_json_summary_and_tsv(tmp_path: Path) -> None:
    src, out = write_posts(tmp_path / "posts.tsv"), tmp_path / "scored.csv"
    code, stdout, stderr = invoke(
        "social", "sentiment", "--input", src, "--text-column", "post", "--output", out, "--json"
    )
    assert code == 0, stderr
    summary = json.loads(stdout)
    assert summary["rows"] == 5 and summary["scored"] == 3 and summary["skipped"] == 2
    assert summary["skipped_by_reason"] == {"empty text": 2}
    assert summary["positive_share"] == round(2 / 3, 4)
    assert summary["renamed_columns"] == {}
    assert len(read_csv(out)) == 5


def test_a_clashing_label_column_is_kept_under_a_new_name(tmp_path: Path) -> None:
    src = tmp_path / "weibo.csv"
    src.write_text("label,review,label_input\n1,好开心[哈哈],a\n0,气死了[怒],b\n", encoding="utf-8")
    out = tmp_path / "scored.csv"
    code, _, stderr = invoke(
        "social", "sentiment", "--input", src, "--text-column", "review", "--output", out
    )
    assert code == 0, stderr
    assert "'label' column is written as 'label_input2'" in stderr
    assert header_of(out) == ["label_input2", "review", "label_input", "label", "score", "reason"]
    rows = read_csv(out)
    assert [r["label_input2"] for r in rows] == ["1", "0"]
    assert [r["label_input"] for r in rows] == ["a", "b"]
    assert [r["label"] for r in rows] == ["1", "0"]


def test_missing_column_is_one_line_and_no_output(tmp_path: Path) -> None:
    src, out = write_posts(tmp_path / "posts.csv"), tmp_path / "scored.csv"
    code, stdout, stderr = invoke(
        "social", "sentiment", "--input", src, "--text-column", "text", "--output", out
    )
    assert code == 2
    assert_one_line_error(code, stdout, stderr, r"no column 'text'; the columns are: id, post")
    assert not out.exists() and not list(tmp_path.glob("*.tmp"))


def test_user_mistakes_are_one_line(tmp_path: Path) -> None:
    src, out = write_posts(tmp_path / "posts.csv"), tmp_path / "scored.csv"
    cases = [
        (tmp_path / "none.csv", out, r"no such input file"),
        (src, tmp_path / "scored.parquet", r"must be a \.csv file"),
        (src, src, r"is the input file"),
    ]
    (tmp_path / "posts.xlsx").write_bytes(b"PK")
    cases.append((tmp_path / "posts.xlsx", out, r"unknown input format \.xlsx"))
    (tmp_path / "latin.csv").write_bytes(b"post\n\xff\xfe\xff\n")
    cases.append((tmp_path / "latin.csv", out, r"neither UTF-8 nor GB18030"))
    for path, target, pattern in cases:
        code, stdout, stderr = invoke(
            "social", "sentiment", "--input", path, "--text-column", "post", "--output", target
        )
        assert_one_line_error(code, stdout, stderr, pattern)
    assert not out.exists()
    code, stdout, stderr = invoke(
        "social", "sentiment", "--input", src, "--text-column", "post", "--output", out,
        "--model", tmp_path / "nowhere",
    )  # fmt: skip
    assert_one_line_error(code, stdout, stderr, r"sentiment model missing")


def test_jsonl_with_odd_values(tmp_path: Path) -> None:
    src, out = tmp_path / "posts.jsonl", tmp_path / "scored.csv"
    lines = [
        {"id": 1, "text": "好开心[哈哈]", "tags": ["a", "b"]},
        {"id": 2, "text": None},
        {"id": 3, "text": 42, "ok": True},
        {"id": 4},
        {"id": 5, "text": "气死了[怒]"},
    ]
    body = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines[:2])
    body += "\nnot json\n\n" + "\n".join(json.dumps(x, ensure_ascii=False) for x in lines[2:])
    src.write_text(body + "\n", encoding="utf-8")
    code, stdout, stderr = invoke(
        "social", "sentiment", "--input", src, "--text-column", "text", "--output", out, "--json"
    )
    assert code == 0, stderr
    assert header_of(out) == ["id", "text", "tags", "ok", "label", "score", "reason"]
    rows = read_csv(out)
    assert [r["id"] for r in rows] == ["1", "2", "", "3", "4", "5"]
    assert rows[0]["tags"] == '["a", "b"]' and rows[3]["ok"] == "true"
    assert [r["label"] for r in rows] == ["1", "", "", "", "", "0"]
    assert [r["reason"] for r in rows] == [
        "",
        "missing text (null)",
        "not a JSON object (line 3)",
        "not text (int)",
        "missing text (no 'text' field)",
        "",
    ]
    assert json.loads(stdout)["skipped_by_reason"] == {
        "missing text": 2,
        "not a JSON object": 1,
        "not text": 1,
    }


def test_parquet_and_short_rows(tmp_path: Path) -> None:
    table = pa.table({"n": [1, 2, 3], "post": ["好开心[哈哈]", None, "气死了[怒]"]})
    pq.write_table(table, tmp_path / "posts.parquet")
    out = tmp_path / "scored.csv"
    code, _, stderr = invoke(
        "social", "sentiment", "--input", tmp_path / "posts.parquet", "--text-column", "post",
        "--output", out,
    )  # fmt: skip
    assert code == 0, stderr
    rows = read_csv(out)
    assert [(r["n"], r["label"], r["reason"]) for r in rows] == [
        ("1", "1", ""),
        ("2", "", "missing text (null)"),
        ("3", "0", ""),
    ]
    src = tmp_path / "ragged.csv"
    src.write_text("id,post,more\n1\n2,好开心[哈哈],x,extra\n3,气死了[怒]\n", encoding="utf-8")
    code, _, stderr = invoke(
        "social", "sentiment", "--input", src, "--text-column", "post", "--output", out
    )
    assert code == 0, stderr
    rows = read_csv(out)
    assert [r["reason"] for r in rows] == [
        "missing text (row has 1 of 3 fields)",
        "malformed row (4 fields, the header has 3)",
        "",
    ]
    assert rows[2]["label"] == "0" and rows[2]["more"] == ""


def test_gb18030_input_is_read_and_said(tmp_path: Path) -> None:
    src, out = tmp_path / "gbk.csv", tmp_path / "scored.csv"
    src.write_bytes("post\n今天好开心[哈哈]\n气死了[怒]\n".encode("gb18030"))
    code, _, stderr = invoke(
        "social", "sentiment", "--input", src, "--text-column", "post", "--output", out
    )
    assert code == 0, stderr
    assert "read as GB18030" in stderr
    assert [(r["post"], r["label"]) for r in read_csv(out)] == [
        ("今天好开心[哈哈]", "1"),
        ("气死了[怒]", "0"),
    ]


def test_train_then_score_with_the_new_model(tmp_path: Path) -> None:
    reviews = reviews_csv(tmp_path / "reviews.csv")
    code, stdout, stderr = invoke("social", "train", "--reviews", reviews, "--out", tmp_path / "m")
    assert code == 0, stderr
    assert "held-out accuracy" in stdout and "macro-F1" in stdout
    assert "2 empty review, 1 label not 0 or 1" in stdout
    assert (tmp_path / "m" / "sentiment.npz").is_file()
    src, out = tmp_path / "posts.csv", tmp_path / "scored.csv"
    src.write_text("post\n很好，满意，推荐\n太差，失望，退货\n", encoding="utf-8")
    code, _, stderr = invoke(
        "social", "sentiment", "--input", src, "--text-column", "post", "--output", out,
        "--model", tmp_path / "m",
    )  # fmt: skip
    assert code == 0, stderr
    assert [r["label"] for r in read_csv(out)] == ["1", "0"]


def test_train_errors_are_one_line(tmp_path: Path) -> None:
    code, stdout, stderr = invoke(
        "social", "train", "--reviews", tmp_path / "none.csv", "--out", tmp_path / "m"
    )
    assert_one_line_error(code, stdout, stderr, r"no such reviews file")
    bad = tmp_path / "bad.csv"
    bad.write_text("cat,text\n书籍,好\n", encoding="utf-8")
    code, stdout, stderr = invoke("social", "train", "--reviews", bad, "--out", tmp_path / "m")
    assert_one_line_error(code, stdout, stderr, r"not a reviews file: no column 'label'")
    assert not (tmp_path / "m").exists()
