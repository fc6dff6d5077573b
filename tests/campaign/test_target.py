"""Targeting and lookalikes: who is picked, the privacy threshold, the audit log."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from culturebridge.campaign._target import pick_arms
from culturebridge.cli import app
from culturebridge.errors import UserError
from culturebridge.privacy import AUDIT_LOG, read_audit
from culturebridge.query import Analysis
from tests.conftest import Demo

pytestmark = pytest.mark.slow


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_pick_arms() -> None:
    assert pick_arms(["control", "treatment"], None, None) == ("treatment", "control")
    assert pick_arms(["a", "b"], "a", None) == ("b", "a")
    with pytest.raises(UserError, match="--control"):
        pick_arms(["a", "b"], None, None)
    with pytest.raises(UserError, match="--treatment"):
        pick_arms(["control", "a", "b"], None, None)


def test_target_picks_the_planted_responders_and_is_audited(demo: Demo, tmp_path: Path) -> None:
    truth = demo.truth["campaign"]
    lo, hi = truth["uplift_segment"]["age_min"], truth["uplift_segment"]["age_max"]
    out = tmp_path / "next.csv"
    res = CliRunner().invoke(
        app,
        ["campaign", "target", str(demo.ws.root), "--campaign", truth["campaign_id"],
         "--budget", "300", "--output", str(out), "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    rows = _rows(out)
    assert list(rows[0]) == ["user_id", "score", "rank"]
    assert len(rows) == summary["rows"] <= 300
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True) and min(scores) > 0
    with Analysis.open(demo.ws) as a:
        users = a.run(a.con.table("users").select("user_id", "birth_year")).to_pylist()
        ref = a.ref.year
    age = {u["user_id"]: (ref - u["birth_year"]) if u["birth_year"] else None for u in users}
    in_band = np.mean([a is not None and lo <= a <= hi for a in (age[r["user_id"]] for r in rows)])
    base = np.mean([a is not None and lo <= a <= hi for a in age.values()])
    assert in_band > max(0.6, 2 * base), (in_band, base)  # the model found the planted segment
    assert summary["validation"]["qini_auc"] > 0
    log = read_audit(demo.ws.root, "export")
    assert log[-1]["status"] == "exported" and log[-1]["rows"] == len(rows)
    assert log[-1]["path"] == str(out.resolve()) and len(log[-1]["sha256"]) == 64


def test_lists_below_k_are_refused_and_logged(demo: Demo, tmp_path: Path) -> None:
    out = tmp_path / "tiny.csv"
    cid = demo.truth["campaign"]["campaign_id"]
    res = CliRunner().invoke(
        app,
        ["campaign", "target", str(demo.ws.root), "--campaign", cid, "--budget", "3",
         "--output", str(out)],
    )  # fmt: skip
    assert res.exit_code == 2 and "privacy threshold" in res.stderr
    assert not out.exists()
    last = read_audit(demo.ws.root, "export")[-1]
    assert last["status"] == "refused" and last["rows"] == 0
    assert (demo.ws.root / AUDIT_LOG).stat().st_mode & 0o777 == 0o600


def test_lookalikes_resemble_their_seeds(demo: Demo, tmp_path: Path) -> None:
    with Analysis.open(demo.ws) as a:
        users = a.run(
            a.con.table("users").select("user_id", "city_tier", "platform").order_by("user_id")
        ).to_pylist()
    seeds = [u["user_id"] for u in users if u["city_tier"] == 1 and u["platform"] == "ios"][:60]
    seed_file = tmp_path / "seed.csv"
    seed_file.write_text("user_id\n" + "\n".join(seeds) + "\nnot-a-user\n", encoding="utf-8")
    out = tmp_path / "look.csv"
    res = CliRunner().invoke(
        app,
        ["campaign", "lookalike", str(demo.ws.root), "--seed", str(seed_file), "--size", "200",
         "--output", str(out), "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    got = {r["user_id"] for r in _rows(out)}
    assert len(got) == 200 and not got & set(seeds)
    by_id = {u["user_id"]: u for u in users}
    share = np.mean([by_id[u]["city_tier"] == 1 and by_id[u]["platform"] == "ios" for u in got])
    base = np.mean([u["city_tier"] == 1 and u["platform"] == "ios" for u in users])
    assert share > 3 * base, (share, base)
    assert json.loads(res.stdout)["seeds_not_found"] == 1
    assert read_audit(demo.ws.root, "export")[-1]["command"] == "campaign lookalike"
    few = tmp_path / "few.csv"
    few.write_text("user_id\n" + "\n".join(seeds[:3]) + "\n", encoding="utf-8")
    res = CliRunner().invoke(
        app,
        ["campaign", "lookalike", str(demo.ws.root), "--seed", str(few), "--size", "50",
         "--output", str(tmp_path / "x.csv")],
    )  # fmt: skip
    assert res.exit_code == 2 and "fewer than the privacy threshold" in res.stderr
