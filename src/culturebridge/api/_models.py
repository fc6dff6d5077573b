"""The envelope every list-shaped response shares (`XsPublic(data, count)` in FastAPI's
template), plus what the privacy guard did, so an API reader sees what a CLI reader sees."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from culturebridge.query import Scope

T = TypeVar("T")


class Rows(BaseModel, Generic[T]):
    """Rows of one typed result, how many, the guard's notes and the frame of the result."""

    data: list[T]
    count: int
    privacy: list[str] = Field(default_factory=list)
    """One note per guarded result: what was suppressed below k (or noised)."""
    scope: Scope | None = None


class Message(BaseModel):
    detail: str
