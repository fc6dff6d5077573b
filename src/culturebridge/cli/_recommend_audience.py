"""`recommend audience`: who would engage with a title that is still a proposal.

A co-producer writes the proposed title as TOML (bilingual title and synopsis, kind, genres,
attributes) and asks the platform's data who its audience would be; the answer comes from the
audiences of the catalogue's most similar titles, through the privacy guard.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable
from rich.text import Text

from culturebridge.cli._analytics import fmt, fmt_lift
from culturebridge.cli._common import (
    console,
    err_console,
    handle_errors,
    print_released,
)
from culturebridge.privacy import Released
from culturebridge.query import publish
from culturebridge.recommend import AudiencePlan, load_spec, plan_audience
from culturebridge.workspace import Workspace

Dir = Annotated[Path, typer.Argument(help="Workspace folder.")]
SpecOpt = Annotated[
    Path,
    typer.Option(
        "--spec",
        help="The proposed title as TOML: title_en, title_zh, synopsis_en, synopsis_zh, kind, "
        "genres, [attributes], partner.",
    ),
]
PartnerOpt = Annotated[
    str | None,
    typer.Option(
        "--partner",
        help="Plan as this partner: other partners' titles among the neighbours are not named.",
    ),
]
NeighboursOpt = Annotated[
    int, typer.Option("--neighbours", min=1, max=100, help="Catalogue items to learn from.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the typed result as JSON.")]


def register(group: typer.Typer) -> None:
    group.command("audience")(audience)


@handle_errors
def audience(
    directory: Dir,
    spec: SpecOpt,
    partner: PartnerOpt = None,
    neighbours: NeighboursOpt = 10,
    json_out: JsonOpt = False,
) -> None:
    """Predict a proposed title's audience per segment from its nearest catalogue titles.

    The proposal is embedded like a catalogue item (bilingual text, kind, genres, attributes);
    each segment's expected share is the similarity-weighted mean of the neighbours' audience
    shares, and its lift compares that with the segment's share of engaged users. Segments that
    over-index (lift >= 1.2) come first.
    """
    proposal = load_spec(spec)
    ws = Workspace.open(directory)
    if json_out:
        plan = plan_audience(ws, proposal, partner=partner, n_neighbours=neighbours)
    else:
        with err_console.status("finding similar titles and their audiences…"):
            plan = plan_audience(ws, proposal, partner=partner, n_neighbours=neighbours)
    out = publish(ws, plan)
    notes = [f"privacy: {plan.privacy.note()}", f"neighbours: {plan.neighbour_privacy.note()}"]
    if json_out:
        print_released(out)
        for note in notes:
            err_console.print(note, highlight=False, markup=False)
        return
    _draw(out)
    for note in notes:
        console.print(Text(note, style="dim"))


def _draw(out: Released[AudiencePlan]) -> None:
    plan = out.value
    p = plan.proposal
    name = " / ".join(t for t in (p.title_en, p.title_zh) if t) or "(untitled)"
    t = RichTable(
        "segment",
        "expected share",
        "platform share",
        "lift",
        "expected reach",
        "confidence",
        title=f"Expected audience of {name} ({p.kind})",
        title_justify="left",
        caption=f"From {len(plan.neighbours)} similar titles (effectively "
        f"{plan.effective_neighbours:g}); expected audience about "
        f"{plan.expected_audience_users or '—'} users. ▲ over-indexes (lift >= 1.2), "
        "▼ under-indexes.",
        caption_justify="left",
    )
    for c in t.columns[1:5]:
        c.justify = "right"
    for s in plan.segments:
        if s.suppressed:
            t.add_row(Text(s.segment), "< k", "< k", "—", "—", "")
            continue
        mark, style = "", ""
        if s.lift is not None and s.over_indexes:
            mark, style = " ▲", "green"
        elif s.lift is not None and s.lift <= 1 / 1.2:
            mark, style = " ▼", "red"
        t.add_row(
            Text(s.segment),
            fmt(s.expected_share, ".1%"),
            fmt(s.platform_share, ".1%"),
            Text(fmt_lift(s.lift, mark), style=style),
            fmt(s.expected_reach, ","),
            s.confidence or "",
        )
    console.print(t)
    n = RichTable(
        "neighbour",
        "kind",
        "partner",
        "similarity",
        "weight",
        "audience",
        title="Titles the prediction leans on",
        title_justify="left",
    )
    for c in n.columns[3:]:
        c.justify = "right"
    for r in plan.neighbours:
        label = r.title_en or r.title_zh or r.item_id or "(another partner's title)"
        if r.item_id and (r.title_en or r.title_zh):
            label = f"{label} ({r.item_id})"
        n.add_row(
            Text(label),
            r.kind,
            Text(r.partner_id or ""),
            f"{r.similarity:.3f}",
            f"{r.weight:.1%}",
            "< k" if r.suppressed else fmt(r.audience_users, ","),
        )
    console.print(n)
