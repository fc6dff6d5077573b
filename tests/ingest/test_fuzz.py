"""Malformed rows thrown at ingest (Hypothesis): counts are conserved, every rejected row is
reported on its own line, and nothing that breaks the schema reaches the lake.

Each generated field carries what the ingest must make of it (its typed value, or "invalid"),
so the test holds an independent oracle of which rows are valid, which are duplicates of
each other and what the lake must contain afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from culturebridge.ingest import IngestResult, Mapping, SourceOptions, ingest
from culturebridge.schema import EVENT_TYPES, FUTURE_TOLERANCE_DAYS, MIN_TIMESTAMP
from culturebridge.workspace import Workspace
from tests.helpers import lake_rows, rejects_of

COLUMNS = ["user_id", "item_id", "ts", "type", "value"]
NCOL = len(COLUMNS)
INVALID = object()
"""The typed value of a field that must get its row rejected."""

FUZZ_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure here is reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class Field:
    raw: bytes
    """The bytes written to the file for this field (quoted where needed)."""
    parsed: bytes
    """What a CSV parser gives back for it."""
    value: Any
    """The typed value validation must produce (None for no value), or INVALID."""


def csv_field(text: bytes, *, quote: bool = False) -> bytes:
    if quote or any(c in text for c in (b",", b'"', b"\n", b"\r")):
        return b'"' + text.replace(b'"', b'""') + b'"'
    return text


def id_value(parsed: bytes) -> Any:
    """Ids: text after decoding, BOM removal and trimming of spaces; undecodable bytes and
    missing ids are invalid (both columns are required)."""
    try:
        text = parsed.decode("utf-8")
    except UnicodeDecodeError:
        return INVALID
    text = text.replace("\ufeff", "").strip(" ")
    return text or INVALID


# --------------------------------------------------------------------------- strategies

ID_ALPHABET = string.ascii_letters + string.digits + "-_:.@\u4e2d\u6587\u00e9"


@st.composite
def id_fields(draw: st.DrawFn) -> Field:
    kind = draw(
        st.sampled_from(
            ["plain"] * 3
            + ["padded", "quoted", "comma", "newline", "quote", "long"]
            + ["empty", "spaces", "bad_bytes", "gb18030", "latin1"]
        )
    )
    core = draw(st.text(alphabet=ID_ALPHABET, min_size=1, max_size=10))
    if kind == "plain":
        parsed = core.encode()
    elif kind == "padded":
        parsed = f"  {core} ".encode()
    elif kind == "quoted":
        return Field(csv_field(core.encode(), quote=True), core.encode(), core)
    elif kind == "comma":
        parsed = f"{core},{core}".encode()
    elif kind == "newline":
        parsed = f"{core}\n{core}".encode()
    elif kind == "quote":
        parsed = f'{core}"x'.encode()
    elif kind == "long":
        parsed = (core * 400)[:2000].encode()
    elif kind == "empty":
        parsed = b""
    elif kind == "spaces":
        parsed = b"   "
    elif kind == "bad_bytes":
        parsed = b"\xff\xfe" + core.encode()
    elif kind == "gb18030":
        parsed = ("\u7528\u6237" + core).encode("gb18030")
    else:
        parsed = ("\u00e9" + core).encode("latin-1", errors="replace")
    return Field(csv_field(parsed), parsed, id_value(parsed))


NOW = datetime.now(UTC).replace(tzinfo=None)
FLOOR = datetime.fromisoformat(MIN_TIMESTAMP)  # the default earliest plausible time
LATEST = NOW + timedelta(days=FUTURE_TOLERANCE_DAYS)

BAD_TIMESTAMPS = [
    "",
    "yesterday",
    "2024-13-01 00:00:00",
    "2021-02-29",
    "2020-01-01T25:00:00",
    "9999-12-31 23:59:59",
    "1969-12-31 23:59:59",
    "0001-01-01",
    (NOW + timedelta(days=FUTURE_TOLERANCE_DAYS + 30)).strftime("%Y-%m-%d %H:%M:%S"),
]


@st.composite
def ts_fields(draw: st.DrawFn) -> Field:
    if draw(st.integers(0, 4)) == 0:
        text = draw(st.sampled_from(BAD_TIMESTAMPS))
        return Field(text.encode(), text.encode(), INVALID)
    dt = draw(
        st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2025, 6, 30, 23, 59, 59))
    )
    fmt = draw(st.sampled_from(["space", "iso_z", "offset", "date", "micro"]))
    if fmt == "space":
        dt = dt.replace(microsecond=0)
        text = dt.strftime("%Y-%m-%d %H:%M:%S")
    elif fmt == "iso_z":
        dt = dt.replace(microsecond=0)
        text = dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    elif fmt == "offset":
        dt = dt.replace(microsecond=0)
        hours = draw(st.integers(-12, 14))
        local = dt + timedelta(hours=hours)
        sign = "+" if hours >= 0 else "-"
        text = local.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{abs(hours):02d}:00"
    elif fmt == "date":
        dt = datetime.combine(dt.date(), datetime.min.time())
        text = dt.strftime("%Y-%m-%d")
    else:
        text = dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    return Field(text.encode(), text.encode(), dt if dt >= FLOOR else INVALID)


@st.composite
def type_fields(draw: st.DrawFn) -> Field:
    kind = draw(st.integers(0, 9))
    if kind < 6:
        t = draw(st.sampled_from(EVENT_TYPES))
        text = f" {t} " if kind == 5 else t
        return Field(text.encode(), text.encode(), t)
    if kind == 6:
        text = draw(st.sampled_from(["", "RATE", "Rate", "zap", "\u8bc4\u5206"])).encode()
        return Field(text, text, INVALID)
    if kind == 7:  # broken quoting: a quote inside an unquoted field, text after a closing one
        raw = draw(st.sampled_from([b'rate"x', b'"rate"x', b'"view"  "']))
        return Field(raw, raw, INVALID)
    if kind == 8:
        raw = b"ra\xfft" + b"e"
        return Field(raw, raw, INVALID)
    raw = csv_field(b"rate", quote=True)
    return Field(raw, b"rate", "rate")


VALID_VALUES = ["", "0", "3", "3.0", "-2.5e3", " 7 ", "1e9", "-1e9", "+5", ".5"]
BAD_VALUES = [
    "abc",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "1e12",
    "-1e300",
    "9" * 400,
    "1.5.2",
    "1,5",
    "0x10",
    "1e9.5",
]


@st.composite
def value_fields(draw: st.DrawFn) -> Field:
    kind = draw(st.integers(0, 5))
    if kind == 0:
        text = draw(st.sampled_from(BAD_VALUES)).encode()
        return Field(csv_field(text), text, INVALID)
    if kind == 1:
        text = draw(st.sampled_from(VALID_VALUES))
        return Field(text.encode(), text.encode(), float(text) if text.strip() else None)
    x = draw(
        st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_subnormal=False)
        | st.integers(-(10**9), 10**9).map(float)
    )
    text = repr(x).encode()
    return Field(text, text, x)


@dataclass(frozen=True)
class Record:
    fields: tuple[Field, ...]
    """What goes on the line; may be fewer or more than NCOL (ragged)."""
    blank: str | None = None
    """For a line that holds no record: its text (empty or spaces)."""

    def serialise(self, newline: bytes) -> bytes:
        if self.blank is not None:
            return self.blank.encode() + newline
        return b",".join(f.raw for f in self.fields) + newline

    @property
    def is_row(self) -> bool:
        """Blank lines and lines with no values at all (only delimiters) are not rows.

        A short record can be blank too: a lone empty or all-spaces first field."""
        if self.blank is not None or not b",".join(f.raw for f in self.fields).strip():
            return False
        return not (len(self.fields) == NCOL and all(f.parsed == b"" for f in self.fields))

    @property
    def expected(self) -> tuple[Any, ...] | None:
        """The typed row the lake must hold for this record, or None when it must be rejected."""
        if len(self.fields) > NCOL and any(f.parsed.strip() for f in self.fields[NCOL:]):
            return None  # extra non-empty fields
        padded = list(self.fields[:NCOL])
        padded += [Field(b"", b"", None)] * (NCOL - len(padded))
        user, item, ts, type_, value = padded
        for name, f in zip(COLUMNS, padded, strict=True):
            if f.value is INVALID:
                return None
            if name != "value" and f.value is None:
                return None  # required (a padded field is missing)
        return (user.value, item.value, ts.value, type_.value, value.value)


@st.composite
def records(draw: st.DrawFn) -> Record:
    shape = draw(
        st.sampled_from(["ok"] * 10 + ["short", "extra_empty", "extra", "blank", "spaces"])
    )
    if shape == "blank":
        return Record((), blank="")
    if shape == "spaces":
        return Record((), blank="   ")
    fields = [
        draw(id_fields()),
        draw(id_fields()),
        draw(ts_fields()),
        draw(type_fields()),
        draw(value_fields()),
    ]
    if shape == "short":
        fields = fields[: draw(st.integers(1, NCOL - 1))]
    elif shape == "extra_empty":
        fields += [Field(b"", b"", None)] * draw(st.integers(1, 2))
    elif shape == "extra":
        fields += [Field(b"junk", b"junk", INVALID)]
    return Record(tuple(fields))


files = st.tuples(
    st.lists(records(), min_size=1, max_size=40),
    st.booleans(),  # a BOM before the header
    st.sampled_from([b"\n", b"\r\n"]),
)


# --------------------------------------------------------------------------- checks


def write(path: Path, recs: list[Record], bom: bool, newline: bytes) -> list[int]:
    """Write the file; return each record's first physical line."""
    out = [(b"\xef\xbb\xbf" if bom else b"") + ",".join(COLUMNS).encode() + newline]
    starts = []
    line = 2
    for rec in recs:
        chunk = rec.serialise(newline)
        starts.append(line)
        line += chunk.count(b"\n")
        out.append(chunk)
    path.write_bytes(b"".join(out))
    return starts


