"""JSON over HTTP for health probes and read-only queries, on FastStream's ASGI support.

Bodies are encoded the way events are (pydantic's JSON mode): ISO-8601 timestamps, decimals
as strings. A query names the model of its answer (:class:`Answer`): what it answers is built
through that model, so a field stored beside the ones the model names never reaches a caller,
and each service's AsyncAPI document gives the model's JSON Schema.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from enum import Enum
from typing import Any

from faststream.asgi import AsgiResponse, Request
from faststream.asgi.handlers import GetHandler
from faststream.asgi.types import ASGIApp
from pydantic import BaseModel, ConfigDict, TypeAdapter
from pydantic_core import to_json

from shared.exports import csv_text

Query = Callable[[dict[str, str]], Awaitable[tuple[int, Any]]]
"""A read-only query: the request's query parameters in, (HTTP status, JSON body) out."""
Route = tuple[str, ASGIApp]


class Answer(BaseModel):
    """What a query answers, documented: frozen, and blind to any stored field it does not
    name (bookkeeping, outbox, leases). Fields are only ever added."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class QueryError(Answer):
    """Why a query was not answered: 400 (a parameter is missing or wrong) or 404 (no such
    document)."""

    error: str


ERROR = TypeAdapter(QueryError)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> AsgiResponse:
    return AsgiResponse(
        to_json(body, serialize_unknown=True),
        status,
        {"content-type": "application/json", **(headers or {})},
    )


class QueryHandler(GetHandler):
    """A GET endpoint whose answer is ``answer`` (a model, a list of one, or a union of
    them): on 200 the query's body is read into it, otherwise into :class:`QueryError`."""

    def __init__(self, query: Query, answer: Any) -> None:
        adapter: TypeAdapter[Any] = TypeAdapter(answer)
        self.answer = answer

        async def endpoint(request: Request) -> AsgiResponse:
            params = {key: values[-1] for key, values in request.query_params.items()}
            status, body = await query(params)
            shape = adapter if status == 200 else ERROR
            return AsgiResponse(
                shape.dump_json(shape.validate_python(body)),
                status,
                {"content-type": "application/json"},
            )

        super().__init__(endpoint, description=query.__doc__)


def json_query(query: Query, answer: Any) -> QueryHandler:
    """A GET endpoint answering ``query``'s (status, body) as JSON, through the model
    ``answer`` (see :class:`QueryHandler`)."""
    return QueryHandler(query, answer)


class CsvQueryHandler(QueryHandler):
    """A GET endpoint answering CSV (``text/csv``) for people's spreadsheets: on 200 the
    query's body is a list of rows, each read into the model ``row`` and written as one line
    under a header of the model's fields, in their order (numbers as numbers, none as an empty
    cell, every text neutralised against formulas: :mod:`shared.exports`); any other status
    answers its :class:`QueryError` as JSON. Its documented answer is ``list[row]``."""

    def __init__(self, query: Query, row: type[Answer]) -> None:
        rows: TypeAdapter[list[Answer]] = TypeAdapter(list[row])  # type: ignore[valid-type]
        self.answer = list[row]  # type: ignore[valid-type]
        columns = list(row.model_fields)

        async def endpoint(request: Request) -> AsgiResponse:
            params = {key: values[-1] for key, values in request.query_params.items()}
            status, body = await query(params)
            if status != 200:
                return AsgiResponse(
                    ERROR.dump_json(ERROR.validate_python(body)),
                    status,
                    {"content-type": "application/json"},
                )
            cells = (
                [_cell(getattr(item, name)) for name in columns]
                for item in rows.validate_python(body)
            )
            return AsgiResponse(
                csv_text(columns, cells).encode(),
                200,
                {"content-type": "text/csv; charset=utf-8"},
            )

        GetHandler.__init__(self, endpoint, description=query.__doc__)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_query(query: Query, row: type[Answer]) -> CsvQueryHandler:
    """A GET endpoint answering ``query``'s rows as CSV (see :class:`CsvQueryHandler`)."""
    return CsvQueryHandler(query, row)
