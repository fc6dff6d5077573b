"""`culturebridge esports predict`: probabilities before each match, problems on stderr."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from culturebridge.cli import app


def _write(path: Path) -> Path:
    rows = [
        {"match_id": "m2", "ts": "2024-01-02", "teams": [["a"], ["b"]], "ranks": [1, 2]},
        {"match_id": "m1", "ts": "2024-01-01", "teams": [["a"], ["b"]], "ranks": [1, 2]},
        {"match_id": "m3", "ts": "2024-01-03", "teams": [["a"], ["b"], ["c"]], "ranks": [1, 2, 3]},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n", encoding="utf-8")
    return path


def test_predict_writes_p0_before_each_match(tmp_path: Path) -> None:
    out = tmp_path / "preds.csv"
    res = CliRunner().invoke(
        app,
        ["esports", "predict", "--matches", str(_write(tmp_path / "m.jsonl")),
         "--model", "elo", "--output", str(out), "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["match_id"] for r in rows] == ["m1", "m2", "m3"]
    assert float(rows[0]["p0"]) == 0.5 and float(rows[1]["p0"]) > 0.5
    assert rows[2]["p0"] == ""
    assert ":4: skipped" in res.stderr
    assert json.loads(res.stdout)["scored"] == 2


def test_predict_unknown_model_is_one_line(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app,
        ["esports", "predict", "--matches", str(_write(tmp_path / "m.jsonl")),
         "--model", "nope", "--output", str(tmp_path / "p.csv")],
    )  # fmt: skip
    assert res.exit_code == 2
    assert "unknown model" in res.stderr


def _league(path: Path) -> Path:
    """Two tagged teams, T1 always beating T2, plus a newcomer-free duel game."""
    rows = []
    for i in range(12):
        win = [1, 2] if i % 4 else [2, 1]
        rows.append(
            {"match_id": f"t{i}", "ts": f"2024-02-{i + 1:02d}", "teams": [["a", "b"], ["c", "d"]],
             "ranks": win, "meta": {"game": "G5", "team_tags": ["T1", "T2"]}}
        )  # fmt: skip
        rows.append(
            {"match_id": f"d{i}", "ts": f"2024-02-{i + 1:02d}", "teams": [["x"], ["y"]],
             "ranks": [1, 2], "meta": {"game": "Duel"}}
        )  # fmt: skip
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, ["esports", *args])


def test_rate_leaderboard_and_history_from_a_file(tmp_path: Path) -> None:
    f = str(_league(tmp_path / "league.jsonl"))
    out, hist = tmp_path / "r.csv", tmp_path / "h.csv"
    res = _run("rate", "--matches", f, "--output", str(out), "--history", str(hist), "--json")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert [g["game"] for g in summary["games"]] == ["Duel", "G5"]
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {(r["game"], r["kind"], r["name"]) for r in rows} >= {
        ("G5", "team", "T1"),
        ("Duel", "player", "x"),
    }
    assert summary["written"] == {"ratings": len(rows), "history": 12 * 2 + 12 * 6}

    board = json.loads(_run("leaderboard", "--matches", f, "--min-matches", "1", "--json").stdout)
    duel = [r for r in board if r["game"] == "Duel"]
    assert [r["name"] for r in duel] == ["x", "y"] and duel[0]["wins"] == 12
    teams = json.loads(
        _run("leaderboard", "--matches", f, "--teams", "--min-matches", "1", "--json").stdout
    )
    assert [r["name"] for r in teams] == ["T1", "T2"]
    res = _run("leaderboard", "--matches", f, "--teams", "--model", "elo")
    assert res.exit_code == 2 and "team tags" in res.stderr

    res = _run("history", "--matches", f, "--team", "T1", "--json")
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.stdout)["history"]) == 12
    res = _run("history", "--matches", f, "--player", "x")
    assert res.exit_code == 0 and "x (player, Duel)" in res.stdout
    res = _run("history", "--matches", f, "--player", "nobody", "--game", "Duel")
    assert res.exit_code == 2 and "no matches for player 'nobody'" in res.stderr


def test_odds_and_balance_from_a_file(tmp_path: Path) -> None:
    f = str(_league(tmp_path / "league.jsonl"))
    res = _run("odds", "--matches", f, "--team", "x", "--team", "y", "--json")
    assert res.exit_code == 0, res.output
    o = json.loads(res.stdout)
    assert o["game"] == "Duel" and o["win"][0] > o["win"][1]
    res = _run("balance", "--matches", f, "--players", "a,b,c,d", "--teams", "2", "--json")
    assert res.exit_code == 0, res.output
    split = json.loads(res.stdout)
    assert sorted(len(t) for t in split["teams"]) == [2, 2]
    assert abs(split["win"][0] - split["win"][1]) < 0.2
    res = _run("balance", "--matches", f, "--players", "a,b,newbie,d")
    assert res.exit_code == 0 and "newbie" in res.stderr and "newcomer" in res.stderr
    for args, message in [
        (("balance", "--matches", f, "--players", "a,a,b"), "listed twice"),
        (("balance", "--matches", f, "--players", "a,,b"), "comma-separated"),
        (("balance", "--matches", f, "--players", "q1,q2"), "--game"),
        (("odds", "--matches", f, "--team", "x"), "at least two"),
        (("odds", "--matches", f, "--team", "x", "--team", "x"), "twice"),
        (
            ("odds", "--matches", f, "--team", "x", "--team", "y", "--game", "Nope"),
            "no matches of game",
        ),
        (("leaderboard", "--matches", f, "--model", "nope"), "unknown model"),
    ]:
        res = _run(*args)
        assert res.exit_code == 2, (args, res.output)
        assert message in res.stderr, (args, res.stderr)
        assert "Traceback" not in res.output


def test_a_source_is_needed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = _run("leaderboard")
    assert res.exit_code == 2 and "not a workspace" in res.stderr
    f = _league(tmp_path / "league.jsonl")
    res = _run("leaderboard", str(tmp_path), "--matches", str(f))
    assert res.exit_code == 2 and "not both" in res.stderr


def test_convert_a_lol_export_then_predict(tmp_path: Path) -> None:
    from tests.esports.test_matches import HEADER, _row

    rows = [_row("2016", "Spring", "A", "B", 1, 0, f"u{i}") for i in range(3)]
    rows.append(_row("2016", "Spring", "A", "B", 1, 1, "bad"))
    src = tmp_path / "matchinfo.csv"
    src.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "lol.jsonl"
    res = _run("convert", str(src), "--from", "lol", "--output", str(out), "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == {"matches": 3, "problems": 1, "output": str(out)}
    assert ":5: no single winner" in res.stderr
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert first["meta"]["team_tags"] == ["A", "B"]
    preds = tmp_path / "p.csv"
    res = _run("predict", "--matches", str(out), "--output", str(preds))
    assert res.exit_code == 0, res.output
    assert len(preds.read_text(encoding="utf-8").splitlines()) == 4
    res = _run("convert", str(src), "--from", "dota", "--output", str(out))
    assert res.exit_code == 2 and "unknown --from" in res.stderr
