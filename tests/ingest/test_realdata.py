"""The real public files in ../shared/data, through the shipped mappings in examples/mappings/.

Each file is ingested with conserved counts, exact numbers, the right line numbers and
spot-checked values; ingesting a file again adds nothing. Skipped (with the reason) where the
data folder is absent.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

from culturebridge.ingest import IngestResult, ingest
from culturebridge.query import connect
from culturebridge.workspace import Workspace
from tests.helpers import (
    assert_conserved,
    lake_rows,
    load_mapping,
    rejects_of,
    set_batch_rows,
    warehouse_counts,
)

pytestmark = pytest.mark.realdata

REVIEWS = "chinese-reviews/online_shopping_10_cats.csv"


@pytest.fixture(autouse=True)
def _bigger_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    # still several batches per file, but fewer round trips for files of 100,000 rows
    set_batch_rows(monkeypatch, 20_000)


def pseudonym(ws: Workspace, raw: str) -> str:
    return "u" + hmac.new(ws.config.secret.encode(), raw.encode(), hashlib.sha256).hexdigest()[:32]


RealFile = Callable[[str], Path]
Run = Callable[[str, str, str], IngestResult]


@pytest.fixture
def run(ws: Workspace, real_file: RealFile) -> Run:
    """`run(table, relative_path, mapping_name)`: ingest a real file into `ws` with a shipped
    mapping, checking that its counts are conserved."""

    def go(table: str, relative: str, mapping: str) -> IngestResult:
        result = ingest(ws, table, [real_file(relative)], mapping=load_mapping(mapping))
        assert_conserved(result)
        return result

    return go


def counts(r: IngestResult) -> tuple[int, int, int, int]:
    return (r.read, r.accepted, r.rejected, r.duplicates)


def test_movielens_ratings(ws: Workspace, run: Run) -> None:
    r = run("events", "movielens-100k/u.data", "movielens-u.data")
    assert counts(r) == (100_000, 100_000, 0, 0)
    assert r.files[0].format == "tsv"
    assert warehouse_counts(ws)["events"] == 100_000

    # user 196's first row (line 1 of the file): 196, 242, 3, 881250949
    u196 = pseudonym(ws, "ml:196")
    rows = lake_rows(ws, "events", f"WHERE user_id = '{u196}'")
    assert len(rows) == 39
    first = [x for x in rows if x["item_id"] == "ml:242"]
    assert len(first) == 1
    assert first[0]["value"] == 3.0
    assert first[0]["ts"] == datetime(1997, 12, 4, 15, 55, 49)
    assert (first[0]["type"], first[0]["channel"]) == ("rate", "movielens")

    con = connect(ws)
    ev = con.table("events")
    agg = ev.aggregate(
        n=ev.count(),
        users=ev.user_id.nunique(),
        items=ev.item_id.nunique(),
        total=ev.value.sum(),
        lo=ev.ts.min(),
        hi=ev.ts.max(),
    ).execute()
    assert agg.loc[0, "n"] == 100_000
    assert agg.loc[0, "users"] == 943
    assert agg.loc[0, "items"] == 1682
    assert agg.loc[0, "total"] == 352_986
    assert agg.loc[0, "lo"].to_pydatetime() == datetime(1997, 9, 20, 3, 5, 10)
    assert agg.loc[0, "hi"].to_pydatetime() == datetime(1998, 4, 22, 23, 10, 38)
    con.disconnect()

    again = run("events", "movielens-100k/u.data", "movielens-u.data")
    assert counts(again) == (100_000, 0, 0, 100_000)
    assert warehouse_counts(ws)["events"] == 100_000


def test_movielens_users(ws: Workspace, run: Run) -> None:
    r = run("users", "movielens-100k/u.user", "movielens-u.user")
    assert counts(r) == (943, 943, 0, 0)
    users = {x["user_id"]: x for x in lake_rows(ws, "users")}
    assert len(users) == 943
    one = users[pseudonym(ws, "ml:1")]  # 1|24|M|technician|85711
    assert (one["birth_year"], one["gender"], one["platform"]) == (1998 - 24, "male", "web")
    two = users[pseudonym(ws, "ml:2")]  # 2|53|F|other|94043
    assert (two["birth_year"], two["gender"]) == (1998 - 53, "female")
    assert Counter(x["gender"] for x in users.values()) == {"male": 670, "female": 273}
    assert counts(run("users", "movielens-100k/u.user", "movielens-u.user")) == (
        943,
        0,
        0,
        943,
    )


def test_movielens_items_latin1(ws: Workspace, run: Run) -> None:
    r = run("items", "movielens-100k/u.item", "movielens-u.item")
    assert counts(r) == (1682, 1682, 0, 0)
    assert r.files[0].encoding == "latin-1"
    items = {x["item_id"]: x for x in lake_rows(ws, "items")}
    assert set(items) == {f"ml:{n}" for n in range(1, 1683)}  # movie n is on line n
    toy = items["ml:1"]
    assert toy["title_en"] == "Toy Story (1995)"
    assert toy["kind"] == "film"
    assert toy["genres"] == ["Animation", "Children's", "Comedy"]
    assert toy["release_date"] == date(1995, 1, 1)
    assert toy["attributes"] == {
        "imdb_url": "http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)"
    }
    # latin-1 bytes (0xE9, 0xE8) come back as the right characters
    assert items["ml:543"]["title_en"] == "Mis\u00e9rables, Les (1995)"
    assert items["ml:1104"]["title_en"] == "C'est arriv\u00e9 pr\u00e8s de chez vous (1992)"
    assert items["ml:1252"]["release_date"] == date(1997, 6, 27)
    assert not any("\ufffd" in (x["title_en"] or "") for x in items.values())
    assert counts(run("items", "movielens-100k/u.item", "movielens-u.item")) == (
        1682,
        0,
        0,
        1682,
    )


def test_steam_trailing_comma_header(ws: Workspace, run: Run) -> None:
    r = run("events", "steam/steam-200k-play.csv", "steam-200k-play")
    # Two rows of the file are exact repeats (same user, game and hours, and the same
    # snapshot time): they are counted as duplicates, not silently dropped.
    assert counts(r) == (70_489, 70_487, 0, 2)
    assert r.files[0].encoding == "utf-8"
    (ignored,) = r.ignored_columns.values()
    assert len(ignored) == 1  # the unnamed fourth column
    u = pseudonym(ws, "steam:151603712")
    rows = {x["item_id"]: x for x in lake_rows(ws, "events", f"WHERE user_id = '{u}'")}
    skyrim = rows["steam:The Elder Scrolls V Skyrim"]
    assert (skyrim["value"], skyrim["type"], skyrim["channel"]) == (273.0, "play", "steam")
    assert skyrim["ts"] == datetime(2016, 12, 31)
    assert rows["steam:Fallout 4"]["value"] == 87.0
    again = run("events", "steam/steam-200k-play.csv", "steam-200k-play")
    assert counts(again) == (70_489, 0, 0, 70_489)


def _review_lines(path: Path) -> dict[int, str]:
    """Record start line -> review text, by Python's own CSV reader (an independent parser)."""
    out: dict[int, str] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        end = reader.line_num
        for rec in reader:
            out[end + 1] = rec[2]
            end = reader.line_num
    return out


