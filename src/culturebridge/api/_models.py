"""The envelope every list-shaped response shares (`XsPublic(data, count)` in FastAPI's
template), plus what the privacy guard did, so an API reader sees what a CLI reader sees; and
`published`, the only way a route hands a result about users to FastAPI."""

from __future__ import annotations

import csv
import inspect
import io
import json
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from functools import wraps
from typing import Any, Generic, ParamSpec, TypeVar, overload

from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from culturebridge.privacy import Released
from culturebridge.query import Scope

T = TypeVar("T")
P = ParamSpec("P")

CSV = "text/csv"
"""A table export: the rows of a result, one line each (nested fields as JSON)."""
PLOTLY = "application/vnd.plotly.v1+json"
"""The media type of a Plotly figure (`{"data": [...], "layout": {...}}`), as Jupyter names it."""
NEGOTIATED: ContextVar[tuple[str, str, Any]] = ContextVar("negotiated", default=("", "", None))
"""The request's `Accept` and `Accept-Language` headers and the app's state (set by the app's
middleware)."""
CHART_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            PLOTLY: {
                "schema": {"type": "object"},
                "example": {"data": [{"type": "bar"}], "layout": {}},
            }
        },
        "description": "The result, or with `Accept: application/vnd.plotly.v1+json` its chart "
        "(the one the reports draw), labelled in the `Accept-Language` (en or zh), or with "
        "`Accept: text/csv` its rows as CSV (UTF-8 with a byte-order mark, for spreadsheets). "
        "Every export is written to the audit log.",
    }
}


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
    against the route's `response_model`), a `Rows` envelope with the guard's notes filled in,
    or its chart when the client asks for one. A route whose handler returns anything but
    `Released` fails type checking."""
    return _answering(route, _open)


R = TypeVar("R")


def charted(route: Callable[P, R]) -> Callable[P, R]:
    """A route whose result describes no user (ratings of public players, catalogue checks):
    the result as it is, or its chart when the client asks for one."""
    answer: Callable[P, R] = _answering(route, _negotiate)
    return answer


def _answering(route: Callable[P, Any], finish: Callable[[Any], Any]) -> Callable[P, Any]:
    """`route` with `finish` applied to what it returns (a coroutine stays a coroutine, so that
    FastAPI still runs a plain function in its thread pool)."""
    if inspect.iscoroutinefunction(route):

        @wraps(route)
        async def run_async(*args: P.args, **kwargs: P.kwargs) -> Any:
            return finish(await route(*args, **kwargs))

        return run_async

    @wraps(route)
    def run(*args: P.args, **kwargs: P.kwargs) -> Any:
        return finish(route(*args, **kwargs))

    return run


def _open(out: Released[Any]) -> Any:
    if not isinstance(out, Released):
        raise TypeError(f"a published route returned {type(out).__name__}, not Released")
    value = out.value
    if isinstance(value, Rows) and not value.privacy:
        value = value.model_copy(update={"privacy": out.notes()})
    return _negotiate(value)


def _negotiate(value: Any) -> Any:
    accept, language, state = NEGOTIATED.get()
    if CSV in accept:
        return _csv(value)
    if PLOTLY in accept:
        return _chart(value, "zh" if language.lower().startswith("zh") else "en", state)
    return value


def table_rows(value: Any) -> list[dict[str, Any]]:
    """The rows of a result as JSON-ready dicts: a `Rows` envelope's data, a result's `rows`
    (or a segment preview's preferences), a list's items, or the result itself as one row."""
    if isinstance(value, Rows):
        items: Any = value.data
    elif hasattr(value, "rows"):
        items = value.rows
    elif hasattr(value, "preferences"):
        items = value.preferences
    else:
        items = value if isinstance(value, list) else [value]
    return [
        i.model_dump(mode="json") if isinstance(i, BaseModel) else dict(i)
        if isinstance(i, dict) else {"value": i}
        for i in items
    ]  # fmt: skip


def exported(
    rows: list[dict[str, Any]],
    lang: str,
    draw: Callable[[list[dict[str, Any]], str], dict[str, Any] | None],
) -> Response:
    """Rows a route builds itself (outside `published`), as CSV or as the chart `draw` makes,
    by the request's `Accept`."""
    accept = NEGOTIATED.get()[0]
    if CSV in accept:
        return _csv(rows)
    from culturebridge.reports import translate

    figure = draw(rows, lang) or {"data": [], "layout": {}}
    return JSONResponse(translate(figure, lang), media_type=PLOTLY)


def _csv(value: Any) -> Response:
    """`table_rows(value)` as CSV: the columns of the first row first, then any others; nested
    values as JSON; null as an empty cell."""
    rows = table_rows(value)
    columns = list(dict.fromkeys(k for r in rows for k in r))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([_cell(r.get(c)) for c in columns])
    body = "\ufeff" + out.getvalue()  # a byte-order mark: spreadsheets then read UTF-8 Chinese
    return Response(body, media_type="text/csv; charset=utf-8")


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    return v


def _chart(value: Any, lang: str, state: Any) -> JSONResponse:
    """The chart of a released result as JSON (`{"data": [], "layout": {}}` when nothing can
    be drawn), with items and partners named by their titles and names, and data values (kinds,
    stages, channels, provinces, genres, fashion attributes) in `lang`. (Titles
    are catalogue data; which items a chart shows is the released result's business.)"""
    from culturebridge.api._catalogue import catalogue
    from culturebridge.reports import chart, translate
    from culturebridge.web import value_labels

    def build() -> dict[str, str]:
        from culturebridge.query import reference_table

        labels = value_labels(lang)
        for p in reference_table(state.ws, "partners").to_pylist() if state is not None else ():
            first, second = (
                (p["name_zh"], p["name_en"]) if lang == "zh" else (p["name_en"], p["name_zh"])
            )
            labels[p["partner_id"]] = str(first or second or p["partner_id"])
        for item in catalogue(state).values() if state is not None else ():
            first, second = (
                (item.title_zh, item.title_en) if lang == "zh" else (item.title_en, item.title_zh)
            )
            if first or second:
                labels[item.item_id] = str(first or second)
        return labels

    # built once per data version and language, not on every chart request
    labels = (
        state.once(f"chart_labels.{lang}", build, state.data_version(["items", "partners"]))
        if state
        else build()
    )
    if isinstance(value, Rows):
        value = value.data
    elif hasattr(value, "preferences") and not hasattr(value, "rows"):
        value = value.preferences  # a segment preview: its preferences are its chart
    figure = chart(value, labels, lang) or {"data": [], "layout": {}}
    return JSONResponse(translate(figure, lang, labels), media_type=PLOTLY)
