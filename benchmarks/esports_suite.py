"""Benchmark suite: rating models on every real history in ../shared/data, each tuned the same way.

    python benchmarks/esports_suite.py                      # every history
    python benchmarks/esports_suite.py --only football atp  # some of them

Histories: international football results (team level, draws, a `neutral` flag; home side
first), ATP tour singles 2010-2024 (player level; rows come by event, so they are sorted by the
event's start date, then round, then match number; the winner is listed first or second by a
hash of the match, never by the result), the LoL pro file in the match-JSONL contract (five
players a side, blue first, nothing else: no team tags, side, champions or game length) and the
same file at team level (one team tag a side, nothing else).

Protocol, the same for every model: matches in time order, each predicted before it updates any
rating; settings chosen by coordinate search on the earliest 30% only (online log-loss, each
model over its own small grid: culturebridge as `learn_settings` does it for any user, family
included; the first half of that part only warms the ratings up, for every model alike); scored
once on the last 70% with the package's metric code (accuracy, log-loss over
decisive matches, first team's win chance). Interval: paired bootstrap (2,000 resamples of the
scored matches) of the log-loss difference culturebridge - best peer, the best peer being the
one with the lowest log-loss on the earliest 30% (chosen without the test part). Peers: Elo
(K; home advantage where the history has a home side), Glicko-2, TrueSkill (two-team updates
written here, see `TrueSkill`), openskill's PlackettLuce, BradleyTerryFull and
ThurstoneMostellerFull (sigma, beta, tau). Prints a markdown table and writes it to
benchmarks/results/esports_suite.md.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import math
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import log_ndtr, ndtr

from culturebridge.esports import (
    Match,
    OpenSkill,
    OpenSkillConfig,
    RatingModel,
    read_lol_csv,
    run_online,
    score,
    tune,
)
from culturebridge.esports._auto import _BUILD, WARM_UP, learn_settings, tune_family
from culturebridge.esports._evaluate import first_team_outcomes
from culturebridge.esports._models import _Base, _first_place

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "benchmarks" / "results" / "esports_suite.md"
FRACTION = 0.3


# ------------------------------------------------------------------------------------- histories


def football(path: Path = DATA / "matches" / "football_international_results.csv") -> list[Match]:
    """Home team first; goals as scores; meta {"neutral": bool}; the file is sorted by date."""
    out = []
    with path.open(encoding="utf-8", newline="") as f:
        for i, row in enumerate(csv.DictReader(f)):
            try:
                hs, as_ = int(row["home_score"]), int(row["away_score"])
            except ValueError:
                continue  # a fixture not yet played
            ts = datetime.fromisoformat(row["date"]).replace(tzinfo=UTC)
            ranks = (1, 2) if hs > as_ else (2, 1) if hs < as_ else (1, 1)
            out.append(
                Match(
                    f"f{i}",
                    ts,
                    ((row["home_team"],), (row["away_team"],)),
                    ranks,
                    scores=(float(hs), float(as_)),
                    meta={"neutral": row["neutral"].strip().upper() == "TRUE"},
                )
            )
    return [m for _, m in sorted(enumerate(out), key=lambda im: (im[1].ts, im[0]))]


ROUNDS = {"R128": 0, "R64": 1, "R32": 2, "RR": 2, "R16": 3, "QF": 4, "SF": 5, "BR": 6, "F": 6}


def atp(path: Path = DATA / "matches" / "atp_matches_2010_2024.csv") -> list[Match]:
    """Sorted by (event start, round, event, match number); a round is a day later than the
    one before it; who is listed first is a hash of the match, not the result."""
    keyed = []
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            start = datetime.strptime(row["tourney_date"], "%Y%m%d").replace(tzinfo=UTC)
            rnd = ROUNDS.get(row["round"], 3)
            num = int(row["match_num"] or 0)
            mid = f"{row['tourney_id']}-{num}"
            w, lo = row["winner_id"], row["loser_id"]
            first = hashlib.sha1(mid.encode()).digest()[0] % 2 == 0
            teams = ((w,), (lo,)) if first else ((lo,), (w,))
            ranks = (1, 2) if first else (2, 1)
            m = Match(mid, start + timedelta(days=rnd), teams, ranks)
            keyed.append(((start, rnd, row["tourney_id"], num), m))
    keyed.sort(key=lambda k: k[0])
    return [m for _, m in keyed]


def lol_contract(path: Path = DATA / "esports" / "lol_pro_matchinfo.csv") -> list[Match]:
    """The LoL file as `esports convert` writes it, less every meta field: five players a side."""
    return [Match(m.match_id, m.ts, m.teams, m.ranks) for m in read_lol_csv(path).matches]


def lol_teams(path: Path = DATA / "esports" / "lol_pro_matchinfo.csv") -> list[Match]:
    """The LoL file at team level: one team tag a side, nothing else."""
    out = []
    for m in read_lol_csv(path).matches:
        tags = m.meta.get("team_tags") or []
        if len(tags) == 2 and all(tags) and tags[0] != tags[1]:
            out.append(Match(m.match_id, m.ts, ((tags[0],), (tags[1],)), m.ranks))
    return out


HISTORIES: dict[str, tuple[str, Callable[[], list[Match]]]] = {
    "football": ("international football 1872-2026 (team level, draws, neutral flag)", football),
    "atp": ("ATP singles 2010-2024 (player level)", atp),
    "lol": ("LoL pro, match-JSONL contract (5 players a side, nothing else)", lol_contract),
    "lol-teams": ("LoL pro, team level (one tag a side, nothing else)", lol_teams),
}


# ------------------------------------------------------------------------------------- TrueSkill


class TrueSkill(_Base):
    """TrueSkill for two teams (Herbrich, Minka and Graepel 2006), written out: a team's
    performance is the sum of its players' (each N(mu, sigma^2 + beta^2)); the update is the
    exact two-team message (v, w of the truncated Gaussian, with the draw margin eps); tau^2 is
    added to every player's variance before each match. More than two teams are left unrated
    (none of the histories has them). Win chance Phi(delta / c) with the draw margin set aside."""

    def __init__(
        self,
        mu: float = 25.0,
        sigma: float = 25.0 / 3.0,
        beta: float = 25.0 / 6.0,
        tau: float = 25.0 / 300.0,
        draw: float = 0.0,
    ) -> None:
        self.name = "TrueSkill"
        self.mu0, self.sigma0, self.beta, self.tau, self.draw = mu, sigma, beta, tau, draw
        self.ratings: dict[str, tuple[float, float]] = {}

    def _sum(self, team: Sequence[str]) -> tuple[float, float]:
        get, init = self.ratings.get, (self.mu0, self.sigma0 * self.sigma0)
        mu = var = 0.0
        for p in team:
            m, v = get(p, init)
            mu, var = mu + m, var + v + self.tau * self.tau
        return mu, var

    def predict(self, teams: Sequence[Sequence[str]], meta: Mapping[str, Any] | None = None) -> Any:
        s = [self._sum(t) for t in teams]
        n = [len(t) for t in teams]

        def beats(i: int, j: int) -> float:
            c = math.sqrt(s[i][1] + s[j][1] + (n[i] + n[j]) * self.beta**2)
            return float(ndtr((s[i][0] - s[j][0]) / c))

        return _first_place(len(s), beats)

    def _apply(self, match: Match) -> None:
        self._count(match)
        if len(match.teams) != 2:
            return
        a, b = match.teams
        if match.ranks[1] < match.ranks[0]:
            a, b = b, a  # a is the winner (or the first of a draw)
        drawn = match.ranks[0] == match.ranks[1]
        (ma, va), (mb, vb) = self._sum(a), self._sum(b)
        n = len(a) + len(b)
        c2 = va + vb + n * self.beta**2
        c = math.sqrt(c2)
        t = (ma - mb) / c
        eps = _draw_margin(self.draw, n, self.beta) / c
        if drawn:
            v, w = _v_draw(t, eps), _w_draw(t, eps)
        else:
            v, w = _v_win(t - eps), _w_win(t - eps)
        for team, sign in ((a, 1.0), (b, -1.0)):
            for p in team:
                m, var = self.ratings.get(p, (self.mu0, self.sigma0 * self.sigma0))
                var += self.tau * self.tau
                self.ratings[p] = (
                    m + sign * var / c * v,
                    max(var * (1.0 - var / c2 * w), 1e-6),
                )

    def rating(self, name: str, kind: str = "player") -> Any:
        m, v = self.ratings.get(name, (self.mu0, self.sigma0**2))
        return (m, math.sqrt(v))


def _draw_margin(p: float, n: int, beta: float) -> float:
    if p <= 0:
        return 0.0
    from scipy.special import ndtri

    return float(ndtri((p + 1.0) / 2.0) * math.sqrt(n) * beta)


def _pdf(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _v_win(x: float) -> float:
    # N(x) / Phi(x), computed in logs so that a big upset stays finite
    return math.exp(-0.5 * x * x - 0.5 * math.log(2.0 * math.pi) - float(log_ndtr(x)))


def _w_win(x: float) -> float:
    v = _v_win(x)
    return min(max(v * (v + x), 1e-9), 1.0 - 1e-9)


def _v_draw(t: float, eps: float) -> float:
    a = abs(t)
    den = float(ndtr(eps - a) - ndtr(-eps - a))
    if den < 1e-12:
        return -a + eps if t >= 0 else a - eps
    v = (_pdf(-eps - a) - _pdf(eps - a)) / den
    return v if t >= 0 else -v


def _w_draw(t: float, eps: float) -> float:
    a = abs(t)
    den = float(ndtr(eps - a) - ndtr(-eps - a))
    if den < 1e-12:
        return 1.0
    v = (_pdf(-eps - a) - _pdf(eps - a)) / den
    return min(
        max(v * v + ((eps - a) * _pdf(eps - a) + (eps + a) * _pdf(-eps - a)) / den, 1e-9),
        1.0 - 1e-9,
    )


# ------------------------------------------------------------------------------------------ peers

TRUESKILL_GRID: dict[str, list[Any]] = {
    "sigma": [1.0, 2.0, 4.0, 25.0 / 3.0],
    "beta": [25.0 / 12.0, 25.0 / 6.0, 25.0 / 3.0, 50.0 / 3.0],
    "tau": [0.0, 25.0 / 300.0, 0.25, 0.5, 1.0],
}
OPENSKILL_GRID: dict[str, list[Any]] = dict(TRUESKILL_GRID)


@dataclass
class Row:
    name: str
    early_log_loss: float
    params: dict[str, Any]
    p: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    accuracy: float
    log_loss: float
    tune_s: float


def _test_scores(model: RatingModel, matches: list[Match], split: int) -> tuple[Any, Any, Any]:
    run = run_online(model, matches)
    s = score(matches[split:], run.predictions[split:])
    p, y = first_team_outcomes(matches[split:], run.predictions[split:])
    return s, p, y


def _peer(
    name: str,
    make: Callable[..., RatingModel],
    grid: Mapping[str, Sequence[Any]],
    base: Mapping[str, Any] | None,
    matches: list[Match],
    split: int,
) -> Row:
    t0 = time.perf_counter()
    got = tune(
        make, grid, matches, fraction=FRACTION, base=base, rounds=2, warm_up=WARM_UP,
        later="neighbours",
    )  # fmt: skip
    tune_s = time.perf_counter() - t0
    s, p, y = _test_scores(make(**got.params), matches, split)
    return Row(name, got.log_loss, got.params, p, y, s.accuracy, s.log_loss, tune_s)


def run_history(key: str, matches: list[Match], *, seed: int = 0) -> tuple[list[Row], str]:
    split = max(1, int(len(matches) * FRACTION))
    rows: list[Row] = []
    t0 = time.perf_counter()
    settings = learn_settings(matches, fraction=FRACTION)
    s, p, y = _test_scores(settings.build(), matches, split)
    rows.append(
        Row(
            f"**culturebridge** (auto: {settings.family})",
            settings.log_loss,
            settings.params,
            p,
            y,
            s.accuracy,
            s.log_loss,
            time.perf_counter() - t0,
        )
    )
    for family, label in (("elo", "Elo"), ("glicko2", "Glicko-2")):
        t1 = time.perf_counter()
        got = tune_family(family, matches, FRACTION)
        s, p, y = _test_scores(_BUILD[family](**got.params), matches, split)
        rows.append(
            Row(label, got.log_loss, got.params, p, y, s.accuracy, s.log_loss,
                time.perf_counter() - t1)
        )  # fmt: skip
    draw = any(m.ranks[0] == m.ranks[1] for m in matches[:split])
    ts_grid = dict(TRUESKILL_GRID)
    ts_base: dict[str, Any] = {"sigma": 25.0 / 3.0, "beta": 25.0 / 6.0, "tau": 25.0 / 300.0}
    if draw:
        ts_grid["draw"] = [0.1, 0.2, 0.3]
        ts_base["draw"] = 0.2
    rows.append(_peer("TrueSkill", lambda **kw: TrueSkill(**kw), ts_grid, ts_base, matches, split))
    for kind in ("PlackettLuce", "BradleyTerryFull", "ThurstoneMostellerFull"):
        rows.append(
            _peer(
                f"openskill {kind}",
                lambda kind=kind, **kw: OpenSkill(OpenSkillConfig(kind=kind, **kw)),
                OPENSKILL_GRID,
                {"sigma": 25.0 / 3.0, "beta": 25.0 / 6.0, "tau": 25.0 / 300.0},
                matches,
                split,
            )
        )
    return rows, settings.describe()


def paired_bootstrap(
    ours: Row, peer: Row, n: int = 2000, seed: int = 0, eps: float = 1e-12
) -> tuple[float, float, float]:
    """Log-loss difference ours - peer on the same matches, and its 95% percentile interval."""
    assert np.array_equal(ours.y, peer.y)

    def losses(r: Row) -> npt.NDArray[np.float64]:
        pc = np.clip(r.p, eps, 1 - eps)
        return -(r.y * np.log(pc) + (1 - r.y) * np.log(1 - pc))

    d = losses(ours) - losses(peer)
    rng = np.random.default_rng(seed)
    means = np.empty(n)
    for i in range(n):
        means[i] = d[rng.integers(0, len(d), len(d))].mean()
    lo, hi = np.percentile(means, [2.5, 97.5])
    return float(d.mean()), float(lo), float(hi)


def _fmt(params: Mapping[str, Any], keep: int = 8) -> str:
    items = [f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items()]
    return ", ".join(items[:keep]) + (", ..." if len(items) > keep else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(HISTORIES), default=None)
    args = parser.parse_args(argv)
    keys = args.only or list(HISTORIES)
    lines = [
        "# E-sports ratings on every history, each model tuned the same way",
        "",
        f"{date.today()} on {platform.machine()} {platform.system()}, Python "
        f"{platform.python_version()}; `python benchmarks/esports_suite.py`. Settings of every "
        f"model chosen on the earliest {FRACTION:.0%} of each history (online log-loss, "
        f"coordinate search); scored on the last {1 - FRACTION:.0%}. Δ: culturebridge - best "
        "peer (lowest early log-loss), log-loss, paired bootstrap 95% interval.",
        "",
    ]
    for key in keys:
        title, load = HISTORIES[key]
        try:
            matches = load()
        except FileNotFoundError as exc:
            print(f"skipped {key}: {exc}")
            continue
        t0 = time.perf_counter()
        rows, how = run_history(key, matches)
        ours, peers = rows[0], rows[1:]
        best = min(peers, key=lambda r: r.early_log_loss)
        best_test = min(peers, key=lambda r: r.log_loss)
        d, lo, hi = paired_bootstrap(ours, best)
        d2, lo2, hi2 = paired_bootstrap(ours, best_test)
        split = int(len(matches) * FRACTION)
        draws = sum(m.ranks[0] == m.ranks[1] for m in matches)
        lines += [
            f"## {key}: {title}",
            "",
            f"{len(matches):,} matches ({draws:,} draws), earliest {split:,} for tuning, "
            f"{len(ours.p):,} decisive matches scored after them; culturebridge: {how}; "
            f"{time.perf_counter() - t0:.0f} s in all.",
            "",
            "| model | accuracy | log-loss | early log-loss | tuning s | settings |",
            "|---|---|---|---|---|---|",
            *(
                f"| {r.name} | {r.accuracy:.4f} | {r.log_loss:.4f} | {r.early_log_loss:.4f} | "
                f"{r.tune_s:.1f} | {_fmt(r.params)} |"
                for r in rows
            ),
            "",
            f"Δ log-loss vs {best.name} (best peer on the early part): **{d:+.4f}** "
            f"[{lo:+.4f}, {hi:+.4f}]; vs {best_test.name} (best peer on the test part, "
            f"for reference): {d2:+.4f} [{lo2:+.4f}, {hi2:+.4f}].",
            "",
        ]
        print("\n".join(lines[-(len(rows) + 7) :]), flush=True)
    text = "\n".join(lines)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
