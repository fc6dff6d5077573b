"""Routes for social (being written)."""

from fastapi import APIRouter

router = APIRouter(prefix="/social", tags=["social"])
