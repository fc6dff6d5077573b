"""Every privacy duty: partner scope, k-thresholds with complementary suppression, consistent
noise and the epsilon ledger. Every aggregate that leaves culturebridge passes through here."""

from culturebridge.privacy._audit import (
    AUDIT_LOG,
    AuditLog,
    ExportRecord,
    audit,
    export_rows,
    read_audit,
    who,
)
from culturebridge.privacy._budget import BudgetExhausted, Ledger
from culturebridge.privacy._guard import (
    COMPLEMENTARY,
    PRIMARY,
    Guarded,
    GuardReport,
    Noise,
    guard,
    noise_counts,
)
from culturebridge.privacy._noise import laplace_counts, release_key
from culturebridge.privacy._policy import Policy
from culturebridge.privacy._pseudo import Pseudonymiser
from culturebridge.privacy._release import Released
from culturebridge.privacy._scope import (
    OTHER_PARTNERS,
    PLATFORM,
    fold_values,
    item_scope,
    sees,
)

__all__ = [
    "AUDIT_LOG",
    "AuditLog",
    "ExportRecord",
    "Policy",
    "Pseudonymiser",
    "Released",
    "audit",
    "export_rows",
    "read_audit",
    "who",
    "COMPLEMENTARY",
    "OTHER_PARTNERS",
    "PLATFORM",
    "PRIMARY",
    "BudgetExhausted",
    "GuardReport",
    "Guarded",
    "Ledger",
    "Noise",
    "fold_values",
    "guard",
    "item_scope",
    "laplace_counts",
    "noise_counts",
    "release_key",
    "sees",
]
