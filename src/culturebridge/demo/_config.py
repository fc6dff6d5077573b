"""The demo's settings and result."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class DemoConfig(BaseModel):
    """How big the synthetic universe is, which seed draws it, and the period it covers.

    The same config gives byte-identical files. The default period (26 weeks from Monday
    2 March 2026, ending 30 August 2026) lies in the past, so the ingest's future-timestamp check
    accepts every row; a later `start` must keep the period's end before "now".
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    users: int = Field(20_000, ge=100, le=10_000_000, description="Number of users.")
    events: int = Field(1_000_000, ge=1000, le=9_000_000_000, description="Number of events.")
    seed: int = Field(42, ge=0, description="Random seed: same seed, same data.")
    weeks: int = Field(26, ge=8, le=104, description="Length of the period in weeks.")
    start: date = Field(date(2026, 3, 2), description="First day of the period (a Monday).")
    chunk_events: int = Field(
        2_000_000, ge=1000, le=50_000_000, description="Events per Parquet file."
    )

    @model_validator(mode="after")
    def _check_period(self) -> DemoConfig:
        if self.start.weekday() != 0:
            raise ValueError(f"start must be a Monday, not {self.start:%A %Y-%m-%d}")
        return self

    @property
    def end(self) -> date:
        """The period's last day."""
        return self.start + timedelta(days=7 * self.weeks - 1)


@dataclass(frozen=True)
class DemoResult:
    """What `generate` wrote: files per table, rows per table, and the planted truth."""

    files: dict[str, list[Path]]
    rows: dict[str, int]
    truth: dict[str, Any] = field(repr=False)
