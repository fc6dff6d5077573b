"""`keys` and `serve`: API keys for partners, and the REST API with the dashboard."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, cast

import typer
from rich.table import Table as RichTable

from culturebridge.cli._common import console, err_console, handle_errors, print_json
from culturebridge.errors import UserError
from culturebridge.workspace import Workspace

Dir = Annotated[Path, typer.Argument(help="Workspace folder.", metavar="DIR")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]

keys_app = typer.Typer(
    help="API keys: each belongs to one partner (or `platform`) with scope read, admin or capture.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
    app.command("serve")(serve)


@keys_app.command("create")
@handle_errors
def create(
    directory: Dir,
    partner: Annotated[
        str,
        typer.Option(
            "--partner",
            help="Partner id from the partners table, or `platform` for the platform's "
            "analysts (every partner's items).",
        ),
    ],
    scope: Annotated[
        str,
        typer.Option(
            "--scope",
            help="read; admin (ingest and key management too); or capture (only POST "
            "/api/v1/capture: the platform's event stream).",
        ),
    ] = "read",
    rate_limit: Annotated[
        int | None,
        typer.Option(
            "--rate-limit",
            help="Requests a minute (default: CULTUREBRIDGE_API__RATE_LIMIT; 60,000 for a "
            "capture key).",
        ),
    ] = None,
    label: Annotated[str, typer.Option("--label", help="A note: who holds the key.")] = "",
    json_out: JsonOpt = False,
) -> None:
    """Create a key. It is shown once, here; the workspace keeps only its HMAC."""
    from culturebridge.api import KeyStore, Scope
    from culturebridge.config import get_settings

    if scope not in ("read", "admin", "capture"):
        raise UserError(f"--scope must be read, admin or capture, not {scope!r}")
    store = KeyStore(Workspace.open(directory))
    default_rate = 60_000 if scope == "capture" else get_settings().api.rate_limit
    new = store.create(
        partner=partner,
        scope=cast(Scope, scope),
        rate_limit=rate_limit if rate_limit is not None else default_rate,
        label=label,
    )
    if json_out:
        print_json(new.model_dump(mode="json"))
        return
    console.print(
        f"Created key [bold]{new.key_id}[/] for partner [bold]{new.partner}[/] "
        f"(scope {new.scope}, {new.rate_limit} requests a minute). It is shown only now:"
    )
    console.print(new.key, markup=False, highlight=False, soft_wrap=True)


@keys_app.command("list")
@handle_errors
def list_keys(directory: Dir, json_out: JsonOpt = False) -> None:
    """Every key: id, partner, scope, rate limit, created, revoked (never the key)."""
    from culturebridge.api import KeyStore, public

    rows = [public(r) for r in KeyStore(Workspace.open(directory)).records()]
    if json_out:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    if not rows:
        console.print("No keys yet: culturebridge keys create DIR --partner P --scope read")
        return
    t = RichTable("key", "partner", "scope", "per minute", "created", "revoked", "label", box=None)
    for r in rows:
        t.add_row(
            r.key_id,
            r.partner,
            r.scope,
            f"{r.rate_limit:,}",
            r.created.isoformat(),
            r.revoked.isoformat() if r.revoked else "",
            r.label,
        )
    console.print(t)


@keys_app.command("revoke")
@handle_errors
def revoke(
    directory: Dir,
    key_id: Annotated[str, typer.Argument(help="The key's id (k_…), from `keys list`.")],
    json_out: JsonOpt = False,
) -> None:
    """Revoke a key: a running server refuses it from the next request on."""
    from culturebridge.api import KeyStore

    r = KeyStore(Workspace.open(directory)).revoke(key_id)
    if json_out:
        print_json(r.model_dump(mode="json"))
        return
    console.print(f"Revoked {r.key_id} (partner {r.partner}).")


@handle_errors
def serve(
    directory: Dir,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option("--workers", min=1, help="Server processes (rate limits are per process)."),
    ] = 1,
) -> None:
    """The REST API (under /api/v1, OpenAPI at /api/v1/docs) and the dashboard (/), for one
    workspace. Log in to the dashboard with a key from `culturebridge keys create`."""
    import os
    import socket

    import uvicorn

    from culturebridge.api import KeyStore

    ws = Workspace.open(directory)
    if not KeyStore(ws).records():
        err_console.print(
            f"note: no API keys yet; create one with: culturebridge keys create {directory} "
            "--partner platform --scope admin",
            highlight=False,
        )
    try:  # say so in one line before anything is served, rather than after
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    os.environ["CULTUREBRIDGE_SERVE_DIR"] = str(ws.root)
    console.print(f"Serving {ws.config.name} on http://{host}:{port}/  (API: /api/v1/docs)")
    uvicorn.run(
        "culturebridge.api._serve:app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )
