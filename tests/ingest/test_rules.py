"""Ingest that notices: files cut short, unterminated quotes, implausible times and offsets,
NUL bytes, CR-only line endings, truncated compression, and files that mix encodings line by
line. Every case has its known answer: what the lake holds, and the reason each reject gives."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import random
from datetime import date, datetime
from pathlib import Path

import pytest

from culturebridge.errors import UserError
from culturebridge.ingest import SourceOptions, open_source
from culturebridge.workspace import Workspace
from tests.conftest import IngestBytes
from tests.helpers import assert_conserved, lake_rows, rejects_of

HEADER = b"user_id,item_id,type,ts,value,channel\n"
ROWS = b"".join(f"u{i},i{i},play,2024-01-0{i}T10:00:00,{i},app\n".encode() for i in range(1, 6))


def pseudonym(ws: Workspace, raw: str) -> str:
    return "u" + hmac.new(ws.config.secret.encode(), raw.encode(), hashlib.sha256).hexdigest()[:32]


# --------------------------------------------------------------------------- a file cut short


LAST = b'u9,i9,play,2024-03-04T05:06:07,3.5,"mini, program"'


def _read(path: Path) -> tuple[list[int], list[tuple[int, str]]]:
    """What the reader makes of a file: the line of every row it passes on, and the rejects."""
    source = open_source(path, SourceOptions())
    lines: list[int] = []
    rejects: list[tuple[int, str]] = []
    for batch, early in source.batches(1_000):
        lines += [int(x) for x in batch.lines]
        rejects += [(x.line, x.reason) for x in early]
    return lines, rejects


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
def test_a_file_cut_at_every_byte_of_its_last_line_never_passes_a_partial_row(
    tmp_path: Path, newline: bytes
) -> None:
    last = LAST + newline
    head = (HEADER + ROWS).replace(b"\n", newline)
    path = tmp_path / "cut.csv"
    for cut in range(len(last) + 1):
        part = last[:cut]
        path.write_bytes(head + part)
        lines, rejects = _read(path)
        assert lines[:5] == [2, 3, 4, 5, 6]
        whole = part.endswith(b"\n") or (newline == b"\r\n" and part == last[:-1])
        if whole:  # the whole line arrived (a CR ends a line too): a row like any other
            assert (lines[5:], rejects) == ([7], []), cut
        elif part.strip():
            assert lines[5:] == [], f"a partial row was passed on when cut at byte {cut}: {part!r}"
            ((line, reason),) = rejects
            assert line == 7
            assert "no line ending" in reason or "unterminated quote" in reason, reason
        else:
            assert (lines[5:], rejects) == ([], []), cut


@pytest.mark.parametrize("cut", [4, 20, 40, len(LAST) - 1, len(LAST)])
def test_a_cut_file_through_the_whole_ingest(
    ws: Workspace, ingest_bytes: IngestBytes, cut: int
) -> None:
    r = ingest_bytes("events", "cut.csv", HEADER + ROWS + LAST[:cut])
    assert_conserved(r)
    assert (r.read, r.accepted, r.rejected) == (6, 5, 1)
    assert [x["line"] for x in rejects_of(ws, r)] == [7]
    assert pseudonym(ws, "u9") not in {row["user_id"] for row in lake_rows(ws, "events")}
    assert rejects_of(ws, r)[0]["raw"] == LAST[:cut].decode()


def test_a_cut_jsonl_file_never_passes_a_partial_object(tmp_path: Path) -> None:
    last = b'{"user_id": "u9", "item_id": "i9", "type": "play", "ts": "2024-03-04T05:06:07"}\n'
    path = tmp_path / "cut.jsonl"
    first = b'{"user_id": "u1", "item_id": "i1", "type": "play", "ts": "2024-01-01T10:00:00"}\n'
    for cut in range(len(last) + 1):
        path.write_bytes(first + last[:cut])
        lines, rejects = _read(path)
        # a JSON object is whole or invalid: only a cut that keeps the closing brace passes it
        whole = cut >= len(last) - 1
        assert lines == ([1, 2] if whole else [1]), cut
        assert [x for x, _ in rejects] == ([] if whole or not last[:cut].strip() else [2]), cut


def test_an_unterminated_quote_at_the_end_is_rejected(
    ws: Workspace, ingest_bytes: IngestBytes
) -> None:
    data = HEADER + ROWS + b'u9,i9,play,"2024-03-04T05:06:07,1,app\n'
    r = ingest_bytes("events", "q.csv", data)
    assert (r.read, r.accepted, r.rejected) == (6, 5, 1)
    (rej,) = rejects_of(ws, r)
    assert rej["line"] == 7
    assert rej["reason"].startswith("unterminated quote")
    # a quote that spans lines and closes is a value with a newline, not an error
    data = HEADER + b'u8,i8,play,2024-03-04T05:06:07,1,"two\nlines"\n'
    r = ingest_bytes("events", "ok.csv", data)
    assert (r.accepted, r.rejected) == (1, 0)


def test_cr_only_line_endings_are_read(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    data = (HEADER + ROWS).replace(b"\n", b"\r")
    r = ingest_bytes("events", "mac.csv", data)
    assert (r.read, r.accepted, r.rejected) == (5, 5, 0)
    bad = (HEADER + ROWS + b"u9,i9,zap,2024-01-01,1,app\n").replace(b"\n", b"\r")
    r = ingest_bytes("events", "mac2.csv", bad)
    (rej,) = rejects_of(ws, r)
    assert (rej["line"], rej["raw"]) == (7, "u9,i9,zap,2024-01-01,1,app")


def test_a_truncated_gzip_fails_with_one_line_and_commits_nothing(
    ws: Workspace, ingest_bytes: IngestBytes
) -> None:
    rng = random.Random(7)
    body = HEADER + b"".join(
        f"u{rng.randrange(10**9)},i{rng.randrange(10**6)},play,2024-01-01T10:00:00,1,app\n".encode()
        for _ in range(60_000)
    )
    packed = gzip.compress(body)
    with pytest.raises(UserError, match=r"truncated or damaged compressed file"):
        ingest_bytes("events", "cut.csv.gz", packed[: len(packed) * 3 // 4])
    assert ws.manifest().version == 0
    with pytest.raises(UserError, match=r"cannot read"):
        ingest_bytes("events", "tiny.csv.gz", gzip.compress(HEADER + ROWS)[:-12])
    assert ws.manifest().version == 0


# --------------------------------------------------------------------------- values


def test_timestamps_before_the_floor_are_rejected_unless_it_is_moved(
    ws: Workspace, ingest_bytes: IngestBytes
) -> None:
    data = HEADER + b"u1,i1,play,1999-12-31T23:59:59,1,app\nu2,i2,play,2000-01-01,1,app\n"
    r = ingest_bytes("events", "old.csv", data)
    assert (r.accepted, r.rejected) == (1, 1)
    (rej,) = rejects_of(ws, r)
    assert rej["reason"].startswith("ts before 2000-01-01 (the earliest plausible time")
    # the mapping's floor, then the call's, then the workspace's
    r = ingest_bytes("events", "old.csv", data, mapping="earliest = 1990-01-01\n")
    assert (r.accepted, r.duplicates, r.rejected) == (1, 1, 0)
    r = ingest_bytes(
        "events", "old2.csv", data.replace(b"1999", b"1989"), earliest=date(1980, 1, 1)
    )
    assert (r.accepted, r.rejected) == (1, 0)
    ws.config.ingest.earliest = date(1900, 1, 1)
    r = ingest_bytes("events", "old3.csv", data.replace(b"1999", b"1901"))
    assert (r.accepted, r.rejected) == (1, 0)


def test_impossible_utc_offsets_and_nul_bytes_are_rejected(
    ws: Workspace, ingest_bytes: IngestBytes
) -> None:
    data = HEADER + (
        b"u1,i1,play,2024-01-01T10:00:00+25:00,1,app\n"
        b"u2,i2,play,2024-01-01T10:00:00-14:00,1,app\n"
        b"u3,i3,play,2024-01-01T10:00:00+05:75,1,app\n"
        b"u4,i4,play,2024-01-01 10:00:00+0530,1,app\n"
        b"u\x005,i5,play,2024-01-01T10:00:00,1,app\n"
        b"u6,i\x006,play,2024-01-01T10:00:00,1,app\n"
    )
    r = ingest_bytes("events", "tz.csv", data)
    assert_conserved(r)
    reasons = {x["line"]: x["reason"] for x in rejects_of(ws, r)}
    assert reasons == {
        2: "ts has an impossible UTC offset: 2024-01-01T10:00:00+25:00",
        4: "ts has an impossible UTC offset: 2024-01-01T10:00:00+05:75",
        6: "user_id contains a NUL byte",
        7: "item_id contains a NUL byte",
    }
    stamps = sorted(row["ts"] for row in lake_rows(ws, "events"))
    assert stamps == [datetime(2024, 1, 1, 4, 30), datetime(2024, 1, 2, 0, 0)]


# --------------------------------------------------------------------------- mixed encodings

WECHAT = "\u5fae\u4fe1\u5c0f\u7a0b\u5e8f"  # 微信小程序
MOJIBAKE = ("\u00c3", "\u00e5\u00be", "\u00e6")  # what UTF-8 or GB18030 read as latin-1 looks like


def _mixed_lines(encodings: list[str]) -> bytes:
    out = [HEADER]
    for i, enc in enumerate(encodings):
        out.append(f"u{i},i{i},play,2024-01-01T10:00:{i:02d},1,{WECHAT}\n".encode(enc))
    return b"".join(out)


@pytest.mark.parametrize(
    ("encodings", "label"),
    [
        (["gb18030"] * 6 + ["utf-8"] * 4, "utf-8+gb18030"),  # the case the issue reported
        (["utf-8"] * 9 + ["gb18030"], "utf-8+gb18030"),
        (["gb18030", "utf-8"] * 5, "utf-8+gb18030"),
        (["gb18030"] * 10, "gb18030"),
    ],
)
def test_each_line_is_decoded_in_its_own_encoding(
    ws: Workspace, ingest_bytes: IngestBytes, encodings: list[str], label: str
) -> None:
    r = ingest_bytes("events", "mixed.csv", _mixed_lines(encodings))
    assert (r.read, r.accepted, r.rejected) == (10, 10, 0)
    assert r.files[0].encoding == label
    assert {row["channel"] for row in lake_rows(ws, "events")} == {WECHAT}


def test_latin1_lines_among_utf8_ones(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    body = (
        b"item_id,kind,title_en\n"
        + "m1,film,Les Mis\u00e9rables\n".encode()
        + "m2,film,Am\u00e9lie, caf\u00e9\n".replace(", ", " ").encode("latin-1")
        + "m3,film,\u00a35 a ticket\n".encode("latin-1")
    )
    r = ingest_bytes("items", "titles.csv", body)
    assert r.files[0].encoding == "utf-8+latin-1"
    titles = {row["item_id"]: row["title_en"] for row in lake_rows(ws, "items")}
    assert titles == {
        "m1": "Les Mis\u00e9rables",
        "m2": "Am\u00e9lie caf\u00e9",
        "m3": "\u00a35 a ticket",
    }


def test_a_line_in_no_clear_encoding_is_rejected_never_stored_as_mojibake(
    ws: Workspace, ingest_bytes: IngestBytes
) -> None:
    data = _mixed_lines(["utf-8"] * 4) + b"u9,i9,play,2024-01-01T10:00:00,1,\xff\xfe\xfd\n"
    r = ingest_bytes("events", "bad.csv", data)
    assert (r.read, r.accepted, r.rejected) == (5, 4, 1)
    (rej,) = rejects_of(ws, r)
    assert rej["line"] == 6
    assert rej["reason"].startswith("invalid bytes in channel (the line is not UTF-8")
    assert rej["raw"] == "u9,i9,play,2024-01-01T10:00:00,1,\\xff\\xfe\\xfd"
    for row in lake_rows(ws, "events"):
        assert not any(m in row["channel"] for m in MOJIBAKE), row


def test_jsonl_lines_in_their_own_encoding(ws: Workspace, ingest_bytes: IngestBytes) -> None:
    lines = [
        f'{{"user_id": "u{i}", "item_id": "i1", "type": "play", "ts": "2024-01-01", '
        f'"channel": "{WECHAT}"}}\n'.encode(enc)
        for i, enc in enumerate(["utf-8", "gb18030", "utf-8", "utf-8"])
    ]
    lines.append(
        b'{"user_id": "u9", "item_id": "i1", "type": "play", "ts": "2024-01-01", '
        b'"channel": "\xff\xfe\xfd"}\n'
    )
    r = ingest_bytes("events", "mixed.jsonl", b"".join(lines))
    assert (r.read, r.accepted, r.rejected) == (5, 4, 1)
    assert r.files[0].encoding == "utf-8+gb18030"
    assert {row["channel"] for row in lake_rows(ws, "events")} == {WECHAT}
    (rej,) = rejects_of(ws, r)
    assert rej["line"] == 5
    assert rej["reason"].startswith("invalid bytes")


def test_an_explicit_encoding_still_decodes_the_whole_file(
    ws: Workspace, ingest_bytes: IngestBytes
) -> None:
    data = _mixed_lines(["gb18030"] * 3)
    r = ingest_bytes("events", "gb.csv", data, encoding="gb18030")
    assert (r.accepted, r.files[0].encoding) == (3, "gb18030")
    r = ingest_bytes(
        "events",
        "u8.csv",
        _mixed_lines(["utf-8"] * 2)
        + _mixed_lines(["gb18030"])[len(HEADER) :].replace(b"u0,", b"u7,"),
        encoding="utf-8",
    )
    assert (r.duplicates, r.rejected) == (2, 1)  # the two UTF-8 rows came with gb.csv
    (rej,) = rejects_of(ws, r)
    assert rej["reason"].startswith("invalid bytes in channel for the file encoding (utf-8)")
