"""The canonical tables: the one place where culturebridge's data model is declared.

Everything else derives from these declarations: Arrow schemas (the lake's Parquet files), DuckDB
and Spark table types, row validation during ingest, the `schema` command's output and the docs.
Change a column here and every consumer follows; nothing re-states a column list by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import pyarrow as pa

from culturebridge.errors import UserError

ColumnType = Literal[
    "string",
    "int64",
    "float64",
    "timestamp",
    "date",
    "list<string>",
    "list<int64>",
    "list<list<string>>",
    "map<string,string>",
]

ITEM_KINDS = ("film", "series", "documentary", "game", "fashion", "tourism", "esports_event")
EVENT_TYPES = (
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
)
SECTORS = (
    "broadcaster",
    "production",
    "fashion",
    "tourism",
    "games",
    "esports",
    "university",
    "platform",
    "other",
)
GENDERS = ("female", "male", "other", "unknown")

PROVINCES: tuple[tuple[str, str], ...] = (
    ("Beijing", "北京"), ("Tianjin", "天津"), ("Hebei", "河北"), ("Shanxi", "山西"),
    ("Inner Mongolia", "内蒙古"), ("Liaoning", "辽宁"), ("Jilin", "吉林"),
    ("Heilongjiang", "黑龙江"), ("Shanghai", "上海"), ("Jiangsu", "江苏"), ("Zhejiang", "浙江"),
    ("Anhui", "安徽"), ("Fujian", "福建"), ("Jiangxi", "江西"), ("Shandong", "山东"),
    ("Henan", "河南"), ("Hubei", "湖北"), ("Hunan", "湖南"), ("Guangdong", "广东"),
    ("Guangxi", "广西"), ("Hainan", "海南"), ("Chongqing", "重庆"), ("Sichuan", "四川"),
    ("Guizhou", "贵州"), ("Yunnan", "云南"), ("Tibet", "西藏"), ("Shaanxi", "陕西"),
    ("Gansu", "甘肃"), ("Qinghai", "青海"), ("Ningxia", "宁夏"), ("Xinjiang", "新疆"),
    ("Hong Kong", "香港"), ("Macao", "澳门"), ("Taiwan", "台湾"),
)  # fmt: skip
"""China's provincial-level divisions: the English name (as the National Bureau of Statistics
writes it) and the Chinese one. `users.province` holds either; a segment may name either."""

# Timestamps before this are treated as bad input (epoch-zero defaults, a file cut inside a
# Unix time, two-digit-year accidents). A workspace (`[ingest] earliest`) or a mapping
# (`earliest = ...`) sets another floor for older data, such as MovieLens's 1997 ratings.
MIN_TIMESTAMP = "2000-01-01"
# Columns that name a row of another table: (table, column) -> the table whose key it is.
# An ingest flags or rejects rows naming one the workspace does not hold (`[ingest] unknown_refs`).
REFERENCES: dict[tuple[str, str], str] = {
    ("items", "partner_id"): "partners",
    ("events", "item_id"): "items",
    ("events", "user_id"): "users",
    ("events", "campaign_id"): "campaigns",
    ("campaigns", "partner_id"): "partners",
    ("assignments", "campaign_id"): "campaigns",
    ("assignments", "user_id"): "users",
}

# Columns with a small set of values, whose new values an ingest's data-quality report lists.
CATEGORICAL: dict[str, tuple[str, ...]] = {
    "items": ("kind", "partner_id"),
    "users": ("province", "platform", "gender"),
    "events": ("type", "channel"),
    "posts": ("lang",),
    "matches": ("game", "league"),
    "assignments": ("arm",),
}

# How far ahead of "now" a timestamp may lie before it is rejected as being in the future.
FUTURE_TOLERANCE_DAYS = 2


@dataclass(frozen=True)
class Column:
    """One column of a canonical table."""

    name: str
    type: ColumnType
    description: str
    required: bool = False
    enum: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    pii: bool = False
    """Personal identifier: replaced by a keyed hash before anything is written."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "description": self.description,
        }
        for key in ("enum", "min", "max", "max_length"):
            value = getattr(self, key)
            if value is not None:
                out[key] = list(value) if isinstance(value, tuple) else value
        if self.pii:
            out["pseudonymised"] = True
        return out


