"""Co-production planning: who would watch a title that does not exist yet?

A partner weighing a co-production has a synopsis, not an audience. The platform does have the
audiences of the titles most like it. `plan_audience` embeds the proposal exactly as a
catalogue item is embedded (`item_features`: bilingual text, kind, genres, attributes,
partner), finds its nearest catalogue items by content, and predicts the proposal's audience
per segment as the similarity-weighted mean of those neighbours' audiences: each segment's
expected share, its lift over the segment's share of the platform's engaged users, the reach
that implies and how far the neighbours agree. Nothing leaves without the privacy guard: cells
describing fewer than k users are suppressed, and a partner sees other partners' titles only
as `(other partners)`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from culturebridge.errors import UserError, read_toml
from culturebridge.privacy import GuardReport, Policy
from culturebridge.query import ALL, OTHER_PARTNERS, Analysis, Scope, Segment
from culturebridge.recommend._features import (
    catalogue_frame,
    item_features,
    item_texts,
    workspace_cache,
)
from culturebridge.schema import ITEM_KINDS
from culturebridge.workspace import Workspace

OVER_INDEX = 1.2
"""A segment over-indexes when its expected share is at least this many times its platform
share (and under-indexes below 1 / OVER_INDEX)."""
TEMPERATURE = 0.05
"""Neighbour weights are softmax(similarity / TEMPERATURE): a neighbour 0.05 less similar than
the closest counts e^-1 as much. Content similarities of same-kind items crowd into a narrow
band (0.85-0.95), so plain similarity weights would weigh every neighbour alike."""
PROPOSAL_ID = "\x00proposal"
OTHER_SCOPE = "another partner's title: item-level figures withheld"
NOT_ENGAGEMENT = ("impression",)
"""An impression is the platform's choice, not the user's: it does not make anyone audience."""


def _as_text(x: Any) -> Any:
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, int | float):
        return str(x)
    return x


class ProposedTitle(BaseModel):
    """A title being planned, as written in a TOML spec (`load_spec`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title_en: str = ""
    title_zh: str = ""
    synopsis_en: str = ""
    synopsis_zh: str = ""
    kind: str
    genres: list[str] = Field(default_factory=list)
    attributes: dict[str, str] = Field(default_factory=dict)
    partner: str | None = None
    """The partner who would own it (default: the partner the plan runs as, if any)."""

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, v: str) -> str:
        if v not in ITEM_KINDS:
            raise ValueError(f"unknown kind {v!r} (known: {', '.join(ITEM_KINDS)})")
        return v

    @field_validator("attributes", mode="before")
    @classmethod
    def _attribute_text(cls, v: Any) -> Any:
        # TOML gives numbers and booleans as such; the catalogue stores attribute values as text
        if not isinstance(v, Mapping):
            return v
        return {k: _as_text(x) for k, x in v.items()}

    @model_validator(mode="after")
    def _something_to_embed(self) -> ProposedTitle:
        if not any((self.title_en, self.title_zh, self.synopsis_en, self.synopsis_zh)):
            raise ValueError("give at least a title or a synopsis (title_en, title_zh, ...)")
        return self

    def frame_row(self, owner: str | None) -> dict[str, Any]:
        """The proposal as a row of the catalogue frame `item_features` reads."""
        return {
            "item_id": PROPOSAL_ID,
            "partner_id": owner,
            "kind": self.kind,
            "title_en": self.title_en,
            "title_zh": self.title_zh,
            "description_en": self.synopsis_en,
            "description_zh": self.synopsis_zh,
            "genres": list(self.genres),
            "attributes": dict(self.attributes),
        }


def load_spec(path: Path) -> ProposedTitle:
    """A `ProposedTitle` from TOML; any mistake is a UserError naming the file and the key."""
    if path.is_dir():
        raise UserError(f"{path}: is a directory, expected a proposed-title TOML file")
    raw = read_toml(path, f"{path}: no such spec file")
    try:
        return ProposedTitle.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        known = ", ".join(ProposedTitle.model_fields)
        if first["type"] == "extra_forbidden":
            message = f"{path}: {loc}: unknown key (known: {known})"
        else:
            message = f"{path}: {loc or 'spec'}: {str(first['msg']).removeprefix('Value error, ')}"
    raise UserError(message)


# ---------------------------------------------------------------------------- results


Confidence = Literal["high", "medium", "low"]


