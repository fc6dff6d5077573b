"""Benchmark the e-sports rating models on the LoL pro matches, online and chronologically.

    python benchmarks/esports.py             # ../shared/data/esports/lol_pro_matchinfo.csv
    python benchmarks/esports.py --csv path/to/matchinfo.csv

Every model predicts each match before that match updates any rating. The culturebridge
implementations (Elo, Glicko-2 and the culturebridge model) have their hyperparameters chosen by
coordinate search on the earliest 30% of the matches only; the peers (the three openskill models,
the `trueskill` package, Elo with K=24) run with their defaults. Accuracy, log-loss and Brier are
over every decisive match of the file (and over the last 70%, which tuning never saw); matches/s
is one online pass, predict and update. Prints a markdown table and writes it to
benchmarks/results/esports.md.
"""

from __future__ import annotations

import argparse
import math
import platform
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from culturebridge.esports import (
    Bridge,
    BridgeConfig,
    Elo,
    EloConfig,
    Glicko2,
    Glicko2Config,
    Match,
    OpenSkill,
    OpenSkillConfig,
    RatingModel,
    read_lol_csv,
    run_online,
    score,
    tune,
)
from culturebridge.esports._models import _Base, _first_place

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CSV = ROOT.parent / "shared" / "data" / "esports" / "lol_pro_matchinfo.csv"
RESULTS = ROOT / "benchmarks" / "results" / "esports.md"

BRIDGE_GRID: dict[str, list[Any]] = {
    "newcomer_pull": [0.0, 0.25, 0.5, 0.75, 1.0],
    "player_var": [0.3, 0.8, 1.2, 1.6, 2.4, 3.2, 4.8],
    "player_drift": [0.0, 0.002, 0.004, 0.008, 0.016],
    "player_noise": [0.0, 0.005, 0.02],
    "team_weight": [0.0, 0.5, 1.0],
    "team_var": [0.05, 0.1, 0.2, 0.4, 0.8],
    "team_drift": [0.0, 0.0005, 0.001, 0.002, 0.004],
    "region_weight": [0.0, 1.0],
    "region_var": [0.1, 0.3, 0.6, 1.0],
    "region_drift": [0.0, 0.001, 0.004],
    "side_advantage": [0.0, 0.1, 0.2, 0.3],
    "side_var": [0.0001, 0.001, 0.01],
    "champ_weight": [0.0, 1.0],
    "champ_var": [0.05, 0.1, 0.2, 0.3, 0.5],
    "champ_drift": [0.0, 0.0005, 0.001, 0.002],
    "champ_roles": [False, True],
    "season_bump": [0.0, 0.05, 0.1, 0.3],
    "team_season_bump": [0.0, 0.02, 0.05, 0.1],
    "roster_bump": [0.0, 0.05, 0.1, 0.3],
    "duration_weight": [0.0, 0.1, 0.2, 0.3, 0.5],
    "duration_scale": [5.0, 10.0, 20.0],
    "duration_cap": [0.5, 0.9, 2.0],
}
ELO_GRID: dict[str, list[Any]] = {"k": [8, 12, 16, 24, 32, 48, 64]}
GLICKO_GRID: dict[str, list[Any]] = {
    "rd": [50.0, 100.0, 200.0, 350.0],
    "volatility": [0.03, 0.06, 0.1, 0.2],
    "tau": [0.3, 0.5, 1.0],
}


class TrueSkillPeer(_Base):
    """The `trueskill` package (bench extra) with no draws; win chance by the standard formula
    Phi((sum mu_A - sum mu_B) / sqrt(n beta^2 + sum sigma^2))."""

    def __init__(self) -> None:
        import trueskill

        self._ts = trueskill
        self.env = trueskill.TrueSkill(draw_probability=0.0)
        self.name = "trueskill (package)"
        self.ratings: dict[str, Any] = {}

    def _team(self, team: Sequence[str]) -> list[Any]:
        return [self.ratings.get(p) or self.env.create_rating() for p in team]

    def predict(self, teams: Sequence[Sequence[str]], meta: Mapping[str, Any] | None = None) -> Any:
        rs = [self._team(t) for t in teams]
        beta2 = self.env.beta**2

        def beats(i: int, j: int) -> float:
            delta = sum(r.mu for r in rs[i]) - sum(r.mu for r in rs[j])
            var = sum(r.sigma**2 for r in rs[i] + rs[j]) + (len(rs[i]) + len(rs[j])) * beta2
            return float(self.env.cdf(delta / math.sqrt(var)))

        return _first_place(len(rs), beats)

    def _apply(self, match: Match) -> None:
        groups = [self._team(t) for t in match.teams]
        rated = self.env.rate(groups, ranks=[r - 1 for r in match.ranks])
        for team, new in zip(match.teams, rated, strict=True):
            self.ratings.update(zip(team, new, strict=True))


