"""Benchmark the e-sports uses on the demo workspace: planted skills recovered, lobbies balanced.

    python benchmarks/esports_demo.py                  # 20,000 users: 20,000 matches
    python benchmarks/esports_demo.py --users 100000

Generates a demo universe into a temporary folder and ingests it. Per game, each model rates the
`matches` table online; the Spearman correlation of final ratings with the planted final skills
(truth.json "player_skills") is reported with the online accuracy. The culturebridge model runs
twice: with its defaults (tuned on professional LoL matches) and tuned to the ladder on its own
earliest 30% (`esports` commands do this by default). Matchmaking: 200 random lobbies of 10 from
the 5v5 pool, balanced into two teams by each model; the share whose predicted win probability
is within 0.50 ± 0.05, and the time per lobby. Writes benchmarks/results/esports_demo.md.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from culturebridge.demo import DemoConfig, generate
from culturebridge.esports import MODELS, Bridge, BridgeConfig, RatingModel
from culturebridge.esports._uses import lobby_trial, rate, tune_bridge
from culturebridge.esports._workspace import read_matches
from culturebridge.ingest import ingest
from culturebridge.workspace import Workspace

RESULTS = Path(__file__).resolve().parent / "results" / "esports_demo.md"


def _random_splits(model: RatingModel, pool: list[str], lobbies: int) -> float:
    """The same measure for lobbies split at random (no matchmaking), for scale."""
    rng = np.random.default_rng(1)
    p0 = []
    for _ in range(lobbies):
        picked = [pool[int(i)] for i in rng.choice(len(pool), 10, replace=False)]
        p0.append(float(model.predict([picked[:5], picked[5:]])[0]))
    return float(np.mean(np.abs(np.array(p0) - 0.5) <= 0.05))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--lobbies", type=int, default=200)
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="cb-esports-"))
    try:
        demo = generate(tmp / "src", DemoConfig(users=args.users, events=10_000))
        ws = Workspace.create(tmp / "ws")
        ingest(ws, "matches", demo.files["matches"])
        truth = demo.truth["player_skills"]
        players = truth["players"]
        kinds = truth["model"]["games"]
        loads = read_matches(ws)
        rows = []
        for game, load in loads.items():
            ms = load.matches
            start = time.perf_counter()
            tuned = tune_bridge(ms)
            tune_s = time.perf_counter() - start
            makers: dict[str, Callable[[], RatingModel]] = {
                "culturebridge (tuned to the ladder)": partial(
                    Bridge, BridgeConfig(**tuned.params)
                ),
                "culturebridge (defaults)": Bridge,
                "Elo K=24": MODELS["elo"],
                "Glicko-2": MODELS["glicko2"],
                "openskill PlackettLuce": MODELS["openskill-pl"],
            }
            for name, make in makers.items():
                r = rate(make(), ms)
                names = r.model.players()
                rho = spearmanr(
                    [r.model.rating(n).mean for n in names],
                    [players[n]["skill_final"] for n in names],
                ).statistic
                within, per_lobby = "", ""
                if kinds.get(game) == "5v5":
                    pool = sorted(n for n, p in players.items() if p["game"] == game)
                    start = time.perf_counter()
                    splits = lobby_trial(r.model, pool, lobbies=args.lobbies, size=10, seed=1)
                    per_lobby = f"{(time.perf_counter() - start) / len(splits) * 1000:.1f} ms"
                    p0 = np.array([s.odds.win[0] / (s.odds.win[0] + s.odds.win[1]) for s in splits])
                    within = f"{np.mean(np.abs(p0 - 0.5) <= 0.05):.1%}"
                extra = f" (tuning {tune_s:.1f} s)" if "tuned" in name else ""
                if kinds.get(game) == "5v5" and "tuned" in name:
                    within_random = _random_splits(r.model, pool, args.lobbies)
                    extra += f"; random splits instead: {within_random:.1%} balanced"
                rows.append(
                    f"| {game} ({kinds.get(game, '?')}) | {name}{extra} | {len(ms):,} | "
                    f"{len(names)} | {rho:.3f} | {r.scores.accuracy:.3f} | "
                    f"{r.scores.log_loss:.3f} | {within} | {per_lobby} |"
                )
        lines = [
            "# E-sports on the demo workspace",
            "",
            f"{date.today()} on {platform.machine()} {platform.system()}, Python "
            f"{platform.python_version()}; `python benchmarks/esports_demo.py --users "
            f"{args.users}`. Spearman: final ratings against the planted final skills. Balanced: "
            f"share of {args.lobbies} random 10-player lobbies from the 5v5 pool whose split has "
            "a predicted win probability within 0.50 ± 0.05 (goal ≥ 90%).",
            "",
            "| game | model | matches | players | Spearman | online acc. | log-loss | "
            "balanced | per lobby |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
        ]
        text = "\n".join(lines)
        print(text)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text, encoding="utf-8")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
