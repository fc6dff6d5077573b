"""Readers: turn a user's file into batches of raw columns, each row tagged with its line number.

Text formats are read as *bytes* per value (no decoding errors can abort a file); decoding and
type checks happen per value in validation, so one bad row is rejected and the rest go on.
Files in GB18030 or latin-1 are transcoded to UTF-8 on the fly, with undecodable bytes kept
undecodable so that validation rejects exactly those rows.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from culturebridge.config import get_settings
from culturebridge.errors import UserError
from culturebridge.ingest._mapping import SourceOptions

SAMPLE_BYTES = 1 << 20
_DELIMITERS = (",", "\t", "|", ";")
_PYTHON_ENCODING = {
    "utf-8": "utf-8",
    "gb18030": "gb18030",
    "latin-1": "latin-1",
    "utf-16": "utf-16",
}


@dataclass
class Reject:
    """A row that could not be accepted: where it was, what it said, and why."""

    line: int
    reason: str
    raw: str | None = None
    span: int = 1


@dataclass
class RawBatch:
    """Raw source columns for a run of rows, with each row's line number and line span."""

    data: pa.Table
    lines: np.ndarray
    spans: np.ndarray | None = None


@dataclass
class SourceInfo:
    path: Path
    format: str
    encoding: str
    delimiter: str | None = None
    columns: list[str] = field(default_factory=list)
    size: int = 0


ProgressFn = Callable[[int], None]


class Source(Protocol):
    info: SourceInfo
    columns: list[str]

    def batches(self, rows: int) -> Iterator[tuple[RawBatch, list[Reject]]]: ...

    def raw_cursor(self) -> RawCursor: ...

    def position(self) -> int: ...


class RawCursor(Protocol):
    """Reads the original text of rejected rows in one forward pass over the source."""

    def take(self, spans: list[tuple[int, int]]) -> dict[int, str]:
        """Text for (line, number of lines) pairs given in increasing line order."""
        ...

    def close(self) -> None: ...


class LineCursor:
    """Forward-only access to a text file's physical lines (split on LF, as the parser does)."""

    def __init__(self, path: Path, reading: _Reading) -> None:
        self._stream, self._raw, _ = _text_stream(path, reading)
        self._line = 0  # last line read
        self._held: dict[int, bytes] = {}

    def take(self, spans: list[tuple[int, int]]) -> dict[int, str]:
        out: dict[int, str] = {}
        for line, n in spans:
            parts: list[bytes] = []
            for k in range(line, line + n):
                while self._line < k:
                    physical = self._stream.readline()
                    if not physical:
                        break
                    self._line += 1
                    if self._line >= line:
                        self._held[self._line] = physical
                parts.append(self._held.pop(k, b""))
            self._held = {k: v for k, v in self._held.items() if k > line}
            text = b"".join(parts).rstrip(b"\r\n")
            out[line] = text.decode("utf-8", errors="backslashreplace")
        return out

    def close(self) -> None:
        self._stream.close()
        self._raw.close()


# --------------------------------------------------------------------------- detection


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _open_binary(path: Path) -> tuple[IO[bytes], IO[bytes]]:
    """(stream of the file's content, the underlying file for progress by compressed bytes)."""
    raw: IO[bytes] = path.open("rb")
    if _is_gzip(path):
        return cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb")), raw
    return raw, raw


def _sample(path: Path) -> bytes:
    stream, raw = _open_binary(path)
    try:
        return stream.read(SAMPLE_BYTES)
    except (OSError, EOFError) as exc:
        raise UserError(f"{path}: cannot read: {exc}") from None
    finally:
        raw.close()


def detect_format(path: Path, sample: bytes, requested: str) -> str:
    if requested != "auto":
        return requested
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".parquet", ".pq")) or sample[:4] == b"PAR1":
        return "parquet"
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".tsv", ".tab")):
        return "tsv"
    if sample.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        return "jsonl"
    return "csv"