def _row(
    name: str,
    model: RatingModel,
    matches: list[Match],
    split: int,
    how: str,
    params: Mapping[str, Any] | None = None,
) -> tuple[list[str], npt.NDArray[np.float64]]:
    run = run_online(model, matches)
    full = score(matches, run.predictions)
    late = score(matches[split:], run.predictions[split:])
    shown = ", ".join(f"{k}={v:g}" for k, v in (params or {}).items())
    return [
        name,
        f"{full.accuracy:.4f}",
        f"{full.log_loss:.4f}",
        f"{full.brier:.4f}",
        f"{late.accuracy:.4f}",
        f"{late.log_loss:.4f}",
        f"{run.matches_per_second:,.0f}",
        how + (f": {shown}" if shown else ""),
    ], np.asarray([p[0] for p in run.predictions])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--fraction", type=float, default=0.3, help="earliest share for tuning")
    args = parser.parse_args(argv)
    if not args.csv.is_file():
        print(f"skipped: {args.csv} is absent (the real data lives in ../shared/data)")
        return 0
    load = read_lol_csv(args.csv)
    matches = load.matches
    split = max(1, int(len(matches) * args.fraction))
    print(f"{len(matches)} matches, {len(load.problems)} problems noted; tuning on {split}")

    bridge = tune(
        lambda **kw: Bridge(BridgeConfig(**kw)),
        BRIDGE_GRID,
        matches,
        fraction=args.fraction,
        base=BridgeConfig().model_dump(),
        rounds=3,
    )
    elo = tune(lambda **kw: Elo(EloConfig(**kw)), ELO_GRID, matches, fraction=args.fraction)
    glicko = tune(
        lambda **kw: Glicko2(Glicko2Config(**kw)),
        GLICKO_GRID,
        matches,
        fraction=args.fraction,
        base=Glicko2Config().model_dump(include=set(GLICKO_GRID)),
    )
    tuned = f"tuned on the earliest {args.fraction:.0%} ({bridge.tried} configs tried)"
    rows = [
        _row(
            "culturebridge",
            Bridge(BridgeConfig(**bridge.params)),
            matches,
            split,
            tuned,
            {k: v for k, v in bridge.params.items() if k in BRIDGE_GRID},
        )[0],
        _row("culturebridge (defaults)", Bridge(), matches, split, "defaults")[0],
        _row(
            "Elo (tuned)",
            Elo(EloConfig(**elo.params)),
            matches,
            split,
            f"tuned on the earliest {args.fraction:.0%}",
            elo.params,
        )[0],
        _row(
            "Glicko-2 (tuned)",
            Glicko2(Glicko2Config(**glicko.params)),
            matches,
            split,
            f"tuned on the earliest {args.fraction:.0%}",
            glicko.params,
        )[0],
        _row("Elo K=24", Elo(EloConfig(k=24)), matches, split, "peer, issue's reference")[0],
    ]
    for kind in ("PlackettLuce", "BradleyTerryFull", "ThurstoneMostellerFull"):
        model = OpenSkill(OpenSkillConfig(kind=kind))
        rows.append(_row(f"openskill {kind}", model, matches, split, "peer, defaults")[0])
    try:
        rows.append(_row("trueskill", TrueSkillPeer(), matches, split, "peer, defaults")[0])
    except ImportError:
        print("trueskill not installed (pip install -e '.[bench]'); its row is left out")

    header = [
        "model",
        "accuracy",
        "log-loss",
        "Brier",
        "acc. last 70%",
        "log-loss last 70%",
        "matches/s",
        "hyperparameters",
    ]
    lines = [
        "# E-sports ratings: LoL pro matches, online",
        "",
        f"{date.today()} on {platform.machine()} {platform.system()}, Python "
        f"{platform.python_version()}; `python benchmarks/esports.py`; {len(matches)} decisive "
        f"matches of `{args.csv.name}`, blue side first, each predicted before it updates any "
        f"rating. Hyperparameters of the tuned rows chosen by coordinate search (log-loss) on "
        f"the earliest {split} matches only.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(r) + " |" for r in rows),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
