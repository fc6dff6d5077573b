"""Who is asking, over which data: the shared set-up of every audience analysis.

An analysis needs the same handful of things: an Ibis connection (DuckDB or Spark), the segment
catalogue, the reference date, the period, the partner whose scope applies, and the privacy
settings the guard enforces. `Analysis` holds them so that each analysis module only builds its
expressions and finishes its small result; nothing leaves without `Analysis.release`, which is
the guard.

Partner scope (see `culturebridge.privacy`): a query run as partner P sees a dimension's value
only when one of P's own items carries it; every other value (another partner's title, its
partner id, or a genre, alias or price only its items have) is folded into `OTHER_PARTNERS`, so
platform-wide aggregates stay intact (shares still sum to one).

Noise (when an epsilon is set) is consistent: each release is keyed by what it releases (the
question, the scope, the data version), so repeating a query returns the same figures and is
charged to the budget once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any, Literal, TypeVar

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends import BaseBackend
from pydantic import BaseModel, ConfigDict

from culturebridge.config import Backend
from culturebridge.errors import UserError
from culturebridge.privacy import (
    OTHER_PARTNERS,
    PLATFORM,
    Guarded,
    GuardReport,
    Ledger,
    Noise,
    Policy,
    Released,
    fold_values,
    noise_counts,
    release_key,
)
from culturebridge.query._engine import connect
from culturebridge.query._segments import (
    ALL,
    Segment,
    SegmentSize,
    _size_counts,
    describe_segment,
    load_segments,
    reference_date,
    saved_segments,
    segment_users,
)
from culturebridge.schema import ITEM_KINDS
from culturebridge.workspace import Workspace

ITEM_FIELDS = {"kind": "kind", "partner": "partner_id", "item": "item_id"}
LIST_FIELDS = {"genre": "genres", "genres": "genres"}

T = TypeVar("T")

Period = Literal["day", "week", "month"]
PERIOD_UNITS: dict[str, str] = {"day": "D", "week": "W", "month": "M"}


class Scope(BaseModel):
    """The frame of a result: what a reader needs to know to read it correctly."""

    model_config = ConfigDict(frozen=True)

    workspace: str
    backend: Backend
    partner: str | None
    """Item-level figures are restricted to this partner's items (None: the platform)."""
    reference_date: date
    period_from: date | None
    period_to: date | None
    k: int


