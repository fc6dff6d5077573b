"""Derived caches, filled after an ingest so that the first question after it does not pay for
them: the fashion tags of every post text (`fashion trends`' posts source), the sentence
embeddings of the post texts that `social topics` samples by default, those of every catalogue
text (`recommend audience`, cold-start rankings), the image embeddings and tags of every
item photo (`fashion similar`, the trends' images source) and the e-sports settings each game's
rating model learns from its earliest matches (every `esports` command, the API, the dashboard).

Each cache is kept per text or per file in the workspace's `cache/` folder and holds nothing a
query could not recompute, so a failure to fill one never fails the ingest: it is reported and
the question computes what is missing when it is asked. The setting
`CULTUREBRIDGE_INGEST__WARM_CACHES=false` turns the step off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from culturebridge.errors import UserError
from culturebridge.workspace import Workspace

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Warmed:
    cache: str
    entries: int
    """Texts or images the cache now answers for (0 when skipped)."""
    skipped: str | None = None
    """Why the cache was not filled (an optional package missing, no images...)."""


def _post_tags(ws: Workspace, step: Callable[[int, int], None]) -> int:
    from culturebridge.fashion import warm_post_tags

    return warm_post_tags(ws, step)


def _topic_embeddings(ws: Workspace, step: Callable[[int, int], None]) -> int:
    from culturebridge.social import warm_topic_embeddings

    return warm_topic_embeddings(ws, step)


def _item_texts(ws: Workspace, step: Callable[[int, int], None]) -> int:
    from culturebridge.recommend import warm_item_texts

    return warm_item_texts(ws, step)


def _item_images(ws: Workspace, step: Callable[[int, int], None]) -> int:
    try:
        import torch  # noqa: F401  (the image model's backbone: the `fashion` extra)
    except ImportError:
        missing = "the image model is not installed (pip install 'culturebridge[fashion]')"
        raise _Skip(missing) from None
    from culturebridge.fashion import ImageIndex

    try:
        index = ImageIndex.for_workspace(ws.root)
    except UserError as exc:
        raise _Skip(str(exc)) from None
    step(len(index.item_ids), len(index.item_ids))
    return len(index.item_ids)


def _esports_settings(ws: Workspace, step: Callable[[int, int], None]) -> int:
    """Learn (and cache) the settings of the model the API, the dashboard and the rating
    commands use, per game: what their first question would otherwise pay (seconds)."""
    from culturebridge.esports import RATING_MODEL, TUNING_CACHE, read_matches, settings_for

    try:
        loads = read_matches(ws)
    except UserError as exc:
        raise _Skip(str(exc)) from None
    groups = {g: load.matches for g, load in loads.items() if load.matches}
    for i, (game, matches) in enumerate(groups.items(), start=1):
        settings_for(RATING_MODEL, matches, game, ws.root / TUNING_CACHE)
        step(i, len(groups))
    return len(groups)


class _Skip(Exception):
    pass


Warmer = Callable[[Workspace, Callable[[int, int], None]], int]

WARMERS: dict[str, tuple[tuple[str, Warmer], ...]] = {
    "posts": (("post tags", _post_tags), ("topic embeddings", _topic_embeddings)),
    "items": (("item texts", _item_texts), ("item images", _item_images)),
    "matches": (("e-sports settings", _esports_settings),),
}
"""The caches each table's ingest refreshes, in order."""


def warm_caches(
    ws: Workspace, tables: Iterable[str], progress: Progress | None = None
) -> list[Warmed]:
    """Fill the caches that an ingest of `tables` may have left behind; what each now holds
    (nothing when the `ingest.warm_caches` setting is off)."""
    from culturebridge.config import get_settings

    done: list[Warmed] = []
    if not get_settings().ingest.warm_caches:
        return done
    for table in dict.fromkeys(tables):
        for name, warm in WARMERS.get(table, ()):

            def step(i: int, n: int, name: str = name) -> None:
                if progress is not None:
                    progress(name, i, n)

            try:
                done.append(Warmed(name, warm(ws, step)))
            except _Skip as exc:
                done.append(Warmed(name, 0, str(exc)))
            except Exception as exc:  # only a cache: the ingest stands, the question computes it
                log.warning("cache %s not filled: %s", name, exc)
                first = (str(exc).splitlines() or [type(exc).__name__])[0]
                done.append(Warmed(name, 0, f"not filled ({first})"))
    return done
