"""The ingest pipeline: read → map → validate → pseudonymise → stage → dedupe → commit.

Every row read ends in exactly one of three places, and the counts say so:
accepted (written to the lake), rejected (written to `rejects/` with line, raw text and reason)
or duplicate (its key is already in the lake or earlier in the same ingest).
Nothing is visible to readers until the manifest switch at the very end; a crash before it
leaves only staging debris, which the next writer removes.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import queue
import shutil
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from culturebridge.config import get_settings
from culturebridge.errors import UserError
from culturebridge.ingest._mapping import Mapping, SourceOptions
from culturebridge.ingest._quality import MAX_VALUES, RejectTally, assess, new_rows_profile
from culturebridge.ingest._sources import Source, open_source
from culturebridge.ingest._validate import lit, q, validation_sql
from culturebridge.privacy import Pseudonymiser
from culturebridge.schema import CATEGORICAL, REFERENCES, Table, arrow_schema, get_table
from culturebridge.workspace import (
    FileRecord,
    IngestRecord,
    Manifest,
    Quality,
    Workspace,
    now_utc,
)

POS_SHIFT = 40  # position = part << 40 | row: orders the rows of one ingest
PART_ROWS = 8_000_000  # rows per staged Parquet part (and per lake file)
ROW_GROUP = 262_144
HASHES_IN_MEMORY = 32_000_000  # up to this many rows, key hashes are kept while staging (8 B each)
REJECTS_SCHEMA = pa.schema(
    [("line", pa.int64()), ("span", pa.int64()), ("reason", pa.string()), ("raw", pa.string())]
)

_T = TypeVar("_T")

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): stage is "read", "dedupe" or "commit"; units are bytes for read."""


@dataclass
class FileResult:
    file: str
    sha256: str
    bytes: int
    format: str
    encoding: str
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0


@dataclass
class IngestResult:
    ingest_id: str
    table: str
    files: list[FileResult] = field(default_factory=list)
    rejects_file: str | None = None
    duration_s: float = 0.0
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)
    quality: Quality | None = None

    @property
    def read(self) -> int:
        return sum(f.read for f in self.files)

    @property
    def accepted(self) -> int:
        return sum(f.accepted for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ingest_id": self.ingest_id,
            "table": self.table,
            "read": self.read,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "rejects_file": self.rejects_file,
            "duration_s": round(self.duration_s, 3),
            "rows_per_s": round(self.read / self.duration_s) if self.duration_s > 0 else None,
            "files": [asdict(f) for f in self.files],
            "ignored_columns": self.ignored_columns,
            "quality": self.quality.model_dump(mode="json") if self.quality else None,
        }


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def _options(mapping: Mapping, fmt: str, encoding: str) -> SourceOptions:
    """The mapping's source options, with the command line's explicit choices on top."""
    opts = mapping.source.model_copy()
    if fmt != "auto":
        opts.format = fmt  # type: ignore[assignment]
    if encoding != "auto":
        opts.encoding = encoding  # type: ignore[assignment]
    return opts


