"""Vectorised validation: one SQL query per batch, generated from the schema and the mapping.

For every canonical column the query computes the typed value and, next to it, every rule the
row breaks (bad bytes, bad type, missing, outside the enum or range, in the future). A row with
any reason is rejected with all of its reasons; the others come out typed, ready for the lake.
DuckDB's `TRY_CAST` makes the per-value checks cheap and keeps one bad value from failing a batch.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pyarrow as pa

from culturebridge.ingest._mapping import ColumnRule
from culturebridge.schema import FUTURE_TOLERANCE_DAYS, MIN_TIMESTAMP, Column, Table, duckdb_type

# A UTC offset after a time of day that no place has: beyond ±14:00, or minutes past 59.
_BAD_OFFSET = (
    "[0-9]:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)? ?[+-]"
    "((1[5-9]|[2-9][0-9]):?[0-9]{2}|[0-9]{2}:?[6-9][0-9])$"
)


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: object) -> str:
    """A SQL literal for a Python scalar."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _nullify(text: str, nulls: tuple[str, ...]) -> str:
    if not nulls:
        return f"nullif({text}, '')"
    listed = ", ".join(lit(v) for v in ("", *nulls))
    return f"(CASE WHEN {text} IN ({listed}) THEN NULL ELSE {text} END)"


def _text(
    source: str, src_type: pa.DataType, nulls: tuple[str, ...], level1: dict[str, str]
) -> tuple[str, str | None]:
    """(the source's trimmed text, NULL when empty; reference to a flag that is TRUE when its
    bytes are undecodable). Both are computed once, in the innermost query; a typed source
    (numbers, timestamps) is kept typed there and its text is a cast where text is needed."""
    col = q(source)
    text, bad = q("s_" + source), q("b_" + source)
    if pa.types.is_binary(src_type) or pa.types.is_large_binary(src_type):
        decoded = f"try(decode({col}))"
        # the same normalisation as Arrow's in _pipeline._as_text, so a value is stored the
        # same whatever else its column holds
        chars = "' ' || chr(9) || chr(10) || chr(13) || chr(65279)"
        level1[text] = _nullify(f"trim({decoded}, {chars})", nulls)
        level1[bad] = f"({col} IS NOT NULL AND {decoded} IS NULL)"
        return text, bad
    if pa.types.is_string(src_type) or pa.types.is_large_string(src_type):
        level1[text] = _nullify(col, nulls)  # already trimmed in Arrow (_pipeline._as_text)
    else:
        level1[text] = col
        return f"CAST({text} AS VARCHAR)", None
    return text, None


def _parse(text: str, col: Column) -> str:
    """Typed value from text; NULL when the text does not parse."""
    t = col.type
    if t == "string":
        return text
    if t == "int64":
        return (
            f"CASE WHEN regexp_full_match({text}, '[+-]?[0-9]+(\\.0*)?') "
            f"THEN TRY_CAST(regexp_replace({text}, '\\.0*$', '') AS BIGINT) END"
        )
    if t == "float64":
        return f"CASE WHEN isfinite(TRY_CAST({text} AS DOUBLE)) THEN TRY_CAST({text} AS DOUBLE) END"
    if t == "timestamp":
        return f"CAST(TRY_CAST({text} AS TIMESTAMPTZ) AS TIMESTAMP)"
    if t == "date":
        return f"COALESCE(TRY_CAST({text} AS DATE), CAST(TRY_CAST({text} AS TIMESTAMP) AS DATE))"
    if t == "list<string>":
        return (
            f"CASE WHEN starts_with({text}, '[') "
            f"THEN TRY_CAST(TRY_CAST({text} AS JSON) AS VARCHAR[]) "
            f"ELSE list_filter(list_transform(string_split({text}, '|'), lambda x: trim(x)), "
            f"lambda x: x <> '') END"
        )
    if t == "list<int64>":
        return (
            f"CASE WHEN starts_with({text}, '[') "
            f"THEN TRY_CAST(TRY_CAST({text} AS JSON) AS BIGINT[]) "
            f"ELSE TRY_CAST(list_transform(string_split({text}, '|'), lambda x: trim(x)) "
            f"AS BIGINT[]) END"
        )
    # nested lists and maps only come as JSON
    return f"TRY_CAST(TRY_CAST({text} AS JSON) AS {duckdb_type(col)})"


def _bytes_note(encoding: str) -> str:
    if encoding == "auto":
        return "(the line is not UTF-8, nor clearly GB18030 or latin-1; give --encoding)"
    return f"for the file encoding ({encoding})"


