"""Mapping files: how a source file's columns become a canonical table's columns.

A mapping is TOML, for example (MovieLens ratings)::

    table = "events"

    [source]
    format = "csv"
    delimiter = "\\t"
    header = false
    columns = ["user", "item", "rating", "unix_ts"]

    [columns]
    user_id = "user"
    item_id = "item"
    value = "rating"
    ts = { column = "unix_ts", convert = "unix_seconds" }

    [constants]
    type = "rate"

A canonical column is either the name of a source column, or a table with one of:
`column` (+ optional `convert`, `values`, `format`, `reference_date`), `columns` (for the
`flags` and `attributes` conversions), or `convert = "row_id"` (an id made from file and line,
for sources whose rows have no identity of their own). Columns a mapping does not name are
taken from a source column of the same name, when there is one.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from culturebridge.errors import UserError, read_toml, validation_message
from culturebridge.schema import Table

Convert = Literal[
    "unix_seconds",
    "unix_millis",
    "age_to_birth_year",
    "strptime",
    "flags",
    "attributes",
    "row_id",
]
Format = Literal["auto", "csv", "tsv", "jsonl", "parquet"]
Encoding = Literal["auto", "utf-8", "gb18030", "latin-1"]


class SourceOptions(BaseModel):
    """How to read the source file; anything left out is detected."""

    model_config = ConfigDict(extra="forbid")

    format: Format = "auto"
    encoding: Encoding = "auto"
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    header: bool = True
    columns: list[str] | None = None
    """Source column names, for files without a header (or to rename a header's names)."""
    null_values: list[str] = []
    """Texts that mean "no value" besides the empty string, e.g. `["N/A", "\\N"]`."""
    quote: str | None = Field(default=None, max_length=1)
    """Quote character; default `"` for comma/semicolon files, none for tab and pipe files."""


class ColumnRule(BaseModel):
    """How one canonical column is made from the source."""

    model_config = ConfigDict(extra="forbid")

    column: str | None = None
    columns: list[str] | dict[str, str] | None = None
    convert: Convert | None = None
    values: dict[str, str] | None = None
    """Value replacements applied before validation, e.g. `{M = "male", F = "female"}`."""
    format: str | None = None
    """strptime format for `convert = "strptime"`, e.g. `%d-%b-%Y`."""
    reference_date: date | None = None
    """For `age_to_birth_year`: the date at which the source's ages were true."""
    prefix: str | None = None
    """Prepended to the value, to keep ids from different sources apart (e.g. `ml:`)."""

    @model_validator(mode="after")
    def _check(self) -> ColumnRule:
        if self.convert == "row_id":
            return self
        if self.convert in ("flags", "attributes"):
            if not self.columns:
                raise ValueError(f"convert = {self.convert!r} needs `columns`")
            return self
        if self.column is None:
            raise ValueError("needs `column` (the source column's name)")
        if self.convert == "strptime" and not self.format:
            raise ValueError('convert = "strptime" needs `format`')
        if self.convert == "age_to_birth_year" and self.reference_date is None:
            raise ValueError('convert = "age_to_birth_year" needs `reference_date`')
        return self

    def source_columns(self) -> list[str]:
        out = [self.column] if self.column else []
        if isinstance(self.columns, dict):
            out += list(self.columns.values())
        elif self.columns:
            out += list(self.columns)
        return out


class Mapping(BaseModel):
    """A parsed mapping file (or the identity mapping when none is given)."""

    model_config = ConfigDict(extra="forbid")

    table: str | None = None
    source: SourceOptions = SourceOptions()
    columns: dict[str, ColumnRule] = {}
    constants: dict[str, str | int | float | bool] = {}
    earliest: date | None = None
    """Timestamps before this day are rejected (default: the workspace's `[ingest] earliest`)."""

    @classmethod
    def load(cls, path: Path) -> Mapping:
        raw = read_toml(path, f"mapping file not found: {path}")
        cols = raw.get("columns", {})
        if isinstance(cols, dict):
            raw["columns"] = {
                k: ({"column": v} if isinstance(v, str) else v) for k, v in cols.items()
            }
        # raise after the except block: raising inside it keeps the whole stack alive
        message = ""
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            message = validation_message(path, exc)
        raise UserError(message)

    def resolve(self, table: Table, source_columns: list[str], file: str) -> dict[str, ColumnRule]:
        """Rules for every canonical column the source can fill, checked against its columns.

        Raises a UserError naming the missing source columns, so a wrong mapping fails before
        any row is read rather than rejecting every row.
        """
        unknown = [c for c in [*self.columns, *self.constants] if c not in table.names]
        if unknown:
            raise UserError(
                f"mapping names columns that table {table.name!r} does not have: "
                f"{', '.join(unknown)} (known: {', '.join(table.names)})"
            )
        rules: dict[str, ColumnRule] = {}
        present = set(source_columns)
        missing: list[str] = []
        for name in table.names:
            if name in self.constants:
                continue
            rule = self.columns.get(name)
            if rule is None:
                if name in present:
                    rules[name] = ColumnRule(column=name)
                continue
            missing += [c for c in rule.source_columns() if c not in present]
            rules[name] = rule
        uncovered = [
            c.name
            for c in table.columns
            if c.required and c.name not in rules and c.name not in self.constants
        ]
        if uncovered:
            raise UserError(
                f"{file}: nothing fills the required column(s) {', '.join(uncovered)} of "
                f"{table.name!r}; map them in a mapping file (the file has: "
                f"{', '.join(source_columns)})"
            )
        if missing:
            raise UserError(
                f"{file}: mapping names source columns that are not in the file: "
                f"{', '.join(dict.fromkeys(missing))} (the file has: {', '.join(source_columns)})"
            )
        return rules
