"""`culturebridge social mentions`: per-item counts and forms, the per-post file, clear errors."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from culturebridge.social._mentions import LINK_COLUMNS, MentionsResult
from tests.conftest import Demo
from tests.test_cli import assert_one_line_error, invoke


def _json(*args: object) -> tuple[MentionsResult, str]:
    code, out, err = invoke("social", "mentions", *args, "--json")
    assert code == 0, err
    return MentionsResult.model_validate(json.loads(out)), err


def test_json_lists_items_with_their_forms(demo: Demo) -> None:
    result, err = _json(demo.ws.root)
    spike = demo.truth["sentiment_spike"]
    top = result.rows[0]
    assert (top.item_id, top.title_zh) == (spike["item_id"], spike["title_zh"])
    assert top.posts is not None and top.posts > spike["observed"]["posts_in_week"]
    assert top.share_title_zh is not None and top.share_title_zh > 0.5
    assert top.share_alias is not None and top.share_alias > 0  # 泰探
    assert result.posts == demo.truth["counts"]["posts"]
    assert 0.8 * result.posts < result.linked_posts < result.posts
    assert "privacy:" in err and "suppressed" in err


def test_one_item_in_a_period_written_to_csv(demo: Demo, tmp_path: Path) -> None:
    spike = demo.truth["sentiment_spike"]
    out = tmp_path / "links.csv"
    code, stdout, err = invoke(
        "social",
        "mentions",
        demo.ws.root,
        "--item",
        spike["item_id"],
        "--from",
        spike["week_start"],
        "--to",
        (date.fromisoformat(spike["week_end"]) - timedelta(days=1)).isoformat(),
        "--output",
        out,
    )
    assert code == 0, err
    assert spike["title_zh"][:4] in stdout and "per-post links" in stdout
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == LINK_COLUMNS  # no user id
    assert len(rows) == spike["observed"]["posts_in_week"]
    assert {r["item_id"] for r in rows} == {spike["item_id"]}
    assert all(r["form"] == "title_zh" and r["marked"] == "true" for r in rows)


def test_parquet_output_and_top(demo: Demo, tmp_path: Path) -> None:
    out = tmp_path / "links.parquet"
    code, stdout, err = invoke("social", "mentions", demo.ws.root, "--top", "3", "-o", out)
    assert code == 0, err
    assert "more items" in stdout
    links = pq.read_table(out)
    assert tuple(links.column_names) == LINK_COLUMNS
    assert links.num_rows > 0


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (["--item", "nope_0001"], "no item 'nope_0001'"),
        (["--output", "links.txt"], r"--output must end in \.csv or \.parquet"),
        (["--output", "/no/such/folder/x.csv"], "no folder"),
        (["--from", "2026-06-30", "--to", "2026-06-01"], "after"),
        (["--from", "June"], "YYYY-MM-DD"),
        (["--partner", "p_nobody"], "unknown partner"),
    ],
)
def test_user_mistakes_are_one_line_errors(demo: Demo, args: list[str], pattern: str) -> None:
    assert_one_line_error(*invoke("social", "mentions", demo.ws.root, *args), pattern)


def test_missing_workspace(tmp_path: Path) -> None:
    assert_one_line_error(*invoke("social", "mentions", tmp_path / "none"), "workspace")


def test_another_partners_item_is_refused(demo: Demo) -> None:
    spike = demo.truth["sentiment_spike"]["item_id"]  # the broadcaster's
    code, out, err = invoke(
        "social", "mentions", demo.ws.root, "--partner", "p_foxglove", "--item", spike
    )
    assert_one_line_error(code, out, err, "another partner")


def test_the_demo_command_leaves_the_post_truth_in_the_workspace(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    code, _, err = invoke("demo", ws, "--users", "300", "--events", "2000", "--json")
    assert code == 0, err
    truth = json.loads((ws / "truth.json").read_text(encoding="utf-8"))
    posts = pq.read_table(ws / truth["post_mentions"]["path"])
    assert posts.num_rows == truth["counts"]["posts"] == truth["post_mentions"]["posts"]
    assert "user_id" not in posts.column_names
    result, _ = _json(ws)
    assert result.linked_posts == truth["post_mentions"]["with_item"]