def _value_expr(
    col: Column,
    rule: ColumnRule | None,
    constant: object,
    src_types: dict[str, pa.DataType],
    file_key: str,
    nulls: tuple[str, ...],
    level1: dict[str, str],
    encoding: str = "auto",
) -> tuple[str, str | None, list[str], bool]:
    """(typed value, source value for messages, reasons that come from reading the source,
    whether that source value is still of its own type rather than text).

    A source column of another type than text that is simply cast is not turned into text for
    every row: its value is kept, and messages cast the few that fail."""
    reasons: list[str] = []
    if rule is None:
        if constant is None:
            return f"CAST(NULL AS {duckdb_type(col)})", None, reasons, False
        text = lit(str(constant).strip() or None)
        return _parse(text, col), text, reasons, False
    if rule.convert == "row_id":
        return f"md5({lit(file_key)} || ':' || CAST(_line AS VARCHAR))", None, reasons, False
    if rule.convert in ("flags", "attributes"):
        # several source columns: label (flags) or key (attributes) -> that column's text
        assert isinstance(rule.columns, list | dict)
        names = rule.columns if isinstance(rule.columns, dict) else {c: c for c in rule.columns}
        texts: dict[str, str] = {}
        for label, source in names.items():
            text, bad = _text(source, src_types[source], nulls, level1)
            if bad:
                reasons.append(f"CASE WHEN {bad} THEN {lit('invalid bytes in ' + source)} END")
            texts[label] = text
    if rule.convert == "flags":
        parts = [
            f"CASE WHEN {text} IN ('1', 'true', 'True', 'yes') THEN {lit(label)} END"
            for label, text in texts.items()
        ]
        return f"list_filter([{', '.join(parts)}], lambda x: x IS NOT NULL)", None, reasons, False
    if rule.convert == "attributes":
        entries = [f"{{'k': {lit(key)}, 'v': {text}}}" for key, text in texts.items()]
        return (
            f"map_from_entries(list_filter([{', '.join(entries)}], lambda e: e.v IS NOT NULL))",
            None,
            reasons,
            False,
        )
    assert rule.column is not None
    source = rule.column
    src_type = src_types[source]
    text, bad = _text(source, src_type, nulls, level1)
    if bad:
        reasons.append(
            f"CASE WHEN {bad} THEN {lit(f'invalid bytes in {source} {_bytes_note(encoding)}')} END"
        )
    if rule.prefix:
        text = f"({lit(rule.prefix)} || {text})"
    if rule.values:
        cases = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in rule.values.items())
        text = f"(CASE {text} {cases} ELSE {text} END)"
    conv = rule.convert
    same_type = not (
        pa.types.is_binary(src_type)
        or pa.types.is_large_binary(src_type)
        or pa.types.is_string(src_type)
        or pa.types.is_large_string(src_type)
    )
    if conv == "unix_seconds" or conv == "unix_millis":
        scale = 1_000_000 if conv == "unix_seconds" else 1_000
        num = f"TRY_CAST({text} AS DOUBLE)"
        stamp = f"make_timestamp(TRY_CAST({num} * {scale} AS BIGINT))"
        value = f"CASE WHEN isfinite({num}) THEN {stamp} END"
    elif conv == "age_to_birth_year":
        assert rule.reference_date is not None
        age = _parse(text, Column("age", "int64", ""))
        value = f"try({rule.reference_date.year} - {age})"
    elif conv == "strptime":
        value = f"CAST(try_strptime({text}, {lit(rule.format)}) AS {duckdb_type(col)})"
    elif same_type and not rule.values and not rule.prefix:
        value = f"TRY_CAST({q(source)} AS {duckdb_type(col)})"
        if col.type == "float64":
            value = f"CASE WHEN isfinite({value}) THEN {value} END"
        return value, q("s_" + source), reasons, True
    else:
        value = _parse(text, col)
    return value, text, reasons, False


