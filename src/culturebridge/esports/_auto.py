"""Settings learned from the history they will rate: what each e-sports command uses by default.

A rating model's settings depend on the game: how fast skill moves (a tennis ladder against a
national football team), how much a home side or LoL's blue side is worth, whether draws happen,
whether scores or rosters say more than the result. `learn_settings` reads what the history
records (players per side, team tags, a side or a `neutral` flag, scores, seasons, gaps between
matches), builds a small grid for each model family over just those features, and chooses by
coordinate search on the earliest 30% of the matches only (online log-loss: every match predicted
before it updates anything), so whatever is scored on the rest was never used to choose. The
family with the lowest log-loss there wins: the culturebridge model, Elo (K, home advantage) or
Glicko-2. Too short a history keeps the culturebridge defaults, and says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from culturebridge.esports._evaluate import Tuned, tune, tuning_split
from culturebridge.esports._matches import Match
from culturebridge.esports._models import (
    Bridge,
    BridgeConfig,
    Elo,
    EloConfig,
    Glicko2,
    Glicko2Config,
    RatingModel,
)

MIN_TUNING_MATCHES = 200
"""Fewer decisive matches than this in the early part: keep the defaults (too few to choose)."""
TUNING_FRACTION = 0.3
WARM_UP = 0.5
"""Share of the tuning part that only warms the ratings up (see `tune`)."""
FAMILIES = ("culturebridge", "elo", "glicko2")
AUTO = "auto"
"""The `--model` value that lets the history choose the family as well as its settings."""

_BUILD: dict[str, Callable[..., RatingModel]] = {
    "culturebridge": lambda **kw: Bridge(BridgeConfig(**kw)),
    "elo": lambda **kw: Elo(EloConfig(**kw)),
    "glicko2": lambda **kw: Glicko2(Glicko2Config(**kw)),
}


@dataclass(frozen=True)
class Features:
    """What a history records, read from its early part (all that tuning may look at)."""

    max_team: int
    team_tags: bool
    sides: bool
    """meta["sides"] somewhere: the first team's side is named."""
    two_team: bool
    scores: bool
    seasons: bool
    durations: bool
    champions: bool
    leagues: bool
    draws: bool

    @classmethod
    def of(cls, matches: Sequence[Match]) -> Features:
        metas = [m.meta for m in matches]
        return cls(
            max_team=max((len(t) for m in matches for t in m.teams), default=1),
            team_tags=any(x.get("team_tags") for x in metas),
            sides=any(x.get("sides") for x in metas),
            two_team=any(len(m.teams) == 2 for m in matches),
            scores=any(m.scores is not None for m in matches),
            seasons=any(x.get("season") is not None or x.get("year") is not None for x in metas),
            durations=any(x.get("duration") for x in metas),
            champions=any(x.get("champions") for x in metas),
            leagues=any(x.get("league") for x in metas),
            draws=any(len(m.teams) == 2 and m.ranks[0] == m.ranks[1] for m in matches),
        )


def bridge_grid(f: Features) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """The culturebridge model's starting point and search grid for a history with features
    `f`: only what the history can inform (no team term without teams or tags, no side without
    two teams, no margin without scores)."""
    base = BridgeConfig().model_dump()
    grid: dict[str, list[Any]] = {
        "player_var": [0.25, 0.5, 0.75, 1.0, 1.3, 1.6, 2.4, 4.0, 6.0],
        "player_noise": [0.0, 0.001, 0.002, 0.004, 0.007, 0.012, 0.02, 0.035, 0.06, 0.1],
        "player_drift": [0.0, 0.0005, 0.002, 0.008],
        "newcomer_mean": [0.0, -0.25, -0.5, -1.0, -1.5],
    }
    if f.two_team:
        if not f.sides:  # the first listed team may be the home (blue) side: learned online
            grid["home_first"] = [False, True]
        grid["side_advantage"] = [0.0, 0.2, 0.4, 0.7, 1.0]
        grid["side_var"] = [0.0001, 0.001, 0.01]
    if f.scores:
        grid["margin_weight"] = [0.0, 0.05, 0.15, 0.3]
    else:
        base["margin_weight"] = 0.0
    if f.max_team > 1:
        grid["newcomer_pull"] = [0.0, 0.5, 0.8]
        if not f.team_tags:
            grid["infer_teams"] = [False, True]
    else:
        base["newcomer_pull"] = 0.0
    if f.team_tags or f.max_team > 1:
        grid["team_weight"] = [0.0, 0.5, 1.0]
        grid["team_var"] = [0.05, 0.1, 0.2, 0.4]
        grid["team_drift"] = [0.0, 0.0005, 0.002]
        grid["roster_bump"] = [0.0, 0.1, 0.3]
    if f.seasons:
        grid["season_bump"] = [0.0, 0.05, 0.1, 0.3]
    else:
        base["season_bump"] = 0.0
    if f.durations:
        grid["duration_weight"] = [0.0, 0.1, 0.2, 0.4]
    if f.champions:
        grid["champ_weight"] = [0.0, 0.5, 1.0]
    if f.leagues and f.team_tags:
        grid["region_weight"] = [0.0, 1.0]
    # start the search where the history has the feature: off where it has not
    if not (f.team_tags or f.max_team > 1):
        base["team_weight"] = 0.0
    if not f.sides:
        base["side_advantage"] = 0.0
    return base, grid