def next_period(d: date, period: Period, steps: int = 1) -> date:
    if period == "day":
        return d + timedelta(days=steps)
    if period == "week":
        return d + timedelta(weeks=steps)
    month = d.month - 1 + steps
    return date(d.year + month // 12, month % 12 + 1, 1)


def truncate_period(d: date, period: Period) -> date:
    """The start of the period holding `d` (weeks start on Monday), as the engine truncates."""
    if period == "week":
        return d - timedelta(days=d.weekday())
    if period == "month":
        return d.replace(day=1)
    return d


def period_starts(first: date, last: date, period: Period) -> list[date]:
    out = [first]
    while out[-1] < last:
        out.append(next_period(out[-1], period))
    return out


def midnight(d: date) -> Any:
    return ibis.literal(datetime.combine(d, time()), type="timestamp")


@dataclass
class Analysis:
    """An open connection plus everything an analysis needs to run and to release a result."""

    ws: Workspace
    con: BaseBackend
    backend: Backend
    segments: dict[str, Segment]
    ref: date
    partner: str | None = None
    period_from: date | None = None
    period_to: date | None = None
    epsilon: float | None = None
    explain: bool = False
    sql: list[str] = field(default_factory=list)
    label: str | None = None
    """How results name the workspace (default: its path; the API uses its name, so that a
    server's file system does not travel in responses)."""
    identity: str | None = None
    """What the noise of this analysis' releases is keyed by, besides the question and scope
    (default: the segment definitions). An ad-hoc segment sets its members' fingerprint, so
    that two wordings of one set of users share their noise and cannot be averaged."""

    @classmethod
    @contextmanager
    def open(
        cls,
        ws: Workspace,
        *,
        backend: Backend | None = None,
        partner: str | None = None,
        period_from: date | None = None,
        period_to: date | None = None,
        ref: date | None = None,
        epsilon: float | None = None,
        explain: bool = False,
        segments: Mapping[str, Segment] | None = None,
        label: str | None = None,
    ) -> Iterator[Analysis]:
        """Open the workspace's connection for one analysis; closed on exit.

        `epsilon` (or the workspace's `privacy.epsilon`) turns on noised user counts, charged
        to the partner's budget. The period is inclusive at both ends, in whole UTC days.
        """
        if period_from and period_to and period_from > period_to:
            raise UserError(
                f"--period-from {period_from} is after --period-to {period_to}: nothing to analyse"
            )
        catalogue = dict(segments) if segments is not None else load_segments(ws, partner=partner)
        chosen: Backend = backend or ws.config.backend
        con = connect(ws, chosen)
        try:
            if partner is not None:
                _check_partner(con, partner)
            a = cls(
                ws=ws,
                con=con,
                backend=chosen,
                segments=catalogue,
                ref=ref if ref is not None else _reference_date(ws, con),
                partner=partner,
                period_from=period_from,
                period_to=period_to,
                epsilon=epsilon if epsilon is not None else ws.config.privacy.epsilon,
                explain=explain,
                label=label,
            )
            yield a
        finally:
            if chosen == "duckdb":
                con.disconnect()

    # ------------------------------------------------------------------ inputs

    @cached_property
    def policy(self) -> Policy:
        """The workspace's privacy settings, applied (the only holder of k)."""
        return Policy(self.ws.config.privacy, self.ws.root)

    def span(self) -> tuple[date, date] | None:
        """First and last days with events, clipped to the period (None: no events)."""
        span = event_span(self.ws, self.con)
        if span is None:
            return None
        first = max(span[0], self.period_from) if self.period_from else span[0]
        last = min(span[1], self.period_to) if self.period_to else span[1]
        return (first, last) if first <= last else None

    @property
    def where(self) -> str:
        """The workspace as results name it."""
        return self.label or str(self.ws.root)

    def scope(self) -> Scope:
        return Scope(
            workspace=self.where,
            backend=self.backend,
            partner=self.partner,
            reference_date=self.ref,
            period_from=self.period_from,
            period_to=self.period_to,
            k=self.policy.k,
        )

    def check_segment(self, name: str) -> None:
        if name != ALL and name not in self.segments:
            known = ", ".join(dict.fromkeys([ALL, *self.segments]))
            raise UserError(f"unknown segment {name!r} (known: {known})")

    def members(self, segment: str | Segment) -> ir.Table:
        """The segment's users (one column, user_id); `all` is everyone with a users record."""
        if isinstance(segment, str):
            self.check_segment(segment)
            if segment == ALL:
                return self.con.table("users").select("user_id").distinct()
        return segment_users(self.con, segment, segments=self.segments, ref=self.ref)

    def describe(self, segment: str) -> str:
        if segment == ALL:
            return "every user"
        return describe_segment(segment, self.segments)

    def events(self) -> ir.Table:
        """Events inside the period (whole UTC days, both ends included)."""
        e = self.con.table("events")
        if self.period_from is not None:
            e = e.filter(e.ts >= midnight(self.period_from))
        if self.period_to is not None:
            e = e.filter(e.ts < midnight(self.period_to + timedelta(days=1)))
        return e

    def items(self) -> ir.Table:
        return self.con.table("items")

    def dimension(self, dimension: str, kind: str | None = None) -> ir.Table:
        """(item_id, value) for an item field, `genre`, or `attributes.KEY`, partner-scoped: a
        value none of the partner's own items carries is `OTHER_PARTNERS`. With `kind`, only
        items of that kind (genres of films, not of games and fashion together)."""
        items = self.items()
        if kind is not None:
            if kind not in ITEM_KINDS:
                raise UserError(f"unknown kind {kind!r} (use one of {', '.join(ITEM_KINDS)})")
            items = items.filter(items.kind == kind)
        if dimension in ITEM_FIELDS:
            value = items[ITEM_FIELDS[dimension]].cast("string")
            t = items.select("item_id", "partner_id", value=value)
        elif dimension in LIST_FIELDS:
            t = items.select("item_id", "partner_id", value=items[LIST_FIELDS[dimension]].unnest())
        elif dimension.startswith("attributes."):
            key = dimension.removeprefix("attributes.")
            if not key:
                raise UserError("attributes.KEY needs a key, e.g. attributes.colour")
            t = items.select("item_id", "partner_id", value=items.attributes.get(key))
        else:
            known = ", ".join([*ITEM_FIELDS, "genre", "attributes.KEY"])
            raise UserError(f"unknown dimension {dimension!r} (use one of {known})")
        t = t.filter(t.value.notnull() & (t.value != ""))
        return fold_values(t, self.partner).distinct()

    @staticmethod
    def single_valued(dimension: str) -> bool:
        """Whether an item has at most one value of the dimension (genres are a list)."""
        return dimension not in LIST_FIELDS

    def item_partner(self, item_id: str) -> str | None:
        """The item's partner; a clear error when the item is unknown or outside the scope."""
        items = self.items()
        rows = items.filter(items.item_id == item_id).select("partner_id").execute()
        if rows.empty:
            raise UserError(f"no item {item_id!r} in the workspace's items table")
        owner = rows.partner_id.iloc[0]
        owner = None if owner is None or owner != owner else str(owner)
        if self.partner is not None and owner != self.partner:
            raise UserError(
                f"item {item_id!r} belongs to another partner: partner {self.partner!r} sees "
                "item-level results for its own items only"
            )
        return owner

    # ------------------------------------------------------------------ outputs

    def note_sql(self, *exprs: ir.Expr) -> None:
        """Record the SQL the engine runs for `exprs`, when --explain asked for it."""
        if self.explain:
            self.sql.extend(str(ibis.to_sql(e)) for e in exprs)

    def run(self, expr: ir.Table) -> pa.Table:
        self.note_sql(expr)
        return expr.to_pyarrow()

    @property
    def noised(self) -> bool:
        return self.epsilon is not None

    def noise(
        self,
        table: pa.Table,
        columns: Sequence[str],
        *,
        what: str,
        sensitivity: int,
        totals: Sequence[int] = (),
    ) -> tuple[pa.Table, list[int], dict[str, Any]]:
        """DP mode: noise user counts (and totals) as one release paid from the budget, for a
        caller that derives published figures from the noisy counts before `release`."""
        if self.epsilon is None:
            raise ValueError("noise() needs DP mode (an epsilon)")
        return noise_counts(table, columns, self._noise(what, sensitivity), list(totals))

    def _noise(self, what: str, sensitivity: int) -> Noise:
        assert self.epsilon is not None
        partner = self.partner or PLATFORM
        sensitivity = max(sensitivity, 1)
        identity = self.identity
        if identity is None:
            identity = json.dumps(
                {n: s.model_dump(mode="json") for n, s in sorted(self.segments.items())},
                sort_keys=True,
            )
        key = release_key(
            self.ws.config.secret,
            partner,
            self.ws.manifest().version,
            self.ref,
            self.period_from,
            self.period_to,
            self.epsilon,
            sensitivity,
            what,
            identity,
        )
        return Noise(
            epsilon=self.epsilon,
            partner=partner,
            ledger=self.ledger(),
            sensitivity=sensitivity,
            what=what,
            key=key,
        )

    def release(
        self,
        table: pa.Table,
        *,
        users: str | Sequence[str] = "users",
        blank: Sequence[str] = (),
        partition_by: Sequence[str] | None = None,
        what: str,
        sensitivity: int = 1,
        noise_info: dict[str, Any] | None = None,
    ) -> Guarded:
        """The guard: suppress cells below k and, in DP mode, noise the user counts (unless
        the caller already did, passing what `noise` returned as `noise_info`)."""
        noise = None
        if self.epsilon is not None and noise_info is None:
            noise = self._noise(what, sensitivity)
        return self.policy.guard(
            table,
            users=users,
            blank=blank,
            partition_by=partition_by,
            noise=noise,
            noise_info=noise_info,
        )

    def publish(self, result: T, *reports: GuardReport) -> Released[T]:
        """The end of the release step: seal a finished result for the surfaces (the CLI's
        printer, the API, the reports), which take nothing else. Refused (TypeError) unless
        every guard report in `result` (and `reports`) came from this session's `release`."""
        return self.policy.publish(result, *reports)

    def ledger(self) -> Ledger:
        return self.policy.ledger()


def publish(ws: Workspace, result: T) -> Released[T]:
    """`Analysis.publish` for a result whose domain function opened its own session."""
    return Policy(ws.config.privacy, ws.root).publish(result)


def released_sizes(a: Analysis, names: Sequence[str] | None = None) -> Released[list[SegmentSize]]:
    """Segment sizes as they may leave: through the analysis' release step (below k
    suppressed; noised and charged when the analysis is noised, consistently per question)."""
    chosen = list(names) if names is not None else list(a.segments)
    counts, total, ref = _size_counts(a.con, a.segments, a.ref, chosen)
    table = pa.table({"name": chosen, "users": [counts[n] for n in chosen]})
    what = "segment sizes " + ",".join(chosen)
    info = None
    if a.noised:
        # one user can be in every segment, and is in the total
        table, (total,), info = a.noise(
            table, ["users"], what=what, sensitivity=len(chosen) + 1, totals=[total]
        )
    released = a.release(table, what=what, noise_info=info)
    kept = saved_segments(a.ws)
    sizes = [
        SegmentSize(
            name=n,
            description=a.segments[n].description,
            definition=describe_segment(n, a.segments),
            definition_zh=describe_segment(n, a.segments, "zh"),
            users=row["users"],
            share_of_users=row["users"] / total if row["users"] is not None and total else None,
            suppressed=row["suppressed"],
            reference_date=ref,
            saved=n in kept and a.segments[n] == kept[n],
            owner=a.segments[n].owner,
        )
        for n, row in zip(chosen, released.to_pylist(), strict=True)
    ]
    return a.publish(sizes, released.report)


def members_fingerprint(con: Any, segment: str, segments: Mapping[str, Segment], ref: date) -> str:
    """A fingerprint of the segment's member set (order-free), so that two wordings of one set
    of users are recognised as the same question."""
    members = segment_users(con, segment, segments=segments, ref=ref)
    row = members.aggregate(n=members.count(), fp=members.user_id.hash().bit_xor()).execute()
    return f"{int(row.n.iloc[0])}:{int(row.fp.iloc[0]) if row.n.iloc[0] else 0}"


def event_span(ws: Workspace, con: Any) -> tuple[date, date] | None:
    """The dates (UTC) of the first and last events, remembered per manifest version: finding
    them scans every event timestamp, a cost each query would otherwise pay for the same answer.
    None when there are no events."""
    version = ws.manifest().version
    cache = ws.root / "lake" / "_event_span.json"
    try:
        saved = json.loads(cache.read_text(encoding="utf-8"))
        if saved.get("version") == version:
            if saved["first"] is None:
                return None
            return date.fromisoformat(saved["first"]), date.fromisoformat(saved["last"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    e = con.table("events")
    row = e.aggregate(lo=e.ts.min(), hi=e.ts.max()).to_pyarrow().to_pylist()[0]
    span = None if row["lo"] is None else (row["lo"].date(), row["hi"].date())
    record = {"version": version, "first": None, "last": None}
    if span is not None:
        record.update(first=span[0].isoformat(), last=span[1].isoformat())
    try:
        tmp = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(record), "utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only workspace: found again next time
    return span


def _reference_date(ws: Workspace, con: Any) -> date:
    span = event_span(ws, con)
    return span[1] if span is not None else reference_date(con)


def _check_partner(con: Any, partner: str) -> None:
    partners = con.table("partners")
    found = partners.filter(partners.partner_id == partner).count().execute()
    if not found:
        raise UserError(f"unknown partner {partner!r}: not in the workspace's partners table")


__all__ = [
    "ALL",
    "OTHER_PARTNERS",
    "PERIOD_UNITS",
    "PLATFORM",
    "Analysis",
    "GuardReport",
    "Period",
    "Scope",
    "midnight",
]
