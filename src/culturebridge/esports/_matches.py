"""Matches as one JSONL format, and loaders that turn common exports into it.

One match a line: ``{"match_id": str, "ts": ISO-8601, "teams": [[player, ...], ...],
"ranks": [1, 2, ...]}`` with optional ``"scores"`` and ``"meta"``. Lower rank is better and
equal ranks are a draw. Lines may come in any order; loaders sort by (time, file order) so that
the online protocol sees matches as they happened. A malformed line is reported with its line
number and skipped, never silently dropped.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from culturebridge.errors import UserError


@dataclass(frozen=True)
class Match:
    """One match: teams of player names, their finishing ranks (lower is better)."""

    match_id: str
    ts: datetime
    teams: tuple[tuple[str, ...], ...]
    ranks: tuple[int, ...]
    scores: tuple[float, ...] | None = None
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        check_teams(self.teams, self.ranks)
        if self.scores is not None and len(self.scores) != len(self.teams):
            raise ValueError(f"{len(self.scores)} scores for {len(self.teams)} teams")

    @property
    def decisive(self) -> bool:
        """Two teams and a winner: the matches the metrics score."""
        return len(self.teams) == 2 and self.ranks[0] != self.ranks[1]


def check_teams(teams: Iterable[Iterable[str]], ranks: Iterable[int] | None = None) -> None:
    """A clear ValueError for malformed teams: fewer than two, an empty team, a player twice."""
    teams = [tuple(t) for t in teams]
    if len(teams) < 2:
        raise ValueError(f"a match needs at least two teams, got {len(teams)}")
    seen: set[str] = set()
    for i, team in enumerate(teams):
        if not team:
            raise ValueError(f"team {i} is empty")
        for p in team:
            if not isinstance(p, str) or not p:
                raise ValueError(f"team {i} has a player that is not a non-empty string: {p!r}")
            if p in seen:
                raise ValueError(f"player {p!r} appears twice in one match")
            seen.add(p)
    if ranks is not None:
        ranks = list(ranks)
        if len(ranks) != len(teams):
            raise ValueError(f"{len(ranks)} ranks for {len(teams)} teams")
        if any(isinstance(r, bool) or not isinstance(r, int) for r in ranks):
            raise ValueError(f"ranks must be integers, got {ranks}")


@dataclass(frozen=True)
class MatchLoad:
    """Matches sorted by (ts, file order), and the (line number, reason) of every line skipped."""

    matches: list[Match]
    problems: list[tuple[int, str]]


def _parse_ts(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"ts must be an ISO-8601 string, got {value!r}")
    ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def match_from_dict(obj: Any) -> Match:
    """A Match from one decoded JSONL object; ValueError saying what is wrong."""
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    for key in ("match_id", "ts", "teams", "ranks"):
        if key not in obj:
            raise ValueError(f"missing {key!r}")
    teams = obj["teams"]
    if not isinstance(teams, list) or not all(isinstance(t, list) for t in teams):
        raise ValueError("teams must be a list of lists of players")
    ranks = obj["ranks"]
    if not isinstance(ranks, list):
        raise ValueError("ranks must be a list")
    scores = obj.get("scores")
    if scores is not None:
        if not isinstance(scores, list) or not all(
            isinstance(s, int | float) and not isinstance(s, bool) for s in scores
        ):
            raise ValueError("scores must be a list of numbers")
        scores = tuple(float(s) for s in scores)
    meta = obj.get("meta") or {}
    if not isinstance(meta, dict):
        raise ValueError("meta must be an object")
    return Match(
        match_id=str(obj["match_id"]),
        ts=_parse_ts(obj["ts"]),
        teams=tuple(tuple(t) for t in teams),
        ranks=tuple(ranks),
        scores=scores,
        meta=dict(meta),
    )


def _sorted(matches: list[Match]) -> list[Match]:
    return [m for _, m in sorted(enumerate(matches), key=lambda im: (im[1].ts, im[0]))]


def read_jsonl(path: str | Path) -> MatchLoad:
    """Matches from a JSONL file; a UserError only when the file cannot be read."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read matches: {exc}") from None
    matches: list[Match] = []
    problems: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            matches.append(match_from_dict(json.loads(line)))
        except json.JSONDecodeError as exc:
            problems.append((number, f"invalid JSON: {exc.msg}"))
        except (ValueError, TypeError) as exc:
            problems.append((number, str(exc)))
    return MatchLoad(_sorted(matches), problems)


def match_to_dict(match: Match) -> dict[str, Any]:
    out: dict[str, Any] = {
        "match_id": match.match_id,
        "ts": match.ts.isoformat(),
        "teams": [list(t) for t in match.teams],
        "ranks": list(match.ranks),
    }
    if match.scores is not None:
        out["scores"] = list(match.scores)
    if match.meta:
        out["meta"] = match.meta
    return out


