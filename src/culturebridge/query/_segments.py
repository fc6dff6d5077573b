"""Named, declarative audience segments: who is in "gen Z in tier-1 cities" or "recent gamers".

A segment is data, not code: predicates on user attributes (age band at a reference date, gender,
province, city tier, platform), on behaviour (events of some types, on items of some kinds,
within a number of days, from some partners) and on other segments (`all_of`, an intersection;
`any_of`, a union). Keeping it declarative
means the same definition is listed by the CLI, stored in `DIR/segments.toml`, sent over the API
and compiled to one Ibis expression that runs unchanged on DuckDB and on Spark.

Conventions, shared with the demo's truth.json so that planted answers can be checked:

- age = year(reference date) - birth_year; a user without a birth year is in no age band;
- the reference date is the date (UTC) of the workspace's latest event unless given, so a
  segment's membership is a property of the data, not of the day the command runs;
- behaviour counts only events up to the end of the reference date, and `within_days = N`
  means the N whole UTC days ending with the reference date;
- a segment is a subset of the `users` table: events by ids without a users row count nowhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import ibis
import pandas as pd
import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from culturebridge.errors import UserError, read_toml
from culturebridge.schema import EVENT_TYPES, GENDERS, ITEM_KINDS, PROVINCES

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from culturebridge.workspace import Workspace

SEGMENTS_FILE = "segments.toml"
ALL = "all"
"""The baseline (or segment) of every user with a users record."""
"""Workspace segments live in DIR/segments.toml as `[segments.NAME]` tables."""

NAME_PATTERN = r"^[a-z0-9][a-z0-9_]*$"
"""Segment names are lower-case identifiers: they appear in CLI flags, URLs and TOML keys."""

_TOTAL = "*total*"  # the row of the size query that counts every user; not a valid segment name

Tier = Annotated[int, Field(ge=1, le=4)]
_M = TypeVar("_M", bound=BaseModel)


def _unique(values: Iterable[Any]) -> list[Any]:
    """Order-preserving de-duplication: definitions stay as written, without repeats."""
    return list(dict.fromkeys(values))


def _build(model: type[_M], data: Mapping[str, Any]) -> _M | tuple[str, str]:
    """The validated model, or its first error as (dotted location, message) without pydantic's
    "Value error, " prefix, for a one-line UserError.

    Callers raise that UserError outside the `except` block on purpose: pydantic-core holds the
    validator's exception (and so every caller's frame) where the garbage collector cannot see
    it, and an exception chained to it as `__context__` would keep that cycle, and everything
    the frames hold (open connections), alive to the end of the process.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        return loc, str(first["msg"]).removeprefix("Value error, ")


def _check_allowed(values: list[str] | None, allowed: tuple[str, ...], what: str) -> None:
    for v in values or ():
        if v not in allowed:
            raise ValueError(f"unknown {what} {v!r} (known: {', '.join(allowed)})")


_PROVINCE_FORMS: dict[str, tuple[str, str]] = {en: (en, zh) for en, zh in PROVINCES}
_PROVINCE_NAMES: dict[str, str] = {
    **{en.casefold(): en for en, _ in PROVINCES},
    **{zh: en for en, zh in PROVINCES},
}
_PROVINCE_SUFFIXES = (
    "省",
    "市",
    "壮族自治区",
    "回族自治区",
    "维吾尔自治区",
    "自治区",
    "特别行政区",
)


def province_name(text: str) -> str:
    """A province as segments store it (its English name), from either its English or its
    Chinese name ("广东", "广东省", "guangdong"); a ValueError names the mistake otherwise."""
    t = text.strip()
    for suffix in ("", *_PROVINCE_SUFFIXES):
        if t.endswith(suffix) and (found := _PROVINCE_NAMES.get(t.removesuffix(suffix).casefold())):
            return found
    for suffix in (" province", " sheng", " shi"):
        if found := _PROVINCE_NAMES.get(t.casefold().removesuffix(suffix)):
            return found
    raise ValueError(
        f"no province {text!r}: name one in English or Chinese, e.g. Guangdong or 广东"
    )


MAX_DAYS = 36_500
"""The longest "in the last N days" (a century): a larger N is a mistake, not a question."""
MAX_EVENTS = 1_000_000_000
"""The most events a behaviour may ask for (the engine compares 64-bit counts)."""