def detect_encoding(sample: bytes, requested: str) -> str:
    """UTF-8 unless the bytes say otherwise.

    Decided per line, not per file: a UTF-8 file with a few rows in another encoding stays
    UTF-8 (those rows are rejected), rather than being misread whole as GB18030, which decodes
    almost any byte sequence into plausible-looking Chinese.
    """
    if requested != "auto":
        return requested
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    lines = sample.split(b"\n")
    if len(sample) >= SAMPLE_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut mid-character
    non_ascii = [ln for ln in lines if not ln.isascii()]
    if not non_ascii:
        return "utf-8"
    ok = 0
    for ln in non_ascii:
        try:
            ln.decode("utf-8")
            ok += 1
        except UnicodeDecodeError:
            pass
    if ok * 2 >= len(non_ascii):
        return "utf-8"
    # Latin-1 text has lone high bytes between ASCII letters (Mis\xe9rables); GB18030 has pairs.
    runs = re.findall(rb"[\x80-\xff]+", b"\n".join(non_ascii))
    if sum(len(r) == 1 for r in runs) * 2 > len(runs):
        return "latin-1"
    try:
        text = b"\n".join(non_ascii).decode("gb18030")
        if any("\u4e00" <= ch <= "\u9fff" for ch in text):
            return "gb18030"
    except UnicodeDecodeError:
        pass
    return "latin-1"


def sniff_delimiter(text: str) -> str:
    """The candidate delimiter that splits the first lines most consistently."""
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if not lines:
        return ","
    best, best_score = ",", 0.0
    for cand in _DELIMITERS:
        counts = [ln.count(cand) for ln in lines]
        mode = max(set(counts), key=counts.count)
        if mode == 0:
            continue
        score = counts.count(mode) / len(counts) + (0.01 if cand == "," else 0.0)
        if score > best_score:
            best, best_score = cand, score
    return best


# Undecodable bytes on their way through the CSV parser: each bad byte 0xNN becomes the
# private-use code point U+10FF00+0xNN (valid UTF-8, so the parser and its error handler cope),
# and `unmark` turns it back into the original byte before validation, which rejects the row.
_MARK_BASE = 0x10FF00
_MARK_PATTERN = "[\U0010ff00-\U0010ffff]"
_marks = [0]


def _mark_errors(err: UnicodeError) -> tuple[str, int]:
    assert isinstance(err, UnicodeDecodeError)
    _marks[0] += 1
    return "".join(chr(_MARK_BASE + b) for b in err.object[err.start : err.end]), err.end


codecs.register_error("culturebridge-mark", _mark_errors)


def unmark(text: str) -> bytes:
    """The original bytes of a text that may hold marked undecodable bytes."""
    out = bytearray()
    for ch in text:
        code = ord(ch)
        if code >= _MARK_BASE:
            out.append(code - _MARK_BASE)
        else:
            out += ch.encode("utf-8", errors="surrogateescape")
    return bytes(out)


def unmark_column(col: pa.ChunkedArray | pa.Array) -> pa.Array | pa.ChunkedArray:
    """A binary column with marked cells restored to their original bytes."""
    has = pc.match_substring_regex(col, _MARK_PATTERN)
    if not pc.any(has).as_py():
        return col
    return pa.array(
        [None if v is None else unmark(v.decode("utf-8")) for v in col.to_pylist()], pa.binary()
    )


def _high_runs(line: bytes) -> list[bytes]:
    return re.findall(rb"[\x80-\xff]+", line)


