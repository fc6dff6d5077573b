"""The app factory uvicorn imports in each worker (`culturebridge serve` sets the folder)."""

from __future__ import annotations

import os

from fastapi import FastAPI

from culturebridge.api._app import create_app


def app() -> FastAPI:
    return create_app(os.environ["CULTUREBRIDGE_SERVE_DIR"])
