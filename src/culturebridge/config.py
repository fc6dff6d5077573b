"""Settings: process-wide knobs (environment, `CULTUREBRIDGE_` prefix) and per-workspace config.

Two layers, kept apart on purpose: `Settings` says how this process runs (memory, threads, Spark
master override) and comes from the environment; `WorkspaceConfig` says what a workspace *is*
(its backend, privacy threshold, pseudonymisation secret) and lives in `workspace.toml`.
"""

from __future__ import annotations

import os
import secrets
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

import tomli_w
from pydantic import BaseModel, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from culturebridge.errors import UserError, read_toml, validation_message

Backend = Literal["duckdb", "spark"]


class SparkSettings(BaseModel):
    master: str | None = None
    """Overrides the workspace's Spark master when set (e.g. `local[2]` in tests)."""
    driver_memory: str = "2g"


class IngestSettings(BaseModel):
    batch_rows: int = Field(default=500_000, ge=1_000)
    """Rows validated and written per batch: bounds ingest memory."""
    csv_block_bytes: int = Field(default=16 << 20, ge=1 << 16)
    """Arrow CSV parser block; one record (a row with its quoted newlines) must fit in two."""
    duckdb_memory_limit: str = "1GB"
    """DuckDB's share of an ingest (validation, dedupe); it spills to disk beyond this. With
    Arrow's batches this keeps a 100M-row ingest under ~3 GB."""
    warm_caches: bool = True
    """After an ingest (`ingest`, `demo`, an API upload), fill the caches the new rows feed:
    post tags, topic-sample and catalogue embeddings, item image tags (`culturebridge.caches`).
    False leaves them to the first question that needs them."""


class LocaliseSettings(BaseModel):
    """Translation: `CULTUREBRIDGE_LOCALISE__MT_BACKEND=ctranslate2` with
    `CULTUREBRIDGE_LOCALISE__MODEL_PATH=/models/opus-mt-en-zh-ct2`; the default backend uses
    only the translation memory and the termbase."""

    mt_backend: Literal["memory", "ctranslate2", "argos"] = "memory"
    model_path: Path | None = None
    """A local model (a CTranslate2 folder or an Argos package); nothing is downloaded."""
    device: str = "cpu"
    """CTranslate2 device: cpu or cuda."""
    fuzzy_threshold: float = Field(default=0.75, ge=0.0, le=1.0)
    """Smallest similarity a fuzzy memory search returns (`localise tm search`)."""
    mt_fuzzy_threshold: float = Field(default=0.9, ge=0.0, le=1.0)
    """Smallest similarity at which a translator uses a fuzzy memory match (flagged)."""


class ApiSettings(BaseModel):
    """The REST API and dashboard (`culturebridge serve`)."""

    rate_limit: int = Field(default=1200, ge=1)
    """Requests per minute a new key may make (each key keeps its own; 429 beyond it)."""
    burst: int = Field(default=200, ge=1)
    """Requests a key may make at once before the per-minute rate applies."""
    cache_entries: int = Field(default=512, ge=0)
    """Results kept per server (keyed by the workspace's data version, so an ingest clears them)."""
    audit: bool = True
    """Log every API request, refused ones included, to `DIR/audit/audit.jsonl`."""
    capture: bool = True
    """Take streamed events at `POST /api/v1/capture` (one capturing server per workspace)."""
    capture_commit_seconds: float = Field(default=10.0, gt=0)
    """How often captured events are committed to the lake (each commit is one ingest)."""
    capture_commit_events: int = Field(default=200_000, ge=1)
    """Commit sooner once this many captured events wait."""


class Settings(BaseSettings):
    """Process settings from the environment, e.g. `CULTUREBRIDGE_DUCKDB_MEMORY_LIMIT=2GB`,
    `CULTUREBRIDGE_SPARK__MASTER=local[2]`, `CULTUREBRIDGE_INGEST__BATCH_ROWS=100000`."""

    model_config = SettingsConfigDict(env_prefix="CULTUREBRIDGE_", env_nested_delimiter="__")

    duckdb_memory_limit: str = "3GB"
    duckdb_threads: int | None = None
    spark: SparkSettings = SparkSettings()
    ingest: IngestSettings = IngestSettings()
    localise: LocaliseSettings = LocaliseSettings()
    api: ApiSettings = ApiSettings()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process settings, read once; tests call `get_settings.cache_clear()` to swap them."""
    return Settings()


class SparkConfig(BaseModel):
    """`[spark]` in workspace.toml: where the Spark backend runs (see the README's "Spark on a
    cluster")."""

    master: str = "local[*]"
    """`local[*]`, or a cluster's master: `spark://host:7077`, `yarn`, `k8s://https://…`."""
    app_name: str = "culturebridge"
    conf: dict[str, str] = {}
    """Further Spark settings, e.g. `spark.executor.memory = "8g"`; they win over the defaults
    (`spark.sql.shuffle.partitions` 8, `spark.driver.memory` from the process settings)."""


class PrivacyConfig(BaseModel):
    k: int = Field(default=10, ge=1)
    """Smallest group size any exported aggregate may describe."""
    epsilon: float | None = Field(default=None, gt=0)
    """Epsilon per noised release; differential privacy is off when None."""
    epsilon_budget: float = Field(default=10.0, gt=0)
    """Total epsilon each partner may spend on noised releases before they are refused."""
    adhoc_epsilon: float = Field(default=0.5, gt=0)
    """Epsilon of each release about an ad-hoc segment that a partner's key asks for (a
    preview's size, and its preferences): such questions are always noised, consistently (the
    same set of users gets the same answer, charged once), from the partner's budget. Named
    segments stay k-only unless `epsilon` is set; the platform's analysts get exact figures."""


class WorkspaceIngestConfig(BaseModel):
    """`[ingest]` in workspace.toml: the data rules one deployment chooses."""

    earliest: date = date(2000, 1, 1)
    """Timestamps before this day are rejected as implausible (a mapping may set its own)."""
    unknown_refs: Literal["flag", "reject"] = "flag"
    """Rows naming an item, user, campaign or partner the workspace does not have: "flag"
    accepts them and counts them in the data-quality report; "reject" rejects them."""


class WorkspaceConfig(BaseModel):
    """The contents of `workspace.toml`."""

    name: str
    backend: Backend = "duckdb"
    spark: SparkConfig = SparkConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    ingest: WorkspaceIngestConfig = WorkspaceIngestConfig()
    secret: str = Field(min_length=32, repr=False)
    """Key for pseudonymising user ids (HMAC-SHA256). Losing it breaks id continuity."""

    @classmethod
    def new(cls, name: str, backend: Backend = "duckdb") -> WorkspaceConfig:
        return cls(name=name, backend=backend, secret=secrets.token_hex(32))

    def write(self, path: Path) -> None:
        """Write the file owner-only from its first byte: it holds the pseudonymisation secret."""
        data = tomli_w.dumps(self.model_dump(mode="json", exclude_none=True))
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("# culturebridge workspace. Keep private: `secret` keys the pseudonyms.\n")
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)

    @classmethod
    def read(cls, path: Path) -> WorkspaceConfig:
        raw = read_toml(path, f"{path.parent} is not a culturebridge workspace (no workspace.toml)")
        # raise after the except block: raising inside it keeps the whole stack alive
        message = ""
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            message = validation_message(path, exc)
        raise UserError(message)
