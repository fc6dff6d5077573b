"""Routes for ingest (being written)."""

from fastapi import APIRouter

router = APIRouter(prefix="/ingest", tags=["ingest"])
