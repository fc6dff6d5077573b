"""Rating models behind one interface: predict before a match, update after it.

Every model keeps a dict of player -> parameters as immutable tuples of floats (plain floats are
faster than small numpy vectors at a few players a match). `update` never mutates the model it is
called on: it returns a new model whose dict is a copy (copy-on-write), as openskill.py's `rate`
returns new ratings. `run_online` copies once and then applies matches in place on its private
copy through `_apply`, so the online protocol pays no per-match copy.

`predict(teams, meta=None)` gives the probability that each team finishes first; for two teams it
sums to 1, with draws set aside. `predict_draw(teams)` gives the chance of a draw (openskill's own
formula for its models; for the others Davidson's tie model with the draw rate seen so far), so
the outcome of a future pairing is (1 - draw) x predict + draw. `rating(name)` gives a player's
(or team tag's) rating and its uncertainty on the model's usual scale; `players()` lists who has
one.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, NamedTuple, Protocol, Self, runtime_checkable

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from culturebridge.esports._matches import Match, check_teams

Teams = Sequence[Sequence[str]]
Probs = npt.NDArray[np.float64]


@runtime_checkable
class RatingModel(Protocol):
    """What every rating model offers; see the module docstring for the contract."""

    name: str

    def predict(self, teams: Teams, meta: Mapping[str, Any] | None = None) -> Probs: ...

    def predict_match(self, match: Match) -> Probs: ...

    def predict_draw(self, teams: Teams, meta: Mapping[str, Any] | None = None) -> float: ...

    def update(self, match: Match) -> Self: ...

    def rating(self, name: str, kind: str = "player") -> Rating: ...

    def players(self) -> list[str]: ...

    def _apply(self, match: Match) -> None: ...


class Rating(NamedTuple):
    """A rating on its model's usual scale and its standard deviation (0 where the model keeps
    none, as Elo); `conservative` is the mean less two standard deviations."""

    mean: float
    sd: float

    @property
    def conservative(self) -> float:
        return self.mean - 2.0 * self.sd


def _first_place(n: int, beats: Callable[[int, int], float]) -> Probs:
    """Per-team chance of finishing first from pairwise win chances: exact for two teams; for
    more, the mean pairwise win chance, normalised to sum to 1 (a cheap, symmetric stand-in)."""
    if n == 2:
        p = beats(0, 1)
        return np.array([p, 1.0 - p])
    raw = np.array([sum(beats(i, j) for j in range(n) if j != i) / (n - 1) for i in range(n)])
    return np.asarray(raw / raw.sum(), dtype=np.float64)


def _outcome(ri: int, rj: int) -> float:
    """Score of a team ranked `ri` against one ranked `rj`: 1 win, 0.5 draw, 0 loss."""
    return 1.0 if ri < rj else 0.5 if ri == rj else 0.0


def _davidson(p: float, draw_rate: float) -> float:
    """Draw chance under Davidson's tie model when the decisive win chance is `p`, its parameter
    set so that evenly matched teams draw at `draw_rate`: nu sqrt(pq) / (1 + nu sqrt(pq)) with
    nu = 2 d / (1 - d)."""
    if draw_rate <= 0.0:
        return 0.0
    nu = 2.0 * draw_rate / (1.0 - draw_rate)
    x = nu * math.sqrt(max(p * (1.0 - p), 0.0))
    return x / (1.0 + x)


class _Base:
    """Copy-on-write plumbing shared by the models, and the draw tally."""

    name: str = ""
    tally: tuple[int, int] = (0, 0)
    """(draws, two-team matches) seen so far."""

    def predict(self, teams: Teams, meta: Mapping[str, Any] | None = None) -> Probs:
        raise NotImplementedError  # pragma: no cover - every model overrides

    def predict_match(self, match: Match) -> Probs:
        """`predict` for a match about to be played: its teams, meta and time."""
        return self.predict(match.teams, match.meta)

    def predict_draw(self, teams: Teams, meta: Mapping[str, Any] | None = None) -> float:
        """Chance of a draw: Davidson's tie model with the draw rate of the two-team matches seen
        (smoothed: no draws yet gives a small positive rate only once matches were seen); more
        than two teams: the mean over pairs of a tie at the top."""
        draws, seen = self.tally
        rate = draws / (seen + 1.0)
        p = self.predict(teams, meta)
        if len(p) == 2:
            return _davidson(float(p[0]), rate)
        pairs = [
            _davidson(float(p[i] / (p[i] + p[j])), rate)
            for i in range(len(p))
            for j in range(i + 1, len(p))
        ]
        return sum(pairs) / len(pairs)

    def update(self, match: Match) -> Self:
        """A new model that has seen `match`; this one is left as it was."""
        new = self._clone()
        new._apply(match)
        return new

    def _count(self, match: Match) -> None:
        if len(match.teams) == 2:
            draws, seen = self.tally
            self.tally = (draws + (match.ranks[0] == match.ranks[1]), seen + 1)

    def rating(self, name: str, kind: str = "player") -> Rating:  # pragma: no cover
        raise NotImplementedError

    def players(self) -> list[str]:
        return sorted(getattr(self, "ratings", {}))

    def _clone(self) -> Self:
        new = copy.copy(self)
        for key, value in vars(self).items():
            if isinstance(value, dict):
                setattr(new, key, dict(value))
        return new

    def _apply(self, match: Match) -> None:  # pragma: no cover - every model overrides
        raise NotImplementedError


# ------------------------------------------------------------------------------------------ Elo


class EloConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    k: float = Field(24.0, gt=0)
    """Points moved per unit of surprise."""
    initial: float = 1500.0
    scale: float = Field(400.0, gt=0)
    home: float = 0.0
    """Points added to the first team of a two-team match that has a side: meta["sides"], or
    any match on record without meta["neutral"] true when `home_first` is on (as in World
    Football Elo)."""
    home_first: bool = False


def _sided(teams: Teams, meta: Mapping[str, Any] | None, home_first: bool) -> bool:
    """Whether the first of two teams has a side (home, blue) advantage in this match: named
    sides, or `home_first` for a match on record (its meta, even empty, is given) that is not
    marked neutral. A pairing asked about with no meta at all (odds, balance) is neutral."""
    if len(teams) != 2 or meta is None or meta.get("neutral") is True:
        return False
    return bool(meta.get("sides")) or home_first


class Elo(_Base):
    """Elo with a team rated as the mean of its players; every player moves by the team's K*(S-E).

    More than two teams: each team plays every other once (S and E summed over them).
    """

    def __init__(self, config: EloConfig | None = None) -> None:
        self.config = config or EloConfig()
        self.name = f"Elo (K={self.config.k:g})"
        self.ratings: dict[str, float] = {}

    def _team(self, team: Sequence[str]) -> float:
        get, init = self.ratings.get, self.config.initial
        return sum(get(p, init) for p in team) / len(team)

    def _beats(self, a: float, b: float) -> float:
        return float(1.0 / (1.0 + 10.0 ** ((b - a) / self.config.scale)))

    def _teams(self, teams: Teams, meta: Mapping[str, Any] | None) -> list[float]:
        r = [self._team(t) for t in teams]
        c = self.config
        if c.home and _sided(teams, meta, c.home_first):
            r[0] += c.home
        return r

    def predict(self, teams: Teams, meta: Mapping[str, Any] | None = None) -> Probs:
        check_teams(teams)
        r = self._teams(teams, meta)
        return _first_place(len(r), lambda i, j: self._beats(r[i], r[j]))

    def rating(self, name: str, kind: str = "player") -> Rating:
        _players_only(kind, self.name)
        return Rating(self.ratings.get(name, self.config.initial), 0.0)

    def _apply(self, match: Match) -> None:
        self._count(match)
        r = self._teams(match.teams, match.meta)
        k, init = self.config.k, self.config.initial
        for i, team in enumerate(match.teams):
            delta = k * sum(
                _outcome(match.ranks[i], match.ranks[j]) - self._beats(r[i], r[j])
                for j in range(len(r))
                if j != i
            )
            for p in team:
                self.ratings[p] = self.ratings.get(p, init) + delta


# ------------------------------------------------------------------------------------- Glicko-2

_GLICKO_SCALE = 173.7178


class Glicko2Config(BaseModel):
    model_config = ConfigDict(frozen=True)

    rating: float = 1500.0
    rd: float = Field(350.0, gt=0)
    volatility: float = Field(0.06, gt=0)
    tau: float = Field(0.5, gt=0)
    """Constrains the change of volatility (Glickman suggests 0.3 to 1.2)."""


class Glicko2(_Base):
    """Glicko-2, one match a rating period. A team is a composite player (mean mu, root mean
    square phi); each player is updated against the opposing composites with their own phi and
    volatility."""

    def __init__(self, config: Glicko2Config | None = None) -> None:
        self.config = config or Glicko2Config()
        self.name = "Glicko-2"
        self.ratings: dict[str, tuple[float, float, float]] = {}
        c = self.config
        self._init = ((c.rating - 1500.0) / _GLICKO_SCALE, c.rd / _GLICKO_SCALE, c.volatility)

    def _composite(self, team: Sequence[str]) -> tuple[float, float]:
        get, init = self.ratings.get, self._init
        rs = [get(p, init) for p in team]
        n = len(rs)
        return sum(r[0] for r in rs) / n, math.sqrt(sum(r[1] * r[1] for r in rs) / n)

    @staticmethod
    def _g(phi: float) -> float:
        return 1.0 / math.sqrt(1.0 + 3.0 * phi * phi / (math.pi * math.pi))

    def predict(self, teams: Teams, meta: Mapping[str, Any] | None = None) -> Probs:
        check_teams(teams)
        c = [self._composite(t) for t in teams]

        def beats(i: int, j: int) -> float:
            g = self._g(math.hypot(c[i][1], c[j][1]))
            return 1.0 / (1.0 + math.exp(-g * (c[i][0] - c[j][0])))

        return _first_place(len(c), beats)

    def _volatility(self, phi: float, sigma: float, v: float, delta: float) -> float:
        tau = self.config.tau
        a = math.log(sigma * sigma)

        def f(x: float) -> float:
            ex = math.exp(x)
            d = phi * phi + v + ex
            return ex * (delta * delta - d) / (2.0 * d * d) - (x - a) / (tau * tau)

        big_a = a
        if delta * delta > phi * phi + v:
            big_b = math.log(delta * delta - phi * phi - v)
        else:
            k = 1
            while f(a - k * tau) < 0:
                k += 1
            big_b = a - k * tau
        fa, fb = f(big_a), f(big_b)
        for _ in range(60):
            if abs(big_b - big_a) <= 1e-6:
                break
            big_c = big_a + (big_a - big_b) * fa / (fb - fa)
            fc = f(big_c)
            if fc * fb <= 0:
                big_a, fa = big_b, fb
            else:
                fa /= 2.0
            big_b, fb = big_c, fc
        return math.exp(big_a / 2.0)

    def _apply(self, match: Match) -> None:
        self._count(match)
        comp = [self._composite(t) for t in match.teams]
        new: dict[str, tuple[float, float, float]] = {}
        for i, team in enumerate(match.teams):
            inv_v, dsum = 0.0, 0.0
            for j, (mu_j, phi_j) in enumerate(comp):
                if j == i:
                    continue
                g = self._g(phi_j)
                e = 1.0 / (1.0 + math.exp(-g * (comp[i][0] - mu_j)))
                inv_v += g * g * e * (1.0 - e)
                dsum += g * (_outcome(match.ranks[i], match.ranks[j]) - e)
            v = 1.0 / inv_v
            for p in team:
                mu, phi, sigma = self.ratings.get(p, self._init)
                sigma2 = self._volatility(phi, sigma, v, v * dsum)
                phi_star = math.sqrt(phi * phi + sigma2 * sigma2)
                phi2 = 1.0 / math.sqrt(1.0 / (phi_star * phi_star) + inv_v)
                new[p] = (mu + phi2 * phi2 * dsum, phi2, sigma2)
        self.ratings.update(new)

    def rating(self, name: str, kind: str = "player") -> Rating:
        """Rating and RD on the familiar 1500 scale."""
        _players_only(kind, self.name)
        mu, phi, _ = self.ratings.get(name, self._init)
        return Rating(1500.0 + _GLICKO_SCALE * mu, _GLICKO_SCALE * phi)


# ------------------------------------------------------------------------------------- OpenSkill

OpenSkillKind = Literal["PlackettLuce", "BradleyTerryFull", "ThurstoneMostellerFull"]


class OpenSkillConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: OpenSkillKind = "PlackettLuce"
    sigma: float | None = Field(None, gt=0)
    """A newcomer's uncertainty (openskill's default: 25/3); None keeps the package default."""
    beta: float | None = Field(None, gt=0)
    """Performance noise (default 25/6)."""
    tau: float | None = Field(None, ge=0)
    """Uncertainty added before every match (default 25/300)."""


class OpenSkill(_Base):
    """The Weng-Lin models of the `openskill` package as a peer, with their own defaults.

    Ratings are kept as (mu, sigma) pairs; `openskill` computes every prediction and update."""

    def __init__(self, config: OpenSkillConfig | None = None) -> None:
        from openskill import models

        self.config = config or OpenSkillConfig()
        self.name = f"openskill {self.config.kind}"
        c = self.config
        given = {
            k: v for k, v in (("sigma", c.sigma), ("beta", c.beta), ("tau", c.tau)) if v is not None
        }
        self._model = getattr(models, c.kind)(**given)
        self.ratings: dict[str, tuple[float, float]] = {}

    def _objects(self, teams: Teams) -> list[list[Any]]:
        m = self._model
        init = (m.mu, m.sigma)
        out = []
        for team in teams:
            row = []
            for p in team:
                mu, sigma = self.ratings.get(p, init)
                row.append(m.rating(mu=mu, sigma=sigma, name=p))
            out.append(row)
        return out

    def predict(self, teams: Teams, meta: Mapping[str, Any] | None = None) -> Probs:
        check_teams(teams)
        return np.asarray(self._model.predict_win(self._objects(teams)), dtype=np.float64)

    def predict_draw(self, teams: Teams, meta: Mapping[str, Any] | None = None) -> float:
        check_teams(teams)
        return float(self._model.predict_draw(self._objects(teams)))

    def rating(self, name: str, kind: str = "player") -> Rating:
        """(mu, sigma) on openskill's scale (25, 25/3 for a newcomer)."""
        _players_only(kind, self.name)
        return Rating(*self.ratings.get(name, (self._model.mu, self._model.sigma)))

    def _apply(self, match: Match) -> None:
        self._count(match)
        # ranks only: openskill refuses ranks and scores together, and the ranks say who won
        rated = self._model.rate(self._objects(match.teams), ranks=list(match.ranks))
        for team, new in zip(match.teams, rated, strict=True):
            for p, r in zip(team, new, strict=True):
                self.ratings[p] = (r.mu, r.sigma)


