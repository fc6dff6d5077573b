"""`fashion fit`: score a designer's lookbook against a segment's preferences and trends.

`culturebridge fashion fit DIR --collection LOOKBOOK_DIR --segment S [--json]`: LOOKBOOK_DIR is
a folder of images, optionally with `looks.csv` (image, caption). Prints each look's fit (the
expected engagement multiplier against a typical piece), the attributes that help and hurt,
and the collection's overall fit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from culturebridge.cli._analytics import (
    BackendOpt,
    Dir,
    JsonOpt,
    Options,
    PartnerOpt,
    PeriodOpt,
    SegmentOpt,
    open_analysis,
)
from culturebridge.cli._common import console, err_console, handle_errors, print_json, running
from culturebridge.errors import UserError
from culturebridge.fashion import HORIZON, Contribution, collection_fit


def register(group: typer.Typer) -> None:
    group.command("fit")(fit_cmd)


def _parts(parts: list[Contribution]) -> str:
    return ", ".join(f"{c.value} ({c.note})" for c in parts) or "-"


@handle_errors
def fit_cmd(
    directory: Dir,
    collection: Annotated[
        Path, typer.Option("--collection", help="Lookbook folder: images [+ looks.csv].")
    ],
    segment: SegmentOpt,
    period: PeriodOpt = "week",
    horizon: Annotated[
        int, typer.Option("--horizon", min=0, max=52, help="Periods a trend is projected.")
    ] = HORIZON,
    partner: PartnerOpt = None,
    backend: BackendOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """How well each look, and the collection, fits the segment's tastes and where they move."""
    if period not in ("day", "week", "month"):
        raise UserError(f"--period must be day, week or month, not {period!r}")
    opts = Options(backend, partner, None, False, None, None)
    with open_analysis(directory, opts) as a:
        result = running(
            lambda: collection_fit(
                a,
                segment=segment,
                collection=collection,
                period=period,  # type: ignore[arg-type]
                horizon=horizon,
            ),
            "scoring the collection",
            json_out,
        )
    if json_out:
        print_json(result.model_dump(mode="json"))
    else:
        table = RichTable(
            title=f"Collection fit for {segment} ({result.segment_definition}): "
            f"×{result.multiplier:.2f} against a typical piece"
        )
        for col in ("look", "fit", "attributes", "helps", "hurts"):
            table.add_column(col, overflow="fold")
        for look in result.looks:
            attrs = ", ".join(f"{k}={v}" for k, v in look.attributes.items())
            table.add_row(
                Path(look.image).name,
                f"×{look.multiplier:.2f}",
                attrs,
                _parts(look.helps),
                _parts(look.hurts),
            )
        console.print(table)
    for line in result.unreadable:
        err_console.print(f"skipped {line}", highlight=False, markup=False)
