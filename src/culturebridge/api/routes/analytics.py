"""Routes for analytics (being written)."""

from fastapi import APIRouter

router = APIRouter(prefix="/analytics", tags=["analytics"])