@dataclass(frozen=True)
class Table:
    """One canonical table: its columns, identity and time axis."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    """Columns that identify a row; a row whose key is already stored is a duplicate."""
    id_column: str | None = None
    """A single id column that may be derived (a hash of `hash_fields`) when the source has none."""
    hash_fields: tuple[str, ...] = ()
    time_column: str | None = None
    require_any: tuple[tuple[str, ...], ...] = field(default=())
    """Groups of columns of which at least one must be present (e.g. English or Chinese title)."""

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "key": list(self.key),
            "id_column": self.id_column,
            "hash_fields": list(self.hash_fields),
            "time_column": self.time_column,
            "require_any": [list(g) for g in self.require_any],
            "columns": [c.to_dict() for c in self.columns],
        }


def _c(name: str, type_: ColumnType, description: str, **kw: Any) -> Column:
    return Column(name=name, type=type_, description=description, **kw)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            name="partners",
            description="The organisations whose content and campaigns culturebridge serves.",
            columns=(
                _c("partner_id", "string", "Stable partner identifier.", required=True),
                _c("name_en", "string", "English name.", required=True),
                _c("name_zh", "string", "Chinese name."),
                _c("sector", "string", "Line of business.", enum=SECTORS),
            ),
            key=("partner_id",),
        ),
        Table(
            name="items",
            description="Titles, products and experiences: films, series, games, fashion, tourism.",
            columns=(
                _c("item_id", "string", "Stable item identifier.", required=True),
                _c("partner_id", "string", "Owning partner (partners.partner_id)."),
                _c("kind", "string", "What the item is.", required=True, enum=ITEM_KINDS),
                _c("title_en", "string", "English title.", max_length=500),
                _c("title_zh", "string", "Chinese title.", max_length=500),
                _c("description_en", "string", "English description."),
                _c("description_zh", "string", "Chinese description."),
                _c("genres", "list<string>", "Genres or categories (JSON list or '|'-separated)."),
                _c(
                    "attributes",
                    "map<string,string>",
                    "Free attributes such as colour, pattern, style, region (JSON object).",
                ),
                _c("release_date", "date", "Release or launch date."),
                _c("price", "float64", "List price in CNY.", min=0.0),
                _c("image_uri", "string", "Image location (path or URI)."),
            ),
            key=("item_id",),
            require_any=(("title_en", "title_zh"),),
        ),
        Table(
            name="users",
            description="Audience members, pseudonymous: no names, contacts or raw ids are kept.",
            columns=(
                _c(
                    "user_id",
                    "string",
                    "User id; pseudonymised on ingest.",
                    required=True,
                    pii=True,
                ),
                _c("birth_year", "int64", "Year of birth.", min=1900, max=2030),
                _c("gender", "string", "Gender.", enum=GENDERS),
                _c("province", "string", "Province or region."),
                _c("city_tier", "int64", "Chinese city tier, 1 (largest) to 4.", min=1, max=4),
                _c("platform", "string", "Main platform or device (e.g. ios, android, web, tv)."),
                _c("signup_date", "date", "Date of sign-up."),
            ),
            key=("user_id",),
        ),
        Table(
            name="events",
            description="What users did with items: impressions, plays, ratings, purchases, ...",
            columns=(
                _c("event_id", "string", "Event id; a hash of the key fields when absent."),
                _c("ts", "timestamp", "When it happened (UTC).", required=True),
                _c(
                    "user_id",
                    "string",
                    "User id; pseudonymised on ingest.",
                    required=True,
                    pii=True,
                ),
                _c("item_id", "string", "Item (items.item_id).", required=True),
                _c("type", "string", "Event type.", required=True, enum=EVENT_TYPES),
                _c("value", "float64", "Rating, hours played, amount paid, ...", min=-1e9, max=1e9),
                _c("channel", "string", "Where it happened (app, web, mini-program, ...)."),
                _c("campaign_id", "string", "Campaign that led to it, if any."),
            ),
            key=("event_id",),
            id_column="event_id",
            hash_fields=("ts", "user_id", "item_id", "type", "value", "channel", "campaign_id"),
            time_column="ts",
        ),
        Table(
            name="posts",
            description="Social posts and reviews, mostly in Chinese.",
            columns=(
                _c("post_id", "string", "Post id; a hash of the key fields when absent."),
                _c("ts", "timestamp", "When it was posted (UTC).", required=True),
                _c("user_id", "string", "Author; pseudonymised on ingest.", pii=True),
                _c("text", "string", "The post's text.", required=True, max_length=20000),
                _c("lang", "string", "Language code (zh, en, ...)."),
                _c("image_uri", "string", "Attached image (path or URI)."),
                _c("likes", "int64", "Likes.", min=0),
                _c("shares", "int64", "Shares or reposts.", min=0),
            ),
            key=("post_id",),
            id_column="post_id",
            hash_fields=("ts", "user_id", "text"),
            time_column="ts",
        ),
        Table(
            name="matches",
            description="E-sports matches: teams of player handles and their finishing ranks.",
            columns=(
                _c("match_id", "string", "Match id; a hash of the key fields when absent."),
                _c("ts", "timestamp", "When it was played (UTC).", required=True),
                _c("game", "string", "Game title."),
                _c("league", "string", "League, tournament or queue."),
                _c(
                    "teams",
                    "list<list<string>>",
                    "Teams, each a list of player handles (JSON).",
                    required=True,
                ),
                _c(
                    "ranks",
                    "list<int64>",
                    "Finishing rank per team; lower is better.",
                    required=True,
                ),
            ),
            key=("match_id",),
            id_column="match_id",
            hash_fields=("ts", "game", "league", "teams", "ranks"),
            time_column="ts",
        ),
        Table(
            name="campaigns",
            description="Marketing and launch campaigns.",
            columns=(
                _c("campaign_id", "string", "Campaign id.", required=True),
                _c("partner_id", "string", "Owning partner (partners.partner_id)."),
                _c("name", "string", "Campaign name.", required=True),
                _c("start", "timestamp", "Start (UTC)."),
                _c("end", "timestamp", "End (UTC)."),
            ),
            key=("campaign_id",),
        ),
        Table(
            name="assignments",
            description="Which user was assigned to which arm of a campaign.",
            columns=(
                _c("campaign_id", "string", "Campaign (campaigns.campaign_id).", required=True),
                _c("user_id", "string", "User; pseudonymised on ingest.", required=True, pii=True),
                _c("arm", "string", "Arm, e.g. treatment or control.", required=True),
                _c("ts", "timestamp", "When the user was assigned (UTC)."),
            ),
            key=("campaign_id", "user_id"),
            time_column="ts",
        ),
    )
}


def get_table(name: str) -> Table:
    """The canonical table called `name`, or a UserError naming the known tables."""
    try:
        return TABLES[name]
    except KeyError:
        known = ", ".join(TABLES)
        raise UserError(f"unknown table {name!r} (known: {known})") from None


_ARROW: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "timestamp": pa.timestamp("us"),
    "date": pa.date32(),
    "list<string>": pa.list_(pa.string()),
    "list<int64>": pa.list_(pa.int64()),
    "list<list<string>>": pa.list_(pa.list_(pa.string())),
    "map<string,string>": pa.map_(pa.string(), pa.string()),
}

_DUCKDB: dict[str, str] = {
    "string": "VARCHAR",
    "int64": "BIGINT",
    "float64": "DOUBLE",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
    "list<string>": "VARCHAR[]",
    "list<int64>": "BIGINT[]",
    "list<list<string>>": "VARCHAR[][]",
    "map<string,string>": "MAP(VARCHAR, VARCHAR)",
}


def arrow_type(col: Column) -> pa.DataType:
    return _ARROW[col.type]


def duckdb_type(col: Column) -> str:
    return _DUCKDB[col.type]


def arrow_schema(table: Table | str) -> pa.Schema:
    """The Arrow schema of a canonical table: the layout of its Parquet files in the lake."""
    t = get_table(table) if isinstance(table, str) else table
    return pa.schema(
        [pa.field(c.name, arrow_type(c), nullable=not c.required) for c in t.columns],
        metadata={"culturebridge.table": t.name},
    )


def duckdb_ddl(table: Table | str) -> str:
    """`CREATE TABLE` statement for DuckDB, derived from the declaration."""
    t = get_table(table) if isinstance(table, str) else table
    cols = ",\n  ".join(
        f'"{c.name}" {duckdb_type(c)}{" NOT NULL" if c.required else ""}' for c in t.columns
    )
    return f'CREATE TABLE "{t.name}" (\n  {cols}\n)'


def spark_schema(table: Table | str) -> Any:
    """The PySpark `StructType` of a canonical table (PySpark is imported only when asked)."""
    from pyspark.sql import types as T  # noqa: N812

    t = get_table(table) if isinstance(table, str) else table

    def conv(col_type: ColumnType) -> Any:
        return {
            "string": T.StringType(),
            "int64": T.LongType(),
            "float64": T.DoubleType(),
            "timestamp": T.TimestampNTZType(),
            "date": T.DateType(),
            "list<string>": T.ArrayType(T.StringType()),
            "list<int64>": T.ArrayType(T.LongType()),
            "list<list<string>>": T.ArrayType(T.ArrayType(T.StringType())),
            "map<string,string>": T.MapType(T.StringType(), T.StringType()),
        }[col_type]

    return T.StructType(
        [T.StructField(c.name, conv(c.type), nullable=not c.required) for c in t.columns]
    )
