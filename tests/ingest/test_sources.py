"""Readers: formats, encodings, BOMs, compression, ragged rows and exact line numbers."""

from __future__ import annotations

import codecs
import gzip
import hashlib
import random
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from culturebridge.config import get_settings
from culturebridge.errors import UserError
from culturebridge.ingest import Mapping, SourceOptions, detect_encoding, open_source
from culturebridge.ingest import sniff_delimiter as sniff
from culturebridge.ingest._sources import detect_format
from culturebridge.workspace import Workspace
from tests.conftest import IngestBytes
from tests.helpers import assert_conserved, lake_rows, rejects_of

ROW_ID_POSTS = """
[source]
format = "csv"
[columns]
post_id = { convert = "row_id" }
"""


def row_id(name: str, line: int) -> str:
    """The id that `convert = "row_id"` gives the row starting on `line` of file `name`."""
    return hashlib.md5(f"{name}:{line}".encode()).hexdigest()


# --------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        (b"a,b\n1,2\n", "utf-8"),
        (codecs.BOM_UTF8 + "a,b\n1,\u4e2d\n".encode(), "utf-8"),
        ("a,b\n1,\u4e2d\u6587\n".encode(), "utf-8"),
        ("a,b\n1,\u4e2d\u6587\u8bc4\u8bba\n".encode("gb18030"), "gb18030"),
        ("a,b\n1,caf\u00e9 cr\u00e8me\n".encode("latin-1"), "latin-1"),
        # accented Latin-1 letters between ASCII letters also decode as GB18030 (as CJK
        # characters); lone high bytes are the mark of a single-byte encoding
        ("id,title\n1,Mis\u00e9rables, Les\n2,N\u00e9nette et Boni\n".encode("latin-1"), "latin-1"),
        ("a,b\n1,x\n".encode("utf-16"), "utf-16"),
        # mostly UTF-8 with one stray GB18030 row stays UTF-8 (that row is rejected instead)
        (
            b"a,b\n"
            + "".join(f"{i},\u597d\u7684\n" for i in range(5)).encode()
            + "9,\u574f\u7684\n".encode("gb18030"),
            "utf-8",
        ),
    ],
)
def test_detect_encoding(sample: bytes, expected: str) -> None:
    assert detect_encoding(sample, "auto") == expected


def test_detect_encoding_respects_an_explicit_choice() -> None:
    assert detect_encoding(b"plain", "gb18030") == "gb18030"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ("a|b|c\n1|2|3\n", "|"),
        ("a;b;c\n1;2,5;3\n", ";"),
        ("single\ncolumn\n", ","),
    ],
)
def test_sniff_delimiter(text: str, expected: str) -> None:
    assert sniff(text) == expected


@pytest.mark.parametrize(
    ("name", "sample", "expected"),
    [
        ("x.parquet", b"", "parquet"),
        ("x.bin", b"PAR1....", "parquet"),
        ("x.jsonl.gz", b"", "jsonl"),
        ("x.ndjson", b"", "jsonl"),
        ("x.tsv", b"", "tsv"),
        ("x.txt", b'\xef\xbb\xbf {"a": 1}\n', "jsonl"),
        ("x.txt", b"a,b\n", "csv"),
    ],
)
def test_detect_format(name: str, sample: bytes, expected: str) -> None:
    assert detect_format(Path(name), sample, "auto") == expected


def test_open_source_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="file not found"):
        open_source(tmp_path / "missing.csv", SourceOptions())
    with pytest.raises(UserError, match="is a directory"):
        open_source(tmp_path, SourceOptions())
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(UserError, match="empty"):
        open_source(tmp_path / "empty.csv", SourceOptions())
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(UserError, match="not a readable Parquet file"):
        open_source(tmp_path / "broken.parquet", SourceOptions())


# --------------------------------------------------------------------------- BOMs, gzip, encodings


