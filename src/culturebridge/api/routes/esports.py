"""Routes for esports (being written)."""

from fastapi import APIRouter

router = APIRouter(prefix="/esports", tags=["esports"])