class Neighbour(BaseModel):
    """A catalogue item the prediction leans on. Another partner's item (when the plan runs as
    a partner) shows only its kind, similarity and weight."""

    item_id: str | None
    title_en: str | None
    title_zh: str | None
    kind: str
    partner_id: str | None
    similarity: float
    weight: float
    """Its share of the prediction (weights sum to one)."""
    audience_users: int | None
    """Distinct users who engaged with it (any event but an impression)."""
    suppressed: bool = False
    suppression: str | None = None


class SegmentForecast(BaseModel):
    """The proposal's expected audience in one segment."""

    segment: str
    definition: str
    expected_share: float | None
    """Expected share of the proposal's audience from this segment: the weighted mean of the
    neighbours' shares."""
    platform_share: float | None
    """The segment's share of every user who engaged with anything."""
    lift: float | None
    """expected_share / platform_share: above 1 the segment over-indexes."""
    expected_reach: int | None
    """Users of the segment expected in the audience: expected_share x the weighted mean of
    the neighbours' audience sizes."""
    spread: float | None
    """Weighted standard deviation of the neighbours' shares: how much they disagree."""
    confidence: Confidence | None
    over_indexes: bool | None
    users: int | None
    """Distinct users of the segment in the neighbours' audiences: the evidence."""
    platform_users: int | None
    suppressed: bool = False
    suppression: str | None = None


class AudiencePlan(BaseModel):
    analysis: str = "audience_plan"
    proposal: ProposedTitle
    owner: str | None
    neighbours: list[Neighbour]
    effective_neighbours: float
    """1 / sum of squared weights: how many neighbours the prediction really rests on."""
    expected_audience_users: int | None
    """The weighted mean of the neighbours' audience sizes."""
    segments: list[SegmentForecast]
    """Over-indexing segments first (by lift), then the rest by lift; suppressed ones last."""
    scope: Scope
    privacy: GuardReport
    neighbour_privacy: GuardReport
    method: str = (
        "neighbours: the catalogue items closest to the proposal by content (bilingual text, "
        "kind, genres, attributes, partner), with at least k engaged users; weights: "
        f"softmax(similarity / {TEMPERATURE}); a segment's expected share: the weighted mean of "
        "the neighbours' audience shares; lift: over the segment's share of engaged users"
    )

    def over_indexing(self) -> list[SegmentForecast]:
        return [s for s in self.segments if s.over_indexes]


# ---------------------------------------------------------------------------- planning


def plan_audience(
    ws: Workspace,
    spec: ProposedTitle,
    *,
    partner: str | None = None,
    n_neighbours: int = 10,
    segments: Mapping[str, Segment] | None = None,
) -> AudiencePlan:
    """Predict who would engage with a proposed title, per segment, from its content neighbours.

    `partner` runs the plan as that partner (its scope applies to the neighbours shown);
    `segments` replaces the workspace's segment catalogue (default: built-ins plus
    `segments.toml`).
    """
    if n_neighbours < 1:
        raise UserError(f"--neighbours must be at least 1, not {n_neighbours}")
    owner = spec.partner if spec.partner is not None else partner
    if partner is not None and spec.partner is not None and spec.partner != partner:
        raise UserError(
            f"the spec's partner {spec.partner!r} differs from --partner {partner!r}: "
            "a partner plans its own titles"
        )
    with Analysis.open(ws, partner=partner, segments=segments) as a:
        if a.noised:
            raise UserError(
                "audience planning is not available with differential privacy (its shares come "
                "from many overlapping counts); run it without --epsilon: k-anonymity applies"
            )
        if owner is not None and owner != partner:
            _check_owner(a, owner)
        catalogue = catalogue_frame(a.con)
        if catalogue.empty:
            raise UserError("the workspace has no items: ingest a catalogue first")
        similarity = _similarity(ws, catalogue, spec, owner)
        engaged = _engaged(a)
        sizes = _audience_sizes(a, engaged)
        chosen = _neighbours(catalogue, similarity, sizes, a.policy, n_neighbours)
        if chosen.empty:
            raise UserError(
                f"no catalogue item has an audience of at least k={a.policy.k} users to learn from"
            )
        weights = _softmax(chosen["similarity"].to_numpy(np.float64))
        names = [n for n in a.segments if n != ALL]
        counts = _segment_counts(a, engaged, chosen["item_id"].tolist(), names)
        forecasts, report = _forecasts(a, names, chosen, weights, counts)
        neighbours, n_report = _neighbour_rows(a, chosen, weights)
        audience = float(np.dot(weights, chosen["users"].to_numpy(np.float64)))
        return AudiencePlan(
            proposal=spec,
            owner=owner,
            neighbours=neighbours,
            effective_neighbours=round(float(1.0 / np.sum(weights**2)), 2),
            expected_audience_users=round(audience),
            segments=forecasts,
            scope=a.scope(),
            privacy=report,
            neighbour_privacy=n_report,
        )


