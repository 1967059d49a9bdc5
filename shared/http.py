"""Tiny JSON-over-HTTP helpers for health probes and read-only queries of a service."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

from pydantic import BaseModel

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Query = Callable[[dict[str, str]], Awaitable[tuple[int, Any]]]


def _encode(body: Any) -> bytes:
    if isinstance(body, BaseModel):
        return body.model_dump_json().encode()
    return json.dumps(body, default=str).encode()


async def respond(send: Send, status: int, body: Any) -> None:
    payload = _encode(body)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def json_query(handler: Query) -> ASGIApp:
    """An ASGI GET endpoint: ``handler`` gets the query parameters, returns (status, body)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("method") not in {"GET", "HEAD"}:
            await respond(send, 405, {"error": "method_not_allowed"})
            return
        raw = parse_qs(scope.get("query_string", b"").decode())
        params = {key: values[-1] for key, values in raw.items()}
        status, body = await handler(params)
        await respond(send, status, body)

    return app
