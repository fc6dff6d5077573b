"""Real data: MovieLens 100K through the shipped mappings and the `prefs` command.

Under-25s against 45-and-over by genre, checked against the same shares computed independently
with pandas straight from the raw files. Every MovieLens event is a rating, and a rating weighs
by its stars (stars / 5: a 5★ counts five times a 1★), so a genre's share is its stars over all
stars given to genre-tagged films (a film with two genres counts in both).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from culturebridge.ingest import ingest
from culturebridge.workspace import Workspace
from tests.helpers import CLI, load_mapping

pytestmark = pytest.mark.realdata

GENRES = (
    "unknown Action Adventure Animation Children's Comedy Crime Documentary Drama Fantasy "
    "Film-Noir Horror Musical Mystery Romance Sci-Fi Thriller War Western"
).split()


@pytest.fixture(scope="module")
def movielens(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    from tests.conftest import DATA_DIR

    ws = Workspace.create(tmp_path_factory.mktemp("ml") / "ws")
    base = DATA_DIR / "movielens-100k"
    for table, file, mapping in [
        ("items", "u.item", "movielens-u.item"),
        ("users", "u.user", "movielens-u.user"),
        ("events", "u.data", "movielens-u.data"),
    ]:
        ingest(ws, table, [base / file], mapping=load_mapping(mapping))
    return ws


def pandas_shares(base: Path) -> pd.DataFrame:
    """Genre shares for under-25s and 45-and-over, from the raw files, with pandas alone."""
    ratings = pd.read_csv(base / "u.data", sep="\t", names=["user", "item", "rating", "ts"])
    users = pd.read_csv(base / "u.user", sep="|", names=["user", "age", "g", "occ", "zip"])
    items = pd.read_csv(
        base / "u.item",
        sep="|",
        encoding="latin-1",
        names=["item", "title", "date", "video", "url", *GENRES],
    )
    # the shipped mapping reads the "unknown" flag as "no genre", not as a genre
    long = items.melt(id_vars="item", value_vars=GENRES[1:], var_name="genre", value_name="flag")
    long = long[long.flag == 1]
    # the reference date is the last rating (1998-04-22); ages in u.user are at that date
    df = ratings.merge(users[["user", "age"]], on="user")
    df = df[df.item.isin(long.item)]
    out = {}
    for name, mask in (("young", df.age < 25), ("older", df.age >= 45)):
        part = df[mask]
        per_genre = part.merge(long[["item", "genre"]], on="item").groupby("genre").rating.sum()
        out[name] = per_genre / part.rating.sum()
        out[f"{name}_users"] = (
            part.merge(long[["item", "genre"]], on="item").groupby("genre").user.nunique()
        )
    frame = pd.DataFrame(out).fillna(0)
    frame["lift"] = frame.young / frame.older
    return frame


def test_young_vs_older_genres_match_pandas(movielens: Workspace) -> None:
    from tests.conftest import DATA_DIR

    proc = subprocess.run(
        [
            str(CLI),
            "prefs",
            str(movielens.root),
            "--segment",
            "under_25",
            "--vs",
            "older_45_plus",
            "--by",
            "genre",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    rows = {r["value"]: r for r in json.loads(proc.stdout)}
    expected = pandas_shares(DATA_DIR / "movielens-100k")
    assert set(rows) == set(expected.index)
    for genre, exp in expected.iterrows():
        got = rows[genre]
        if got["suppressed"]:
            assert min(exp.young_users, exp.older_users) < 10
            continue
        assert got["segment_share"] == pytest.approx(exp.young, rel=1e-9)
        assert got["baseline_share"] == pytest.approx(exp.older, rel=1e-9)
        assert got["lift"] == pytest.approx(exp.lift, rel=1e-9)
        assert got["users"] == exp.young_users
    shown = [r for r in rows.values() if r["lift"] is not None]
    top_over = max(shown, key=lambda r: r["lift"])
    top_under = min(shown, key=lambda r: r["lift"])
    # recorded in benchmarks/RESULTS.md
    print(
        f"over-indexed: {top_over['value']} x{top_over['lift']:.2f}; "
        f"under-indexed: {top_under['value']} x{top_under['lift']:.2f}"
    )
    significant = {r["value"] for r in rows.values() if r["significant"]}
    assert {top_over["value"], top_under["value"]} <= significant
