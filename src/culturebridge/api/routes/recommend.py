"""Routes for recommend (being written)."""

from fastapi import APIRouter

router = APIRouter(prefix="/recommend", tags=["recommend"])