class _Stager:
    """Validates, pseudonymises and stages the batches of one ingest."""

    def __init__(self, ws: Workspace, table: Table, staging: Path) -> None:
        self.ws = ws
        self.table = table
        self.staging = staging
        settings = get_settings()
        self.con = duckdb.connect(config={"memory_limit": settings.ingest.duckdb_memory_limit})
        if settings.duckdb_threads:
            self.con.execute(f"SET threads = {int(settings.duckdb_threads)}")
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute(f"SET temp_directory = '{staging / 'tmp'}'")
        self.con.execute("SET preserve_insertion_order = false")
        self.pseudo = Pseudonymiser(ws.config.secret)
        self.schema = arrow_schema(table)
        self.writer: pq.ParquetWriter | None = None
        self.parts: list[tuple[Path, int]] = []
        self.part_file = -1
        self.part_rows = 0
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cb-writer")
        self.pending: Future[None] | None = None
        self.pii = [c.name for c in table.columns if c.pii]
        # the 64-bit hashes of the staged rows' keys, for dedupe (None past HASHES_IN_MEMORY)
        self.key_hashes: list[np.ndarray] | None = []
        self.key_sql = f"SELECT hash({', '.join(q(k) for k in table.key)}) AS h FROM acc"
        self.tally = RejectTally()
        self.refs_mode = ws.config.ingest.unknown_refs
        self.refs = _known_keys(ws, table, self.con)
        self.unknown: dict[str, int] = dict.fromkeys(
            (f"{c}→{target}" for c, (target, _) in self.refs.items()), 0
        )
        self.unknown_examples: dict[str, list[str]] = {k: [] for k in self.unknown}
        if table.id_column:
            fields = []
            for name in table.hash_fields:
                col = table.column(name)
                fields.append(
                    f"coalesce(to_json({q(name)})::VARCHAR, '')"
                    if col.type.startswith(("list", "map"))
                    else f"coalesce(CAST({q(name)} AS VARCHAR), '')"
                )
            self.id_sql = (
                f"SELECT * REPLACE (coalesce({q(table.id_column)}, "
                f"'h' || md5(concat_ws(chr(31), {', '.join(fields)}))) AS {q(table.id_column)}) "
                "FROM acc"
            )
        else:
            self.id_sql = ""

    def stage(
        self,
        source: Source,
        make_sql: Callable[[dict[str, pa.DataType]], str],
        file_index: int,
        result: FileResult,
        rejects_fh: Any,
        progress: Progress | None,
        done_before: int,
        total: int,
    ) -> None:
        settings = get_settings()
        # Rejects spill to a Parquet file as they come (a wrong mapping can reject every row of
        # a huge file); their raw text is filled in afterwards in one forward pass.
        spill = self.staging / f"rejects-{file_index}.parquet"
        spill_writer = pq.ParquetWriter(spill, REJECTS_SCHEMA)
        sqls: dict[tuple[pa.DataType, ...], str] = {}
        for batch, early in _read_ahead(source.batches(settings.ingest.batch_rows)):
            result.read += batch.data.num_rows + len(early)
            if early:
                result.rejected += len(early)
                self.tally.add([r.reason for r in early])
                spill_writer.write_table(
                    pa.table(
                        {
                            "line": [r.line for r in early],
                            "span": [r.span for r in early],
                            "reason": [r.reason for r in early],
                            "raw": [r.raw for r in early],
                        },
                        schema=REJECTS_SCHEMA,
                    )
                )
            if batch.data.num_rows:
                data = _as_text(batch.data)
                types = {f.name: f.type for f in data.schema}
                key = tuple(types.values())
                sql = sqls.get(key)
                if sql is None:
                    sql = sqls[key] = make_sql(types)
                spans = batch.spans if batch.spans is not None else np.ones(len(batch.lines))
                raw = data.append_column("_line", pa.array(batch.lines, pa.int64()))
                raw = raw.append_column("_span", pa.array(spans, pa.int64()))
                self.con.register("raw", raw)
                try:
                    out = self.con.sql(sql).to_arrow_table()
                finally:
                    self.con.unregister("raw")
                bad = pc.is_valid(out["_reason"])
                if pc.any(bad).as_py():
                    rows = out.filter(bad)
                    n = rows.num_rows
                    spill_writer.write_table(
                        pa.table(
                            {
                                "line": rows["_line"],
                                "span": rows["_span"],
                                "reason": rows["_reason"],
                                "raw": pa.nulls(n, pa.string()),
                            },
                            schema=REJECTS_SCHEMA,
                        )
                    )
                    result.rejected += n
                    self.tally.add(rows["_reason"].to_pylist())
                    out = out.filter(pc.invert(bad))
                out = self._pseudonymise(out)
                out = self._check_refs(out, spill_writer, result)
                self._write(out.drop_columns(["_line", "_reason", "_span"]), file_index)
            if progress is not None:
                progress("read", done_before + source.position(), total)
        spill_writer.close()
        if result.rejected:
            self._write_rejects(source, spill, rejects_fh)
        spill.unlink()

    def _write_rejects(self, source: Source, spill: Path, rejects_fh: Any) -> None:
        """The rejects of one file in line order, with the raw text of each row."""
        file = str(source.info.path)
        cursor = source.raw_cursor()
        try:
            ordered = self.con.sql(f"SELECT * FROM read_parquet('{spill}') ORDER BY line")
            for chunk in ordered.to_arrow_reader(50_000):
                rows = chunk.to_pylist()
                need = [(r["line"], r["span"]) for r in rows if r["raw"] is None]
                texts = cursor.take(need)
                for r in rows:
                    raw = r["raw"] if r["raw"] is not None else texts.get(r["line"])
                    rejects_fh.write(_reject_line(file, r["line"], r["reason"], raw))
        finally:
            cursor.close()

    def _pseudonymise(self, out: pa.Table) -> pa.Table:
        for name in self.pii:
            col = out[name]
            if out.num_rows and col.null_count < len(col):
                out = out.set_column(out.schema.get_field_index(name), name, self.pseudo.apply(col))
        return out

    def _check_refs(self, out: pa.Table, spill: pq.ParquetWriter, result: FileResult) -> pa.Table:
        """Rows naming an item, user, campaign or partner the workspace does not hold: counted
        (and a few non-personal examples kept) or, with `unknown_refs = "reject"`, rejected."""
        if not self.refs or out.num_rows == 0:
            return out
        unknown_any = None
        reasons = None
        for col, (target, known) in self.refs.items():
            values = out[col]
            miss = pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=known)))
            n = pc.sum(miss).as_py() or 0
            if not n:
                continue
            ref = f"{col}→{target}"
            self.unknown[ref] += n
            examples = self.unknown_examples[ref]
            if col not in self.pii and len(examples) < 5:
                for v in pc.unique(values.filter(miss)).to_pylist()[: 5 - len(examples)]:
                    examples.append(str(v))
            if self.refs_mode == "reject":
                text = f"{col} is not in {target}"
                why = (
                    pc.if_else(miss, pa.scalar(text), pa.scalar(None, pa.string()))
                    if col in self.pii
                    else pc.if_else(
                        miss,
                        pc.binary_join_element_wise(text, values.cast(pa.string()), ": "),
                        pa.scalar(None, pa.string()),
                    )
                )
                reasons = why if reasons is None else pc.coalesce(reasons, why)
                unknown_any = miss if unknown_any is None else pc.or_(unknown_any, miss)
        if unknown_any is None or reasons is None:
            return out
        rows = out.filter(unknown_any)
        why_rows = reasons.filter(unknown_any)
        spill.write_table(
            pa.table(
                {
                    "line": rows["_line"],
                    "span": rows["_span"],
                    "reason": why_rows,
                    "raw": pa.nulls(rows.num_rows, pa.string()),
                },
                schema=REJECTS_SCHEMA,
            )
        )
        result.rejected += rows.num_rows
        self.tally.add(why_rows.to_pylist())
        return out.filter(pc.invert(unknown_any))

    def _write(self, out: pa.Table, file_index: int) -> None:
        if out.num_rows == 0:
            return
        if self.id_sql and out[self.table.id_column].null_count:
            self.con.register("acc", out)
            try:
                out = self.con.sql(self.id_sql).to_arrow_table()
            finally:
                self.con.unregister("acc")
        out = out.select(self.schema.names).cast(self.schema)
        if self.key_hashes is not None:
            if sum(len(h) for h in self.key_hashes) + out.num_rows > HASHES_IN_MEMORY:
                self.key_hashes = None  # dedupe reads the staged keys back instead
            else:
                self.con.register("acc", out)
                try:
                    self.key_hashes.append(self.con.sql(self.key_sql).fetchnumpy()["h"])
                finally:
                    self.con.unregister("acc")
        # A part holds rows of one source file, in read order: (part, row) orders the ingest.
        if self.writer is None or self.part_file != file_index or self.part_rows >= PART_ROWS:
            self.close()
            path = self.staging / f"part-{len(self.parts):05d}.parquet"
            self.writer = pq.ParquetWriter(
                path, self.schema, compression="zstd", compression_level=1
            )
            self.parts.append((path, file_index))
            self.part_file, self.part_rows = file_index, 0
        # Parquet encoding runs on a writer thread (Arrow releases the GIL) while the next batch
        # is read and validated; at most one batch waits, which bounds memory.
        self._wait()
        self.pending = self.pool.submit(self.writer.write_table, out, row_group_size=ROW_GROUP)
        self.part_rows += out.num_rows

    def _wait(self) -> None:
        if self.pending is not None:
            self.pending.result()
            self.pending = None

    def close(self) -> None:
        self._wait()
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def dedupe(self, existing: list[Path], results: list[FileResult]) -> list[Path]:
        """Drop rows whose key is already committed or appears earlier in this ingest.

        Only key columns are scanned; parts without duplicates are kept as written, and only
        parts that hold duplicates are rewritten. Counts duplicates per source file.
        """
        self.close()
        for r in results:
            r.accepted = r.read - r.rejected
        if not self.parts:
            return []
        key = ", ".join(q(k) for k in self.table.key)
        match = " AND ".join(f"d.{q(k)} = s.{q(k)}" for k in self.table.key)
        con = self.con
        listing = ", ".join(f"'{p}'" for p, _ in self.parts)
        part_of = " ".join(f"WHEN '{p}' THEN {i}" for i, (p, _) in enumerate(self.parts))
        con.execute(
            f"CREATE TEMP VIEW staged AS SELECT {key}, "
            f"CAST(CASE filename {part_of} END AS BIGINT) AS part, file_row_number AS rn "
            f"FROM read_parquet([{listing}], filename = true, file_row_number = true)"
        )
        # Repeated keys are rare: find candidates by a 64-bit hash, then settle them on the
        # exact key. The hashes kept while staging are sorted here (a tenth of a second for 5M
        # rows); past HASHES_IN_MEMORY, a group-by over the staged keys (cheap even for 100M).
        if self.key_hashes is not None:
            hashes = np.sort(np.concatenate([np.zeros(0, np.uint64), *self.key_hashes]))
            repeated = np.unique(hashes[1:][hashes[1:] == hashes[:-1]])
            con.register("repeated", pa.table({"h": pa.array(repeated, pa.uint64())}))
            con.execute("CREATE TEMP TABLE cand AS SELECT h FROM repeated")
            con.unregister("repeated")
        else:
            con.execute(
                f"CREATE TEMP TABLE cand AS SELECT h FROM (SELECT hash({key}) AS h FROM staged) "
                "GROUP BY h HAVING count(*) > 1"
            )
        drops = []
        candidates = con.execute("SELECT count(*) FROM cand").fetchone()
        if candidates and candidates[0]:  # else no key repeats within the ingest: skip the scan
            con.execute(
                f"CREATE TEMP TABLE dupkeys AS SELECT {key}, min(part * {1 << POS_SHIFT} + rn) "
                f"AS first_pos FROM staged WHERE hash({key}) IN (SELECT h FROM cand) "
                f"GROUP BY {key} HAVING count(*) > 1"
            )
            drops.append(
                f"SELECT s.part, s.rn FROM staged s JOIN dupkeys d ON {match} "
                f"WHERE s.part * {1 << POS_SHIFT} + s.rn <> d.first_pos"
            )
        if existing:
            old = ", ".join(f"'{p}'" for p in existing)
            drops.append(
                f"SELECT s.part, s.rn FROM staged s SEMI JOIN "
                f"(SELECT {key} FROM read_parquet([{old}])) d ON {match}"
            )
        dropped: dict[int, int] = {}
        if drops:
            con.execute(
                "CREATE TEMP TABLE drops AS SELECT DISTINCT part, rn "
                f"FROM ({' UNION ALL '.join(drops)})"
            )
            dropped = dict(con.execute("SELECT part, count(*) FROM drops GROUP BY 1").fetchall())
        kept: list[Path] = []
        cols = ", ".join(q(n) for n in self.schema.names)
        for i, (path, file_index) in enumerate(self.parts):
            n_drop = int(dropped.get(i, 0))
            total = pq.ParquetFile(path).metadata.num_rows
            results[file_index].duplicates += n_drop
            results[file_index].accepted -= n_drop
            if n_drop == 0:
                kept.append(path)
            elif n_drop < total:
                out = path.with_name(path.stem + "-dedup.parquet")
                con.execute(
                    f"COPY (SELECT {cols} FROM read_parquet('{path}', file_row_number = true) "
                    f"WHERE file_row_number NOT IN (SELECT rn FROM drops WHERE part = {i}) "
                    f"ORDER BY file_row_number) TO '{out}' "
                    f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP})"
                )
                kept.append(out)
        written = sum(pq.ParquetFile(p).metadata.num_rows for p in kept)
        expected = sum(r.accepted for r in results)
        if written != expected:  # a broken invariant is a bug, never a silent loss
            raise RuntimeError(f"ingest wrote {written} rows but counted {expected} accepted")
        return kept


