"""Partners and the bilingual catalogue: titles, fashion pieces, trips, games and e-sports events.

Every item belongs to the partner that would own it (documentaries to the co-producer, trips to
the tourism board, ...). A few items have planted roles: the documentary whose audience skews
older, the series whose posts turn negative for a week, the series launched by a campaign and the
two games in which the e-sports matches are played. Popularity within a kind follows a power law.

Some items have other names in `attributes["aliases"]` ('|'-separated), as a partner's catalogue
or a fan wiki would list them: the curated titles' nicknames and other translations (泰探 for
泰晤士神探, GBRJ), about half the generated series' two-character nicknames (惠探 for 惠特比神探)
and about half the films whose title drops its 的 in speech (最后灯塔 for 最后的灯塔).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from culturebridge.demo import _lexicon as lex
from culturebridge.demo._calendar import Calendar
from culturebridge.demo._columns import FixedWidth
from culturebridge.schema import ITEM_KINDS

KIND_CODE = {k: i for i, k in enumerate(ITEM_KINDS)}
ID_PREFIX = {
    "film": "flm",
    "series": "ser",
    "documentary": "doc",
    "game": "gam",
    "fashion": "fsh",
    "tourism": "trv",
    "esports_event": "esp",
}
# Share of the catalogue and of all attention that each kind gets.
KIND_ITEMS = {
    "film": 0.12,
    "series": 0.12,
    "documentary": 0.12,
    "game": 0.08,
    "fashion": 0.38,
    "tourism": 0.12,
    "esports_event": 0.06,
}
KIND_MIN = {
    "film": 5,
    "series": 4,
    "documentary": len(lex.DOCUMENTARIES),
    "game": len(lex.GAMES),
    "fashion": 40,
    "tourism": 8,
    "esports_event": 4,
}
KIND_ATTENTION = {
    "film": 0.12,
    "series": 0.20,
    "documentary": 0.10,
    "game": 0.10,
    "fashion": 0.30,
    "tourism": 0.08,
    "esports_event": 0.10,
}
# Power-law exponent of popularity within a kind; fashion is a little flatter (many pieces, no
# blockbuster), which also keeps any one style's base share moderate for the planted effects.
ZIPF_EXPONENT = {"fashion": 0.7}
DEFAULT_ZIPF_EXPONENT = 0.9
NEUTRAL_TOP = 3  # the most popular fashion pieces carry no planted attribute value
IN_PERIOD_RELEASES = 0.10  # share of screen titles and games released during the period

ROLE_OLDER = "older_audience_item"
ROLE_SPIKE = "sentiment_spike_item"
ROLE_LAUNCH = "launch_item"
ROLE_GAME_TEAM = "game_5v5"
ROLE_GAME_DUEL = "game_1v1"
ALIASES_KEY = "aliases"
"""The item attribute listing an item's other names, '|'-separated."""


