"""A workspace's privacy settings, applied: the one object that knows k.

Domain code never compares a count with k itself: it asks the policy (`shown`, `enough`) or,
for a table, releases it through the guard, which the policy configures. That keeps the rule
in one place, where complementary suppression, noise and the budget also live.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from culturebridge.privacy._budget import Ledger
from culturebridge.privacy._guard import Guarded, GuardReport, Noise, guard
from culturebridge.privacy._release import Released, seal

if TYPE_CHECKING:
    import pyarrow as pa

    from culturebridge.config import PrivacyConfig

T = TypeVar("T")


class Policy:
    """The privacy settings of one workspace (`[privacy]` in workspace.toml)."""

    def __init__(self, config: PrivacyConfig, root: Path) -> None:
        self._config = config
        self._root = root

    @property
    def k(self) -> int:
        """The smallest group any released figure may describe (for guards and for notes)."""
        return self._config.k

    @property
    def epsilon(self) -> float | None:
        """Epsilon per noised release; None when differential privacy is off."""
        return self._config.epsilon

    @property
    def adhoc_epsilon(self) -> float:
        """Epsilon per release about a partner's ad-hoc segment (always noised)."""
        return self._config.adhoc_epsilon

    def enough(self, users: int | None) -> bool:
        """Whether a group of `users` may be described (unknown is unsafe)."""
        return users is not None and users >= self._config.k

    def shown(self, users: int | None) -> int | None:
        """`users` when a group that size may be published, else None."""
        return users if self.enough(users) else None

    def guard(
        self,
        table: pa.Table,
        *,
        users: str | Sequence[str] = "users",
        blank: Sequence[str] = (),
        partition_by: Sequence[str] | None = None,
        noise: Noise | None = None,
        noise_info: dict[str, Any] | None = None,
    ) -> Guarded:
        """`guard` with this workspace's k (see `culturebridge.privacy.guard`); the report is
        marked as issued here, so that a result holding it can be published. `noise_info` is
        what `noise_counts` returned when the caller noised the counts itself."""
        out = guard(
            table,
            k=self._config.k,
            users=users,
            blank=blank,
            partition_by=partition_by,
            noise=noise,
        )
        report = out.report
        if noise_info is not None:
            report = report.model_copy(update={"noise": noise_info})
        report._issuer = self._mark
        return out.model_copy(update={"report": report})

    @property
    def _mark(self) -> tuple[Path, int]:
        return (self._root, self._config.k)

    def issued(self, report: GuardReport) -> bool:
        """Whether `report` came from this workspace's guard with this k."""
        return report._issuer == self._mark

    def publish(self, value: T, *reports: GuardReport) -> Released[T]:
        """The release step's seal: `value` as `Released`, when every guard report in it (and
        in `reports`) was issued here (a TypeError otherwise: a result that skipped the
        guard)."""
        return seal(value, reports, self.issued)

    def ledger(self) -> Ledger:
        return Ledger(self._root / "privacy", self._config.epsilon_budget)
