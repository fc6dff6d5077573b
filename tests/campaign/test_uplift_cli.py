"""`culturebridge campaign uplift`: every score row kept as written, plus `uplift`; one-line
errors with exit code 2 for what a user can fix."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from culturebridge.cli import app


def _train(path: Path, n: int = 900) -> Path:
    """Arms A (treated), B (control) and C (another arm); A lifts the response only where
    x > 0."""
    rnd = random.Random(0)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "x", "city", "arm", "bought"])
        for i in range(n):
            x = rnd.gauss(0, 1)
            arm = "ABC"[i % 3]
            lift = 0.5 if arm == "A" and x > 0 else 0.0
            w.writerow([f"u{i}", f"{x:.3f}", rnd.choice(["Paris", "Tokyo"]), arm,
                        int(rnd.random() < 0.2 + lift)])  # fmt: skip
    return path


def _score(path: Path) -> Path:
    path.write_text(
        'id,x,city,note\nu1,-2.50,Paris,\nu2,2.5,Rome,"a, quoted ""note"""\nu3, 0.1 ,Tokyo,x\n',
        encoding="utf-8",
    )
    return path


def _run(args: list[str]) -> tuple[int, str, str]:
    res = CliRunner().invoke(app, ["campaign", "uplift", *args])
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return {
        "train": _train(tmp_path / "train.csv"),
        "score": _score(tmp_path / "score.csv"),
        "out": tmp_path / "out.csv",
    }


def _base(files: dict[str, Path]) -> list[str]:
    return [
        "--train", str(files["train"]), "--score", str(files["score"]),
        "--treatment-col", "arm", "--treatment-value", "A", "--control-value", "B",
        "--outcome-col", "bought", "--exclude", "id", "--output", str(files["out"]),
    ]  # fmt: skip


@pytest.mark.parametrize("model", ["culturebridge", "t-learner", "class-transformation"])
def test_every_score_row_is_written_with_its_text_and_uplift(
    files: dict[str, Path], model: str
) -> None:
    code, out, err = _run([*_base(files), "--model", model])
    assert code == 0, err
    with files["out"].open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    with files["score"].open(encoding="utf-8", newline="") as f:
        original = list(csv.reader(f))
    assert rows[0] == [*original[0], "uplift"]
    assert [r[:-1] for r in rows[1:]] == original[1:]  # same text, same order
    uplift = [float(r[-1]) for r in rows[1:]]
    assert uplift[1] > uplift[0]  # x = 2.5 is helped, x = -2.5 is not
    assert "300 rows of other arms left out" in err
    assert "600 rows" in err


def test_without_a_control_value_every_other_row_is_control(files: dict[str, Path]) -> None:
    args = [a for a in _base(files) if a not in ("--control-value", "B")]
    code, out, err = _run([*args, "--json"])
    assert code == 0, err
    summary = json.loads(out)
    assert summary["other_arm_rows"] == 0
    assert summary["treated"] == 300 and summary["control"] == 600
    assert summary["features"] == ["x", "city"]
    assert summary["scored"] == 3


def test_json_summary_and_features_option(files: dict[str, Path]) -> None:
    code, out, err = _run([*_base(files), "--features", "x", "--json"])
    assert code == 0, err
    summary = json.loads(out)
    assert summary["features"] == ["x"]
    assert summary["other_arm_rows"] == 300
    assert summary["model"] == "culturebridge"


