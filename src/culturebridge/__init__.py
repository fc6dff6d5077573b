"""culturebridge: audience intelligence for cross-border creative content."""

__version__ = "0.1.0"
