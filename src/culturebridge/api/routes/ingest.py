"""`POST /ingest/{table}` (admin keys): upload one file into a canonical table, through the
same validation, pseudonymisation and atomic commit as `culturebridge ingest`."""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path as FsPath
from typing import Annotated, Literal

import pyarrow as pa
from fastapi import APIRouter, File, HTTPException, Path, Query, UploadFile, status
from pydantic import BaseModel

from culturebridge.api._deps import AdminDep, StateDep
from culturebridge.errors import UserError
from culturebridge.ingest import PARTNER_TABLES
from culturebridge.ingest import ingest as run_ingest
from culturebridge.schema import TABLES, get_table
from culturebridge.workspace import FileRecord

router = APIRouter(prefix="/ingest", tags=["ingest"])

_SUFFIX = re.compile(r"(\.(csv|tsv|txt|jsonl|ndjson|json|parquet))?(\.gz)?$", re.IGNORECASE)


class IngestPublic(BaseModel):
    """What `ingest --json` prints: counts always add up, read = accepted + rejected +
    duplicates; rejected rows and reasons are in `rejects_file` (relative to the workspace)."""

    ingest_id: str
    table: str
    read: int
    accepted: int
    rejected: int
    duplicates: int
    rejects_file: str | None
    duration_s: float
    rows_per_s: int | None
    files: list[FileRecord]
    ignored_columns: dict[str, list[str]]


def _suffix(name: str) -> str:
    """The upload's format suffixes (`.csv`, `.jsonl.gz`), so that `auto` detection works; a
    name is never used as a path."""
    m = _SUFFIX.search(FsPath(name).name)
    return m.group(0).lower() if m else ""


@router.post(
    "/{table}",
    response_model=IngestPublic,
    summary="Ingest an uploaded file into a table (admin keys)",
    responses={
        403: {
            "description": "The key is not an admin key, or a partner's key names a table "
            "only the platform writes"
        }
    },
)
def ingest_upload(
    state: StateDep,
    caller: AdminDep,
    table: Annotated[
        str, Path(min_length=1, max_length=64, description=f"One of: {', '.join(TABLES)}.")
    ],
    file: Annotated[UploadFile, File(description="CSV, TSV, JSONL or Parquet (.gz too).")],
    format: Annotated[
        Literal["auto", "csv", "tsv", "jsonl", "parquet"], Query(description="File format.")
    ] = "auto",
    encoding: Annotated[
        Literal["auto", "utf-8", "gb18030", "latin-1"], Query(description="Text encoding.")
    ] = "auto",
) -> IngestPublic:
    """Validated, pseudonymised, deduplicated and committed atomically, as `culturebridge
    ingest DIR FILE --table TABLE` does; the data version moves on, so cached results are
    recomputed. An unknown table is a 400 naming the tables."""
    get_table(table)  # the clear message before the upload is copied anywhere
    owner = caller.item_scope
    if owner is not None and table not in PARTNER_TABLES:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"table {table!r} is the platform's to write; key {caller.key_id} of partner "
            f"{owner!r} may write {', '.join(PARTNER_TABLES)} (its own rows only)",
        )
    with tempfile.TemporaryDirectory(prefix="cb-upload-") as tmp:
        path = FsPath(tmp) / f"upload{_suffix(file.filename or '')}"
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, 1 << 20)
        if path.stat().st_size == 0:
            raise UserError("the uploaded file is empty")
        try:
            result = run_ingest(
                state.ws, table, [path], format=format, encoding=encoding, owner=owner
            )
        except (pa.ArrowException, UnicodeError, ValueError, csv.Error) as exc:
            # a file that is not what it claims to be is the uploader's mistake, not a 500
            # never echo the server's temporary path
            detail = str(exc).replace(str(path), file.filename or "upload").replace(tmp, "")
            raise UserError(f"could not read the upload as {format}: {detail}") from None
    if result.accepted:
        state.warm(table)
    files = []
    for f in result.files:
        row = asdict(f)
        row["file"] = file.filename or row["file"]
        files.append(FileRecord.model_validate(row))
    # one file, so at most one entry: named as uploaded, not by the temporary path
    ignored: dict[str, list[str]] = {}
    for cols in result.ignored_columns.values():
        ignored[file.filename or "upload"] = cols
    return IngestPublic.model_validate(
        {**result.to_dict(), "files": files, "ignored_columns": ignored}
    )
