"""Campaigns: the ones a key may see, and the report `campaign report --json` gives for one.

A partner sees its own campaigns only (the platform sees every one); another partner's campaign
is a 404, the same answer as one that does not exist, so ids cannot be probed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import pyarrow as pa
from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from culturebridge.api._deps import AppState, Caller, CallerDep, StateDep, not_visible
from culturebridge.api._models import CHART_RESPONSE, Rows, published
from culturebridge.campaign import CampaignReport, report_workspace
from culturebridge.privacy import Released

router = APIRouter(prefix="/campaigns", tags=["campaigns"])


class CampaignPublic(BaseModel):
    campaign_id: str
    partner_id: str | None
    name: str
    start: datetime | None
    end: datetime | None
    assigned_users: int | None
    """Users assigned to any arm (null below the privacy threshold k)."""
    arms: list[str]


def _campaigns(state: AppState, caller: Caller) -> Released[list[CampaignPublic]]:
    """The caller's campaigns, with assigned-user counts released through the guard."""
    with state.analysis(caller) as a:
        camps = [
            c
            for c in a.con.table("campaigns").order_by("campaign_id").to_pyarrow().to_pylist()
            if caller.sees(c.get("partner_id"))
        ]
        asg = a.con.table("assignments")
        counts = (
            asg.group_by(["campaign_id", "arm"])
            .aggregate(users=asg.user_id.nunique())
            .order_by(["campaign_id", "arm"])
            .to_pyarrow()
            .to_pylist()
        )
        totals = asg.group_by("campaign_id").aggregate(users=asg.user_id.nunique())
        users = {r["campaign_id"]: int(r["users"]) for r in totals.to_pyarrow().to_pylist()}
        ids = [c["campaign_id"] for c in camps]
        table = pa.table({"campaign_id": ids, "users": [users.get(i, 0) for i in ids]})
        what = "campaign assigned users"
        info = None
        if a.noised and ids:
            # one user can be assigned in every campaign
            table, _, info = a.noise(table, ["users"], what=what, sensitivity=len(ids))
        guarded = a.release(table, what=what, noise_info=info)
        released = {r["campaign_id"]: r["users"] for r in guarded.to_pylist()}
        policy = a.policy
    arms: dict[str, list[str]] = {}
    for r in counts:
        arms.setdefault(r["campaign_id"], []).append(r["arm"])
    rows = [
        CampaignPublic(
            campaign_id=c["campaign_id"],
            partner_id=c.get("partner_id"),
            name=c["name"],
            start=c.get("start"),
            end=c.get("end"),
            assigned_users=released[c["campaign_id"]],
            arms=arms.get(c["campaign_id"], []),
        )
        for c in camps
    ]
    return policy.publish(rows, guarded.report)


def visible_campaigns(state: AppState, caller: Caller) -> Released[list[CampaignPublic]]:
    return state.cached(caller, "campaigns", (), lambda: _campaigns(state, caller))


@router.get(
    "",
    response_model=Rows[CampaignPublic],
    summary="Campaigns visible to the key",
    responses=CHART_RESPONSE,
)
@published
def list_campaigns(state: StateDep, caller: CallerDep) -> Released[Rows[CampaignPublic]]:
    """The key's partner's campaigns (every campaign for the platform), with their arms and how
    many users were assigned (null below k)."""
    return visible_campaigns(state, caller).map(
        lambda rows: Rows[CampaignPublic](data=rows, count=len(rows))
    )


@router.get(
    "/{campaign_id}/report",
    response_model=CampaignReport,
    summary="Did a campaign work, and for whom",
    responses={**CHART_RESPONSE, 404: {"description": "No such campaign visible to this key"}},
)
@published
def campaign_report(
    state: StateDep,
    caller: CallerDep,
    campaign_id: Annotated[str, Path(min_length=1, max_length=200)],
    sequential: Annotated[
        bool, Query(description="Always-valid intervals and p-values, safe to check daily.")
    ] = False,
    correction: Annotated[
        Literal["holm", "bh"], Query(description="Segment multiplicity control.")
    ] = "holm",
    cuped: Annotated[bool, Query(description="CUPED adjustment with the pre-period.")] = True,
    pre_days: Annotated[
        int, Query(ge=1, le=365, description="Days before assignment for CUPED.")
    ] = 28,
    alpha: Annotated[float, Query(gt=0, lt=1, description="Significance level.")] = 0.05,
) -> Released[CampaignReport]:
    """The typed report of `campaign report DIR --campaign ID --json`: per arm, every metric
    with its interval; lifts against the control (CUPED-adjusted); a sample-ratio-mismatch
    check; segment tests with Holm (or BH) control, cells below k suppressed."""
    if not any(c.campaign_id == campaign_id for c in visible_campaigns(state, caller).value):
        raise not_visible("campaign")

    def compute() -> Released[CampaignReport]:
        with state.analysis(caller) as a:
            report = report_workspace(
                a,
                campaign_id,
                pre_days=pre_days,
                cuped=cuped,
                sequential=sequential,
                correction=correction,
                alpha=alpha,
            )
            return a.publish(report)

    key = (campaign_id, sequential, correction, cuped, pre_days, alpha)
    return state.cached(caller, "campaign_report", key, compute)