def _error(files: dict[str, Path], args: list[str]) -> str:
    code, out, err = _run(args)
    assert code == 2, (code, out, err)
    lines = [line for line in err.strip().splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def _replace(args: list[str], flag: str, value: str) -> list[str]:
    out = list(args)
    out[out.index(flag) + 1] = value
    return out


def test_bad_input_gets_one_line_and_exit_2(files: dict[str, Path], tmp_path: Path) -> None:
    base = _base(files)
    assert "missing column 'nope'" in _error(files, _replace(base, "--outcome-col", "nope"))
    assert "missing column 'arm2'" in _error(files, _replace(base, "--treatment-col", "arm2"))
    assert "no treated rows" in _error(files, _replace(base, "--treatment-value", "Z"))
    assert "no control rows" in _error(files, _replace(base, "--control-value", "Z"))
    assert "unknown model 'magic'" in _error(files, [*base, "--model", "magic"])
    not_numeric = [*_replace(base, "--outcome-col", "city"), "--features", "x"]
    assert "outcome column 'city' is not numeric" in _error(files, not_numeric)
    # the default features are every other column, so the score file lacks the old outcome
    assert "missing column 'bought'" in _error(files, _replace(base, "--outcome-col", "city"))
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert "empty file" in _error(files, _replace(base, "--train", str(empty)))
    header = tmp_path / "header.csv"
    header.write_text("id,x,city,note\n", encoding="utf-8")
    assert "no rows" in _error(files, _replace(base, "--score", str(header)))
    assert "not found" in _error(files, _replace(base, "--train", str(tmp_path / "nope.csv")))
    lacking = tmp_path / "lacking.csv"
    lacking.write_text("id,x\nu1,1\n", encoding="utf-8")
    assert "missing column 'city'" in _error(files, _replace(base, "--score", str(lacking)))
    assert "arm or the outcome" in _error(files, [*base, "--features", "x,bought"])
    assert not files["out"].exists()


def test_all_treated_without_control_value(tmp_path: Path) -> None:
    train = tmp_path / "t.csv"
    train.write_text("x,arm,y\n1,A,0\n2,A,1\n", encoding="utf-8")
    score = _score(tmp_path / "s.csv")
    line = _error(
        {},
        ["--train", str(train), "--score", str(score), "--treatment-col", "arm",
         "--treatment-value", "A", "--outcome-col", "y", "--output", str(tmp_path / "o.csv")],
    )  # fmt: skip
    assert "no control rows (all treated)" in line


# ------------------------------------------------------------------------ several arms at once


def _multi(files: dict[str, Path]) -> list[str]:
    base = _replace(_base(files), "--treatment-value", "A")
    return [*base, "--treatment-value", "C"]


def test_several_arms_write_each_gain_and_the_best_arm(files: dict[str, Path]) -> None:
    """A lifts the response by 0.5 where x > 0, C never does: with a cost of 0.1 an e-mail, the
    x = 2.5 row gets A and the x = -2.5 row gets nothing (the control's label)."""
    code, out, err = _run([*_multi(files), "--cost", "0.1", "--json", "--evaluate"])
    assert code == 0, err
    with files["out"].open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["id", "x", "city", "note", "uplift:A", "uplift:C", "best_arm", "uplift"]
    assert [r[:4] for r in rows[1:]] == [["u1", "-2.50", "Paris", ""],
                                         ["u2", "2.5", "Rome", 'a, quoted "note"'],
                                         ["u3", " 0.1 ", "Tokyo", "x"]]  # fmt: skip
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id["u2"][6] == "A" and float(by_id["u2"][7]) > 0.2
    assert by_id["u1"][6] == "B" and float(by_id["u1"][7]) == 0.0
    summary = json.loads(out)
    assert summary["arms"] == {"A": 300, "C": 300} and summary["control"] == 300
    assert summary["other_arm_rows"] == 0
    value = summary["policy_value"]
    assert value["best_single"] in value["policies"]
    assert set(value["policies"]) >= {"best arm per person", "everyone A", "everyone C",
                                      "everyone B"}  # fmt: skip
    best = value["policies"]["best arm per person"]
    assert best["low"] < best["value"] < best["high"]


def test_several_arms_bad_input(files: dict[str, Path], tmp_path: Path) -> None:
    multi = _multi(files)
    assert "same arm twice" in _error(files, [*multi, "--treatment-value", "A"])
    assert "unknown model 'magic'" in _error(files, [*multi, "--model", "magic"])
    assert "unknown model 'shared-spline'" in _error(
        files, [*_base(files), "--model", "shared-spline"]
    )
    assert "--cost given 3 times" in _error(
        files, [*multi, "--cost", "1", "--cost", "2", "--cost", "3"]
    )
    assert "both a treatment and the control" in _error(
        files, _replace(multi, "--control-value", "C")
    )
    assert "no treated rows (arm = 'Z')" in _error(files, [*multi, "--treatment-value", "Z"])
    clash = tmp_path / "clash.csv"
    clash.write_text("id,x,city,best_arm\nu1,1,Paris,x\n", encoding="utf-8")
    assert "already has an 'best_arm' column" in _error(
        files, _replace(multi, "--score", str(clash))
    )