def _check_owner(a: Analysis, owner: str) -> None:
    partners = a.con.table("partners")
    if not partners.filter(partners.partner_id == owner).count().execute():
        raise UserError(f"spec partner {owner!r} is not in the workspace's partners table")


def _similarity(
    ws: Workspace, catalogue: pd.DataFrame, spec: ProposedTitle, owner: str | None
) -> np.ndarray:
    """Cosine of the proposal with every catalogue item, featurised together (one vocabulary).

    Catalogue texts go through the workspace's embedding cache (and are saved there); the
    proposal's own text is embedded but not written to the workspace: a plan is not data.
    """
    cache = workspace_cache(ws)
    en, zh = item_texts(catalogue)
    cache([t for t in en + zh if t])
    cache.save()
    frame = pd.concat([catalogue, pd.DataFrame([spec.frame_row(owner)])], ignore_index=True)
    feats = item_features(frame, embed=cache)
    return np.asarray(feats[:-1] @ feats[-1], dtype=np.float64)


def _engaged(a: Analysis) -> Any:
    """(user_id, item_id) pairs with any event but an impression (distinct)."""
    e = a.events()
    e = e.filter(~e.type.isin(NOT_ENGAGEMENT))
    return e.select("user_id", "item_id").distinct()


def _audience_sizes(a: Analysis, engaged: Any) -> dict[str, int]:
    sizes = a.run(engaged.group_by("item_id").aggregate(users=engaged.count()))
    return dict(zip(sizes["item_id"].to_pylist(), sizes["users"].to_pylist(), strict=True))


def _neighbours(
    catalogue: pd.DataFrame, similarity: np.ndarray, sizes: dict[str, int], policy: Policy, n: int
) -> pd.DataFrame:
    """The `n` most similar items with an audience of at least k users (a smaller audience
    could not be published, and its shares would be noise). Ties go to the lower item id."""
    frame = catalogue.assign(
        similarity=similarity,
        users=[sizes.get(str(i), 0) for i in catalogue["item_id"]],
    )
    frame = frame[frame["users"].map(lambda u: policy.enough(int(u))).astype(bool)]
    return frame.sort_values(["similarity", "item_id"], ascending=[False, True]).head(n)


def _softmax(similarity: np.ndarray) -> np.ndarray:
    z = (similarity - similarity.max()) / TEMPERATURE
    w = np.exp(z)
    return np.asarray(w / w.sum(), dtype=np.float64)


_NEIGHBOURS = "\x00neighbours"
_PLATFORM = "\x00platform"


def _segment_counts(
    a: Analysis, engaged: Any, item_ids: list[str], names: list[str]
) -> pd.DataFrame:
    """One query: per segment (and everyone), users per neighbour, distinct users over all
    neighbours, and engaged users on the platform. Columns: segment, item_id, users."""
    # both are scanned once per segment: materialised (a temporary table) they are read, not
    # recomputed from every event each time
    near = engaged.filter(engaged.item_id.isin(item_ids)).cache()
    active = engaged.select("user_id").distinct().cache()
    parts = []
    for name in [ALL, *names]:
        members = a.members(name)
        mine = near.semi_join(members, "user_id")
        per_item = mine.group_by("item_id").aggregate(users=mine.count())
        union = mine.select("user_id").distinct()
        act = active.semi_join(members, "user_id")
        parts += [
            per_item.mutate(segment=ibis.literal(name)),
            union.aggregate(users=union.count()).mutate(
                item_id=ibis.literal(_NEIGHBOURS), segment=ibis.literal(name)
            ),
            act.aggregate(users=act.count()).mutate(
                item_id=ibis.literal(_PLATFORM), segment=ibis.literal(name)
            ),
        ]
    expr = ibis.union(*[p.select("segment", "item_id", "users") for p in parts])
    frame: pd.DataFrame = a.run(expr).to_pandas()
    return frame


def _confidence(n_eff: float, spread: float, share: float) -> Confidence:
    """A hint, not an interval: high when several neighbours carry the prediction and agree
    (spread within 30% of the share), low when one or two carry it or they disagree by more
    than 60%."""
    relative = spread / share if share > 0 else math.inf
    if n_eff >= 3 and relative <= 0.3:
        return "high"
    if n_eff >= 2 and relative <= 0.6:
        return "medium"
    return "low"


