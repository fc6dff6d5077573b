"""Routes for campaigns (being written)."""

from fastapi import APIRouter

router = APIRouter(prefix="/campaigns", tags=["campaigns"])
