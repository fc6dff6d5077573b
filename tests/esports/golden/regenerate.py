"""Regenerate the culturebridge model's golden values: `python tests/esports/golden/regenerate.py`.

Runs the default culturebridge model online over the fixed matches of `golden_matches()` and
writes every prediction and the final skills to `bridge.json` beside this file. Rerun it, and
review the diff, only when a change to the model is meant to change its numbers.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from culturebridge.esports import Bridge, Match, run_online

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "bridge.json"
POOL = ("Ahri", "Gnar", "Jinx", "Thresh", "LeeSin", "Azir", "Sivir")


def golden_matches() -> list[Match]:
    """A small fixed season: two leagues of three teams, a roster change, an international
    final, a draw and a three-team match; the two-team matches name each side's champions, their
    length and their season (a new one from the ninth match)."""
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    rosters = {
        "A": ("a1", "a2", "a3"),
        "B": ("b1", "b2", "b3"),
        "C": ("c1", "c2", "c3"),
        "X": ("x1", "x2", "x3"),
        "Y": ("y1", "y2", "y3"),
        "Z": ("z1", "z2", "z3"),
    }
    league = {"A": "North", "B": "North", "C": "North", "X": "South", "Y": "South", "Z": "South"}
    games = [
        ("A", "B", 1), ("B", "C", 1), ("A", "C", 1), ("X", "Y", 2), ("Y", "Z", 1),
        ("X", "Z", 1), ("A", "B", 2), ("C", "A", 2), ("Y", "X", 2), ("Z", "Y", 2),
        ("A", "X", 1), ("B", "Y", 0),
    ]  # fmt: skip
    out = []
    for i, (blue, red, winner) in enumerate(games):
        ranks = (1, 2) if winner == 1 else (2, 1) if winner == 2 else (1, 1)
        intl = league[blue] != league[red]
        out.append(
            Match(
                f"g{i}",
                t0 + timedelta(days=3 * i),
                (rosters[blue], rosters[red]),
                ranks,
                meta={
                    "league": "Worlds" if intl else league[blue],
                    "team_tags": [blue, red],
                    "sides": ["blue", "red"],
                    "champions": [
                        [POOL[(i + k) % len(POOL)] for k in range(3)],
                        [POOL[(2 * i + k + 3) % len(POOL)] for k in range(3)],
                    ],
                    "duration": 25.0 + 3.0 * (i % 5),
                    "year": 2024,
                    "season": "Spring" if i < 8 else "Summer",
                },
            )
        )
        if i == 5:  # a roster change: c3 leaves, n1 joins C
            rosters["C"] = ("c1", "c2", "n1")
    out.append(Match("g3way", t0 + timedelta(days=40), (("a1",), ("b1",), ("x1",)), (1, 2, 3)))
    return out


def compute() -> dict[str, object]:
    matches = golden_matches()
    run = run_online(Bridge(), matches)
    model = run.model
    assert isinstance(model, Bridge)
    players = sorted({p for m in matches for t in m.teams for p in t})
    return {
        "predictions": {
            m.match_id: [round(float(x), 10) for x in p]
            for m, p in zip(matches, run.predictions, strict=True)
        },
        "skills": {p: [round(v, 10) for v in model.skill(p)] for p in players},
    }


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(compute(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}")
