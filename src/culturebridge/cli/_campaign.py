"""`campaign`: experiment reports, uplift scores and privacy-safe targeting.

    culturebridge campaign report DIR --campaign ID [--sequential] [--json]
    culturebridge campaign report --input FILE.csv --arm-col COL --metrics a,b [--control V]
    culturebridge campaign uplift --train TRAIN.csv --score SCORE.csv --treatment-col COL
        --treatment-value VALUE [--control-value VALUE] --outcome-col COL [--features a,b,c]
        [--exclude x,y] [--model NAME] --output SCORES.csv
    culturebridge campaign target DIR --campaign ID --budget N --output LIST.csv
    culturebridge campaign lookalike DIR --seed SEED.csv --size N --output LIST.csv
    culturebridge campaign audit DIR

Exported lists hold pseudonymous ids only, are refused below the workspace's privacy threshold k,
and are written to the audit log (DIR/audit/audit.jsonl) together with every refusal.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table as RichTable

from culturebridge.cli._common import console, err_console, handle_errors, print_json, running
from culturebridge.errors import UserError

group = typer.Typer(
    help="Campaigns: experiment reports, uplift modelling and privacy-safe targeting.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    from culturebridge.cli import _campaign_report, _campaign_uplift

    group.command("report")(_campaign_report.report_cmd)
    group.command("uplift")(_campaign_uplift.uplift_cmd)
    group.command("target")(target_cmd)
    group.command("lookalike")(lookalike_cmd)
    group.command("audit")(audit_cmd)
    app.add_typer(group, name="campaign")


Dir = Annotated[Path, typer.Argument(help="Workspace folder.", metavar="DIR")]
CampaignOpt = Annotated[
    str, typer.Option("--campaign", "-c", help="Campaign id (campaigns table).")
]
OutputOpt = Annotated[
    Path,
    typer.Option("--output", "-o", help="CSV to write: user_id,score,rank (pseudonymous ids)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


# ----------------------------------------------------------------------------------- targeting


@handle_errors
def target_cmd(
    directory: Dir,
    campaign: CampaignOpt,
    budget: Annotated[int, typer.Option("--budget", "-n", help="How many users to reach.")],
    output: OutputOpt,
    model: Annotated[
        str, typer.Option("--model", help="Uplift model (see campaign uplift).")
    ] = "culturebridge",
    control: Annotated[
        str | None, typer.Option("--control", help="Control arm (default: the arm called control).")
    ] = None,
    treatment: Annotated[
        str | None,
        typer.Option("--treatment", help="Treatment arm to learn from (default: the other arm)."),
    ] = None,
    candidates: Annotated[
        str,
        typer.Option(
            "--candidates",
            help="Who may be picked: untreated (not treated by this campaign), unassigned, or all.",
        ),
    ] = "untreated",
    min_uplift: Annotated[
        float,
        typer.Option("--min-uplift", help="Pick only users whose predicted uplift exceeds this."),
    ] = 0.0,
    json_out: JsonOpt = False,
) -> None:
    """Whom to treat next: the users with the highest predicted uplift, up to the budget.

    An uplift model learns from the campaign's treatment and control users (conversion, on
    features measured before the campaign started; its quality is checked by cross-fitting) and
    ranks the candidates. The list is refused below the privacy threshold k; every export and
    refusal goes to the audit log.
    """
    from culturebridge.campaign import export_list, uplift_targets
    from culturebridge.query import Analysis
    from culturebridge.workspace import Workspace

    if candidates not in ("untreated", "unassigned", "all"):
        raise UserError(f"--candidates must be untreated, unassigned or all, not {candidates!r}")
    ws = Workspace.open(directory)
    with Analysis.open(ws) as a:
        lst = running(
            lambda: uplift_targets(
                a, campaign, budget=budget, model=model, control=control,
                treatment=treatment, candidates=candidates, min_uplift=min_uplift,  # type: ignore[arg-type]
            ),
            "fitting the uplift model and scoring",
            json_out,
        )  # fmt: skip
        params = {"campaign": campaign, "budget": budget, "model": model,
                  "candidates": candidates, "min_uplift": min_uplift}  # fmt: skip
        rec = export_list(a, lst, output, command="campaign target", params=params)
    summary = {**lst.details, "rows": rec.rows, "output": rec.path, "sha256": rec.sha256,
               "budget": budget, "candidates_scored": lst.candidates}  # fmt: skip
    if json_out:
        print_json(summary)
        return
    v = lst.details["validation"]
    quality = (
        f"cross-fitted Qini AUC {v['qini_auc']:.4f}, uplift@30% {v['uplift_at_30']:+.4f}"
        if v.get("qini_auc") is not None
        else "too few users to cross-check"
    )
    console.print(
        f"{rec.rows:,} users -> {output} (budget {budget:,}; "
        f"{lst.details['positive_candidates']:,} of {lst.candidates:,} candidates have a "
        f"predicted uplift above {min_uplift:g})\n"
        f"model {model} learned from {lst.details['trained_on']:,} users "
        f"({lst.details['treatment']} vs {lst.details['control']}, {lst.details['outcome']}); "
        f"{quality}\n"
        f"expected extra conversions {lst.details['expected_incremental']:.1f} "
        f"(mean predicted uplift {lst.details['mean_uplift_chosen']:+.4f} in the list, "
        f"{lst.details['mean_uplift_candidates']:+.4f} over all candidates); "
        "logged to the audit log",
        highlight=False,
    )


def _read_seed(path: Path, column: str) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            if reader.fieldnames is None or column not in reader.fieldnames:
                raise UserError(
                    f"{path}: no column {column!r} (columns: {', '.join(reader.fieldnames or [])})"
                )
            ids = [(row.get(column) or "").strip() for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UserError(f"{path}: cannot read the seed list: {exc}") from None
    ids = [i for i in ids if i]
    if not ids:
        raise UserError(f"{path}: the seed list is empty")
    return ids


@handle_errors
def lookalike_cmd(
    directory: Dir,
    seed: Annotated[
        Path, typer.Option("--seed", help="CSV of seed users (raw or pseudonymous ids).")
    ],
    size: Annotated[int, typer.Option("--size", "-n", help="How many lookalikes to list.")],
    output: OutputOpt,
    id_col: Annotated[str, typer.Option("--id-col", help="Seed file's id column.")] = "user_id",
    json_out: JsonOpt = False,
) -> None:
    """A lookalike audience: the users most similar to a seed list (seeds excluded).

    Raw seed ids are pseudonymised with the workspace secret, as on ingest. Similarity: mean
    cosine similarity to the 10 nearest seed members on demographics and recent behaviour.
    """
    from culturebridge.campaign import export_list, lookalike
    from culturebridge.query import Analysis
    from culturebridge.workspace import Workspace

    ids = _read_seed(seed, id_col)
    ws = Workspace.open(directory)
    with Analysis.open(ws) as a:
        if not a.policy.enough(len(set(ids))):
            raise UserError(
                f"the seed list names {len(set(ids))} users, fewer than the privacy threshold "
                f"k={a.policy.k}"
            )
        lst = running(lambda: lookalike(a, ids, size=size), "finding lookalikes", json_out)
        params = {"seed": str(seed), "size": size}
        rec = export_list(a, lst, output, command="campaign lookalike", params=params)
    if lst.details["seeds_not_found"]:
        err_console.print(
            f"note: {lst.details['seeds_not_found']} seed ids are not users of this workspace",
            highlight=False, markup=False,
        )  # fmt: skip
    summary = {**lst.details, "rows": rec.rows, "output": rec.path, "sha256": rec.sha256}
    if json_out:
        print_json(summary)
        return
    console.print(
        f"{rec.rows:,} lookalikes of {lst.details['seeds']:,} seed users -> {output} "
        f"(similarity {float(lst.score[0]):.3f} to {float(lst.score[-1]):.3f}); "
        "logged to the audit log",
        highlight=False,
    )


@handle_errors
def audit_cmd(
    directory: Dir,
    last: Annotated[int, typer.Option("--last", help="Entries shown.")] = 20,
    json_out: JsonOpt = False,
) -> None:
    """The audit log of exported (and refused) lists and reports, newest last."""
    from culturebridge.privacy import read_audit
    from culturebridge.workspace import Workspace

    root = Workspace.open(directory).root
    entries = [e for e in read_audit(root) if e.get("channel") != "api"][-last:]
    if json_out:
        print_json(entries)
        return
    if not entries:
        console.print("no exports yet")
        return
    table = RichTable("when", "who", "command", "status", "rows", "file", box=box.SIMPLE_HEAD)
    for e in entries:
        table.add_row(e.get("ts", ""), e.get("who", ""), e.get("command", ""), e.get("status", ""),
                      str(e.get("rows", "")), e.get("path", ""))  # fmt: skip
    console.print(table)


def _fmt(value: Any, spec: str = ".4f") -> str:
    return "" if value is None else format(value, spec)
