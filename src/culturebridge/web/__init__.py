"""The dashboard (being written)."""

from fastapi import FastAPI


def register(app: FastAPI) -> None:
    """Mount the dashboard's pages and static assets on `app`."""