def test_chinese_reviews_as_posts(ws: Workspace, run: Run, real_file: RealFile) -> None:
    path = real_file(REVIEWS)
    r = run("posts", REVIEWS, "chinese-reviews-posts")
    assert counts(r) == (62_774, 62_773, 1, 0)
    (rej,) = rejects_of(ws, r)
    assert rej["line"] == 36427
    assert rej["reason"] == "missing required text"
    assert rej["raw"] == "\u70ed\u6c34\u5668,1,"

    # Every accepted row's id is made from its line: all of them are right.
    lines = _review_lines(path)
    assert len(lines) == 62_774
    expected = {
        hashlib.md5(f"{path.name}:{line}".encode()).hexdigest(): text.replace("\ufeff", "")
        for line, text in lines.items()
        if line != 36427
    }
    got = {x["post_id"]: x["text"] for x in lake_rows(ws, "posts")}
    assert got == expected
    # The BOM inside the text of line 2 is gone, and nothing else is.
    line2 = got[hashlib.md5(f"{path.name}:2".encode()).hexdigest()]
    assert line2.startswith("\u505a\u7236\u6bcd\u4e00\u5b9a\u8981")
    assert not any("\ufeff" in t for t in got.values())
    assert {x["lang"] for x in lake_rows(ws, "posts", "LIMIT 5")} == {"zh"}

    again = run("posts", REVIEWS, "chinese-reviews-posts")
    assert counts(again) == (62_774, 0, 1, 62_773)


def test_gb18030_copy_of_chinese_posts(tmp_path: Path, real_file: RealFile) -> None:
    """The same reviews re-encoded as GB18030: detected as such, and every text comes back
    exactly as the UTF-8 original gives it."""
    original = real_file(REVIEWS)
    head = original.read_bytes().split(b"\n")[:4001]  # header + 4,000 one-line records
    utf8 = tmp_path / "utf8" / original.name
    gb = tmp_path / "gb" / original.name  # same name: same row ids, line for line
    utf8.parent.mkdir()
    gb.parent.mkdir()
    utf8.write_bytes(b"\n".join(head) + b"\n")
    gb.write_bytes((b"\n".join(head) + b"\n").decode("utf-8").encode("gb18030"))
    assert gb.read_bytes() != utf8.read_bytes()

    results = {}
    texts = {}
    for name, path in (("utf8", utf8), ("gb", gb)):
        ws = Workspace.create(tmp_path / f"ws-{name}")
        results[name] = ingest(ws, "posts", [path], mapping=load_mapping("chinese-reviews-posts"))
        assert_conserved(results[name])
        texts[name] = {x["post_id"]: x["text"] for x in lake_rows(ws, "posts")}
    assert results["gb"].files[0].encoding == "gb18030"
    assert results["utf8"].files[0].encoding == "utf-8"
    assert counts(results["gb"]) == counts(results["utf8"]) == (4000, 4000, 0, 0)
    assert texts["gb"] == texts["utf8"]
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in texts["gb"].values())