def validation_sql(
    table: Table,
    rules: dict[str, ColumnRule],
    constants: dict[str, object],
    src_types: dict[str, pa.DataType],
    *,
    file_key: str,
    now: datetime,
    null_values: tuple[str, ...] = (),
    extra_checks: tuple[str, ...] = (),
    earliest: date | None = None,
    encoding: str = "auto",
) -> str:
    """The query that turns relation `raw` (source columns, `_line`, `_span`) into typed rows
    and `_reason`. Timestamps before `earliest` (default `MIN_TIMESTAMP`) are rejected as
    implausible. `extra_checks` are further `CASE … THEN reason END` expressions over the
    typed values (`"v_<column>"`), such as a partner's write scope.

    Three levels, so that no expression is evaluated twice: source text (decoded, trimmed),
    then typed values, then the checks.
    """
    level1: dict[str, str] = {}
    values: list[str] = []
    checks: list[str] = []
    future = now + timedelta(days=FUTURE_TOLERANCE_DAYS)
    floor = str(earliest or MIN_TIMESTAMP)
    for col in table.columns:
        value, text, reasons, typed = _value_expr(
            col,
            rules.get(col.name),
            constants.get(col.name),
            src_types,
            file_key,
            tuple(null_values),
            level1,
            encoding,
        )
        v = q("v_" + col.name)
        values.append(f"{value} AS {v}")
        for i, reason in enumerate(reasons):
            name = q(f"r_{col.name}_{i}")
            values.append(f"{reason} AS {name}")
            checks.append(name)
        if text is not None:
            values.append(f"{text} AS {q('t_' + col.name)}")
            t = q("t_" + col.name)
            shown = f"left(CAST({t} AS VARCHAR), 40)" if typed else f"left({t}, 40)"
            checks.append(
                f"CASE WHEN {t} IS NOT NULL AND {v} IS NULL THEN "
                f"'invalid {col.type} for {col.name}: ' || {shown} END"
            )
        if col.required and col.name != table.id_column:
            missing = f"{v} IS NULL" + (f" AND {q('t_' + col.name)} IS NULL" if text else "")
            checks.append(f"CASE WHEN {missing} THEN 'missing required {col.name}' END")
        if col.enum:
            allowed = ", ".join(lit(e) for e in col.enum)
            checks.append(
                f"CASE WHEN {v} IS NOT NULL AND {v} NOT IN ({allowed}) THEN "
                f"'{col.name} must be one of {'|'.join(col.enum)}, not ' || left({v}, 40) END"
            )
        if col.min is not None and col.type in ("int64", "float64"):
            checks.append(
                f"CASE WHEN {v} < {col.min!r} THEN "
                f"'{col.name} below minimum {col.min:g}: ' || CAST({v} AS VARCHAR) END"
            )
        if col.max is not None and col.type in ("int64", "float64"):
            checks.append(
                f"CASE WHEN {v} > {col.max!r} THEN "
                f"'{col.name} above maximum {col.max:g}: ' || CAST({v} AS VARCHAR) END"
            )
        if col.max_length is not None:
            checks.append(
                f"CASE WHEN length({v}) > {col.max_length} THEN "
                f"'{col.name} longer than {col.max_length} characters' END"
            )
        if col.type == "timestamp":
            checks.append(
                f"CASE WHEN {v} > TIMESTAMP '{future:%Y-%m-%d %H:%M:%S}' THEN "
                f"'{col.name} is in the future: ' || CAST({v} AS VARCHAR) END"
            )
            checks.append(
                f"CASE WHEN {v} < TIMESTAMP '{floor}' THEN "
                f"'{col.name} before {floor} (the earliest plausible time; "
                f"set `earliest` for older data): ' || CAST({v} AS VARCHAR) END"
            )
            if text is not None and not typed:
                t = q("t_" + col.name)
                checks.append(
                    f"CASE WHEN regexp_matches({t}, {lit(_BAD_OFFSET)}) THEN "
                    f"'{col.name} has an impossible UTC offset: ' || left({t}, 40) END"
                )
        if col.type == "string" and text is not None:
            checks.append(
                f"CASE WHEN contains({v}, chr(0)) THEN '{col.name} contains a NUL byte' END"
            )
        if col.type == "list<list<string>>":
            checks.append(
                f"CASE WHEN {v} IS NOT NULL AND (len({v}) < 2 OR "
                f"len(list_filter({v}, lambda t: t IS NULL OR len(t) = 0)) > 0) THEN "
                f"'{col.name} needs at least two non-empty teams' END"
            )
    for group in table.require_any:
        cond = " AND ".join(f"{q('v_' + c)} IS NULL" for c in group)
        checks.append(f"CASE WHEN {cond} THEN 'needs one of {' or '.join(group)}' END")
    if "teams" in table.names and "ranks" in table.names:
        checks.append(
            'CASE WHEN "v_teams" IS NOT NULL AND "v_ranks" IS NOT NULL AND '
            'len("v_teams") <> len("v_ranks") THEN \'ranks must give one rank per team\' END'
        )
    checks.extend(extra_checks)
    outputs = ", ".join(f"{q('v_' + c.name)} AS {q(c.name)}" for c in table.columns)
    reason = f"nullif(concat_ws('; ', {', '.join(checks)}), '')" if checks else "NULL"
    inner = ", ".join(f"{expr} AS {name}" for name, expr in level1.items())
    return (
        f"SELECT _line, _span, {outputs}, {reason} AS _reason "
        f"FROM (SELECT _line, _span, {', '.join(values)} "
        f"FROM (SELECT *{', ' + inner if inner else ''} FROM raw))"
    )
