"""A workspace campaign: outcomes read right, the planted segment-only uplift found, reports."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from culturebridge.campaign._report import report_workspace
from culturebridge.campaign._workspace import campaign_frame
from culturebridge.cli import app
from culturebridge.errors import UserError
from culturebridge.query import Analysis
from tests.conftest import Demo

pytestmark = pytest.mark.slow


def test_frame_matches_the_planted_campaign(demo: Demo) -> None:
    truth = demo.truth["campaign"]
    with Analysis.open(demo.ws) as a:
        f = campaign_frame(a, truth["campaign_id"])
    assert f.n == truth["assigned"]
    assert (f.arm == "treatment").sum() == truth["treatment"]
    assert (f.arm == "control").sum() == truth["control"]
    lo, hi = truth["uplift_segment"]["age_min"], truth["uplift_segment"]["age_max"]
    in_seg = f.segments["age_band"] == f"{lo}-{hi}"
    for name, mask in (("segment", in_seg), ("elsewhere", ~in_seg)):
        observed = truth["observed"][name]
        for arm in ("treatment", "control"):
            sel = mask & (f.arm == arm)
            assert sel.sum() == observed[f"n_{arm}"]
            assert f.metrics["conversion"][sel].mean() == pytest.approx(
                observed[f"conversion_{arm}"], abs=5e-5
            )
    # revenue is counted only with a conversion; pre-period figures are before assignment
    assert np.all(f.metrics["revenue"][f.metrics["conversion"] == 0] == 0)
    assert f.info.partner_id == truth["partner_id"]


def test_report_finds_the_segment_only_uplift(demo: Demo) -> None:
    truth = demo.truth["campaign"]
    band = f"{truth['uplift_segment']['age_min']}-{truth['uplift_segment']['age_max']}"
    with Analysis.open(demo.ws) as a:
        rep = report_workspace(a, truth["campaign_id"])
    an = rep.analysis
    assert not an.srm.flagged
    conv = next(c for c in an.comparisons if c.metric == "conversion")
    assert conv.p_value is not None and conv.p_value < 0.001 and (conv.lift or 0) > 0
    ages = [s for s in an.segments if s.metric == "conversion" and s.dimension == "age_band"]
    assert ages
    for s in ages:
        if s.suppressed:
            continue
        assert s.significant == (s.segment == band), (s.segment, s.p_adjusted)
        if s.segment == band:
            assert s.ci_low is not None and s.ci_high is not None
            assert s.ci_low <= truth["uplift_in_segment"] <= s.ci_high
    with Analysis.open(demo.ws) as a, pytest.raises(UserError, match="no campaign"):
        report_workspace(a, "nope")


def test_report_cli_on_the_demo(demo: Demo) -> None:
    cid = demo.truth["campaign"]["campaign_id"]
    res = CliRunner().invoke(
        app, ["campaign", "report", str(demo.ws.root), "--campaign", cid, "--sequential", "--json"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["campaign_id"] == cid and out["analysis"]["settings"]["sequential"]
    conv = next(c for c in out["analysis"]["comparisons"] if c["metric"] == "conversion")
    assert conv["sequential"]["ci_low"] <= conv["ci_low"] <= conv["ci_high"]
    assert conv["ci_high"] <= conv["sequential"]["ci_high"]
    res = CliRunner().invoke(app, ["campaign", "report", str(demo.ws.root), "--campaign", cid])
    assert res.exit_code == 0, res.output
    assert "Segments: conversion" in res.stdout and "age_band 25-34" in res.stdout
    res = CliRunner().invoke(app, ["campaign", "report", str(demo.ws.root), "--campaign", "x"])
    assert res.exit_code == 2 and "no campaign 'x'" in res.stderr
