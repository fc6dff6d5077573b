"""E-sports ratings: matches as JSONL, rating models behind one interface, the online protocol.

Models (`Elo`, `Glicko2`, `OpenSkill` for the Weng-Lin family of the `openskill` package, and
the culturebridge `Bridge` model) predict each team's chance of finishing first and return a new
model from `update(match)`, never mutating the one they are called on. `run_online` predicts each
match before it updates any rating; `score` gives accuracy, log-loss and Brier over decisive
two-team matches; `tune` searches hyperparameters on the earliest 30% of matches only, and
`learn_settings` does it for any history: the grid follows what the history records, and the
family (culturebridge, Elo, Glicko-2) is chosen there too when asked.
"""

from typing import TYPE_CHECKING

from culturebridge._lazy import lazy_getattr
from culturebridge.esports._evaluate import (
    OnlineRun,
    Scores,
    Tuned,
    first_team_outcomes,
    run_online,
    score,
    tune,
    tuning_split,
)
from culturebridge.esports._matches import (
    Match,
    MatchLoad,
    check_teams,
    match_from_dict,
    match_to_dict,
    read_jsonl,
    read_lol_csv,
    write_jsonl,
)
from culturebridge.esports._models import (
    MODELS,
    Bridge,
    BridgeConfig,
    Elo,
    EloConfig,
    Glicko2,
    Glicko2Config,
    OpenSkill,
    OpenSkillConfig,
    RatingModel,
)

if TYPE_CHECKING:
    from culturebridge.esports._auto import AUTO, Settings, learn_settings
    from culturebridge.esports._games import (
        RATING_MODEL,
        TUNING_CACHE,
        Games,
        build_model,
        check_model,
        game_of,
        model_for,
        settings_for,
    )
    from culturebridge.esports._uses import (
        PLAYER,
        TEAM,
        HistoryPoint,
        Odds,
        Rated,
        StandingRow,
        balance,
        leaderboard,
        odds,
        rate,
        standings,
    )
    from culturebridge.esports._workspace import read_matches

_LAZY = {
    "AUTO": "culturebridge.esports._auto",
    "Settings": "culturebridge.esports._auto",
    "learn_settings": "culturebridge.esports._auto",
    "build_model": "culturebridge.esports._games",
    "settings_for": "culturebridge.esports._games",
    "Games": "culturebridge.esports._games",
    "RATING_MODEL": "culturebridge.esports._games",
    "TUNING_CACHE": "culturebridge.esports._games",
    "check_model": "culturebridge.esports._games",
    "game_of": "culturebridge.esports._games",
    "model_for": "culturebridge.esports._games",
    "HistoryPoint": "culturebridge.esports._uses",
    "Odds": "culturebridge.esports._uses",
    "PLAYER": "culturebridge.esports._uses",
    "Rated": "culturebridge.esports._uses",
    "StandingRow": "culturebridge.esports._uses",
    "TEAM": "culturebridge.esports._uses",
    "balance": "culturebridge.esports._uses",
    "leaderboard": "culturebridge.esports._uses",
    "odds": "culturebridge.esports._uses",
    "rate": "culturebridge.esports._uses",
    "standings": "culturebridge.esports._uses",
    "read_matches": "culturebridge.esports._workspace",
}
"""Loaded on first use: these pull in heavier modules than the rest of the package."""


__getattr__ = lazy_getattr(__name__, _LAZY)


__all__ = [
    "AUTO",
    "Settings",
    "learn_settings",
    "build_model",
    "settings_for",
    "Games",
    "RATING_MODEL",
    "TUNING_CACHE",
    "check_model",
    "game_of",
    "model_for",
    "HistoryPoint",
    "Odds",
    "PLAYER",
    "Rated",
    "StandingRow",
    "TEAM",
    "balance",
    "leaderboard",
    "odds",
    "rate",
    "standings",
    "read_matches",
    "MODELS",
    "Bridge",
    "BridgeConfig",
    "Elo",
    "EloConfig",
    "Glicko2",
    "Glicko2Config",
    "Match",
    "MatchLoad",
    "OnlineRun",
    "OpenSkill",
    "OpenSkillConfig",
    "RatingModel",
    "Scores",
    "Tuned",
    "check_teams",
    "first_team_outcomes",
    "match_from_dict",
    "match_to_dict",
    "read_jsonl",
    "read_lol_csv",
    "run_online",
    "score",
    "tune",
    "tuning_split",
    "write_jsonl",
]
