"""`fashion text`: fashion attributes named in posts, titles and descriptions, one JSON line a row.

`culturebridge fashion text --input FILE --text-column COL --output OUT.jsonl [--id-column COL]`
reads a CSV (UTF-8, with or without a BOM; .tsv is tab-separated), JSONL or Parquet file, chosen
by suffix, and writes one JSON object per input row, in input order:

    {"row": 1, "id": "p1", "text": "不喜欢荧光绿，藏青色卫衣yyds",
     "attributes": {"category": ["sweatshirt"], "colour": ["Navy Blue"]},
     "negated": {"colour": ["Fluorescent Green"]},
     "mentions": [{"attribute": "colour", "value": "Fluorescent Green", "value_zh": "荧光绿",
                   "term": "荧光绿", "start": 3, "end": 6, "negated": true}, ...]}

`row` counts data rows from 1 (a CSV header is not a row); `id` is there only with --id-column.
`attributes` holds the values named positively, `negated` those named only in negation; both
leave out attributes with no value. `start`/`end` index `text`. A row whose cell is empty or not
text gets {"row", ["id",] "text", "error"} instead, and the run goes on.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from culturebridge.cli._common import err_console, handle_errors, progress_bar
from culturebridge.errors import UserError

_CSV = {".csv": ",", ".tsv": "\t", ".txt": ","}
_JSONL = (".jsonl", ".ndjson")
_PARQUET = (".parquet", ".pq")
_PROGRESS_BYTES, _PROGRESS_ROWS = 4 << 20, 20_000  # a bar for larger inputs, on a terminal


@dataclass(frozen=True)
class _Row:
    text: Any
    id: Any = None
    problem: str | None = None  # why the row cannot be read (a bad JSON line)


# One string per paragraph: Typer keeps a docstring's line breaks, and reads [..] as markup.
_HELP = (
    "Tag fashion attributes (category, colour, pattern, material, style) in Chinese, English "
    "or mixed posts, titles and descriptions.\n\n"
    "Writes one JSON object per input row, in input order: row (counted from 1), id (with "
    "--id-column), text, attributes (attribute -> the values named positively), negated "
    "(attribute -> the values named only in negation, as in 不喜欢荧光绿) and mentions (each "
    "with attribute, value, value_zh, term, start, end, negated; start and end index text). "
    "An empty or non-text cell gets row, id, text and error instead, and the run goes on. "
    "A summary goes to stderr."
)


def register(group: typer.Typer) -> None:
    group.command("text", help=_HELP)(text)


def _missing_column(path: Path, column: str, columns: list[str]) -> UserError:
    listed = ", ".join(columns) if columns else "none"
    return UserError(f"{path}: no column {column!r}; the columns are: {listed}")


def _csv_rows(path: Path, delimiter: str, columns: list[str | None]) -> Iterator[tuple[_Row, int]]:
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=delimiter)
        try:
            names = list(reader.fieldnames or [])
            for col in columns:
                if col is not None and col not in names:
                    raise _missing_column(path, col, names)
            text_col, id_col = columns
            for rec in reader:
                yield _Row(rec.get(text_col), rec.get(id_col) if id_col else None), raw.tell()
        except UnicodeDecodeError:
            raise UserError(f"{path}: not UTF-8 text (line {reader.line_num + 1})") from None
        except csv.Error as exc:
            raise UserError(f"{path}: line {reader.line_num}: {exc}") from None


def _jsonl_rows(path: Path, columns: list[str | None]) -> Iterator[tuple[_Row, int]]:
    text_col, id_col = columns
    checked = False
    with path.open("rb") as raw:
        for line_no, line in enumerate(raw, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                yield _Row(None, problem=f"line {line_no}: not a JSON object ({exc})"), raw.tell()
                continue
            if not isinstance(rec, dict):
                yield _Row(None, problem=f"line {line_no}: not a JSON object"), raw.tell()
                continue
            if not checked:  # the first object names the fields; later rows may lack one
                for col in columns:
                    if col is not None and col not in rec:
                        raise _missing_column(path, col, list(rec))
                checked = True
            yield _Row(rec.get(text_col), rec.get(id_col) if id_col else None), raw.tell()


def _parquet_rows(path: Path, columns: list[str | None]) -> Iterator[tuple[_Row, int]]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise UserError(f"{path}: not a Parquet file ({exc})") from None
    names = pf.schema_arrow.names
    for col in columns:
        if col is not None and col not in names:
            raise _missing_column(path, col, names)
    text_col, id_col = columns
    wanted = [c for c in dict.fromkeys(columns) if c is not None]
    done = 0
    for batch in pf.iter_batches(columns=wanted, batch_size=4096):
        for rec in batch.to_pylist():
            done += 1
            yield _Row(rec[text_col], rec[id_col] if id_col else None), done


def _rows(
    path: Path, text_column: str, id_column: str | None
) -> tuple[Iterator[tuple[_Row, int]], int, bool]:
    """The rows of `path` with how far through it each is, the total, and whether the progress
    counts bytes (text files) rather than rows (Parquet)."""
    if not path.is_file():
        raise UserError(f"{path}: no such input file")
    columns: list[str | None] = [text_column, id_column]
    suffix = path.suffix.lower()
    if suffix in _CSV:
        return _csv_rows(path, _CSV[suffix], columns), path.stat().st_size, True
    if suffix in _JSONL:
        return _jsonl_rows(path, columns), path.stat().st_size, True
    if suffix in _PARQUET:
        import pyarrow.parquet as pq

        rows = _parquet_rows(path, columns)
        return rows, pq.ParquetFile(path).metadata.num_rows, False
    known = ", ".join([*_CSV, *_JSONL, *_PARQUET])
    raise UserError(f"{path}: unknown input format {suffix or '(no suffix)'}; use one of {known}")


@handle_errors
def text(
    input_path: Annotated[
        Path, typer.Option("--input", help="CSV (.csv/.tsv, UTF-8), JSONL or Parquet file.")
    ],
    text_column: Annotated[str, typer.Option("--text-column", help="Column with the text.")],
    output: Annotated[Path, typer.Option("--output", help="JSONL file to write.")],
    id_column: Annotated[
        str | None, typer.Option("--id-column", help="Column whose value is carried as `id`.")
    ] = None,
) -> None:
    """Tag fashion attributes in posts, titles and descriptions (help: `_HELP`)."""
    from culturebridge.fashion import default_text_tagger as default_tagger
    from culturebridge.fashion import summarise

    rows, total, in_bytes = _rows(input_path, text_column, id_column)
    first = next(rows, None)  # reads the header: a missing column fails before any output
    tagger = default_tagger()
    read = tagged = errors = 0
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    show = err_console.is_terminal and total > (_PROGRESS_BYTES if in_bytes else _PROGRESS_ROWS)
    try:
        with (
            tmp.open("w", encoding="utf-8") as fh,
            progress_bar(show, bytes_mode=in_bytes) as update,
        ):
            for row, done in itertools.chain([first] if first else [], rows):
                read += 1
                record: dict[str, Any] = {"row": read}
                if id_column is not None:
                    record["id"] = row.id
                record["text"] = row.text if isinstance(row.text, str) else None
                problem = row.problem or _not_text(row.text)
                if problem:
                    errors += 1
                    record["error"] = problem
                else:
                    mentions = tagger.extract(row.text)
                    record["attributes"], record["negated"] = summarise(mentions)
                    record["mentions"] = [asdict(m) for m in mentions]
                    tagged += bool(record["attributes"])
                fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
                if read % 512 == 0:
                    update("tagging", done, total)
        tmp.replace(output)
    finally:
        tmp.unlink(missing_ok=True)
    err_console.print(
        f"{read:,} rows read, {tagged:,} with attributes, {errors:,} empty or not text "
        f"-> {escape(str(output))}",
        highlight=False,
    )


def _not_text(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return "empty text"
    if not isinstance(value, str):
        return f"not text ({type(value).__name__})"
    return None
