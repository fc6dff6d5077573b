"""E-sports ratings: matches as JSONL, rating models behind one interface, the online protocol.

Models (`Elo`, `Glicko2`, `OpenSkill` for the Weng-Lin family of the `openskill` package, and
the culturebridge `Bridge` model) predict each team's chance of finishing first and return a new
model from `update(match)`, never mutating the one they are called on. `run_online` predicts each
match before it updates any rating; `score` gives accuracy, log-loss and Brier over decisive
two-team matches; `tune` searches hyperparameters on the earliest 30% of matches only.
"""

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

__all__ = [
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
