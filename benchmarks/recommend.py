"""Recommendation accuracy and fit time on real data: culturebridge's models against `implicit`
ALS and BPR called directly and a plain-numpy EASE.

    .venv/bin/python benchmarks/recommend.py                  # both datasets
    .venv/bin/python benchmarks/recommend.py --datasets steam --json out.json

Protocol (issue 4), the same for every model:
- MovieLens 100K (`u.data`): per user, the last 20% of their interactions by time go to test
  (round half up, at least one; ties in time keep file order);
- Steam 200K play rows: no times, so a seeded random 20% per user (seed 0); duplicate
  (user, game) rows are one interaction;
- users with fewer than 5 interactions stay in training only; test items absent from training
  are dropped; every interaction is a positive (binary); full ranking over all items, items the
  user saw in training excluded; NDCG@10 (binary gains, ideal over min(|test|, 10)) and
  Recall@20 (hits / min(|test|, 20)), averaged over users with a test item.

Tuning is honest: each model's main parameters (peers' too) are chosen by NDCG@10 on a
validation split carved out of the training data by the same rule (MovieLens: the last 20% by
time of each training user's interactions; Steam: a seeded random 20% (seed 0) of each
training user's interactions; in both, only users with at least 5 training interactions are
validated), then the model is refitted on the whole training set and scored once on test.
The test part is never looked at to choose anything: the peer culturebridge is compared with
("the best tuned peer") is also the one with the best validation NDCG@10. Peers are also shown
at the parameters the issue's reference figures used (EASE lambda=100, ALS 64 factors); those
rows are not candidates for the comparison. Fit time is the median of three fits with the
chosen parameters, after one warm-up fit.

Intervals: a paired bootstrap over test users (2,000 resamples, seed 0; the same resampled
users for every model): 95% percentile intervals for each model's NDCG@10 and Recall@20, and
for the ratio of each culturebridge model's NDCG@10 to the comparison peer's. The ratio to the
best peer *on each resample* (the maximum over every tuned peer, chosen afterwards and so
favouring the peers) is shown too, as the strictest reading.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from culturebridge.recommend import (
    DEFAULT_MODEL,
    Interactions,
    Split,
    from_frame,
    make_model,
    ndcg,
    random_split,
    recall,
    top_n,
    user_temporal_split,
)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
K, RECALL_K = 10, 20


# ---------------------------------------------------------------------- data


def movielens(path: Path) -> Interactions:
    df = pd.read_csv(path, sep="\t", names=["user_id", "item_id", "rating", "ts"])
    df["value"] = 1.0
    return from_frame(df[["user_id", "item_id", "ts", "value"]])


def steam(path: Path) -> Interactions:
    df = pd.read_csv(path, usecols=[0, 1])
    df.columns = ["user_id", "item_id"]
    df = df.drop_duplicates(["user_id", "item_id"])
    df["value"] = 1.0
    return from_frame(df)


def splitter(name: str, seed: int = 0) -> Callable[[Interactions], Split]:
    """The test split's rule; the validation split is the same rule applied to its training
    part. `seed` only moves Steam's random split (MovieLens's is by time)."""
    if name == "movielens":
        return lambda d: user_temporal_split(d, 0.2, min_interactions=5)
    return lambda d: random_split(d, 0.2, min_interactions=5, rng=seed)


# ---------------------------------------------------------------------- peers, called directly


class Peer:
    """A peer model outside culturebridge: fit on the binary user x item CSR, score users."""

    name = "peer"

    def __init__(self, **params: Any) -> None:
        self.params = params

    def fit(self, x: sp.csr_matrix) -> None:
        raise NotImplementedError

    def scores(self, users: npt.NDArray[np.int32]) -> npt.NDArray[np.float32]:
        raise NotImplementedError


class NumpyEASE(Peer):
    name = "numpy EASE"

    def fit(self, x: sp.csr_matrix) -> None:
        g = (x.T @ x).toarray().astype(np.float64)
        g[np.diag_indices_from(g)] += self.params["reg"]
        p = np.linalg.inv(g)
        b = p / -np.diag(p)
        b[np.diag_indices_from(b)] = 0.0
        self.b = b.astype(np.float32)
        self.x = x

    def scores(self, users: npt.NDArray[np.int32]) -> npt.NDArray[np.float32]:
        return np.asarray(self.x[users] @ self.b, dtype=np.float32)


class ImplicitALS(Peer):
    name = "implicit ALS"

    def fit(self, x: sp.csr_matrix) -> None:
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, "blas"):
            m = AlternatingLeastSquares(
                factors=self.params["factors"],
                regularization=self.params["reg"],
                alpha=self.params["alpha"],
                random_state=0,
            )
            m.fit(x, show_progress=False)
        self.u, self.v = m.user_factors, m.item_factors

    def scores(self, users: npt.NDArray[np.int32]) -> npt.NDArray[np.float32]:
        return np.asarray(self.u[users] @ self.v.T, dtype=np.float32)


class ImplicitBPR(Peer):
    name = "implicit BPR"

    def fit(self, x: sp.csr_matrix) -> None:
        from implicit.cpu.bpr import BayesianPersonalizedRanking
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, "blas"):
            m = BayesianPersonalizedRanking(
                factors=self.params["factors"],
                learning_rate=self.params["learning_rate"],
                regularization=0.01,
                random_state=0,
            )
            m.fit(x, show_progress=False)
        self.u, self.v = m.user_factors, m.item_factors

    def scores(self, users: npt.NDArray[np.int32]) -> npt.NDArray[np.float32]:
        return np.asarray(self.u[users] @ self.v.T, dtype=np.float32)


class Ours(Peer):
    """A culturebridge model through its public contract (fit on Interactions, recommend)."""

    def __init__(self, model: str, **params: Any) -> None:
        super().__init__(**params)
        self.name = model
        self.model = model

    def fit_data(self, data: Interactions) -> None:
        self.m = make_model(self.model, self.params).fit(data, rng=0)


# ---------------------------------------------------------------------- scoring


@dataclass
class Score:
    ndcg: float
    recall: float
    fit_seconds: float
    fit_range: tuple[float, float]
    per_user_ndcg: npt.NDArray[np.float64]
    per_user_recall: npt.NDArray[np.float64]


def truth_of(split: Split) -> tuple[npt.NDArray[np.int32], sp.csr_matrix]:
    test = split.test.matrix(binary=True)
    seen = split.train.matrix(binary=True)
    test = sp.csr_matrix(test - test.multiply(seen))
    test.eliminate_zeros()
    users = np.flatnonzero(np.diff(test.indptr) > 0).astype(np.int32)
    return users, test[users]


def run(model: Peer, split: Split, *, timing: int = 0) -> Score:
    """Fit on split.train, rank every item for the test users, score; with `timing`, the fit
    time is the median (and range) of that many more fits (after this one, which warms up)."""
    train = split.train
    x = train.matrix(binary=True)

    def fit() -> float:
        start = time.perf_counter()
        if isinstance(model, Ours):
            model.fit_data(train)
        else:
            model.fit(x)
        return time.perf_counter() - start

    first = fit()
    times = [fit() for _ in range(timing)] if timing else [first]
    fit_seconds = statistics.median(times)
    users, truth = truth_of(split)
    n = max(K, RECALL_K)
    recs = np.empty((len(users), n), np.int32)
    for lo in range(0, len(users), 2048):
        rows = users[lo : lo + 2048]
        if isinstance(model, Ours):
            recs[lo : lo + len(rows)] = model.m.recommend(rows, n).items
        else:
            s = model.scores(rows)
            r, c = x[rows].nonzero()
            s[r, c] = -np.inf
            recs[lo : lo + len(rows)] = top_n(s, n)[0]
    nd, rc = ndcg(recs, truth, K), recall(recs, truth, RECALL_K)
    span = (min(times), max(times))
    return Score(float(nd.mean()), float(rc.mean()), fit_seconds, span, nd, rc)


def grid(**axes: Iterable[Any]) -> list[dict[str, Any]]:
    keys = list(axes)
    return [dict(zip(keys, vals, strict=True)) for vals in itertools.product(*axes.values())]


PEERS: dict[str, tuple[type[Peer], list[dict[str, Any]], dict[str, Any]]] = {
    "numpy EASE": (NumpyEASE, grid(reg=[10, 30, 100, 300, 1000]), {"reg": 100}),
    "implicit ALS": (
        ImplicitALS,
        grid(factors=[32, 64, 128], reg=[0.01, 0.1, 1.0], alpha=[1.0, 10.0]),
        {"factors": 64, "reg": 0.01, "alpha": 1.0},
    ),
    "implicit BPR": (
        ImplicitBPR,
        grid(factors=[64, 128], learning_rate=[0.01, 0.05]),
        {"factors": 100, "learning_rate": 0.01},
    ),
}

OURS: dict[str, list[dict[str, Any]]] = {
    "pop": [{}],
    "itemknn": grid(neighbours=[50, 200], shrink=[0.0, 10.0, 100.0]),
    "rp3beta": grid(alpha=[0.5, 0.75, 1.0], beta=[0.2, 0.4, 0.6], neighbours=[200]),
    "ease": grid(reg=[10.0, 30.0, 100.0, 300.0, 1000.0]),
    "ials": grid(embedding_size=[32, 64, 128], reg=[0.01, 0.1, 1.0], alpha=[1.0, 10.0]),
    "rdlae": grid(
        reg=[100.0, 300.0],
        dropout=[0.33, 0.5, 0.67, 0.8],
        user_weight=[0.0, 0.5],
        pop_discount=[0.0, 0.1, 0.2],
        min_support=[3],
    ),
}


def tune(
    make: Callable[[dict[str, Any]], Peer], candidates: list[dict[str, Any]], val: Split
) -> tuple[dict[str, Any], float]:
    best, best_ndcg = candidates[0], -1.0
    for params in candidates:
        s = run(make(params), val)
        if s.ndcg > best_ndcg:
            best, best_ndcg = params, s.ndcg
    return best, best_ndcg


def bench(
    name: str, data: Interactions, models: set[str] | None, seed: int = 0
) -> list[dict[str, Any]]:
    split = splitter(name, seed)(data)
    val = splitter(name, seed)(split.train)
    users, _ = truth_of(split)
    print(
        f"\n{name}: {data.n_users:,} users, {data.n_items:,} items, {len(data):,} interactions;"
        f" test users {len(users):,}, dropped test rows {split.dropped_items}",
        flush=True,
    )
    rows: list[dict[str, Any]] = []
    per_user: dict[tuple[str, str, str], npt.NDArray[np.float64]] = {}

    def record(label: str, kind: str, params: dict[str, Any], s: Score, val_ndcg: float) -> None:
        per_user[label, kind, "ndcg@10"] = s.per_user_ndcg
        per_user[label, kind, "recall@20"] = s.per_user_recall
        row = {
            "dataset": name,
            "model": label,
            "kind": kind,
            "params": params,
            "ndcg@10": round(s.ndcg, 4),
            "recall@20": round(s.recall, 4),
            "fit_seconds": round(s.fit_seconds, 3),
            "fit_seconds_range": [round(t, 3) for t in s.fit_range],
            "val_ndcg@10": None if val_ndcg < 0 else round(val_ndcg, 4),
        }
        rows.append(row)
        print(
            f"  {label:<26} {kind:<9} NDCG@10 {s.ndcg:.4f}  Recall@20 {s.recall:.4f}  "
            f"fit {s.fit_seconds:6.3f}s  {json.dumps(params)}",
            flush=True,
        )

    for label, (cls, cands, reference) in PEERS.items():
        if models and label not in models:
            continue
        params, v = tune(lambda p, c=cls: c(**p), cands, val)
        record(label, "peer", params, run(cls(**params), split, timing=3), v)
        if reference not in cands or reference != params:
            record(label, "reference", reference, run(cls(**reference), split, timing=3), -1.0)
    for model, cands in OURS.items():
        if models and model not in models:
            continue
        params, v = tune(lambda p, m=model: Ours(m, **p), cands, val)
        label = model + (" (default)" if model == DEFAULT_MODEL else "")
        record(label, "culturebridge", params, run(Ours(model, **params), split, timing=3), v)
    add_intervals(rows, per_user)
    return rows


BOOTSTRAP, SEED = 2000, 0


def percentile_interval(values: npt.NDArray[np.float64]) -> list[float]:
    lo, hi = np.percentile(values, [2.5, 97.5])
    return [round(float(lo), 4), round(float(hi), 4)]


def add_intervals(
    rows: list[dict[str, Any]], per_user: dict[tuple[str, str, str], npt.NDArray[np.float64]]
) -> None:
    """Paired bootstrap over test users: every model is scored on the same resampled users, so
    a ratio's interval reflects how the two models differ on the same users, not how hard the
    resampled users happen to be."""
    if not rows:
        return
    n = len(next(iter(per_user.values())))
    idx = np.random.default_rng(SEED).integers(0, n, size=(BOOTSTRAP, n))
    means = {key: v[idx].mean(axis=1) for key, v in per_user.items()}
    for row in rows:
        for metric in ("ndcg@10", "recall@20"):
            row[f"{metric}_ci"] = percentile_interval(means[row["model"], row["kind"], metric])
    peers = [r for r in rows if r["kind"] == "peer"]
    if not peers:
        return
    chosen = max(peers, key=lambda r: r["val_ndcg@10"])
    peer_means = {r["model"]: means[r["model"], "peer", "ndcg@10"] for r in peers}
    best_each = np.max(list(peer_means.values()), axis=0)
    for row in rows:
        if row["kind"] != "culturebridge":
            continue
        mine = means[row["model"], row["kind"], "ndcg@10"]
        row["vs_peer"] = chosen["model"]
        row["ratio"] = round(row["ndcg@10"] / chosen["ndcg@10"], 4)
        row["ratio_ci"] = percentile_interval(mine / peer_means[chosen["model"]])
        row["ratio_to_max_peer_ci"] = percentile_interval(mine / best_each)
        row["ratio_by_peer"] = {
            p["model"]: {
                "ratio": round(row["ndcg@10"] / p["ndcg@10"], 4),
                "ci": percentile_interval(mine / peer_means[p["model"]]),
            }
            for p in peers
        }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--datasets", default="movielens,steam")
    ap.add_argument("--models", default="", help="Only these (comma-separated labels).")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--json", type=Path, help="Write every row here.")
    ap.add_argument(
        "--split-seed",
        type=int,
        default=0,
        help="Seed of Steam's random test and validation splits (0, the protocol's, by default).",
    )
    args = ap.parse_args(argv)
    files = {
        "movielens": (args.data / "movielens-100k" / "u.data", movielens),
        "steam": (args.data / "steam" / "steam-200k-play.csv", steam),
    }
    models = {m.strip() for m in args.models.split(",") if m.strip()} or None
    print(
        f"recommend benchmark — {date.today()} — {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}"
    )
    rows: list[dict[str, Any]] = []
    for name in [d.strip() for d in args.datasets.split(",") if d.strip()]:
        path, load = files[name]
        if not path.is_file():
            print(f"error: {path} is absent (the real data lives in ../shared/data)")
            return 2
        rows += bench(name, load(path), models, args.split_seed)
    summarise(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


def summarise(rows: list[dict[str, Any]]) -> None:
    """Per dataset: a Markdown table of every row with its intervals, then the goal's line."""
    for name in sorted({r["dataset"] for r in rows}):
        mine = [r for r in rows if r["dataset"] == name]
        print(f"\n{name}\n")
        print(
            "| model | kind | parameters | val NDCG@10 | NDCG@10 [95%] | Recall@20 [95%] "
            "| fit s [3 fits] |"
        )
        print("|---|---|---|---|---|---|---|")
        for r in mine:
            val = "–" if r["val_ndcg@10"] is None else f"{r['val_ndcg@10']:.4f}"
            nd, rc = r["ndcg@10_ci"], r["recall@20_ci"]
            print(
                f"| {r['model']} | {r['kind']} | {json.dumps(r['params'])} | {val} | "
                f"{r['ndcg@10']:.4f} [{nd[0]:.4f}, {nd[1]:.4f}] | "
                f"{r['recall@20']:.4f} [{rc[0]:.4f}, {rc[1]:.4f}] | {r['fit_seconds']:.3f} "
                f"[{r['fit_seconds_range'][0]:.3f}–{r['fit_seconds_range'][1]:.3f}] |"
            )
        peers = [r for r in mine if r["kind"] == "peer"]
        default = [r for r in mine if r["model"].endswith("(default)")]
        if not peers or not default:
            continue
        d = default[0]
        print(
            f"\n{name}: default {d['model']} NDCG@10 {d['ndcg@10']:.4f} = {d['ratio']:.3f} x "
            f"[{d['ratio_ci'][0]:.3f}, {d['ratio_ci'][1]:.3f}] the best tuned peer by validation "
            f"({d['vs_peer']}); against the best peer of each resample "
            f"[{d['ratio_to_max_peer_ci'][0]:.3f}, {d['ratio_to_max_peer_ci'][1]:.3f}]"
        )
        for peer, v in d["ratio_by_peer"].items():
            print(f"  vs {peer}: {v['ratio']:.3f} x [{v['ci'][0]:.3f}, {v['ci'][1]:.3f}]")
        als = [r for r in peers if r["model"] == "implicit ALS"]
        if als:
            print(
                f"  fit {d['fit_seconds']:.3f}s = {d['fit_seconds'] / als[0]['fit_seconds']:.2f} x "
                "implicit ALS's"
            )


if __name__ == "__main__":
    raise SystemExit(main())
