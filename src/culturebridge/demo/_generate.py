"""`generate`: draw the whole universe and write it as canonical Parquet files plus truth.json.

Order matters only through the random streams: one `SeedSequence` per table (and one per event
chunk) is spawned from the seed, so a table's content does not depend on how many threads wrote
the events or in which order chunks finished. Events are produced chunk by chunk by a small
thread pool (NumPy and Arrow release the GIL in the heavy loops), with at most one chunk per
worker in memory, so a hundred million events need no more memory than a few million.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from culturebridge.demo._calendar import Calendar
from culturebridge.demo._campaign import make_campaigns
from culturebridge.demo._catalogue import make_catalogue, partner_columns
from culturebridge.demo._columns import build_table, part_path, write_parquet
from culturebridge.demo._config import DemoConfig, DemoResult
from culturebridge.demo._esports import make_matches, n_matches_for, skills_truth
from culturebridge.demo._events import (
    DICTIONARY_COLUMNS,
    ChunkPlan,
    EventWorld,
    channel_probs,
    plan_chunks,
)
from culturebridge.demo._images import ITEM_IMAGE_DIR, write_item_images
from culturebridge.demo._social import make_posts, n_posts_for
from culturebridge.demo._tastes import make_tastes, planted_values
from culturebridge.demo._truth import (
    POST_TRUTH_PATH,
    Timeline,
    build_truth,
    json_default,
    post_mentions_truth,
)
from culturebridge.demo._users import make_users
from culturebridge.schema import TABLES

Progress = Callable[[str, int, int], None]
_STREAMS = ("catalogue", "users", "campaigns", "events", "posts", "matches")
MAX_WORKERS = 4


def _workers(n_chunks: int) -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, cpus, n_chunks))


def _clear(out_dir: Path) -> None:
    """Remove part files of an earlier run, so a smaller run leaves no stale chunks behind."""
    for table in TABLES:
        for old in (out_dir / table).glob("part-*.parquet"):
            old.unlink()
    (out_dir / "truth.json").unlink(missing_ok=True)
    (out_dir / POST_TRUTH_PATH).unlink(missing_ok=True)
    shutil.rmtree(out_dir / ITEM_IMAGE_DIR, ignore_errors=True)


def generate(out_dir: Path, config: DemoConfig, *, progress: Progress | None = None) -> DemoResult:
    """Write the demo universe under `out_dir` (one folder per canonical table), truth.json,
    the per-post truth (`truth/posts.parquet`: which item each post names, and how; truth.json's
    `post_mentions` says where and what) and a product photo per fashion item at its
    `image_uri` (`images/items/{item_id}.jpg`).

    `progress(stage, done, total)` is called as work proceeds; stages are "catalogue", "images",
    "users", "campaigns", "events" (counted in rows), "posts" and "matches".
    """
    report: Progress = progress or (lambda stage, done, total: None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _clear(out_dir)
    seeds = dict(
        zip(_STREAMS, np.random.SeedSequence(config.seed).spawn(len(_STREAMS)), strict=True)
    )
    calendar = Calendar(config.start, config.weeks)
    timeline = Timeline.for_weeks(config.weeks)
    density = calendar.density()
    files: dict[str, list[Path]] = {t: [] for t in TABLES}
    rows: dict[str, int] = {t: 0 for t in TABLES}

    def write(table: str, columns: dict[str, Any], part: int = 0) -> None:
        path = part_path(out_dir, table, part)
        rows[table] += write_parquet(build_table(table, columns), path)
        files[table].append(path)

    report("catalogue", 0, 2)
    cat = make_catalogue(
        np.random.default_rng(seeds["catalogue"]),
        config.users,
        calendar,
        launch_week=timeline.launch_week,
        planted=planted_values(),
    )
    write("partners", partner_columns())
    write("items", cat.columns())
    report("catalogue", 2, 2)
    fashion = cat.of_kind("fashion")
    report("images", 0, len(fashion))
    images = write_item_images(
        out_dir, ((cat.item_id[i], cat.attributes[i]) for i in fashion), seed=config.seed
    )
    report("images", len(images), len(fashion))

    report("users", 0, config.users)
    users = make_users(np.random.default_rng(seeds["users"]), config.users, calendar)
    write("users", users.columns())
    report("users", config.users, config.users)

    tastes = make_tastes(cat, users, calendar, density.week_shares())
    report("campaigns", 0, 2)
    campaigns = make_campaigns(
        np.random.default_rng(seeds["campaigns"]),
        users,
        cat,
        calendar,
        start_week=timeline.campaign_start_week,
        end_week=timeline.campaign_end_week,
        launch_week=timeline.launch_week,
        launch_weeks=timeline.launch_weeks,
        total_events=config.events,
        channel_probs=channel_probs(),
    )
    write("campaigns", campaigns.campaign_columns())
    write("assignments", campaigns.assignment_columns(users))
    report("campaigns", 2, 2)

    world = EventWorld(calendar, density, users, cat, tastes, campaigns)
    plans = plan_chunks(config.events, config.chunk_events, density, campaigns.events.ts)
    _write_events(out_dir, world, plans, seeds["events"], files, rows, report, config.events)

    n_posts = n_posts_for(config.users)
    report("posts", 0, n_posts)
    post_columns, spike, post_truth = make_posts(
        np.random.default_rng(seeds["posts"]),
        n_posts,
        users,
        cat,
        tastes,
        calendar,
        spike_week=timeline.spike_week,
    )
    write("posts", post_columns)
    write_parquet(post_truth, out_dir / POST_TRUTH_PATH)
    report("posts", n_posts, n_posts)

    n_matches = n_matches_for(config.users)
    report("matches", 0, n_matches)
    match_columns, players, played = make_matches(
        np.random.default_rng(seeds["matches"]), n_matches, calendar
    )
    write("matches", match_columns)
    report("matches", n_matches, n_matches)

    truth = build_truth(
        config,
        calendar,
        timeline,
        cat,
        tastes,
        campaigns,
        users,
        spike,
        skills_truth(players, calendar, played),
        rows,
    )
    truth["images"] = {"items": len(images), "folder": ITEM_IMAGE_DIR}
    truth["post_mentions"] = post_mentions_truth(post_truth, cat)
    (out_dir / "truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=2, allow_nan=False, default=json_default)
        + "\n",
        encoding="utf-8",
    )
    return DemoResult(files=files, rows=rows, truth=truth)


def _write_events(
    out_dir: Path,
    world: EventWorld,
    plans: list[ChunkPlan],
    seed: np.random.SeedSequence,
    files: dict[str, list[Path]],
    rows: dict[str, int],
    report: Progress,
    total: int,
) -> None:
    """Generate and write the event chunks on a few threads, at most one chunk per thread."""
    chunk_seeds = seed.spawn(len(plans))
    workers = _workers(len(plans))

    def job(plan: ChunkPlan, chunk_seed: np.random.SeedSequence) -> tuple[Path, int]:
        path = part_path(out_dir, "events", plan.index)
        return path, write_parquet(
            world.chunk(plan, chunk_seed), path, dictionary=DICTIONARY_COLUMNS
        )

    report("events", 0, total)
    done = 0
    results: dict[int, Path] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="demo-events") as pool:
        pending: deque[tuple[int, Future[tuple[Path, int]]]] = deque()

        def collect() -> None:
            nonlocal done
            index, fut = pending.popleft()
            path, n = fut.result()
            results[index] = path
            done += n
            report("events", done, total)

        for plan, chunk_seed in zip(plans, chunk_seeds, strict=True):
            if len(pending) >= workers:
                collect()
            pending.append((plan.index, pool.submit(job, plan, chunk_seed)))
        while pending:
            collect()
    files["events"] = [results[i] for i in sorted(results)]
    rows["events"] = done
