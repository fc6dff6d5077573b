"""`culturebridge esports predict`: probabilities before each match, problems on stderr."""

from __future__ import annotations

import csv
import json
from pathlib import Path

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