def _forecasts(
    a: Analysis,
    names: list[str],
    chosen: pd.DataFrame,
    weights: np.ndarray,
    counts: pd.DataFrame,
) -> tuple[list[SegmentForecast], GuardReport]:
    lookup = {
        (str(s), str(i)): int(u)
        for s, i, u in zip(counts["segment"], counts["item_id"], counts["users"], strict=True)
    }
    ids = chosen["item_id"].astype(str).tolist()
    totals = np.array([lookup.get((ALL, i), 0) for i in ids], dtype=np.float64)
    platform_all = lookup.get((ALL, _PLATFORM), 0)
    audience = float(np.dot(weights, chosen["users"].to_numpy(np.float64)))
    n_eff = float(1.0 / np.sum(weights**2))
    rows = []
    for name in names:
        seg = np.array([lookup.get((name, i), 0) for i in ids], dtype=np.float64)
        shares = np.divide(seg, totals, out=np.zeros_like(seg), where=totals > 0)
        share = float(np.dot(weights, shares))
        spread = float(math.sqrt(np.dot(weights, (shares - share) ** 2)))
        platform_users = lookup.get((name, _PLATFORM), 0)
        base = platform_users / platform_all if platform_all else float("nan")
        lift = share / base if base > 0 else float("nan")
        rows.append(
            {
                "segment": name,
                "definition": a.describe(name),
                "expected_share": round(share, 4),
                "platform_share": round(base, 4) if base == base else None,
                "lift": round(lift, 3) if lift == lift else None,
                "expected_reach": round(share * audience),
                "spread": round(spread, 4),
                "confidence": _confidence(n_eff, spread, share),
                "over_indexes": bool(lift >= OVER_INDEX) if lift == lift else None,
                "users": lookup.get((name, _NEIGHBOURS), 0),
                "platform_users": platform_users,
            }
        )
    table = pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("segment", pa.string()),
                ("definition", pa.string()),
                ("expected_share", pa.float64()),
                ("platform_share", pa.float64()),
                ("lift", pa.float64()),
                ("expected_reach", pa.int64()),
                ("spread", pa.float64()),
                ("confidence", pa.string()),
                ("over_indexes", pa.bool_()),
                ("users", pa.int64()),
                ("platform_users", pa.int64()),
            ]
        ),
    )
    guarded = a.release(
        table,
        users=["users", "platform_users"],
        blank=[
            "expected_share",
            "platform_share",
            "lift",
            "expected_reach",
            "spread",
            "confidence",
            "over_indexes",
        ],
        what="audience plan by segment",
    )
    out = [SegmentForecast.model_validate(r) for r in guarded.to_pylist()]
    out.sort(key=lambda r: (r.suppressed, not r.over_indexes, -(r.lift or 0.0), r.segment))
    return out, guarded.report


def _neighbour_rows(
    a: Analysis, chosen: pd.DataFrame, weights: np.ndarray
) -> tuple[list[Neighbour], GuardReport]:
    rows = []
    for r, w in zip(chosen.to_dict("records"), weights, strict=True):
        owner = None if pd.isna(r["partner_id"]) else str(r["partner_id"])
        hidden = a.partner is not None and owner != a.partner
        rows.append(
            {
                "item_id": None if hidden else str(r["item_id"]),
                "title_en": None if hidden else r["title_en"],
                "title_zh": None if hidden else r["title_zh"],
                "kind": str(r["kind"]),
                "partner_id": OTHER_PARTNERS if hidden else owner,
                "similarity": round(float(r["similarity"]), 4),
                "weight": round(float(w), 4),
                "audience_users": int(r["users"]),
            }
        )
    table = pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("item_id", pa.string()),
                ("title_en", pa.string()),
                ("title_zh", pa.string()),
                ("kind", pa.string()),
                ("partner_id", pa.string()),
                ("similarity", pa.float64()),
                ("weight", pa.float64()),
                ("audience_users", pa.int64()),
            ]
        ),
    )
    guarded = a.release(table, users="audience_users", what="audience plan neighbours")
    out = []
    for row in guarded.to_pylist():
        if row["partner_id"] == OTHER_PARTNERS:
            # an audience size is an item-level figure: with the kind it could name the title
            row.update(audience_users=None, suppression=row["suppression"] or OTHER_SCOPE)
        out.append(Neighbour.model_validate(row))
    return out, guarded.report


__all__ = [
    "AudiencePlan",
    "Neighbour",
    "ProposedTitle",
    "SegmentForecast",
    "load_spec",
    "plan_audience",
]
