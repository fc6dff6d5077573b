"""One append-only audit log for everything that leaves a workspace: API requests (refused ones
included), file exports (user lists, recommendations) and reports.

`DIR/audit/audit.jsonl`, owner only (0600 in a 0700 folder). Each line is one JSON object
with `channel` ("api", "export" or "report"), when, who, what and the outcome; an export
also names its file and that file's SHA-256, so a file found later can be traced to its request.
"""

from __future__ import annotations

import csv
import getpass
import hashlib
import json
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

from culturebridge.errors import UserError
from culturebridge.privacy._policy import Policy

AUDIT_LOG = Path("audit") / "audit.jsonl"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def who() -> str:
    """The login name of the process' user (the uid where a container has none)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


class AuditLog:
    """Appends JSON lines to a workspace's audit log; safe across threads and processes (each
    line is one `write` on an O_APPEND descriptor)."""

    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.path = root / AUDIT_LOG
        self.enabled = enabled
        self._lock = threading.Lock()
        self._fd: int | None = None

    def write(self, entry: Mapping[str, Any], *, sync: bool = False) -> None:
        if not self.enabled:
            return
        line = (json.dumps(dict(entry), ensure_ascii=False, default=str) + "\n").encode("utf-8")
        with self._lock:
            if self._fd is None:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                os.chmod(self.path.parent, 0o700)
                self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.write(self._fd, line)
            if sync:
                os.fsync(self._fd)

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def audit(root: Path, entry: Mapping[str, Any]) -> None:
    """Append one entry to the workspace's audit log and sync it to disk."""
    log = AuditLog(root)
    try:
        log.write(entry, sync=True)
    finally:
        log.close()


def read_audit(root: Path, channel: str | None = None) -> list[dict[str, Any]]:
    """The log's entries, oldest first (only `channel`'s, when given)."""
    path = root / AUDIT_LOG
    if not path.exists():
        return []
    entries = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return [e for e in entries if channel is None or e.get("channel") == channel]


@dataclass(frozen=True)
class ExportRecord:
    """What the audit log keeps of one export (or refusal)."""

    status: Literal["exported", "refused"]
    rows: int
    path: str
    sha256: str | None
    reason: str | None = None


def export_rows(
    root: Path,
    output: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    users: int,
    command: str,
    kind: str,
    params: Mapping[str, Any],
    policy: Policy | None,
    extra: Mapping[str, Any] | None = None,
) -> ExportRecord:
    """Write a file with one row per person (CSV, atomically) and log it, or the refusal.

    With `policy`, a file about fewer than k distinct users is refused (a handful of ids picked
    by a model can single people out): logged, nothing written, one UserError."""
    entry: dict[str, Any] = {
        "ts": now(),
        "channel": "export",
        "who": who(),
        "command": command,
        "kind": kind,
        "params": dict(params),
        "path": str(output.resolve()),
        "users": users,
        **(extra or {}),
    }
    if policy is not None:
        entry["k"] = policy.k
        if not policy.enough(users):
            reason = (
                f"the list would hold {users} users, fewer than the privacy threshold "
                f"k={policy.k}; nothing was written"
            )
            audit(root, {**entry, "status": "refused", "reason": reason, "rows": 0})
            raise UserError(reason)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    written = 0
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        fh: IO[str]
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(list(header))
            for row in rows:
                w.writerow(list(row))
                written += 1
        digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
        tmp.replace(output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"{output}: cannot write: {exc}") from None
    audit(root, {**entry, "status": "exported", "rows": written, "sha256": digest})
    return ExportRecord("exported", written, str(output), digest)
