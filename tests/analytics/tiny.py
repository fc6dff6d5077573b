"""Tiny hand-made workspaces whose answers can be worked out on paper."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from culturebridge.ingest import ingest
from culturebridge.workspace import Workspace


def tiny_workspace(
    root: Path,
    *,
    users: list[dict[str, Any]],
    items: list[dict[str, Any]],
    events: list[dict[str, Any]],
    partners: list[dict[str, Any]] | None = None,
    k: int | None = None,
) -> Workspace:
    """A workspace holding exactly these rows (ingested like any other data)."""
    ws = Workspace.create(root / "ws")
    if k is not None:
        ws.config = ws.config.model_copy(
            update={"privacy": ws.config.privacy.model_copy(update={"k": k})}
        )
        ws.config.write(ws.root / "workspace.toml")
    items = [{"title_en": f"Title {i['item_id']}", **i} for i in items]
    tables = {"partners": partners or [], "items": items, "users": users, "events": events}
    for name, rows in tables.items():
        if not rows:
            continue
        path = root / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        result = ingest(ws, name, [path])
        assert result.rejected == 0, (name, result)
    return Workspace.open(ws.root)
