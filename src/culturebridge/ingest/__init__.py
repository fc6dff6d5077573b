"""The only door into a workspace: read, map, validate, pseudonymise, dedupe, commit."""

from culturebridge.ingest._capture import (
    MAX_BATCH,
    BatchTooLarge,
    CaptureLog,
    Committer,
    encode_batch,
)
from culturebridge.ingest._mapping import ColumnRule, Mapping, SourceOptions
from culturebridge.ingest._pipeline import PARTNER_TABLES, FileResult, IngestResult, ingest
from culturebridge.ingest._sources import detect_encoding, open_source, sniff_delimiter

__all__ = [
    "MAX_BATCH",
    "PARTNER_TABLES",
    "BatchTooLarge",
    "CaptureLog",
    "ColumnRule",
    "Committer",
    "FileResult",
    "IngestResult",
    "Mapping",
    "SourceOptions",
    "detect_encoding",
    "encode_batch",
    "ingest",
    "open_source",
    "sniff_delimiter",
]
