"""A workspace's `matches` table as matches, one list per game.

The table holds teams of player handles and ranks (see `culturebridge schema`); each row becomes
a `Match` with meta ``{"game", "league"}``. Games are rated apart (a duel ladder and a 5v5 league
share no scale), so matches come grouped by game, each group in time order (ties by match id).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from culturebridge.errors import UserError
from culturebridge.esports._matches import Match, MatchLoad
from culturebridge.query import reference_table
from culturebridge.workspace import Workspace

NO_GAME = ""
"""The group of matches whose game is not recorded."""


def matches_from_rows(rows: list[dict[str, Any]]) -> MatchLoad:
    """Matches from `matches` rows (in time order); a row that is not a valid match is listed
    with its 1-based position and match id, never dropped silently."""
    matches: list[Match] = []
    problems: list[tuple[int, str]] = []
    for i, row in enumerate(rows, start=1):
        ts = row.get("ts")
        try:
            if not isinstance(ts, datetime):
                raise ValueError(f"ts is not a time: {ts!r}")
            teams = row.get("teams") or []
            meta = {k: row[k] for k in ("game", "league") if row.get(k)}
            matches.append(
                Match(
                    str(row.get("match_id")),
                    ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC),
                    tuple(tuple(t or ()) for t in teams),
                    tuple(row.get("ranks") or ()),
                    meta=meta,
                )
            )
        except (ValueError, TypeError) as exc:
            problems.append((i, f"match {row.get('match_id')}: {exc}"))
    return MatchLoad(matches, problems)


def read_matches(ws: Workspace, game: str | None = None) -> dict[str, MatchLoad]:
    """The workspace's matches by game (`NO_GAME` for rows without one), optionally one game.

    A UserError when there are none, or none of `game` (naming the games there are)."""
    table = reference_table(
        ws,
        "matches",
        ["match_id", "ts", "game", "league", "teams", "ranks"],
        order_by=["ts", "match_id"],
    )
    rows = table.to_pylist()
    if not rows:
        raise UserError(f"{ws.root}: the workspace has no matches (ingest a matches table)")
    by_game: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_game.setdefault(row.get("game") or NO_GAME, []).append(row)
    if game is not None:
        if game not in by_game:
            names = ", ".join(repr(g) for g in sorted(by_game))
            raise UserError(f"no matches of game {game!r}; the workspace has {names}")
        by_game = {game: by_game[game]}
    return {g: matches_from_rows(r) for g, r in sorted(by_game.items())}