def elo_grid(f: Features) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    base = EloConfig().model_dump()
    grid: dict[str, list[Any]] = {"k": [8.0, 12.0, 16.0, 24.0, 32.0, 48.0, 64.0, 96.0]}
    if f.two_team:
        if not f.sides:
            base["home_first"] = True
        grid["home"] = [0.0, 25.0, 50.0, 100.0, 150.0, 200.0, 300.0]
    return base, grid


def glicko_grid(f: Features) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    base = Glicko2Config().model_dump()
    grid: dict[str, list[Any]] = {
        "rd": [100.0, 200.0, 350.0, 500.0],
        "volatility": [0.03, 0.06, 0.1, 0.2],
        "tau": [0.3, 0.5, 1.0, 1.5],
    }
    return base, grid


GRIDS = {"culturebridge": bridge_grid, "elo": elo_grid, "glicko2": glicko_grid}


@dataclass(frozen=True)
class Settings:
    """A model family and its settings, as learned from one history.

    `tuned_on`: how many early matches chose them (0: defaults, `note` says why);
    `log_loss`: their online log-loss there; `tried`: the settings compared, all families."""

    family: str
    params: dict[str, Any]
    tuned_on: int = 0
    log_loss: float = math.nan
    tried: int = 0
    note: str = ""
    candidates: dict[str, float] = field(default_factory=dict)
    """Each family's best early log-loss (what chose the family)."""

    def build(self) -> RatingModel:
        return _BUILD[self.family](**self.params)

    def describe(self) -> str:
        """One line for the user: what was chosen, on what."""
        if not self.tuned_on:
            return f"{self.family} defaults ({self.note})"
        return (
            f"{self.family}, settings learned on the earliest {self.tuned_on:,} matches "
            f"(log-loss {self.log_loss:.4f}, {self.tried} settings tried)"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "params": self.params,
            "tuned_on": self.tuned_on,
            "log_loss": None if math.isnan(self.log_loss) else self.log_loss,
            "tried": self.tried,
            "note": self.note,
            "candidates": self.candidates,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Settings:
        ll = data.get("log_loss")
        return cls(
            str(data["family"]),
            dict(data["params"]),
            int(data.get("tuned_on", 0)),
            math.nan if ll is None else float(ll),
            int(data.get("tried", 0)),
            str(data.get("note", "")),
            {str(k): float(v) for k, v in (data.get("candidates") or {}).items()},
        )


def tune_family(
    family: str,
    matches: Sequence[Match],
    fraction: float = TUNING_FRACTION,
    rounds: int = 2,
    warm_up: float = WARM_UP,
) -> Tuned:
    """One family's settings chosen on the earliest `fraction` of `matches`."""
    f = Features.of(tuning_split(matches, fraction))
    base, grid = GRIDS[family](f)
    return tune(
        _BUILD[family],
        grid,
        matches,
        fraction=fraction,
        base=base,
        rounds=rounds,
        warm_up=warm_up,
        later="neighbours",
    )


def learn_settings(
    matches: Sequence[Match],
    *,
    families: Sequence[str] = FAMILIES,
    fraction: float = TUNING_FRACTION,
) -> Settings:
    """The family and settings that predict the earliest `fraction` of `matches` best (online
    log-loss; ties go to the earlier family); the culturebridge defaults when that part holds
    fewer than `MIN_TUNING_MATCHES` decisive matches."""
    early = tuning_split(matches, fraction) if matches else []
    decisive = sum(m.decisive for m in early)
    if decisive < MIN_TUNING_MATCHES:
        note = (
            f"only {decisive} decisive matches in the earliest {fraction:.0%}: "
            f"{MIN_TUNING_MATCHES} are needed to learn settings"
        )
        return Settings(families[0], {}, note=note)
    best: Settings | None = None
    tried = 0
    candidates: dict[str, float] = {}
    for family in families:
        got = tune_family(family, matches, fraction)
        tried += got.tried
        candidates[family] = got.log_loss
        if best is None or got.log_loss < best.log_loss - 1e-9:
            best = Settings(family, got.params, len(early), got.log_loss)
    assert best is not None
    return Settings(
        best.family, best.params, best.tuned_on, best.log_loss, tried, candidates=candidates
    )
