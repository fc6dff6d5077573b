"""`esports`: ratings, predictions, leaderboards and matchmaking over matches.

    culturebridge esports predict --matches FILE.jsonl [--model NAME] --output PREDS.csv [--json]
    culturebridge esports convert matchinfo.csv --from lol --output FILE.jsonl
    culturebridge esports rate [DIR | --matches FILE.jsonl] [--output RATINGS.csv] [--history H.csv]
    culturebridge esports leaderboard [DIR | --matches FILE.jsonl] [--top N] [--teams]
    culturebridge esports history [DIR | --matches FILE.jsonl] --player NAME | --team TAG
    culturebridge esports odds [DIR | --matches FILE.jsonl] --team P1,P2 --team P3,P4
    culturebridge esports balance [DIR | --matches FILE.jsonl] --players P1,P2,... --teams 2

`predict` writes `match_id,p0` for every match in time order: p0 is the probability that the
first team wins, made before that match updates any rating (empty for matches without exactly
two teams). The others rate a workspace's `matches` table (DIR, default the current directory)
or a JSONL file, each game apart. Malformed lines or rows are listed on stderr and skipped.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from culturebridge.cli._common import console, err_console, handle_errors, print_json
from culturebridge.errors import UserError
from culturebridge.esports import MODELS, read_jsonl, read_lol_csv, run_online, score, write_jsonl

LOADERS = {"lol": read_lol_csv}
"""Exports `convert` reads, by --from name."""

group = typer.Typer(
    help="E-sports: ratings, predictions, leaderboards, rating histories and matchmaking.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    from culturebridge.cli import _esports_play, _esports_rate

    group.command("predict")(predict_cmd)
    group.command("convert")(convert_cmd)
    group.command("rate")(_esports_rate.rate_cmd)
    group.command("leaderboard")(_esports_rate.leaderboard_cmd)
    group.command("history")(_esports_rate.history_cmd)
    group.command("odds")(_esports_play.odds_cmd)
    group.command("balance")(_esports_play.balance_cmd)
    app.add_typer(group, name="esports")


@handle_errors
def predict_cmd(
    matches: Annotated[Path, typer.Option("--matches", help="Matches, one JSON object a line.")],
    output: Annotated[Path, typer.Option("--output", help="CSV to write: match_id,p0.")],
    model: Annotated[
        str, typer.Option("--model", help=f"Rating model: {', '.join(sorted(MODELS))}.")
    ] = "culturebridge",
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Predict every match before it is rated, in time order, and write the probabilities."""
    if model not in MODELS:
        raise UserError(f"unknown model {model!r}; choose one of {', '.join(sorted(MODELS))}")
    load = read_jsonl(matches)
    for line, reason in load.problems:
        err_console.print(
            f"{matches}:{line}: skipped: {reason}", highlight=False, markup=False, soft_wrap=True
        )
    if not load.matches:
        raise UserError(f"{matches}: no valid matches")
    run = run_online(MODELS[model](), load.matches)
    try:
        with output.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["match_id", "p0"])
            for m, p in zip(load.matches, run.predictions, strict=True):
                w.writerow([m.match_id, f"{float(p[0]):.6f}" if len(m.teams) == 2 else ""])
    except OSError as exc:
        raise UserError(f"{output}: cannot write: {exc}") from None
    s = score(load.matches, run.predictions)
    summary = {
        "model": model,
        "matches": len(load.matches),
        "skipped_lines": len(load.problems),
        "scored": s.n,
        "accuracy": s.accuracy,
        "log_loss": s.log_loss,
        "brier": s.brier,
        "output": str(output),
    }
    if json_out:
        print_json(summary)
        return
    console.print(
        f"{len(load.matches)} matches ({len(load.problems)} lines skipped) -> {output}; "
        f"{s.n} decisive: accuracy {s.accuracy:.4f}, log-loss {s.log_loss:.4f}, "
        f"Brier {s.brier:.4f}",
        highlight=False,
    )


@handle_errors
def convert_cmd(
    source: Annotated[Path, typer.Argument(help="The export to convert.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="JSONL of matches to write.")],
    kind: Annotated[
        str,
        typer.Option(
            "--from",
            help="What the export is: lol (the Kaggle LoL competitive matchinfo.csv: Year, then "
            "Season, then file order; blue team first; team tags, league, champions in meta).",
        ),
    ] = "lol",
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Convert an export of matches into the JSONL match format, in time order."""
    if kind not in LOADERS:
        raise UserError(f"unknown --from {kind!r}; choose one of {', '.join(sorted(LOADERS))}")
    load = LOADERS[kind](source)
    for line, reason in load.problems:
        err_console.print(
            f"{source}:{line}: {reason}", highlight=False, markup=False, soft_wrap=True
        )
    if not load.matches:
        raise UserError(f"{source}: no valid matches")
    try:
        write_jsonl(load.matches, output)
    except OSError as exc:
        raise UserError(f"{output}: cannot write: {exc}") from None
    if json_out:
        print_json(
            {"matches": len(load.matches), "problems": len(load.problems), "output": str(output)}
        )
        return
    console.print(
        f"{len(load.matches):,} matches -> {output} ({len(load.problems)} problems noted)",
        highlight=False,
    )
