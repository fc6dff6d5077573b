"""`Released`: a finished result that may leave the warehouse, and the only thing surfaces take.

Tables are guarded while a result is built (`Policy.guard`, through the query session); each
guard report it issues is marked as issued by that policy. When the result is finished, the
session's release step (`Policy.publish`) checks that the result carries at least one report and
that every report in it was issued by this workspace's policy, then seals it as `Released`.
`Released` cannot be made any other way: its constructor wants a token only this module holds.

The CLI's printer, the API's routes and the reports take `Released[...]`, so handing them a
result that never met the guard (a raw table, a result assembled by hand) is a type error, and
a result whose reports were forged or made with another k is refused when it is sealed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from typing import Any, Generic, TypeVar, get_args

from pydantic import BaseModel

from culturebridge.privacy._guard import GuardReport

T_co = TypeVar("T_co", covariant=True)
U = TypeVar("U")

_SEAL = object()


class Released(Generic[T_co]):
    """A result sealed by the release step, with the guard's reports on it."""

    __slots__ = ("_reports", "_value")

    def __init__(self, value: T_co, reports: tuple[GuardReport, ...], *, seal: object) -> None:
        if seal is not _SEAL:
            raise TypeError("a Released result is made by the release step only (Policy.publish)")
        self._value = value
        self._reports = reports

    @property
    def value(self) -> T_co:
        return self._value

    @property
    def reports(self) -> tuple[GuardReport, ...]:
        return self._reports

    def notes(self) -> list[str]:
        """One line per guarded table: what was suppressed below k, or noised."""
        return list(dict.fromkeys(r.note() for r in self._reports))

    def map(self, view: Callable[[T_co], U]) -> Released[U]:
        """A view of this result (some of its rows, another envelope) is released with it."""
        return Released(view(self._value), self._reports, seal=_SEAL)

    def __repr__(self) -> str:
        return f"Released({type(self._value).__name__}, {len(self._reports)} report(s))"


def seal(
    value: U, reports: tuple[GuardReport, ...], issued: Callable[[GuardReport], bool]
) -> Released[U]:
    """Seal `value` as released when every guard report in it (and in `reports`, for a value
    such as a list of rows that cannot hold its own) was `issued` by the workspace's policy."""
    reports = (*reports, *_reports(value))
    if not reports:
        raise TypeError(
            f"{type(value).__name__} carries no guard report: nothing in it went through the guard"
        )
    for report in reports:
        if not issued(report):
            raise TypeError(
                f"{type(value).__name__} holds a guard report this workspace's policy did not "
                "issue: release it through the query session"
            )
    return Released(value, reports, seal=_SEAL)


def _reports(value: object) -> Iterator[GuardReport]:
    if isinstance(value, GuardReport):
        yield value
    elif isinstance(value, BaseModel):
        for name in _holding_fields(type(value)):
            yield from _reports(getattr(value, name))
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _reports(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _reports(v)


@cache
def _holding_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of `cls` whose type may hold a guard report (rows of plain figures are not
    walked, which keeps sealing a result with thousands of rows cheap)."""
    return tuple(
        name for name, f in cls.model_fields.items() if _may_hold(f.annotation, frozenset())
    )


def _may_hold(tp: Any, seen: frozenset[Any]) -> bool:
    if tp is GuardReport or tp is Any or tp is object:
        return True
    if tp in seen:
        return False
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return any(_may_hold(f.annotation, seen | {tp}) for f in tp.model_fields.values())
    return any(_may_hold(a, seen) for a in get_args(tp))
