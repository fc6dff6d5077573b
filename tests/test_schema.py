"""The canonical tables: every derived schema agrees with the one declaration."""

from __future__ import annotations

import re

import duckdb
import pyarrow as pa
import pytest

from culturebridge.schema import (
    EVENT_TYPES,
    ITEM_KINDS,
    TABLES,
    arrow_schema,
    duckdb_ddl,
    get_table,
    spark_schema,
)

TABLE_NAMES = sorted(TABLES)


def test_design_tables_are_declared() -> None:
    assert set(TABLES) == {
        "partners",
        "items",
        "users",
        "events",
        "posts",
        "matches",
        "campaigns",
        "assignments",
    }


def test_event_types_and_item_kinds() -> None:
    assert "rate" in EVENT_TYPES
    assert set(EVENT_TYPES) == {
        "impression",
        "view",
        "play",
        "rate",
        "like",
        "share",
        "comment",
        "favourite",
        "purchase",
        "click",
    }
    assert get_table("events").column("type").enum == EVENT_TYPES
    assert get_table("items").column("kind").enum == ITEM_KINDS
    assert "documentary" in ITEM_KINDS


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_table_declaration_is_consistent(name: str) -> None:
    t = TABLES[name]
    assert t.name == name
    assert len(set(t.names)) == len(t.names), "duplicate column names"
    for k in t.key:
        assert k in t.names
    if t.id_column:
        assert t.id_column in t.names
        assert t.key == (t.id_column,)
        assert all(f in t.names for f in t.hash_fields)
        assert t.id_column not in t.hash_fields
    if t.time_column:
        assert t.column(t.time_column).type == "timestamp"
    for group in t.require_any:
        assert all(c in t.names for c in group)


def test_user_ids_are_pseudonymised_everywhere() -> None:
    for t in TABLES.values():
        if "user_id" in t.names:
            assert t.column("user_id").pii, t.name
    assert not any(c.pii for t in TABLES.values() for c in t.columns if c.name != "user_id")


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_arrow_schema_matches_declaration(name: str) -> None:
    t = TABLES[name]
    schema = arrow_schema(name)
    assert schema.names == t.names
    for col in t.columns:
        field = schema.field(col.name)
        assert field.nullable == (not col.required), col.name
    assert schema.metadata == {b"culturebridge.table": name.encode()}
    assert arrow_schema(t) == schema


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_duckdb_ddl_matches_arrow_schema(name: str) -> None:
    """The DDL creates a table whose columns, types and NOT NULLs are the Arrow schema's."""
    t = TABLES[name]
    con = duckdb.connect()
    con.execute(duckdb_ddl(name))
    info = con.execute(
        "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
        "WHERE table_name = ? ORDER BY ordinal_position",
        [name],
    ).fetchall()
    assert [r[0] for r in info] == t.names
    assert [r[2] == "YES" for r in info] == [not c.required for c in t.columns]
    # An empty Arrow table of the canonical schema goes in without any cast.
    empty = arrow_schema(name).empty_table()
    con.register("empty_tbl", empty)
    arrow_types = con.execute("DESCRIBE SELECT * FROM empty_tbl").fetchall()
    assert [(r[0], r[1]) for r in arrow_types] == [(r[0], r[1]) for r in info]
    con.close()


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_spark_schema_matches_arrow_schema(name: str) -> None:
    pytest.importorskip("pyspark")
    from pyspark.sql import types as T  # noqa: N812

    t = TABLES[name]
    st = spark_schema(name)
    assert isinstance(st, T.StructType)
    assert st.names == t.names
    expected = {
        "string": T.StringType(),
        "int64": T.LongType(),
        "float64": T.DoubleType(),
        "timestamp": T.TimestampNTZType(),
        "date": T.DateType(),
    }
    arrow = arrow_schema(name)
    for col, field in zip(t.columns, st.fields, strict=True):
        assert field.nullable == (not col.required)
        assert field.nullable == arrow.field(col.name).nullable
        if col.type in expected:
            assert field.dataType == expected[col.type]
        atype = arrow.field(col.name).type
        if pa.types.is_timestamp(atype):
            # naive UTC in the lake; NTZ on Spark so that no session zone shifts it
            assert atype.tz is None
            assert isinstance(field.dataType, T.TimestampNTZType)
        if pa.types.is_list(atype):
            assert isinstance(field.dataType, T.ArrayType)
        if pa.types.is_map(atype):
            assert isinstance(field.dataType, T.MapType)


def test_get_table_unknown_names_the_known_tables() -> None:
    with pytest.raises(ValueError, match=r"unknown table 'nope' \(known: partners, items"):
        get_table("nope")


def test_column_to_dict_shows_constraints() -> None:
    events = get_table("events").to_dict()
    cols = {c["name"]: c for c in events["columns"]}
    assert cols["type"]["enum"] == list(EVENT_TYPES)
    assert cols["type"]["required"] is True
    assert cols["user_id"]["pseudonymised"] is True
    assert cols["value"]["min"] == -1e9 and cols["value"]["max"] == 1e9
    assert events["key"] == ["event_id"]
    assert events["time_column"] == "ts"
    assert get_table("items").to_dict()["require_any"] == [["title_en", "title_zh"]]


def test_ddl_quotes_reserved_names() -> None:
    # campaigns has columns called "start" and "end": the DDL must quote them
    ddl = duckdb_ddl("campaigns")
    assert re.search(r'"end" TIMESTAMP', ddl)
    duckdb.connect().execute(ddl)
