"""The epsilon budget: what each partner has spent on noised releases, kept in the workspace.

Each noised release spends epsilon from the requesting partner's budget; once a release would
overspend, it is refused, before any noise is drawn. A release is named by its key (see
`_noise`): the same release asked again gets the same noise and is not charged twice. The
ledger (`privacy/budget.json`, owner only) is rewritten atomically under a lock, so concurrent
processes (and threads) cannot both spend the last of a budget.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from culturebridge.errors import UserError


class BudgetExhausted(UserError):
    """The partner's epsilon budget cannot pay for this release."""


class Ledger:
    """Epsilon spent per partner, with one entry per release."""

    def __init__(self, folder: Path, budget: float) -> None:
        if budget <= 0:
            raise UserError(f"the epsilon budget must be positive, not {budget}")
        self.folder = folder
        self.budget = budget
        self.path = folder / "budget.json"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.folder / ".budget.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            state: dict[str, Any] = (
                json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}
            )
            yield state
            tmp = self.path.with_suffix(".tmp")
            wfd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(wfd, "w", encoding="utf-8") as fh:
                json.dump(state, fh, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        finally:
            os.close(fd)

    def spent(self, partner: str) -> float:
        if not self.path.exists():
            return 0.0
        state = json.loads(self.path.read_text(encoding="utf-8"))
        return float(state.get(partner, {}).get("spent", 0.0))

    def remaining(self, partner: str) -> float:
        return max(self.budget - self.spent(partner), 0.0)

    def spend(self, partner: str, epsilon: float, what: str, key: str | None = None) -> float:
        """Record a release of `epsilon` for `partner`; the budget left, or BudgetExhausted.

        A release whose `key` was charged before costs nothing: its noise is the same, so
        repeating it reveals nothing new."""
        if epsilon <= 0:
            raise UserError(f"epsilon must be positive, not {epsilon}")
        with self._locked() as state:
            entry = state.setdefault(partner, {"spent": 0.0, "releases": []})
            keys = entry.setdefault("keys", [])
            if key is not None and key in keys:
                return self.budget - float(entry["spent"])
            if entry["spent"] + epsilon > self.budget + 1e-12:
                left = self.budget - entry["spent"]
                raise BudgetExhausted(
                    f"partner {partner!r} has epsilon {left:.4g} left of {self.budget:g}; "
                    f"this release needs {epsilon:g}: refused"
                )
            entry["spent"] += epsilon
            entry["releases"].append(
                {
                    "at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "epsilon": epsilon,
                    "what": what,
                }
            )
            if key is not None:
                keys.append(key)
            return self.budget - float(entry["spent"])
