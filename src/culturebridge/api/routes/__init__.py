"""One `APIRouter` per resource; `ROUTERS` is what the app mounts under `/api/v1`."""

from fastapi import APIRouter

from culturebridge.api.routes import (
    analytics,
    campaigns,
    capture,
    esports,
    fashion,
    ingest,
    insights,
    items,
    keys,
    localise,
    recommend,
    segments,
    social,
    status,
)

ROUTERS: list[APIRouter] = [
    status.router,
    keys.router,
    ingest.router,
    capture.router,
    items.router,
    segments.router,
    analytics.router,
    insights.router,
    recommend.router,
    fashion.router,
    social.router,
    campaigns.router,
    esports.router,
    localise.router,
]

__all__ = ["ROUTERS"]
