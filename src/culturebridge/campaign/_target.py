"""Whom to reach next: uplift targeting and lookalike audiences, exported under the privacy guard.

Targeting learns from a finished campaign who responded to it (an uplift model on the assigned
users: treatment versus control, features measured before the campaign started) and ranks the
candidates by predicted uplift; a budget of N picks the N best with a positive predicted uplift.
Lookalikes rank users by similarity to a seed list (mean cosine similarity to their nearest seed
members on standardised demographics and behaviour).

Exports hold pseudonymous ids and a score only. A list of fewer than `k` users (the workspace's
privacy threshold) is refused: a handful of ids picked by a model can single people out. Every
export, and every refusal, is appended to the workspace's audit log (`culturebridge.privacy`)
with who asked for what, how many rows, and the file's SHA-256.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from culturebridge.campaign._features import Encoder
from culturebridge.campaign._qini import qini_auc, uplift_at_k
from culturebridge.campaign._uplift import MODELS
from culturebridge.campaign._workspace import (
    CONTROL_NAMES,
    campaign_frame,
    user_features,
)
from culturebridge.errors import UserError
from culturebridge.privacy import ExportRecord, Pseudonymiser, export_rows
from culturebridge.query import Analysis

Candidates = Literal["untreated", "unassigned", "all"]


@dataclass(frozen=True)
class TargetList:
    """A ranked list of pseudonymous user ids with their scores, and how it was made."""

    kind: str
    user_id: list[str]
    score: npt.NDArray[np.float64]
    candidates: int
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.user_id)


def pick_arms(arms: Sequence[str], control: str | None, treatment: str | None) -> tuple[str, str]:
    """(treatment, control) among a campaign's arms: the arm called control (or hold-out) and
    the one other arm unless named; a UserError that lists the arms otherwise."""
    listed = ", ".join(arms)
    if control is None:
        named = [a for a in arms if a.lower() in CONTROL_NAMES]
        if len(named) != 1:
            raise UserError(f"say which arm is the control with --control (arms: {listed})")
        control = named[0]
    if control not in arms:
        raise UserError(f"no arm {control!r} (arms: {listed})")
    others = [a for a in arms if a != control]
    if treatment is None:
        if len(others) != 1:
            raise UserError(f"say which arm to learn from with --treatment (arms: {listed})")
        treatment = others[0]
    if treatment not in others:
        raise UserError(f"no treatment arm {treatment!r} (arms: {listed})")
    return treatment, control


def _feature_frame(table: Any) -> pd.DataFrame:
    df: pd.DataFrame = table.to_pandas()
    return df.set_index("user_id")


def uplift_targets(
    a: Analysis,
    campaign_id: str,
    *,
    budget: int,
    model: str = "culturebridge",
    control: str | None = None,
    treatment: str | None = None,
    candidates: Candidates = "untreated",
    min_uplift: float = 0.0,
    outcome: str = "conversion",
    seed: int = 0,
) -> TargetList:
    """The `budget` candidates with the highest predicted uplift above `min_uplift`.

    The model learns from the campaign's `treatment` and `control` users (outcome: conversion
    by default), on features measured before the campaign started; its ranking quality is
    checked by two-fold cross-fitting on those users (Qini AUC and uplift at 30%, each half
    scored by a model that never saw it). Candidates: users not treated by the campaign
    (default), users never assigned to it, or everyone."""
    if budget < 1:
        raise UserError(f"--budget must be at least 1, not {budget}")
    if model not in MODELS:
        raise UserError(f"unknown model {model!r}; choose one of {', '.join(sorted(MODELS))}")
    frame = campaign_frame(a, campaign_id)
    if outcome not in frame.metrics:
        raise UserError(f"unknown outcome {outcome!r}; choose one of {', '.join(frame.metrics)}")
    treat_arm, control_arm = pick_arms(frame.info.arms, control, treatment)
    as_of = frame.info.start or datetime.combine(a.ref, datetime.min.time())
    feats = _feature_frame(user_features(a, as_of=as_of, partner_id=frame.info.partner_id))
    in_study = np.isin(frame.arm, [treat_arm, control_arm])
    users = [u for u, keep in zip(frame.user_id, in_study, strict=True) if keep]
    t = frame.arm[in_study] == treat_arm
    y = frame.metrics[outcome][in_study]
    if t.all() or not t.any():
        raise UserError(
            f"campaign {campaign_id!r} needs users in both {treat_arm!r} and {control_arm!r}"
        )
    known = feats.index.intersection(users)
    if len(known) < len(users):
        keep = np.isin(users, known)
        users = [u for u, k in zip(users, keep, strict=True) if k]
        t, y = t[keep], y[keep]
    train = feats.loc[users]
    encoder = Encoder().fit(train)
    x_train = encoder.transform(train)
    rng = np.random.default_rng(seed)
    validation = _cross_fitted(model, x_train, t, y, seed)
    fitted = MODELS[model]().fit(x_train, t, y, rng=rng)

    assigned = set(frame.user_id)
    treated = {u for u, arm in zip(frame.user_id, frame.arm, strict=True) if arm == treat_arm}
    if candidates == "untreated":
        pool = [u for u in feats.index if u not in treated]
    elif candidates == "unassigned":
        pool = [u for u in feats.index if u not in assigned]
    else:
        pool = list(feats.index)
    if not pool:
        raise UserError("no candidates left to score")
    scores = np.asarray(fitted.predict(encoder.transform(feats.loc[pool])), dtype=np.float64)
    order = np.lexsort((np.asarray(pool), -scores))  # best first, ties by id
    chosen = [int(i) for i in order if scores[i] > min_uplift][:budget]
    picked = [pool[i] for i in chosen]
    return TargetList(
        kind="uplift",
        user_id=picked,
        score=scores[chosen],
        candidates=len(pool),
        details={
            "campaign_id": campaign_id,
            "model": model,
            "treatment": treat_arm,
            "control": control_arm,
            "outcome": outcome,
            "trained_on": len(users),
            "candidates": candidates,
            "min_uplift": min_uplift,
            "positive_candidates": int((scores > min_uplift).sum()),
            "expected_incremental": float(scores[chosen].sum()),
            "mean_uplift_chosen": float(scores[chosen].mean()) if chosen else None,
            "mean_uplift_candidates": float(scores.mean()),
            "validation": validation,
        },
    )


def _cross_fitted(
    model: str,
    x: npt.NDArray[np.float64],
    t: npt.NDArray[np.bool_],
    y: npt.NDArray[np.float64],
    seed: int,
) -> dict[str, float | None]:
    """Qini AUC and uplift@30% of out-of-fold scores (two folds, stratified by arm)."""
    rng = np.random.default_rng(seed + 1)
    fold = np.empty(len(t), dtype=np.int64)
    for arm in (True, False):
        idx = np.flatnonzero(t == arm)
        fold[idx] = rng.permutation(len(idx)) % 2
    out = np.empty(len(t))
    for k in (0, 1):
        fit_on, score_on = fold != k, fold == k
        if t[fit_on].all() or not t[fit_on].any():
            return {"qini_auc": None, "uplift_at_30": None}
        m = MODELS[model]().fit(x[fit_on], t[fit_on], y[fit_on], rng=np.random.default_rng(seed))
        out[score_on] = m.predict(x[score_on])
    return {
        "qini_auc": float(qini_auc(y, out, t)),
        "uplift_at_30": float(uplift_at_k(y, out, t, k=0.3)),
    }


# ----------------------------------------------------------------------------------- lookalike

LOOKALIKE_NEIGHBOURS = 10


def resolve_ids(ws_secret: str, known: pd.Index, ids: Sequence[str]) -> tuple[list[str], int]:
    """Seed ids as workspace pseudonyms: ids already pseudonymous are kept, raw ids are
    pseudonymised with the workspace secret as on ingest; (found, not found)."""
    pseudo = Pseudonymiser(ws_secret)
    found: list[str] = []
    missing = 0
    seen: set[str] = set()
    for raw in ids:
        uid = raw if raw in known else pseudo.one(raw)
        if uid in known and uid not in seen:
            found.append(uid)
            seen.add(uid)
        elif uid not in known:
            missing += 1
    return found, missing


def lookalike(a: Analysis, seed_ids: Sequence[str], *, size: int) -> TargetList:
    """The `size` users most like the seed list, seeds excluded.

    Features: demographics and the last 90 days of behaviour, encoded, log-scaled counts, each
    column standardised; similarity: the mean cosine similarity to a user's 10 nearest seed
    members (robust to a seed list that mixes several kinds of people)."""
    if size < 1:
        raise UserError(f"--size must be at least 1, not {size}")
    as_of = datetime.combine(a.ref, datetime.min.time())
    feats = _feature_frame(user_features(a, as_of=as_of))
    seeds, missing = resolve_ids(a.ws.config.secret, feats.index, seed_ids)
    if not seeds:
        raise UserError("none of the seed ids is a user of this workspace")
    x = Encoder().fit_transform(feats)
    x = np.sign(x) * np.log1p(np.abs(x))
    sd = x.std(axis=0)
    x = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    x = x / np.where(norm > 0, norm, 1.0)
    index = {u: i for i, u in enumerate(feats.index)}
    seed_rows = np.array([index[u] for u in seeds])
    is_seed = np.zeros(len(feats), dtype=bool)
    is_seed[seed_rows] = True
    k = min(LOOKALIKE_NEIGHBOURS, len(seed_rows))
    scores = np.empty(len(feats))
    for lo in range(0, len(feats), 4096):
        sims = x[lo : lo + 4096] @ x[seed_rows].T
        top = np.partition(sims, sims.shape[1] - k, axis=1)[:, -k:]
        scores[lo : lo + 4096] = top.mean(axis=1)
    pool = np.flatnonzero(~is_seed)
    ids = np.asarray(feats.index)
    order = pool[np.lexsort((ids[pool], -scores[pool]))][:size]
    return TargetList(
        kind="lookalike",
        user_id=[str(ids[i]) for i in order],
        score=scores[order],
        candidates=len(pool),
        details={"seeds": len(seeds), "seeds_not_found": missing, "neighbours": k},
    )


# ------------------------------------------------------------------------------ export + audit


def export_list(
    a: Analysis,
    target: TargetList,
    output: Path,
    *,
    command: str,
    params: Mapping[str, Any],
) -> ExportRecord:
    """Write `target` to `output` (user_id, score, rank) if it holds at least k users, and log
    the export, or the refusal, to the audit log (see `culturebridge.privacy.export_rows`)."""
    rows = (
        (uid, f"{float(s):.6f}", rank)
        for rank, (uid, s) in enumerate(zip(target.user_id, target.score, strict=True), 1)
    )
    return export_rows(
        a.ws.root,
        output,
        ["user_id", "score", "rank"],
        rows,
        users=target.n,
        command=command,
        kind=target.kind,
        params=params,
        policy=a.policy,
        extra={"candidates": target.candidates},
    )
