"""The export guard: the only way an aggregate leaves the warehouse.

A cell (a row of a result) that describes fewer than `k` distinct users is suppressed: its user
count and every figure computed from those users are blanked, and the row says why. Where a
result also publishes the total of a breakdown, one suppressed cell could be recovered as
"total minus the others", so a second cell of that breakdown (the smallest one left) is
suppressed too: complementary suppression. The guard never drops a row silently; it returns
what it suppressed, so a report can say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from culturebridge.errors import UserError
from culturebridge.privacy._budget import Ledger
from culturebridge.privacy._noise import laplace_counts

PRIMARY = "fewer than k users"
COMPLEMENTARY = "complementary: the published total would reveal a suppressed cell"


class GuardReport(BaseModel):
    """What the guard did to one result: enough for a reader to trust (and a test to check)."""

    model_config = ConfigDict(frozen=True)

    k: int = Field(ge=1)
    cells: int
    suppressed: int
    """Cells blanked because they describe fewer than k users."""
    complementary: int
    """Cells blanked so that a published total cannot reveal a suppressed one."""
    blanked_columns: list[str]
    noise: dict[str, Any] | None = None
    """Mechanism, epsilon, sensitivity and budget left, when counts were noised."""
    _issuer: object = PrivateAttr(default=None)
    """Which policy issued the report (see `Policy.issued`); never serialised."""

    def note(self) -> str:
        parts = []
        if self.noise:
            parts.append(
                f"user counts noised ({self.noise['mechanism']}, epsilon {self.noise['epsilon']:g})"
            )
        if not (self.suppressed or self.complementary):
            parts.append(f"no cell below k={self.k} users")
        else:
            parts.append(
                f"{self.suppressed} of {self.cells} cells below k={self.k} users suppressed"
            )
        if self.complementary:
            parts.append(f"{self.complementary} more suppressed to protect published totals")
        return "; ".join(parts)


class Noise(BaseModel):
    """A request for differentially private counts, paid from `partner`'s budget."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    epsilon: float = Field(gt=0)
    partner: str
    ledger: Ledger
    sensitivity: int = Field(default=1, ge=1)
    """Most cells one user can count in (L1 sensitivity of the count vector)."""
    what: str = "release"
    key: str
    """Names the release (see `release_key`): the same key draws the same noise and is charged
    once."""


class Guarded(BaseModel):
    """A result that has passed the guard: the rows (Arrow) and the report."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    table: pa.Table
    report: GuardReport

    def to_pylist(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.table.to_pylist()
        return rows


def guard(
    table: pa.Table,
    *,
    k: int,
    users: str | Sequence[str] = "users",
    blank: Sequence[str] = (),
    partition_by: Sequence[str] | None = None,
    noise: Noise | None = None,
) -> Guarded:
    """Suppress every cell of `table` that describes fewer than `k` users.

    `users` names the column of distinct-user counts per cell (or several: a cell that compares
    two groups describes both, and is as safe as its smaller one); `blank` names the other columns
    computed from a cell's users (shares, lifts, intervals, sums), blanked with it. When the
    result is a breakdown whose total is published, `partition_by` names the columns that
    identify one breakdown (`[]` for a single breakdown of the whole table): within each,
    never exactly one cell is suppressed. Two columns are added: `suppressed` (bool) and
    `suppression` (the reason, or null).

    With `noise`, the budget is charged first (a refused release draws no noise), then the user
    counts get OpenDP Laplace noise and the threshold applies to the noisy counts. Figures in
    `blank` are not re-derived here: a caller that publishes them computes them from the
    noised counts it gets back.
    """
    if k < 1:
        raise UserError(f"privacy threshold k must be at least 1, not {k}")
    user_cols = [users] if isinstance(users, str) else list(users)
    if not user_cols:
        raise ValueError("guard: name at least one user-count column")
    missing = [
        c for c in [*user_cols, *blank, *(partition_by or [])] if c not in table.column_names
    ]
    if missing:
        raise ValueError(f"guard: no column(s) {', '.join(missing)} in the result")
    n = table.num_rows
    noise_info: dict[str, Any] | None = None
    if noise is not None:
        table, _, noise_info = noise_counts(table, user_cols, noise)
    counts = _smallest(table, user_cols)
    # a null count is treated as unknown, hence unsafe
    reason: list[str | None] = [
        PRIMARY if (c is None or c != c or c < k) else None for c in counts.tolist()
    ]
    complementary = 0
    if partition_by is not None and n:
        keys = (
            list(zip(*(table[c].to_pylist() for c in partition_by), strict=True))
            if partition_by
            else [()] * n
        )
        groups: dict[tuple[Any, ...], list[int]] = {}
        for i, key in enumerate(keys):
            groups.setdefault(key, []).append(i)
        for rows in groups.values():
            hidden = [i for i in rows if reason[i] is not None]
            shown = [i for i in rows if reason[i] is None]
            if len(hidden) == 1 and shown:
                smallest = min(shown, key=lambda i: counts[i])
                reason[smallest] = COMPLEMENTARY
                complementary += 1
    suppressed_mask = pa.array([r is not None for r in reason], pa.bool_())
    out = table
    for name in [*user_cols, *blank]:
        col = out[name]
        nulls = pa.nulls(n, col.type)
        out = out.set_column(
            out.schema.get_field_index(name), name, pc.if_else(suppressed_mask, nulls, col)
        )
    out = out.append_column("suppressed", suppressed_mask)
    out = out.append_column("suppression", pa.array(reason, pa.string()))
    report = GuardReport(
        k=k,
        cells=n,
        suppressed=sum(r == PRIMARY for r in reason),
        complementary=complementary,
        blanked_columns=[*user_cols, *blank],
        noise=noise_info,
    )
    return Guarded(table=out, report=report)


def _smallest(table: pa.Table, columns: list[str]) -> Any:
    """Per row, the smallest of the user counts (NaN where any is null: unknown is unsafe)."""
    import numpy as np

    arrays = [
        np.array([np.nan if v is None else float(v) for v in table[c].to_pylist()]) for c in columns
    ]
    return np.fmin.reduce(arrays) if len(arrays) > 1 else arrays[0]


def noise_counts(
    table: pa.Table,
    columns: Sequence[str],
    noise: Noise,
    extra: Sequence[int] = (),
) -> tuple[pa.Table, list[int], dict[str, Any]]:
    """Charge the budget once, then noise the user counts in `columns` and `extra` (totals the
    caller publishes or divides by) as one release. Returns (table, noisy extra, noise info).

    The budget is charged before any noise is drawn, so a refused release reveals nothing.
    """
    left = noise.ledger.spend(noise.partner, noise.epsilon, noise.what, noise.key)
    raw: list[int] = []
    for c in columns:
        values = table[c].to_pylist()
        if any(v is None for v in values):
            raise ValueError("guard: cannot noise null user counts")
        raw.extend(int(v) for v in values)
    raw.extend(int(v) for v in extra)
    noisy = [
        max(v, 0)
        for v in laplace_counts(
            raw, epsilon=noise.epsilon, sensitivity=noise.sensitivity, key=noise.key
        )
    ]
    n = table.num_rows
    for i, c in enumerate(columns):
        part = noisy[i * n : (i + 1) * n]
        table = table.set_column(table.schema.get_field_index(c), c, pa.array(part, table[c].type))
    info = {
        "mechanism": "discrete Laplace, consistent per query",
        "epsilon": noise.epsilon,
        "sensitivity": noise.sensitivity,
        "partner": noise.partner,
        "epsilon_left": left,
    }
    return table, noisy[len(columns) * n :], info