def n_items_for(users: int) -> int:
    """A few hundred items, growing slowly with the audience."""
    return int(np.clip(150 + users // 100, 150, 800))


@dataclass
class Catalogue:
    """Items as parallel arrays (what the generators use) plus their bilingual text."""

    item_id: list[str]
    kind: npt.NDArray[np.int8]
    partner_id: list[str]
    title_en: list[str]
    title_zh: list[str]
    description_en: list[str]
    description_zh: list[str]
    genres: list[list[str]]
    attributes: list[dict[str, str]]
    release_date: list[date]
    release_week: npt.NDArray[np.int64]
    """Week of release inside the period, or -1 when released before it."""
    event_week: npt.NDArray[np.int64]
    """Week an e-sports event is played in, or -1."""
    price: npt.NDArray[np.float64]
    quality: npt.NDArray[np.float64]
    """Mean rating (1-5) that `rate` events scatter around."""
    popularity: npt.NDArray[np.float64]
    image_uri: list[str | None]
    style: npt.NDArray[np.int8]
    colour: npt.NDArray[np.int8]
    pattern: npt.NDArray[np.int8]
    ids: FixedWidth
    roles: dict[str, int] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.item_id)

    def aliases(self, i: int) -> list[str]:
        """Item i's other names (`attributes["aliases"]`), in order."""
        value = self.attributes[i].get(ALIASES_KEY, "")
        return [a for a in value.split("|") if a]

    def of_kind(self, kind: str) -> npt.NDArray[np.int64]:
        return np.flatnonzero(self.kind == KIND_CODE[kind])

    def columns(self) -> dict[str, pa.Array]:
        return {
            "item_id": pa.array(self.item_id),
            "partner_id": pa.array(self.partner_id),
            "kind": pa.array([ITEM_KINDS[k] for k in self.kind]),
            "title_en": pa.array(self.title_en),
            "title_zh": pa.array(self.title_zh),
            "description_en": pa.array(self.description_en),
            "description_zh": pa.array(self.description_zh),
            "genres": pa.array(self.genres, type=pa.list_(pa.string())),
            "attributes": pa.array(
                [list(a.items()) for a in self.attributes], type=pa.map_(pa.string(), pa.string())
            ),
            "release_date": pa.array(self.release_date, type=pa.date32()),
            "price": pa.array(self.price),
            "image_uri": pa.array(self.image_uri, type=pa.string()),
        }


Partner = tuple[str, str, str, str, str]


@dataclass
class _Item:
    kind: str
    partner: Partner
    title_en: str
    title_zh: str
    description_en: str
    description_zh: str
    genres: list[str]
    attributes: dict[str, str]
    release: date
    price: float
    release_week: int = -1
    event_week: int = -1
    style: int = -1
    colour: int = -1
    pattern: int = -1


def partner_columns() -> dict[str, pa.Array]:
    return {
        "partner_id": pa.array([p[0] for p in lex.PARTNERS]),
        "name_en": pa.array([p[1] for p in lex.PARTNERS]),
        "name_zh": pa.array([p[2] for p in lex.PARTNERS]),
        "sector": pa.array([p[3] for p in lex.PARTNERS]),
    }


def _partners_with(role: str) -> list[Partner]:
    return [p for p in lex.PARTNERS if p[4] == role]


def _kind_counts(n: int) -> dict[str, int]:
    counts = {k: max(KIND_MIN[k], int(n * KIND_ITEMS[k])) for k in ITEM_KINDS}
    counts["fashion"] += max(0, n - sum(counts.values()))
    return counts


class _Titles:
    """Hands out title pairs that are unique in both languages across the whole catalogue."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.en: set[str] = set()
        self.zh: set[str] = set()

    def take(
        self, candidates: list[tuple[str, str]], n: int, *, shuffle: bool = True
    ) -> list[tuple[str, str]]:
        order = self.rng.permutation(len(candidates)) if shuffle else range(len(candidates))
        out: list[tuple[str, str]] = []
        for i in order:
            en, zh = candidates[int(i)]
            if en in self.en or zh in self.zh:
                continue
            self.en.add(en)
            self.zh.add(zh)
            out.append((en, zh))
            if len(out) == n:
                return out
        raise ValueError(f"not enough distinct titles: wanted {n}, found {len(out)}")


def _zipf_weights(
    rng: np.random.Generator, n: int, exponent: float, pinned: dict[int, int] | None = None
) -> npt.NDArray[np.float64]:
    """Power-law weights over `n` items in random rank order; `pinned` fixes item -> rank."""
    ranks = rng.permutation(n)
    for item, rank in (pinned or {}).items():
        other = int(np.flatnonzero(ranks == rank)[0])
        ranks[other], ranks[item] = ranks[item], rank
    w = 1.0 / (ranks + 1.0) ** exponent
    return np.asarray(w / w.sum(), dtype=np.float64)


def make_catalogue(
    rng: np.random.Generator,
    users: int,
    calendar: Calendar,
    *,
    launch_week: int,
    planted: frozenset[tuple[str, str]] = frozenset(),
) -> Catalogue:
    """Build the catalogue; `launch_week` is when the launched series is released.

    `planted` lists the fashion attribute values that carry planted effects, as
    ("style", "guochao") pairs: the few most popular pieces never carry one, so that no value
    starts out as a blockbuster and every planted lift or trend is reachable.
    """
    counts = _kind_counts(n_items_for(users))
    titles = _Titles(rng)
    rows: list[_Item] = []
    roles: dict[str, int] = {}
    weeks = calendar.weeks

    def before(lo_days: int, hi_days: int) -> date:
        return calendar.start - timedelta(days=int(rng.integers(lo_days, hi_days)))

    def add(kind: str, **kw: Any) -> int:
        rows.append(_Item(kind=kind, **kw))
        return len(rows) - 1

    broadcaster = _partners_with("broadcaster")[0]
    coproducer = _partners_with("coproducer")[0]
    designers = _partners_with("designer")
    council = _partners_with("council")[0]
    tourism = _partners_with("tourism")[0]
    studio = _partners_with("games")[0]
    lab = _partners_with("esports")[0]

    def screen(
        kind: str, partner: Partner, en: str, zh: str, genres: list[str], *, release_week: int = -1
    ) -> int:
        label = {"film": "film", "series": "drama series", "documentary": "documentary"}[kind]
        in_period = release_week >= 0
        return add(
            kind,
            partner=partner,
            title_en=en,
            title_zh=zh,
            genres=genres,
            description_en=f"{en}: a {genres[0]} {label} from {partner[1]}.",
            description_zh=f"《{zh}》，{partner[2]}出品的{lex.KIND_ZH[kind]}。",
            attributes={"language": "en", "subtitles": "zh-Hans"}
            | ({"seasons": str(int(rng.integers(1, 6)))} if kind == "series" else {}),
            release=calendar.week_start(release_week) if in_period else before(60, 6 * 365),
            release_week=release_week,
            price=float(
                rng.choice([5, 8, 12, 15, 25])
                if kind != "series"
                else rng.choice([15, 25, 30, 45, 60])
            ),
        )

    def maybe_in_period() -> int:
        if rng.random() < IN_PERIOD_RELEASES and weeks > 4:
            return int(rng.integers(1, weeks - 2))
        return -1

    # --- films (the broadcaster's film arm) ---
    combos = [(f"The {a} {n}", f"{az}{nz}") for a, az in lex.FILM_ADJ for n, nz in lex.FILM_NOUN]
    for en, zh in titles.take(combos, counts["film"]):
        genres = list(rng.choice(lex.FILM_GENRES, size=int(rng.integers(1, 3)), replace=False))
        screen("film", broadcaster, en, zh, genres, release_week=maybe_in_period())

    # --- series: the spike title and the launched title first ---
    curated = titles.take([(en, zh) for en, zh, _ in lex.SERIES], len(lex.SERIES), shuffle=False)
    roles[ROLE_SPIKE] = screen("series", broadcaster, *curated[0], list(lex.SERIES[0][2]))
    roles[ROLE_LAUNCH] = screen(
        "series", broadcaster, *curated[1], list(lex.SERIES[1][2]), release_week=launch_week
    )
    combos = [(f"{p} {n}", f"{pz}{nz}") for p, pz in lex.SERIES_PLACE for n, nz in lex.SERIES_NOUN]
    for en, zh in titles.take(combos, counts["series"] - len(lex.SERIES)):
        genres = list(rng.choice(lex.SERIES_GENRES, size=int(rng.integers(1, 3)), replace=False))
        screen("series", broadcaster, en, zh, genres, release_week=maybe_in_period())

    # --- documentaries: co-produced landmark titles, then the co-producer's own ---
    curated = titles.take(
        [(en, zh) for en, zh, _ in lex.DOCUMENTARIES], len(lex.DOCUMENTARIES), shuffle=False
    )
    for (en, zh), (_, _, doc_genres) in zip(curated, lex.DOCUMENTARIES, strict=True):
        i = screen(
            "documentary",
            broadcaster if en in ("Blue Planet", "Planet Earth") else coproducer,
            en,
            zh,
            list(doc_genres),
        )
        if en == "Great British Railway Journeys":
            roles[ROLE_OLDER] = i
    combos = [(f.format(s), fz.format(sz)) for f, fz in lex.DOC_FORM for s, sz in lex.DOC_SUBJECT]
    for en, zh in titles.take(combos, counts["documentary"] - len(lex.DOCUMENTARIES)):
        screen(
            "documentary",
            coproducer,
            en,
            zh,
            [str(rng.choice(lex.DOC_GENRES))],
            release_week=maybe_in_period(),
        )

    # --- games ---
    curated = titles.take([(en, zh) for en, zh, _ in lex.GAMES], len(lex.GAMES), shuffle=False)
    combos = [(f"{a} {n}", f"{az}{nz}") for a, az in lex.GAME_ADJ for n, nz in lex.GAME_NOUN]
    generated = titles.take(combos, counts["game"] - len(lex.GAMES))
    for j, (en, zh) in enumerate(curated + generated):
        genres = list(lex.GAMES[j][2]) if j < len(lex.GAMES) else [str(rng.choice(lex.GAME_GENRES))]
        attrs = {"platform": str(rng.choice(["pc", "mobile", "console"]))}
        week = -1 if j < 2 else maybe_in_period()
        if j == 0:
            attrs["mode"] = "5v5"
        elif j == 1:
            attrs["mode"] = "1v1"
        i = add(
            "game",
            partner=studio,
            title_en=en,
            title_zh=zh,
            genres=genres,
            description_en=f"{en}: a {genres[0]} game from {studio[1]}.",
            description_zh=f"《{zh}》，{studio[2]}出品的{lex.KIND_ZH['game']}。",
            attributes=attrs,
            release=calendar.week_start(week) if week >= 0 else before(60, 5 * 365),
            release_week=week,
            price=float(rng.choice([6, 30, 68, 98, 198, 298])),
        )
        if j == 0:
            roles[ROLE_GAME_TEAM] = i
        elif j == 1:
            roles[ROLE_GAME_DUEL] = i

    # --- fashion: balanced styles, colours and patterns, so every value has enough pieces ---
    n_f = counts["fashion"]
    style = rng.permutation(np.resize(np.arange(len(lex.STYLES)), n_f))
    colour = rng.permutation(np.resize(np.arange(len(lex.COLOURS)), n_f))
    pattern = rng.permutation(np.resize(np.arange(len(lex.PATTERNS)), n_f))
    seen: set[tuple[int, int, int, int]] = set()
    for j in range(n_f):
        s, c, p = int(style[j]), int(colour[j]), int(pattern[j])
        cat = int(rng.integers(len(lex.CATEGORIES)))
        while (s, c, p, cat) in seen:
            cat = (cat + 1) % len(lex.CATEGORIES)
        seen.add((s, c, p, cat))
        cname, czh, cgroup, lo, hi = lex.CATEGORIES[cat]
        price = float(np.round(rng.uniform(lo, hi), -1) - 1)
        owner = council if rng.random() < 0.05 else designers[j % len(designers)]
        collection = str(rng.choice(["SS26", "AW25", "Capsule"]))
        en_title = (
            f"{lex.COLOURS[c][0]} {lex.PATTERNS[p][0].title()} {lex.STYLES[s][0].title()} "
            f"{cname.title()}"
        )
        en_title = en_title.replace("Solid ", "")
        zh_title = f"{lex.COLOURS[c][1]}{lex.PATTERNS[p][1]}{lex.STYLES[s][1]}{czh}"
        ((en, zh),) = titles.take([(en_title, zh_title)], 1, shuffle=False)
        add(
            "fashion",
            partner=owner,
            title_en=en,
            title_zh=zh,
            genres=[cgroup, lex.STYLES[s][0]],
            description_en=f"{en} from {owner[1]}'s {collection} collection: a {cname} in a "
            f"{lex.STYLES[s][0]} style.",
            description_zh=f"{owner[2]}{collection}系列{zh}，{lex.STYLES[s][1]}风格。",
            attributes={
                "category": cname,
                "colour": lex.COLOURS[c][0],
                "pattern": lex.PATTERNS[p][0],
                "style": lex.STYLES[s][0],
                "price": f"{price:.0f}",
                "collection": collection,
            },
            release=before(7, 300),
            price=price,
            style=s,
            colour=c,
            pattern=p,
        )

    # --- tourism ---
    combos = [(f"{r} {e}", f"{rz}{ez}") for r, rz in lex.REGIONS for e, ez, _, _ in lex.EXPERIENCES]
    exp_of = {e: (g, d) for e, _, g, d in lex.EXPERIENCES}
    for en, zh in titles.take(combos, counts["tourism"]):
        region = next(r for r in lex.REGIONS if en.startswith(r[0] + " "))
        experience = en[len(region[0]) + 1 :]
        genre, days = exp_of[experience]
        price = float(np.round(rng.uniform(2999, 29999), -2) - 1)
        add(
            "tourism",
            partner=tourism,
            title_en=en,
            title_zh=zh,
            genres=[genre],
            description_en=f"A {days}-day {experience.lower()} in {region[0]}, offered by "
            f"{tourism[1]}.",
            description_zh=f"{region[1]}{days}日{zh[len(region[1]) :]}，由{tourism[2]}提供。",
            attributes={
                "region": region[0],
                "experience": experience,
                "duration_days": str(days),
                "price": f"{price:.0f}",
            },
            release=before(30, 3 * 365),
            price=price,
        )

    # --- e-sports events, played in the two competitive games ---
    games = [lex.GAMES[0], lex.GAMES[1]]
    combos = [
        (f"{g[0]} {lg} {st}, {c}", f"{g[1]}{lgz}{stz}（{cz}站）")
        for g in games
        for lg, lgz in lex.ESPORTS_LEAGUES
        for st, stz in lex.ESPORTS_STAGES
        for c, cz in lex.ESPORTS_CITIES
    ]
    for en, zh in titles.take(combos, counts["esports_event"]):
        game = next(g for g in games if en.startswith(g[0]))
        league = next(lg for lg in lex.ESPORTS_LEAGUES if lg[0] in en)
        stage = next(st for st in lex.ESPORTS_STAGES if st[0] in en)
        city = en.rsplit(", ", 1)[1]
        week = int(rng.integers(1, weeks))
        add(
            "esports_event",
            partner=lab,
            title_en=en,
            title_zh=zh,
            genres=["esports", game[2][0]],
            description_en=f"{en}: live e-sports, hosted by {lab[1]}.",
            description_zh=f"《{zh}》，{lab[2]}主办的{lex.KIND_ZH['esports_event']}。",
            attributes={"game": game[0], "league": league[0], "stage": stage[0], "city": city},
            release=calendar.week_start(week) + timedelta(days=5),
            event_week=week,
            price=float(rng.choice([30, 50, 120, 280, 480])),
        )

    _add_aliases(rows)
    return _assemble(rng, rows, roles, planted)


def _half(title: str) -> bool:
    """Half the titles, by a hash of the title: aliases take nothing from the random stream, so
    the rest of the catalogue (and everything drawn after it) is what it was without them."""
    return zlib.crc32(title.encode("utf-8")) % 2 == 0


def _series_nickname(title_zh: str) -> str | None:
    place = next((p for _, p in lex.SERIES_PLACE if title_zh.startswith(p)), None)
    noun = next((n for _, n in lex.SERIES_NOUN if title_zh.endswith(n)), None)
    if place is None or noun is None or place + noun != title_zh:
        return None
    nick = place[0] + noun[0]
    return None if nick in lex.SERIES_NICKNAME_STOP else nick


def _add_aliases(rows: list[_Item]) -> None:
    """Write `attributes["aliases"]`: the curated nicknames, and for half the generated series
    and films a nickname or the title without 的. A name two items would share, or that is
    another item's title, is given to neither."""
    proposed: dict[int, list[str]] = {}
    for i, r in enumerate(rows):
        names = list(lex.ALIASES.get(r.title_zh, ()))
        if not names and _half(r.title_zh):
            if r.kind == "series":
                nick = _series_nickname(r.title_zh)
                names = [nick] if nick else []
            elif r.kind == "film" and "的" in r.title_zh:
                names = [r.title_zh.replace("的", "")]
        if names:
            proposed[i] = names
    titles = {r.title_zh for r in rows} | {r.title_en for r in rows}
    counts: dict[str, int] = {}
    for names in proposed.values():
        for a in names:
            counts[a] = counts.get(a, 0) + 1
    for i, names in proposed.items():
        keep = [a for a in names if counts[a] == 1 and a not in titles]
        if keep:
            rows[i].attributes[ALIASES_KEY] = "|".join(keep)


def _carries(item: _Item, planted: frozenset[tuple[str, str]]) -> bool:
    values = {
        ("style", lex.STYLES[item.style][0]),
        ("colour", lex.COLOURS[item.colour][0]),
        ("pattern", lex.PATTERNS[item.pattern][0]),
    }
    return bool(values & planted)


def _assemble(
    rng: np.random.Generator,
    rows: list[_Item],
    roles: dict[str, int],
    planted: frozenset[tuple[str, str]],
) -> Catalogue:
    n = len(rows)
    kind = np.array([KIND_CODE[r.kind] for r in rows], dtype=np.int8)
    item_id: list[str] = []
    per_kind: dict[str, int] = {}
    for r in rows:
        per_kind[r.kind] = per_kind.get(r.kind, 0) + 1
        item_id.append(f"{ID_PREFIX[r.kind]}_{per_kind[r.kind]:04d}")
    popularity = np.zeros(n)
    pinned_rank = {
        ROLE_SPIKE: 0,
        ROLE_LAUNCH: 1,
        ROLE_OLDER: 3,
        ROLE_GAME_TEAM: 0,
        ROLE_GAME_DUEL: 1,
    }
    for k in ITEM_KINDS:
        idx = np.flatnonzero(kind == KIND_CODE[k])
        local = {
            int(np.flatnonzero(idx == roles[role])[0]): rank
            for role, rank in pinned_rank.items()
            if roles[role] in idx
        }
        if k == "fashion":
            neutral = [j for j, i in enumerate(idx) if not _carries(rows[i], planted)]
            local.update({j: rank for rank, j in enumerate(neutral[:NEUTRAL_TOP])})
        exponent = ZIPF_EXPONENT.get(k, DEFAULT_ZIPF_EXPONENT)
        popularity[idx] = KIND_ATTENTION[k] * _zipf_weights(rng, len(idx), exponent, local)
    quality = np.clip(rng.normal(3.8, 0.45, n), 2.2, 4.8)
    quality[roles[ROLE_SPIKE]] = 4.2
    return Catalogue(
        item_id=item_id,
        kind=kind,
        partner_id=[r.partner[0] for r in rows],
        title_en=[r.title_en for r in rows],
        title_zh=[r.title_zh for r in rows],
        description_en=[r.description_en for r in rows],
        description_zh=[r.description_zh for r in rows],
        genres=[list(r.genres) for r in rows],
        attributes=[dict(r.attributes) for r in rows],
        release_date=[r.release for r in rows],
        release_week=np.array([r.release_week for r in rows], dtype=np.int64),
        event_week=np.array([r.event_week for r in rows], dtype=np.int64),
        price=np.array([r.price for r in rows], dtype=np.float64),
        quality=quality,
        popularity=popularity,
        image_uri=[
            f"images/items/{item_id[i]}.jpg" if kind[i] == KIND_CODE["fashion"] else None
            for i in range(n)
        ],
        style=np.array([r.style for r in rows], dtype=np.int8),
        colour=np.array([r.colour for r in rows], dtype=np.int8),
        pattern=np.array([r.pattern for r in rows], dtype=np.int8),
        ids=FixedWidth(item_id),
        roles=roles,
    )
