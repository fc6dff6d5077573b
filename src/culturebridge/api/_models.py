"""The envelope every list-shaped response shares (`XsPublic(data, count)` in FastAPI's
template), plus what the privacy guard did, so an API reader sees what a CLI reader sees; and
`published`, the only way a route hands a result about users to FastAPI."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from functools import wraps
from typing import Any, Generic, ParamSpec, TypeVar, overload

from pydantic import BaseModel, Field

from culturebridge.privacy import Released
from culturebridge.query import Scope

T = TypeVar("T")
P = ParamSpec("P")


class Rows(BaseModel, Generic[T]):
    """Rows of one typed result, how many, the guard's notes and the frame of the result."""

    data: list[T]
    count: int
    privacy: list[str] = Field(default_factory=list)
    """One note per guarded result: what was suppressed below k (or noised)."""
    scope: Scope | None = None


class Message(BaseModel):
    detail: str


@overload
def published(
    route: Callable[P, Coroutine[Any, Any, Released[T]]],
) -> Callable[P, Coroutine[Any, Any, T]]: ...
@overload
def published(route: Callable[P, Released[T]]) -> Callable[P, T]: ...
def published(route: Callable[P, Any]) -> Callable[P, Any]:
    """A route that answers with a released result: FastAPI gets the result itself (checked
    against the route's `response_model`), a `Rows` envelope with the guard's notes filled in.
    A route whose handler returns anything but `Released` fails type checking."""
    if inspect.iscoroutinefunction(route):

        @wraps(route)
        async def run_async(*args: P.args, **kwargs: P.kwargs) -> Any:
            return _open(await route(*args, **kwargs))

        return run_async

    @wraps(route)
    def run(*args: P.args, **kwargs: P.kwargs) -> Any:
        return _open(route(*args, **kwargs))

    return run


def _open(out: Released[Any]) -> Any:
    if not isinstance(out, Released):
        raise TypeError(f"a published route returned {type(out).__name__}, not Released")
    value = out.value
    if isinstance(value, Rows) and not value.privacy:
        return value.model_copy(update={"privacy": out.notes()})
    return value
