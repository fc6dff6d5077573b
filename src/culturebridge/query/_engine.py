"""The engine: one Ibis connection over a workspace's committed tables, on DuckDB or Spark.

Only the query session (`Analysis`) and ingest open the engine; everything else asks them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import duckdb

from culturebridge.config import Backend, get_settings
from culturebridge.errors import UserError
from culturebridge.schema import TABLES

if TYPE_CHECKING:
    import pyarrow as pa
    from ibis.backends import BaseBackend

    from culturebridge.workspace import Manifest, Workspace


def connect(ws: Workspace, backend: Backend | None = None) -> BaseBackend:
    """One Ibis connection with every canonical table registered.

    DuckDB (default) opens the warehouse read-only; Spark reads the same committed Parquet
    files, so the same Ibis expression gives the same answer on either.
    """
    chosen = backend or ws.config.backend
    manifest = ws.manifest()
    if chosen == "spark":
        return _connect_spark(ws, manifest)
    import ibis

    settings = get_settings()
    con: BaseBackend
    try:
        if not ws.warehouse_current(manifest):
            ws.refresh_warehouse(manifest)
        con = ibis.duckdb.connect(
            str(ws.warehouse_path),
            read_only=True,
            memory_limit=settings.duckdb_memory_limit,
        )
    except duckdb.Error:
        # Another process holds the warehouse file (DuckDB allows one writer): the same
        # views in memory, over the same committed files, give the same answers.
        con = ibis.duckdb.connect(memory_limit=settings.duckdb_memory_limit)
        for t in TABLES:
            con.raw_sql(ws.view_sql(t, ws.files(t, manifest)))
    con.raw_sql("SET TimeZone = 'UTC'")
    return con


@contextmanager
def engine(ws: Workspace, backend: Backend | None = None) -> Iterator[BaseBackend]:
    """A connection for reading reference tables (items, partners, matches) that an analysis
    does not need a session for; closed on exit (a Spark session lives on for the process)."""
    chosen = backend or ws.config.backend
    con = connect(ws, chosen)
    try:
        yield con
    finally:
        if chosen == "duckdb":
            con.disconnect()


REFERENCE_TABLES = ("partners", "items", "campaigns", "matches")
"""Tables that describe no audience member: read whole, without a query session."""


def reference_table(
    ws: Workspace,
    table: str,
    columns: Sequence[str] | None = None,
    *,
    order_by: Sequence[str] = (),
    backend: Backend | None = None,
) -> pa.Table:
    """A reference table (partners, items, campaigns, matches), or some of its columns, as
    Arrow. Tables about people (users, events, posts, assignments) are read through a query
    session (`Analysis`) and leave only through its release step."""
    if table not in REFERENCE_TABLES:
        raise ValueError(f"{table!r} is not a reference table ({', '.join(REFERENCE_TABLES)})")
    with engine(ws, backend) as con:
        t = con.table(table)
        if columns is not None:
            t = t.select(*columns)
        if order_by:
            t = t.order_by(list(order_by))
        return t.to_pyarrow()


def _connect_spark(ws: Workspace, manifest: Manifest) -> BaseBackend:
    try:
        import ibis
        from pyspark.sql import SparkSession
    except ImportError:
        raise UserError(
            "the Spark backend needs PySpark: pip install 'culturebridge[spark]'"
        ) from None
    from culturebridge.schema import spark_schema

    settings = get_settings()
    master = settings.spark.master or ws.config.spark.master
    conf = {
        "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "8",
        "spark.driver.memory": settings.spark.driver_memory,
        "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
        **ws.config.spark.conf,  # a cluster's own settings win
    }
    builder = SparkSession.builder.master(master).appName(ws.config.spark.app_name)
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    for t in TABLES:
        files = [str(p) for p in ws.files(t, manifest)]
        schema = spark_schema(t)
        if files:
            df = session.read.schema(schema).parquet(*files)
        else:
            df = session.createDataFrame([], schema)
        df.createOrReplaceTempView(t)
    return ibis.pyspark.connect(session)
