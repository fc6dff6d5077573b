"""Benchmark the uplift models on the Hillstrom e-mail experiment against scikit-uplift.

    python benchmarks/uplift.py              # ../shared/data/marketing/hillstrom.csv
    python benchmarks/uplift.py --variants   # also each culturebridge candidate on its own
    python benchmarks/uplift.py --csv path/to/hillstrom.csv --seeds 5

Womens E-Mail (treated) against No E-Mail (control; the Mens E-Mail rows are dropped), outcome
`visit`, features recency, history_segment, history, mens, womens, zip_code, newbie, channel.
Each seed splits the rows 50/50, stratified by arm and outcome; the feature encoder and every
model are fitted on the training half only (any tuning a model does happens inside `fit`, on
that half), and Qini AUC and uplift@30% are measured on the other half. Every culturebridge
model (all of `MODELS`, default configs) runs next to scikit-uplift's SoloModel, TwoModels
and ClassTransformation, each with a logistic-regression and a gradient-boosting base, on the
same encoded matrices. Prints a markdown table and writes it to benchmarks/results/uplift.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from culturebridge.campaign._features import Encoder
from culturebridge.campaign._qini import qini_auc, uplift_at_k
from culturebridge.campaign._uplift import MODELS, CultureBridge, CultureBridgeConfig

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "marketing" / "hillstrom.csv"
RESULTS = ROOT / "benchmarks" / "results" / "uplift.md"
FEATURES = ["recency", "history_segment", "history", "mens", "womens", "zip_code", "newbie",
            "channel"]  # fmt: skip
GOAL = 1.10

Fit = Callable[[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.float64], int],
               Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]]]  # fmt: skip


def ours(make: Callable[[], object]) -> Fit:
    def fit(X: np.ndarray, t: np.ndarray, y: np.ndarray, seed: int) -> Callable:
        return make().fit(X, t, y, rng=seed).predict  # type: ignore[attr-defined,no-any-return]

    return fit


def peer(kind: str, base: str) -> Fit:
    from sklift.models import ClassTransformation, SoloModel, TwoModels

    def estimator(seed: int) -> object:
        if base == "lr":
            return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        return HistGradientBoostingClassifier(random_state=seed)

    def fit(X: np.ndarray, t: np.ndarray, y: np.ndarray, seed: int) -> Callable:
        if kind == "SoloModel":
            m = SoloModel(estimator(seed))
        elif kind == "TwoModels":
            m = TwoModels(estimator(seed), estimator(seed), method="vanilla")
        else:
            m = ClassTransformation(estimator(seed))
        m.fit(X, y, t.astype(int))
        return m.predict  # type: ignore[no-any-return]

    return fit


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--variants", action="store_true", help="also each culturebridge candidate")
    ap.add_argument("--output", type=Path, default=RESULTS)
    args = ap.parse_args()
    if not args.csv.is_file():
        print(f"skipped: {args.csv} is absent (the real data is not in a fresh clone)")
        return 0
    if importlib.util.find_spec("sklift") is None:
        print("skipped: scikit-uplift is not installed (pip install -e '.[bench]')")
        return 0
    warnings.filterwarnings("ignore", category=FutureWarning)  # sklift on new scikit-learn

    df = pd.read_csv(args.csv)
    df = df[df["segment"] != "Mens E-Mail"].reset_index(drop=True)
    t = (df["segment"] == "Womens E-Mail").to_numpy()
    y = df["visit"].to_numpy(dtype=np.float64)

    contenders: dict[str, Fit] = {f"culturebridge: {n}": ours(m) for n, m in MODELS.items()}
    if args.variants:
        for kind in ("s-additive", "t-spline", "s-spline", "dr-spline", "ct-spline", "s-boosting"):
            contenders[f"culturebridge candidate: {kind}"] = ours(
                lambda kind=kind: CultureBridge(CultureBridgeConfig(candidates=(kind,)))
            )
        contenders["culturebridge: 4 candidates, CV-Qini selection"] = ours(
            lambda: CultureBridge(
                CultureBridgeConfig(
                    candidates=("s-additive", "t-spline", "s-spline", "s-boosting"), select=True
                )
            )
        )
    peers = [f"sklift {k} + {b}" for k in ("SoloModel", "TwoModels", "ClassTransformation")
             for b in ("LogisticRegression", "HistGradientBoosting")]  # fmt: skip
    for name in peers:
        kind, base = name.removeprefix("sklift ").split(" + ")
        contenders[name] = peer(kind, "lr" if base == "LogisticRegression" else "gb")

    qini: dict[str, list[float]] = {n: [] for n in contenders}
    at30: dict[str, list[float]] = {n: [] for n in contenders}
    secs: dict[str, list[float]] = {n: [] for n in contenders}
    for seed in range(args.seeds):
        strata = t.astype(int) * 2 + y.astype(int)
        train, test = train_test_split(
            np.arange(len(df)), test_size=0.5, stratify=strata, random_state=seed
        )
        enc = Encoder().fit(df.loc[train, FEATURES])
        Xtr, Xte = enc.transform(df.loc[train, FEATURES]), enc.transform(df.loc[test, FEATURES])
        for name, fit in contenders.items():
            started = time.perf_counter()
            predict = fit(Xtr, t[train], y[train], seed)
            secs[name].append(time.perf_counter() - started)
            score = np.asarray(predict(Xte), dtype=np.float64)
            qini[name].append(qini_auc(y[test], score, t[test]))
            at30[name].append(uplift_at_k(y[test], score, t[test], k=0.3))
            print(f"seed {seed} {name:48s} Qini {qini[name][-1]:.4f}", file=sys.stderr)

    def ms(v: list[float]) -> str:
        return f"{np.mean(v):.4f} ± {np.std(v, ddof=1) if len(v) > 1 else 0.0:.4f}"

    best_peer = max(peers, key=lambda n: float(np.mean(qini[n])))
    default = "culturebridge: culturebridge"
    ratio = float(np.mean(qini[default])) / float(np.mean(qini[best_peer]))
    lines = [
        "# Uplift models on Hillstrom (Womens E-Mail vs No E-Mail, outcome `visit`)",
        "",
        f"{date.today().isoformat()}, `python benchmarks/uplift.py"
        f"{' --variants' if args.variants else ''}`, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}. {len(df):,} rows; "
        f"seeds 0–{args.seeds - 1}, 50/50 train/test split stratified by arm and outcome; "
        "metrics on the test half, mean ± sd over the seeds; fit time = fit on the training "
        "half (about 21k rows), tuning included.",
        "",
        "| model | Qini AUC | uplift@30% | fit s |",
        "|---|---|---|---|",
    ]
    order = sorted(contenders, key=lambda n: -float(np.mean(qini[n])))
    for name in order:
        mark = "**" if name in (default, best_peer) else ""
        lines.append(
            f"| {mark}{name}{mark} | {ms(qini[name])} | {ms(at30[name])} | "
            f"{np.mean(secs[name]):.2f} |"
        )
    lines += [
        "",
        f"Default culturebridge model against the best peer ({best_peer}): "
        f"{ratio:.3f}× its mean Qini AUC (goal ≥ {GOAL:.2f}×: "
        f"{'met' if ratio >= GOAL else 'not met'}).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