# ------------------------------------------------------------------------------- culturebridge


class BridgeConfig(BaseModel):
    """Hyperparameters of the culturebridge rating model; logit units (1.0 = e:1 odds).

    The defaults come from a coordinate search on the earliest 30% of the LoL pro matches;
    benchmarks/esports.py searches again from them over a wider grid, on those matches only."""

    model_config = ConfigDict(frozen=True)

    player_var: float = Field(1.6, gt=0)
    """Prior variance of a new player's skill."""
    player_drift: float = Field(0.0, ge=0)
    """Variance a player's skill gains per day without a match (capped at the prior)."""
    player_noise: float = Field(0.0, ge=0)
    """Variance a player's skill gains with every match played (form changes as it plays)."""
    newcomer_pull: float = Field(0.5, ge=0, le=1)
    """A new player starts at this fraction of the mean skill of their rated teammates (teams
    sign players of their own calibre) rather than at `newcomer_mean`."""
    newcomer_mean: float = 0.0
    """Where a new player's skill starts, logit units from the first players' average: below 0
    where newcomers are mostly weaker than who is there already (qualifiers on a tennis tour,
    new national teams), as the history's earliest part can tell."""
    team_weight: float = Field(1.0, ge=0)
    """Weight of the team term (a rating for the roster's team tag, meta["team_tags"])."""
    team_var: float = Field(0.1, ge=0)
    team_drift: float = Field(0.0, ge=0)
    region_weight: float = Field(1.0, ge=0)
    """Weight of the region term: a rating for each team's home league (the league its tag has
    played most in, meta["league"]), used only when the two teams' regions differ, as in
    international events, where within-league ratings are not comparable."""
    region_var: float = Field(0.3, ge=0)
    region_drift: float = Field(0.001, ge=0)
    side_advantage: float = 0.2
    """Logit advantage of the first listed side (meta["sides"] present, e.g. LoL's blue side)."""
    side_var: float = Field(0.001, ge=0)
    """Prior variance of the side advantage, learned online from there."""
    home_first: bool = False
    """Give the side advantage to the first listed team of every two-team match on record
    without a `sides` field too, unless meta["neutral"] is true: for histories that list the
    home side (or LoL's blue side) first and say nothing more. A pairing asked about with no
    meta (odds, balance) stays neutral. Chosen per history by `learn_settings`."""
    infer_teams: bool = False
    """Where matches carry no team tags, infer them from rosters: a lineup whose majority last
    played together keeps that crew's tag (a team survives a roster change), any other lineup
    starts a new one. Teams of one player never get a tag (the player is the team)."""
    margin_weight: float = Field(0.0, ge=0)
    """Extra outcome per unit of relative score margin, (s_i - s_j) / (|s_i| + |s_j|), where
    scores exist; 0 ignores scores."""
    duration_weight: float = Field(0.2, ge=0)
    """Extra outcome for a quick win where the match's length is recorded (meta["duration"],
    minutes): the winner's outcome moves by this x clip((mean length so far - length) /
    `duration_scale`, +-`duration_cap`), the loser's by minus that. In a MOBA a short game is a
    stomp and a long one nearly even; 0 ignores lengths."""
    duration_scale: float = Field(10.0, gt=0)
    """Minutes of difference from the mean length that count as one unit of margin."""
    duration_cap: float = Field(2.0, ge=0)
    """Largest margin one match's length can give, in those units."""
    champ_weight: float = Field(1.0, ge=0)
    """Weight of the champion term: each team adds this times the mean strength of the champions
    it picked (meta["champions"], one list per team, known before the game); 0 ignores picks."""
    champ_var: float = Field(0.5, ge=0)
    """Prior variance of a champion's strength."""
    champ_drift: float = Field(0.0, ge=0)
    """Variance a champion's strength gains per day (the patch meta moves; capped at the
    prior)."""
    champ_roles: bool = True
    """Rate a champion per role (its place in the team's list) rather than once."""
    season_bump: float = Field(0.1, ge=0)
    """Variance a player's skill gains on its first match of a new season (meta["year"] and
    meta["season"]: a new split, patches and roster moves); capped at the prior."""
    team_season_bump: float = Field(0.0, ge=0)
    """The same for a team tag's term."""
    roster_bump: float = Field(0.0, ge=0)
    """Variance a team tag's term gains per unit share of its roster that changed since its
    last match (one new player in five: a fifth of this); capped at the prior."""


