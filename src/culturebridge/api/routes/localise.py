"""Routes for localise (being written)."""

from fastapi import APIRouter

router = APIRouter(prefix="/localise", tags=["localise"])
