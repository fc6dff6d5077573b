"""`campaign report --input`: any per-unit export, the Hillstrom A/B test, SRM on files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from culturebridge.cli import app


def _run(*args: str) -> object:
    return CliRunner().invoke(app, ["campaign", "report", *args])


def _planted(path: Path, n_control: int = 5000, n_treat: int = 5000) -> Path:
    rng = np.random.default_rng(7)
    arm = np.array(["control"] * n_control + ["email"] * n_treat)
    pre = rng.gamma(2.0, 10.0, size=len(arm))
    spend = pre * 0.8 + rng.normal(0, 3, size=len(arm)) + np.where(arm == "email", 2.0, 0.0)
    visit = (rng.random(len(arm)) < np.where(arm == "email", 0.15, 0.10)).astype(int)
    region = rng.choice(["north", "south"], size=len(arm))
    pd.DataFrame({"arm": arm, "visit": visit, "spend": spend.round(2), "pre_spend": pre,
                  "region": region}).to_csv(path, index=False)  # fmt: skip
    return path


def test_a_file_report_with_cuped_and_segments(tmp_path: Path) -> None:
    f = _planted(tmp_path / "ab.csv")
    res = _run("--input", str(f), "--arm-col", "arm", "--metrics", "visit,spend",
               "--pre", "spend=pre_spend", "--segments", "region", "--json")  # fmt: skip
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    out = json.loads(res.stdout)  # type: ignore[attr-defined]
    comp = {c["metric"]: c for c in out["analysis"]["comparisons"]}
    assert comp["visit"]["ci_low"] < 0.05 < comp["visit"]["ci_high"]
    cu = comp["spend"]["cuped"]
    assert cu["variance_reduction"] > 0.5 and cu["ci_low"] < 2.0 < cu["ci_high"]
    assert not out["analysis"]["srm"]["flagged"]
    res = _run("--input", str(f), "--arm-col", "arm", "--metrics", "visit")
    assert res.exit_code == 0 and "Sample ratio" in res.stdout  # type: ignore[attr-defined]


def test_srm_flags_an_unbalanced_file(tmp_path: Path) -> None:
    f = _planted(tmp_path / "ab.csv", n_control=4500, n_treat=5500)
    res = _run("--input", str(f), "--arm-col", "arm", "--metrics", "visit", "--json")
    assert json.loads(res.stdout)["analysis"]["srm"]["flagged"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--metrics", "visit"], "--arm-col"),
        (["--arm-col", "nope", "--metrics", "visit"], "no column 'nope'"),
        (["--arm-col", "arm", "--metrics", "region"], "not numbers"),
        (["--arm-col", "arm", "--metrics", "visit", "--pre", "visit"], "METRIC=COLUMN"),
        (["--arm-col", "arm", "--metrics", "visit", "--control", "x"], "no arm 'x'"),
        (["--arm-col", "arm", "--metrics", "visit", "--correction", "bonf"], "holm or bh"),
    ],
)
def test_bad_file_reports_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    f = _planted(tmp_path / "ab.csv")
    res = _run("--input", str(f), *args)
    assert res.exit_code == 2, res.output  # type: ignore[attr-defined]
    assert message in res.stderr and "Traceback" not in res.output  # type: ignore[attr-defined]


@pytest.mark.realdata
def test_hillstrom_womens_email_visit_effect(real_file: Callable[[str], Path]) -> None:
    path = real_file("marketing/hillstrom.csv")
    res = _run("--input", str(path), "--arm-col", "segment", "--control", "No E-Mail",
               "--arms", "Womens E-Mail,No E-Mail", "--metrics", "visit,spend",
               "--pre", "spend=history", "--segments", "zip_code,channel", "--json")  # fmt: skip
    assert res.exit_code == 0, res.output  # type: ignore[attr-defined]
    out = json.loads(res.stdout)  # type: ignore[attr-defined]
    assert out["dropped"] == {"Mens E-Mail": 21307}
    visit = next(c for c in out["analysis"]["comparisons"] if c["metric"] == "visit")
    assert visit["lift"] == pytest.approx(0.0452, abs=0.0005)
    assert 0.035 < visit["ci_low"] < visit["lift"] < visit["ci_high"] < 0.055
    assert not out["analysis"]["srm"]["flagged"]
