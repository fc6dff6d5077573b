"""The `recommend` CLI contract, exactly as others script it, and its one-line errors."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from culturebridge.recommend import DEFAULT_MODEL, Recommender
from tests.conftest import Demo
from tests.helpers import CLI
from tests.recommend.test_contract import checkerboard
from tests.test_cli import assert_one_line_error, invoke


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """train.csv / test.csv from the checkerboard: test holds each user's unseen block items."""
    root = tmp_path_factory.mktemp("rec-cli")
    data = checkerboard()
    with (root / "train.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["user_id", "item_id", "ts", "value"])
        for u, i, t, v in zip(data.user, data.item, data.ts, data.value, strict=True):
            w.writerow([data.user_ids[u], data.item_ids[i], int(t), v])
    seen = data.matrix(binary=True)
    with (root / "test.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["user_id", "item_id"])
        for u, user in enumerate(data.user_ids.tolist()):
            block = 0 if user.startswith("u0") else 1
            for item in range(block * 10, block * 10 + 10):
                row = int(np.flatnonzero(data.item_ids == f"i{item:02d}")[0])
                if row not in seen[u].indices:
                    w.writerow([user, f"i{item:02d}"])
    (root / "users.txt").write_text("u0_00\nu1_05\nstranger\n", encoding="utf-8")
    return root


def read_recs(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_contract_as_written_in_a_real_process(files: Path, tmp_path: Path) -> None:
    model_dir = tmp_path / "model"
    run = [str(CLI), "recommend"]
    fit = subprocess.run(
        [*run, "fit", "--interactions", str(files / "train.csv"), "--out", str(model_dir)],
        capture_output=True,
        text=True,
    )
    assert fit.returncode == 0, fit.stderr
    meta = json.loads((model_dir / "model.json").read_text())
    assert meta["model"] == DEFAULT_MODEL
    assert {p.name for p in model_dir.iterdir()} == {"model.json", "arrays.npz"}
    out = tmp_path / "recs.csv"
    top = subprocess.run(
        [*run, "topn", "--model-dir", str(model_dir), "--users", str(files / "users.txt")]
        + ["--n", "4", "--output", str(out)],
        capture_output=True,
        text=True,
    )
    assert top.returncode == 0, top.stderr
    assert "1 user(s) unknown" in top.stderr
    rows = read_recs(out)
    assert list(rows[0]) == ["user_id", "item_id", "rank", "score"]
    by_user: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_user.setdefault(r["user_id"], []).append(r)
    assert set(by_user) == {"u0_00", "u1_05", "stranger"}
    for recs in by_user.values():
        assert [int(r["rank"]) for r in recs] == [1, 2, 3, 4]
        scores = [float(r["score"]) for r in recs]
        assert scores == sorted(scores, reverse=True)
    # u0_00 saw i00..i05: its unseen block items are i06..i09
    assert {r["item_id"] for r in by_user["u0_00"]} == {"i06", "i07", "i08", "i09"}
    sim = subprocess.run(
        [*run, "similar", "--model-dir", str(model_dir), "--item", "i03", "--n", "3"],
        capture_output=True,
        text=True,
    )
    assert sim.returncode == 0, sim.stderr
    assert "i0" in sim.stdout


@pytest.mark.parametrize("model", ["pop", "itemknn", "ease", "ials", "rp3beta"])
def test_fit_takes_model_and_params(files: Path, tmp_path: Path, model: str) -> None:
    params = ["--param", "embedding_size=4"] if model == "ials" else []
    code, out, err = invoke(
        "recommend", "fit", "--interactions", files / "train.csv", "--model", model,
        *params, "--out", tmp_path / "m",
    )  # fmt: skip
    assert code == 0, err
    loaded = Recommender.load(tmp_path / "m")
    assert loaded.name == model
    if model == "ials":
        assert loaded.config.model_dump()["embedding_size"] == 4


def test_evaluate_json_has_every_metric(files: Path) -> None:
    code, out, err = invoke(
        "recommend", "evaluate", "--interactions", files / "train.csv", "--test",
        files / "test.csv", "--models", "pop,ease,itemknn", "--json",
    )  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    names = [m["model"] for m in result["models"]]
    assert names == ["pop", "ease", "itemknn"]
    ease = result["models"][1]
    for key in ("ndcg", "recall", "hit_rate", "map", "coverage", "novelty", "popularity_bias"):
        assert key in ease
    assert ease["ndcg"] == pytest.approx(1.0)  # the 4 unseen block items are the whole truth
    assert result["test_users"] == 40


def test_errors_are_one_line(files: Path, tmp_path: Path) -> None:
    code, out, err = invoke(
        "recommend", "topn", "--model-dir", tmp_path / "missing", "--users",
        files / "users.txt", "--n", "3", "--output", tmp_path / "r.csv",
    )  # fmt: skip
    assert_one_line_error(code, out, err, "no such model directory")
    bad = tmp_path / "bad.csv"
    bad.write_text("who,what\n1,2\n", encoding="utf-8")
    code, out, err = invoke("recommend", "fit", "--interactions", bad, "--out", tmp_path / "m")
    assert_one_line_error(code, out, err, "missing column")
    bad.write_bytes(b"\xff\xfe\x00garbage")
    code, out, err = invoke("recommend", "fit", "--interactions", bad, "--out", tmp_path / "m")
    assert_one_line_error(code, out, err, "bad.csv")
    invoke("recommend", "fit", "--interactions", files / "train.csv", "--out", tmp_path / "ok")
    empty = tmp_path / "users.txt"
    empty.write_text("\n\n", encoding="utf-8")
    code, out, err = invoke(
        "recommend", "topn", "--model-dir", tmp_path / "ok", "--users", empty, "--n", "3",
        "--output", tmp_path / "r.csv",
    )  # fmt: skip
    assert_one_line_error(code, out, err, "no user ids")
    code, out, err = invoke(
        "recommend", "similar", "--model-dir", tmp_path / "ok", "--item", "nope"
    )
    assert_one_line_error(code, out, err, "not in the model")
    code, out, err = invoke(
        "recommend", "fit", "--interactions", files / "train.csv", "--model", "ease",
        "--param", "lambda=3", "--out", tmp_path / "m",
    )  # fmt: skip
    assert_one_line_error(code, out, err, "unknown parameter")
    code, out, err = invoke("recommend", "fit", "--out", tmp_path / "m")
    assert_one_line_error(code, out, err, "exactly one of")


def test_bad_rows_go_to_a_rejects_file(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("user_id,item_id,ts,value\na,x,1,1\na,y,soon,1\n,z,3,1\nb,x,4,2\n")
    code, out, err = invoke("recommend", "fit", "--interactions", src, "--model", "pop",
                            "--out", tmp_path / "m")  # fmt: skip
    assert code == 0, err
    rejects = read_recs(tmp_path / "m" / "rejects.csv")
    assert [(r["line"], r["reason"]) for r in rejects] == [
        ("3", "ts is neither epoch seconds nor ISO-8601"),
        ("4", "empty user_id"),
    ]
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    assert meta["source"]["rows_read"] == 4
    assert meta["source"]["accepted"] + meta["source"]["rejected"] == 4


def test_fit_on_a_workspace_and_explain(demo: Demo, tmp_path: Path) -> None:
    code, out, err = invoke(
        "recommend", "fit", "--workspace", demo.ws.root, "--model", "ease", "--out", tmp_path / "m"
    )
    assert code == 0, err
    model = Recommender.load(tmp_path / "m")
    assert model.user_segments is not None
    code, out, err = invoke(
        "recommend", "explain", "--model-dir", tmp_path / "m", "--workspace", demo.ws.root,
        "--sample", "2", "--json",
    )  # fmt: skip
    assert code == 0, err
    explained = json.loads(out)
    assert len(explained) == 2
    for user in explained:
        assert user["segment"]
        assert len(user["recommendations"]) == 5
        assert all(r["because"] for r in user["recommendations"])
