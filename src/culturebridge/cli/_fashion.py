"""`fashion`: image and text attributes, fashion trends per segment, collection fit, similar items.

The contract others script against is kept exactly: `tag IMAGE_OR_DIR... [--embedding] --format
jsonl`, `text --input FILE --text-column COL --output OUT.jsonl`, `trends DIR --segment S --period
week [--json]`, `fit DIR --collection LOOKBOOK_DIR --segment S [--json]`, `similar --image PATH`.
Each sub-command lives in its own module and registers itself on `group`.
"""

from __future__ import annotations

import typer

group = typer.Typer(
    help="Fashion intelligence: tag images and posts, trends per segment, collection fit.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    from culturebridge.cli import _fashion_fit, _fashion_tag, _fashion_text, _fashion_trends

    _fashion_tag.register(group)
    _fashion_text.register(group)
    _fashion_trends.register(group)
    _fashion_fit.register(group)
    app.add_typer(group, name="fashion")
