"""`recommend`: fit a model, write top-N lists, find similar items, evaluate, explain.

The contract others script against is kept exactly: `fit (--interactions FILE | --workspace
DIR) [--model NAME] [--param key=value ...] --out MODEL_DIR`, `topn --model-dir MODEL_DIR
--users USERS.txt --n N --output RECS.csv`, `similar --model-dir MODEL_DIR --item ID [--n N]`,
`evaluate --interactions TRAIN.csv --test TEST.csv --models a,b,c [--json]`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table as RichTable

from culturebridge.cli import _recommend_audience
from culturebridge.cli._common import console, err_console, handle_errors, print_json, progress_bar
from culturebridge.errors import UserError
from culturebridge.privacy import export_rows
from culturebridge.query import ItemTitle, item_titles, titled
from culturebridge.recommend import (
    DEFAULT_MODEL,
    REGISTRY,
    Recommender,
    WorkspaceSource,
    evaluate_files,
    explain,
    from_workspace,
    make_model,
    parse_params,
    read_interactions_csv,
)
from culturebridge.workspace import Workspace

group = typer.Typer(
    help="Recommend titles, games and products: fit models, write top-N lists, evaluate.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="recommend")
    _recommend_audience.register(group)


@group.command("fit")
@handle_errors
def fit(
    out: Annotated[Path, typer.Option("--out", help="Model directory to write.")],
    interactions: Annotated[
        Path | None,
        typer.Option("--interactions", help="CSV with a header user_id,item_id[,ts][,value]."),
    ] = None,
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", help="Workspace folder: events weighted by type, decayed."),
    ] = None,
    model: Annotated[
        str,
        typer.Option(
            "--model", help=f"Model: {', '.join(sorted(REGISTRY))} (default {DEFAULT_MODEL})."
        ),
    ] = DEFAULT_MODEL,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", help="Model parameter key=value (repeatable), e.g. reg=200."),
    ] = None,
    half_life: Annotated[
        float | None,
        typer.Option(
            "--half-life-days", help="Workspace: days for an event's weight to halve (0: none)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail on the first bad CSV row instead of rejecting.")
    ] = False,
) -> None:
    """Fit a model on a CSV of interactions or on a workspace's events and save it."""
    if (interactions is None) == (workspace is None):
        raise UserError("give exactly one of --interactions FILE or --workspace DIR")
    ws = Workspace.open(workspace) if workspace is not None else None
    if ws is not None and model == "ials" and ws.config.backend == "spark":
        model = "spark-als"  # the workspace's data lives in Spark: train ALS there (MLlib)
        err_console.print("the workspace's backend is Spark: ials is trained by Spark MLlib")
    params = parse_params(param or [], model)
    recommender = make_model(model, params)
    source: dict[str, Any]
    if interactions is not None:
        read = read_interactions_csv(interactions, strict=strict)
        data = read.data
        source = {"interactions": str(interactions), "rows_read": read.rows_read}
        source["rejected"] = len(read.rejected)
        source["accepted"] = read.rows_read - len(read.rejected)
        if len(read.rejected):
            out.mkdir(parents=True, exist_ok=True)
            read.rejected.to_csv(out / "rejects.csv", index=False)
            err_console.print(
                f"{len(read.rejected):,} of {read.rows_read:,} rows rejected "
                f"(reasons in {out / 'rejects.csv'})"
            )
    else:
        assert ws is not None
        src = WorkspaceSource()
        if half_life is not None:
            src = WorkspaceSource(half_life_days=half_life or None)
        data = from_workspace(ws, src, features=recommender.needs_features)
        source = {"workspace": str(workspace), **src.model_dump(mode="json")}
    if recommender.needs_features and data.item_features is None:
        raise UserError(
            f"model {model} ranks items by content: fit it with --workspace DIR, whose items "
            "table has the titles, descriptions and attributes"
        )
    start = time.perf_counter()
    with console.status(f"fitting {model} on {len(data):,} interactions"):
        recommender.fit(data, rng=seed)
    seconds = time.perf_counter() - start
    recommender.save(out, source=source | {"fit_seconds": round(seconds, 3), "seed": seed})
    console.print(
        f"{model}: {data.n_users:,} users x {data.n_items:,} items, {len(data):,} interactions, "
        f"fitted in {seconds:.2f}s -> {out}"
    )


