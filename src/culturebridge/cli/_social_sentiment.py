"""`social sentiment`: score every row of a file; `social train`: retrain the shipped model.

`culturebridge social sentiment --input FILE --text-column COL --output OUT.csv` reads a CSV
(.csv/.txt comma-, .tsv tab-separated), JSONL (.jsonl/.ndjson) or Parquet (.parquet/.pq) file,
chosen by suffix, and writes OUT.csv: every input row in input order, every input column in
input order with its values unchanged, then three columns:

    label   1 (positive) or 0 (negative): score >= 0.5
    score   P(positive), 4 decimals
    reason  empty for a scored row; otherwise why it was not scored: empty text, missing text
            (null), not text (int), malformed row (...), not a JSON object (line N); such rows
            get an empty label and score

and, with `--neutral`, a fourth:

    sentiment  positive, negative or neutral: neutral for a question or plain statement with no
               opinion in it ("请问明天几点开门？"), else positive where score >= 0.5; empty for
               a row not scored. `label` and `score` stay binary, so a script written for the
               three columns reads the same values (see `SentimentModel.labels` for the rule)

Decisions a script can rely on:

* CSV input is UTF-8 with or without a BOM; a file whose first megabyte is not UTF-8 but is
  GB18030 (GBK, as Excel saves Chinese CSV on Windows) is read as GB18030, with a note on
  stderr. Blank lines are not rows. A row shorter than the header is padded with empty cells; a
  longer one keeps the header's number of cells and is not scored (its reason says so).
* JSONL columns are the keys in order of first appearance over the whole file (read twice,
  never held in memory); a key an object lacks is an empty cell. Nested values are written as
  JSON, null as an empty cell, booleans as true/false.
* An input that already has a `label`, `score` or `reason` column (or, with --neutral,
  `sentiment`; a labelled file such as the Weibo sample) keeps it as `label_input`
  (`score_input`, `reason_input`; a number is added if that name is taken too), and stderr says
  so: the added columns always have their names.
* The output is UTF-8 CSV without a BOM, written to a temporary file beside it and renamed at
  the end, so an error (a missing column, an unreadable line) leaves no partial output. It must
  end in .csv and may not be the input.
* Rows are read, scored and written in batches, so memory does not grow with the file. A
  progress bar shows on a terminal for large inputs; a one-line summary (rows read, scored,
  skipped by reason, positive share, texts/s) goes to stderr, or, with --json, a JSON object to
  stdout.

`culturebridge social train --reviews FILE --out DIR [--seed 42]` fits the model on the training
80 % of a reviews CSV (cat, label, review: online_shopping_10_cats.csv), prints its held-out
accuracy and macro-F1, and writes DIR/sentiment.npz + .json; `--model DIR` makes `sentiment`
use it. The shipped model (culturebridge/social/models) was written by this command.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from culturebridge.cli._common import console, err_console, handle_errors, print_json, progress_bar
from culturebridge.errors import UserError

_CSV = {".csv": ",", ".tsv": "\t", ".txt": ","}
_JSONL = (".jsonl", ".ndjson")
_PARQUET = (".parquet", ".pq")
ADDED = ("label", "score", "reason")
THREE_WAY = "sentiment"
BATCH_ROWS = 4096
_SNIFF_BYTES = 1 << 20
_PROGRESS_BYTES, _PROGRESS_ROWS = 4 << 20, 20_000  # a bar for larger inputs, on a terminal
_ABSENT = object()  # a JSON object without the text key

# A row as read: its output cells, the text value, a row-level problem, how far through the file.
_Row = tuple[list[str], Any, str | None, int]

_HELP = (
    "Score the sentiment of Chinese reviews and social posts, one input row at a time.\n\n"
    "Reads CSV (.csv/.tsv, UTF-8 or GB18030), JSONL or Parquet, chosen by suffix, and writes a "
    "UTF-8 CSV with every input row and column, in order and unchanged, plus label (1 positive, "
    "0 negative), score (probability of positive) and reason (empty when scored; why not, for "
    "empty, missing or non-text cells, which get no label or score). An input column already "
    "named label, score or reason is kept as label_input (score_input, reason_input). With "
    "--neutral, a sentiment column says positive, negative or neutral (a question or plain "
    "statement with no opinion). A summary goes to stderr, or to stdout as JSON with --json."
)
_TRAIN_HELP = (
    "Retrain the sentiment model on a reviews CSV (columns cat, label, review; label 1 positive, "
    "0 negative) and print its accuracy and macro-F1 on the held-out 20 %.\n\n"
    "Writes DIR/sentiment.npz and DIR/sentiment.json; `social sentiment --model DIR` uses them."
)


def register(group: typer.Typer) -> None:
    group.command("sentiment", help=_HELP)(sentiment)
    group.command("train", help=_TRAIN_HELP)(train)


# ------------------------------------------------------------------------------- reading


@dataclass
class _Source:
    columns: list[str]
    rows: Iterator[_Row]
    total: int
    in_bytes: bool
    encoding: str | None = None


def _missing_column(path: Path, column: str, columns: list[str]) -> UserError:
    listed = ", ".join(columns) if columns else "none"
    return UserError(f"{path}: no column {column!r}; the columns are: {listed}")


def _sniff_encoding(path: Path) -> str:
    """utf-8-sig, or gb18030 where the first megabyte is not UTF-8 but is GB18030."""
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise UserError(f"{path}: neither UTF-8 nor GB18030 text")


def _csv_source(path: Path, delimiter: str, text_column: str) -> _Source:
    encoding = _sniff_encoding(path)
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # a long post is not an error
    raw = path.open("rb")
    fh = io.TextIOWrapper(raw, encoding=encoding, newline="")
    reader = csv.reader(fh, delimiter=delimiter)

    def fail(exc: Exception) -> UserError:
        if isinstance(exc, UnicodeDecodeError):
            name = "UTF-8" if encoding == "utf-8-sig" else encoding.upper()
            return UserError(f"{path}: not {name} text (line {reader.line_num + 1})")
        return UserError(f"{path}: line {reader.line_num}: {exc}")

    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error) as exc:
        fh.close()
        raise fail(exc) from None
    if header is None:
        fh.close()
        raise UserError(f"{path}: empty file (no header row)")
    if text_column not in header:
        fh.close()
        raise _missing_column(path, text_column, header)
    index, width = header.index(text_column), len(header)

    def rows() -> Iterator[_Row]:
        with fh:
            try:
                for rec in reader:
                    if not rec:
                        continue  # a blank line
                    problem, n = None, len(rec)
                    if n > width:
                        problem = f"malformed row ({n} fields, the header has {width})"
                        rec = rec[:width]
                    elif n < width:
                        rec = rec + [""] * (width - n)
                        if index >= n:
                            problem = f"missing text (row has {n} of {width} fields)"
                    yield rec, rec[index], problem, raw.tell()
            except (UnicodeDecodeError, csv.Error) as exc:
                raise fail(exc) from None

    return _Source(header, rows(), path.stat().st_size, True, encoding)


def _cell(value: Any) -> str:
    """A JSON or Parquet value as a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _jsonl_source(path: Path, text_column: str) -> _Source:
    keys: dict[str, None] = {}
    with path.open("rb") as raw:
        for line in raw:
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue
            if isinstance(rec, dict):
                keys.update(dict.fromkeys(rec))
    columns = list(keys)
    if text_column not in keys:
        raise _missing_column(path, text_column, columns)

    def rows() -> Iterator[_Row]:
        with path.open("rb") as raw:
            for line_no, line in enumerate(raw, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    rec = None
                if not isinstance(rec, dict):
                    problem = f"not a JSON object (line {line_no})"
                    yield [""] * len(columns), None, problem, raw.tell()
                    continue
                cells = [_cell(rec.get(c)) for c in columns]
                yield cells, rec.get(text_column, _ABSENT), None, raw.tell()

    return _Source(columns, rows(), path.stat().st_size, True)


def _parquet_source(path: Path, text_column: str) -> _Source:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        raise UserError(f"{path}: not a Parquet file ({exc})") from None
    columns = list(pf.schema_arrow.names)
    if text_column not in columns:
        raise _missing_column(path, text_column, columns)
    index = columns.index(text_column)

    def rows() -> Iterator[_Row]:
        done = 0
        for batch in pf.iter_batches(batch_size=BATCH_ROWS):
            values = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            for r in range(batch.num_rows):
                done += 1
                row = [v[r] for v in values]
                yield [_cell(v) for v in row], row[index], None, done

    return _Source(columns, rows(), pf.metadata.num_rows, False)


def _source(path: Path, text_column: str) -> _Source:
    if not path.is_file():
        raise UserError(f"{path}: no such input file")
    suffix = path.suffix.lower()
    if suffix in _CSV:
        return _csv_source(path, _CSV[suffix], text_column)
    if suffix in _JSONL:
        return _jsonl_source(path, text_column)
    if suffix in _PARQUET:
        return _parquet_source(path, text_column)
    known = ", ".join([*_CSV, *_JSONL, *_PARQUET])
    raise UserError(f"{path}: unknown input format {suffix or '(no suffix)'}; use one of {known}")


def _text_problem(value: Any, column: str) -> str | None:
    if value is _ABSENT:
        return f"missing text (no {column!r} field)"
    if value is None:
        return "missing text (null)"
    if not isinstance(value, str):
        return f"not text ({type(value).__name__})"
    if not value.strip():
        return "empty text"
    return None


def _renamed(columns: list[str], added: tuple[str, ...] = ADDED) -> dict[str, str]:
    """Input columns that clash with the added ones -> the names they are written under."""
    taken = set(columns) | set(added)
    out: dict[str, str] = {}
    for name in added:
        if name in columns:
            new, n = f"{name}_input", 2
            while new in taken:
                new, n = f"{name}_input{n}", n + 1
            taken.add(new)
            out[name] = new
    return out


# ------------------------------------------------------------------------------ commands


@dataclass
class _Tally:
    read: int = 0
    scored: int = 0
    positive: int = 0
    neutral: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    scoring_s: float = 0.0


def _model_path(path: Path) -> Path:
    return path / "sentiment" if path.is_dir() else path


@handle_errors
def sentiment(
    input_path: Annotated[
        Path,
        typer.Option("--input", help="CSV (.csv/.tsv, UTF-8 or GB18030), JSONL or Parquet file."),
    ],
    text_column: Annotated[str, typer.Option("--text-column", help="Column with the text.")],
    output: Annotated[Path, typer.Option("--output", help="CSV file to write.")],
    model_path: Annotated[
        Path | None,
        typer.Option(
            "--model", help="A model written by `social train` (its folder or .npz file)."
        ),
    ] = None,
    neutral: Annotated[
        bool,
        typer.Option(
            "--neutral",
            help="Add a sentiment column: positive, negative or neutral (questions and plain "
            "statements with no opinion).",
        ),
    ] = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the summary as JSON on stdout.")
    ] = False,
) -> None:
    """Score each row's text (help: `_HELP`)."""
    from culturebridge.social import SentimentModel, default_model

    if output.suffix.lower() != ".csv":
        raise UserError(f"--output must be a .csv file, not {output.name!r}")
    if output.resolve() == input_path.resolve():
        raise UserError(f"--output {output} is the input file; choose another name")
    start = time.perf_counter()
    source = _source(input_path, text_column)
    model = SentimentModel.load(_model_path(model_path)) if model_path else default_model()
    added = (*ADDED, THREE_WAY) if neutral else ADDED
    renamed = _renamed(source.columns, added)
    for old, new in renamed.items():
        err_console.print(
            f"note: the input's {old!r} column is written as {new!r}; {old!r} is the model's",
            highlight=False,
            soft_wrap=True,
        )
    if source.encoding == "gb18030":
        err_console.print(
            f"note: {escape(str(input_path))} read as GB18030", highlight=False, soft_wrap=True
        )
    header = [renamed.get(c, c) for c in source.columns] + list(added)

    tally = _Tally()
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    limit = _PROGRESS_BYTES if source.in_bytes else _PROGRESS_ROWS
    show = err_console.is_terminal and not json_out and source.total > limit
    try:
        with (
            tmp.open("w", encoding="utf-8", newline="") as fh,
            progress_bar(show, bytes_mode=source.in_bytes) as update,
        ):
            writer = csv.writer(fh)
            writer.writerow(header)
            batch: list[tuple[list[str], Any, str | None]] = []

            def flush() -> None:
                ok = [i for i, (_, _, problem) in enumerate(batch) if problem is None]
                t0 = time.perf_counter()
                texts = [batch[i][1] for i in ok]
                names: list[str] = []
                if neutral and ok:
                    names, scored = model.labels(texts)
                    proba = scored.tolist()
                else:
                    proba = model.predict_proba(texts).tolist() if ok else []
                tally.scoring_s += time.perf_counter() - t0
                scores = dict(zip(ok, proba, strict=True))
                named = dict(zip(ok, names, strict=True)) if neutral else {}
                extra = [""] if neutral else []
                for i, (cells, _, problem) in enumerate(batch):
                    if problem is None:
                        p = float(scores[i])
                        tally.scored += 1
                        tally.positive += p >= 0.5
                        three = [named[i]] if neutral else []
                        tally.neutral += bool(three) and three[0] == "neutral"
                        writer.writerow([*cells, int(p >= 0.5), f"{p:.4f}", "", *three])
                    else:
                        tally.skipped[problem.split(" (")[0]] += 1  # the reason without its detail
                        writer.writerow([*cells, "", "", problem, *extra])
                batch.clear()

            for cells, text, problem, done in source.rows:
                tally.read += 1
                batch.append((cells, text, problem or _text_problem(text, text_column)))
                if len(batch) >= BATCH_ROWS:
                    flush()
                    update("scoring", done, source.total)
            flush()
        tmp.replace(output)
    finally:
        tmp.unlink(missing_ok=True)

    seconds = time.perf_counter() - start
    skipped = sum(tally.skipped.values())
    summary: dict[str, Any] = {
        "input": str(input_path),
        "output": str(output),
        "rows": tally.read,
        "scored": tally.scored,
        "skipped": skipped,
        "skipped_by_reason": dict(tally.skipped.most_common()),
        "positive": tally.positive,
        "positive_share": round(tally.positive / tally.scored, 4) if tally.scored else None,
        "renamed_columns": renamed,
        **(
            {
                "neutral": tally.neutral,
                "neutral_share": round(tally.neutral / tally.scored, 4) if tally.scored else None,
            }
            if neutral
            else {}
        ),
        "seconds": round(seconds, 3),
        "scoring_seconds": round(tally.scoring_s, 3),
        "texts_per_second": round(tally.scored / seconds) if seconds > 0 else None,
    }
    if json_out:
        print_json(summary)
        return
    reasons = ", ".join(f"{n:,} {why}" for why, n in tally.skipped.most_common())
    share = f"{tally.positive / tally.scored:.1%}" if tally.scored else "n/a"
    err_console.print(
        f"{tally.read:,} rows read, {tally.scored:,} scored, {skipped:,} skipped"
        + (f" ({reasons})" if reasons else "")
        + f", {share} positive"
        + (f" ({tally.neutral / max(tally.scored, 1):.1%} neutral)" if neutral else "")
        + f", {summary['texts_per_second'] or 0:,} texts/s"
        f" -> {escape(str(output))}",
        highlight=False,
        soft_wrap=True,
    )


@handle_errors
def train(
    reviews: Annotated[
        Path, typer.Option("--reviews", help="Reviews CSV with columns cat, label, review.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder to write sentiment.npz/.json in.")],
    seed: Annotated[int, typer.Option("--seed", help="Seed of the held-out split and fit.")] = 42,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the training report as JSON on stdout.")
    ] = False,
) -> None:
    """Retrain the sentiment model (help: `_TRAIN_HELP`)."""
    from culturebridge.social import train_default

    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file; give a folder")
    show = err_console.is_terminal and not json_out
    with progress_bar(show) as update:
        report = train_default(reviews, out, seed=seed, progress=update)
    if json_out:
        print_json(report)
        return
    held = report["held_out"]
    skipped = ", ".join(f"{n:,} {why}" for why, n in report["skipped"].items()) or "none"
    console.print(
        f"held-out accuracy {held['accuracy']:.4f}, macro-F1 {held['macro_f1']:.4f}, "
        f"ECE {held['ece']:.4f} on {report['n_held_out']:,} reviews "
        f"(trained on {report['n_train']:,}; rows skipped: {skipped})",
        highlight=False,
        soft_wrap=True,
    )
    err_console.print(f"wrote {escape(str(out))}/sentiment.npz and .json", highlight=False)
