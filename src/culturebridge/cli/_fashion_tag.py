"""`fashion tag`, `fashion similar` and `fashion train`: the image side of fashion intelligence."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from culturebridge.cli._common import err_console, handle_errors, print_json, progress_bar
from culturebridge.errors import UserError


def counting(
    update: Callable[[str, int, int], None], stage: str, total: int
) -> Callable[[int], None]:
    """Adapt `progress_bar`'s update(stage, done, total) to an advance(k) callback."""
    done = 0

    def advance(k: int) -> None:
        nonlocal done
        done += k
        update(stage, done, total)

    return advance


def register(group: typer.Typer) -> None:
    group.command("tag")(tag)
    group.command("similar")(similar)
    group.command("train")(train)


@handle_errors
def tag(
    paths: Annotated[list[Path], typer.Argument(help="Image files or folders of images.")],
    embedding: Annotated[
        bool, typer.Option("--embedding", help="Add the 1280-d unit-length image embedding.")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="Output format: jsonl.")] = "jsonl",
) -> None:
    """Tag images: garment, article type, sub-category, base colour, named colours, pattern.

    Prints one JSON object per image, in input order: path; garment (the designer's word:
    {label, name_en, name_zh, score}, or label "unsure" with a reason and the best_guess when
    the calibrated score is below the trained threshold or the picture looks like no catalogue
    photo); article_type and sub_category (the catalogue's own labels, {label, score}, scores
    calibrated); colours (name_en, name_zh, hex, share; largest share first), pattern
    ({label, score}) and base_colour (the article's colour, as the catalogue's baseColour records
    it), plus embedding with --embedding. A file that cannot be read gets
    {"path": ..., "error": ...} in its place and a line on stderr; the rest go on, and the exit
    code is 1 if any file failed.
    """
    from culturebridge.fashion import TagError, find_images
    from culturebridge.fashion import default_image_tagger as default_tagger

    if fmt != "jsonl":
        raise UserError(f"--format must be jsonl, not {fmt!r}")
    files = find_images(paths)
    if not files:
        raise UserError("no images found in " + ", ".join(str(p) for p in paths))
    tagger = default_tagger()
    failed = 0
    started = time.perf_counter()
    with progress_bar(err_console.is_terminal) as update:
        advance = counting(update, "tagging", len(files))
        for result in tagger.tag_paths(files, on_done=advance):
            if isinstance(result, TagError):
                failed += 1
                err_console.print(f"[red]skipped[/] {result.path}: {result.error}", highlight=False)
            line = (
                result.as_json()
                if isinstance(result, TagError)
                else result.as_json(embedding=embedding)
            )
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
            sys.stdout.flush()
    took = time.perf_counter() - started
    err_console.print(
        f"tagged {len(files) - failed} of {len(files)} images in {took:.1f} s"
        + (f"; {failed} could not be read" if failed else ""),
        highlight=False,
    )
    if failed:
        raise typer.Exit(1)


@handle_errors
def similar(
    image: Annotated[Path, typer.Option("--image", help="The query image.")],
    workspace: Annotated[
        Path | None,
        typer.Option("--workspace", help="Search the workspace's product images."),
    ] = None,
    index: Annotated[
        Path | None, typer.Option("--index", help="Search a folder of images instead.")
    ] = None,
    n: Annotated[int, typer.Option("--n", min=1, help="How many neighbours.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Products that look most like IMAGE (cosine similarity of image embeddings).

    Searches the workspace's product images (--workspace), a folder (--index), or by default
    the workspace in the current directory if there is one, else the images beside IMAGE.
    Embeddings are cached (the workspace's cache/image_tags.npz, or
    `.culturebridge-embeddings.npz` in the folder) and refreshed when files change.
    """
    from culturebridge.fashion import ImageIndex

    if not image.is_file():
        raise UserError(f"{image}: no such file")
    if workspace is not None and index is not None:
        raise UserError("give --workspace DIR or --index FOLDER, not both")
    if workspace is None and index is None:
        if (Path.cwd() / "workspace.toml").is_file():
            workspace = Path.cwd()
        else:
            index = image.parent
        err_console.print(f"searching {workspace or index}", highlight=False)
    from culturebridge.cli._common import running

    idx = running(
        lambda: (
            ImageIndex.for_workspace(workspace)
            if workspace is not None
            else ImageIndex.for_folder(index)  # type: ignore[arg-type]
        ),
        "reading the image index",
        as_json,
    )
    hits = running(lambda: idx.query(image, n=n), "comparing images", as_json)
    from culturebridge.query import item_titles, titled
    from culturebridge.workspace import Workspace

    base = Path(workspace if workspace is not None else index or ".").resolve()
    titles = (
        item_titles(Workspace.open(workspace), (h.item_id for h in hits if h.item_id))
        if workspace is not None
        else {}
    )
    # paths relative to the workspace (or folder) searched: a reader has no use for the
    # server's directories, and should not see them
    shown = [h.model_copy(update={"path": _relative(h.path, base)}) for h in hits]
    if as_json:
        print_json({"query": image.name, "neighbours": [h.model_dump() for h in shown]})
        return
    from rich.table import Table

    from culturebridge.cli._common import console

    table = Table(title=f"Most similar to {image.name}")
    for col in ("rank", "item", "similarity", "image"):
        table.add_column(col)
    for rank, h in enumerate(shown, 1):
        item = titled(h.item_id, titles) if h.item_id else ""
        table.add_row(str(rank), item, f"{h.similarity:.3f}", h.path)
    console.print(table)


def _relative(path: str, base: Path) -> str:
    p = Path(path)
    try:
        return p.resolve().relative_to(base).as_posix()
    except ValueError:
        return p.name


@handle_errors
def train(
    catalogue: Annotated[
        Path, typer.Option("--catalogue", help="Folder with styles.csv and images/ID.jpg.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder to write heads.npz and heads.json.")],
) -> None:
    """Train the article-type, sub-category and base-colour heads on a product catalogue.

    Split by product id (id % 5: 0 test, 1 validation, else train). Validation chooses each
    head's L2 penalty and temperature (calibrated scores), the garment score below which
    `fashion tag` answers "unsure", and how unlike the catalogue a picture must be to be
    "unsure" whatever its score; the heads are then refitted on training + validation. Each
    image is also seen mirrored and in one augmented view (a crop, greyscale, a flat
    illustration or another colourway).
    """
    from culturebridge.fashion import (
        extract_features,
        meta_record,
        read_catalogue,
        save_heads,
        train_heads,
    )

    cat = read_catalogue(catalogue)
    if len(cat.ids) == 0:
        raise UserError(f"{catalogue}: no products with images")
    with progress_bar(err_console.is_terminal) as update:
        feats = extract_features(
            cat.images,
            augment_ids=[int(i) for i in cat.ids],
            on_done=counting(update, "features", len(cat.ids)),
        )
    heads, guard = train_heads(cat, feats, log=lambda m: err_console.print(m, highlight=False))
    save_heads(heads, out, meta_record(cat, heads, guard), guard)
    err_console.print(f"wrote {out}/heads.npz and heads.json", highlight=False)
