"""Audience segments: the workspace's named segments with their sizes, and a preview of an
ad-hoc segment (its size and what it prefers) before anyone saves it to `segments.toml`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from culturebridge.analytics import PreferenceRow, preferences
from culturebridge.api._deps import CallerDep, StateDep
from culturebridge.api._models import CHART_RESPONSE, Rows, published
from culturebridge.errors import UserError
from culturebridge.privacy import Released
from culturebridge.query import (
    ALL,
    NAME_PATTERN,
    Scope,
    Segment,
    SegmentSize,
    delete_segment,
    load_segments,
    members_fingerprint,
    released_sizes,
    save_segment,
)

router = APIRouter(prefix="/segments", tags=["segments"])


@router.get(
    "",
    response_model=Rows[SegmentSize],
    summary="Named segments and their sizes",
    responses=CHART_RESPONSE,
)
@published
def list_segments(state: StateDep, caller: CallerDep) -> Released[Rows[SegmentSize]]:
    """Built-in segments and those in `DIR/segments.toml`, sized at the reference date (the day
    of the latest event), as `segments --json` lists them; sizes below k are null, and with
    `[privacy] epsilon` set the sizes are noised and charged (once per data version)."""

    def compute() -> Released[Rows[SegmentSize]]:
        with state.analysis(caller) as a:
            scope = a.scope()
            return released_sizes(a).map(
                lambda sizes: Rows[SegmentSize](data=sizes, count=len(sizes), scope=scope)
            )

    return state.cached(caller, "segments", (), compute)


class SegmentSaveRequest(Segment):
    """A segment to keep: its name and the fields of a `[segments.NAME]` table."""

    replace: bool = Field(default=False, description="Overwrite a segment of the same name.")


@router.post(
    "",
    response_model=SegmentSize,
    status_code=201,
    summary="Save a segment to the workspace",
    responses={400: {"description": "A bad or taken name, or an unknown part"}},
)
@published
def save(body: SegmentSaveRequest, state: StateDep, caller: CallerDep) -> Released[SegmentSize]:
    """Add a segment to the workspace's `segments.toml`, where `culturebridge segments`, every
    analysis and every page find it (after a restart too). A partner's key saves segments only
    it sees (`owner`), and its behaviour may name its own partner only. Answers the new
    segment's size, guarded like every size."""
    owner = caller.item_scope
    foreign = [
        p for b in body.behaviour for p in b.partners or () if owner is not None and p != owner
    ]
    if foreign:
        raise UserError(
            f"behaviour: partner {owner!r} may build segments on its own items only, "
            f"not on {foreign[0]!r}'s"
        )
    seg = Segment.model_validate({**body.model_dump(exclude={"replace", "owner"}), "owner": owner})
    save_segment(state.ws, seg, replace=body.replace)
    with state.analysis(caller) as a:
        return released_sizes(a, [seg.name]).map(lambda sizes: sizes[0])


@router.delete(
    "/{name}",
    status_code=204,
    summary="Delete a saved segment",
    responses={400: {"description": "No such saved segment, or another segment uses it"}},
)
def delete(
    name: Annotated[str, Path(pattern=NAME_PATTERN, max_length=64)],
    state: StateDep,
    caller: CallerDep,
) -> None:
    """Remove a segment this key saved (the platform's key: any saved segment)."""
    delete_segment(state.ws, name, owner=caller.item_scope)


class SegmentPreviewRequest(Segment):
    """An ad-hoc segment (the fields of a `[segments.NAME]` table) and what to compare."""

    name: str = Field(default="custom", max_length=64)
    by: Annotated[str, Field(min_length=1, max_length=100)] = Field(
        default="kind", description="Dimension of the preferences, as for GET /preferences."
    )
    top: int = Field(default=10, ge=1, le=1000, description="Preference rows to return.")


class SegmentPreview(BaseModel):
    """An ad-hoc segment's size and its preferences against every user.

    Below k users the segment is reported (users null, `suppressed` true) with no preferences:
    a 200, not an error, so a form can show "too small" as the user narrows it. For a partner's
    key the size and the preferences are always noised (`[privacy] adhoc_epsilon` each, from
    the partner's budget), consistently: the same set of users, however worded, gets the same
    answer and is charged once."""

    name: str
    description: str
    """All the conditions a member meets, in words."""
    definition_zh: str = ""
    """The same in Chinese."""
    users: int | None
    share_of_users: float | None
    suppressed: bool
    dimension: str
    preferences: list[PreferenceRow]
    count: int
    """Preference rows before `top`."""
    privacy: list[str]
    scope: Scope


@router.post(
    "/preview",
    response_model=SegmentPreview,
    summary="Size and preferences of an ad-hoc segment",
    responses=CHART_RESPONSE,
)
@published
def preview_segment(
    body: SegmentPreviewRequest, state: StateDep, caller: CallerDep
) -> Released[SegmentPreview]:
    """How many users an ad-hoc segment holds and what it engages with more than everyone
    (`prefs` for that segment against `all`). `all_of` may name stored segments."""
    if body.name == ALL:
        raise UserError(f"segment name {ALL!r} is taken (every user); choose another name")
    # computed under one fixed name: the name a caller chooses must not change the noise
    seg = Segment.model_validate({**body.model_dump(exclude={"by", "top"}), "name": ADHOC})
    key = body.model_dump_json(exclude={"name", "top"})
    privacy = state.ws.config.privacy
    epsilon = privacy.adhoc_epsilon if caller.item_scope is not None else privacy.epsilon

    def compute() -> Released[SegmentPreview]:
        catalogue = {**load_segments(state.ws), seg.name: seg}
        with state.analysis(caller, segments=catalogue, epsilon=epsilon) as a:
            a.dimension(body.by)  # a mistake in `by` is a 400 at any segment size
            if a.noised:
                a.identity = members_fingerprint(a.con, seg.name, a.segments, a.ref)
            sized = released_sizes(a, [seg.name])
            size = sized.value[0]
            rows: list[PreferenceRow] = []
            notes = [f"segment size: {sized.reports[0].note()}"]
            reports = list(sized.reports)
            if size.suppressed:
                notes.append("segment below the privacy threshold: no preferences shown")
            else:
                result = preferences(a, segment=seg.name, by=body.by, vs=ALL)
                rows = result.rows
                notes.append(result.privacy.note())
                reports.append(result.privacy)
            preview = SegmentPreview(
                name=body.name,
                description=size.definition,
                definition_zh=size.definition_zh,
                users=size.users,
                share_of_users=size.share_of_users,
                suppressed=size.suppressed,
                dimension=body.by,
                preferences=rows,
                count=len(rows),
                privacy=notes,
                scope=a.scope(),
            )
            return a.publish(preview, *reports)

    out = state.cached(caller, "segment_preview", key, compute)
    return out.map(
        lambda r: r.model_copy(update={"name": body.name, "preferences": r.preferences[: body.top]})
    )


ADHOC = "custom"
"""The name an ad-hoc segment is computed under, whatever the caller calls it."""