_Key = tuple[str, str]
_SIDE: _Key = ("side", "")
_Term = tuple[_Key, float, float, float]


class Bridge(_Base):
    """The culturebridge model: a Bayesian logistic (Bradley-Terry) filter.

    Team strength = mean of its players' skills + `team_weight` x the team tag's skill (rosters
    change, organisations persist) + `champ_weight` x the mean strength of its picked champions
    + the side advantage for the first side. Every skill is Gaussian (mean, variance); variance
    grows with days of inactivity, at a new season and with roster changes, so a returning
    player moves faster. Prediction integrates over the uncertainty (probit approximation); the
    update is one step of the online Laplace / extended Kalman filter for logistic regression,
    diagonal covariance. Margin of victory nudges the update where scores exist."""

    def __init__(self, config: BridgeConfig | None = None) -> None:
        self.config = config or BridgeConfig()
        self.name = "culturebridge"
        self.ratings: dict[_Key, tuple[float, float, float]] = {}
        """(kind, name) -> (mean, variance, last seen as days since the epoch)."""
        self.league_counts: dict[tuple[str, str], int] = {}
        self.home: dict[str, tuple[str, int]] = {}
        """team tag -> (its most played league, how many matches there)."""
        self.seasons: dict[_Key, tuple[Any, Any]] = {}
        """(kind, name) -> the (year, season) of its last match (kept when a season bump is on)."""
        self.rosters: dict[str, frozenset[str]] = {}
        """team tag -> its roster at its last match (kept when the roster bump is on)."""
        self.durations: tuple[int, float] = (0, 0.0)
        """(matches, total minutes) of the match lengths seen, for the running mean."""
        self.crews: dict[str, str] = {}
        """player -> the inferred team tag of its last match (kept when `infer_teams` is on)."""
        self.crews_made = 0
        self._last: tuple[Match, list[list[_Term]]] | None = None
        """The match `predict_match` last saw and its terms, reused by `_apply` when that match
        comes next (nothing changed in between: only `_apply` changes the state, and resets
        this)."""
        c = self.config
        self._priors = {
            "p": (c.player_var, c.player_drift),
            "t": (c.team_var, c.team_drift),
            "r": (c.region_var, c.region_drift),
            "c": (c.champ_var, c.champ_drift),
            "side": (c.side_var, 0.0),
        }

    def _state(self, key: _Key, day: float | None, bump: float = 0.0) -> tuple[float, float]:
        prior, drift = self._priors[key[0]]
        got = self.ratings.get(key)
        if got is None:
            kind = key[0]
            c = self.config
            return (
                c.side_advantage if kind == "side" else c.newcomer_mean if kind == "p" else 0.0
            ), prior
        mu, var, last = got
        if var < prior:
            if day is not None and day > last:
                var += drift * (day - last)
            var = min(prior, var + bump)
        return mu, var

    def _season(self, meta: Mapping[str, Any] | None) -> tuple[Any, Any] | None:
        c = self.config
        if not meta or (c.season_bump <= 0 and c.team_season_bump <= 0):
            return None
        year, season = meta.get("year"), meta.get("season")
        return None if year is None and season is None else (year, season)

    def _terms(
        self, teams: Teams, meta: Mapping[str, Any] | None, day: float | None
    ) -> list[list[_Term]]:
        """Per team: (key, coefficient, mean, variance) of every component of its strength."""
        c = self.config
        tags = self._tags(teams, meta)
        sides = self._sided(teams, meta)
        champs = meta.get("champions") if meta and c.champ_weight > 0 else None
        season = self._season(meta)
        seen = self.seasons
        regions: list[str | None] = [None] * len(teams)
        if tags and c.region_weight > 0 and len(teams) == 2 and len(tags) == 2:
            found = [self.home.get(str(t)) for t in tags]
            if found[0] and found[1] and found[0][0] != found[1][0]:
                regions = [found[0][0], found[1][0]]
        out = []
        state = self._state
        for i, team in enumerate(teams):
            w = 1.0 / len(team)
            row: list[_Term] = []
            for p in team:
                key = ("p", p)
                bump = 0.0
                if season is not None and key in seen and seen[key] != season:
                    bump = c.season_bump
                row.append((key, w, *state(key, day, bump)))
            if c.newcomer_pull > 0:
                known = [r[2] for r in row if r[0] in self.ratings]
                if known and len(known) < len(row):
                    start = (
                        c.newcomer_pull * sum(known) / len(known)
                        + (1.0 - c.newcomer_pull) * c.newcomer_mean
                    )
                    row = [r if r[0] in self.ratings else (r[0], r[1], start, r[3]) for r in row]
            if tags and c.team_weight > 0 and i < len(tags) and tags[i]:
                tag = str(tags[i])
                key = ("t", tag)
                bump = 0.0
                if season is not None and key in seen and seen[key] != season:
                    bump = c.team_season_bump
                if c.roster_bump > 0 and tag in self.rosters:
                    moved = sum(p not in self.rosters[tag] for p in team)
                    bump += c.roster_bump * moved / len(team)
                row.append((key, c.team_weight, *state(key, day, bump)))
            if champs and i < len(champs) and champs[i]:
                wc = c.champ_weight / len(champs[i])
                for j, ch in enumerate(champs[i]):
                    if ch:
                        key = ("c", f"{j}:{ch}" if c.champ_roles else str(ch))
                        row.append((key, wc, *state(key, day)))
            if regions[i] is not None:
                key = ("r", str(regions[i]))
                row.append((key, c.region_weight, *state(key, day)))
            if sides and i == 0:
                row.append((_SIDE, 1.0, *state(_SIDE, day)))
            out.append(row)
        return out

    def _sided(self, teams: Teams, meta: Mapping[str, Any] | None) -> bool:
        return _sided(teams, meta, self.config.home_first)

    def _tags(self, teams: Teams, meta: Mapping[str, Any] | None) -> list[str] | None:
        """The match's team tags: meta["team_tags"], else (with `infer_teams`) the crew most of
        each lineup last played for, or a new crew "~N" (deterministic: `_apply` gets the same
        answer as the `predict_match` before it)."""
        tags = meta.get("team_tags") if meta else None
        if tags or not self.config.infer_teams or min(len(t) for t in teams) < 2:
            return list(tags) if tags else None
        out: list[str] = []
        made = self.crews_made
        for team in teams:
            votes: dict[str, int] = {}
            for p in team:
                crew = self.crews.get(p)
                if crew is not None:
                    votes[crew] = votes.get(crew, 0) + 1
            best = max(votes.items(), key=lambda kv: (kv[1], kv[0]), default=("", 0))
            if 2 * best[1] > len(team) and best[0] not in out:
                out.append(best[0])
            else:
                out.append(f"~{made}")
                made += 1
        return out

    @staticmethod
    def _moments(row: list[_Term]) -> tuple[float, float]:
        return sum(k * m for _, k, m, _ in row), sum(k * k * v for _, k, _, v in row)

    @staticmethod
    def _prob(d: float, var: float) -> float:
        return 1.0 / (1.0 + math.exp(-d / math.sqrt(1.0 + math.pi * var / 8.0)))

    def predict(self, teams: Teams, meta: Mapping[str, Any] | None = None) -> Probs:
        check_teams(teams)
        mom = [self._moments(r) for r in self._terms(teams, meta, None)]
        return _first_place(
            len(mom),
            lambda i, j: self._prob(mom[i][0] - mom[j][0], mom[i][1] + mom[j][1]),
        )

    def predict_match(self, match: Match) -> Probs:
        """`predict` with the match's own meta and time (inactivity grows the variances)."""
        terms = self._terms(match.teams, match.meta, _day(match.ts))
        self._last = (match, terms)
        mom = [self._moments(r) for r in terms]
        return _first_place(
            len(mom),
            lambda i, j: self._prob(mom[i][0] - mom[j][0], mom[i][1] + mom[j][1]),
        )

    def _apply(self, match: Match) -> None:
        self._count(match)
        day = _day(match.ts)
        last, self._last = self._last, None
        terms = last[1] if last and last[0] is match else self._terms(match.teams, match.meta, day)
        mom = [self._moments(r) for r in terms]
        n = len(terms)
        scores = match.scores if self.config.margin_weight > 0 else None
        quick = self._quickness(match.meta.get("duration"))
        # accumulate gradient and curvature per team over its pairings, then update
        grads = [0.0] * n
        curv = [0.0] * n
        for i in range(n):
            for j in range(n):
                if i == j:
                    continue
                var = mom[i][1] + mom[j][1]
                p = self._prob(mom[i][0] - mom[j][0], var)
                y = outcome = _outcome(match.ranks[i], match.ranks[j])
                if quick and outcome != 0.5:
                    y += quick if outcome > 0.5 else -quick
                if scores is not None:
                    total = abs(scores[i]) + abs(scores[j])
                    if total > 0:
                        y += self.config.margin_weight * (scores[i] - scores[j]) / total
                h = p * (1.0 - p)
                grads[i] += (y - p) / (1.0 + h * var)
                curv[i] += h / (1.0 + h * var)
        new: dict[_Key, tuple[float, float, float]] = {}
        noise = self.config.player_noise
        for i, row in enumerate(terms):
            g, h = grads[i], curv[i]
            for key, k, mu, var in row:
                if key[0] == "p":
                    var += noise
                new[key] = (mu + k * var * g, max(var * (1.0 - k * k * var * h), 1e-9), day)
        self.ratings.update(new)
        season = self._season(match.meta)
        if season is not None:
            for key in new:
                self.seasons[key] = season
        tags = self._tags(match.teams, match.meta)
        if tags and self.config.roster_bump > 0:
            for tag, team in zip(tags, match.teams, strict=False):
                if tag:
                    self.rosters[str(tag)] = frozenset(team)
        if tags and not match.meta.get("team_tags"):  # inferred crews
            for tag, team in zip(tags, match.teams, strict=False):
                if tag.startswith("~") and int(tag[1:]) >= self.crews_made:
                    self.crews_made = int(tag[1:]) + 1
                for player in team:
                    self.crews[player] = tag
            tags = None
        league = match.meta.get("league")
        if league and tags:
            for tag in map(str, tags):
                n = self.league_counts.get((tag, league), 0) + 1
                self.league_counts[(tag, league)] = n
                if n > self.home.get(tag, ("", 0))[1]:
                    self.home[tag] = (league, n)

    def _quickness(self, duration: Any) -> float:
        """The winner's extra outcome for this match's length (see `duration_weight`), and the
        length counted into the running mean (online: only lengths already seen set it)."""
        c = self.config
        if c.duration_weight <= 0 or not isinstance(duration, int | float) or duration <= 0:
            return 0.0
        n, total = self.durations
        self.durations = (n + 1, total + float(duration))
        if n == 0:
            return 0.0
        margin = (total / n - float(duration)) / c.duration_scale
        return c.duration_weight * max(-c.duration_cap, min(c.duration_cap, margin))

    def skill(self, player: str) -> tuple[float, float]:
        """(mean, variance) of a player's skill, logit units."""
        return self._state(("p", player), None)

    def rating(self, name: str, kind: str = "player") -> Rating:
        """A player's skill (kind "player") or a team tag's own term (kind "team": what the
        organisation adds to its players; `strength` gives a lineup's whole) on the Elo-like
        scale 1500 + 400/ln(10) x logit, so 400 points are 10:1 odds, as in Elo."""
        if kind not in ("player", "team"):
            raise ValueError(f"kind must be 'player' or 'team', not {kind!r}")
        mu, var = self._state(("p" if kind == "player" else "t", name), None)
        return Rating(1500.0 + ELO_POINTS * mu, ELO_POINTS * math.sqrt(var))

    def strength(self, players: Sequence[str], tag: str | None = None) -> Rating:
        """A lineup's strength, as predictions use it: the mean of its players' skills plus
        `team_weight` x its tag's term plus `region_weight` x its home league's term (what puts
        leagues on one scale), on the same Elo-like scale (no side or picks)."""
        if not players:
            raise ValueError("a lineup needs at least one player")
        n = len(players)
        mean = var = 0.0
        for p in players:
            mu, v = self._state(("p", p), None)
            mean, var = mean + mu / n, var + v / (n * n)
        w = self.config.team_weight
        if tag and w > 0:
            mu, v = self._state(("t", tag), None)
            mean, var = mean + w * mu, var + w * w * v
        home = self.home.get(tag) if tag else None
        w = self.config.region_weight
        if home and w > 0 and ("r", home[0]) in self.ratings:
            mu, v = self._state(("r", home[0]), None)
            mean, var = mean + w * mu, var + w * w * v
        return Rating(1500.0 + ELO_POINTS * mean, ELO_POINTS * math.sqrt(var))

    def players(self) -> list[str]:
        return sorted(name for kind, name in self.ratings if kind == "p")

    def team_tags(self) -> list[str]:
        """Team tags from the matches (not the crews `infer_teams` made up)."""
        return sorted(name for kind, name in self.ratings if kind == "t" and name[:1] != "~")


ELO_POINTS = 400.0 / math.log(10.0)
"""Elo points per logit of skill."""


def _players_only(kind: str, model: str) -> None:
    if kind != "player":
        raise ValueError(f"{model} rates players only, not {kind!r}")


def _day(ts: datetime) -> float:
    return ts.timestamp() / 86400.0


MODELS: dict[str, Callable[[], RatingModel]] = {
    "culturebridge": Bridge,
    "elo": Elo,
    "glicko2": Glicko2,
    "openskill-pl": lambda: OpenSkill(OpenSkillConfig(kind="PlackettLuce")),
    "openskill-bt": lambda: OpenSkill(OpenSkillConfig(kind="BradleyTerryFull")),
    "openskill-tm": lambda: OpenSkill(OpenSkillConfig(kind="ThurstoneMostellerFull")),
}
"""Every model by its CLI name, with its default configuration."""
