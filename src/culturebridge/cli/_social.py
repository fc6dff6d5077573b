"""`social`: Chinese social listening: sentiment, title mentions, keywords and topics, alerts.

The contract others script against is kept exactly: `sentiment --input FILE --text-column COL
--output OUT.csv`, `mentions DIR`, `topics DIR --segment S --period week`, `alerts DIR`. Each
sub-command lives in its own module and registers itself on `group`.
"""

from __future__ import annotations

import typer

group = typer.Typer(
    help="Chinese social listening: sentiment, title mentions, keywords and topics, alerts.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    from culturebridge.cli import _social_listen, _social_mentions, _social_sentiment

    _social_sentiment.register(group)
    _social_mentions.register(group)
    _social_listen.register(group)
    app.add_typer(group, name="social")
