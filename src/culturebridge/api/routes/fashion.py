"""Routes for fashion (being written)."""

from fastapi import APIRouter

router = APIRouter(prefix="/fashion", tags=["fashion"])
