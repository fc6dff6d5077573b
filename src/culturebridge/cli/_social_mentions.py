"""`social mentions`: which catalogue items the posts name, how often and in which forms.

`culturebridge social mentions DIR [--item ID] [--from DATE --to DATE] [--output FILE] [--top N]
[--json]` links every post of the period to the items it names (Chinese title with or without
《》, English title, alias, pinyin, Traditional script: `culturebridge.social._mentions`) and
prints, per item, the posts naming it, their distinct known authors and the share of each form.
Items whose posts have fewer than k distinct authors are suppressed, as every count is.
`--output` writes the per-post links (post_id, ts, item_id, form, surface, marked,
traditional) of the published items as CSV or Parquet: no user id leaves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pyarrow as pa
import typer
from rich import box
from rich.table import Table as RichTable
from rich.text import Text

from culturebridge.cli._analytics import (
    BackendOpt,
    Dir,
    JsonOpt,
    Options,
    PartnerOpt,
    fmt,
    open_analysis,
)
from culturebridge.cli._common import (
    console,
    err_console,
    handle_errors,
    print_released,
    running,
)
from culturebridge.errors import UserError
from culturebridge.social import MentionsResult, item_mentions

OUTPUT_FORMATS = (".csv", ".parquet")


def register(group: typer.Typer) -> None:
    group.command("mentions")(mentions_cmd)


def _check_output(path: Path | None) -> None:
    if path is None:
        return
    if path.suffix.lower() not in OUTPUT_FORMATS:
        raise UserError(f"--output must end in .csv or .parquet, not {path.name!r}")
    if not path.parent.is_dir():
        raise UserError(f"--output: no folder {str(path.parent)!r} to write {path.name!r} in")


def write_links(links: pa.Table, path: Path) -> None:
    """The per-post links as CSV (UTF-8, header) or Parquet, by the file's suffix."""
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        pq.write_table(links, path)
        return
    import pyarrow.csv as pcsv

    pcsv.write_csv(links, path)


@handle_errors
def mentions_cmd(
    directory: Dir,
    item: Annotated[
        str | None, typer.Option("--item", help="Only this item (an item_id of the workspace).")
    ] = None,
    period_from: Annotated[
        str | None,
        typer.Option(
            "--from", "--period-from", metavar="YYYY-MM-DD", help="First day read (inclusive)."
        ),
    ] = None,
    period_to: Annotated[
        str | None,
        typer.Option(
            "--to", "--period-to", metavar="YYYY-MM-DD", help="Last day read (inclusive)."
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Also write the per-post links (no user ids) to FILE.csv or FILE.parquet.",
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Items shown in the table.")] = 20,
    partner: PartnerOpt = None,
    backend: BackendOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Posts naming each catalogue item, and the forms they name it in.

    A post names an item by its Chinese title (with or without 《》), its English title, an
    alias (the item's attributes `aliases`, '|'-separated), its pinyin, or any of these in
    Traditional script. Titles that are everyday words (王朝) count only inside 《》.
    """
    _check_output(output)
    opts = Options(backend, partner, None, False, period_from, period_to)
    with open_analysis(directory, opts) as a:
        result, links = running(
            lambda: item_mentions(a, item=item), "linking posts to items", json_out
        )
        out = a.publish(result)
    if output is not None:
        write_links(links, output)
    notes = [f"privacy: {result.privacy.note()}"]
    if output is not None:
        notes.append(f"per-post links: {links.num_rows:,} rows written to {output}")
        if result.withheld_links:
            notes.append(
                f"{result.withheld_links:,} links left out of the file: suppressed items'"
                + (" and other partners' items'" if partner else "")
            )
    if json_out:
        print_released(out)
        for note in notes:
            err_console.print(note, highlight=False, markup=False)
        return
    _draw(result, top)
    for note in notes:
        console.print(Text(note, style="dim"))


def _pct(x: float | None) -> str:
    return fmt(None if x is None else 100 * x, ".0f")


def _draw(r: MentionsResult, top: int) -> None:
    period = ""
    if r.scope.period_from or r.scope.period_to:
        period = f" from {r.scope.period_from or 'the start'} to {r.scope.period_to or 'the end'}"
    console.print(
        f"[bold]{r.linked_posts:,}[/] of {r.posts:,} posts{period} name an item"
        + (f" ({r.item})" if r.item else "")
    )
    if not r.rows:
        console.print("[dim]no post names an item[/]")
        return
    t = RichTable(
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
        caption="% of the item's posts in each form",
    )
    t.add_column("item", no_wrap=True)
    t.add_column("title", max_width=12, no_wrap=True, overflow="ellipsis")
    for col in ("posts", "authors", "zh", "en", "alias", "pinyin", "《》", "trad."):
        t.add_column(col, justify="right", no_wrap=True)
    for row in r.rows[:top]:
        title = row.title_zh or row.title_en or ""
        if row.suppressed:
            t.add_row(row.item_id, title, "[dim]suppressed[/]", *[""] * 7)
            continue
        t.add_row(
            row.item_id,
            title,
            fmt(row.posts, ","),
            fmt(row.authors, ","),
            _pct(row.share_title_zh),
            _pct(row.share_title_en),
            _pct(row.share_alias),
            _pct(row.share_pinyin),
            _pct(row.share_marked),
            _pct(row.share_traditional),
        )
    console.print(t)
    if len(r.rows) > top:
        console.print(Text(f"{len(r.rows) - top} more items (--top, --json)", style="dim"))
