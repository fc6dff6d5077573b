"""Loaders: JSONL with its problems by line number, the LoL CSV in season order, round trips."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from culturebridge.errors import UserError
from culturebridge.esports import (
    Bridge,
    Elo,
    Match,
    read_jsonl,
    read_lol_csv,
    run_online,
    score,
    write_jsonl,
)

GOOD_LATE = {
    "match_id": "late",
    "ts": "2024-03-02T10:00:00Z",
    "teams": [["a", "b"], ["c", "d"]],
    "ranks": [2, 1],
    "scores": [10, 25],
    "meta": {"league": "L", "map": "Summoner's Rift", "side": "blue"},
}
GOOD_EARLY = {"match_id": "early", "ts": "2024-03-01", "teams": [["a"], ["c"]], "ranks": [1, 1]}


def test_read_jsonl_sorts_by_time_and_reports_bad_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps(GOOD_LATE),
        "{not json",
        json.dumps({**GOOD_EARLY, "match_id": "twin"}),
        "",
        json.dumps({**GOOD_EARLY, "teams": [["a"]], "ranks": [1]}),
        json.dumps({**GOOD_EARLY, "ranks": [1]}),
        json.dumps({"match_id": "x", "teams": [["a"], ["b"]], "ranks": [1, 2]}),
        json.dumps({**GOOD_EARLY, "teams": [["a"], ["a"]]}),
        json.dumps(GOOD_EARLY),
        json.dumps({**GOOD_EARLY, "ts": "yesterday"}),
        "[1, 2]",
    ]
    path = tmp_path / "m.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load = read_jsonl(path)
    assert [x.match_id for x in load.matches] == ["twin", "early", "late"]
    assert [n for n, _ in load.problems] == [2, 5, 6, 7, 8, 10, 11]
    reasons = dict(load.problems)
    assert "invalid JSON" in reasons[2]
    assert "two teams" in reasons[5]
    assert "ranks" in reasons[6]
    assert "'ts'" in reasons[7]
    assert "twice" in reasons[8]
    late = load.matches[-1]
    assert late.ts == datetime(2024, 3, 2, 10, tzinfo=UTC)
    assert late.scores == (10.0, 25.0) and late.meta["side"] == "blue"
    assert not load.matches[0].decisive and late.decisive


def test_write_then_read_round_trips(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(GOOD_LATE) + "\n" + json.dumps(GOOD_EARLY) + "\n", "utf-8")
    first = read_jsonl(src).matches
    again = read_jsonl(write_jsonl(first, tmp_path / "out.jsonl")).matches
    assert again == first
    assert [x.meta for x in again] == [x.meta for x in first]


def test_unreadable_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="cannot read"):
        read_jsonl(tmp_path / "absent.jsonl")
    with pytest.raises(UserError, match="cannot read"):
        read_lol_csv(tmp_path / "absent.csv")


def test_match_rejects_malformed_teams() -> None:
    ts = datetime(2024, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="ranks"):
        Match("x", ts, (("a",), ("b",)), (1,))
    with pytest.raises(ValueError, match="scores"):
        Match("x", ts, (("a",), ("b",)), (1, 2), scores=(1.0,))


ROLES = ("Top", "Jungle", "Middle", "ADC", "Support")
HEADER = (
    "League,Year,Season,Type,blueTeamTag,bResult,rResult,redTeamTag,gamelength,"
    + ",".join(f"{s}{r}" for s in ("blue", "red") for r in ROLES)
    + ",Address"
)


def _row(year: str, season: str, blue: str, red: str, b: int, r: int, addr: str) -> str:
    players = [f"{blue}{i}" for i in range(5)] + [f"{red}{i}" for i in range(5)]
    return f"L,{year},{season},Season,{blue},{b},{r},{red},30," + ",".join(players) + f",{addr}"


def test_lol_csv_order_sides_and_winner(tmp_path: Path) -> None:
    rows = [
        _row("2016", "Summer", "A", "B", 1, 0, "u1"),
        _row("2016", "Spring", "C", "D", 0, 1, "u2"),
        _row("2015", "Winter", "E", "F", 1, 0, "u3"),
        _row("2016", "Spring", "G", "H", 1, 0, "u4"),
        _row("2015", "Summer", "I", "J", 1, 0, "u5"),
        _row("2016", "Spring", "K", "L", 1, 1, "u6"),
        _row("2016", "Winter", "M", "N", 1, 0, "u7").replace("M0,", ",", 1),
    ]
    path = tmp_path / "matchinfo.csv"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    load = read_lol_csv(path)
    assert [x.match_id for x in load.matches] == ["u5", "u3", "u2", "u4", "u1", "u7"]
    ts = [x.ts for x in load.matches]
    assert ts == sorted(ts) and len(set(ts)) == len(ts)
    u2 = load.matches[2]
    assert u2.teams[0] == ("C0", "C1", "C2", "C3", "C4") and u2.ranks == (2, 1)
    assert u2.meta["team_tags"] == ["C", "D"] and u2.meta["sides"] == ["blue", "red"]
    assert load.matches[3].ranks == (1, 2)
    assert dict(load.problems)[7] == "no single winner: bResult=1 rResult=1"
    assert "blank blueTop" in dict(load.problems)[8]
    assert load.matches[-1].teams[0][0] == "?M-Top-8"


@pytest.mark.realdata
def test_culturebridge_beats_elo_on_lol(real_file: Callable[[str], Path]) -> None:
    """About a second: the default culturebridge model (tuned on the earliest 30%) against Elo
    K=24 on every decisive match of the LoL file."""
    matches = read_lol_csv(real_file("esports/lol_pro_matchinfo.csv")).matches
    assert len(matches) == 7620
    ours = score(matches, run_online(Bridge(), matches).predictions)
    elo = score(matches, run_online(Elo(), matches).predictions)
    assert elo.log_loss == pytest.approx(0.636, abs=0.001)
    assert ours.log_loss < elo.log_loss - 0.01
    assert ours.accuracy > elo.accuracy