def write_jsonl(matches: Iterable[Match], path: str | Path) -> Path:
    """Write matches one a line, in the order given."""
    path = Path(path)
    with path.open("w", encoding="utf-8") as f:
        for m in matches:
            f.write(json.dumps(match_to_dict(m), ensure_ascii=False) + "\n")
    return path


SEASON_ORDER = {"Spring": 0, "Summer": 1, "Winter": 2}
SEASON_START = {"Spring": (1, 15), "Summer": (5, 25), "Winter": (10, 1)}
SEASON_DAYS = 120
"""Synthesised times spread a season's games evenly over this many days from its start."""
ROLES = ("Top", "Jungle", "Middle", "ADC", "Support")


def read_lol_csv(path: str | Path) -> MatchLoad:
    """The Kaggle "League of Legends competitive matches" `matchinfo.csv` as matches.

    Order: Year, then Season (Spring < Summer < Winter), then file order. The file has no dates,
    so `ts` is synthesised, monotonic in that order: a season starts on a fixed day of its year
    (Spring 15 January, Summer 25 May, Winter 1 October) and its games are spread evenly over
    120 days. Blue team first; players from blueTop..blueSupport and redTop..redSupport (a blank
    name becomes "?<team tag or side>-<role>-<line>", a one-off player, reported as a problem);
    bResult/rResult give the winner. meta holds league, year, season, type, ``team_tags`` and
    ``sides`` (["blue", "red"]: the first team has the side advantage) and ``champions`` (per
    team, the champion each role picked, Top to Support, known before the game; "" if blank) and
    ``duration`` (gamelength, minutes, where recorded)."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UserError(f"{path}: cannot read matches: {exc}") from None
    problems: list[tuple[int, str]] = []
    keyed: list[tuple[tuple[int, int, int], dict[str, str], int]] = []
    for i, row in enumerate(rows):
        line = i + 2  # the header is line 1
        try:
            year = int(row.get("Year") or "")
            season = SEASON_ORDER[row.get("Season") or ""]
        except (ValueError, KeyError):
            problems.append((line, f"bad Year/Season: {row.get('Year')!r} {row.get('Season')!r}"))
            continue
        keyed.append(((year, season, i), row, line))
    keyed.sort(key=lambda k: k[0])
    groups: dict[tuple[int, int], int] = {}
    for (year, season, _), _, _ in keyed:
        groups[(year, season)] = groups.get((year, season), 0) + 1
    seen: dict[tuple[int, int], int] = {}
    matches: list[Match] = []
    seasons = {v: k for k, v in SEASON_ORDER.items()}
    for (year, season, _), row, line in keyed:
        g = (year, season)
        k = seen.get(g, 0)
        seen[g] = k + 1
        month, day = SEASON_START[seasons[season]]
        ts = datetime(year, month, day, tzinfo=UTC) + timedelta(days=SEASON_DAYS * k / groups[g])
        try:
            b, r = int(row.get("bResult") or ""), int(row.get("rResult") or "")
        except ValueError:
            problems.append((line, "bResult/rResult are not integers"))
            continue
        if {b, r} != {0, 1}:
            problems.append((line, f"no single winner: bResult={b} rResult={r}"))
            continue
        teams: list[tuple[str, ...]] = []
        for side, tag_col in (("blue", "blueTeamTag"), ("red", "redTeamTag")):
            tag = row.get(tag_col) or ""
            team: list[str] = []
            for role in ROLES:
                name = (row.get(f"{side}{role}") or "").strip()
                if not name:
                    name = f"?{tag or side}-{role}-{line}"
                    problems.append((line, f"blank {side}{role}; used {name!r}"))
                team.append(name)
            teams.append(tuple(team))
        champions = [
            [(row.get(f"{side}{role}Champ") or "").strip() for role in ROLES]
            for side in ("blue", "red")
        ]
        meta = {
            "league": row.get("League", ""),
            "year": year,
            "season": seasons[season],
            "type": row.get("Type", ""),
            "team_tags": [row.get("blueTeamTag", ""), row.get("redTeamTag", "")],
            "sides": ["blue", "red"],
            "champions": champions,
        }
        try:
            minutes = float(row.get("gamelength") or "")
        except ValueError:
            minutes = 0.0
        if minutes > 0:
            meta["duration"] = minutes
        mid = row.get("Address") or f"lol-{line}"
        try:
            matches.append(Match(mid, ts, tuple(teams), (1, 2) if b == 1 else (2, 1), meta=meta))
        except ValueError as exc:
            problems.append((line, str(exc)))
    return MatchLoad(matches, problems)
