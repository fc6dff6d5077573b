"""The privacy guard: every aggregate that leaves culturebridge passes through here."""

from culturebridge.privacy._guard import COMPLEMENTARY, PRIMARY, Guarded, GuardReport, guard

__all__ = ["COMPLEMENTARY", "PRIMARY", "GuardReport", "Guarded", "guard"]
