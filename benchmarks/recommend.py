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
validation split carved out of the training data by the same rule, then the model is refitted
on the whole training set and scored once on test. Peers are also shown at the parameters the
issue's reference figures used (EASE lambda=100, ALS 64 factors). Fit time is the median of
three fits with the chosen parameters, after one warm-up fit.
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


def splitter(name: str) -> Callable[[Interactions], Split]:
    if name == "movielens":
        return lambda d: user_temporal_split(d, 0.2, min_interactions=5)
    return lambda d: random_split(d, 0.2, min_interactions=5, rng=0)


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


def truth_of(split: Split) -> tuple[npt.NDArray[np.int32], sp.csr_matrix]:
    test = split.test.matrix(binary=True)
    seen = split.train.matrix(binary=True)
    test = sp.csr_matrix(test - test.multiply(seen))
    test.eliminate_zeros()
    users = np.flatnonzero(np.diff(test.indptr) > 0).astype(np.int32)
    return users, test[users]


def run(model: Peer, split: Split, *, timing: int = 0) -> Score:
    """Fit on split.train, rank every item for the test users, score; with `timing`, the fit
    time is the median of that many more fits (after this one, which warms up)."""
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
    fit_seconds = statistics.median(fit() for _ in range(timing)) if timing else first
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
    return Score(
        float(ndcg(recs, truth, K).mean()), float(recall(recs, truth, RECALL_K).mean()), fit_seconds
    )


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
        dropout=[0.33, 0.5, 0.67],
        user_weight=[0.0, 0.5],
        pop_discount=[0.0, 0.1],
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


def bench(name: str, data: Interactions, models: set[str] | None) -> list[dict[str, Any]]:
    split = splitter(name)(data)
    val = splitter(name)(split.train)
    users, _ = truth_of(split)
    print(
        f"\n{name}: {data.n_users:,} users, {data.n_items:,} items, {len(data):,} interactions;"
        f" test users {len(users):,}, dropped test rows {split.dropped_items}",
        flush=True,
    )
    rows: list[dict[str, Any]] = []

    def record(label: str, kind: str, params: dict[str, Any], s: Score, val_ndcg: float) -> None:
        row = {
            "dataset": name,
            "model": label,
            "kind": kind,
            "params": params,
            "ndcg@10": round(s.ndcg, 4),
            "recall@20": round(s.recall, 4),
            "fit_seconds": round(s.fit_seconds, 3),
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
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--datasets", default="movielens,steam")
    ap.add_argument("--models", default="", help="Only these (comma-separated labels).")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--json", type=Path, help="Write every row here.")
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
        rows += bench(name, load(path), models)
    summarise(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


def summarise(rows: list[dict[str, Any]]) -> None:
    for name in sorted({r["dataset"] for r in rows}):
        mine = [r for r in rows if r["dataset"] == name]
        peers = [r for r in mine if r["kind"] == "peer"]
        default = [r for r in mine if r["model"].endswith("(default)")]
        als = [r for r in peers if r["model"] == "implicit ALS"]
        if not peers or not default:
            continue
        best = max(peers, key=lambda r: r["ndcg@10"])
        d = default[0]
        line = (
            f"{name}: default {d['model']} NDCG@10 {d['ndcg@10']:.4f} = "
            f"{d['ndcg@10'] / best['ndcg@10']:.3f} x best peer ({best['model']} "
            f"{best['ndcg@10']:.4f})"
        )
        if als:
            line += (
                f"; fit {d['fit_seconds']:.3f}s = {d['fit_seconds'] / als[0]['fit_seconds']:.2f}"
            )
            line += " x implicit ALS's"
        print(line)


if __name__ == "__main__":
    raise SystemExit(main())
