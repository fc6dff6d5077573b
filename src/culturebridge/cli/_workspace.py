"""`init`, `status` and `schema`: create a workspace, see what it holds, see what it expects."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table as RichTable

from culturebridge.cli._common import console, handle_errors, print_json
from culturebridge.config import Backend
from culturebridge.errors import UserError
from culturebridge.privacy import Policy
from culturebridge.schema import TABLES, get_table
from culturebridge.workspace import Workspace

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("status")(status)
    app.command("schema")(schema)


@handle_errors
def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new workspace.")],
    name: Annotated[str | None, typer.Option(help="Workspace name (default: folder name).")] = None,
    backend: Annotated[str, typer.Option(help="Query engine: duckdb or spark.")] = "duckdb",
    json_out: JsonOpt = False,
) -> None:
    """Create a workspace: workspace.toml (0600, with the secret), lake/, warehouse, rejects/."""
    if backend not in ("duckdb", "spark"):
        raise UserError(f"unknown backend {backend!r} (use duckdb or spark)")
    chosen: Backend = "spark" if backend == "spark" else "duckdb"
    ws = Workspace.create(directory, name=name, backend=chosen)
    if json_out:
        print_json({"workspace": str(ws.root), "name": ws.config.name, "backend": chosen})
        return
    console.print(f"Created workspace [bold]{ws.config.name}[/] at {ws.root} (backend {chosen}).")
    console.print(f"Next: culturebridge ingest {directory} --table events FILE ...")


@handle_errors
def status(
    directory: Annotated[Path, typer.Argument(help="Workspace folder.")],
    json_out: JsonOpt = False,
) -> None:
    """Tables with row counts and time ranges, ingest history and rejects."""
    ws = Workspace.open(directory)
    st = {**ws.status(), "privacy_k": Policy(ws.config.privacy, ws.root).k}
    if json_out:
        print_json(st)
        return
    console.print(
        f"Workspace [bold]{st['name']}[/] at {st['workspace']} "
        f"(backend {st['backend']}, privacy k={st['privacy_k']}, version {st['version']})"
    )

    def minute(iso: str | None) -> str:
        return iso[:16].replace("T", " ") if iso else ""

    tbl = RichTable("table", "rows", "files", "from", "to", title="Tables")
    for name, e in st["tables"].items():
        tbl.add_row(
            name, f"{e['rows']:,}", str(e["files"]), minute(e.get("from")), minute(e.get("to"))
        )
    console.print(tbl)
    if st["ingests"]:
        hist = RichTable(
            "finished (UTC)",
            "table",
            "read",
            "accepted",
            "rejected",
            "dupes",
            title="Ingest history",
            caption=f"last {min(20, len(st['ingests']))} of {len(st['ingests'])}; "
            "ids, files and rejects files in --json",
        )
        hist.columns[0].no_wrap = True
        for i in st["ingests"][-20:]:
            hist.add_row(
                minute(i["finished"]),
                i["table"],
                f"{i['read']:,}",
                f"{i['accepted']:,}",
                f"{i['rejected']:,}",
                f"{i['duplicates']:,}",
            )
        console.print(hist)
    _print_quality(st)
    if st["rejected_total"]:
        console.print(f"{st['rejected_total']:,} rejected rows in total; see {directory}/rejects/")


def _print_quality(st: dict[str, Any]) -> None:
    """The data-quality report of each table's last ingest: its figures and warnings."""
    last: dict[str, dict[str, Any]] = {}
    for i in st["ingests"]:
        if i.get("quality"):
            last[i["table"]] = i
    if not last:
        return
    tbl = RichTable(
        "table",
        "ingest",
        "rows from",
        "to",
        "rejects",
        "usual",
        "warnings",
        title="Data quality of each table's last ingest",
        caption="every figure in --json (rejects by reason, new values, unknown references)",
    )
    for table, i in last.items():
        qy = i["quality"]
        usual = qy.get("reject_rate_before")
        tbl.add_row(
            table,
            i["ingest_id"],
            (qy.get("rows_from") or "")[:10],
            (qy.get("rows_to") or "")[:10],
            f"{qy['reject_rate']:.1%}",
            "" if usual is None else f"{usual:.1%}",
            "\n".join(f"[yellow]{w}[/]" for w in qy["warnings"]) or "[green]none[/]",
        )
    console.print(tbl)


@handle_errors
def schema(
    table: Annotated[str | None, typer.Argument(help="One table (default: all).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """The canonical tables: columns, types, enums, required fields and ranges."""
    tables = [get_table(table)] if table else list(TABLES.values())
    if json_out:
        data = [t.to_dict() for t in tables]
        print_json(data[0] if table else data)
        return
    for t in tables:
        out = RichTable(
            "column",
            "type",
            "required",
            "constraints",
            "description",
            title=f"{t.name}: {t.description}",
            title_justify="left",
        )
        for c in t.columns:
            cons = []
            if c.enum:
                cons.append("one of " + "|".join(c.enum))
            if c.min is not None:
                cons.append(f">= {c.min:g}")
            if c.max is not None:
                cons.append(f"<= {c.max:g}")
            if c.max_length:
                cons.append(f"<= {c.max_length} chars")
            if c.pii:
                cons.append("pseudonymised")
            out.add_row(c.name, c.type, "yes" if c.required else "", "; ".join(cons), c.description)
        console.print(out)
        key = ", ".join(t.key)
        extra = (
            f"; derived from a hash of {', '.join(t.hash_fields)} when absent"
            if t.id_column
            else ""
        )
        console.print(f"  key: {key}{extra}\n")