def _read_users(path: Path) -> list[str]:
    if not path.is_file():
        raise UserError(f"{path}: no such users file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text; expected one user id per line") from None
    users = [ln.strip() for ln in lines if ln.strip()]
    if users and users[0] == "user_id":
        users = users[1:]
    if not users:
        raise UserError(f"{path}: no user ids (expected one user id per line)")
    return list(dict.fromkeys(users))


def _workspace_of(path: Path) -> Path:
    """The workspace folder holding `path` (its models/), or `path` itself outside one."""
    path = path.resolve()
    for folder in (path, *path.parents):
        if (folder / "workspace.toml").is_file():
            return folder
    return path


@group.command("topn")
@handle_errors
def topn(
    model_dir: Annotated[Path, typer.Option("--model-dir", help="A directory written by fit.")],
    users: Annotated[Path, typer.Option("--users", help="Text file, one user id per line.")],
    output: Annotated[Path, typer.Option("--output", help="CSV to write.")],
    n: Annotated[int, typer.Option("--n", min=1, help="Items per user.")] = 10,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Users scored at once (bounds memory).")
    ] = 2048,
) -> None:
    """Write user_id,item_id,rank,score for each user (rank from 1), seen items excluded."""
    model = Recommender.load(model_dir)
    ids = _read_users(users)
    rows = model.user_rows(ids)
    unknown = int((rows < 0).sum())
    item_ids = model.item_ids

    def ranked(update: Any) -> Iterator[tuple[str, str, int, str]]:
        for start in range(0, len(ids), batch_size):
            block = rows[start : start + batch_size]
            recs = model.recommend(block, n, batch_size=batch_size)
            for u, items, scores in zip(
                ids[start : start + batch_size], recs.items, recs.scores, strict=True
            ):
                for rank, (i, s) in enumerate(zip(items.tolist(), scores.tolist(), strict=True), 1):
                    if i < 0:
                        break
                    yield u, item_ids[i], rank, f"{s:.6g}"
            update("ranking", min(start + batch_size, len(ids)), len(ids))

    # per-user lists leave the warehouse: logged, with the file's digest, in the audit log of
    # the workspace the model lives in (or beside the model when it lives outside one)
    root = _workspace_of(model_dir)
    with progress_bar(len(ids) > batch_size) as update:
        record = export_rows(
            root,
            output,
            ["user_id", "item_id", "rank", "score"],
            ranked(update),
            users=len(ids),
            command="recommend topn",
            kind="recommendations",
            params={"model_dir": str(model_dir), "users": str(users), "n": n},
            policy=None,
        )
    written = record.rows
    console.print(f"{written:,} recommendations for {len(ids):,} users -> {output}")
    if unknown:
        with_segment = model.user_segments is not None
        err_console.print(
            f"{unknown:,} user(s) unknown to the model got the most popular items"
            + (" (platform-wide; their segment is unknown)" if with_segment else "")
        )
    cold = int(((rows >= 0) & (np.diff(model.history.indptr)[np.maximum(rows, 0)] == 0)).sum())
    if cold:
        err_console.print(
            f"{cold:,} known user(s) without interactions got their segment's popular items"
        )


@group.command("similar")
@handle_errors
def similar(
    model_dir: Annotated[Path, typer.Option("--model-dir", help="A directory written by fit.")],
    item: Annotated[str, typer.Option("--item", help="Item id.")],
    n: Annotated[int, typer.Option("--n", min=1, help="How many.")] = 10,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """The items most like ITEM according to the model, by title (from the workspace the
    model lives in)."""
    model = Recommender.load(model_dir)
    idx, scores = model.similar_items(model.item_row(item), n)
    ids = [str(model.item_ids[i]) for i in idx.tolist() if i >= 0]
    titles = _titles_near(model_dir, [item, *ids])
    rows = []
    for r, (i, s) in enumerate(zip(idx.tolist(), scores.tolist(), strict=True), 1):
        if i < 0:
            continue
        t = titles.get(str(model.item_ids[i]))
        rows.append({"rank": r, "item_id": str(model.item_ids[i]),
                     "title_en": t.title_en if t else None, "title_zh": t.title_zh if t else None,
                     "score": round(float(s), 6)})  # fmt: skip
    if json_out:
        print_json(rows)
        return
    table = RichTable(title=f"Items like {titled(item, titles)} ({model.name})")
    for col in ("rank", "item", "score"):
        table.add_column(col, justify="right" if col != "item" else "left")
    for row in rows:
        table.add_row(str(row["rank"]), titled(str(row["item_id"]), titles), f"{row['score']:.4f}")
    console.print(table)


def _titles_near(model_dir: Path, ids: list[str]) -> dict[str, ItemTitle]:
    """The titles of `ids` in the workspace holding the model (none outside a workspace)."""
    root = _workspace_of(model_dir)
    if not (root / "workspace.toml").is_file():
        return {}
    return item_titles(Workspace.open(root), ids)


@group.command("evaluate")
@handle_errors
def evaluate(
    interactions: Annotated[
        Path, typer.Option("--interactions", help="Training CSV user_id,item_id[,ts][,value].")
    ],
    test: Annotated[Path, typer.Option("--test", help="Test CSV with the same columns.")],
    models: Annotated[
        str, typer.Option("--models", help="Comma-separated model names, e.g. pop,ease,ials.")
    ],
    k: Annotated[int, typer.Option("--k", min=1, help="Cut-off for NDCG, HR and MAP.")] = 10,
    recall_k: Annotated[int, typer.Option("--recall-k", min=1, help="Cut-off for recall.")] = 20,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", help="model.key=value (repeatable), e.g. ease.reg=200."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Fit each model on the training file and rank every item for the test users."""
    names = [m.strip() for m in models.split(",") if m.strip()]
    if not names:
        raise UserError("--models: name at least one model")
    for name in names:
        make_model(name)  # unknown names fail before any work
    params: dict[str, dict[str, Any]] = {}
    for pair in param or []:
        target, dot, rest = pair.partition(".")
        if not dot or target not in names:
            raise UserError(f"--param {pair!r}: expected MODEL.key=value for one of --models")
        params.setdefault(target, {}).update(parse_params([rest], target))
    with progress_bar(not json_out) as update:
        result = evaluate_files(
            interactions, test, names, params=params, k=k, recall_k=recall_k, progress=update
        )
    if json_out:
        print_json(result.model_dump(mode="json"))
        return
    table = RichTable(title=f"{result.test_users:,} test users, full ranking, seen items excluded")
    heads = [
        "model",
        f"NDCG@{k}",
        f"Recall@{recall_k}",
        f"HR@{k}",
        f"MAP@{k}",
        "coverage",
        "novelty",
        "pop. bias",
        "fit s",
    ]
    for h in heads:
        table.add_column(h, justify="left" if h == "model" else "right")
    for row in result.models:
        table.add_row(
            row.model,
            f"{row.ndcg:.4f}",
            f"{row.recall:.4f}",
            f"{row.hit_rate:.4f}",
            f"{row.map:.4f}",
            f"{row.coverage:.3f}",
            f"{row.novelty:.2f}",
            f"{row.popularity_bias:.1f}",
            f"{row.fit_seconds:.2f}",
        )
    console.print(table)


@group.command("explain")
@handle_errors
def explain_cmd(
    model_dir: Annotated[Path, typer.Option("--model-dir", help="A directory written by fit.")],
    workspace: Annotated[
        Path, typer.Option("--workspace", help="Workspace whose items name the titles.")
    ],
    user: Annotated[list[str] | None, typer.Option("--user", help="User id (repeatable).")] = None,
    sample: Annotated[
        int, typer.Option("--sample", min=0, help="Also explain this many random users.")
    ] = 0,
    n: Annotated[int, typer.Option("--n", min=1, help="Items per user.")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="Seed for --sample.")] = 0,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Recommendations with why: the user's segment and the items they engaged with that
    point to each recommendation."""
    model = Recommender.load(model_dir)
    ids = list(user or [])
    if sample:
        active = np.flatnonzero(np.diff(model.history.indptr) > 0)
        rng = np.random.default_rng(seed)
        pick = rng.choice(active, size=min(sample, len(active)), replace=False)
        ids += [str(model.user_ids[i]) for i in sorted(pick.tolist())]
    if not ids:
        raise UserError("name a user with --user ID or ask for --sample N")
    result = explain(model, Workspace.open(workspace), ids, n=n)
    if json_out:
        print_json([r.model_dump(mode="json") for r in result])
        return
    for r in result:
        head = f"[bold]{r.user_id}[/]  segment {r.segment or 'unknown'}, "
        head += f"{r.history_items} items in history" + (
            " (popular fallback)" if r.fallback else ""
        )
        console.print(head)
        table = RichTable(show_header=True, box=None, pad_edge=False)
        for col in ("#", "item", "title", "score", "because they engaged with"):
            table.add_column(col)
        for rec in r.recommendations:
            because = "; ".join(rec.because) if rec.because else "popular in their segment"
            table.add_row(str(rec.rank), rec.item_id, rec.title, f"{rec.score:.3f}", because)
        console.print(table)
        console.print()
