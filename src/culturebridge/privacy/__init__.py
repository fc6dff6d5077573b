"""The privacy guard: every aggregate that leaves culturebridge passes through here."""

from culturebridge.privacy._budget import BudgetExhausted, Ledger, laplace_counts
from culturebridge.privacy._guard import (
    COMPLEMENTARY,
    PRIMARY,
    Guarded,
    GuardReport,
    Noise,
    guard,
    noise_counts,
)

__all__ = [
    "COMPLEMENTARY",
    "PRIMARY",
    "BudgetExhausted",
    "GuardReport",
    "Guarded",
    "Ledger",
    "Noise",
    "guard",
    "laplace_counts",
    "noise_counts",
]