def _read_ahead(items: Iterator[_T]) -> Iterator[_T]:
    """The items of `items`, the next one read on a thread while the caller works on this one.

    Reading a batch (Parquet decoding, CSV parsing: Arrow, which releases the GIL) then overlaps
    validating the previous one; at most two batches are held. An error while reading is raised
    here, at the item where it happened; if the caller stops early, the reader stops too.
    """
    ready: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: tuple[bool, Any]) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for item in items:
                if not put((True, item)):
                    return
        except BaseException as exc:  # handed to the caller, raised there
            put((False, exc))
            return
        put((False, None))

    reader = threading.Thread(target=read, name="cb-reader", daemon=True)
    reader.start()
    try:
        while True:
            ok, item = ready.get()
            if ok:
                yield item
            elif item is None:
                return
            else:
                raise item
    finally:
        stop.set()
        reader.join()


def _as_text(data: pa.Table) -> pa.Table:
    """Binary columns that are valid UTF-8 become trimmed strings here, with Arrow's fast kernels;
    a column with undecodable bytes stays binary, and validation rejects exactly those rows."""
    for i, col in enumerate(data.schema):
        if pa.types.is_string(col.type):
            text = data.column(i)
        elif pa.types.is_binary(col.type):
            try:
                text = data.column(i).cast(pa.string())
            except pa.ArrowInvalid:
                continue
        else:
            continue
        data = data.set_column(i, col.name, pc.utf8_trim(text, " \t\r\n\ufeff"))
    return data


