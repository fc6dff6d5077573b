"""A workspace: where one deployment's audience data lives, and the one way to query it.

Layout::

    DIR/workspace.toml        name, backend, Spark master, privacy k, secret (0600)
    DIR/lake/<table>/*.parquet  the data, one Parquet file per commit and table (lake/ 0700)
    DIR/lake/_manifest.json   which files are committed: the single switch of every ingest
    DIR/warehouse.duckdb      DuckDB views over the committed files (0600)
    DIR/rejects/              rejected rows with their raw text (0700; never exported)
    DIR/.staging/             an ingest in progress, raw rejects included (0700)
    DIR/models/ DIR/cache/    per-user models and caches (0700)
    DIR/reports/              aggregate outputs (released results only)
    DIR/images/               images that relative `image_uri` values name (`resolve_image`)

The manifest is the source of truth: a file in `lake/` that the manifest does not list belongs
to an ingest that never committed, is invisible to every reader and is removed by the next writer.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

import duckdb
from pydantic import BaseModel, Field

from culturebridge.config import Backend, WorkspaceConfig
from culturebridge.errors import UserError
from culturebridge.schema import TABLES, duckdb_type, get_table

MANIFEST_VERSION = 1


class FileRecord(BaseModel):
    """One source file of an ingest, with its conserved counts."""

    file: str
    sha256: str
    bytes: int
    format: str
    encoding: str
    read: int
    accepted: int
    rejected: int
    duplicates: int


class Quality(BaseModel):
    """An ingest's data-quality report: how it compares with the table and its earlier ingests.
    `warnings` name every figure that is out of line."""

    rejects_by_reason: dict[str, int] = {}
    reject_rate: float = 0.0
    reject_rate_before: float | None = None
    """The median reject rate of the table's earlier ingests (up to 10)."""
    accepted_before: float | None = None
    """The median number of rows the table's earlier ingests accepted (up to 10)."""
    rows_from: datetime | None = None
    rows_to: datetime | None = None
    """The time range of the rows this ingest accepted."""
    table_from_before: datetime | None = None
    table_to_before: datetime | None = None
    table_from_after: datetime | None = None
    table_to_after: datetime | None = None
    new_values: dict[str, list[str]] = {}
    """Categorical values the table had not held before, per column (up to 20 each)."""
    unknown_refs: dict[str, int] = {}
    """Rows naming an item, user, campaign or partner the workspace does not hold, per column."""
    unknown_examples: dict[str, list[str]] = {}
    refs_mode: str = "flag"
    warnings: list[str] = []


class IngestRecord(BaseModel):
    ingest_id: str
    table: str
    started: datetime
    finished: datetime
    duration_s: float
    files: list[FileRecord]
    read: int
    accepted: int
    rejected: int
    duplicates: int
    rejects_file: str | None = None
    lake_files: list[str] = []
    quality: Quality | None = None


class TableState(BaseModel):
    files: list[str] = []
    rows: int = 0
    first: datetime | None = None
    last: datetime | None = None
    """The time range of the table's rows, kept by each ingest (None: not known yet)."""
    values: dict[str, list[str]] = {}
    """The categorical values seen per column (not kept past 500 distinct ones)."""


