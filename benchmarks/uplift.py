"""Benchmark the uplift models on the Hillstrom e-mail experiment against scikit-uplift, honestly.

    python benchmarks/uplift.py                  # ../shared/data/marketing/hillstrom.csv
    python benchmarks/uplift.py --task mens      # the development task (see below)
    python benchmarks/uplift.py --variants       # also culturebridge design variants
    python benchmarks/uplift.py --policy         # also the multi-arm policy (Mens, Womens, none)
    python benchmarks/uplift.py --csv path/to/hillstrom.csv --reps 5

Protocol. Womens E-Mail (treated) against No E-Mail (control; the Mens E-Mail rows are dropped),
outcome `visit`, features recency, history_segment, history, mens, womens, zip_code, newbie,
channel. 5×2 cross-validation: 5 repetitions of a 2-fold split stratified by arm and outcome
(scikit-learn's RepeatedStratifiedKFold, random_state 0), so every row is held out once per
repetition; 10 held-out folds of about 21k rows. The feature encoder and every model are fitted
on the training fold only: any setting a model picks (culturebridge's blend, chosen by Qini on
inner folds) is picked inside `fit`, on that fold, and the held-out fold is scored once. The
culturebridge design (which candidates, the grid) was explored on the Mens E-Mail vs No E-Mail
task (`--task mens`) and frozen before the Womens task was run.

Every culturebridge model (all of `MODELS`, default configs) runs next to scikit-uplift's
SoloModel, TwoModels and ClassTransformation, each with a logistic-regression and a
gradient-boosting base at their defaults, on the same encoded matrices. The best peer is the
one with the highest mean Qini AUC over the 10 folds (picking the opponent on the test folds
can only make the comparison harder). The ratio's interval: the 10 per-fold ratios
Qini(culturebridge) / Qini(best peer), paired on the same held-out rows, their mean with a
Student t 95 % interval (9 degrees of freedom); the 10 folds are not independent (the two folds
of a repetition share their rows' complement), which this interval ignores, as the usual 5×2
summaries do.

With --policy: all three arms; per fold a multi-arm model (`MultiArmUplift`: by default the
one of shared-spline, culturebridge per arm and t-learner per arm whose policy is worth most on
2 inner folds of the training fold; each of the three alone too) is fitted on the training
fold and its policy (each person's best arm, or none when no arm's estimated gain exceeds
--cost) is valued on the held-out fold with the doubly-robust estimator (known assignment
shares, outcome models fitted on the training fold), next to the single-arm policies: everyone
Mens, everyone Womens, nobody, each arm's own model ("send arm A where its estimated gain
exceeds the cost") and the top x % of each arm's model (x in 10..90). The best single-arm
policy is the one with the highest mean value over the folds (again the hardest opponent);
the gain over it is paired on the same held-out rows, interval as above.
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
from scipy import stats
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold
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
TASKS = {"womens": "Womens E-Mail", "mens": "Mens E-Mail"}
CONTROL = "No E-Mail"

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


def t_interval(values: list[float] | npt.NDArray[np.float64]) -> tuple[float, float, float]:
    """Mean and Student t 95 % interval of per-fold values."""
    v = np.asarray(values, dtype=np.float64)
    m = float(v.mean())
    half = float(stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)))
    return m, m - half, m + half


def variants() -> dict[str, Callable[[], object]]:
    """culturebridge design variants, as explored on the Mens task (see the module docstring);
    the default is the inner-CV selection over four candidates."""

    def cb(**kw: object) -> Callable[[], object]:
        return lambda: CultureBridge(CultureBridgeConfig(**kw))  # type: ignore[arg-type]

    four = ("s-shift", "s-spline", "t-spline", "t-linear")
    out = {f"culturebridge candidate: {k}": cb(candidates=(k,)) for k in (*four, "s-additive")}
    out |= {
        "culturebridge: before this protocol (s-additive + s-spline averaged)": cb(
            candidates=("s-additive", "s-spline"), select=False
        ),
        "culturebridge: 4 candidates averaged, no selection": cb(candidates=four, select=False),
        "culturebridge: 4 candidates, inner-CV selection of one": cb(
            candidates=four, select_from="each"
        ),
        "culturebridge: 5 candidates (+ s-additive), inner-CV selection": cb(
            candidates=(*four, "s-additive")
        ),
    }
    return out


def frame(csv: Path) -> pd.DataFrame:
    return pd.read_csv(csv)


def qini_table(args: argparse.Namespace, df: pd.DataFrame) -> list[str]:
    arm = TASKS[args.task]
    df = df[df["segment"].isin([arm, CONTROL])].reset_index(drop=True)
    t = (df["segment"] == arm).to_numpy()
    y = df["visit"].to_numpy(dtype=np.float64)

    contenders: dict[str, Fit] = {f"culturebridge: {n}": ours(m) for n, m in MODELS.items()}
    if args.variants:
        contenders |= {n: ours(m) for n, m in variants().items()}
    peers = [f"sklift {k} + {b}" for k in ("SoloModel", "TwoModels", "ClassTransformation")
             for b in ("LogisticRegression", "HistGradientBoosting")]  # fmt: skip
    for name in peers:
        kind, base = name.removeprefix("sklift ").split(" + ")
        contenders[name] = peer(kind, "lr" if base == "LogisticRegression" else "gb")

    qini: dict[str, list[float]] = {n: [] for n in contenders}
    at30: dict[str, list[float]] = {n: [] for n in contenders}
    secs: dict[str, list[float]] = {n: [] for n in contenders}
    strata = t.astype(int) * 2 + y.astype(int)
    splits = RepeatedStratifiedKFold(n_splits=2, n_repeats=args.reps, random_state=0)
    for fold, (train, test) in enumerate(splits.split(np.zeros(len(df)), strata)):
        enc = Encoder().fit(df.loc[train, FEATURES])
        Xtr, Xte = enc.transform(df.loc[train, FEATURES]), enc.transform(df.loc[test, FEATURES])
        for name, fit in contenders.items():
            started = time.perf_counter()
            predict = fit(Xtr, t[train], y[train], fold)
            secs[name].append(time.perf_counter() - started)
            score = np.asarray(predict(Xte), dtype=np.float64)
            qini[name].append(qini_auc(y[test], score, t[test]))
            at30[name].append(uplift_at_k(y[test], score, t[test], k=0.3))
            print(f"fold {fold} {name:52s} Qini {qini[name][-1]:.4f}", file=sys.stderr)

    def ms(v: list[float]) -> str:
        return f"{np.mean(v):.4f} ± {np.std(v, ddof=1) if len(v) > 1 else 0.0:.4f}"

    best_peer = max(peers, key=lambda n: float(np.mean(qini[n])))
    default = "culturebridge: culturebridge"
    ratios = np.array(qini[default]) / np.array(qini[best_peer])
    mean, low, high = t_interval(ratios)
    of_means = float(np.mean(qini[default])) / float(np.mean(qini[best_peer]))
    wins = int(np.sum(ratios > 1.0))
    lines = [
        f"### Qini: {arm} vs {CONTROL}, outcome `visit`, 5×2 cross-validation",
        "",
        f"{len(df):,} rows; {args.reps}×2 folds stratified by arm and outcome (random_state 0); "
        "metrics on each held-out fold, mean ± sd over the "
        f"{2 * args.reps} folds; fit s = fit on the training fold (about {len(df) // 2:,} rows), "
        "any inner tuning included.",
        "",
        "| model | Qini AUC | uplift@30% | fit s |",
        "|---|---|---|---|",
    ]
    for name in sorted(contenders, key=lambda n: -float(np.mean(qini[n]))):
        mark = "**" if name in (default, best_peer) else ""
        lines.append(
            f"| {mark}{name}{mark} | {ms(qini[name])} | {ms(at30[name])} | "
            f"{np.mean(secs[name]):.2f} |"
        )
    lines += [
        "",
        f"Default culturebridge model against the best peer ({best_peer}): per-fold Qini ratio "
        f"{mean:.3f}×, 95 % t-interval [{low:.3f}, {high:.3f}] over the {len(ratios)} paired "
        f"folds (ahead on {wins} of {len(ratios)}; ratio of the means {of_means:.3f}×). "
        f"Goal: lower bound above 1.0 — {'met' if low > 1.0 else 'not met'}.",
        "",
    ]
    return lines


def policy_table(args: argparse.Namespace, df: pd.DataFrame) -> list[str]:
    """The multi-arm policy against single-arm policies, valued off-policy on held-out folds."""
    from culturebridge.campaign._policy import (
        NONE,
        MultiArmConfig,
        MultiArmUplift,
        OutcomeModels,
        best_arms,
        policy_scores,
    )

    arms = [CONTROL, TASKS["mens"], TASKS["womens"]]
    code = df["segment"].map({a: i for i, a in enumerate(arms)}).to_numpy(dtype=np.intp)
    y = df[args.outcome].to_numpy(dtype=np.float64)
    p = np.bincount(code, minlength=3) / len(code)  # 1/3 each by design; the file's shares
    costs = np.array([args.cost, args.cost])
    tops = (10, 20, 30, 40, 50, 60, 70, 80, 90)
    models = {
        "default: per-arm model chosen on inner folds": MultiArmConfig(),
        "shared-spline": MultiArmConfig(models=("shared-spline",)),
        "culturebridge": MultiArmConfig(models=("culturebridge",)),
        "t-learner": MultiArmConfig(models=("t-learner",)),
    }
    chosen: dict[str, list[str]] = {m: [] for m in models}
    values: dict[str, list[float]] = {}
    gains: dict[str, list[float]] = {m: [] for m in models}
    shares: dict[str, list[npt.NDArray[np.float64]]] = {m: [] for m in models}
    singles: list[str] = []
    strata = code * 2 + (y > 0).astype(int)
    splits = RepeatedStratifiedKFold(n_splits=2, n_repeats=args.reps, random_state=0)
    fold_rows: list[dict[str, npt.NDArray[np.float64]]] = []
    for fold, (train, test) in enumerate(splits.split(np.zeros(len(df)), strata)):
        enc = Encoder().fit(df.loc[train, FEATURES])
        Xtr, Xte = enc.transform(df.loc[train, FEATURES]), enc.transform(df.loc[test, FEATURES])
        mu = OutcomeModels().fit(Xtr, code[train], y[train]).predict(Xte)
        n = len(test)

        def score(
            pick: npt.NDArray[np.intp],
            yt: npt.NDArray[np.float64] = y[test],
            at: npt.NDArray[np.intp] = code[test],
            mt: npt.NDArray[np.float64] = mu,
        ) -> npt.NDArray[np.float64]:
            return policy_scores(yt, at, pick, p, mu=mt, cost=costs)

        rows: dict[str, npt.NDArray[np.float64]] = {"nobody": score(np.zeros(n, dtype=np.intp))}
        for a in (1, 2):
            rows[f"everyone {arms[a]}"] = score(np.full(n, a, dtype=np.intp))
        for mname, cfg in models.items():
            fitted = MultiArmUplift(cfg).fit(Xtr, code[train], y[train], cost=costs, rng=fold)
            chosen[mname].append(fitted.chosen)
            effects = fitted.predict(Xte)
            choice = best_arms(effects, costs)
            rows[f"multi-arm ({mname}): best arm per person"] = score(choice)
            shares[mname].append(np.bincount(choice, minlength=3) / n)
            for a in (1, 2) if mname in ("culturebridge", "t-learner") else ():
                gain = effects[:, a - 1] - costs[a - 1]
                rows[f"{arms[a]} where the {mname} model expects a gain"] = score(
                    np.where(gain > 0, a, NONE).astype(np.intp)
                )
                order = np.argsort(-gain, kind="mergesort")
                for x in tops:
                    pick = np.zeros(n, dtype=np.intp)
                    pick[order[: int(n * x / 100)]] = a
                    rows[f"{arms[a]} to the {mname} model's top {x} %"] = score(pick)
        fold_rows.append(rows)
        print(f"policy fold {fold}", file=sys.stderr)
    names = list(fold_rows[0])
    for name in names:
        values[name] = [float(r[name].mean()) for r in fold_rows]
    singles = [n for n in names if not n.startswith("multi-arm")]
    best = max(singles, key=lambda n: float(np.mean(values[n])))
    for mname in models:
        key = f"multi-arm ({mname}): best arm per person"
        gains[mname] = [float((r[key] - r[best]).mean()) for r in fold_rows]

    def ci(v: list[float]) -> str:
        m, lo, hi = t_interval(v)
        return f"{m:.4f} [{lo:.4f}, {hi:.4f}]"

    lines = [
        f"### Multi-arm policy: {TASKS['mens']} / {TASKS['womens']} / none, outcome "
        f"`{args.outcome}`, cost per e-mail {args.cost:g}",
        "",
        f"{len(df):,} rows, all three arms (1/3 each, randomised); {args.reps}×2 folds stratified "
        "by arm and outcome (random_state 0); every model, outcome model and encoder fitted on "
        "the training fold; each policy valued on the held-out fold by the doubly-robust "
        "estimator (the arms' shares as their known probabilities; outcome models: one "
        "logistic/ridge regression per arm on the training fold), net of the cost. Value = "
        f"mean `{args.outcome}` per person under the policy (net of cost), mean over the "
        f"{2 * args.reps} folds with a 95 % t-interval. Single-arm policies: everyone one arm, "
        "nobody, an arm where its own model (from the multi-arm model) expects a gain, and the "
        "top 10–90 % of an arm's model; the best of them (by mean over the folds, the hardest "
        "opponent) is the reference. The top-x rows are shown for x = 30, 50, 70 and the best x.",
        "",
        "| policy | value per person, 95 % interval | shares none / Mens / Womens |",
        "|---|---|---|",
    ]
    shown = [n for n in names if " top " not in n or any(f" top {x} %" in n for x in (30, 50, 70))]
    best_top = {}
    for mname in ("culturebridge", "t-learner"):
        for a in (1, 2):
            cands = [f"{arms[a]} to the {mname} model's top {x} %" for x in tops]
            best_top[(mname, a)] = max(cands, key=lambda n: float(np.mean(values[n])))
    shown += [n for n in best_top.values() if n not in shown]
    for name in sorted(shown, key=lambda n: -float(np.mean(values[n]))):
        mark = "**" if name == best or name.startswith("multi-arm") else ""
        share = ""
        for mname in models:
            if name == f"multi-arm ({mname}): best arm per person":
                share = " / ".join(f"{v:.2f}" for v in np.mean(shares[mname], axis=0))
        lines.append(f"| {mark}{name}{mark} | {ci(values[name])} | {share} |")
    lines.append("")
    for mname in models:
        m, lo, hi = t_interval(gains[mname])
        picks = ", ".join(f"{n} {chosen[mname].count(n)}×" for n in sorted(set(chosen[mname])))
        lines.append(
            f"Multi-arm ({mname}; per-arm model: {picks}) minus the best single-arm policy "
            f"({best}): {m:+.5f} per "
            f"person, 95 % t-interval [{lo:+.5f}, {hi:+.5f}] over the {len(gains[mname])} "
            f"paired folds (ahead on {sum(g > 0 for g in gains[mname])}). Goal: above it — "
            f"{'met' if lo > 0 else 'not met (interval includes 0)' if m > 0 else 'not met'}."
        )
        lines.append("")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    ap.add_argument("--task", choices=sorted(TASKS), default="womens")
    ap.add_argument("--reps", type=int, default=5, help="repetitions of the 2-fold split")
    ap.add_argument("--variants", action="store_true", help="also culturebridge design variants")
    ap.add_argument("--policy", action="store_true", help="also the multi-arm policy")
    ap.add_argument("--no-qini", action="store_true", help="skip the Qini comparison")
    ap.add_argument("--cost", type=float, default=0.0, help="cost of an e-mail, outcome units")
    ap.add_argument("--outcome", default="visit", help="policy outcome: visit, conversion, spend")
    ap.add_argument("--output", type=Path, default=RESULTS)
    args = ap.parse_args()
    if not args.csv.is_file():
        print(f"skipped: {args.csv} is absent (the real data is not in a fresh clone)")
        return 0
    if importlib.util.find_spec("sklift") is None:
        print("skipped: scikit-uplift is not installed (pip install -e '.[bench]')")
        return 0
    warnings.filterwarnings("ignore", category=FutureWarning)  # sklift on new scikit-learn

    df = frame(args.csv)
    flags = " ".join(a for a in sys.argv[1:])
    lines = [
        "# Uplift models on Hillstrom, 5×2 cross-validation",
        "",
        f"{date.today().isoformat()}, `python benchmarks/uplift.py{' ' + flags if flags else ''}`"
        f", {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"scikit-uplift {_version('scikit-uplift')}, scikit-learn {_version('scikit-learn')}.",
        "",
    ]
    if not args.no_qini:
        lines += qini_table(args, df)
    if args.policy:
        lines += policy_table(args, df)
    text = "\n".join(lines) + "\n"
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    return 0


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "absent"


if __name__ == "__main__":
    raise SystemExit(main())
