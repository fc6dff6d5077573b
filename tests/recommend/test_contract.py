"""The one contract every model keeps, checked on a fixture whose right answer is known.

A checkerboard: users in block A engage only with block-A items, users in block B only with
block-B items, each with 6 of their block's 10 items. A model that learned anything must fill a
user's top 4 with exactly the 4 block items they have not seen.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from culturebridge.errors import UserError
from culturebridge.recommend import REGISTRY, Interactions, Recommender, from_frame, make_model

BLOCK = 10
USERS_PER_BLOCK = 20
SEEN = 6
LOCAL = sorted(set(REGISTRY) - {"spark-als"})
SPECIFIC: dict[str, dict[str, object]] = {
    "pop": {"by_segment": True},
    "ials": {"embedding_size": 4},  # 64 factors on 20 items would fit the zeros exactly
}


def checkerboard() -> Interactions:
    rows = []
    for block in (0, 1):
        for u in range(USERS_PER_BLOCK):
            for j in range(SEEN):
                item = block * BLOCK + (u + j) % BLOCK
                rows.append((f"u{block}_{u:02d}", f"i{item:02d}", 1.0 + (j % 3), 1000.0 + j))
    df = pd.DataFrame(rows, columns=["user_id", "item_id", "value", "ts"])
    data = from_frame(df)
    blocks = np.array([int(i[1:]) // BLOCK for i in data.item_ids.tolist()])
    rng = np.random.default_rng(3)
    feats = np.zeros((data.n_items, 8), np.float32)
    feats[np.arange(data.n_items), blocks] = 1.0
    feats += rng.normal(0, 0.05, feats.shape).astype(np.float32)
    feats /= np.linalg.norm(feats, axis=1, keepdims=True)
    segs = np.array(["A" if u.startswith("u0") else "B" for u in data.user_ids], dtype=np.str_)
    return Interactions(
        data.user_ids, data.item_ids, data.user, data.item, data.value, data.ts, segs, feats
    )


@pytest.fixture(scope="module")
def data() -> Interactions:
    return checkerboard()


def fitted(name: str, data: Interactions, seed: int = 0) -> Recommender:
    return make_model(name, SPECIFIC.get(name)).fit(data, rng=seed)


def block_of_item(data: Interactions, rows: np.ndarray) -> np.ndarray:
    return np.array([int(data.item_ids[i][1:]) // BLOCK for i in rows.ravel()]).reshape(rows.shape)


@pytest.mark.parametrize("name", LOCAL)
def test_fills_top_with_the_unseen_items_of_the_users_block(name: str, data: Interactions) -> None:
    model = fitted(name, data)
    users = np.arange(data.n_users, dtype=np.int32)
    recs = model.recommend(users, BLOCK - SEEN)
    seen = data.matrix(binary=True)
    for u in users.tolist():
        block = 0 if data.user_ids[u].startswith("u0") else 1
        got = set(recs.items[u].tolist())
        unseen = {block * BLOCK + i for i in range(BLOCK)} - {
            int(data.item_ids[i][1:]) for i in seen[u].indices
        }
        want = {int(np.flatnonzero(data.item_ids == f"i{i:02d}")[0]) for i in unseen}
        assert got == want, (name, data.user_ids[u])
    assert np.all(np.diff(recs.scores, axis=1) <= 0), "scores must be best first"


@pytest.mark.parametrize("name", LOCAL)
def test_never_recommends_a_seen_item_and_respects_candidates(
    name: str, data: Interactions
) -> None:
    model = fitted(name, data)
    users = np.arange(data.n_users, dtype=np.int32)
    recs = model.recommend(users, data.n_items)
    seen = data.matrix(binary=True)
    for u in users.tolist():
        listed = recs.items[u][recs.items[u] >= 0]
        assert not set(listed.tolist()) & set(seen[u].indices.tolist())
        assert len(listed) == data.n_items - len(seen[u].indices)  # full ranking
    cands = np.array([0, 3, 5], dtype=np.int32)
    some = model.recommend(users, 5, candidates=cands)
    assert set(some.items[some.items >= 0].tolist()) <= set(cands.tolist())


@pytest.mark.parametrize("name", LOCAL)
def test_batched_equals_one_by_one(name: str, data: Interactions) -> None:
    model = fitted(name, data)
    users = np.array([*range(data.n_users), -1], dtype=np.int32)
    together = model.recommend(users, 7, batch_size=7)
    for k, u in enumerate(users.tolist()):
        alone = model.recommend(np.array([u], np.int32), 7)
        np.testing.assert_array_equal(alone.items[0], together.items[k])
        np.testing.assert_array_equal(alone.scores[0], together.scores[k])


@pytest.mark.parametrize("name", LOCAL)
def test_same_seed_same_recommendations(name: str, data: Interactions) -> None:
    users = np.arange(data.n_users, dtype=np.int32)
    a = fitted(name, data, seed=7).recommend(users, 8)
    b = fitted(name, data, seed=7).recommend(users, 8)
    np.testing.assert_array_equal(a.items, b.items)
    assert a.scores.tobytes() == b.scores.tobytes()


@pytest.mark.parametrize("name", LOCAL)
def test_unknown_user_gets_the_popular_items(name: str, data: Interactions) -> None:
    model = fitted(name, data)
    recs = model.recommend(np.array([-1], np.int32), 3)
    order = np.lexsort((np.arange(data.n_items), -model.popularity))[:3]
    np.testing.assert_array_equal(recs.items[0], order)


@pytest.mark.parametrize("name", LOCAL)
def test_similar_items_stay_in_the_block(name: str, data: Interactions) -> None:
    model = fitted(name, data)
    if name == "pop":
        pytest.skip("popularity has no notion of similarity beyond co-occurrence")
    item = int(np.flatnonzero(data.item_ids == "i03")[0])
    idx, scores = model.similar_items(item, 3)
    assert item not in idx.tolist()
    assert set(block_of_item(data, idx).tolist()) == {0}, (name, data.item_ids[idx])


def test_save_load_round_trip_is_bit_exact_in_another_process(
    data: Interactions, tmp_path: Path
) -> None:
    users = np.array([*range(data.n_users), -1], dtype=np.int32)
    expected = {}
    for name in LOCAL:
        model = fitted(name, data)
        model.save(tmp_path / name)
        recs = model.recommend(users, 10)
        expected[name] = (recs.items, recs.scores)
        again = Recommender.load(tmp_path / name)
        assert type(again) is type(model)
        assert again.config == model.config
    script = (
        "import sys, numpy as np\n"
        "from pathlib import Path\n"
        "from culturebridge.recommend import Recommender\n"
        "users = np.array([*range(int(sys.argv[2])), -1], dtype=np.int32)\n"
        "out = {}\n"
        "for name in sys.argv[3].split(','):\n"
        "    r = Recommender.load(Path(sys.argv[1]) / name).recommend(users, 10)\n"
        "    out[name + '_items'] = r.items\n"
        "    out[name + '_scores'] = r.scores\n"
        "np.savez(Path(sys.argv[1]) / 'out.npz', **out)\n"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), str(data.n_users), ",".join(LOCAL)],
        check=True,
    )
    with np.load(tmp_path / "out.npz", allow_pickle=False) as got:
        for name in LOCAL:
            items, scores = expected[name]
            assert got[name + "_items"].tobytes() == items.tobytes(), name
            assert got[name + "_scores"].tobytes() == scores.tobytes(), name
    for name in LOCAL:
        assert not list((tmp_path / name).glob("*.pkl"))


def test_model_directory_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such model directory"):
        Recommender.load(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="not a model directory"):
        Recommender.load(tmp_path / "empty")


def test_bad_parameters_are_user_errors() -> None:
    with pytest.raises(UserError, match="unknown model"):
        make_model("nope")
    with pytest.raises(UserError, match="reg"):
        make_model("ease", {"reg": -1})
    with pytest.raises(UserError, match="Extra inputs"):
        make_model("ease", {"regg": 3})
