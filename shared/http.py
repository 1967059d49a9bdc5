"""JSON over HTTP for health probes and read-only queries, on FastStream's ASGI support.

Bodies are encoded the way events are (pydantic's JSON mode): ISO-8601 timestamps, decimals
as strings.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from faststream.asgi import AsgiResponse, Request, get
from faststream.asgi.handlers import HttpHandler
from faststream.asgi.types import ASGIApp
from pydantic_core import to_json

Query = Callable[[dict[str, str]], Awaitable[tuple[int, Any]]]
"""A read-only query: the request's query parameters in, (HTTP status, JSON body) out."""
Route = tuple[str, ASGIApp]


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> AsgiResponse:
    return AsgiResponse(
        to_json(body, serialize_unknown=True),
        status,
        {"content-type": "application/json", **(headers or {})},
    )


def json_query(query: Query) -> HttpHandler:
    """A GET endpoint answering ``query``'s (status, body) as JSON."""

    async def endpoint(request: Request) -> AsgiResponse:
        params = {key: values[-1] for key, values in request.query_params.items()}
        status, body = await query(params)
        return json_response(status, body)

    return get(endpoint, description=query.__doc__)