def _known_keys(
    ws: Workspace, table: Table, con: duckdb.DuckDBPyConnection
) -> dict[str, tuple[str, pa.Array]]:
    """For each column of `table` that names a row of another table holding rows: that table and
    its keys (pseudonymised user ids, as the lake has them)."""
    out: dict[str, tuple[str, pa.Array]] = {}
    manifest = ws.manifest()
    for (name, col), target in REFERENCES.items():
        if name != table.name or not manifest.tables[target].files:
            continue
        key = get_table(target).key[0]
        files = ", ".join(lit(str(f)) for f in ws.files(target, manifest))
        known = con.sql(
            f"SELECT DISTINCT {q(key)} FROM read_parquet([{files}]) WHERE {q(key)} IS NOT NULL"
        ).to_arrow_table()
        out[col] = (target, known.column(0).combine_chunks().cast(pa.string()))
    return out


def _reject_line(file: str, line: int, reason: str, raw: str | None) -> str:
    return (
        json.dumps({"file": file, "line": line, "reason": reason, "raw": raw}, ensure_ascii=False)
        + "\n"
    )


PARTNER_TABLES = ("items", "events", "campaigns")
"""The tables a partner's own key may write to (rows about its own items only)."""


def _owner_checks(ws: Workspace, t: Table, owner: str) -> tuple[str, ...]:
    """Row checks that keep a partner's write inside its own scope (see `PARTNER_TABLES`)."""
    if t.name in ("items", "campaigns"):
        return (
            f'CASE WHEN "v_partner_id" IS NULL OR "v_partner_id" <> {lit(owner)} THEN '
            f"{lit(f'partner_id must be {owner}: this key writes its own partner data only')} END",
        )
    if t.name == "events":
        own = _own_items(ws, owner)
        inside = f'"v_item_id" IN ({", ".join(lit(i) for i in own)})' if own else "FALSE"
        return (
            f'CASE WHEN "v_item_id" IS NULL OR NOT ({inside}) THEN '
            f"{lit(f'item_id is not an item of {owner}: this key writes its own data only')} END",
        )
    raise UserError(
        f"table {t.name!r} is the platform's to write; a partner's key may write "
        f"{', '.join(PARTNER_TABLES)} (its own rows only)"
    )


