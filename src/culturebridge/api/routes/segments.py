"""Routes for segments (being written)."""

from fastapi import APIRouter

router = APIRouter(prefix="/segments", tags=["segments"])
