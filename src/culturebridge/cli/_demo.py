"""`demo`: build the synthetic universe with planted truth and ingest it into a workspace."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from culturebridge.cli._common import console, handle_errors, print_json, progress_bar
from culturebridge.errors import UserError
from culturebridge.ingest import ingest
from culturebridge.schema import TABLES
from culturebridge.workspace import Workspace


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


@handle_errors
def demo(
    directory: Annotated[Path, typer.Argument(help="Workspace folder (created if needed).")],
    users: Annotated[int, typer.Option(min=100, help="Number of users.")] = 20_000,
    events: Annotated[int, typer.Option(min=1000, help="Number of events.")] = 1_000_000,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same data.")] = 42,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Generate the demo universe with planted truth and ingest it like real data.

    Partners, items, users, events, posts, matches and a randomised campaign go through the
    normal validation and pseudonymisation path.

    The planted truth (segment preferences, trends, an older-skewing item, a sentiment spike,
    the campaign's uplift, every player's skill) is written to DIR/truth.json, which post names
    which item (and how) to DIR/truth/posts.parquet, and a product photo of every fashion item
    to DIR/images/items/ (its image_uri, relative to DIR).
    """
    from culturebridge.demo import ITEM_IMAGE_DIR, POST_TRUTH_PATH, DemoConfig, generate

    try:
        config = DemoConfig(users=users, events=events, seed=seed)
    except ValueError as exc:
        raise UserError(str(exc).splitlines()[0]) from None
    ws = Workspace.create(directory, exist_ok=True)
    # Generated files hold raw user ids: they live outside the workspace and are removed after.
    source = Path(tempfile.mkdtemp(prefix="culturebridge-demo-"))
    started = time.perf_counter()
    show = not json_out and sys.stderr.isatty()
    summary: dict[str, Any] = {"workspace": str(ws.root), "tables": {}}
    try:
        with progress_bar(show) as update:
            result = generate(source, config, progress=update)
        gen_s = time.perf_counter() - started
        with progress_bar(show, bytes_mode=True) as update:
            for table in TABLES:
                files = result.files.get(table, [])
                if not files:
                    continue
                r = ingest(ws, table, files, progress=update)
                summary["tables"][table] = {
                    k: r.to_dict()[k] for k in ("read", "accepted", "rejected", "duplicates")
                }
        # item images hold no user data: they move into the workspace, where image_uri points
        images = ws.root / ITEM_IMAGE_DIR
        if (source / ITEM_IMAGE_DIR).is_dir():
            shutil.copytree(source / ITEM_IMAGE_DIR, images, dirs_exist_ok=True)
        summary["images"] = {"items": result.truth["images"]["items"], "folder": str(images)}
        # the per-post truth names posts and items, no user: it sits beside truth.json, whose
        # post_mentions.path is relative to the workspace root as it was to the demo's folder
        if (source / POST_TRUTH_PATH).is_file():
            (ws.root / POST_TRUTH_PATH).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / POST_TRUTH_PATH, ws.root / POST_TRUTH_PATH)
        # the tags and embeddings that the first questions need, computed once here (as after
        # any ingest) rather than by whoever asks first
        from culturebridge.caches import warm_caches

        with progress_bar(show) as update:
            warmed = warm_caches(ws, ["posts", "items", "matches"], update)
        summary["caches"] = {w.cache: w.skipped or w.entries for w in warmed}
        truth_path = ws.root / "truth.json"
        truth_path.write_text(
            json.dumps(result.truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    finally:
        # the generated files hold raw user ids: they never stay in the workspace
        shutil.rmtree(source, ignore_errors=True)
    total_s = time.perf_counter() - started
    summary.update(
        generate_s=round(gen_s, 2),
        total_s=round(total_s, 2),
        truth=str(truth_path),
        events_per_s=round(events / gen_s) if gen_s else None,
    )
    if json_out:
        print_json(summary)
        return
    console.print(
        f"Demo universe (seed {seed}) generated in {gen_s:.1f}s and ingested in "
        f"{total_s - gen_s:.1f}s into {ws.root}"
    )
    for table, c in summary["tables"].items():
        console.print(
            f"  {table:<12} {c['accepted']:>12,} rows"
            + (f"  ({c['rejected']:,} rejected)" if c["rejected"] else "")
        )
    console.print(f"  item images  {summary['images']['items']:>12,} in {images}")
    console.print(f"  planted truth: {truth_path}")
