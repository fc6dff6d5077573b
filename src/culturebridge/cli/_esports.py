"""`esports`: ratings, predictions, leaderboards and matchmaking over matches.

    culturebridge esports predict --matches FILE.jsonl [--model NAME] [--no-tune] --output PREDS.csv
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

Every command learns the model's settings from the history it is given (the earliest 30% of
the matches, online log-loss; `--no-tune` keeps the defaults), so a tennis ladder, a football
league and a 5v5 game each get their own. `--model auto` lets that part choose the family too
(culturebridge, Elo or Glicko-2): `predict`'s default, since it is judged on its predictions
alone; the rating commands default to the culturebridge model, which also rates team tags.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from culturebridge.cli._common import console, err_console, handle_errors, print_json, running
from culturebridge.cli._esports_source import ModelOpt, TuneOpt
from culturebridge.errors import UserError
from culturebridge.esports import AUTO, read_jsonl, read_lol_csv, run_online, score, write_jsonl

LOADERS = {"lol": read_lol_csv}
DEFAULT_MODEL = AUTO
"""`predict` lets the earliest 30% choose the family: it is judged on its predictions alone."""
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
    model: ModelOpt = DEFAULT_MODEL,
    tune: TuneOpt = True,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Predict every match before it is rated, in time order, and write the probabilities.

    The model's settings are learned from the file's own earliest 30% (see --no-tune); the
    summary scores every decisive match and, apart, those after that part."""
    from culturebridge.esports import build_model, check_model, settings_for, tuning_split

    check_model(model)
    load = read_jsonl(matches)
    for line, reason in load.problems:
        err_console.print(
            f"{matches}:{line}: skipped: {reason}", highlight=False, markup=False, soft_wrap=True
        )
    if not load.matches:
        raise UserError(f"{matches}: no valid matches")
    settings = running(
        lambda: settings_for(model, load.matches, tune=tune), "learning settings", json_out
    )
    if not json_out:
        err_console.print(f"settings: {settings.describe()}", highlight=False, markup=False)
    run = run_online(build_model(settings), load.matches)
    try:
        with output.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["match_id", "p0"])
            for m, p in zip(load.matches, run.predictions, strict=True):
                w.writerow([m.match_id, f"{float(p[0]):.6f}" if len(m.teams) == 2 else ""])
    except OSError as exc:
        raise UserError(f"{output}: cannot write: {exc}") from None
    s = score(load.matches, run.predictions)
    n_early = len(tuning_split(load.matches)) if settings.tuned_on else 0
    late = score(load.matches[n_early:], run.predictions[n_early:])
    summary = {
        "model": model,
        "settings": settings.to_json(),
        "matches": len(load.matches),
        "skipped_lines": len(load.problems),
        "scored": s.n,
        "accuracy": s.accuracy,
        "log_loss": s.log_loss,
        "brier": s.brier,
        "after_tuning": {
            "scored": late.n,
            "accuracy": late.accuracy,
            "log_loss": late.log_loss,
            "brier": late.brier,
        },
        "output": str(output),
    }
    if json_out:
        print_json(summary)
        return
    console.print(
        f"{len(load.matches)} matches ({len(load.problems)} lines skipped) -> {output}; "
        f"{s.n} decisive: accuracy {s.accuracy:.4f}, log-loss {s.log_loss:.4f}, "
        f"Brier {s.brier:.4f}"
        + (
            f"; after the tuning part ({late.n} decisive): accuracy {late.accuracy:.4f}, "
            f"log-loss {late.log_loss:.4f}"
            if n_early
            else ""
        ),
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
