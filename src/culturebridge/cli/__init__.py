"""The `culturebridge` command: one module per command group."""

from __future__ import annotations

import typer

from culturebridge.cli import (
    _analytics,
    _campaign,
    _demo,
    _esports,
    _fashion,
    _ingest,
    _localise,
    _overview,
    _recommend,
    _report,
    _segments,
    _serve,
    _social,
    _workspace,
)

app = typer.Typer(
    name="culturebridge",
    help="Audience intelligence for cross-border creative content: ingest audience data safely, "
    "then ask who the audience is and what it prefers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
_workspace.register(app)
_ingest.register(app)
_demo.register(app)
_segments.register(app)
_analytics.register(app)
_overview.register(app)
_recommend.register(app)
_fashion.register(app)
_social.register(app)
_localise.register(app)
_esports.register(app)
_campaign.register(app)
_serve.register(app)
_report.register(app)


def main() -> None:
    app()


__all__ = ["app", "main"]
