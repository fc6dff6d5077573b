"""API keys: created once, shown once, stored hashed, each bound to one partner and a scope.

A key is `cb_` plus 43 URL-safe characters (256 random bits). The store keeps only an HMAC of it
(keyed by the workspace secret), so a copy of `keys/keys.json` without `workspace.toml` opens
nothing, and a leaked store cannot be turned back into keys. Keys carry so much entropy that a
slow password hash would add nothing but latency to every request.

The partner `platform` stands for the platform's own analysts: they see every partner's
item-level results. Any other partner must be in the workspace's `partners` table.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from culturebridge.errors import UserError
from culturebridge.privacy import PLATFORM, item_scope
from culturebridge.query import reference_table
from culturebridge.workspace import Workspace

Scope = Literal["read", "admin", "capture"]
KEYS_FILE = Path("keys") / "keys.json"
PREFIX = "cb_"


class KeyRecord(BaseModel):
    """What the store keeps of one key: never the key itself."""

    model_config = ConfigDict(frozen=True)

    key_id: str
    partner: str
    scope: Scope
    rate_limit: int = Field(ge=1, description="Requests per minute this key may make.")
    created: datetime
    label: str = ""
    revoked: datetime | None = None
    digest: str = Field(repr=False, exclude=False)

    @property
    def item_scope(self) -> str | None:
        """The partner whose items this key sees in detail; None: every partner (platform)."""
        return item_scope(self.partner)


class KeyPublic(BaseModel):
    """A key as the API and `keys list` show it (no digest)."""

    key_id: str
    partner: str
    scope: Scope
    rate_limit: int
    created: datetime
    label: str
    revoked: datetime | None


class NewKey(KeyPublic):
    """A freshly created key: the only time the key itself is shown."""

    key: str


def public(record: KeyRecord) -> KeyPublic:
    return KeyPublic.model_validate(record.model_dump(exclude={"digest"}))


class KeyStore:
    """The workspace's keys (`DIR/keys/keys.json`, owner-only), looked up by digest."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.path = ws.root / KEYS_FILE
        self._secret = ws.config.secret.encode()
        self._mtime: float | None = None
        self._by_digest: dict[str, KeyRecord] = {}

    def digest(self, key: str) -> str:
        return hmac.new(self._secret, key.encode(), hashlib.sha256).hexdigest()

    # ----------------------------------------------------------------- reading

    def records(self) -> list[KeyRecord]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            raise UserError(f"{self.path}: unreadable key store ({exc})") from None
        return [KeyRecord.model_validate(r) for r in raw.get("keys", [])]

    def _refresh(self) -> None:
        """Re-read the store when it changed on disk (a key created or revoked by the CLI
        while the server runs takes effect on the next request)."""
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            mtime = None
        if mtime != self._mtime or mtime is None:
            self._by_digest = {r.digest: r for r in self.records()}
            self._mtime = mtime

    def verify(self, key: str | None) -> KeyRecord | None:
        """The live record for `key`, or None (unknown, malformed or revoked)."""
        if not key or not key.startswith(PREFIX) or len(key) > 200:
            return None
        self._refresh()
        record = self._by_digest.get(self.digest(key))
        if record is None or record.revoked is not None:
            return None
        return record

    # ----------------------------------------------------------------- writing

    def _write(self, records: list[KeyRecord]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = json.dumps(
            {"keys": [r.model_dump(mode="json") for r in records]}, ensure_ascii=False, indent=1
        )
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        self._mtime = None

    def create(
        self, *, partner: str, scope: Scope, rate_limit: int = 1200, label: str = ""
    ) -> NewKey:
        """Create a key for `partner`; the returned NewKey is the only copy of the key."""
        if scope not in ("read", "admin", "capture"):
            raise UserError(f"--scope must be read, admin or capture, not {scope!r}")
        if scope == "capture" and partner != PLATFORM:
            raise UserError("a capture key streams the platform's events: --partner platform")
        if rate_limit < 1:
            raise UserError(f"--rate-limit must be at least 1 request a minute, not {rate_limit}")
        if partner != PLATFORM:
            known = self.partners()
            if partner not in known:
                shown = ", ".join([PLATFORM, *sorted(known)])
                raise UserError(f"unknown partner {partner!r} (known: {shown})")
        key = PREFIX + secrets.token_urlsafe(32)
        with self.ws.settings_lock():  # never waits for an ingest
            records = self.records()
            taken = {r.key_id for r in records}
            key_id = "k_" + secrets.token_hex(4)
            while key_id in taken:
                key_id = "k_" + secrets.token_hex(4)
            record = KeyRecord(
                key_id=key_id,
                partner=partner,
                scope=scope,
                rate_limit=rate_limit,
                created=datetime.now(UTC).replace(microsecond=0),
                label=label,
                digest=self.digest(key),
            )
            self._write([*records, record])
        return NewKey(**public(record).model_dump(), key=key)

    def revoke(self, key_id: str) -> KeyPublic:
        with self.ws.settings_lock():  # never waits for an ingest
            records = self.records()
            for i, r in enumerate(records):
                if r.key_id == key_id:
                    if r.revoked is None:
                        r = r.model_copy(
                            update={"revoked": datetime.now(UTC).replace(microsecond=0)}
                        )
                        records[i] = r
                        self._write(records)
                    return public(r)
        raise UserError(f"no key {key_id!r} in {self.path}")

    def partners(self) -> set[str]:
        ids = reference_table(self.ws, "partners", ["partner_id"])["partner_id"].to_pylist()
        return {str(p) for p in ids}
