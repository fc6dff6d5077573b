"""The analysis commands: the JSON contract, readable tables, --explain, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from culturebridge.cli import app
from culturebridge.cli._analytics import fmt_lift, fmt_p
from culturebridge.workspace import Workspace
from tests.analytics.test_prefs import tiny as tiny  # noqa: F401  (the module fixture)
from tests.test_cli import assert_one_line_error

runner = CliRunner()


def invoke(*args: object) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {result.exception!r}") from result.exception
    return result.exit_code, result.stdout, result.stderr


PREFS_KEYS = {"value", "segment_share", "baseline_share", "lift", "ci_low", "ci_high", "p_adj"}
PREFS_KEYS |= {"users"}


def test_prefs_json_contract(tiny: Workspace) -> None:
    code, out, err = invoke(
        "prefs", tiny.root, "--segment", "gen_z", "--vs", "older_45_plus", "--by", "genre", "--json"
    )
    assert code == 0, err
    rows = json.loads(out)
    assert isinstance(rows, list) and rows
    assert all(PREFS_KEYS <= row.keys() for row in rows)
    drama = next(r for r in rows if r["value"] == "drama")
    assert drama["segment_share"] == pytest.approx(100 / 120)
    assert "privacy:" in err  # the guard's note, on stderr in JSON mode


def test_prefs_table_and_explain(tiny: Workspace) -> None:
    code, out, err = invoke(
        "prefs",
        tiny.root,
        "-s",
        "gen_z",
        "--by",
        "kind",
        "--period-from",
        "2026-05-01",
        "--explain",
    )
    assert code == 0, err
    assert "gen_z vs all by kind" in out and "film" in out
    assert "privacy:" in out and "SELECT" in out


def test_p_values_and_lifts_read_as_numbers() -> None:
    """An underflowed p-value is "< 1e-12", not "p adj 0"; a missing lift is "—", not "—×"."""
    assert (fmt_p(0.0), fmt_p(0.0312), fmt_p(None)) == ("< 1e-12", "0.031", "—")
    assert (fmt_lift(None, " ▲"), fmt_lift(2.537, " ▲")) == ("—", "2.54× ▲")


def test_tables_name_items_by_title(tiny: Workspace) -> None:
    """An item shows as its titles with its id beside it; an untitled one as its id."""
    code, out, err = invoke("prefs", tiny.root, "-s", "gen_z", "--by", "item")
    assert code == 0, err
    # (an 80-column table may wrap the id under the title)
    assert "Aurora (极光)" in out and "(a)" in out and "Bellwether (b)" in out
    code, out, err = invoke("audience", tiny.root, "--item", "a")
    assert code == 0, err
    assert "Audience of Aurora (极光) (a)" in out


@pytest.mark.parametrize(
    ("command", "extra"),
    [
        ("trends", ["--by", "genre", "--period", "day", "--horizon", "2"]),
        ("funnel", ["-s", "gen_z"]),
        ("reach", ["--period", "day"]),
        ("retention", ["--weeks", "2"]),
        ("audience", ["--item", "a"]),
    ],
)
def test_every_command_prints_json_rows_and_a_table(
    tiny: Workspace, command: str, extra: list[str]
) -> None:
    code, out, err = invoke(command, tiny.root, *extra, "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert isinstance(rows, list)
    assert all("suppressed" in r for r in rows)
    code, out, err = invoke(command, tiny.root, *extra)
    assert code == 0, err
    assert "privacy:" in out
    if command == "funnel":  # the tiny universe has no impressions, hence no journeys
        assert rows == [] and "No journeys" in out
    else:
        assert rows


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (["prefs", "{ws}", "-s", "nope", "--by", "genre"], "unknown segment 'nope'"),
        (["prefs", "{ws}", "-s", "gen_z", "--by", "colourway"], "unknown dimension"),
        (["prefs", "{ws}", "-s", "gen_z", "--by", "genre", "--period-from", "May"], "YYYY-MM-DD"),
        (["prefs", "{ws}", "-s", "gen_z", "--by", "genre", "--partner", "px"], "unknown partner"),
        (["trends", "{ws}", "--by", "genre", "--period", "year"], "day, week or month"),
        (["trends", "{ws}", "--by", "genre", "--period", "month"], "trends need at least"),
        (["audience", "{ws}", "--item", "zz"], "no item 'zz'"),
        (["audience", "{ws}", "--item", "b", "--partner", "p1"], "another partner"),
        (["funnel", "/nonexistent/ws"], "workspace"),
        (["reach", "{ws}", "--epsilon", "0"], "epsilon"),
    ],
)
def test_user_mistakes_get_one_line(tiny: Workspace, args: list[str], pattern: str) -> None:
    code, out, err = invoke(*(a.format(ws=tiny.root) for a in args))
    assert_one_line_error(code, out, err, pattern)


def test_budget_refusal_is_one_line(tiny: Workspace, tmp_path: Path) -> None:
    ws = Workspace.open(tiny.root)
    ws.config = ws.config.model_copy(
        update={"privacy": ws.config.privacy.model_copy(update={"epsilon_budget": 1.0})}
    )
    ws.config.write(ws.root / "workspace.toml")
    try:
        args = ["prefs", ws.root, "-s", "gen_z", "--by", "genre", "--partner", "p1"]
        code, out, err = invoke(*args, "--epsilon", "0.6", "--json")
        assert code == 0, err
        assert "noised" in err
        # the same question again is the same release: the same answer, not charged twice
        code, again, err = invoke(*args, "--epsilon", "0.6", "--json")
        assert code == 0 and again == out, err
        other = ["prefs", ws.root, "-s", "gen_z", "--by", "kind", "--partner", "p1"]
        code, out, err = invoke(*other, "--epsilon", "0.6")
        assert_one_line_error(code, out, err, "refused")
    finally:
        ws.config = ws.config.model_copy(
            update={"privacy": ws.config.privacy.model_copy(update={"epsilon_budget": 10.0})}
        )
        ws.config.write(ws.root / "workspace.toml")