def _legacy_decode(line: bytes, fallback: str | None) -> tuple[str, str] | None:
    """(text, encoding) of a line that is not UTF-8, when it is clearly GB18030 or latin-1 text;
    None when it is neither (the line's row is then rejected, never stored as mojibake).

    `fallback` is what the file's other non-UTF-8 lines are; without one, the bytes decide:
    GB18030 characters are pairs of high bytes, latin-1 letters lone high bytes between ASCII.
    """
    runs = _high_runs(line)
    single = sum(len(r) == 1 for r in runs)
    latin_like = bool(runs) and single * 2 > len(runs)
    gb: str | None = None
    try:
        text = line.decode("gb18030")
        cjk = sum("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in text)
        gb = text if cjk else None
    except UnicodeDecodeError:
        cjk = 0
    if fallback == "latin-1":
        # a latin-1 file's line is latin-1 unless it is plainly Chinese: paired bytes only
        if gb is not None and single == 0 and cjk >= 2:
            return gb, "gb18030"
        return line.decode("latin-1"), "latin-1"
    if gb is not None and (fallback == "gb18030" or not latin_like):
        return gb, "gb18030"
    if latin_like:
        return line.decode("latin-1"), "latin-1"
    return None


class _Transcoder(io.RawIOBase):
    """A byte stream re-encoded to UTF-8 for the parsers.

    With a fixed encoding, the file is decoded with it. With `auto` (UTF-8 with legacy lines),
    each line is decoded on its own: UTF-8 when it is valid UTF-8, else GB18030 or latin-1 when
    the line is clearly that (see `_legacy_decode`), else its bytes stay undecodable. Undecodable
    bytes are marked (see `unmark`) so validation rejects exactly those rows, or, with
    `errors="surrogateescape"`, passed through as they were (for reading back raw text).
    Valid UTF-8 chunks pass through untouched, so the common case costs one validating decode.
    CR-only line endings (old Mac files) become LF. The stream remembers its last bytes, so the
    reader can tell whether the file ends in the middle of a line or of a quoted value.
    """

    TAIL = 1 << 20

    def __init__(
        self,
        inner: IO[bytes],
        encoding: str,
        errors: str = "culturebridge-mark",
        *,
        auto: bool = False,
        cr_only: bool = False,
    ) -> None:
        self._inner = inner
        self._encoding = encoding
        self._auto = auto
        self._utf8 = encoding == "utf-8"
        self._errors = errors
        self._decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
        self._cr_only = cr_only
        self._buf = b""
        self._eof = False
        self._first = True
        self._pending = b""
        self.marked = False
        self.fallback: str | None = None if encoding == "utf-8" else encoding
        self.seen: dict[str, int] = {}
        """Lines decoded per encoding other than plain UTF-8 (auto mode)."""
        self._last: list[bytes] = []  # the last two pieces given out

    def readable(self) -> bool:
        return True

    @property
    def tail(self) -> bytes:
        """The last bytes given out (up to `TAIL`), for checks on the file's last record."""
        return b"".join(self._last)[-self.TAIL :]

    def encodings(self) -> str:
        """What the lines were in: "utf-8", "gb18030", or "utf-8+gb18030" for a mixed file."""
        if not self._auto:
            return self._encoding
        used = [e for e in ("gb18030", "latin-1") if self.seen.get(e)]
        if not used:
            return "utf-8"
        return "+".join((["utf-8"] if self.seen.get("utf-8") else []) + used)

    def _read_chunk(self) -> bytes:
        chunk = self._inner.read(1 << 20)
        if self._cr_only and chunk and self._encoding != "utf-16":
            chunk = chunk.replace(b"\r", b"\n")
        return chunk

    def _next(self) -> bytes:
        """The next piece of UTF-8 output, or b"" at the end."""
        if self._auto:
            return self._next_lines()
        chunk = self._read_chunk()
        before = _marks[0]
        if not chunk:
            self._eof = True
            text = self._decoder.decode(b"", final=True)
            consumed = self._pending
        else:
            text = self._decoder.decode(chunk)
            tail = self._decoder.getstate()[0]
            data = self._pending + chunk
            consumed = data[: len(data) - len(tail)]
            self._pending = tail
        marked = _marks[0] != before
        self.marked = self.marked or marked
        if self._first and text:
            if text.startswith("\ufeff"):
                text = text[1:]
                consumed = consumed[3:] if consumed.startswith(codecs.BOM_UTF8) else consumed
            self._first = False
        if self._utf8 and not marked:
            return consumed
        out = text.encode("utf-8", errors="surrogateescape")
        if self._cr_only and self._encoding == "utf-16":
            out = out.replace(b"\r", b"\n")
        return out

    def _next_lines(self) -> bytes:
        """Auto mode: whole lines at a time, each in its own encoding."""
        while True:
            chunk = self._read_chunk()
            if not chunk:
                self._eof = True
                data, self._pending = self._pending, b""
                break
            self._pending += chunk
            cut = self._pending.rfind(b"\n")
            if cut >= 0:
                data = self._pending[: cut + 1]
                self._pending = self._pending[cut + 1 :]
                break
        if self._first and data:
            data = data.removeprefix(codecs.BOM_UTF8)
            self._first = False
        if data.isascii():  # the common case, checked without decoding
            return data
        try:
            data.decode("utf-8")
            return data
        except UnicodeDecodeError:
            pass
        out: list[bytes] = []
        for line in data.splitlines(keepends=True):
            try:
                line.decode("utf-8")
                self.seen["utf-8"] = self.seen.get("utf-8", 0) + (not line.isascii())
                out.append(line)
                continue
            except UnicodeDecodeError:
                pass
            found = _legacy_decode(line, self.fallback)
            if found is not None:
                text, enc = found
                self.fallback = self.fallback or enc
                self.seen[enc] = self.seen.get(enc, 0) + 1
                out.append(text.encode("utf-8"))
                continue
            before = _marks[0]
            out.append(
                line.decode("utf-8", errors=self._errors).encode("utf-8", errors="surrogateescape")
            )
            self.marked = self.marked or _marks[0] != before
        return b"".join(out)

    def readinto(self, b: Any) -> int:
        while not self._buf and not self._eof:
            piece = self._next()
            if piece:
                self._buf += piece
                self._last = [*self._last[-1:], piece]
        n = min(len(b), len(self._buf))
        b[:n] = memoryview(self._buf)[:n]
        self._buf = self._buf[n:] if n < len(self._buf) else b""
        return n


@dataclass
class _Reading:
    """How a text file is read: its encoding (or auto), and its line endings."""

    encoding: str
    auto: bool = False
    cr_only: bool = False
    fallback: str | None = None
    """In auto mode, what the sample's non-UTF-8 lines were (GB18030 or latin-1)."""

    def transcoder(self, stream: IO[bytes], errors: str = "culturebridge-mark") -> _Transcoder:
        t = _Transcoder(
            stream,
            _PYTHON_ENCODING[self.encoding],
            errors,
            auto=self.auto,
            cr_only=self.cr_only,
        )
        t.fallback = self.fallback or t.fallback
        return t

    def decode_sample(self, sample: bytes) -> str:
        """The sample as text, as the parser will see it (an undecodable byte as U+FFFD)."""
        out = self.transcoder(io.BytesIO(sample), "replace").readall()
        return out.decode("utf-8", errors="replace")


def _marking_stream(path: Path, reading: _Reading) -> tuple[IO[bytes], IO[bytes], _Transcoder]:
    """UTF-8 for the CSV parser, undecodable bytes marked; the transcoder says if any were."""
    stream, raw = _open_binary(path)
    transcoder = reading.transcoder(stream)
    return io.BufferedReader(transcoder, buffer_size=1 << 20), raw, transcoder


def _text_stream(path: Path, reading: _Reading) -> tuple[IO[bytes], IO[bytes], _Transcoder]:
    """UTF-8 bytes of the file, undecodable bytes kept as they were."""
    stream, raw = _open_binary(path)
    escaping = reading.transcoder(stream, "surrogateescape")
    return io.BufferedReader(escaping, buffer_size=1 << 20), raw, escaping


def _unique_names(names: list[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(names):
        name = raw.strip().removeprefix("\ufeff") or f"_col{i + 1}"
        base, n = name, 2
        while name in seen:
            name, n = f"{base}_{n}", n + 1
        seen.add(name)
        out.append(name)
    return out


# --------------------------------------------------------------------------- CSV / TSV


def _concat(batches: list[RawBatch]) -> RawBatch:
    if len(batches) == 1:
        return batches[0]
    spans = [b.spans for b in batches]
    return RawBatch(
        pa.concat_tables([b.data for b in batches]),
        np.concatenate([b.lines for b in batches]),
        None if any(s is None for s in spans) else np.concatenate(spans),  # type: ignore[arg-type]
    )


class CsvSource:
    """Delimited text through Arrow's streaming CSV parser, with exact line numbers.

    Arrow reports rows it cannot fit to the header through a handler; those rows are parsed
    here instead: short (ragged) rows are padded with empty values, rows with extra non-empty
    fields are rejected. Line numbers account for header, blank lines and quoted newlines.
    """

    def __init__(
        self, path: Path, options: SourceOptions, fmt: str, reading: _Reading, sample: bytes
    ):
        self._reading = reading
        text_sample = reading.decode_sample(sample).removeprefix("\ufeff")
        if options.delimiter:
            delimiter = options.delimiter
        elif fmt == "tsv":
            delimiter = "\t"
        else:
            delimiter = sniff_delimiter(text_sample)
        quote = options.quote if options.quote is not None else ('"' if delimiter in ",;" else "")
        self._quote = quote
        self._delimiter = delimiter
        self._header = options.header
        first = self._first_record(text_sample)
        if options.columns:
            names = list(options.columns)
        elif options.header:
            names = first
        else:
            names = [f"column_{i + 1}" for i in range(len(first))]
        if not names or names == [""]:
            raise UserError(f"{path}: the file is empty")
        self.columns = _unique_names(names)
        self.info = SourceInfo(
            path=path,
            format="tsv" if delimiter == "\t" else "csv",
            encoding=reading.encoding,
            delimiter=delimiter,
            columns=self.columns,
            size=path.stat().st_size,
        )
        self._raw: IO[bytes] | None = None

    def _reader(self, text: str, strict: bool = False) -> Iterator[list[str]]:
        if self._quote:
            return csv.reader(
                io.StringIO(text),
                delimiter=self._delimiter,
                quotechar=self._quote,
                strict=strict,
            )
        return csv.reader(io.StringIO(text), delimiter=self._delimiter, quoting=csv.QUOTE_NONE)

    def _first_record(self, text: str) -> list[str]:
        for row in self._reader(text):
            if row:
                return row
        return []

    def position(self) -> int:
        return self._raw.tell() if self._raw is not None and not self._raw.closed else 0

    def batches(self, rows: int) -> Iterator[tuple[RawBatch, list[Reject]]]:
        """Batches of about `rows` rows (whole parser blocks, coalesced)."""
        pending: list[RawBatch] = []
        count = 0
        for batch, rejects in self._checked(self._blocks(rows)):
            if rejects or batch.data.num_rows == 0:
                yield batch, rejects
                continue
            pending.append(batch)
            count += batch.data.num_rows
            if count >= rows:
                yield _concat(pending), []
                pending, count = [], 0
        if pending:
            yield _concat(pending), []

    def _blocks(self, rows: int) -> Iterator[tuple[RawBatch, list[Reject]]]:
        ncol = len(self.columns)
        block_bytes = get_settings().ingest.csv_block_bytes
        invalid: list[tuple[int, str]] = []

        def on_invalid(row: Any) -> str:
            invalid.append((int(row.number), row.text))
            return "skip"

        self._vnl_nums = np.zeros(0, dtype=np.int64)
        self._vnl_counts = np.zeros(0, dtype=np.int64)
        self._next_invalid = 0
        stream, self._raw, transcoder = _marking_stream(self.info.path, self._reading)
        self._transcoder = transcoder
        read_opts = pacsv.ReadOptions(
            column_names=self.columns,
            skip_rows=1 if self._header else 0,
            use_threads=False,
            block_size=block_bytes,
        )
        parse_opts = pacsv.ParseOptions(
            delimiter=self._delimiter,
            quote_char=self._quote or False,
            double_quote=True,
            newlines_in_values=bool(self._quote),
            ignore_empty_lines=False,
            invalid_row_handler=on_invalid,
        )
        conv_opts = pacsv.ConvertOptions(
            column_types={c: pa.binary() for c in self.columns},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        )
        # Arrow numbers rows from 1 including the skipped header row; a row's physical line is
        # its number plus the quoted newlines in the rows before it.
        next_row = 2 if self._header else 1  # next Arrow row number not yet assigned
        last_line = next_row - 1  # last physical line of the rows read so far
        inv_done = 0  # invalid rows already accounted for
        extra_nl = 0  # quoted newlines before `next_row`
        inv_nums = np.zeros(0, dtype=np.int64)
        inv_nl = np.zeros(0, dtype=np.int64)
        try:
            reader = pacsv.open_csv(stream, read_opts, parse_opts, conv_opts)
        except pa.ArrowInvalid as exc:
            raise UserError(f"{self.info.path}: cannot parse as delimited text: {exc}") from None
        with stream:
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    batch = None
                except pa.ArrowInvalid as exc:
                    if "straddling" in str(exc):
                        raise UserError(
                            f"{self.info.path}: a record after line {last_line} is longer than "
                            f"the parser's block ({block_bytes:,} bytes), most often because of "
                            "an unterminated quote; fix the file, or raise "
                            "CULTUREBRIDGE_INGEST__CSV_BLOCK_BYTES for really long records"
                        ) from None
                    raise UserError(f"{self.info.path}: cannot parse: {exc}") from None
                if invalid[inv_done:]:
                    new = invalid[inv_done:]
                    inv_done = len(invalid)
                    inv_nums = np.concatenate([inv_nums, [n for n, _ in new]]).astype(np.int64)
                    inv_nl = np.concatenate([inv_nl, [t.count("\n") for _, t in new]]).astype(
                        np.int64
                    )
                if batch is None:
                    break
                n = batch.num_rows
                if n == 0:
                    continue
                # The valid rows' Arrow row numbers: the next n numbers not taken by invalid rows.
                nums = np.empty(n, dtype=np.int64)
                pending = inv_nums[inv_nums >= next_row]
                cand = next_row + np.arange(n + len(pending), dtype=np.int64)
                keep = cand[~np.isin(cand, pending)][:n]
                nums[:] = keep
                nl = np.zeros(n, dtype=np.int64)
                if self._quote:
                    for col in batch.columns:
                        nl += np.asarray(pc.count_substring(col, "\n").fill_null(0), dtype=np.int64)
                spans = nl + 1
                before_valid = extra_nl + np.concatenate([[0], np.cumsum(nl)[:-1]])
                # quoted newlines inside invalid rows that come before each valid row
                cum_inv = np.concatenate([[0], np.cumsum(inv_nl)])
                before_inv = cum_inv[np.searchsorted(inv_nums, nums)]
                lines = nums + before_valid + before_inv
                extra_nl += int(nl.sum())
                has_nl = nl > 0
                if has_nl.any():
                    self._vnl_nums = np.concatenate([self._vnl_nums, nums[has_nl]])
                    self._vnl_counts = np.concatenate([self._vnl_counts, nl[has_nl]])
                next_row = int(nums[-1]) + 1
                last_line = int(lines[-1] + spans[-1] - 1)
                data = pa.Table.from_batches([batch])
                if transcoder.marked:
                    for i, name in enumerate(data.column_names):
                        data = data.set_column(i, name, unmark_column(data.column(i)))
                # Lines with no values at all (blank, or only delimiters) are not rows.
                empty = None
                for col in data.columns:
                    e = pc.equal(pc.binary_length(col), 0)
                    empty = e if empty is None else pc.and_(empty, e)
                if empty is not None and pc.any(empty).as_py():
                    keep_mask = pc.invert(empty)
                    kept = np.asarray(keep_mask)
                    data, lines, spans = data.filter(keep_mask), lines[kept], spans[kept]
                yield RawBatch(data, lines, spans), []
                yield from self._recover(invalid, inv_nl, ncol, limit=int(nums[-1]))
            yield from self._recover(invalid, inv_nl, ncol, limit=None)

    def _checked(
        self, blocks: Iterator[tuple[RawBatch, list[Reject]]]
    ) -> Iterator[tuple[RawBatch, list[Reject]]]:
        """The blocks, with the file's last record held back until the end is known: a record
        cut short (no line ending after it) or one whose quote never closes is rejected."""
        held: list[tuple[RawBatch, list[Reject]]] = []
        held_max = 0
        for batch, rejects in blocks:
            top = max(
                [int(batch.lines.max()) if len(batch.lines) else 0] + [r.line for r in rejects]
            )
            if top > held_max:  # nothing held can be the last record any more
                yield from held
                held, held_max = [], top
            held.append((batch, rejects))
        self.info.encoding = self._transcoder.encodings()
        last = max(
            (
                (int(b.lines.max()) if len(b.lines) else 0, i)
                for i, (b, r) in enumerate(held)
                if len(b.lines)
            ),
            default=None,
        )
        if last is not None and max((r.line for _, rs in held for r in rs), default=0) < last[0]:
            line, i = last
            batch, rejects = held[i]
            at = int(np.flatnonzero(batch.lines == line)[0])
            span = int(batch.spans[at]) if batch.spans is not None else 1
            reason = self._end_problem(span)
            if reason:
                keep = np.ones(len(batch.lines), dtype=bool)
                keep[at] = False
                spans = batch.spans[keep] if batch.spans is not None else None
                cut = RawBatch(batch.data.filter(pa.array(keep)), batch.lines[keep], spans)
                held[i] = (cut, [*rejects, Reject(line, reason, None, span)])
        yield from held

    def _end_problem(self, span: int) -> str | None:
        """Why the file's last record (of `span` physical lines) is not a whole row, if it is
        not: the file stops in the middle of it, or inside a quoted value."""
        tail = self._transcoder.tail
        if tail.rstrip(b" \t\r\n") == tail.rstrip(b" \t") and not tail.endswith(b"\n"):
            return (
                "the last line has no line ending: the file may have been cut short "
                "(a partial row is never accepted; end the file with a newline)"
            )
        if not self._quote:
            return None
        lines = tail.rstrip(b" \t\r\n").split(b"\n")
        if len(lines) < span + (1 if len(tail) >= self._transcoder.TAIL else 0):
            return None  # a record longer than the tail kept: Arrow has parsed it whole
        record = b"\n".join(lines[-span:]).decode("utf-8", errors="replace") + "\n"
        try:
            for _ in self._reader(record, strict=True):
                pass
        except csv.Error as exc:
            if "unexpected end of data" not in str(exc):
                return None
            return "unterminated quote: the last record's quoted value runs to the end of the file"
        return None

    _next_invalid: int
    _transcoder: _Transcoder
    _vnl_nums: np.ndarray
    _vnl_counts: np.ndarray

    def _recover(
        self, invalid: list[tuple[int, str]], inv_nl: np.ndarray, ncol: int, limit: int | None
    ) -> Iterator[tuple[RawBatch, list[Reject]]]:
        """Rows Arrow could not fit, up to Arrow row `limit` (all when None), in file order:
        blank lines are skipped (not rows), short rows are padded, rows with extra non-empty
        fields are rejected."""
        values: list[list[bytes | None]] = [[] for _ in range(ncol)]
        lines: list[int] = []
        spans: list[int] = []
        rejects: list[Reject] = []
        cum_all = np.concatenate([[0], np.cumsum(inv_nl)])
        while self._next_invalid < len(invalid):
            idx = self._next_invalid
            num, text = invalid[idx]
            if limit is not None and num > limit:
                break
            self._next_invalid += 1
            # physical line: Arrow's row number plus the quoted newlines of earlier rows
            line = num + int(cum_all[idx]) + self._valid_nl_before(num)
            if not text.strip():
                continue
            fields = next(iter(self._reader(text)), [])
            if len(fields) > ncol:
                extra = fields[ncol:]
                if any(f.strip() for f in extra):
                    rejects.append(Reject(line, f"{len(fields)} fields, expected {ncol}", text))
                    continue
                fields = fields[:ncol]
            fields += [""] * (ncol - len(fields))
            for j, f in enumerate(fields):
                values[j].append(unmark(f))
            lines.append(line)
            spans.append(text.count("\n") + 1)
        if lines or rejects:
            data = pa.table(
                {c: pa.array(values[j], pa.binary()) for j, c in enumerate(self.columns)}
            )
            yield (
                RawBatch(data, np.asarray(lines, dtype=np.int64), np.asarray(spans, np.int64)),
                rejects,
            )

    def _valid_nl_before(self, num: int) -> int:
        """Quoted newlines inside valid rows that come before Arrow row `num`."""
        return int(self._vnl_counts[self._vnl_nums < num].sum())

    def raw_cursor(self) -> LineCursor:
        return LineCursor(self.info.path, self._reading)


# --------------------------------------------------------------------------- JSON lines


def _json_cell(value: Any) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.encode("utf-8", errors="surrogatepass")
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, int | float):
        return repr(value).encode()
    return json.dumps(value, ensure_ascii=False).encode("utf-8", errors="surrogatepass")


class JsonlSource:
    """One JSON object per line. Values reach validation as text (nested values as JSON)."""

    def __init__(self, path: Path, reading: _Reading):
        self._reading = reading
        self.info = SourceInfo(
            path=path, format="jsonl", encoding=reading.encoding, size=path.stat().st_size
        )
        self._raw: IO[bytes] | None = None
        self.columns = self._scan_columns()
        self.info.columns = self.columns

    def _scan_columns(self) -> list[str]:
        """Column names: the keys of every object, in the order they first appear (a key first
        seen on the last line is read like one seen on the first: nothing is dropped)."""
        names: dict[str, None] = {}
        stream, raw, _ = _text_stream(self.info.path, self._reading)
        with stream:
            for line in stream:
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                if isinstance(obj, dict):
                    names.update(dict.fromkeys(obj))
        raw.close()
        return list(names)

    def position(self) -> int:
        return self._raw.tell() if self._raw is not None and not self._raw.closed else 0

    def batches(self, rows: int) -> Iterator[tuple[RawBatch, list[Reject]]]:
        stream, self._raw, transcoder = _text_stream(self.info.path, self._reading)
        cols = self.columns
        with stream:
            values: dict[str, list[bytes | None]] = {c: [] for c in cols}
            lines: list[int] = []
            rejects: list[Reject] = []
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except UnicodeDecodeError:
                    raw = line.rstrip(b"\r\n").decode("utf-8", errors="backslashreplace")
                    rejects.append(Reject(number, "invalid bytes for the file's encoding", raw))
                    continue
                except ValueError as exc:
                    raw = line.rstrip(b"\r\n").decode("utf-8", errors="backslashreplace")
                    rejects.append(Reject(number, f"invalid JSON: {exc}", raw))
                    continue
                if not isinstance(obj, dict):
                    raw = line.rstrip(b"\r\n").decode("utf-8", errors="backslashreplace")
                    rejects.append(Reject(number, "not a JSON object", raw))
                    continue
                for c in cols:
                    values[c].append(_json_cell(obj.get(c)))
                lines.append(number)
                if len(lines) >= rows:
                    yield self._batch(values, lines), rejects
                    values = {c: [] for c in cols}
                    lines, rejects = [], []
            if lines or rejects:
                yield self._batch(values, lines), rejects
        self._raw.close()
        self.info.encoding = transcoder.encodings()

    def _batch(self, values: dict[str, list[bytes | None]], lines: list[int]) -> RawBatch:
        data = pa.table({c: pa.array(v, pa.binary()) for c, v in values.items()})
        return RawBatch(data, np.asarray(lines, dtype=np.int64), None)

    def raw_cursor(self) -> LineCursor:
        return LineCursor(self.info.path, self._reading)


# --------------------------------------------------------------------------- Parquet


class ParquetSource:
    """Parquet row groups as they are; "line" means the 1-based row number in the file."""

    def __init__(self, path: Path):
        try:
            self._file = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise UserError(f"{path}: not a readable Parquet file: {exc}") from None
        self.columns = list(self._file.schema_arrow.names)
        self.info = SourceInfo(
            path=path,
            format="parquet",
            encoding="binary",
            columns=self.columns,
            size=path.stat().st_size,
        )
        self._done_bytes = 0

    def position(self) -> int:
        return self._done_bytes

    def batches(self, rows: int) -> Iterator[tuple[RawBatch, list[Reject]]]:
        start = 1
        total = max(self._file.metadata.num_rows, 1)
        for batch in self._file.iter_batches(batch_size=rows):
            n = batch.num_rows
            lines = np.arange(start, start + n, dtype=np.int64)
            start += n
            self._done_bytes = int(self.info.size * (start - 1) / total)
            yield RawBatch(pa.Table.from_batches([batch]), lines, None), []

    def raw_cursor(self) -> RowCursor:
        return RowCursor(self._file)


class RowCursor:
    """Forward-only access to a Parquet file's rows, shown as JSON."""

    def __init__(self, file: pq.ParquetFile) -> None:
        self._batches = file.iter_batches(batch_size=65_536)
        self._start = 1  # row number of the current batch's first row
        self._batch: pa.RecordBatch | None = None

    def take(self, spans: list[tuple[int, int]]) -> dict[int, str]:
        out: dict[int, str] = {}
        for row, _ in spans:
            while self._batch is None or row >= self._start + self._batch.num_rows:
                if self._batch is not None:
                    self._start += self._batch.num_rows
                self._batch = next(self._batches, None)
                if self._batch is None:
                    return out
            values = self._batch.slice(row - self._start, 1).to_pylist()[0]
            out[row] = json.dumps(values, ensure_ascii=False, default=str)
        return out

    def close(self) -> None:
        self._batch = None


def open_source(path: Path, options: SourceOptions) -> Source:
    """Open a source file, detecting format and encoding unless the options fix them."""
    if not path.exists():
        raise UserError(f"file not found: {path}")
    if path.is_dir():
        raise UserError(f"{path} is a directory, not a file")
    sample = _sample(path)
    fmt = detect_format(path, sample, options.format)
    if fmt == "parquet":
        if _is_gzip(path):
            raise UserError(
                f"{path}: gzip-compressed Parquet is not supported; decompress it first"
            )
        return ParquetSource(path)
    encoding = detect_encoding(sample, options.encoding)
    if encoding not in _PYTHON_ENCODING:
        raise UserError(f"{path}: unsupported encoding {encoding!r}")
    reading = _Reading(encoding, cr_only=b"\r" in sample and b"\n" not in sample)
    if options.encoding == "auto" and encoding != "utf-16":
        # every line in its own encoding: UTF-8, or the legacy one the file's other lines use
        reading = _Reading("utf-8", auto=True, cr_only=reading.cr_only, fallback=_legacy(sample))
    else:
        try:
            sample.decode(_PYTHON_ENCODING[encoding], errors="strict")
        except UnicodeDecodeError as exc:
            if encoding != "utf-8" and exc.start < len(sample) - 4:
                raise UserError(
                    f"{path}: cannot be read as {encoding} (bad bytes at offset {exc.start}); "
                    "try --encoding"
                ) from None
    if fmt == "jsonl":
        return JsonlSource(path, reading)
    return CsvSource(path, options, fmt, reading, sample)


def _legacy(sample: bytes) -> str | None:
    """The encoding most of the sample's non-UTF-8 lines are clearly in, if any."""
    votes: dict[str, int] = {}
    lines = sample.split(b"\n")
    if len(sample) >= SAMPLE_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut mid-character
    for line in lines:
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            continue
        except UnicodeDecodeError:
            pass
        found = _legacy_decode(line, None)
        if found is not None:
            votes[found[1]] = votes.get(found[1], 0) + 1
    return max(votes, key=lambda e: votes[e]) if votes else None
