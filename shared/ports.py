"""``/metrics`` on a port of its own (``OMS_METRICS_PORT``), where Prometheus scrapes: the query
port then answers no ``/metrics``, and the metrics port answers nothing else. A network policy
can then let Prometheus reach the one and the back office the other."""

from __future__ import annotations

import socket
from typing import Any

from faststream.asgi.types import ASGIApp, Receive, Scope, Send

from shared.http import json_response

METRICS_PATH = "/metrics"


def listening(host: str, port: int) -> socket.socket:
    """A bound socket for uvicorn to serve beside its own (``Server.run(sockets=...)``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def on_its_own_port(scope: Scope, metrics_port: int | None) -> bool:
    """Whether the request may go on: ``/metrics`` on the metrics port, the rest elsewhere."""
    if metrics_port is None or scope["type"] != "http":
        return True
    on_metrics_port = (scope.get("server") or ("", 0))[1] == metrics_port
    wants_metrics = str(scope.get("path", "")).rstrip("/") == METRICS_PATH
    return on_metrics_port == wants_metrics


def metrics_apart(app: ASGIApp, metrics_port: int | None) -> Any:
    """``app`` with ``/metrics`` kept to the metrics port (a JSON 404 otherwise)."""
    if metrics_port is None:
        return app

    async def apart(scope: Scope, receive: Receive, send: Send) -> None:
        if on_its_own_port(scope, metrics_port):
            await app(scope, receive, send)
            return
        body = {"error": "not_found", "path": scope.get("path", "")}
        await json_response(404, body)(scope, receive, send)

    return apart
