"""`esports rate`, `esports leaderboard`, `esports history`: ratings of players and teams.

Each game is rated apart, online (every match predicted before it is rated, so the accuracy
printed is honest). `rate` writes the final ratings and, with `--history`, every rating after
every match; `leaderboard` orders by the conservative rating (rating - 2 sd); `history` follows
one player or team tag through its matches.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table as RichTable

from culturebridge.cli._analytics import sparkline
from culturebridge.cli._common import console, handle_errors, print_json, running
from culturebridge.cli._esports_source import (
    DirArg,
    GameOpt,
    JsonOpt,
    MatchesOpt,
    ModelOpt,
    TuneOpt,
    game_model,
    load_games,
)
from culturebridge.errors import UserError
from culturebridge.esports import (
    AUTO,
    PLAYER,
    TEAM,
    HistoryPoint,
    Rated,
    StandingRow,
    check_model,
    game_of,
    rate,
    standings,
)

RATING_COLUMNS = (
    "game",
    "kind",
    "name",
    "rating",
    "sd",
    "conservative",
    "matches",
    "wins",
    "draws",
    "last_played",
)
HISTORY_COLUMNS = ("game", "match_id", "ts", "kind", "name", "rating", "sd")


def _rate_all(
    directory: Path | None,
    matches: Path | None,
    game: str | None,
    model: str,
    quiet: bool,
    *,
    tune: bool,
    history: bool | set[tuple[str, str]] = False,
    sink: Callable[[str, HistoryPoint], None] | None = None,
) -> dict[str, Rated]:
    check_model(model)  # a clear error before any work
    games = load_games(directory, matches, game)

    def work() -> dict[str, Rated]:
        return {
            g: rate(
                game_model(model, games, g, tune=tune),
                ms,
                history=history,
                sink=None if sink is None else partial(sink, g),
            )
            for g, ms in games.groups.items()
        }

    return running(work, "rating matches", quiet)


def _history_row(game: str, h: HistoryPoint) -> tuple[str, ...]:
    return (game, h.match_id, h.ts.isoformat(), h.kind, h.name, f"{h.rating:.2f}", f"{h.sd:.2f}")


def _when(ts: datetime | None) -> str:
    return ts.strftime("%Y-%m-%d") if ts is not None else ""


def _write_csv(path: Path, header: Sequence[str], rows: Iterator[Sequence[Any]]) -> int:
    n = 0
    try:
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            for row in rows:
                w.writerow(row)
                n += 1
    except OSError as exc:
        raise UserError(f"{path}: cannot write: {exc}") from None
    return n


def _summary(game: str, r: Rated) -> dict[str, Any]:
    kinds = {k for k, _ in r.records}
    return {
        "game": game,
        "model": r.model.name,
        "matches": r.matches,
        "players": sum(1 for k, _ in r.records if k == PLAYER),
        "teams": sum(1 for k, _ in r.records if k == TEAM) if TEAM in kinds else 0,
        "scored": r.scores.n,
        "accuracy": r.scores.accuracy,
        "log_loss": r.scores.log_loss,
        "seconds": round(r.seconds, 3),
    }


@handle_errors
def rate_cmd(
    directory: DirArg = None,
    matches: MatchesOpt = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="CSV of final ratings: " + ",".join(RATING_COLUMNS)),
    ] = None,
    history: Annotated[
        Path | None,
        typer.Option(
            "--history", help="CSV of every rating after every match: " + ",".join(HISTORY_COLUMNS)
        ),
    ] = None,
    model: ModelOpt = "culturebridge",
    game: GameOpt = None,
    tune: TuneOpt = True,
    json_out: JsonOpt = False,
) -> None:
    """Rate every match in time order, each game apart, and write or summarise the ratings.

    Ratings are on the model's usual scale (culturebridge: 1500 + 400/ln 10 per logit, as Elo;
    sd is its uncertainty; conservative = rating - 2 sd). The accuracy printed is online: each
    match was predicted before it was rated.
    """
    written: dict[str, int] = {}
    if history is None:
        rated = _rate_all(directory, matches, game, model, json_out, tune=tune)
    else:
        try:
            with history.open("w", encoding="utf-8", newline="") as f:
                w = csv.writer(f)
                w.writerow(HISTORY_COLUMNS)
                count = 0

                def sink(g: str, h: HistoryPoint) -> None:
                    nonlocal count
                    w.writerow(_history_row(g, h))
                    count += 1

                rated = _rate_all(
                    directory, matches, game, model, json_out, tune=tune, history=True, sink=sink
                )
        except OSError as exc:
            history.unlink(missing_ok=True)
            raise UserError(f"{history}: cannot write: {exc}") from None
        except BaseException:
            history.unlink(missing_ok=True)  # no half-written history left behind
            raise
        written["history"] = count
    if output is not None:
        rows = (
            (g, s.kind, s.name, f"{s.rating:.2f}", f"{s.sd:.2f}", f"{s.conservative:.2f}",
             s.matches, s.wins, s.draws, _when(s.last_played))
            for kind in (PLAYER, TEAM)
            for g, s in standings(rated, kind=kind)
        )  # fmt: skip
        written["ratings"] = _write_csv(output, RATING_COLUMNS, rows)
    summaries = [_summary(g, r) for g, r in rated.items()]
    if json_out:
        print_json({"games": summaries, "written": written})
        return
    for s in summaries:
        console.print(
            f"{s['game'] or '(no game)'}: {s['matches']:,} matches, {s['players']:,} players"
            + (f", {s['teams']:,} teams" if s["teams"] else "")
            + f"; online accuracy {s['accuracy']:.3f}, log-loss {s['log_loss']:.3f} over "
            f"{s['scored']:,} decisive matches ({s['model']}, {s['seconds']:.1f} s)",
            highlight=False,
        )
    if output is not None:
        console.print(f"{written['ratings']:,} ratings -> {output}", highlight=False)
    if history is not None:
        console.print(f"{written['history']:,} history points -> {history}", highlight=False)


@handle_errors
def leaderboard_cmd(
    directory: DirArg = None,
    matches: MatchesOpt = None,
    top: Annotated[int, typer.Option("--top", "-n", min=1, help="Rows per game.")] = 20,
    min_matches: Annotated[
        int, typer.Option("--min-matches", min=1, help="Leave out who played fewer.")
    ] = 10,
    teams: Annotated[
        bool, typer.Option("--teams", help="Rank team tags (meta team_tags) rather than players.")
    ] = False,
    model: ModelOpt = "culturebridge",
    game: GameOpt = None,
    tune: TuneOpt = True,
    json_out: JsonOpt = False,
) -> None:
    """Leaderboard per game, ordered by the conservative rating (rating - 2 sd)."""
    if teams and model == AUTO:
        model = "culturebridge"  # the family that rates team tags
    rated = _rate_all(directory, matches, game, model, json_out, tune=tune)
    kind = TEAM if teams else PLAYER
    if teams and not any(r.rates_teams for r in rated.values()):
        raise UserError(
            f"--teams needs a model that rates team tags (culturebridge), not {model!r}"
        )
    rows = list(standings(rated, kind=kind, min_matches=min_matches, top=top))
    if json_out:
        print_json([StandingRow.of(g, s).model_dump() for g, s in rows])
        return
    for g, r in rated.items():
        table = RichTable(
            "#", kind, "rank rating (μ − 2σ)", "rating μ ± σ", "won-drawn-lost", "last played",
            box=box.SIMPLE_HEAD,
            title=f"{g or '(no game)'}: {r.model.name}, {r.matches:,} matches",
            title_justify="left",
        )  # fmt: skip
        shown = [s for gg, s in rows if gg == g]
        for s in shown:
            losses = s.matches - s.wins - s.draws
            table.add_row(
                str(s.rank), s.name, f"{s.conservative:.0f}", f"{s.rating:.0f} ± {s.sd:.0f}",
                f"{s.wins}-{s.draws}-{losses}", _when(s.last_played),
            )  # fmt: skip
        if not shown:
            table.caption = f"nobody with {min_matches}+ matches"
        console.print(table)


@handle_errors
def history_cmd(
    directory: DirArg = None,
    matches: MatchesOpt = None,
    player: Annotated[str | None, typer.Option("--player", "-p", help="Player to follow.")] = None,
    team: Annotated[str | None, typer.Option("--team", "-t", help="Team tag to follow.")] = None,
    last: Annotated[
        int, typer.Option("--last", min=1, help="Matches listed (all go to --output).")
    ] = 15,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="CSV: " + ",".join(HISTORY_COLUMNS))
    ] = None,
    model: ModelOpt = "culturebridge",
    game: GameOpt = None,
    tune: TuneOpt = True,
    json_out: JsonOpt = False,
) -> None:
    """A player's or team's rating after each of their matches."""
    if (player is None) == (team is None):
        raise UserError("give one of --player NAME or --team TAG")
    kind, name = (PLAYER, player) if player is not None else (TEAM, team)
    assert name is not None
    check_model(model)
    if kind == TEAM and model == AUTO:
        model = "culturebridge"  # the family that rates team tags
    if kind == TEAM and model != "culturebridge":
        raise UserError(f"--team needs a model that rates team tags (culturebridge), not {model!r}")
    games = load_games(directory, matches, game)
    g = game_of(games.groups, [name], team=kind == TEAM)
    r = running(
        lambda: rate(
            game_model(model, games, g, tune=tune), games.groups[g], history={(kind, name)}
        ),
        "rating matches",
        json_out,
    )
    if not r.history:
        raise UserError(f"no matches for {kind} {name!r}{f' in {g}' if g else ''}")
    if output is not None:
        _write_csv(output, HISTORY_COLUMNS, (_history_row(g, h) for h in r.history))
    rec = r.records[(kind, name)]
    final = r.model.rating(name, kind)
    if json_out:
        print_json(
            {
                "game": g,
                "kind": kind,
                "name": name,
                "rating": round(final.mean, 2),
                "sd": round(final.sd, 2),
                "matches": rec.matches,
                "history": [
                    {"match_id": h.match_id, "ts": h.ts.isoformat(), "rating": round(h.rating, 2),
                     "sd": round(h.sd, 2)}
                    for h in r.history
                ],
            }
        )  # fmt: skip
        return
    ratings = [h.rating for h in r.history]
    console.print(
        f"{name} ({kind}, {g or 'no game'}): {final.mean:.0f} ± {final.sd:.0f} after "
        f"{rec.matches} matches, {rec.wins} won; peak {max(ratings):.0f}, low {min(ratings):.0f}",
        highlight=False,
    )
    console.print(sparkline(ratings[-80:]), highlight=False)
    table = RichTable("match", "played", "rating", "± sd", "change", box=box.SIMPLE_HEAD)
    shown = r.history[-last:]
    before = r.history[-last - 1].rating if len(r.history) > last else None
    for h in shown:
        change = "" if before is None else f"{h.rating - before:+.0f}"
        table.add_row(
            h.match_id, h.ts.strftime("%Y-%m-%d %H:%M"), f"{h.rating:.0f}", f"{h.sd:.0f}", change
        )
        before = h.rating
    console.print(table)
    if output is not None:
        console.print(f"{len(r.history):,} points -> {output}", highlight=False)
