"""Chinese social listening."""