def test_bom_before_the_header_and_inside_a_value(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    data = codecs.BOM_UTF8 + "post_id,ts,text\np1,2020-01-01,\ufeff\u4f60\u597d\n".encode()
    r = ingest_bytes("posts", "bom.csv", data)
    assert (r.read, r.accepted) == (1, 1)
    assert r.files[0].encoding == "utf-8"
    (row,) = lake_rows(ws, "posts")
    assert row["post_id"] == "p1"  # the header's first name is not "\ufeffpost_id"
    assert row["text"] == "\u4f60\u597d"


def test_gzip_is_read_transparently(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    csv_gz = gzip.compress(b"post_id,ts,text\np1,2020-01-01,hello\np2,2020-01-01,\n")
    r = ingest_bytes("posts", "p.csv.gz", csv_gz)
    assert (r.read, r.accepted, r.rejected) == (2, 1, 1)
    assert r.files[0].format == "csv"
    assert rejects_of(ws, r)[0]["raw"] == "p2,2020-01-01,"
    jsonl_gz = gzip.compress(b'{"post_id": "j1", "ts": "2020-01-01", "text": "hi"}\n')
    r = ingest_bytes("posts", "p.jsonl.gz", jsonl_gz)
    assert (r.read, r.accepted, r.files[0].format) == (1, 1, "jsonl")


def test_gb18030_posts_round_trip(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    texts = [
        "\u8fd9\u90e8\u7eaa\u5f55\u7247\u5f88\u597d\u770b\uff01",
        "\u8d28\u91cf\u4e0d\u9519\uff0c\u7269\u6d41\u5f88\u5feb\u20ac",
        "\U00020000\u9fa5 emoji-free but outside the BMP",
    ]
    body = "post_id,ts,text\n" + "".join(f"g{i},2020-01-01,{t}\n" for i, t in enumerate(texts))
    r = ingest_bytes("posts", "gb.csv", body.encode("gb18030"))
    assert r.files[0].encoding == "gb18030"
    assert (r.read, r.accepted) == (3, 3)
    got = {row["post_id"]: row["text"] for row in lake_rows(ws, "posts")}
    assert got == {f"g{i}": t for i, t in enumerate(texts)}


def test_latin1_round_trip(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    body = "item_id,kind,title_en\nm1,film,Mis\u00e9rables Les \u00bd\u00ff\n"
    r = ingest_bytes("items", "l.csv", body.encode("latin-1"), encoding="latin-1")
    assert r.files[0].encoding == "latin-1"
    assert lake_rows(ws, "items")[0]["title_en"] == "Mis\u00e9rables Les \u00bd\u00ff"


def test_a_stray_gb18030_row_in_a_utf8_file_is_read_as_gb18030(
    ws: Workspace, ingest_bytes: IngestBytes
) -> None:
    data = (
        "post_id,ts,text\n" + "".join(f"m{i},2020-01-01,\u597d\u7684{i}\n" for i in range(5))
    ).encode() + "m9,2020-01-01,\u574f\u7684\n".encode("gb18030")
    r = ingest_bytes("posts", "mixed.csv", data)
    assert r.files[0].encoding == "utf-8+gb18030"
    assert (r.read, r.accepted, r.rejected) == (6, 6, 0)
    assert lake_rows(ws, "posts", "WHERE post_id = 'm9'")[0]["text"] == "\u574f\u7684"


def test_forcing_an_encoding_the_bytes_are_not_in_fails_cleanly(
    ws: Workspace, ingest_bytes: IngestBytes
) -> None:
    data = b"post_id,ts,text\nh1,2020-01-01,\xff\xfe\nh2,2020-01-01,abc\n"
    with pytest.raises(UserError, match=r"cannot be read as gb18030 \(bad bytes at offset 30\)"):
        ingest_bytes("posts", "x.csv", data, encoding="gb18030")
    assert ws.manifest().version == 0


def test_bad_bytes_at_the_very_end_are_a_clean_reject(
    ws: Workspace, ingest_bytes: IngestBytes
) -> None:
    data = b"post_id,ts,text\nh1,2020-01-01,abc\nh2,2020-01-01,\xff\xfe\n"
    r = ingest_bytes("posts", "x.csv", data, encoding="gb18030")
    assert (r.read, r.accepted, r.rejected) == (2, 1, 1)
    (rej,) = rejects_of(ws, r)
    assert rej["line"] == 3
    assert "invalid bytes in text" in rej["reason"]


# --------------------------------------------------------------------------- JSON lines, Parquet


def test_jsonl_broken_line_reports_its_line(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    data = (
        b'{"post_id": "j1", "ts": "2020-01-01", "text": "x", "likes": 3}\n'
        b'{"post_id": "j2", "ts":\n'
        b"\n"
        b'{"post_id": "j3", "ts": "2020-01-01", "text": ""}\n'
        b"[1, 2]\n"
        b'{"post_id": "j4", "ts": "2020-01-01", "text": "y", "likes": 1.5}\n'
        b'{"post_id": "j5", "ts": "2020-01-01", "text": "\xff"}\n'
        b'{"post_id": "j6", "ts": "2020-01-01", "text": "z", "later_key": 1}\n'
    )
    r = ingest_bytes("posts", "p.jsonl", data, encoding="utf-8")
    assert_conserved(r)
    assert (r.read, r.accepted, r.rejected) == (7, 2, 5)
    rej = {x["line"]: x for x in rejects_of(ws, r)}
    assert set(rej) == {2, 4, 5, 6, 7}
    assert rej[2]["reason"].startswith("invalid JSON")
    assert rej[2]["raw"] == '{"post_id": "j2", "ts":'
    assert rej[4]["reason"] == "missing required text"
    assert rej[5]["reason"] == "not a JSON object"
    assert rej[6]["reason"] == "invalid int64 for likes: 1.5"
    assert "invalid bytes" in rej[7]["reason"]
    assert sorted(row["post_id"] for row in lake_rows(ws, "posts")) == ["j1", "j6"]


def test_parquet_input(ws: Workspace, ingest_bytes: IngestBytes, tmp_path: Path) -> None:
    table = pa.table(
        {
            "user_id": pa.array([1, 2, 3, 4], pa.int64()),
            "item_id": ["i1", "i2", "i3", None],
            "ts": pa.array(
                [datetime(2020, 1, 1, 10), datetime(2021, 6, 1), datetime(2022, 1, 1), None],
                pa.timestamp("ms", tz="Asia/Shanghai"),
            ),
            "type": ["rate", "play", "zap", "rate"],
            "value": [4.0, float("nan"), 1.0, 1.0],
        }
    )
    path = tmp_path / "e.parquet"
    pq.write_table(table, path)
    r = ingest_bytes("events", "e.parquet", path.read_bytes())
    assert_conserved(r)
    assert r.files[0].format == "parquet"
    assert (r.read, r.accepted, r.rejected) == (4, 1, 3)
    rej = {x["line"]: x for x in rejects_of(ws, r)}
    assert set(rej) == {2, 3, 4}
    assert "invalid float64 for value" in rej[2]["reason"]
    assert rej[3]["reason"].startswith("type must be one of")
    assert "missing required ts" in rej[4]["reason"]
    assert '"type": "zap"' in rej[3]["raw"]
    (row,) = lake_rows(ws, "events")
    assert row["ts"] == datetime(2020, 1, 1, 10)  # an instant stays the same instant, in UTC
    assert row["user_id"].startswith("u") and row["user_id"] != "1"


# --------------------------------------------------------------------------- rows and line numbers


def test_quoted_newlines_keep_later_line_numbers(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    data = (
        b"ts,text\n"  # line 1
        b'2020-01-01,"one\ntwo"\n'  # lines 2-3
        b"2020-01-01,\n"  # line 4: rejected
        b'2020-01-01,"a\n\nb"\n'  # lines 5-7
        b"2020-01-01,last\n"  # line 8
        b"2020-01-01,\n"  # line 9: rejected
    )
    r = ingest_bytes("posts", "q.csv", data, mapping=ROW_ID_POSTS)
    assert (r.read, r.accepted, r.rejected) == (5, 3, 2)
    rej = rejects_of(ws, r)
    assert [(x["line"], x["raw"]) for x in rej] == [(4, "2020-01-01,"), (9, "2020-01-01,")]
    ids = {row["text"]: row["post_id"] for row in lake_rows(ws, "posts")}
    assert ids == {
        "one\ntwo": row_id("q.csv", 2),
        "a\n\nb": row_id("q.csv", 5),
        "last": row_id("q.csv", 8),
    }


def test_ragged_rows_without_header(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    mapping = """
[source]
format = "csv"
header = false
columns = ["ts", "text", "likes"]
[columns]
post_id = { convert = "row_id" }
"""
    data = (
        b"2020-01-01,full,1\n"  # 1
        b"2020-01-01,short\n"  # 2: padded
        b"2020-01-01,trailing,2,,\n"  # 3: empty extras dropped
        b"2020-01-01,long,3,extra\n"  # 4: rejected
        b"2020-01-01,after,4\n"  # 5
    )
    r = ingest_bytes("posts", "r.csv", data, mapping=mapping)
    assert_conserved(r)
    assert (r.read, r.accepted, r.rejected) == (5, 4, 1)
    (rej,) = rejects_of(ws, r)
    assert (rej["line"], rej["reason"], rej["raw"]) == (
        4,
        "4 fields, expected 3",
        "2020-01-01,long,3,extra",
    )
    rows = {x["text"]: (x["post_id"], x["likes"]) for x in lake_rows(ws, "posts")}
    assert rows == {
        "full": (row_id("r.csv", 1), 1),
        "short": (row_id("r.csv", 2), None),
        "trailing": (row_id("r.csv", 3), 2),
        "after": (row_id("r.csv", 5), 4),
    }


def test_ragged_rows_with_header(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    """The same rows under a header line: every line number moves down by exactly one."""
    data = (
        b"ts,text,likes\n"  # 1
        b"2020-01-01,full,1\n"  # 2
        b"2020-01-01,short\n"  # 3: padded
        b"2020-01-01,trailing,2,,\n"  # 4: empty extras dropped
        b"2020-01-01,long,3,extra\n"  # 5: rejected
        b"2020-01-01,after,4\n"  # 6
    )
    r = ingest_bytes("posts", "r.csv", data, mapping=ROW_ID_POSTS)
    assert_conserved(r)
    assert (r.read, r.accepted, r.rejected) == (5, 4, 1)
    (rej,) = rejects_of(ws, r)
    assert (rej["line"], rej["reason"], rej["raw"]) == (
        5,
        "4 fields, expected 3",
        "2020-01-01,long,3,extra",
    )
    rows = {x["text"]: (x["post_id"], x["likes"]) for x in lake_rows(ws, "posts")}
    assert rows == {
        "full": (row_id("r.csv", 2), 1),
        "short": (row_id("r.csv", 3), None),
        "trailing": (row_id("r.csv", 4), 2),
        "after": (row_id("r.csv", 6), 4),
    }


def test_short_row_reasons_are_its_own(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    """A padded short row is judged on its own fields, and reported on its own line."""
    data = (
        b"user_id,item_id,ts,type,value\n"
        b"u1,i1,2020-01-01,rate,1\n"
        b"u5,i1,2020-01-01\n"  # line 3: only `type` is missing
    )
    r = ingest_bytes("events", "e.csv", data)
    (rej,) = rejects_of(ws, r)
    assert (rej["line"], rej["reason"], rej["raw"]) == (
        3,
        "missing required type",
        "u5,i1,2020-01-01",
    )


def test_blank_lines_are_not_rows(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    data = (
        b"ts,text\n"  # 1
        b"2020-01-01,a\n"  # 2
        b"\n"  # 3: blank
        b"2020-01-01,b\n"  # 4
        b"   \n"  # 5: whitespace only
        b"\n"  # 6: blank
        b"2020-01-01,c\n"  # 7
    )
    r = ingest_bytes("posts", "b.csv", data, mapping=ROW_ID_POSTS)
    assert rejects_of(ws, r) == []
    assert (r.read, r.accepted, r.rejected) == (3, 3, 0)
    ids = {x["text"]: x["post_id"] for x in lake_rows(ws, "posts")}
    assert ids == {"a": row_id("b.csv", 2), "b": row_id("b.csv", 4), "c": row_id("b.csv", 7)}


def test_a_ragged_row_with_invalid_bytes_is_one_reject(
    ws: Workspace, ingest_bytes: IngestBytes
) -> None:
    """Bad bytes in a row that also has the wrong number of fields reject that row, not the file."""
    data = (
        b"user_id,item_id,ts,type,value\n"
        b"\xff\xfeu,i1,2020-01-01,rate\n"  # short row with bytes that are not UTF-8
        b"ok,i2,2020-01-01,rate,1\n"
    )
    r = ingest_bytes("events", "e.csv", data, encoding="utf-8")
    assert (r.read, r.accepted, r.rejected) == (2, 1, 1)
    (rej,) = rejects_of(ws, r)
    assert rej["line"] == 2
    assert "invalid bytes" in rej["reason"]


@pytest.mark.parametrize("header", [False, True], ids=["no-header", "header"])
@pytest.mark.parametrize("newline", [b"\n", b"\r\n"], ids=["lf", "crlf"])
def test_line_numbers_across_parser_blocks(
    ws: Workspace, ingest_bytes: IngestBytes, header: bool, newline: bytes
) -> None:
    """Thousands of rows over several parser blocks, mixing quoted newlines, padded, trimmed and
    rejected rows: every reject names its line and every accepted row's id encodes its line."""
    rng = random.Random(7)
    n = 8000
    out = [b"ts,text,likes" + newline] if header else []
    line = 2 if header else 1
    accepted: dict[str, int] = {}
    rejected: dict[int, str] = {}
    kinds = ["plain", "multiline", "short", "extra_empty", "extra", "bad", "short_multiline"]
    for i in range(n):
        kind = rng.choices(kinds, weights=[70, 10, 5, 5, 4, 4, 2])[0]
        text = f"text-{i}"
        if kind == "plain":
            rec, accepted[text] = f"2020-01-01,{text},3", line
        elif kind == "multiline":
            rec, accepted[text + "\nmore"] = f'2020-01-01,"{text}\nmore",3', line
        elif kind == "short":
            rec, accepted[text] = f"2020-01-01,{text}", line
        elif kind == "extra_empty":
            rec, accepted[text] = f"2020-01-01,{text},3,,", line
        elif kind == "extra":
            rec, rejected[line] = f"2020-01-01,{text},3,x", "4 fields, expected 3"
        elif kind == "bad":
            rec, rejected[line] = f"2020-01-01,{text},-5", "likes below minimum 0: -5"
        else:
            rec, accepted[text + "\nx"] = f'2020-01-01,"{text}\nx"', line
        chunk = rec.encode().replace(b"\n", newline) + newline
        out.append(chunk)
        line += chunk.count(b"\n")
    data = b"".join(out)
    assert len(data) > 2 * 65536  # several blocks at the small batch size the tests use
    mapping = ROW_ID_POSTS
    if not header:
        mapping = mapping.replace(
            'format = "csv"', 'format = "csv"\nheader = false\ncolumns = ["ts", "text", "likes"]'
        )
    r = ingest_bytes("posts", "big.csv", data, mapping=mapping)
    assert_conserved(r)
    assert (r.read, r.accepted, r.rejected, r.duplicates) == (n, len(accepted), len(rejected), 0)
    assert {x["line"]: x["reason"] for x in rejects_of(ws, r)} == rejected
    got = {x["text"].replace("\r\n", "\n"): x["post_id"] for x in lake_rows(ws, "posts")}
    wrong = {t: got.get(t) for t, ln in accepted.items() if got.get(t) != row_id("big.csv", ln)}
    assert not wrong, f"{len(wrong)} accepted rows carry the wrong line, e.g. {list(wrong)[:3]}"


def test_mapping_source_options(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    mapping = """
[source]
format = "csv"
delimiter = ";"
quote = "'"
null_values = ["\\\\N"]
"""
    data = b"post_id;ts;text;likes\np1;2020-01-01;'a;b';\\N\n"
    r = ingest_bytes("posts", "s.csv", data, mapping=mapping)
    assert (r.read, r.accepted) == (1, 1)
    (row,) = lake_rows(ws, "posts")
    assert (row["text"], row["likes"]) == ("a;b", None)


def test_mapping_file_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="mapping file not found"):
        Mapping.load(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("table = \n", encoding="utf-8")
    with pytest.raises(UserError, match="invalid TOML"):
        Mapping.load(bad)
    bad.write_text('[columns]\nts = { column = "t", convert = "strptime" }\n', encoding="utf-8")
    with pytest.raises(UserError, match="strptime"):
        Mapping.load(bad)
    bad.write_text('[source]\nformat = "xlsx"\n', encoding="utf-8")
    with pytest.raises(UserError, match="source.format"):
        Mapping.load(bad)


def test_one_huge_multiline_record_is_one_row(
    ws: Workspace, ingest_bytes: IngestBytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A quoted value far longer than the test's small parser block (here 200 KB, with
    newlines) is one row with the default block size: rejected for its length, while the rest
    of the file goes in."""
    monkeypatch.setenv("CULTUREBRIDGE_INGEST__CSV_BLOCK_BYTES", str(16 << 20))
    get_settings.cache_clear()
    huge = "\u957f\u6587\u672c\n" * 20_000
    data = (
        b"post_id,ts,text\n"
        + f'p1,2020-01-01,"{huge}"\n'.encode()
        + b"".join(b"p%d,2020-01-01,x%d\n" % (i, i) for i in range(2, 3000))
    )
    r = ingest_bytes("posts", "long.csv", data)
    assert_conserved(r)
    assert (r.read, r.accepted, r.rejected) == (2999, 2998, 1)
    (rej,) = rejects_of(ws, r)
    assert (rej["line"], rej["reason"]) == (2, "text longer than 20000 characters")
    assert len(lake_rows(ws, "posts", "WHERE post_id = 'p2999'")) == 1