def _own_items(ws: Workspace, owner: str) -> list[str]:
    files = ws.files("items", ws.manifest())
    if not files:
        return []
    listing = ", ".join(lit(str(f)) for f in files)
    con = duckdb.connect()
    try:
        rows = con.execute(
            f"SELECT DISTINCT item_id FROM read_parquet([{listing}]) WHERE partner_id = ?",
            [owner],
        ).fetchall()
    finally:
        con.close()
    return sorted(str(r[0]) for r in rows)


def ingest(
    ws: Workspace,
    table: str,
    paths: Sequence[Path],
    *,
    mapping: Mapping | None = None,
    format: str = "auto",
    encoding: str = "auto",
    progress: Progress | None = None,
    owner: str | None = None,
    earliest: date | None = None,
) -> IngestResult:
    """Ingest files into a canonical table, atomically. See the module docstring.

    With `owner` (a partner writing through its own key), only rows that partner may write are
    accepted: its own items and campaigns, events about its own items; every other row is
    rejected with the reason. Other tables are the platform's to write. Timestamps before
    `earliest` (else the mapping's, else the workspace's `[ingest] earliest`) are rejected."""
    t = get_table(table)
    extra_checks = _owner_checks(ws, t, owner) if owner is not None else ()
    mapping = mapping or Mapping()
    if mapping.table and mapping.table != t.name:
        raise UserError(f"the mapping is for table {mapping.table!r}, not {t.name!r}")
    if not paths:
        raise UserError("no input files given")
    opts = _options(mapping, format, encoding)
    floor = earliest or mapping.earliest or ws.config.ingest.earliest
    started = time.perf_counter()
    started_at = now_utc()
    result = IngestResult(
        ingest_id=now_utc().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8], table=t.name
    )
    # Open and check every file before touching the workspace: a wrong mapping or a missing
    # file fails here with one clear message, not half-way through.
    sources: list[tuple[Source, Callable[[dict[str, pa.DataType]], str]]] = []
    for path in paths:
        path = Path(path)
        source = open_source(path, opts)
        rules = mapping.resolve(t, source.columns, str(path))
        used = {c for r in rules.values() for c in r.source_columns()}
        ignored = [c for c in source.columns if c not in used]
        if ignored:
            result.ignored_columns[str(path)] = ignored
        make_sql: Callable[[dict[str, pa.DataType]], str] = functools.partial(
            validation_sql,
            t,
            rules,
            dict(mapping.constants),
            file_key=path.name,
            now=now_utc(),
            null_values=tuple(opts.null_values),
            extra_checks=extra_checks,
            earliest=floor,
            encoding=opts.encoding,
        )
        make_sql(_source_types(source))  # mapping errors surface now, before any row is read
        sources.append((source, make_sql))
    total = sum(s.info.size for s, _ in sources)
    with ws.write_lock():
        # owner-only from the start: staging holds raw rows (rejects) until the commit
        ws.staging_dir.mkdir(mode=0o700, exist_ok=True)
        os.chmod(ws.staging_dir, 0o700)
        staging = ws.staging_dir / result.ingest_id
        staging.mkdir(mode=0o700)
        (staging / "tmp").mkdir(mode=0o700)
        stager = _Stager(ws, t, staging)
        rejects_path = staging / "rejects.jsonl"
        fd = os.open(rejects_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        done = 0
        # each file's checksum is read on a thread of its own while the files are staged
        # (hashlib releases the GIL): one more pass over the bytes, but not on the way
        hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cb-sha256")
        digests = [hasher.submit(_sha256, s.info.path) for s, _ in sources]
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as rejects_fh:
                for idx, (source, make_sql) in enumerate(sources):
                    info = source.info
                    fr = FileResult(
                        file=str(info.path),
                        sha256="",
                        bytes=info.size,
                        format=info.format,
                        encoding=info.encoding,
                    )
                    result.files.append(fr)
                    try:
                        stager.stage(source, make_sql, idx, fr, rejects_fh, progress, done, total)
                    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
                        # nothing is committed: the workspace stays as it was
                        raise UserError(
                            f"{info.path}: cannot read past byte {source.position():,}: {exc} "
                            "(a truncated or damaged compressed file); nothing was ingested"
                        ) from None
                    fr.encoding = info.encoding  # known once read: "utf-8+gb18030" when mixed
                    fr.sha256 = digests[idx].result()
                    done += info.size
        finally:  # an error stops the hashing of the files not yet read
            hasher.shutdown(wait=False, cancel_futures=True)
        if progress is not None:
            progress("dedupe", 0, 1)
        manifest = ws.manifest()
        existing = ws.files(t.name, manifest)
        out_files = stager.dedupe(existing, result.files)
        stager.con.close()
        stager.pool.shutdown()
        if progress is not None:
            progress("commit", 0, 1)
        # Move the new files into place (invisible until the manifest lists them), then switch.
        lake_files: list[str] = []
        for i, f in enumerate(out_files):
            dest = ws.lake / t.name / f"{result.ingest_id}-{i:04d}.parquet"
            os.replace(f, dest)
            lake_files.append(str(dest.relative_to(ws.root)))
        if result.rejected:
            dest = ws.rejects_dir / f"{result.ingest_id}.jsonl"
            os.replace(rejects_path, dest)
            os.chmod(dest, 0o600)
            result.rejects_file = str(dest.relative_to(ws.root))
        quality = _quality(ws, t, manifest, result, stager, [str(ws.root / f) for f in lake_files])
        result.quality = quality
        result.duration_s = time.perf_counter() - started
        manifest.tables[t.name].files += lake_files
        manifest.tables[t.name].rows += result.accepted
        manifest.ingests.append(
            IngestRecord(
                ingest_id=result.ingest_id,
                table=t.name,
                started=started_at,
                finished=now_utc(),
                duration_s=result.duration_s,
                files=[FileRecord(**asdict(f)) for f in result.files],
                read=result.read,
                accepted=result.accepted,
                rejected=result.rejected,
                duplicates=result.duplicates,
                rejects_file=result.rejects_file,
                lake_files=lake_files,
                quality=quality,
            )
        )
        _crash_point("before-commit")
        ws.commit(manifest)
        shutil.rmtree(staging, ignore_errors=True)
        if progress is not None:
            progress("commit", 1, 1)
    return result


def _quality(
    ws: Workspace,
    t: Table,
    manifest: Manifest,
    result: IngestResult,
    stager: _Stager,
    new_files: list[str],
) -> Quality:
    """The ingest's data-quality report (see `_quality`); updates the manifest's table state."""
    state = manifest.tables[t.name]
    before = (state.first, state.last)
    if before[0] is None and state.files:  # a workspace from before ranges were kept
        before = ws.time_range(t.name, manifest)
    cats = [c for c in CATEGORICAL.get(t.name, ()) if c in t.names and c not in state.values]
    if cats and state.files:  # the same: the values the table already holds are the baseline
        _, _, old = new_rows_profile(t.name, [str(f) for f in ws.files(t.name, manifest)])
        for c in cats:
            if len(old[c]) <= MAX_VALUES:
                state.values[c] = sorted(old[c])
    lo, hi, values = new_rows_profile(t.name, new_files)
    return assess(
        manifest,
        t.name,
        read=result.read,
        accepted=result.accepted,
        rejected=result.rejected,
        tally=stager.tally,
        rows_range=(lo, hi),
        table_before=before,
        values=values,
        unknown=stager.unknown,
        unknown_examples=stager.unknown_examples,
        refs_mode=stager.refs_mode,
    )


def _crash_point(name: str) -> None:
    """Lets the crash-safety tests stop the process at a chosen point (SIGKILL to itself)."""
    if os.environ.get("CULTUREBRIDGE_TEST_CRASH_AT") == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def _source_types(source: Source) -> dict[str, pa.DataType]:
    from culturebridge.ingest._sources import ParquetSource

    if isinstance(source, ParquetSource):
        schema = source._file.schema_arrow
        return {n: schema.field(n).type for n in schema.names}
    return {c: pa.binary() for c in source.columns}