class Behaviour(BaseModel):
    """Users who did something: at least `min_events` events of `event_types`, optionally only on
    items of `item_kinds` or of `partners` and only in the `within_days` days ending with the
    reference date."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_types: list[str] = Field(min_length=1)
    item_kinds: list[str] | None = Field(default=None, min_length=1)
    partners: list[str] | None = Field(default=None, min_length=1)
    within_days: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    min_events: int = Field(default=1, ge=1, le=MAX_EVENTS)

    @field_validator("event_types")
    @classmethod
    def _known_types(cls, v: list[str]) -> list[str]:
        _check_allowed(v, EVENT_TYPES, "event type")
        return _unique(v)

    @field_validator("item_kinds")
    @classmethod
    def _known_kinds(cls, v: list[str] | None) -> list[str] | None:
        _check_allowed(v, ITEM_KINDS, "item kind")
        return None if v is None else _unique(v)

    def describe(self, lang: str = "en") -> str:
        """The behaviour in words, e.g. `a play event on game items in the last 30 days`
        (`lang="zh"`: 最近 30 天内对游戏类条目有游玩行为)."""
        if lang == "zh":
            acts = "或".join(_ZH_TYPES.get(t, t) for t in self.event_types)
            text = f"最近 {self.within_days} 天内" if self.within_days else ""
            if self.partners:
                text += f"对{'或'.join(self.partners)}的"
            else:
                text += "对"
            text += (
                f"{'或'.join(_ZH_KINDS.get(k, k) for k in self.item_kinds)}类条目"
                if self.item_kinds
                else "条目"
            )
            text += f"有{acts}行为"
            return text + (f"（至少 {self.min_events} 次）" if self.min_events > 1 else "")
        types = " or ".join(self.event_types)
        many = self.min_events > 1
        text = f"at least {self.min_events} {types} events" if many else f"a {types} event"
        if self.item_kinds:
            text += f" on {' or '.join(self.item_kinds)} items"
        if self.partners:
            text += f" from {' or '.join(self.partners)}"
        if self.within_days:
            text += f" in the last {self.within_days} days"
        return text


class Segment(BaseModel):
    """A named audience segment: every predicate given must hold (a conjunction).

    A field left as None places no condition on that attribute; a list means "one of". `all_of`
    names other segments whose conditions must hold too, so combinations follow their parts
    (a workspace that redefines `gen_z` also changes `gen_z_tier1`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(max_length=64)
    description: str = ""
    age_min: int | None = Field(default=None, ge=0, le=150)
    age_max: int | None = Field(default=None, ge=0, le=150)
    genders: list[str] | None = Field(default=None, min_length=1)
    provinces: list[str] | None = Field(default=None, min_length=1)
    city_tiers: list[Tier] | None = Field(default=None, min_length=1)
    platforms: list[str] | None = Field(default=None, min_length=1)
    behaviour: list[Behaviour] = []
    all_of: list[str] = []
    any_of: list[str] = []
    """Named segments of which a member is in at least one (OR); `all_of` is AND."""
    owner: str | None = None
    """The partner that saved the segment from its key: only it (and the platform) sees it."""

    @field_validator("genders")
    @classmethod
    def _known_genders(cls, v: list[str] | None) -> list[str] | None:
        _check_allowed(v, GENDERS, "gender")
        return None if v is None else _unique(v)

    @field_validator("provinces")
    @classmethod
    def _known_provinces(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _unique([province_name(p) for p in v])

    @field_validator("platforms", "city_tiers", "all_of", "any_of")
    @classmethod
    def _dedupe(cls, v: list[Any] | None) -> list[Any] | None:
        return None if v is None else _unique(v)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        # checked here rather than with a pattern so that the message reads as words
        if not re.fullmatch(NAME_PATTERN, v):
            raise ValueError(
                f"segment name {v!r} must be lower-case letters, digits and underscores "
                "(starting with a letter or digit)"
            )
        return v

    @field_validator("age_max")
    @classmethod
    def _check_ages(cls, v: int | None, info: ValidationInfo) -> int | None:
        lo = info.data.get("age_min")
        if v is not None and lo is not None and lo > v:
            raise ValueError(f"age_min ({lo}) is above age_max ({v})")
        return v

    @classmethod
    def from_flags(cls, **flags: Any) -> Segment:
        """An ad-hoc segment from CLI-style flags; see `segment_from_flags`."""
        return segment_from_flags(**flags)

    def conditions(self, lang: str = "en") -> list[str]:
        """This segment's own conditions in words (not those of `all_of`), in English or, with
        `lang="zh"`, in Chinese."""
        if lang == "zh":
            return self._conditions_zh()
        parts: list[str] = []
        lo, hi = self.age_min, self.age_max
        if lo is not None and hi is not None:
            parts.append(f"age {lo}" if lo == hi else f"age {lo}-{hi}")
        elif lo is not None:
            parts.append(f"age {lo}+")
        elif hi is not None:
            parts.append(f"age up to {hi}")
        if self.genders:
            parts.append("gender " + " or ".join(self.genders))
        if self.provinces:
            parts.append("province " + " or ".join(self.provinces))
        if self.city_tiers:
            parts.append("city tier " + " or ".join(str(t) for t in self.city_tiers))
        if self.platforms:
            parts.append("platform " + " or ".join(self.platforms))
        parts.extend(b.describe() for b in self.behaviour)
        if self.any_of:
            parts.append("in " + " or ".join(self.any_of))
        return parts

    def _conditions_zh(self) -> list[str]:
        parts: list[str] = []
        lo, hi = self.age_min, self.age_max
        if lo is not None and hi is not None:
            parts.append(f"年龄 {lo} 岁" if lo == hi else f"年龄 {lo}-{hi} 岁")
        elif lo is not None:
            parts.append(f"年龄 {lo} 岁及以上")
        elif hi is not None:
            parts.append(f"年龄不超过 {hi} 岁")
        if self.genders:
            parts.append("性别" + "或".join(_ZH_GENDERS.get(g, g) for g in self.genders))
        if self.provinces:
            parts.append("省份" + "或".join(_ZH_PROVINCE.get(p, p) for p in self.provinces))
        if self.city_tiers:
            parts.append("或".join(_ZH_TIERS[t - 1] for t in self.city_tiers) + "城市")
        if self.platforms:
            parts.append("平台" + "或".join(_ZH_PLATFORMS.get(p, p) for p in self.platforms))
        parts.extend(b.describe("zh") for b in self.behaviour)
        if self.any_of:
            parts.append("属于" + "或".join(self.any_of) + "之一")
        return parts


_ZH_TYPES = {
    "impression": "曝光", "view": "观看", "play": "游玩", "rate": "评分", "like": "点赞",
    "share": "分享", "comment": "评论", "favourite": "收藏", "purchase": "购买", "click": "点击",
}  # fmt: skip
_ZH_KINDS = {
    "film": "电影", "series": "剧集", "documentary": "纪录片", "game": "游戏", "fashion": "时尚",
    "tourism": "旅游", "esports_event": "电竞赛事",
}  # fmt: skip
_ZH_GENDERS = {"female": "女", "male": "男", "other": "其他", "unknown": "未知"}
_ZH_TIERS = ("一线", "二线", "三线", "四线")
_ZH_PLATFORMS = {
    "android": "安卓",
    "ios": "iOS",
    "web": "网页",
    "tv": "电视",
    "mini_program": "小程序",
}
_ZH_PROVINCE = dict(PROVINCES)


def _builtins() -> list[Segment]:
    play_games = Behaviour(event_types=["play"], item_kinds=["game"], within_days=30)
    buy_fashion = Behaviour(event_types=["purchase"], item_kinds=["fashion"])
    return [
        Segment(name="all", description="Everyone with a user record."),
        Segment(name="teens", description="Teenagers, 15-17.", age_min=15, age_max=17),
        Segment(name="under_25", description="Everyone under 25.", age_max=24),
        Segment(name="gen_z", description="Generation Z adults, 18-24.", age_min=18, age_max=24),
        Segment(name="young_adults", description="Young adults, 25-34.", age_min=25, age_max=34),
        Segment(name="adults_35_44", description="Adults, 35-44.", age_min=35, age_max=44),
        Segment(name="older_45_plus", description="Older audience, 45 and over.", age_min=45),
        Segment(name="tier1", description="Tier-1 cities.", city_tiers=[1]),
        Segment(name="tier2", description="Tier-2 cities.", city_tiers=[2]),
        Segment(name="tier3_4", description="Tier-3 and tier-4 cities.", city_tiers=[3, 4]),
        Segment(
            name="gen_z_tier1",
            description="Gen Z in tier-1 cities.",
            all_of=["gen_z", "tier1"],
        ),
        Segment(
            name="young_adults_tier2",
            description="Young adults in tier-2 cities.",
            all_of=["young_adults", "tier2"],
        ),
        Segment(
            name="gamers_30d",
            description="Played a game in the last 30 days.",
            behaviour=[play_games],
        ),
        Segment(
            name="fashion_buyers",
            description="Bought a fashion item.",
            behaviour=[buy_fashion],
        ),
    ]


def builtin_segments() -> dict[str, Segment]:
    """The built-in segments, in listing order (a fresh dict: callers may extend it)."""
    return {s.name: s for s in _builtins()}


# ---------------------------------------------------------------------------- references


def check_segments(segments: Mapping[str, Segment], source: object = None) -> None:
    """Every `all_of` names a known segment and no segment depends on itself.

    Checked up front (on load, and before compiling) so that a mistake is one message naming the
    segment (and `source`, the file, when given), not a recursion error or an empty result.
    """
    where = f"{source}: " if source is not None else ""
    for name, seg in segments.items():
        if seg.name != name:
            raise UserError(f"{where}segment stored as {name!r} is named {seg.name!r}")
        for field, refs in (("all_of", seg.all_of), ("any_of", seg.any_of)):
            for ref in refs:
                if ref not in segments:
                    known = ", ".join(segments)
                    raise UserError(
                        f"{where}segments.{name}.{field}: unknown segment {ref!r} (known: {known})"
                    )
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycle = " -> ".join([*path[path.index(name) :], name])
            raise UserError(f"{where}segments refer to each other in a cycle: {cycle}")
        if name in done:
            return
        for ref in [*segments[name].all_of, *segments[name].any_of]:
            visit(ref, [*path, name])
        done.add(name)

    for name in segments:
        visit(name, [])


def _closure(segment: Segment, segments: Mapping[str, Segment]) -> list[Segment]:
    """The segment and every segment it reaches through `all_of`, each once, in order.

    An intersection of segments is the conjunction of their conditions, so a combination compiles
    to one filtered scan of `users` rather than a join per part.
    """
    out: dict[str, Segment] = {}

    def walk(seg: Segment) -> None:
        if seg.name in out:
            return
        out[seg.name] = seg
        for ref in seg.all_of:
            walk(segments[ref])

    walk(segment)
    return list(out.values())


def _with(
    segment: Segment | str, segments: Mapping[str, Segment] | None
) -> tuple[Segment, dict[str, Segment]]:
    """The segment to compile and a checked catalogue holding it (an ad-hoc segment object
    takes the place of a stored one of the same name)."""
    catalogue = dict(segments) if segments is not None else builtin_segments()
    if isinstance(segment, str):
        if segment not in catalogue:
            known = ", ".join(catalogue)
            raise UserError(f"unknown segment {segment!r} (known: {known})")
        seg = catalogue[segment]
    else:
        seg = segment
        catalogue[seg.name] = seg
    check_segments(catalogue)
    return seg, catalogue


def describe_segment(
    segment: Segment | str, segments: Mapping[str, Segment] | None = None, lang: str = "en"
) -> str:
    """All the conditions a member meets, `all_of` expanded: `age 18-24; city tier 1` (or in
    Chinese, `lang="zh"`: 年龄 18-24 岁；一线城市)."""
    seg, catalogue = _with(segment, segments)
    parts = _unique(p for s in _closure(seg, catalogue) for p in s.conditions(lang))
    if lang == "zh":
        return "；".join(parts) if parts else "全部用户"
    return "; ".join(parts) if parts else "everyone"


# ---------------------------------------------------------------------------- loading


def load_segments(workspace: Workspace | Path, *, partner: str | None = None) -> dict[str, Segment]:
    """Built-in segments extended or overridden by the workspace's `segments.toml`.

    The file holds `[segments.NAME]` tables with Segment's fields; a workspace segment with a
    built-in's name replaces it in place, new ones follow in file order. Any mistake is a
    UserError naming the file and the key. With `partner`, segments another partner saved
    (`owner`) are left out: a partner's saved audiences are its own.
    """
    root = workspace if isinstance(workspace, Path) else workspace.root
    path = Path(root) / SEGMENTS_FILE
    segments = builtin_segments()
    if not path.exists():
        return segments
    raw = read_toml(path, f"{path}: not found")
    extra = sorted(set(raw) - {"segments"})
    if extra:
        raise UserError(f"{path}: {extra[0]}: unknown key (segments go in [segments.NAME] tables)")
    tables = raw.get("segments", {})
    if not isinstance(tables, dict):
        raise UserError(f"{path}: segments: expected [segments.NAME] tables")
    for name, table in tables.items():
        key = f"segments.{name}"
        if not isinstance(table, dict):
            raise UserError(f"{path}: {key}: expected a table of segment fields")
        if "name" in table and table["name"] != name:
            raise UserError(f"{path}: {key}.name: {table['name']!r} differs from the key")
        built = _build(Segment, {**table, "name": name})
        if isinstance(built, tuple):
            loc, msg = built
            raise UserError(f"{path}: {key}.{loc}: {msg}" if loc else f"{path}: {key}: {msg}")
        if partner is None or built.owner in (None, partner):
            segments[name] = built
    check_segments(segments, path)
    return segments


def saved_segments(workspace: Workspace) -> dict[str, Segment]:
    """The segments kept in the workspace's `segments.toml` (every owner's)."""
    builtins = builtin_segments()
    return {n: s for n, s in load_segments(workspace).items() if builtins.get(n) != s}


def save_segment(workspace: Workspace, segment: Segment, *, replace: bool = False) -> Segment:
    """Add `segment` to the workspace's `segments.toml` (what `segments` and every analysis
    then list), written atomically under the workspace's lock. A built-in's name is refused, as
    is an existing name unless `replace`; `all_of`/`any_of` must name segments the owner sees."""
    if segment.name == ALL or segment.name in builtin_segments():
        raise UserError(f"segment name {segment.name!r} is a built-in segment; choose another")
    path = workspace.root / SEGMENTS_FILE
    with workspace.settings_lock():
        visible = load_segments(workspace, partner=segment.owner)
        existing = load_segments(workspace)
        if segment.name in existing and not replace:
            raise UserError(f"a segment named {segment.name!r} exists; choose another name")
        prior = existing.get(segment.name)
        if prior is not None and prior.owner != segment.owner:
            raise UserError(f"segment {segment.name!r} belongs to someone else; choose another")
        check_segments({**visible, segment.name: segment})
        raw = read_toml(path, "") if path.exists() else {}
        tables = dict(raw.get("segments", {}))
        tables[segment.name] = segment.model_dump(
            mode="json", exclude_defaults=True, exclude={"name"}
        )
        _write_segments(path, tables)
    return segment


def delete_segment(workspace: Workspace, name: str, *, owner: str | None = None) -> None:
    """Remove a saved segment from `segments.toml`; a partner (`owner`) removes its own only,
    and nothing that another segment names."""
    path = workspace.root / SEGMENTS_FILE
    with workspace.settings_lock():
        raw = read_toml(path, "") if path.exists() else {}
        tables = dict(raw.get("segments", {}))
        table = tables.get(name)
        if table is None or (owner is not None and table.get("owner") != owner):
            raise UserError(f"no saved segment {name!r} to delete")
        users = [
            n for n, t in tables.items() if name in [*t.get("all_of", []), *t.get("any_of", [])]
        ]
        if users:
            raise UserError(f"segment {name!r} is part of {', '.join(users)}: delete those first")
        del tables[name]
        _write_segments(path, tables)


def _write_segments(path: Path, tables: Mapping[str, Any]) -> None:
    text = tomli_w.dumps({"segments": dict(tables)})
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# ---------------------------------------------------------------------------- flags


def _split(values: Sequence[str] | str | None) -> list[str] | None:
    """Repeated flags and comma-separated values alike: `--tier 1 --tier 2` or `--tier 1,2`."""
    if values is None:
        return None
    items = [values] if isinstance(values, str) else list(values)
    out = [p.strip() for v in items for p in str(v).split(",") if p.strip()]
    return out or None


def parse_age(text: str) -> tuple[int | None, int | None]:
    """`18-24`, `45+` or `30` as (age_min, age_max)."""
    t = text.strip()
    m = re.fullmatch(r"(\d+)\s*-\s*(\d+)|(\d+)\s*\+|(\d+)", t)
    if m is None:
        raise UserError(f"--age: expected A-B, A+ or A (e.g. 18-24, 45+), not {text!r}")
    if m.group(1) is not None:
        return int(m.group(1)), int(m.group(2))
    if m.group(3) is not None:
        return int(m.group(3)), None
    return int(m.group(4)), int(m.group(4))


def parse_tiers(values: Sequence[str | int] | str | None) -> list[int] | None:
    """`1`, `1,2` or `3-4` (repeatable) as a list of tiers."""
    texts = values if values is None or isinstance(values, str) else [str(v) for v in values]
    parts = _split(texts)
    if parts is None:
        return None
    tiers: list[int] = []
    for p in parts:
        m = re.fullmatch(r"(\d)(?:\s*-\s*(\d))?", p)
        if m is None:
            raise UserError(f"--tier: expected a tier 1-4 or a range such as 3-4, not {p!r}")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        tiers.extend(range(lo, hi + 1))
    return tiers


def parse_behaviour(text: str) -> Behaviour:
    """`TYPES[:KINDS][:@PARTNERS][:Nd][:N+]`, e.g. `play:game:30d` (played a game in the last
    30 days), `purchase:fashion:2+` (bought fashion at least twice) or `purchase:@p_lfc` (bought
    from partner p_lfc); TYPES, KINDS and PARTNERS are comma-separated."""
    parts = [p.strip() for p in text.split(":")]
    fields: dict[str, Any] = {"event_types": _split(parts[0]) or []}
    for p in parts[1:]:
        if re.fullmatch(r"\d+d", p):
            fields["within_days"] = int(p[:-1])
        elif re.fullmatch(r"\d+\+", p):
            fields["min_events"] = int(p[:-1])
        elif p.startswith("@"):
            fields["partners"] = _split(p[1:])
        elif p and p != "*":
            fields["item_kinds"] = _split(p)
    built = _build(Behaviour, fields)
    if isinstance(built, tuple):
        raise UserError(
            f"--did {text!r}: {built[1]} "
            "(format TYPES[:KINDS][:@PARTNERS][:Nd][:N+], e.g. play:game:30d)"
        )
    return built


_FLAG_OF = {
    "name": "--name",
    "genders": "--gender",
    "provinces": "--province",
    "city_tiers": "--tier",
    "platforms": "--platform",
    "all_of": "--in",
    "age_min": "--age",
    "age_max": "--age",
}


def segment_from_flags(
    *,
    name: str = "custom",
    description: str = "",
    age: str | None = None,
    genders: Sequence[str] | str | None = None,
    provinces: Sequence[str] | str | None = None,
    tiers: Sequence[str | int] | str | None = None,
    platforms: Sequence[str] | str | None = None,
    did: Sequence[str] | None = None,
    all_of: Sequence[str] | str | None = None,
    segments: Mapping[str, Segment] | None = None,
) -> Segment:
    """An ad-hoc segment from command-line flags (`--age 18-24 --tier 1 --gender female`).

    Shared by every command that takes a segment on the command line, so that they all read
    the flags the same way; mistakes are UserErrors naming the flag. With `segments`, the names
    given to `--in` (all_of) are checked against it.
    """
    age_min, age_max = parse_age(age) if age is not None else (None, None)
    fields: dict[str, Any] = {
        "name": name,
        "description": description,
        "age_min": age_min,
        "age_max": age_max,
        "genders": _split(genders),
        "provinces": _split(provinces),
        "city_tiers": parse_tiers(tiers),
        "platforms": _split(platforms),
        "behaviour": [parse_behaviour(d) for d in did or ()],
        "all_of": _split(all_of) or [],
    }
    for ref in fields["all_of"]:
        if segments is not None and ref not in segments:
            raise UserError(f"--in: unknown segment {ref!r} (known: {', '.join(segments)})")
    built = _build(Segment, fields)
    if isinstance(built, tuple):
        loc, msg = built
        field = loc.split(".")[0]
        raise UserError(f"{_FLAG_OF.get(field, field)}: {msg}")
    return built


# ---------------------------------------------------------------------------- compiling


def reference_date(con: Any) -> date:
    """The date (UTC) of the latest event: "the last 30 days" and ages are measured from it.

    Anchoring on the data keeps a segment's membership reproducible however late a command
    runs. A workspace without events falls back to today (UTC).
    """
    latest = con.table("events").ts.max().execute()
    if latest is None or pd.isna(latest):
        return datetime.now(UTC).date()
    return pd.Timestamp(latest).date()


def _midnight(d: date) -> Any:
    return ibis.literal(datetime.combine(d, time()), type="timestamp")


def _behaviour_users(con: Any, b: Behaviour, ref: date) -> ir.Table:
    """Ids of users with the behaviour as of the reference date (one row per qualifying user,
    or per event when `min_events` is 1: the caller only semi-joins on it)."""
    e = con.table("events")
    preds = [e.type.isin(b.event_types), e.ts < _midnight(ref + timedelta(days=1))]
    if b.within_days is not None:
        preds.append(e.ts >= _midnight(ref - timedelta(days=b.within_days - 1)))
    ev = e.filter(*preds)
    items = con.table("items")
    if b.item_kinds:
        ev = ev.semi_join(items.filter(items.kind.isin(b.item_kinds)), "item_id")
    if b.partners:
        ev = ev.semi_join(items.filter(items.partner_id.isin(b.partners)), "item_id")
    if b.min_events > 1:
        counted = ev.group_by("user_id").aggregate(n_events=ev.count())
        ev = counted.filter(counted.n_events >= b.min_events)
    return ev.select("user_id")


def segment_users(
    con: Any,
    segment: Segment | str,
    *,
    segments: Mapping[str, Segment] | None = None,
    ref: date | None = None,
) -> ir.Table:
    """The segment's members as an Ibis table with one column, `user_id` (distinct).

    Pure Ibis over the canonical tables, so the same expression runs on DuckDB and on Spark;
    nothing is executed here except, when `ref` is not given, finding the reference date.
    `segments` resolves `all_of` names (default: the built-ins); a Segment object that is not in
    it (an ad-hoc one) is used as given.
    """
    seg, catalogue = _with(segment, segments)
    ref = ref if ref is not None else reference_date(con)
    u = con.table("users")
    preds: list[Any] = []
    behaviours: list[Behaviour] = []
    alternatives: list[list[str]] = []
    for s in _closure(seg, catalogue):
        if s.any_of and s.any_of not in alternatives:
            alternatives.append(s.any_of)
        if s.age_min is not None or s.age_max is not None:
            age = ref.year - u.birth_year
            if s.age_min is not None:
                preds.append(age >= s.age_min)
            if s.age_max is not None:
                preds.append(age <= s.age_max)
        if s.genders:
            preds.append(u.gender.isin(s.genders))
        if s.provinces:  # stored in English or in Chinese: either matches
            preds.append(u.province.isin([n for p in s.provinces for n in _PROVINCE_FORMS[p]]))
        if s.city_tiers:
            preds.append(u.city_tier.isin(s.city_tiers))
        if s.platforms:
            preds.append(u.platform.isin(s.platforms))
        for b in s.behaviour:
            if b not in behaviours:  # a shared part (two routes to one segment) joins once
                behaviours.append(b)
    members = u.filter(*preds) if preds else u
    for b in behaviours:
        members = members.semi_join(_behaviour_users(con, b, ref), "user_id")
    for names in alternatives:  # in at least one of them: a union of their members
        parts = [segment_users(con, n, segments=catalogue, ref=ref) for n in names]
        either = ibis.union(*parts, distinct=True) if len(parts) > 1 else parts[0]
        members = members.semi_join(either, "user_id")
    return members.select("user_id").distinct()


def segment_sql(
    con: Any,
    segment: Segment | str,
    *,
    segments: Mapping[str, Segment] | None = None,
    ref: date | None = None,
) -> str:
    """The SQL that the connection's engine runs for the segment (what `--explain` shows)."""
    return str(ibis.to_sql(segment_users(con, segment, segments=segments, ref=ref)))


# ---------------------------------------------------------------------------- sizes


class SegmentSize(BaseModel):
    """How many users a segment holds at a reference date.

    `users` and `share_of_users` are None, and `suppressed` True, when the count is below the
    privacy threshold k: a small group could single people out.
    """

    name: str
    description: str
    definition: str
    """All conditions a member meets, in words, `all_of` expanded."""
    definition_zh: str = ""
    """The same in Chinese."""
    users: int | None
    share_of_users: float | None
    """users / everyone with a user record."""
    suppressed: bool = False
    reference_date: date
    saved: bool = False
    """Saved to the workspace's `segments.toml` (not a built-in): it may be deleted."""
    owner: str | None = None
    """The partner that saved it (None: the platform's, seen by everyone)."""


def segment_sizes(
    con: Any,
    segments: Mapping[str, Segment],
    ref: date | None = None,
    *,
    names: Sequence[str] | None = None,
) -> list[SegmentSize]:
    """Exact sizes of the segments `names` (default: all of `segments`) in one query, for
    computation inside the warehouse; what leaves goes through `released_sizes`.

    One union of counts keeps this to a single job on Spark rather than one per segment.
    """
    chosen = list(names) if names is not None else list(segments)
    counts, total, ref = _size_counts(con, segments, ref, chosen)
    return [
        SegmentSize(
            name=n,
            description=segments[n].description,
            definition=describe_segment(n, segments),
            users=counts[n],
            share_of_users=counts[n] / total if total else None,
            reference_date=ref,
        )
        for n in chosen
    ]


def _size_counts(
    con: Any, segments: Mapping[str, Segment], ref: date | None, chosen: Sequence[str]
) -> tuple[dict[str, int], int, date]:
    check_segments(segments)
    for n in chosen:
        if n not in segments:
            raise UserError(f"unknown segment {n!r} (known: {', '.join(segments)})")
    ref = ref if ref is not None else reference_date(con)
    everyone = con.table("users").select("user_id").distinct()
    parts = [everyone.aggregate(users=everyone.count()).mutate(segment=ibis.literal(_TOTAL))]
    for n in chosen:
        members = segment_users(con, n, segments=segments, ref=ref)
        parts.append(members.aggregate(users=members.count()).mutate(segment=ibis.literal(n)))
    frame = ibis.union(*parts).execute()
    counts = {str(r.segment): int(r.users) for r in frame.itertuples(index=False)}
    return counts, counts.pop(_TOTAL), ref


def segment_label(name: str, segments: Mapping[str, Segment]) -> str:
    """A segment as a reader would say it: "18–24s in tier-1 cities", "users aged 45+".

    Built from the conditions (with `all_of` followed) rather than the name, so a workspace's own
    segments read as well as the built-ins; behaviour segments fall back to their description.
    """
    if name == ALL:
        return "all users"
    if name not in segments:
        return name
    parts: list[Segment] = []
    todo = [segments[name]]
    while todo:
        seg = todo.pop(0)
        if seg.name in {p.name for p in parts}:
            continue
        parts.append(seg)
        todo.extend(segments[r] for r in seg.all_of if r in segments)
    if any(p.behaviour for p in parts):
        return (segments[name].description.rstrip(".") or name).lower()
    lo = max((p.age_min for p in parts if p.age_min is not None), default=None)
    hi = min((p.age_max for p in parts if p.age_max is not None), default=None)
    tiers = next((p.city_tiers for p in parts if p.city_tiers), None)
    genders = next((p.genders for p in parts if p.genders), None)
    provinces = next((p.provinces for p in parts if p.provinces), None)
    platforms = next((p.platforms for p in parts if p.platforms), None)
    if lo is not None and hi is not None:
        who = f"{lo}–{hi}s" if lo != hi else f"{lo}-year-olds"
    elif lo is not None:
        who = f"users aged {lo}+"
    elif hi is not None:
        who = f"users aged up to {hi}"
    else:
        who = "users"
    if genders:
        who = f"{' and '.join(genders)} {who}"
    if tiers:
        tier_text = "/".join(str(t) for t in tiers)
        who += f" in tier-{tier_text} cities"
    if provinces:
        who += " in " + " or ".join(provinces)
    if platforms:
        who += " on " + " or ".join(platforms)
    if who == "users":
        return (segments[name].description.rstrip(".") or name).lower()
    return who