class Manifest(BaseModel):
    format_version: int = MANIFEST_VERSION
    version: int = 0
    """Increases by one with every commit."""
    tables: dict[str, TableState] = Field(default_factory=lambda: {t: TableState() for t in TABLES})
    ingests: list[IngestRecord] = []


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in `path` durable (fsync the directory itself)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Workspace:
    """An opened workspace. Cheap to open; connections are made on demand."""

    def __init__(self, root: Path, config: WorkspaceConfig) -> None:
        self.root = root
        self.config = config

    # ------------------------------------------------------------------ paths

    @property
    def lake(self) -> Path:
        return self.root / "lake"

    @property
    def rejects_dir(self) -> Path:
        return self.root / "rejects"

    @property
    def staging_dir(self) -> Path:
        return self.root / ".staging"

    @property
    def manifest_path(self) -> Path:
        return self.lake / "_manifest.json"

    @property
    def warehouse_path(self) -> Path:
        return self.root / "warehouse.duckdb"

    # ------------------------------------------------------------------ create / open

    @classmethod
    def create(
        cls,
        root: Path,
        *,
        name: str | None = None,
        backend: Backend = "duckdb",
        exist_ok: bool = False,
    ) -> Workspace:
        root = root.resolve()
        if (root / "workspace.toml").exists():
            if exist_ok:
                return cls.open(root)
            raise UserError(f"{root} is already a culturebridge workspace")
        if root.exists() and not root.is_dir():
            raise UserError(f"{root} exists and is not a directory")
        root.mkdir(parents=True, exist_ok=True)
        config = WorkspaceConfig.new(name or root.name, backend)
        ws = cls(root, config)
        (root / "reports").mkdir(exist_ok=True)
        # one row per person (pseudonymous), models of them, raw rejected rows: owner only
        for sub in ("lake", "models", "cache", "rejects"):
            (root / sub).mkdir(mode=0o700, exist_ok=True)
            os.chmod(root / sub, 0o700)
        for t in TABLES:
            (ws.lake / t).mkdir(exist_ok=True)
        ws._write_manifest(Manifest())
        ws.refresh_warehouse()
        config.write(root / "workspace.toml")  # last: a workspace exists once this file does
        return ws

    @classmethod
    def open(cls, root: Path) -> Workspace:
        root = Path(root).resolve()
        if not root.is_dir():
            raise UserError(f"workspace not found: {root}")
        config = WorkspaceConfig.read(root / "workspace.toml")
        ws = cls(root, config)
        if not ws.manifest_path.exists():
            raise UserError(f"{root}: workspace is damaged (lake/_manifest.json is missing)")
        return ws

    # ------------------------------------------------------------------ manifest

    def manifest(self) -> Manifest:
        try:
            return Manifest.model_validate_json(self.manifest_path.read_bytes())
        except (OSError, ValueError) as exc:
            raise UserError(f"{self.manifest_path}: unreadable manifest: {exc}") from None

    def _write_manifest(self, manifest: Manifest) -> None:
        """Atomic: write a temporary file, fsync it, rename it over the old one, fsync the dir."""
        tmp = self.manifest_path.with_suffix(".json.tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(manifest.model_dump_json(indent=1))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.manifest_path)
        fsync_dir(self.lake)

    def commit(self, manifest: Manifest) -> None:
        """Make `manifest` the committed state (the caller holds the write lock)."""
        manifest.version += 1
        self._write_manifest(manifest)
        with contextlib.suppress(duckdb.Error):
            self.refresh_warehouse(manifest)

    def files(self, table: str, manifest: Manifest | None = None) -> list[Path]:
        m = manifest or self.manifest()
        return [self.root / f for f in m.tables[get_table(table).name].files]

    @contextlib.contextmanager
    def settings_lock(self) -> Iterator[None]:
        """One writer at a time of the small files people edit from the API (saved segments and
        insights): a short, blocking lock, apart from the data's `write_lock`."""
        fd = os.open(self.root / ".settings.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """One writer at a time; the OS drops the lock if the writer dies, even by SIGKILL."""
        lock_path = self.root / ".lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UserError(
                    f"{self.root}: another culturebridge process is writing to this workspace"
                ) from None
            self.collect_garbage()
            yield
        finally:
            os.close(fd)

    def collect_garbage(self) -> None:
        """Remove what an interrupted writer left: staging folders and uncommitted files."""
        if self.staging_dir.exists():
            shutil.rmtree(self.staging_dir, ignore_errors=True)
        m = self.manifest()
        committed = {f for t in m.tables.values() for f in t.files}
        for t in TABLES:
            folder = self.lake / t
            if not folder.exists():
                continue
            for path in folder.iterdir():
                if str(path.relative_to(self.root)) not in committed:
                    path.unlink(missing_ok=True)
        keep = {i.rejects_file for i in m.ingests if i.rejects_file}
        if self.rejects_dir.exists():
            for path in self.rejects_dir.iterdir():
                if str(path.relative_to(self.root)) not in keep:
                    path.unlink(missing_ok=True)

    # ------------------------------------------------------------------ warehouse

    def view_sql(self, table: str, files: list[Path]) -> str:
        t = get_table(table)
        if files:
            listing = ", ".join("'" + str(p).replace("'", "''") + "'" for p in files)
            return f'CREATE OR REPLACE VIEW "{t.name}" AS SELECT * FROM read_parquet([{listing}])'
        cols = ", ".join(f'CAST(NULL AS {duckdb_type(c)}) AS "{c.name}"' for c in t.columns)
        return f'CREATE OR REPLACE VIEW "{t.name}" AS SELECT {cols} WHERE false'

    def refresh_warehouse(self, manifest: Manifest | None = None) -> None:
        """Point the warehouse's views at the committed files (kept with the manifest version
        and the workspace's location, so a moved workspace or a missed refresh is noticed)."""
        m = manifest or self.manifest()
        con = duckdb.connect(str(self.warehouse_path))
        try:
            con.execute("BEGIN")
            for t in TABLES:
                con.execute(self.view_sql(t, self.files(t, m)))
            con.execute("CREATE OR REPLACE TABLE _culturebridge (version BIGINT, root VARCHAR)")
            con.execute("INSERT INTO _culturebridge VALUES (?, ?)", [m.version, str(self.root)])
            con.execute("COMMIT")
        finally:
            con.close()
        with contextlib.suppress(OSError):
            os.chmod(self.warehouse_path, 0o600)

    def warehouse_current(self, manifest: Manifest) -> bool:
        try:
            con = duckdb.connect(str(self.warehouse_path), read_only=True)
        except duckdb.Error:
            return False
        try:
            row = con.execute("SELECT version, root FROM _culturebridge").fetchone()
        except duckdb.Error:
            return False
        finally:
            con.close()
        return row is not None and row[0] == manifest.version and row[1] == str(self.root)

    # ------------------------------------------------------------------ status

    def time_range(
        self, table: str, manifest: Manifest | None = None
    ) -> tuple[datetime | None, datetime | None]:
        """(earliest, latest) of a table's time column over its committed files."""
        t = get_table(table)
        files = self.files(table, manifest)
        if not files or not t.time_column:
            return None, None
        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            listing = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
            row = con.execute(
                f'SELECT min("{t.time_column}"), max("{t.time_column}") '
                f"FROM read_parquet([{listing}], union_by_name = true)"
            ).fetchone()
        finally:
            con.close()
        return (row[0], row[1]) if row else (None, None)

    def status(self) -> dict[str, Any]:
        """Tables with row counts and time ranges, ingest history and rejects."""
        m = self.manifest()
        tables: dict[str, Any] = {}
        for name in TABLES:
            state = m.tables[name]
            entry: dict[str, Any] = {"rows": state.rows, "files": len(state.files)}
            lo, hi = (state.first, state.last)
            if lo is None and state.files:
                lo, hi = self.time_range(name, m)
            if lo is not None and hi is not None:
                entry["from"], entry["to"] = lo.isoformat(), hi.isoformat()
            tables[name] = entry
        ingests = [
            {
                "ingest_id": i.ingest_id,
                "table": i.table,
                "finished": i.finished.isoformat(timespec="seconds"),
                "files": [f.file for f in i.files],
                "read": i.read,
                "accepted": i.accepted,
                "rejected": i.rejected,
                "duplicates": i.duplicates,
                "rejects_file": i.rejects_file,
                "duration_s": round(i.duration_s, 3),
                "quality": i.quality.model_dump(mode="json") if i.quality else None,
            }
            for i in m.ingests
        ]
        return {
            "workspace": str(self.root),
            "name": self.config.name,
            "backend": self.config.backend,
            "version": m.version,
            "tables": tables,
            "ingests": ingests,
            "rejected_total": sum(i.rejected for i in m.ingests),
        }


_URI_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")


def resolve_image(ws_root: Path, image_uri: str) -> Path:
    """The local file that an `image_uri` (items, posts) names.

    A relative path is taken from the workspace root, so a workspace can be moved with its
    images (the demo writes `images/items/fsh_0001.jpg` there); it may not climb out of the root,
    since the value comes from ingested data. An absolute path or a `file:` URI is taken as it
    is. Remote URIs (http, s3, ...) are not fetched: a UserError says so. Whether the file exists
    is the caller's question.
    """
    uri = image_uri.strip()
    if not uri:
        raise UserError("empty image_uri")
    root = Path(ws_root)
    match = _URI_SCHEME.match(uri)
    if match and match.group(1).lower() == "file":
        parsed = urlparse(uri)
        return Path(url2pathname(unquote(parsed.path)))
    if match:
        raise UserError(f"{uri}: not a local image ({match.group(1)}: URIs are not fetched)")
    path = Path(uri)
    if path.is_absolute():
        return path
    joined = Path(os.path.normpath(root / path))
    if not joined.is_relative_to(os.path.normpath(root)):
        raise UserError(f"{uri}: a relative image_uri must stay inside the workspace")
    return joined


class TextCache:
    """Values computed from texts (sentence embeddings, tags), remembered by a hash of each text
    in one `.npz` under the workspace's `cache/` (0700; no pickle), so that a text is computed
    once rather than on every run.

    Call it like the function it caches: `cache(texts)` returns one row per text (a matrix for
    vectors; a 1-D array for bytes, which must not end in NUL), computing only the texts it has
    not seen, in batches, with `progress(done, total)` after each. `model` names what made the
    values: a file made by another model (or another version of it) is ignored and replaced.
    `save` writes atomically; a workspace that cannot be written computes again next time, and
    an unreadable file is only a cache, started afresh.
    """

    def __init__(self, path: Path | None, model: str, compute: Callable[[list[str]], Any]) -> None:
        self.path = path
        self.model = model
        self.compute = compute
        self.added = 0
        self._rows: dict[bytes, Any] = {}
        if path is None:
            return
        import numpy as np

        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["model"]) != model:
                    return
                keys, values = data["keys"], data["values"]
        except (OSError, ValueError, KeyError):
            return
        self._rows = dict(zip((k.tobytes() for k in keys), values, strict=True))

    @staticmethod
    def key(text: str) -> bytes:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()[:16]

    @property
    def size(self) -> int:
        """How many texts it holds (not `len`: an empty cache is still a cache, not falsy)."""
        return len(self._rows)

    def __call__(
        self,
        texts: Sequence[str],
        *,
        batch: int = 64,
        progress: Callable[[int, int], None] | None = None,
    ) -> Any:
        import numpy as np

        keys = [self.key(t) for t in texts]
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._rows}
        missing = list(todo)
        for start in range(0, len(missing), batch):
            if progress is not None:
                progress(start, len(missing))
            part = missing[start : start + batch]
            fresh = self.compute([todo[k] for k in part])
            self._rows.update(zip(part, fresh, strict=True))
            self.added += len(part)
        if progress is not None and missing:
            progress(len(missing), len(missing))
        return np.asarray([self._rows[k] for k in keys])

    def save(self) -> None:
        if self.path is None or not self.added:
            return
        import numpy as np

        keys = list(self._rows)
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                np.savez(
                    fh,
                    model=np.asarray(self.model, dtype=np.str_),
                    # raw bytes, not an "S16" array: NumPy strips an "S" value's trailing NULs
                    keys=np.frombuffer(b"".join(keys), np.uint8).reshape(len(keys), 16),
                    values=np.asarray([self._rows[k] for k in keys]),
                )
            os.chmod(tmp, 0o600)
            tmp.replace(self.path)
            self.added = 0
        except OSError:
            pass  # a read-only workspace: computed again next time


def now_utc() -> datetime:
    return datetime.now(UTC)


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)