def pseudonym(ws: Workspace, raw: str) -> str:
    return "u" + hmac.new(ws.config.secret.encode(), raw.encode(), hashlib.sha256).hexdigest()[:32]


def assert_lake_rows_meet_the_schema(ws: Workspace) -> list[dict[str, Any]]:
    rows = lake_rows(ws, "events")
    ids = [r["event_id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate keys in the lake"
    for r in rows:
        for col in ("event_id", "ts", "user_id", "item_id", "type"):
            assert r[col] is not None, (col, r)
        assert r["type"] in EVENT_TYPES, r
        assert FLOOR <= r["ts"] <= LATEST + timedelta(days=1), r
        assert r["value"] is None or (math.isfinite(r["value"]) and abs(r["value"]) <= 1e9), r
        assert r["user_id"].startswith("u") and len(r["user_id"]) == 33, r
    return rows


def conserved(r: IngestResult) -> None:
    assert r.read == r.accepted + r.rejected + r.duplicates
    for f in r.files:
        assert f.read == f.accepted + f.rejected + f.duplicates


MAPPING = Mapping(source=SourceOptions(format="csv", encoding="utf-8", delimiter=","))


@FUZZ_SETTINGS
@given(data=files)
def test_malformed_rows_against_an_oracle(
    tmp_path_factory: pytest.TempPathFactory, data: tuple[list[Record], bool, bytes]
) -> None:
    recs, bom, newline = data
    folder = tmp_path_factory.mktemp("fuzz")
    ws = Workspace.create(folder / "ws")
    path = folder / "events.csv"
    starts = write(path, recs, bom, newline)

    rows = [(rec, line) for rec, line in zip(recs, starts, strict=True) if rec.is_row]
    valid = [rec.expected for rec, _ in rows if rec.expected is not None]
    invalid_lines = sorted(line for rec, line in rows if rec.expected is None)
    distinct = set(valid)

    r = ingest(ws, "events", [path], mapping=MAPPING)
    conserved(r)
    assert r.read == len(rows), "rows read must equal the non-blank records written"
    assert r.rejected == len(invalid_lines)
    assert sorted(x["line"] for x in rejects_of(ws, r)) == invalid_lines
    assert r.accepted == len(distinct)
    assert r.duplicates == len(valid) - len(distinct)

    lake = assert_lake_rows_meet_the_schema(ws)
    expected_lake = {(pseudonym(ws, u), i, ts, t, v) for (u, i, ts, t, v) in distinct}
    got = {(x["user_id"], x["item_id"], x["ts"], x["type"], x["value"]) for x in lake}
    assert got == expected_lake

    again = ingest(ws, "events", [path], mapping=MAPPING)
    conserved(again)
    assert (again.read, again.accepted, again.rejected) == (r.read, 0, r.rejected)
    assert again.duplicates == r.read - r.rejected
    assert len(lake_rows(ws, "events")) == len(distinct)


@st.composite
def mixed_encoding_lines(draw: st.DrawFn) -> bytes:
    """Lines whose non-ASCII text is in UTF-8, GB18030 or latin-1, or is raw noise."""
    text = draw(st.text(alphabet=ID_ALPHABET + "\u597d\u7684\u8bc4\u8bba\u00fc ", max_size=8))
    enc = draw(st.sampled_from(["utf-8", "utf-8", "gb18030", "latin-1", "noise"]))
    if enc == "noise":
        noise = draw(st.binary(max_size=6))
        return noise.translate(None, delete=b'\n\r"')
    return text.encode(enc, errors="replace")


@FUZZ_SETTINGS
@given(
    lines=st.lists(
        st.tuples(mixed_encoding_lines(), mixed_encoding_lines(), ts_fields(), type_fields()),
        min_size=1,
        max_size=30,
    )
)
def test_mixed_encodings_keep_the_invariants(
    tmp_path_factory: pytest.TempPathFactory, lines: list[tuple[bytes, bytes, Field, Field]]
) -> None:
    """With the encoding left to detection: whatever is decided, counts are conserved, the
    number of rows is the number of records, and only schema-valid rows reach the lake."""
    folder = tmp_path_factory.mktemp("mixed")
    ws = Workspace.create(folder / "ws")
    body = [b"user_id,item_id,ts,type"]
    n_rows = 0
    for user, item, ts, type_ in lines:
        cells = [csv_field(user), csv_field(item), ts.raw, type_.raw]
        if all(c == b"" for c in (user, item, ts.parsed, type_.parsed)):
            continue
        body.append(b",".join(cells))
        n_rows += 1
    path = folder / "mixed.csv"
    path.write_bytes(b"\n".join(body) + b"\n")
    r = ingest(ws, "events", [path])
    conserved(r)
    assert r.read == n_rows
    assert len(rejects_of(ws, r)) == r.rejected
    lake = assert_lake_rows_meet_the_schema(ws)
    assert len(lake) == r.accepted


def test_oracle_sanity() -> None:
    """The oracle itself, on rows whose fate is known by hand."""
    ok = Record(
        (
            Field(b"u", b"u", "u"),
            Field(b"i", b"i", "i"),
            Field(b"2020-01-01", b"2020-01-01", datetime(2020, 1, 1)),
            Field(b"rate", b"rate", "rate"),
            Field(b"", b"", None),
        )
    )
    assert ok.is_row and ok.expected == ("u", "i", datetime(2020, 1, 1), "rate", None)
    short = Record(ok.fields[:4])
    assert short.expected == ok.expected
    assert Record(ok.fields[:3]).expected is None  # `type` is missing
    assert Record((*ok.fields, Field(b"", b"", None))).expected == ok.expected
    assert Record((*ok.fields, Field(b"x", b"x", INVALID))).expected is None
    assert not Record((), blank="").is_row
    assert not Record((Field(b"   ", b"   ", INVALID),)).is_row
    assert not Record(tuple(Field(b"", b"", None) for _ in range(NCOL))).is_row
    assert id_value(b"\xff") is INVALID and id_value(b"  a ") == "a"
